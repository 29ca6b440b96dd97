/*
 * diff.c - RFC 6902 JSON Patch from one document to another.
 *
 * Objects: members only in `from` are removed, members only in `to` added,
 * common members compared recursively.  Arrays: the common prefix is compared
 * element by element; extra elements of `to` are added at their index in
 * order, extra elements of `from` removed from the highest index down, so each
 * operation's index is valid when it is applied.  Anything else that differs is
 * replaced whole.  Paths are RFC 6901 pointers (~ as ~0, / as ~1).
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

typedef struct differ {
    json_arena *arena;           /* for the key indexes of large objects */
    json_buf *out;
    json_buf path;               /* pointer of the value being compared */
    bool first;                  /* no operation written yet */
} differ;

static void path_push_key(json_buf *path, const char *key, size_t len)
{
    json_buf_append(path, "/", 1);
    for (size_t i = 0; i < len; i++) {
        if (key[i] == '~') json_buf_append(path, "~0", 2);
        else if (key[i] == '/') json_buf_append(path, "~1", 2);
        else json_buf_append(path, key + i, 1);
    }
}

static void path_push_index(json_buf *path, size_t i)
{
    char text[24];
    int n = snprintf(text, sizeof text, "/%zu", i);
    json_buf_append(path, text, (size_t)n);
}

static void path_pop(json_buf *path, size_t mark)
{
    path->len = mark;
    if (path->data) path->data[mark] = '\0';
}

static void emit(differ *d, const char *op, const json_value *value)
{
    json_buf *out = d->out;
    json_buf_puts(out, d->first ? "{\"op\":\"" : ",{\"op\":\"");
    d->first = false;
    json_buf_puts(out, op);
    json_buf_puts(out, "\",\"path\":");
    json_write_string(out, d->path.data ? d->path.data : "", d->path.len);
    if (value) {
        json_buf_puts(out, ",\"value\":");
        json_write(out, value);
    }
    json_buf_append(out, "}", 1);
}

/* Large objects are looked up through a sorted index (internal.h), so diffing
 * two objects of n keys costs n log n rather than n squared: a ConfigMap with
 * tens of thousands of keys can pass through a mutating policy. */
static void index_init(differ *d, json_key_index *ix, const json_value *object)
{
    const json_member **storage = NULL;
    if (object->len >= JSON_KEY_INDEX_MIN) storage = json_arena_alloc(d->arena, object->len * sizeof *storage);
    json_key_index_init(ix, object, storage);     /* no storage: scans, still correct */
}

static void diff_value(differ *d, const json_value *from, const json_value *to);

static void diff_object(differ *d, const json_value *from, const json_value *to)
{
    size_t mark = d->path.len;
    json_key_index from_ix, to_ix;
    index_init(d, &from_ix, from);
    index_init(d, &to_ix, to);
    for (size_t i = 0; i < from->len; i++) {
        const json_member *m = &from->u.members[i];
        if (json_key_index_get(&to_ix, m->key, m->key_len) || json_key_index_get(&from_ix, m->key, m->key_len) != m->value)
            continue;                                             /* kept, or a later duplicate key */
        path_push_key(&d->path, m->key, m->key_len);
        emit(d, "remove", NULL);
        path_pop(&d->path, mark);
    }
    for (size_t i = 0; i < to->len; i++) {
        const json_member *m = &to->u.members[i];
        const json_value *old = json_key_index_get(&from_ix, m->key, m->key_len);
        if (json_key_index_get(&to_ix, m->key, m->key_len) != m->value) continue;   /* a later duplicate key */
        path_push_key(&d->path, m->key, m->key_len);
        if (old) diff_value(d, old, m->value);
        else emit(d, "add", m->value);
        path_pop(&d->path, mark);
    }
}

static void diff_array(differ *d, const json_value *from, const json_value *to)
{
    size_t mark = d->path.len;
    size_t common = from->len < to->len ? from->len : to->len;
    for (size_t i = 0; i < common; i++) {
        path_push_index(&d->path, i);
        diff_value(d, from->u.items[i], to->u.items[i]);
        path_pop(&d->path, mark);
    }
    for (size_t i = common; i < to->len; i++) {
        path_push_index(&d->path, i);
        emit(d, "add", to->u.items[i]);
        path_pop(&d->path, mark);
    }
    for (size_t i = from->len; i-- > common;) {
        path_push_index(&d->path, i);
        emit(d, "remove", NULL);
        path_pop(&d->path, mark);
    }
}

static void diff_value(differ *d, const json_value *from, const json_value *to)
{
    if (from->lazy || to->lazy) {                /* json_parse_lazy left them as text */
        from = json_expand(d->arena, from);
        to = json_expand(d->arena, to);
        if (!from || !to) {
            d->out->oom = true;
            return;
        }
    }
    if (from->type == JSON_OBJECT && to->type == JSON_OBJECT) diff_object(d, from, to);
    else if (from->type == JSON_ARRAY && to->type == JSON_ARRAY) diff_array(d, from, to);
    else if (!json_equal(from, to)) emit(d, "replace", to);
}

int json_diff(json_arena *a, const json_value *from, const json_value *to, json_buf *out)
{
    differ d = { .arena = a, .out = out, .first = true };
    json_buf_init(&d.path);
    json_buf_append(out, "[", 1);
    diff_value(&d, from, to);
    json_buf_append(out, "]", 1);
    bool oom = d.path.oom || out->oom;
    json_buf_free(&d.path);
    return oom ? -1 : 0;
}
