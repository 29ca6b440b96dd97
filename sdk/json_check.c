/*
 * json_check.c - validation of JSON documents (kw_parse), strict RFC 8259:
 * UTF-8 checked, \u escapes and surrogate pairs checked, depth limited.
 * While validating it records the length of every value (json_index.h), so
 * that lookups can step over values without scanning them.
 */
#include "kw.h"
#include "json_index.h"

#include <string.h>

enum { MAX_DEPTH = 256, MAX_INDEXED = 8 };

/* ---- the value index ---------------------------------------------------------------
 * For every value (and key) of a parsed document, its length, stored at the
 * offset where it starts: skipping a value is then one load instead of a
 * scan.  Lengths are 16-bit; a value of 64 KiB or more stores LONG_VALUE and
 * its length goes to a short list searched by offset.  Only offsets where a
 * value starts are ever written or read, so the map is not zeroed.  The last
 * few documents parsed stay indexed until the arena is reset. */

enum { LONG_VALUE = JSON_LONG_VALUE };

typedef json_doc_index doc_index;

const json_doc_index *json_index_last;

static doc_index indexed[MAX_INDEXED];   /* per guest call; forgotten with the arena */
static size_t indexed_count;

static void index_long_value(doc_index *ix, size_t off, size_t len)
{
    ix->len_at[off] = LONG_VALUE;
    if (ix->long_n == ix->long_cap) {
        size_t cap = ix->long_cap ? ix->long_cap * 2 : 16;
        uint32_t *starts = kw_alloc(cap * sizeof *starts), *lens = kw_alloc(cap * sizeof *lens);
        if (ix->long_n) {
            memcpy(starts, ix->long_starts, ix->long_n * sizeof *starts);
            memcpy(lens, ix->long_lens, ix->long_n * sizeof *lens);
        }
        ix->long_starts = starts;
        ix->long_lens = lens;
        ix->long_cap = cap;
    }
    /* values complete inner-first, so keep the list sorted by start */
    size_t i = ix->long_n++;
    while (i > 0 && ix->long_starts[i - 1] > off) {
        ix->long_starts[i] = ix->long_starts[i - 1];
        ix->long_lens[i] = ix->long_lens[i - 1];
        i--;
    }
    ix->long_starts[i] = (uint32_t)off;
    ix->long_lens[i] = (uint32_t)len;
}

static inline void index_value(doc_index *ix, const char *start, const char *end)
{
    size_t off = (size_t)(start - ix->text), len = (size_t)(end - start);
    if (len < LONG_VALUE)
        ix->len_at[off] = (uint16_t)len;
    else
        index_long_value(ix, off, len);
}

void json_index_forget(void)
{
    indexed_count = 0;
    json_index_last = NULL;
}

static void index_register(const doc_index *ix)
{
    /* a new document at the same place replaces the old one's index */
    size_t keep = 0;
    for (size_t i = 0; i < indexed_count; i++)
        if (indexed[i].text_end <= ix->text || indexed[i].text >= ix->text_end)
            indexed[keep++] = indexed[i];
    indexed_count = keep;
    json_index_last = NULL;   /* entries move below */
    if (indexed_count == MAX_INDEXED) {
        memmove(indexed, indexed + 1, (MAX_INDEXED - 1) * sizeof indexed[0]);
        indexed_count--;
    }
    indexed[indexed_count++] = *ix;
}

static const char *long_value_end(const doc_index *ix, uint32_t off)
{
    size_t lo = 0, hi = ix->long_n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ix->long_starts[mid] < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ix->long_n && ix->long_starts[lo] == off ? ix->text + off + ix->long_lens[lo] : NULL;
}

const char *json_index_end(const char *p)
{
    for (size_t i = indexed_count; i-- > 0;) {
        const doc_index *ix = &indexed[i];
        if (p < ix->text || p >= ix->text_end)
            continue;
        uint32_t off = (uint32_t)(p - ix->text);
        uint16_t len = ix->len_at[off];
        const char *end = len == LONG_VALUE ? long_value_end(ix, off) : p + len;
        /* a caller breaking the contract gets a scan, never a wild pointer */
        if (!end || end <= p || end > ix->text_end)
            return NULL;
        json_index_last = ix;
        return end;
    }
    return NULL;
}

