/*
 * query.c - reading values: member and item lookup, typed getters, deep equality,
 * serde's type names.
 *
 * Objects keep members in document order and are searched linearly: admission
 * objects have a handful of keys per level, where a scan beats hashing.  With
 * duplicate keys the first one wins, for json_get and json_equal alike.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const json_value *json_get(const json_value *object, const char *key)
{
    return key ? json_get_n(object, key, strlen(key)) : NULL;
}

const json_value *json_get_n(const json_value *object, const char *key, size_t len)
{
    if (!object || object->type != JSON_OBJECT) return NULL;
    for (size_t i = 0; i < object->len; i++) {
        const json_member *m = &object->u.members[i];
        if (m->key_len == len && memcmp(m->key, key, len) == 0) return m->value;
    }
    return NULL;
}

const json_value *json_index(const json_value *array, size_t i)
{
    if (!array || array->type != JSON_ARRAY || i >= array->len) return NULL;
    return array->u.items[i];
}

const char *json_get_string(const json_value *object, const char *key)
{
    const json_value *v = json_get(object, key);
    return v && v->type == JSON_STRING ? v->u.str : NULL;
}

bool json_get_bool(const json_value *object, const char *key, bool dflt)
{
    const json_value *v = json_get(object, key);
    if (!v) return dflt;
    if (v->type == JSON_TRUE) return true;
    if (v->type == JSON_FALSE) return false;
    return dflt;
}

const char *json_serde_type(const json_value *v)
{
    switch (v->type) {
    case JSON_NULL: return "null";
    case JSON_FALSE: case JSON_TRUE: return "boolean";
    case JSON_NUMBER: return "number";
    case JSON_STRING: return "string";
    case JSON_ARRAY: return "sequence";
    case JSON_OBJECT: return "map";
    }
    return "value";
}

/* A literal without fraction or exponent, in int64 range. */
static bool integer_literal(const json_value *v)
{
    return !memchr(v->u.num.text, '.', v->u.num.text_len) && !memchr(v->u.num.text, 'e', v->u.num.text_len) &&
           !memchr(v->u.num.text, 'E', v->u.num.text_len);
}

/* True for numbers with an integral value that fits int64 ("3", "3.0", "3e2"). */
bool json_is_integer(const json_value *v, int64_t *out)
{
    if (!v || v->type != JSON_NUMBER) return false;
    if (integer_literal(v) && v->u.num.text_len <= 20) {
        /* Exact, even beyond 2^53 where the double is not. */
        const char *p = v->u.num.text;
        bool neg = *p == '-';
        uint64_t n = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        for (p += neg; *p; p++) {
            unsigned digit = (unsigned)(*p - '0');
            if (n > (limit - digit) / 10) return false;
            n = n * 10 + digit;
        }
        if (out) *out = neg ? (int64_t)(0 - n) : (int64_t)n;
        return true;
    }
    double d = v->u.num.d;
    if (d != trunc(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0) return false;
    if (out) *out = (int64_t)d;
    return true;
}

static bool numbers_equal(const json_value *a, const json_value *b)
{
    if (a->u.num.text_len == b->u.num.text_len && memcmp(a->u.num.text, b->u.num.text, a->u.num.text_len) == 0)
        return true;
    int64_t x, y;
    if (integer_literal(a) && integer_literal(b) && json_is_integer(a, &x) && json_is_integer(b, &y))
        return x == y;
    return a->u.num.d == b->u.num.d;
}

static int compare_keys(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

static int compare_members(const void *x, const void *y)
{
    const json_member *a = *(const json_member *const *)x, *b = *(const json_member *const *)y;
    int c = compare_keys(a->key, a->key_len, b->key, b->key_len);
    return c ? c : (a > b) - (a < b);        /* document order among duplicates: the first wins */
}

void json_key_index_init(json_key_index *ix, const json_value *object, const json_member **storage)
{
    ix->object = object;
    ix->sorted = object->len >= JSON_KEY_INDEX_MIN ? storage : NULL;
    if (!ix->sorted) return;
    for (size_t i = 0; i < object->len; i++) ix->sorted[i] = &object->u.members[i];
    qsort(ix->sorted, object->len, sizeof *ix->sorted, compare_members);
}

const json_value *json_key_index_get(const json_key_index *ix, const char *key, size_t len)
{
    if (!ix->sorted) return json_get_n(ix->object, key, len);
    size_t lo = 0, hi = ix->object->len;
    while (lo < hi) {                         /* the first entry >= key */
        size_t mid = lo + (hi - lo) / 2;
        if (compare_keys(ix->sorted[mid]->key, ix->sorted[mid]->key_len, key, len) < 0) lo = mid + 1;
        else hi = mid;
    }
    if (lo < ix->object->len && compare_keys(ix->sorted[lo]->key, ix->sorted[lo]->key_len, key, len) == 0)
        return ix->sorted[lo]->value;
    return NULL;
}

/* Members that a lookup can see: the first of each key (duplicates are shadowed). */
static size_t visible_members(const json_key_index *ix)
{
    size_t n = 0;
    for (size_t i = 0; i < ix->object->len; i++) {
        const json_member *m = &ix->object->u.members[i];
        n += json_key_index_get(ix, m->key, m->key_len) == m->value;
    }
    return n;
}

/* Key order is ignored.  Large objects are compared through sorted indexes
 * (heap storage: json_equal has no arena), falling back to scans without memory. */
static bool objects_equal(const json_value *a, const json_value *b)
{
    const json_member **sa = a->len >= JSON_KEY_INDEX_MIN ? malloc(a->len * sizeof *sa) : NULL;
    const json_member **sb = b->len >= JSON_KEY_INDEX_MIN ? malloc(b->len * sizeof *sb) : NULL;
    json_key_index ia, ib;
    json_key_index_init(&ia, a, sa);
    json_key_index_init(&ib, b, sb);
    bool equal = true, duplicates = false;
    for (size_t i = 0; equal && i < a->len; i++) {
        const json_member *m = &a->u.members[i];
        if (json_key_index_get(&ia, m->key, m->key_len) != m->value) {
            duplicates = true;
            continue;
        }
        const json_value *other = json_key_index_get(&ib, m->key, m->key_len);
        equal = other && json_equal(m->value, other);
    }
    /* Every visible key of a is in b; equal if b has no others. */
    if (equal && (duplicates || a->len != b->len)) equal = visible_members(&ia) == visible_members(&ib);
    free(sa);
    free(sb);
    return equal;
}

bool json_equal(const json_value *a, const json_value *b)
{
    if (a == b) return true;
    if (!a || !b || a->type != b->type) return false;
    switch (a->type) {
    case JSON_NULL: case JSON_FALSE: case JSON_TRUE:
        return true;
    case JSON_NUMBER:
        return numbers_equal(a, b);
    case JSON_STRING:
        return a->len == b->len && memcmp(a->u.str, b->u.str, a->len) == 0;
    case JSON_ARRAY:
        if (a->len != b->len) return false;
        for (size_t i = 0; i < a->len; i++)
            if (!json_equal(a->u.items[i], b->u.items[i])) return false;
        return true;
    case JSON_OBJECT:
        return objects_equal(a, b);
    }
    return false;
}
