/*
 * trusted-repos: restricts the registries, tags and images of every
 * container, init container and ephemeral container of Pods and of the
 * workload kinds carrying a PodSpec (see kw_pod_spec).  Other kinds and
 * requests without an object are accepted.
 *
 * Each image is read as a Docker reference (kw_image_ref_parse; an image that
 * is not one is left alone, as upstream does) and checked three ways:
 *   registry  against registries.allow / registries.reject
 *   tag       against tags.reject ("latest" when the image has no tag)
 *   image     against images.allow / images.reject: a literal entry matches
 *             the same reference, or any tag/digest of its repository when it
 *             names none ("nginx" matches "docker.io/library/nginx:1.21"); a
 *             pattern matches the normalised reference, or also
 *             registry/repository and repository when it has no ':' or '@'.
 * Message: "not allowed, reported errors: registries not allowed: ...; tags
 * not allowed: ...; images not allowed: ..." (each list sorted, no repeats;
 * images as written in the spec).
 */
#include "trusted_repos.h"

#include <string.h>

static void report(kw_buf *msg, const char *what, kw_names *l)
{
    if (l->n == 0)
        return;
    kw_names_sort_unique(l);
    kw_buf_puts(msg, msg->len ? "; " : "not allowed, reported errors: ");
    kw_buf_puts(msg, what);
    kw_buf_puts(msg, ": ");
    kw_buf_names(msg, l, ", ");
}

static bool any_name_matches(const matchers *list, const char *name)
{
    for (size_t i = 0; i < list->n; i++) {
        const matcher *m = &list->v[i];
        if (m->pattern ? wildcard_match(m->raw, name) : strcmp(m->raw, name) == 0)
            return true;
    }
    return false;
}

/* The name passes an allow list (when there is one) and no reject list. */
static bool name_allowed(const matchers *allow, const matchers *reject, const char *name)
{
    if (reject->n && any_name_matches(reject, name))
        return false;
    return allow->n == 0 || any_name_matches(allow, name);
}

/* An image under test, with the forms the image lists compare against. */
typedef struct image {
    kw_image_ref ref;
    const char *whole;         /* registry/repository[:tag][@digest] */
    const char *location;      /* registry/repository */
    kw_image_ref repo_only;    /* the repository read as a reference ... */
    bool repo_only_ok;
    kw_image_ref location_ref; /* ... and registry/repository */
    bool location_ok;
} image;

static bool has_literal(const matchers *list)
{
    for (size_t i = 0; i < list->n; i++)
        if (!list->v[i].pattern)
            return true;
    return false;
}

/* The forms the image lists need: the two re-read references only for
 * literal entries (reading a reference is most of an image's cost). */
static void image_forms(const settings *st, image *img)
{
    img->whole = kw_image_ref_whole(&img->ref);
    kw_buf b = { 0 };
    kw_buf_puts(&b, img->ref.registry);
    kw_buf_putc(&b, '/');
    kw_buf_puts(&b, img->ref.repository);
    img->location = kw_buf_cstr(&b);
    if (!has_literal(&st->images_allow) && !has_literal(&st->images_reject))
        return;
    img->repo_only_ok = !kw_image_ref_parse(img->ref.repository, strlen(img->ref.repository), &img->repo_only);
    img->location_ok = !kw_image_ref_parse(img->location, strlen(img->location), &img->location_ref);
}

static bool image_matches(const matcher *m, const image *img)
{
    if (m->pattern) {
        if (wildcard_match(m->raw, img->whole))
            return true;
        if (strpbrk(m->raw, ":@"))   /* a pattern naming a tag or digest */
            return false;
        return wildcard_match(m->raw, img->location) || wildcard_match(m->raw, img->ref.repository);
    }
    return kw_image_ref_equal(&m->image, &img->ref) ||
           (img->repo_only_ok && kw_image_ref_equal(&m->image, &img->repo_only)) ||
           (img->location_ok && kw_image_ref_equal(&m->image, &img->location_ref));
}

static bool any_image_matches(const matchers *list, const image *img)
{
    for (size_t i = 0; i < list->n; i++)
        if (image_matches(&list->v[i], img))
            return true;
    return false;
}

static bool image_allowed(const settings *st, const image *img)
{
    if (st->images_reject.n && any_image_matches(&st->images_reject, img))
        return false;
    return st->images_allow.n == 0 || any_image_matches(&st->images_allow, img);
}

typedef struct rejections {
    kw_names registries, tags, images;
} rejections;

static void check_image(const settings *st, kw_val image_val, rejections *out)
{
    if (kw_typeof(image_val) != KW_STRING)
        return;
    const char *text = kw_str(image_val);
    image img = { 0 };
    if (kw_image_ref_parse(text, strlen(text), &img.ref))
        return;   /* not a reference: upstream leaves it alone */
    if (!name_allowed(&st->registries_allow, &st->registries_reject, img.ref.registry))
        kw_names_add(&out->registries, img.ref.registry);
    const char *tag = img.ref.tag ? img.ref.tag : "latest";
    if (st->tags_reject.n && any_name_matches(&st->tags_reject, tag))
        kw_names_add(&out->tags, tag);
    if (st->images_allow.n || st->images_reject.n) {
        image_forms(st, &img);
        if (!image_allowed(st, &img))
            kw_names_add(&out->images, text);
    }
}

static bool validate(kw_val request, kw_val settings_json)
{
    settings st;
    const char *err = settings_read(settings_json, &st);
    if (err)
        return kw_reject_invalid_settings(err);
    if (settings_empty(&st))
        return kw_accept();   /* nothing to check: skip reading the images */
    static const char *const lists[] = { "initContainers", "ephemeralContainers", "containers" };
    kw_val spec_lists[3];
    kw_get_many(kw_pod_spec(request), lists, 3, spec_lists);
    rejections r = { 0 };
    for (size_t i = 0; i < 3; i++) {
        kw_iter it = kw_iter_begin(spec_lists[i]);
        kw_val c;
        while (kw_next(&it, &c))
            check_image(&st, kw_get(c, "image"), &r);
    }
    kw_buf msg = { 0 };
    report(&msg, "registries not allowed", &r.registries);
    report(&msg, "tags not allowed", &r.tags);
    report(&msg, "images not allowed", &r.images);
    return msg.len ? kw_reject(kw_buf_cstr(&msg), 0) : kw_accept();
}

static bool validate_settings(kw_val settings_json)
{
    settings st;
    const char *err = settings_read(settings_json, &st);
    if (!err)
        err = settings_check(&st);
    return err ? kw_settings_invalid(err) : kw_settings_valid();
}

KW_POLICY(validate, validate_settings)
