/*
 * json_read.c - the SDK's zero-copy JSON reader.
 *
 * kw_parse validates a document once (strict RFC 8259, UTF-8 checked, depth
 * limited); after that every lookup walks the original bytes and trusts their
 * shape, so navigation has no error paths and allocates nothing.
 */
#include "kw.h"

#include <string.h>

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

static void check_string(checker *c)
{
    c->p++;   /* opening quote */
    while (c->p < c->end) {
        unsigned char ch = (unsigned char)*c->p;
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

static void check_value(checker *c, int depth);

static void check_container(checker *c, int depth, char close, bool object)
{
    if (depth >= MAX_DEPTH)
        return fail(c, "nesting too deep");
    c->p++;
    ws(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        return;
    }
    while (!c->what) {
        ws(c);
        if (object) {
            if (c->p >= c->end || *c->p != '"')
                return fail(c, "expected object key");
            check_string(c);
            ws(c);
            if (c->p >= c->end || *c->p != ':')
                return fail(c, "expected ':' after object key");
            c->p++;
        }
        check_value(c, depth + 1);
        if (c->what)
            return;
        ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p == close) {
            c->p++;
            return;
        }
        return fail(c, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static void check_value(checker *c, int depth)
{
    ws(c);
    if (c->p >= c->end)
        return fail(c, "unexpected end of input");
    switch (*c->p) {
    case '{': return check_container(c, depth, '}', true);
    case '[': return check_container(c, depth, ']', false);
    case '"': return check_string(c);
    case 't': return check_literal(c, "true");
    case 'f': return check_literal(c, "false");
    case 'n': return check_literal(c, "null");
    default:
        if (*c->p == '-' || is_digit(*c->p))
            return check_number(c);
        return fail(c, "unexpected character");
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
    check_value(&c, 0);
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

/* ---- navigation (input already validated) --------------------------------------- */

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static const char *skip_string(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return end;
}

/* End of the value starting at p. */
static const char *skip_value(const char *p, const char *end)
{
    if (*p == '"')
        return skip_string(p, end);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (p < end) {
            char ch = *p;
            if (ch == '"') {
                p = skip_string(p, end);
                continue;
            }
            if (ch == '{' || ch == '[')
                depth++;
            else if (ch == '}' || ch == ']') {
                if (--depth == 0)
                    return p + 1;
            }
            p++;
        }
        return end;
    }
    while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' &&
           *p != '\n' && *p != '\r')
        p++;
    return p;
}

kw_type kw_typeof(kw_val v)
{
    if (!v.p || v.n == 0)
        return KW_ABSENT;
    switch (v.p[0]) {
    case '{': return KW_OBJECT;
    case '[': return KW_ARRAY;
    case '"': return KW_STRING;
    case 't': case 'f': return KW_BOOL;
    case 'n': return KW_NULL;
    default: return KW_NUMBER;
    }
}

bool kw_is_true(kw_val v) { return v.p && v.n == 4 && memcmp(v.p, "true", 4) == 0; }

bool kw_bool(kw_val v, bool dflt)
{
    if (kw_typeof(v) != KW_BOOL)
        return dflt;
    return kw_is_true(v);
}

bool kw_int(kw_val v, int64_t *out)
{
    if (kw_typeof(v) != KW_NUMBER)
        return false;
    size_t i = 0;
    bool neg = v.p[0] == '-';
    if (neg)
        i++;
    uint64_t m = 0;
    for (; i < v.n; i++) {
        if (!is_digit(v.p[i]))
            return false;   /* fraction or exponent */
        if (m > (UINT64_MAX - 9) / 10)
            return false;
        m = m * 10 + (uint64_t)(v.p[i] - '0');
    }
    if (m > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
        return false;
    *out = neg ? (int64_t)(0 - m) : (int64_t)m;
    return true;
}

kw_iter kw_iter_begin(kw_val container)
{
    kw_type t = kw_typeof(container);
    if (t != KW_ARRAY && t != KW_OBJECT)
        return (kw_iter){ NULL, NULL, false };
    return (kw_iter){ container.p + 1, container.p + container.n - 1, t == KW_OBJECT };
}

/* The next item of either kind of container: an element, or a member's key. */
static bool next_item(kw_iter *it, kw_val *elem)
{
    if (!it->p)
        return false;
    const char *p = skip_ws(it->p, it->end);
    if (p < it->end && *p == ',')
        p = skip_ws(p + 1, it->end);
    if (p >= it->end) {
        it->p = NULL;
        return false;
    }
    const char *e = skip_value(p, it->end);
    *elem = (kw_val){ p, (size_t)(e - p) };
    it->p = e;
    return true;
}

bool kw_next(kw_iter *it, kw_val *elem)
{
    return !it->object && next_item(it, elem);
}

bool kw_next_member(kw_iter *it, kw_val *key, kw_val *value)
{
    kw_val k;
    if (!it->object || !next_item(it, &k))
        return false;
    const char *p = skip_ws(it->p, it->end);   /* at ':' */
    p = skip_ws(p + 1, it->end);
    const char *e = skip_value(p, it->end);
    *key = k;
    *value = (kw_val){ p, (size_t)(e - p) };
    it->p = e;
    return true;
}

kw_val kw_get(kw_val obj, const char *key)
{
    if (kw_typeof(obj) != KW_OBJECT)
        return KW_NONE;
    kw_iter it = kw_iter_begin(obj);
    kw_val k, v;
    size_t n = strlen(key);
    while (kw_next_member(&it, &k, &v))
        if (kw_str_eqn(k, key, n))
            return v;
    return KW_NONE;
}

kw_val kw_at(kw_val arr, size_t i)
{
    if (kw_typeof(arr) != KW_ARRAY)
        return KW_NONE;
    kw_iter it = kw_iter_begin(arr);
    kw_val e;
    while (kw_next(&it, &e))
        if (i-- == 0)
            return e;
    return KW_NONE;
}

size_t kw_len(kw_val v)
{
    kw_type t = kw_typeof(v);
    kw_iter it = kw_iter_begin(v);
    kw_val k, e;
    size_t n = 0;
    if (t == KW_ARRAY)
        while (kw_next(&it, &e))
            n++;
    else if (t == KW_OBJECT)
        while (kw_next_member(&it, &k, &e))
            n++;
    return n;
}

kw_val kw_path(kw_val v, const char *path)
{
    while (*path && v.p) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        char seg[128];
        if (n >= sizeof seg)
            return KW_NONE;
        memcpy(seg, path, n);
        seg[n] = '\0';
        if (kw_typeof(v) == KW_ARRAY && n > 0 && strspn(seg, "0123456789") == n) {
            size_t idx = 0;
            for (size_t i = 0; i < n; i++)
                idx = idx * 10 + (size_t)(seg[i] - '0');
            v = kw_at(v, idx);
        } else {
            v = kw_get(v, seg);
        }
        path += n + (dot ? 1 : 0);
    }
    return v;
}

/* ---- strings ----------------------------------------------------------------- */

/* Decodes the escape at p (after the backslash) into out; returns bytes written
 * and advances *pp past the escape. */
static size_t decode_escape(const char **pp, char out[4])
{
    const char *p = *pp;
    char e = *p++;
    unsigned cp;
    switch (e) {
    case 'b': out[0] = '\b'; *pp = p; return 1;
    case 'f': out[0] = '\f'; *pp = p; return 1;
    case 'n': out[0] = '\n'; *pp = p; return 1;
    case 'r': out[0] = '\r'; *pp = p; return 1;
    case 't': out[0] = '\t'; *pp = p; return 1;
    case 'u':
        cp = (unsigned)hex4(p);
        p += 4;
        if (cp >= 0xd800 && cp <= 0xdbff) {   /* validated: a low surrogate follows */
            unsigned lo = (unsigned)hex4(p + 2);
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            p += 6;
        }
        *pp = p;
        if (cp < 0x80) { out[0] = (char)cp; return 1; }
        if (cp < 0x800) {
            out[0] = (char)(0xc0 | (cp >> 6));
            out[1] = (char)(0x80 | (cp & 0x3f));
            return 2;
        }
        if (cp < 0x10000) {
            out[0] = (char)(0xe0 | (cp >> 12));
            out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
            out[2] = (char)(0x80 | (cp & 0x3f));
            return 3;
        }
        out[0] = (char)(0xf0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[3] = (char)(0x80 | (cp & 0x3f));
        return 4;
    default: out[0] = e; *pp = p; return 1;   /* \" \\ \/ */
    }
}

/* Calls back with each decoded chunk of string s; stops when cb returns false. */
typedef bool (*chunk_fn)(void *ctx, const char *s, size_t n);

static bool decode(kw_val s, chunk_fn cb, void *ctx)
{
    const char *p = s.p + 1, *end = s.p + s.n - 1;
    while (p < end) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        const char *stop = bs ? bs : end;
        if (stop > p && !cb(ctx, p, (size_t)(stop - p)))
            return false;
        if (!bs)
            break;
        p = bs + 1;
        char tmp[4];
        size_t n = decode_escape(&p, tmp);
        if (!cb(ctx, tmp, n))
            return false;
    }
    return true;
}

typedef struct cmp_ctx {
    const char *lit;
    size_t left;
} cmp_ctx;

static bool cmp_chunk(void *ctx, const char *s, size_t n)
{
    cmp_ctx *c = ctx;
    if (n > c->left || memcmp(c->lit, s, n) != 0)
        return false;
    c->lit += n;
    c->left -= n;
    return true;
}

bool kw_str_eqn(kw_val s, const char *lit, size_t n)
{
    if (kw_typeof(s) != KW_STRING)
        return false;
    if (!memchr(s.p, '\\', s.n))   /* common case: no escapes */
        return s.n - 2 == n && memcmp(s.p + 1, lit, n) == 0;
    cmp_ctx c = { lit, n };
    return decode(s, cmp_chunk, &c) && c.left == 0;
}

bool kw_str_eq(kw_val s, const char *lit) { return kw_str_eqn(s, lit, strlen(lit)); }

static bool count_chunk(void *ctx, const char *s, size_t n)
{
    (void)s;
    *(size_t *)ctx += n;
    return true;
}

size_t kw_str_len(kw_val s)
{
    size_t n = 0;
    if (kw_typeof(s) == KW_STRING)
        decode(s, count_chunk, &n);
    return n;
}

static bool copy_chunk(void *ctx, const char *s, size_t n)
{
    char **dst = ctx;
    memcpy(*dst, s, n);
    *dst += n;
    return true;
}

char *kw_str(kw_val s)
{
    size_t n = kw_str_len(s);
    char *out = kw_alloc(n + 1), *w = out;
    if (kw_typeof(s) == KW_STRING)
        decode(s, copy_chunk, &w);
    return out;
}

bool kw_equal(kw_val a, kw_val b)
{
    kw_type t = kw_typeof(a);
    if (t != kw_typeof(b))
        return false;
    switch (t) {
    case KW_ABSENT:
    case KW_NULL:
        return true;
    case KW_STRING: {
        if (!memchr(a.p, '\\', a.n) && !memchr(b.p, '\\', b.n))
            return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
        char *sb = kw_str(b);
        return kw_str_eqn(a, sb, kw_str_len(b));
    }
    case KW_ARRAY: {
        kw_iter ia = kw_iter_begin(a), ib = kw_iter_begin(b);
        kw_val ea, eb;
        for (;;) {
            bool ha = kw_next(&ia, &ea), hb = kw_next(&ib, &eb);
            if (ha != hb)
                return false;
            if (!ha)
                return true;
            if (!kw_equal(ea, eb))
                return false;
        }
    }
    case KW_OBJECT: {
        if (kw_len(a) != kw_len(b))
            return false;
        kw_iter it = kw_iter_begin(a);
        kw_val k, v;
        while (kw_next_member(&it, &k, &v))
            if (!kw_equal(v, kw_get(b, kw_str(k))))
                return false;
        return true;
    }
    default:
        return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
    }
}

bool kw_contains(kw_val arr, kw_val v)
{
    kw_iter it = kw_iter_begin(arr);
    kw_val e;
    while (kw_next(&it, &e))
        if (kw_equal(e, v))
            return true;
    return false;
}

bool kw_contains_str(kw_val arr, const char *s)
{
    kw_iter it = kw_iter_begin(arr);
    kw_val e;
    size_t n = strlen(s);
    while (kw_next(&it, &e))
        if (kw_str_eqn(e, s, n))
            return true;
    return false;
}

bool kw_all_strings(kw_val v)
{
    if (kw_typeof(v) != KW_ARRAY)
        return false;
    kw_iter it = kw_iter_begin(v);
    kw_val e;
    while (kw_next(&it, &e))
        if (kw_typeof(e) != KW_STRING)
            return false;
    return true;
}
