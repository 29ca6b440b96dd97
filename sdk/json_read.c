/*
 * json_read.c - the SDK's zero-copy JSON reader: navigation and strings.
 *
 * Documents are validated once by kw_parse (json_check.c); lookups then walk
 * the original bytes and trust their shape, so navigation has no error paths
 * and allocates nothing.  Skipping a container jumps to its end when
 * kw_parse indexed it (json_index.h), instead of scanning its bytes.
 */
#include "kw.h"

#include <string.h>

#include "json_index.h"

/* ---- navigation (input already validated) --------------------------------------- */

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
    for (int i = 0; i < 4; i++)
        v = v * 16 + hexval(p[i]);
    return v;
}

static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* Bytes that end a run inside a string: '"' and '\\'. */
static const unsigned char string_special[256] = { ['"'] = 1, ['\\'] = 1 };

static const char *skip_string(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        while (p < end && !string_special[(unsigned char)*p])
            p++;
        if (p >= end)
            break;
        if (*p == '\\')
            p++;
        else
            return p + 1;
    }
    return end;
}

/* End of the value starting at p. */
static const char *skip_value(const char *p, const char *end)
{
    const char *known = json_index_end_fast(p);
    if (known)
        return known;
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
    if (e <= p) {   /* not a value: only text that kw_parse did not check */
        it->p = NULL;
        return false;
    }
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

/* Member named key[0..n) of an object. */
static kw_val get_n(kw_val obj, const char *key, size_t n)
{
    if (kw_typeof(obj) != KW_OBJECT)
        return KW_NONE;
    kw_iter it = kw_iter_begin(obj);
    kw_val k, v;
    while (kw_next_member(&it, &k, &v))
        if (kw_str_eqn(k, key, n))
            return v;
    return KW_NONE;
}

kw_val kw_get(kw_val obj, const char *key) { return get_n(obj, key, strlen(key)); }

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
        size_t n = 0, digits = 0, index = 0;
        for (; path[n] && path[n] != '.'; n++) {
            if (is_digit(path[n])) {
                digits++;
                index = index * 10 + (size_t)(path[n] - '0');
            }
        }
        if (kw_typeof(v) == KW_ARRAY && n > 0 && digits == n)
            v = kw_at(v, index);
        else
            v = get_n(v, path, n);
        path += n + (path[n] == '.');
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
    /* Escapes only make the text longer than what it decodes to, so the
     * lengths settle most comparisons without looking at the bytes. */
    size_t raw = s.n - 2;
    if (raw < n)
        return false;
    if (raw == n)
        return memcmp(s.p + 1, lit, n) == 0 && !memchr(s.p + 1, '\\', n);
    if (!memchr(s.p + 1, '\\', raw))
        return false;
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