/* ---- validation -------------------------------------------------------------- */

typedef struct checker {
    const char *s, *end, *p;
    const char *what;   /* first error, NULL while fine */
    doc_index *ix;      /* NULL: do not index */
} checker;

static void fail(checker *c, const char *what)
{
    if (!c->what)
        c->what = what;
}

static void ws(checker *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Length of the UTF-8 sequence at p (1-4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    size_t n;
    unsigned min;
    unsigned cp;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) { n = 2; cp = c & 0x1f; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { n = 3; cp = c & 0x0f; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* Bytes a string may contain as they are: printable ASCII except '"' and '\\'.
 * The scanning loop tests only this table (interpreted code pays per test). */
static const unsigned char plain[256] = {
    [0x20] = 1, [0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7f] = 1,
};

/* Checks the rest of a string, c->p being inside it, up to and past the
 * closing quote: escapes, UTF-8, control characters. */
static void string_rest(checker *c)
{
    while (c->p < c->end) {
        const unsigned char *u = (const unsigned char *)c->p, *end = (const unsigned char *)c->end;
        while (u < end && plain[*u])
            u++;
        c->p = (const char *)u;
        if (u >= end)
            break;
        unsigned char ch = *u;
        if (ch == '"') {
            c->p++;
            return;
        }
        if (ch < 0x20)
            return fail(c, "control character in string");
        if (ch == '\\') {
            if (c->end - c->p < 2)
                break;
            char e = c->p[1];
            if (e == 'u') {
                if (c->end - c->p < 6 || hex4(c->p + 2) < 0)
                    return fail(c, "bad \\u escape");
                int u = hex4(c->p + 2);
                c->p += 6;
                if (u >= 0xdc00 && u <= 0xdfff)
                    return fail(c, "lone low surrogate");
                if (u >= 0xd800 && u <= 0xdbff) {
                    if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u')
                        return fail(c, "lone high surrogate");
                    int lo = hex4(c->p + 2);
                    if (lo < 0xdc00 || lo > 0xdfff)
                        return fail(c, "lone high surrogate");
                    c->p += 6;
                }
                continue;
            }
            if (!strchr("\"\\/bfnrt", e) || e == '\0')
                return fail(c, "bad escape in string");
            c->p += 2;
            continue;
        }
        size_t n = utf8_seq((const unsigned char *)c->p, (const unsigned char *)c->end);
        if (n == 0)
            return fail(c, "invalid UTF-8 in string");
        c->p += n;
    }
    fail(c, "unterminated string");
}

static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

static void digits(checker *c)
{
    if (c->p >= c->end || !is_digit(*c->p))
        return fail(c, "bad number");
    while (c->p < c->end && is_digit(*c->p))
        c->p++;
}

static void check_number(checker *c)
{
    if (*c->p == '-')
        c->p++;
    if (c->p < c->end && *c->p == '0')
        c->p++;
    else
        digits(c);
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        digits(c);
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
            c->p++;
        digits(c);
    }
}

static void check_literal(checker *c, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
        return fail(c, "unexpected character");
    c->p += n;
}

/* Where a container started and which kind it is. */
typedef struct open_container {
    const char *start;
    bool object;
} open_container;

static void index_at(checker *c, const char *start)
{
    if (c->ix)
        index_value(c->ix, start, c->p);
}

/* A string at c->p: the plain run is scanned here, the rest in string_rest. */
static inline void scan_string(checker *c)
{
    const unsigned char *u = (const unsigned char *)c->p + 1, *end = (const unsigned char *)c->end;
    while (u < end && plain[*u])
        u++;
    c->p = (const char *)u;
    if (u < end && *u == '"')
        c->p++;
    else
        string_rest(c);
}

/* A scalar (string, number, literal) at c->p, indexed when valid. */
static void check_scalar(checker *c)
{
    const char *start = c->p;
    switch (*c->p) {
    case '"': scan_string(c); break;
    case 't': check_literal(c, "true"); break;
    case 'f': check_literal(c, "false"); break;
    case 'n': check_literal(c, "null"); break;
    default:
        if (*c->p == '-' || is_digit(*c->p))
            check_number(c);
        else
            fail(c, "unexpected character");
    }
    if (!c->what)
        index_at(c, start);
}

/* The whole document, iteratively: one loop and an explicit stack of open
 * containers, so interpreted guest code pays no call per token. */
static void check_document(checker *c)
{
    open_container stack[MAX_DEPTH];
    int depth = 0;
    enum { VALUE, KEY, AFTER } state = VALUE;
    while (!c->what) {
        if (state == AFTER && depth == 0)
            return;   /* the document's value ends here, before any blanks */
        ws(c);
        if (state == KEY) {
            if (c->p >= c->end || *c->p != '"')
                return fail(c, "expected object key");
            const char *key = c->p;
            scan_string(c);
            if (c->what)
                return;
            index_at(c, key);
            ws(c);
            if (c->p >= c->end || *c->p != ':')
                return fail(c, "expected ':' after object key");
            c->p++;
            state = VALUE;
        } else if (state == VALUE) {
            if (c->p >= c->end)
                return fail(c, "unexpected end of input");
            char ch = *c->p;
            if (ch != '{' && ch != '[') {
                check_scalar(c);
                state = AFTER;
                continue;
            }
            if (depth >= MAX_DEPTH)
                return fail(c, "nesting too deep");
            stack[depth++] = (open_container){ c->p, ch == '{' };
            c->p++;
            ws(c);
            if (c->p < c->end && *c->p == (ch == '{' ? '}' : ']')) {
                c->p++;
                index_at(c, stack[--depth].start);
                state = AFTER;
            } else {
                state = ch == '{' ? KEY : VALUE;
            }
        } else {   /* AFTER a value */
            open_container *top = &stack[depth - 1];
            if (c->p < c->end && *c->p == ',') {
                c->p++;
                state = top->object ? KEY : VALUE;
            } else if (c->p < c->end && *c->p == (top->object ? '}' : ']')) {
                c->p++;
                index_at(c, top->start);
                depth--;
            } else {
                return fail(c, top->object ? "expected ',' or '}'" : "expected ',' or ']'");
            }
        }
    }
}

static void put_error(char *err, size_t errlen, const char *what, size_t offset)
{
    if (!err || errlen == 0)
        return;
    kw_buf b = { 0 };
    kw_buf_puts(&b, what);
    kw_buf_puts(&b, " at offset ");
    kw_buf_int(&b, (int64_t)offset);
    size_t n = b.len < errlen - 1 ? b.len : errlen - 1;
    memcpy(err, b.data, n);
    err[n] = '\0';
}

int kw_parse(const char *text, size_t len, kw_val *out, char *err, size_t errlen)
{
    /* offsets are 32-bit: larger documents are validated but not indexed */
    doc_index ix = { text, text + len, NULL, NULL, NULL, 0, 0 };
    if (len > 0 && len < UINT32_MAX)
        ix.len_at = kw_alloc_uninit(len * sizeof *ix.len_at);
    checker c = { text, text + len, text, NULL, ix.len_at ? &ix : NULL };
    *out = KW_NONE;
    check_document(&c);
    const char *value_end = c.p;
    if (!c.what) {
        ws(&c);
        if (c.p != c.end)
            fail(&c, "trailing characters after JSON value");
    }
    if (c.what) {
        put_error(err, errlen, c.what, (size_t)(c.p - text));
        return -1;
    }
    const char *start = text;
    while (start < value_end && (*start == ' ' || *start == '\t' || *start == '\n' || *start == '\r'))
        start++;
    *out = (kw_val){ start, (size_t)(value_end - start) };
    if (c.ix)
        index_register(&ix);
    return 0;
}

