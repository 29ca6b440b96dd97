/*
 * opa_patch.c - RFC 6902 JSON Patch, applied (the Rego `json.patch` builtin):
 * add, remove, replace, move, copy, test on a copy of the document, with RFC
 * 6901 pointers ("~1" is '/', "~0" is '~'; "-" appends to an array).  Any
 * failing operation fails the whole patch, as in OPA.
 *
 * Copying a value into itself doubles it, so a short patch could build a
 * document of any size or depth: the result is held to PATCH_MAX_NODES values
 * and PATCH_MAX_DEPTH levels (the JSON parser's), checked before each copy.
 */
#include <stdlib.h>
#include <string.h>

#include "opa_internal.h"

#define PATCH_MAX_NODES (1u << 20)
#define PATCH_MAX_DEPTH 512

typedef struct patch_state {
    json_value *doc;
    size_t nodes;                    /* values in doc, counting what was added (removals not subtracted) */
} patch_state;

/* Values in `v` and its depth (1 for a scalar); stops counting past `limit`. */
static size_t measure(const json_value *v, size_t limit, size_t *depth)
{
    size_t n = 1, deepest = 0, d;
    *depth = 1;
    if (v->type != JSON_ARRAY && v->type != JSON_OBJECT)
        return 1;
    for (size_t i = 0; i < v->len && n <= limit; i++) {
        n += measure(v->type == JSON_ARRAY ? v->u.items[i] : v->u.members[i].value, limit - n, &d);
        if (d > deepest)
            deepest = d;
    }
    *depth = deepest + 1;
    return n;
}

/* Whether `value` may be placed at a path of `path_depth` tokens. */
static const char *admit(patch_state *st, const json_value *value, size_t path_depth)
{
    size_t depth;
    size_t n = measure(value, PATCH_MAX_NODES, &depth);
    if (st->nodes + n > PATCH_MAX_NODES)
        return "the patched document would be too large";
    if (path_depth + depth > PATCH_MAX_DEPTH)
        return "the patched document would be nested too deeply";
    st->nodes += n;
    return NULL;
}

static size_t path_depth(const char *path)
{
    size_t n = 0;
    for (; *path; path++)
        n += *path == '/';
    return n;
}

static json_value *deep_copy(json_arena *a, const json_value *v)
{
    v = json_expand(a, v);
    if (!v)
        return NULL;
    json_value *c;
    switch (v->type) {
    case JSON_ARRAY:
        if (!(c = json_new_array(a)))
            return NULL;
        for (size_t i = 0; i < v->len; i++)
            if (json_array_push(a, c, deep_copy(a, v->u.items[i])) < 0)
                return NULL;
        return c;
    case JSON_OBJECT:
        if (!(c = json_new_object(a)))
            return NULL;
        for (size_t i = 0; i < v->len; i++)
            if (json_object_set(a, c, v->u.members[i].key, deep_copy(a, v->u.members[i].value)) < 0)
                return NULL;
        return c;
    default:
        if (!(c = json_arena_alloc(a, sizeof *c)))
            return NULL;
        *c = *v;
        return c;
    }
}

/* One unescaped reference token of a pointer; *rest moves past it. */
static char *next_token(json_arena *a, const char **rest)
{
    const char *p = *rest + 1;                   /* past the '/' */
    size_t n = strcspn(p, "/");
    char *tok = json_arena_alloc(a, n + 1);
    if (!tok)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '~' && i + 1 < n && (p[i + 1] == '0' || p[i + 1] == '1'))
            tok[k++] = p[++i] == '0' ? '~' : '/';
        else
            tok[k++] = p[i];
    }
    tok[k] = '\0';
    *rest = p + n;
    return tok;
}

/* An array index token: digits without a leading zero, below `limit` (inclusive when `end_ok`). */
static bool array_index(const char *tok, size_t limit, bool end_ok, size_t *out)
{
    if (!*tok || (tok[0] == '0' && tok[1]) || strspn(tok, "0123456789") != strlen(tok) || strlen(tok) > 18)
        return false;
    *out = (size_t)strtoull(tok, NULL, 10);
    return end_ok ? *out <= limit : *out < limit;
}

static json_value *child(json_value *v, const char *tok)
{
    size_t i;
    if (v->type == JSON_OBJECT)
        return (json_value *)json_get(v, tok);
    if (v->type == JSON_ARRAY && array_index(tok, v->len, false, &i))
        return v->u.items[i];
    return NULL;
}

/* The container holding the pointer's target and the last token; the root has no parent. */
static const char *locate(json_arena *a, json_value *doc, const char *path, json_value **parent, char **last)
{
    if (path[0] != '/')
        return "a JSON pointer must start with '/'";
    json_value *at = doc;
    const char *rest = path;
    for (;;) {
        char *tok = next_token(a, &rest);
        if (!tok)
            return "out of memory";
        if (!*rest) {
            *parent = at;
            *last = tok;
            return NULL;
        }
        if (!(at = child(at, tok)))
            return "path not found";
    }
}

static json_value *resolve(json_arena *a, json_value *doc, const char *path)
{
    if (!*path)
        return doc;
    json_value *parent;
    char *last;
    return locate(a, doc, path, &parent, &last) ? NULL : child(parent, last);
}

