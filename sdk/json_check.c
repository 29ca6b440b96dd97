/*
 * json_check.c - validation of JSON documents (kw_parse), strict RFC 8259:
 * UTF-8 checked, \u escapes and surrogate pairs checked, depth limited.
 * Reading does not depend on it (json_read.c is safe on any bytes); it is for
 * text whose errors must be reported with their place.
 */
#include "kw.h"

#include <string.h>

#include "json_scan.h"

enum { MAX_DEPTH = 256 };

/* ---- validation -------------------------------------------------------------- */

typedef struct checker {
    const char *s, *end, *p;
    const char *what;   /* first error, NULL while fine */
} checker;

static void fail(checker *c, const char *what)
{
    if (!c->what)
        c->what = what;
}

static void ws(checker *c)
{
    c->p = scan_ws(c->p, c->end);
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
                if (c->end - c->p < 6 || scan_hex4(c->p + 2) < 0)
                    return fail(c, "bad \\u escape");
                int u = scan_hex4(c->p + 2);
                c->p += 6;
                if (u >= 0xdc00 && u <= 0xdfff)
                    return fail(c, "lone low surrogate");
                if (u >= 0xd800 && u <= 0xdbff) {
                    if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u')
                        return fail(c, "lone high surrogate");
                    int lo = scan_hex4(c->p + 2);
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

/* A scalar (string, number, literal) at c->p. */
static void check_scalar(checker *c)
{
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
}

/* The whole document, iteratively: one loop and an explicit stack of open
 * containers, so interpreted guest code pays no call per token. */
static void check_document(checker *c)
{
    bool in_object[MAX_DEPTH];   /* per open container: an object, or an array */
    int depth = 0;
    enum { VALUE, KEY, AFTER } state = VALUE;
    while (!c->what) {
        if (state == AFTER && depth == 0)
            return;   /* the document's value ends here, before any blanks */
        ws(c);
        if (state == KEY) {
            if (c->p >= c->end || *c->p != '"')
                return fail(c, "expected object key");
            scan_string(c);
            if (c->what)
                return;
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
            in_object[depth++] = ch == '{';
            c->p++;
            ws(c);
            if (c->p < c->end && *c->p == (ch == '{' ? '}' : ']')) {
                c->p++;
                depth--;
                state = AFTER;
            } else {
                state = ch == '{' ? KEY : VALUE;
            }
        } else {   /* AFTER a value */
            bool object = in_object[depth - 1];
            if (c->p < c->end && *c->p == ',') {
                c->p++;
                state = object ? KEY : VALUE;
            } else if (c->p < c->end && *c->p == (object ? '}' : ']')) {
                c->p++;
                depth--;
            } else {
                return fail(c, object ? "expected ',' or '}'" : "expected ',' or ']'");
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
    checker c = { text, text + len, text, NULL };
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
    return 0;
}

