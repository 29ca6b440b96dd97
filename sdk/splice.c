/*
 * splice.c - mutation without a DOM: the mutated object is the original text
 * with a few byte ranges replaced.  Policies usually change a handful of
 * fields in a large object, so copying the untouched bytes verbatim is both
 * the cheapest and the most faithful way to build `mutated_object`.
 */
#include "kw.h"

#include <string.h>

static void add_edit(kw_splice *s, size_t at, size_t del, const char *ins, size_t ins_len)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        kw_edit *e = kw_alloc(cap * sizeof *e);
        if (s->n)
            memcpy(e, s->edits, s->n * sizeof *e);
        s->edits = e;
        s->cap = cap;
    }
    s->edits[s->n] = (kw_edit){ at, del, ins, ins_len, s->n };
    s->n++;
}

/* True if an earlier edit already inserts at this offset (so a container that
 * was empty in the original text is no longer empty in the result). */
static bool inserted_at(const kw_splice *s, size_t at)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->edits[i].at == at && s->edits[i].del == 0)
            return true;
    return false;
}

static size_t offset_of(const kw_splice *s, const char *p) { return (size_t)(p - s->doc.p); }

/* Whether a container has no items: its first non-blank byte closes it
 * (cheaper than counting the items). */
static bool is_empty(kw_val container)
{
    const char *p = container.p + 1;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return *p == '}' || *p == ']';
}

void kw_splice_init(kw_splice *s, kw_val doc) { *s = (kw_splice){ .doc = doc }; }

void kw_splice_replace(kw_splice *s, kw_val old, const char *json)
{
    if (!kw_present(old))
        return;
    add_edit(s, offset_of(s, old.p), old.n, json, strlen(json));
}

void kw_splice_set(kw_splice *s, kw_val obj, const char *key, const char *json)
{
    if (kw_typeof(obj) != KW_OBJECT)
        return;   /* nothing sensible to edit; the document stays valid */
    kw_val cur = kw_get(obj, key);
    if (kw_present(cur)) {
        kw_splice_replace(s, cur, json);
        return;
    }
    /* New members go first in the object: `{"key":json,` ... */
    size_t at = offset_of(s, obj.p) + 1;
    bool was_empty = is_empty(obj);
    kw_buf b = { 0 };
    if (was_empty && inserted_at(s, at))
        kw_buf_putc(&b, ',');
    kw_buf_json_str(&b, key, strlen(key));
    kw_buf_putc(&b, ':');
    kw_buf_puts(&b, json);
    if (!was_empty)
        kw_buf_putc(&b, ',');
    add_edit(s, at, 0, b.data, b.len);
}

void kw_splice_set_path(kw_splice *s, kw_val obj, const char *path, const char *json)
{
    const char *dot = strchr(path, '.');
    if (!dot) {
        kw_splice_set(s, obj, path, json);
        return;
    }
    char *head = kw_strndup(path, (size_t)(dot - path));
    kw_val child = kw_get(obj, head);
    if (kw_typeof(child) == KW_OBJECT) {
        kw_splice_set_path(s, child, dot + 1, json);
        return;
    }
    /* the rest of the path does not exist yet: build it as one nested value */
    kw_buf nested = { 0 };
    size_t closing = 0;
    for (const char *seg = dot + 1;;) {
        const char *next = strchr(seg, '.');
        size_t n = next ? (size_t)(next - seg) : strlen(seg);
        kw_buf_putc(&nested, '{');
        kw_buf_json_str(&nested, seg, n);
        kw_buf_putc(&nested, ':');
        closing++;
        if (!next)
            break;
        seg = next + 1;
    }
    kw_buf_puts(&nested, json);
    while (closing--)
        kw_buf_putc(&nested, '}');
    kw_splice_set(s, obj, head, kw_buf_cstr(&nested));
}

void kw_splice_append(kw_splice *s, kw_val arr, const char *json)
{
    if (kw_typeof(arr) != KW_ARRAY)
        return;
    size_t at = offset_of(s, arr.p) + arr.n - 1;   /* before the closing ']' */
    kw_buf b = { 0 };
    if (!is_empty(arr) || inserted_at(s, at))
        kw_buf_putc(&b, ',');
    kw_buf_puts(&b, json);
    add_edit(s, at, 0, b.data, b.len);
}

/* Deletes the item spanning [start, end) of a container whose contents run
 * [open, close), with the comma that separates it from a neighbour. */
static void remove_item(kw_splice *s, const char *open, const char *close, const char *start, const char *end)
{
    const char *after = end;
    while (after < close && (*after == ' ' || *after == '\t' || *after == '\n' || *after == '\r'))
        after++;
    if (after < close && *after == ',') {
        end = after + 1;
    } else {
        const char *before = start;
        while (before > open && before[-1] != ',')
            before--;
        if (before > open)
            start = before - 1;
    }
    add_edit(s, offset_of(s, start), (size_t)(end - start), "", 0);
}

void kw_splice_remove_member(kw_splice *s, kw_val obj, const char *key)
{
    kw_iter it = kw_iter_begin(obj);
    kw_val k, v;
    while (kw_next_member(&it, &k, &v))
        if (kw_str_eq(k, key)) {
            remove_item(s, obj.p + 1, obj.p + obj.n - 1, k.p, v.p + v.n);
            return;
        }
}

void kw_splice_remove_at(kw_splice *s, kw_val arr, size_t i)
{
    kw_val e = kw_at(arr, i);
    if (kw_present(e))
        remove_item(s, arr.p + 1, arr.p + arr.n - 1, e.p, e.p + e.n);
}

void kw_splice_insert_at(kw_splice *s, kw_val arr, size_t i, const char *json)
{
    kw_val e = kw_at(arr, i);
    if (!kw_present(e)) {
        kw_splice_append(s, arr, json);
        return;
    }
    kw_buf b = { 0 };
    kw_buf_puts(&b, json);
    kw_buf_putc(&b, ',');
    add_edit(s, offset_of(s, e.p), 0, b.data, b.len);
}

bool kw_splice_changed(const kw_splice *s) { return s->n > 0; }

static bool before(const kw_edit *x, const kw_edit *y)
{
    return x->at != y->at ? x->at < y->at : x->seq < y->seq;
}

/* Insertion sort by position, then order of creation: edits are few and
 * usually made in document order. */
static void sort_edits(kw_edit *e, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        kw_edit cur = e[i];
        size_t j = i;
        while (j > 0 && before(&cur, &e[j - 1])) {
            e[j] = e[j - 1];
            j--;
        }
        e[j] = cur;
    }
}

kw_val kw_splice_apply(kw_splice *s)
{
    sort_edits(s->edits, s->n);
    kw_buf out = { 0 };
    size_t pos = 0;
    for (size_t i = 0; i < s->n; i++) {
        const kw_edit *e = &s->edits[i];
        if (e->at < pos)
            return KW_NONE;   /* overlaps a previous replacement */
        kw_buf_put(&out, s->doc.p + pos, e->at - pos);
        kw_buf_put(&out, e->ins, e->ins_len);
        pos = e->at + e->del;
    }
    kw_buf_put(&out, s->doc.p + pos, s->doc.n - pos);
    return (kw_val){ out.data, out.len };
}
