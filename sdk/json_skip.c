/*
 * json_skip.c - stepping over objects and arrays, and the memo of where the
 * payload's containers end.
 *
 * Every view the reader hands out has its exact length, so reaching a member
 * means stepping over the whole value before it, and returning a container
 * means finding its end.  Done naively, a policy reading
 * request.object.spec.containers would scan the request, then the object, the
 * spec and the list again, each time in full.  Instead, while a container of
 * the call's payload is scanned, the ends of the containers nested in it are
 * remembered (json_memo_start registers the payload); stepping over any of
 * them later is one lookup.  Each byte of the payload is then scanned about
 * once per call, however deep the policy reads.
 *
 * The memo is per-call state, like the arena, and is forgotten with it.  It
 * is a cache: an entry may be overwritten by another container, which is
 * then scanned again.
 */
#include "json_memo.h"
#include "json_scan.h"

enum {
    MEMO_BITS = 9,
    MEMO_SLOTS = 1 << MEMO_BITS,
    MEMO_DEPTH = 64,    /* containers nested deeper are not remembered */
    MEMO_MIN = 8,       /* nor smaller ones: scanning them is as cheap */
};

static struct {
    const char *text, *text_end;   /* the payload; NULL: nothing is remembered */
    uint32_t start[MEMO_SLOTS];    /* offset + 1 of a container's first byte; 0 = empty */
    uint32_t end[MEMO_SLOTS];      /* offset of the byte after its last */
    bool used;
} memo;

/* Fibonacci hashing: the top bits of offset * 2^32/phi */
static inline uint32_t slot_of(uint32_t offset) { return (offset * 2654435761u) >> (32 - MEMO_BITS); }

void json_memo_start(const char *text, size_t len)
{
    json_memo_forget();
    if (len >= UINT32_MAX)
        return;   /* offsets are 32-bit */
    memo.text = text;
    memo.text_end = text + len;
}

void json_memo_forget(void)
{
    if (memo.used) {
        memset(memo.start, 0, sizeof memo.start);
        memo.used = false;
    }
    memo.text = memo.text_end = NULL;
}

static inline bool in_memo(const char *p) { return p >= memo.text && p < memo.text_end; }

static inline void remember(const char *start, const char *end)
{
    uint32_t offset = (uint32_t)(start - memo.text), slot = slot_of(offset);
    memo.start[slot] = offset + 1;
    memo.end[slot] = (uint32_t)(end - memo.text);
    memo.used = true;
}

static inline const char *recalled(const char *p, const char *end)
{
    uint32_t offset = (uint32_t)(p - memo.text), slot = slot_of(offset);
    if (memo.start[slot] != offset + 1)
        return NULL;
    const char *e = memo.text + memo.end[slot];
    return e <= end ? e : NULL;
}

/* The scan itself: brackets counted outside strings (a mismatched kind of
 * bracket is not noticed; what the reader then finds inside is still bounded
 * by the text).  Outside strings the bytes are mostly single ':' and ','
 * between tokens, so they are looked at one by one; strings, where most
 * bytes are, go word by word.  With `record`, nested containers are
 * remembered as they close. */
static const char *scan(const char *p, const char *end, bool record)
{
    const char *open[MEMO_DEPTH];
    size_t depth = 0;
    while (p < end) {
        /* Half the bytes outside strings are quotes: one compare for them
         * before the class lookup predicts better than a four-way branch on
         * the class for every byte (-10 % per evaluation of pod-privileged). */
        if (*p == '"') {
            p = scan_string_end(p, end);
            if (!p)
                return NULL;
            continue;
        }
        unsigned what = scan_class[(unsigned char)*p++];
        if (what == SCAN_PLAIN)
            continue;
        if (what == SCAN_OPEN) {
            if (depth < MEMO_DEPTH)
                open[depth] = p - 1;
            depth++;
        } else {
            depth--;
            if (record && depth < MEMO_DEPTH && p - open[depth] >= MEMO_MIN)
                remember(open[depth], p);
            if (depth == 0)
                return p;
        }
    }
    return NULL;
}

const char *json_container_end(const char *p, const char *end)
{
    if (!in_memo(p))
        return scan(p, end, false);
    const char *e = recalled(p, end);
    return e ? e : scan(p, end, true);
}
