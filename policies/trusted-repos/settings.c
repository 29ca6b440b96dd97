/*
 * settings.c - trusted-repos settings, upstream's schema:
 *
 *   registries: { allow: [..], reject: [..] }   exact names or wildcards
 *   tags:       { reject: [..] }                OCI tags or wildcards
 *   images:     { allow: [..], reject: [..] }   image references or wildcards
 *
 * Every list is optional.  Reading errors (a list that is not a list of
 * strings, an image that is not a valid reference) come first; then
 * upstream's checks, each failing one reported, joined by ", ": one of
 * registries allow/reject, one of images allow/reject, valid tags.
 */
#include "trusted_repos.h"

#include <string.h>

static bool is_pattern(const char *s) { return strpbrk(s, "*?") != NULL; }

static const char *list_error(const char *filter, const char *list, const char *what)
{
    kw_buf b = { 0 };
    kw_buf_puts(&b, filter);
    kw_buf_putc(&b, '.');
    kw_buf_puts(&b, list);
    kw_buf_puts(&b, what);
    return kw_buf_cstr(&b);
}

/* settings[filter][list] into out; images: literal entries parsed. */
static const char *read_list(kw_val filter_obj, const char *filter, const char *list, bool images,
                             matchers *out)
{
    kw_val v = kw_get(filter_obj, list);
    if (!kw_present(v) || kw_typeof(v) == KW_NULL)
        return NULL;
    if (!kw_all_strings(v))
        return list_error(filter, list, " must be a list of strings");
    out->v = kw_alloc((kw_len(v) + 1) * sizeof *out->v);
    kw_iter it = kw_iter_begin(v);
    kw_val s;
    while (kw_next(&it, &s)) {
        matcher *m = &out->v[out->n++];
        m->raw = kw_str(s);
        m->pattern = is_pattern(m->raw);
        if (images && !m->pattern) {
            const char *err = kw_image_ref_parse(m->raw, strlen(m->raw), &m->image);
            if (err) {
                kw_buf b = { 0 };
                kw_buf_puts(&b, list_error(filter, list, ": "));
                kw_buf_puts(&b, m->raw);
                kw_buf_puts(&b, ": ");
                kw_buf_puts(&b, err);
                return kw_buf_cstr(&b);
            }
        }
    }
    return NULL;
}

static const char *read_filter(kw_val json, const char *filter, kw_val *obj)
{
    *obj = kw_get(json, filter);
    kw_type t = kw_typeof(*obj);
    if (t == KW_ABSENT || t == KW_NULL || t == KW_OBJECT)
        return NULL;
    kw_buf b = { 0 };
    kw_buf_puts(&b, filter);
    kw_buf_puts(&b, " must be an object");
    return kw_buf_cstr(&b);
}

/* A literal tag is valid when "hello:<tag>" is a valid image reference. */
static bool valid_tag(const matcher *m)
{
    if (m->pattern)
        return true;
    kw_buf b = { 0 };
    kw_buf_puts(&b, "hello:");
    kw_buf_puts(&b, m->raw);
    kw_image_ref ignored;
    return kw_image_ref_parse(b.data, b.len, &ignored) == NULL;
}

/* `tags ["a", "b"] are invalid, ...` (the list as Rust prints it), or NULL. */
static const char *invalid_tags(const matchers *tags)
{
    kw_buf b = { 0 };
    for (size_t i = 0; i < tags->n; i++) {
        if (valid_tag(&tags->v[i]))
            continue;
        kw_buf_puts(&b, b.len ? ", " : "tags [");
        kw_buf_json_str(&b, tags->v[i].raw, strlen(tags->v[i].raw));
    }
    if (!b.len)
        return NULL;
    kw_buf_puts(&b, "] are invalid, they must be valid OCI tags or wildcard patterns");
    return kw_buf_cstr(&b);
}

static void add_error(kw_buf *b, const char *error)
{
    if (!error)
        return;
    if (b->len)
        kw_buf_puts(b, ", ");
    kw_buf_puts(b, error);
}

const char *settings_read(kw_val json, settings *out)
{
    memset(out, 0, sizeof *out);
    kw_type t = kw_typeof(json);
    if (t != KW_ABSENT && t != KW_NULL && t != KW_OBJECT)
        return "settings must be an object";
    kw_val registries, tags, images;
    const char *err;
    if ((err = read_filter(json, "registries", &registries)) || (err = read_filter(json, "tags", &tags)) ||
        (err = read_filter(json, "images", &images)) ||
        (err = read_list(registries, "registries", "allow", false, &out->registries_allow)) ||
        (err = read_list(registries, "registries", "reject", false, &out->registries_reject)) ||
        (err = read_list(tags, "tags", "reject", false, &out->tags_reject)) ||
        (err = read_list(images, "images", "allow", true, &out->images_allow)) ||
        (err = read_list(images, "images", "reject", true, &out->images_reject)))
        return err;

    kw_buf errors = { 0 };
    if (out->registries_allow.n && out->registries_reject.n)
        add_error(&errors, "only one of registries allow or reject can be provided");
    if (out->images_allow.n && out->images_reject.n)
        add_error(&errors, "only one of images allow or reject can be provided");
    add_error(&errors, invalid_tags(&out->tags_reject));
    return errors.len ? kw_buf_cstr(&errors) : NULL;
}
