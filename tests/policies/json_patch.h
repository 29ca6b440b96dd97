/*
 * json_patch.h - applies an RFC 6902 JSON Patch (add, remove, replace) to a
 * document with the SDK's splicing, to check the patches kwctl prints against
 * the objects our policies are expected to produce.
 */
#ifndef POLICY_JSON_PATCH_H
#define POLICY_JSON_PATCH_H

#include "../../sdk/kw.h"

#include <string.h>

/* Standard base64 (padded) into arena memory; NULL on bad input. */
static inline char *base64_decode(const char *in, size_t n, size_t *out_len)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = kw_alloc(n / 4 * 3 + 1);
    size_t len = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] == '=')
            break;
        const char *p = memchr(alphabet, in[i], 64);
        if (!p || !in[i])
            return NULL;
        acc = (acc << 6) | (unsigned)(p - alphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[len++] = (char)((acc >> bits) & 0xff);
        }
    }
    *out_len = len;
    return out;
}

/* One reference token of a JSON Pointer, unescaped (~1 -> /, ~0 -> ~). */
static inline char *pointer_token(const char *start, size_t n)
{
    char *t = kw_alloc(n + 1), *w = t;
    for (size_t i = 0; i < n; i++) {
        if (start[i] == '~' && i + 1 < n && (start[i + 1] == '0' || start[i + 1] == '1')) {
            *w++ = start[i + 1] == '0' ? '~' : '/';
            i++;
        } else {
            *w++ = start[i];
        }
    }
    return t;
}

static inline bool array_index(const char *token, kw_val arr, size_t *index)
{
    size_t n = strlen(token);
    if (n == 0 || strspn(token, "0123456789") != n)
        return false;
    *index = 0;
    for (size_t i = 0; i < n; i++)
        *index = *index * 10 + (size_t)(token[i] - '0');
    return *index <= kw_len(arr);
}

/* Child of a container by pointer token. */
static inline kw_val pointer_step(kw_val v, const char *token)
{
    size_t i;
    if (kw_typeof(v) == KW_ARRAY)
        return array_index(token, v, &i) ? kw_at(v, i) : KW_NONE;
    return kw_get(v, token);
}

/* Applies one operation; returns the new document or KW_NONE. */
static inline kw_val patch_op(kw_val doc, kw_val op)
{
    const char *kind = kw_str(kw_get(op, "op"));
    const char *path = kw_str(kw_get(op, "path"));
    kw_val value = kw_get(op, "value");
    if (*path == '\0')   /* the whole document */
        return strcmp(kind, "remove") == 0 ? KW_NONE : value;
    if (*path != '/')
        return KW_NONE;
    kw_val parent = doc;
    const char *p = path + 1;
    const char *slash;
    while ((slash = strchr(p, '/'))) {
        parent = pointer_step(parent, pointer_token(p, (size_t)(slash - p)));
        p = slash + 1;
    }
    char *last = pointer_token(p, strlen(p));
    kw_splice sp;
    kw_splice_init(&sp, doc);
    char *text = kw_present(value) ? kw_strndup(value.p, value.n) : NULL;
    size_t i;
    bool is_array = kw_typeof(parent) == KW_ARRAY;
    if (strcmp(kind, "add") == 0 && text) {
        if (is_array && strcmp(last, "-") == 0)
            kw_splice_append(&sp, parent, text);
        else if (is_array && array_index(last, parent, &i))
            kw_splice_insert_at(&sp, parent, i, text);
        else if (kw_typeof(parent) == KW_OBJECT)
            kw_splice_set(&sp, parent, last, text);
    } else if (strcmp(kind, "remove") == 0) {
        if (is_array && array_index(last, parent, &i))
            kw_splice_remove_at(&sp, parent, i);
        else if (kw_present(kw_get(parent, last)))
            kw_splice_remove_member(&sp, parent, last);
    } else if (strcmp(kind, "replace") == 0 && text) {
        kw_splice_replace(&sp, pointer_step(parent, last), text);
    }
    if (!kw_splice_changed(&sp))
        return KW_NONE;   /* unsupported op, bad path or missing value */
    kw_val out = kw_splice_apply(&sp);
    kw_val parsed;
    if (!out.p || kw_parse(out.p, out.n, &parsed, NULL, 0) != 0)
        return KW_NONE;
    return parsed;
}

/* doc with every operation of `patch` (a JSON array) applied, or KW_NONE. */
static inline kw_val json_patch_apply(kw_val doc, kw_val patch)
{
    if (kw_typeof(patch) != KW_ARRAY)
        return KW_NONE;
    kw_iter it = kw_iter_begin(patch);
    kw_val op;
    while (kw_present(doc) && kw_next(&it, &op))
        doc = patch_op(doc, op);
    return doc;
}

#endif
