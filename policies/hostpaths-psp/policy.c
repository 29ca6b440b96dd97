/*
 * hostpaths-psp: controls which host paths hostPath volumes may mount, and
 * whether they must be mounted read-only.
 *
 * Settings: allowedHostPaths: list of {pathPrefix, readOnly}.  An empty list
 * means no restriction.  A prefix matches whole path components ("/foo"
 * matches "/foo" and "/foo/bar", not "/foobar"); when several match, the
 * longest (most specific) one decides readOnly.
 */
#include "kw.h"

#include <string.h>

/* Length of prefix p without trailing slashes (but "/" stays "/"). */
static size_t trimmed_len(const char *p)
{
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    return n;
}

static bool path_has_prefix(const char *path, const char *prefix)
{
    size_t n = trimmed_len(prefix);
    if (strncmp(path, prefix, n) != 0)
        return false;
    return path[n] == '\0' || path[n] == '/' || (n == 1 && prefix[0] == '/');
}

/* The most specific allowedHostPaths entry for path, or KW_NONE. */
static kw_val best_match(kw_val allowed, const char *path)
{
    kw_val best = KW_NONE;
    size_t best_len = 0;
    kw_iter it = kw_iter_begin(allowed);
    kw_val entry;
    while (kw_next(&it, &entry)) {
        const char *prefix = kw_str(kw_get(entry, "pathPrefix"));
        if (path_has_prefix(path, prefix) && (!kw_present(best) || trimmed_len(prefix) > best_len)) {
            best = entry;
            best_len = trimmed_len(prefix);
        }
    }
    return best;
}

/* The host path of volume `name`, or NULL if it is not a hostPath volume. */
static const char *host_path_of(kw_val volumes, kw_val name)
{
    kw_iter it = kw_iter_begin(volumes);
    kw_val v;
    while (kw_next(&it, &v))
        if (kw_equal(kw_get(v, "name"), name) && kw_present(kw_path(v, "hostPath.path")))
            return kw_str(kw_path(v, "hostPath.path"));
    return NULL;
}

static void add_error(kw_buf *errors, const char *path, kw_val mount_name, const char *what)
{
    if (errors->len)
        kw_buf_puts(errors, ", ");
    kw_buf_puts(errors, "hostPath '");
    kw_buf_puts(errors, path);
    kw_buf_puts(errors, "' mounted as '");
    kw_buf_puts(errors, kw_str(mount_name));
    kw_buf_puts(errors, "' ");
    kw_buf_puts(errors, what);
}

static void check_containers(kw_val containers, kw_val volumes, kw_val allowed, kw_buf *errors)
{
    kw_iter it = kw_iter_begin(containers);
    kw_val c;
    while (kw_next(&it, &c)) {
        kw_iter mi = kw_iter_begin(kw_get(c, "volumeMounts"));
        kw_val m;
        while (kw_next(&mi, &m)) {
            kw_val name = kw_get(m, "name");
            const char *path = host_path_of(volumes, name);
            if (!path)
                continue;
            kw_val entry = best_match(allowed, path);
            if (!kw_present(entry))
                add_error(errors, path, name, "is not in the AllowedHostPaths list");
            else if (kw_is_true(kw_get(entry, "readOnly")) && !kw_is_true(kw_get(m, "readOnly")))
                add_error(errors, path, name, "should be readOnly 'true'");
        }
    }
}

static bool validate(kw_val request, kw_val settings)
{
    kw_val spec = kw_pod_spec(request);
    kw_val allowed = kw_get(settings, "allowedHostPaths");
    if (!kw_present(spec) || kw_len(allowed) == 0)
        return kw_accept();
    kw_val volumes = kw_get(spec, "volumes");
    kw_buf errors = { 0 };
    check_containers(kw_get(spec, "initContainers"), volumes, allowed, &errors);
    check_containers(kw_get(spec, "containers"), volumes, allowed, &errors);
    if (errors.len)
        return kw_reject(kw_buf_cstr(&errors), 0);
    return kw_accept();
}

static bool validate_settings(kw_val settings)
{
    kw_val allowed = kw_get(settings, "allowedHostPaths");
    kw_type t = kw_typeof(allowed);
    if (t == KW_ABSENT || t == KW_NULL)
        return kw_settings_valid();
    if (t != KW_ARRAY)
        return kw_settings_invalid("allowedHostPaths must be a list of {pathPrefix, readOnly}");
    kw_iter it = kw_iter_begin(allowed);
    kw_val entry;
    while (kw_next(&it, &entry)) {
        if (kw_typeof(kw_get(entry, "pathPrefix")) != KW_STRING || kw_str_len(kw_get(entry, "pathPrefix")) == 0)
            return kw_settings_invalid("allowedHostPaths: every entry needs a non-empty pathPrefix");
        kw_type ro = kw_typeof(kw_get(entry, "readOnly"));
        if (ro != KW_ABSENT && ro != KW_BOOL)
            return kw_settings_invalid("allowedHostPaths: readOnly must be a boolean");
    }
    return kw_settings_valid();
}

KW_POLICY(validate, validate_settings)
