/*
 * json_read.c - the SDK's zero-copy JSON reader: navigation and strings.
 *
 * Nothing is validated up front: lookups walk the original bytes with the
 * scanning steps of json_scan.h, which are safe on any text.  Whatever is
 * malformed reads as absent (a lookup) or as the end of the items (an
 * iteration); every view handed out lies inside the view it came from.
 * Navigation allocates nothing.
 */
#include "kw.h"

#include <string.h>

#include "json_scan.h"

/* ---- navigation ---------------------------------------------------------------- */

kw_val kw_view(const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    p = scan_ws(p, end);
    while (end > p && scan_is_ws(end[-1]))
        end--;
    if (p == end)
        return KW_NONE;
    /* the shape of the ends only: the inside is checked when it is read */
    char first = *p, last = end[-1];
    bool closed = first == '{' ? last == '}' : first == '[' ? last == ']' : first == '"' ? last == '"' && end - p >= 2
                                                                                         : scan_scalar_end(p, end) == end;
    return closed ? (kw_val){ p, (size_t)(end - p) } : KW_NONE;
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
    if (i == v.n)
        return false;
    uint64_t m = 0;
    for (; i < v.n; i++) {
        if (!scan_is_digit(v.p[i]))
            return false;   /* fraction, exponent or not a number */
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

/* The next item of a container's contents [p, end): the value (array) or the
 * key (object) after an optional comma.  NULL at the end or on anything that
 * is not a value. */
static inline __attribute__((always_inline)) const char *next_item(const char *p, const char *end, kw_val *item)
{
    p = scan_ws(p, end);
    if (p < end && *p == ',')
        p = scan_ws(p + 1, end);
    if (p >= end)
        return NULL;
    const char *e = scan_value_end(p, end);
    if (e)
        *item = (kw_val){ p, (size_t)(e - p) };
    return e;
}

/* One member of an object's contents: its key and its value.  NULL at the
 * end or on malformed text. */
typedef struct member {
    kw_val key, value;
} member;

static inline __attribute__((always_inline)) const char *next_member(const char *p, const char *end, member *m)
{
    p = scan_ws(p, end);
    if (p < end && *p == ',')
        p = scan_ws(p + 1, end);
    if (p >= end || *p != '"')
        return NULL;
    const char *k = p;
    p = scan_string_end(p, end);
    if (!p)
        return NULL;
    m->key = (kw_val){ k, (size_t)(p - k) };
    if (p < end && *p == ':')   /* compact text: no blanks to skip */
        p++;
    else if ((p = scan_ws(p, end)) < end && *p == ':')
        p++;
    else
        return NULL;
    p = scan_ws(p, end);
    if (p >= end)
        return NULL;
    const char *e = scan_value_end(p, end);
    if (e)
        m->value = (kw_val){ p, (size_t)(e - p) };
    return e;
}

bool kw_next(kw_iter *it, kw_val *elem)
{
    if (!it->p || it->object)
        return false;
    it->p = next_item(it->p, it->end, elem);
    return it->p != NULL;
}

bool kw_next_member(kw_iter *it, kw_val *key, kw_val *value)
{
    member m;
    if (!it->p || !it->object)
        return false;
    it->p = next_member(it->p, it->end, &m);
    if (!it->p)
        return false;
    *key = m.key;
    *value = m.value;
    return true;
}

/* Whether a member's key is key[0..n) (plain: key holds no backslash).  Most
 * keys are settled by their raw length and bytes, without a call; only a
 * key that may hold escapes is decoded. */
static inline __attribute__((always_inline)) bool key_is(kw_val k, const char *key, size_t n, bool plain)
{
    size_t raw = k.n - 2;
    const char *r = k.p + 1;
    if (raw == n) {
        for (size_t i = 0; i < n; i++)
            if (r[i] != key[i])
                return false;
        return plain || kw_str_eqn(k, key, n);   /* equal bytes: equal text unless escaped */
    }
    /* longer raw text can only decode to key through escapes */
    if (raw < n || (n > 0 && r[0] != key[0] && r[0] != '\\'))
        return false;
    for (size_t i = 0; i < raw; i++)
        if (r[i] == '\\')
            return kw_str_eqn(k, key, n);
    return false;
}

/* strlen, and whether the key holds a backslash */
static size_t key_len(const char *key, bool *plain)
{
    size_t n = 0;
    *plain = true;
    for (; key[n]; n++)
        if (key[n] == '\\')
            *plain = false;
    return n;
}

/* Member named key[0..n) of an object. */
static kw_val get_n(kw_val obj, const char *key, size_t n, bool plain)
{
    if (kw_typeof(obj) != KW_OBJECT)
        return KW_NONE;
    const char *p = obj.p + 1, *end = obj.p + obj.n - 1;
    member m;
    while ((p = next_member(p, end, &m)))
        if (key_is(m.key, key, n, plain))
            return m.value;
    return KW_NONE;
}

kw_val kw_get(kw_val obj, const char *key)
{
    bool plain;
    size_t n = key_len(key, &plain);
    return get_n(obj, key, n, plain);
}

size_t kw_get_many(kw_val obj, const char *const *keys, size_t n, kw_val *out)
{
    size_t lens[KW_GET_MANY_MAX], found = 0;
    bool plain[KW_GET_MANY_MAX];
    for (size_t i = KW_GET_MANY_MAX; i < n; i++)   /* beyond the limit: correct, not faster */
        if (kw_present(out[i] = kw_get(obj, keys[i])))
            found++;
    if (n > KW_GET_MANY_MAX)
        n = KW_GET_MANY_MAX;
    for (size_t i = 0; i < n; i++) {
        out[i] = KW_NONE;
        lens[i] = key_len(keys[i], &plain[i]);
    }
    if (kw_typeof(obj) != KW_OBJECT)
        return found;
    const char *p = obj.p + 1, *end = obj.p + obj.n - 1;
    member m;
    size_t want = found + n;
    while (found < want && (p = next_member(p, end, &m)))
        for (size_t i = 0; i < n; i++)
            if (!out[i].p && key_is(m.key, keys[i], lens[i], plain[i])) {
                out[i] = m.value;   /* the first member of that name, as kw_get */
                found++;
                break;
            }
    return found;
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
        size_t n = 0, digits = 0, index = 0;
        bool plain = true;
        for (; path[n] && path[n] != '.'; n++) {
            if (scan_is_digit(path[n])) {
                digits++;
                index = index * 10 + (size_t)(path[n] - '0');
            }
            plain = plain && path[n] != '\\';
        }
        if (kw_typeof(v) == KW_ARRAY && n > 0 && digits == n)
            v = kw_at(v, index);
        else
            v = get_n(v, path, n, plain);
        path += n + (path[n] == '.');
    }
    return v;
}

/* ---- strings ----------------------------------------------------------------- */

static size_t utf8_put(unsigned cp, char out[4])
{
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
}

/* Decodes the escape at *pp (just after the backslash, before end) into out;
 * returns the bytes written and advances *pp, or returns 0 for an escape that
 * is not JSON.  A surrogate that is not half of a pair decodes to U+FFFD, as
 * Go's encoding/json does. */
static size_t decode_escape(const char **pp, const char *end, char out[4])
{
    const char *p = *pp;
    char e = *p++;
    int cp;
    switch (e) {
    case '"': case '\\': case '/': cp = e; break;
    case 'b': cp = '\b'; break;
    case 'f': cp = '\f'; break;
    case 'n': cp = '\n'; break;
    case 'r': cp = '\r'; break;
    case 't': cp = '\t'; break;
    case 'u':
        cp = end - p >= 4 ? scan_hex4(p) : -1;
        if (cp < 0)
            return 0;
        p += 4;
        if (cp >= 0xd800 && cp <= 0xdfff) {
            int lo = cp <= 0xdbff && end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? scan_hex4(p + 2) : -1;
            if (lo >= 0xdc00 && lo <= 0xdfff) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                p += 6;
            } else {
                cp = 0xfffd;
            }
        }
        break;
    default:
        return 0;
    }
    *pp = p;
    return utf8_put((unsigned)cp, out);
}

