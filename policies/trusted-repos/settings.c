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

/* One list of a filter; images: literal entries parsed. */
static const char *read_list(kw_val v, const char *filter, const char *list, bool images, matchers *out)
{
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

/* One filter object; allow is NULL for tags (upstream ignores an allow list
 * there). */
static const char *read_filter(kw_val v, const char *filter, bool images, matchers *allow, matchers *reject)
{
    kw_type t = kw_typeof(v);
    if (t == KW_ABSENT || t == KW_NULL)
        return NULL;
    if (t != KW_OBJECT) {
        kw_buf b = { 0 };
        kw_buf_puts(&b, filter);
        kw_buf_puts(&b, " must be an object");
        return kw_buf_cstr(&b);
    }
    static const char *const keys[] = { "allow", "reject" };
    kw_val lists[2];
    kw_get_many(v, keys, 2, lists);
    const char *err = allow ? read_list(lists[0], filter, "allow", images, allow) : NULL;
    return err ? err : read_list(lists[1], filter, "reject", images, reject);
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
    static const char *const keys[] = { "registries", "tags", "images" };
    kw_val filters[3];
    kw_get_many(json, keys, 3, filters);
    const char *err = read_filter(filters[0], "registries", false, &out->registries_allow, &out->registries_reject);
    if (!err)
        err = read_filter(filters[1], "tags", false, NULL, &out->tags_reject);
    if (!err)
        err = read_filter(filters[2], "images", true, &out->images_allow, &out->images_reject);
    return err;
}

const char *settings_check(const settings *st)
{
    kw_buf errors = { 0 };
    if (st->registries_allow.n && st->registries_reject.n)
        add_error(&errors, "only one of registries allow or reject can be provided");
    if (st->images_allow.n && st->images_reject.n)
        add_error(&errors, "only one of images allow or reject can be provided");
    add_error(&errors, invalid_tags(&st->tags_reject));
    return errors.len ? kw_buf_cstr(&errors) : NULL;
}

bool settings_empty(const settings *st)
{
    return !st->registries_allow.n && !st->registries_reject.n && !st->tags_reject.n && !st->images_allow.n &&
           !st->images_reject.n;
}
