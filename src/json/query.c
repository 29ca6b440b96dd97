/*
 * query.c - reading values: member and item lookup, typed getters, deep equality.
 *
 * Objects keep members in document order and are searched linearly: admission
 * objects have a handful of keys per level, where a scan beats hashing.  With
 * duplicate keys the first one wins, for json_get and json_equal alike.
 */
#include "internal.h"

#include <math.h>
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

/* Members that json_get can see: the first of each key (duplicates are shadowed). */
static size_t visible_members(const json_value *o)
{
    size_t n = 0;
    for (size_t i = 0; i < o->len; i++)
        n += json_get_n(o, o->u.members[i].key, o->u.members[i].key_len) == o->u.members[i].value;
    return n;
}

static bool objects_equal(const json_value *a, const json_value *b)
{
    bool duplicates = false;
    for (size_t i = 0; i < a->len; i++) {
        const json_member *m = &a->u.members[i];
        if (json_get_n(a, m->key, m->key_len) != m->value) {
            duplicates = true;
            continue;
        }
        const json_value *other = json_get_n(b, m->key, m->key_len);
        if (!other || !json_equal(m->value, other)) return false;
    }
    /* Every visible key of a is in b; equal if b has no others. */
    return !duplicates && a->len == b->len ? true : visible_members(a) == visible_members(b);
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