static const char *insert(json_arena *a, json_value *parent, const char *tok, json_value *value, bool replace)
{
    if (parent->type == JSON_OBJECT) {
        if (replace && !json_get(parent, tok))
            return "path not found";
        return json_object_set(a, parent, tok, value) < 0 ? "out of memory" : NULL;
    }
    if (parent->type != JSON_ARRAY)
        return "the parent is not an object or an array";
    size_t i = parent->len;
    if (replace) {
        if (!array_index(tok, parent->len, false, &i))
            return "array index out of range";
        parent->u.items[i] = value;
        return NULL;
    }
    if (strcmp(tok, "-") != 0 && !array_index(tok, parent->len, true, &i))
        return "array index out of range";
    if (json_array_push(a, parent, value) < 0)
        return "out of memory";
    memmove(parent->u.items + i + 1, parent->u.items + i, (parent->len - 1 - i) * sizeof *parent->u.items);
    parent->u.items[i] = value;
    return NULL;
}

static const char *erase(json_value *parent, const char *tok)
{
    size_t i;
    if (parent->type == JSON_OBJECT)
        return json_object_remove(parent, tok) == 1 ? NULL : "path not found";
    if (parent->type != JSON_ARRAY || !array_index(tok, parent->len, false, &i))
        return "path not found";
    memmove(parent->u.items + i, parent->u.items + i + 1, (parent->len - 1 - i) * sizeof *parent->u.items);
    parent->len--;
    return NULL;
}

/* Sets the value at `path` (add, or replace when `replace`); the root path replaces the document. */
static const char *put(json_arena *a, json_value **doc, const char *path, json_value *value, bool replace)
{
    if (!*path) {
        *doc = value;
        return NULL;
    }
    json_value *parent;
    char *last;
    const char *why = locate(a, *doc, path, &parent, &last);
    return why ? why : insert(a, parent, last, value, replace);
}

/* Removes the value at `path` and gives it in *removed. */
static const char *take(json_arena *a, json_value *doc, const char *path, json_value **removed)
{
    if (!*path)
        return "cannot remove the whole document";
    json_value *parent;
    char *last;
    const char *why = locate(a, doc, path, &parent, &last);
    if (why)
        return why;
    if (!(*removed = child(parent, last)))
        return "path not found";
    return erase(parent, last);
}

static const char *apply_one(json_arena *a, patch_state *st, const json_value *op)
{
    const char *name = json_get_string(op, "op"), *path = json_get_string(op, "path");
    const char *from = json_get_string(op, "from");
    const json_value *value = json_get(op, "value");
    if (!name || !path)
        return "a patch operation needs string members \"op\" and \"path\"";
    json_value *v = NULL;
    bool needs_value = !strcmp(name, "add") || !strcmp(name, "replace") || !strcmp(name, "test");
    if (needs_value && !value)
        return "the operation has no \"value\"";
    if ((!strcmp(name, "move") || !strcmp(name, "copy")) && !from)
        return "the operation has no \"from\"";
    const char *why;
    if (!strcmp(name, "add") || !strcmp(name, "replace")) {
        bool replace = name[0] == 'r';
        if (replace && !resolve(a, st->doc, path))
            return "path not found";
        if ((why = admit(st, value, path_depth(path))))
            return why;
        return (v = deep_copy(a, value)) ? put(a, &st->doc, path, v, replace) : "out of memory";
    }
    if (!strcmp(name, "remove"))
        return take(a, st->doc, path, &v);
    if (!strcmp(name, "test")) {
        const json_value *at = resolve(a, st->doc, path);
        return at && json_equal(at, value) ? NULL : "test operation failed";
    }
    if (!strcmp(name, "copy")) {
        const json_value *at = resolve(a, st->doc, from);
        if (!at)
            return "\"from\" path not found";
        if ((why = admit(st, at, path_depth(path))))
            return why;
        return (v = deep_copy(a, at)) ? put(a, &st->doc, path, v, false) : "out of memory";
    }
    if (!strcmp(name, "move")) {
        size_t n = strlen(from);
        if (strncmp(path, from, n) == 0 && path[n] == '/')
            return "cannot move a value into itself";
        const json_value *at = resolve(a, st->doc, from);
        size_t depth;
        if (at && (measure(at, PATCH_MAX_NODES, &depth), path_depth(path) + depth > PATCH_MAX_DEPTH))
            return "the patched document would be nested too deeply";
        why = take(a, st->doc, from, &v);
        return why ? why : put(a, &st->doc, path, v, false);
    }
    return arena_printf(a, "unknown patch operation \"%s\"", name);
}

json_value *opa_json_patch_apply(json_arena *a, const json_value *doc, const json_value *patch, const char **why)
{
    size_t depth;
    patch_state st = { deep_copy(a, doc), 0 };
    st.nodes = measure(doc, PATCH_MAX_NODES, &depth);
    *why = st.doc ? NULL : "out of memory";
    for (size_t i = 0; st.doc && i < patch->len; i++) {
        const json_value *op = patch->u.items[i];
        *why = op->type == JSON_OBJECT ? apply_one(a, &st, op) : "a patch operation must be an object";
        if (*why) {
            *why = arena_printf(a, "operation %zu: %s", i, *why);
            if (!*why)
                *why = "out of memory";
            return NULL;
        }
    }
    return st.doc;
}