/* Calls back with each decoded chunk of string s; stops when cb returns false
 * or at an escape that is not JSON (returning false). */
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
        size_t n = p < end ? decode_escape(&p, end, tmp) : 0;
        if (n == 0 || !cb(ctx, tmp, n))
            return false;
    }
    return true;
}

/* A string value: starts and ends with a quote (views from the reader always
 * do; this guards views a caller made up). */
static bool is_string(kw_val s) { return kw_typeof(s) == KW_STRING && s.n >= 2 && s.p[s.n - 1] == '"'; }

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
    if (!is_string(s))
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
    if (is_string(s))
        decode(s, count_chunk, &n);
    return n;
}

typedef struct copy_ctx {
    char *dst;
    size_t left;   /* what kw_str_len counted: decoding stops at the same place */
} copy_ctx;

static bool copy_chunk(void *ctx, const char *s, size_t n)
{
    copy_ctx *c = ctx;
    if (n > c->left)
        return false;
    memcpy(c->dst, s, n);
    c->dst += n;
    c->left -= n;
    return true;
}

char *kw_str(kw_val s)
{
    size_t n = kw_str_len(s);
    char *out = kw_alloc(n + 1);
    copy_ctx c = { out, n };
    if (is_string(s))
        decode(s, copy_chunk, &c);
    return out;
}

enum { MAX_EQUAL_DEPTH = 256 };

static bool equal(kw_val a, kw_val b, int depth)
{
    kw_type t = kw_typeof(a);
    if (t != kw_typeof(b) || depth > MAX_EQUAL_DEPTH)
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
            if (!equal(ea, eb, depth + 1))
                return false;
        }
    }
    case KW_OBJECT: {
        if (kw_len(a) != kw_len(b))
            return false;
        kw_iter it = kw_iter_begin(a);
        kw_val k, v;
        while (kw_next_member(&it, &k, &v))
            if (!equal(v, kw_get(b, kw_str(k)), depth + 1))
                return false;
        return true;
    }
    default:
        return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
    }
}

bool kw_equal(kw_val a, kw_val b) { return equal(a, b, 0); }

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
