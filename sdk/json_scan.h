/*
 * json_scan.h - private to the SDK: how the JSON reader steps over text.
 *
 * The text is never validated as a whole (the host built it with its own JSON
 * writer): every step works on ANY bytes instead.  Each function takes the
 * end of the text it may read, never reads past it, always moves forward, and
 * returns NULL where the text is not JSON, which the reader turns into
 * "absent" / "no more items".
 *
 * Guest code runs interpreted, so the cost is the number of instructions per
 * byte skipped.  Strings and containers are scanned 8 bytes at a time (SWAR:
 * one 64-bit load and a few integer operations find the first interesting
 * byte of the word); values are never decoded while skipped.
 */
#ifndef KW_JSON_SCAN_H
#define KW_JSON_SCAN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "json_scan.h: the word-at-a-time scanning assumes a little-endian target (wasm32, x86-64, arm64)"
#endif

#define SCAN_ONES 0x0101010101010101ull
#define SCAN_HIGHS 0x8080808080808080ull

static inline uint64_t scan_load8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);   /* one i64.load */
    return w;
}

/* Offset of the first flagged byte. */
static inline unsigned scan_first(uint64_t flags) { return (unsigned)__builtin_ctzll(flags) >> 3; }

static inline bool scan_is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

static inline const char *scan_ws(const char *p, const char *end)
{
    while (p < end && (unsigned char)*p <= ' ' && scan_is_ws(*p))   /* one test for most bytes */
        p++;
    return p;
}

/* The value of the 4 hex digits at p[0..4) (the caller checked they are
 * there) of a \uXXXX escape, or -1. */
static inline int scan_hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char ch = p[i];
        int h = ch >= '0' && ch <= '9' ? ch - '0'
              : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
              : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Whether the quote at q (after start) is escaped: preceded by an odd number
 * of backslashes. */
static inline bool scan_escaped(const char *start, const char *q)
{
    size_t n = 0;
    while (q > start && q[-1] == '\\') {
        q--;
        n++;
    }
    return n % 2 == 1;
}

/* The end of the string whose opening quote is at p (the byte after its
 * closing quote), or NULL if it is not closed before end.  Only quotes are
 * searched for, 8 bytes at a time; a quote preceded by a backslash is rare
 * enough to be checked when found. */
static inline const char *scan_string_end(const char *p, const char *end)
{
    const char *start = ++p;
    /* words may start up to `last`; compared as integers since the pointer
     * end - 8 need not exist */
    uintptr_t last = (uintptr_t)end - 8;
    bool words = (uintptr_t)end >= 8;
    for (;;) {
        while (words && (uintptr_t)p <= last) {
            uint64_t w = scan_load8(p);
            /* the high bit of the bytes equal to '"' (x - 1 & ~x & 0x80 for
             * x = byte ^ '"'; as '"' < 0x80, ~x and ~byte share that bit).
             * Bytes above the first match may be flagged wrongly (the
             * subtraction borrows): only the lowest flag counts. */
            uint64_t hit = ((w ^ (SCAN_ONES * '"')) - SCAN_ONES) & ~w & SCAN_HIGHS;
            if (hit) {
                p += scan_first(hit);
                goto quote;
            }
            p += 8;
        }
        while (p < end && *p != '"')
            p++;
        if (p >= end)
            return NULL;
    quote:
        if (p[-1] != '\\' || !scan_escaped(start, p))
            return p + 1;
        p++;
    }
}

/* What a byte other than a quote means outside strings while stepping over
 * a container (json_skip.c tests for quotes first). */
enum { SCAN_PLAIN, SCAN_OPEN, SCAN_CLOSE };
static const unsigned char scan_class[256] = {
    ['{'] = SCAN_OPEN, ['['] = SCAN_OPEN, ['}'] = SCAN_CLOSE, [']'] = SCAN_CLOSE,
};

/* The end of the object or array opening at p (json_skip.c), NULL if it is
 * not closed before end. */
const char *json_container_end(const char *p, const char *end);

static inline bool scan_is_digit(char c) { return c >= '0' && c <= '9'; }

/* The end of a number or literal starting at p, NULL if p starts neither. */
static inline const char *scan_scalar_end(const char *p, const char *end)
{
    size_t left = (size_t)(end - p);
    switch (*p) {
    case 't': return left >= 4 && memcmp(p, "true", 4) == 0 ? p + 4 : NULL;
    case 'f': return left >= 5 && memcmp(p, "false", 5) == 0 ? p + 5 : NULL;
    case 'n': return left >= 4 && memcmp(p, "null", 4) == 0 ? p + 4 : NULL;
    default: break;
    }
    if (*p != '-' && !scan_is_digit(*p))
        return NULL;
    p++;
    while (p < end && (scan_is_digit(*p) || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' || *p == '-'))
        p++;
    return p;
}

/* The end of the value starting at p (p < end), NULL if none starts there. */
static inline const char *scan_value_end(const char *p, const char *end)
{
    if (*p == '"')
        return scan_string_end(p, end);
    if (*p == '{' || *p == '[')
        return json_container_end(p, end);
    return scan_scalar_end(p, end);
}

#endif
