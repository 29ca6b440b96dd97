/*
 * build.c - constructing values in an arena, and editing arrays and objects.
 *
 * Containers have no capacity field; they are sized by json_capacity_for (the
 * next power of two), so growing is a copy into a block twice as big whenever
 * the length reaches a power of two.  The old block stays in the arena until
 * the next reset.
 */
#include "internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_value *new_value(json_arena *a, json_type type)
{
    json_value *v = json_arena_alloc(a, sizeof *v);
    if (v) {
        v->type = type;
        v->lazy = false;
        v->len = 0;
    }
    return v;
}

json_value *json_new_null(json_arena *a) { return new_value(a, JSON_NULL); }
json_value *json_new_bool(json_arena *a, bool b) { return new_value(a, b ? JSON_TRUE : JSON_FALSE); }
json_value *json_new_array(json_arena *a) { return new_value(a, JSON_ARRAY); }
json_value *json_new_object(json_arena *a) { return new_value(a, JSON_OBJECT); }

json_value *json_new_int(json_arena *a, int64_t i)
{
    char text[24];
    int n = snprintf(text, sizeof text, "%" PRId64, i);
    return json_number_from_text(a, text, (size_t)n);
}

/* Integral values print without ".0"; others with the fewest digits that read back
 * as the same double.  JSON has no NaN or infinity: they become null. */
json_value *json_new_number(json_arena *a, double d)
{
    if (!isfinite(d)) return json_new_null(a);
    if (d == trunc(d) && fabs(d) < 9007199254740992.0)
        return json_new_int(a, (int64_t)d);
    char text[32];
    int n = 0;
    for (int precision = 15; precision <= 17; precision++) {
        n = snprintf(text, sizeof text, "%.*g", precision, d);
        if (strtod(text, NULL) == d) break;
    }
    json_value *v = json_number_from_text(a, text, (size_t)n);
    if (v) v->u.num.d = d;
    return v;
}

json_value *json_new_string(json_arena *a, const char *s, size_t len)
{
    json_value *v = new_value(a, JSON_STRING);
    char *copy = json_arena_strdup(a, s, len);
    if (!v || !copy) return NULL;
    v->u.str = copy;
    v->len = len;
    return v;
}

/* Makes room for one more element of `size` bytes in *items (length len). */
static int grow(json_arena *a, void **items, size_t len, size_t size)
{
    if (len < json_capacity_for(len)) return 0;
    size_t cap = len ? len * 2 : 1;
    void *p = json_arena_alloc(a, cap * size);
    if (!p) return -1;
    if (len) memcpy(p, *items, len * size);
    *items = p;
    return 0;
}

int json_array_push(json_arena *a, json_value *array, json_value *item)
{
    if (array->type != JSON_ARRAY || !item) return -1;
    void *items = array->u.items;
    if (grow(a, &items, array->len, sizeof(json_value *)) < 0) return -1;
    array->u.items = items;
    array->u.items[array->len++] = item;
    return 0;
}

static json_member *find_member(const json_value *object, const char *key)
{
    size_t len = strlen(key);
    for (size_t i = 0; i < object->len; i++) {
        json_member *m = &object->u.members[i];
        if (m->key_len == len && memcmp(m->key, key, len) == 0) return m;
    }
    return NULL;
}

int json_object_set(json_arena *a, json_value *object, const char *key, json_value *value)
{
    if (object->type != JSON_OBJECT || !value) return -1;
    json_member *m = find_member(object, key);
    if (m) {
        m->value = value;
        return 0;
    }
    size_t key_len = strlen(key);
    char *copy = json_arena_strdup(a, key, key_len);
    void *members = object->u.members;
    if (!copy || grow(a, &members, object->len, sizeof(json_member)) < 0) return -1;
    object->u.members = members;
    object->u.members[object->len++] = (json_member){ .key = copy, .key_len = key_len, .value = value };
    return 0;
}

int json_object_remove(json_value *object, const char *key)
{
    if (object->type != JSON_OBJECT) return 0;
    json_member *m = find_member(object, key);
    if (!m) return 0;
    size_t i = (size_t)(m - object->u.members);
    memmove(m, m + 1, (object->len - i - 1) * sizeof *m);
    object->len--;
    return 1;
}
