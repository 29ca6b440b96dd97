/*
 * pod-privileged: rejects workloads with a privileged container.
 *
 * Settings: skip_init_containers, skip_ephemeral_containers (bool, default
 * false).  Main containers are always checked.  Works on Pods and on every
 * workload kind carrying a PodSpec (see kw_pod_spec); other kinds and DELETE
 * requests (no object) are accepted.
 */
#include "kw.h"

static bool any_privileged(kw_val containers)
{
    kw_iter it = kw_iter_begin(containers);
    kw_val c;
    while (kw_next(&it, &c))
        if (kw_is_true(kw_path(c, "securityContext.privileged")))
            return true;
    return false;
}

static bool validate(kw_val request, kw_val settings)
{
    /* one pass over the PodSpec finds all three lists (a missing list would
     * otherwise cost a pass of its own) */
    static const char *const lists[] = { "containers", "initContainers", "ephemeralContainers" };
    static const char *const skips[] = { "skip_init_containers", "skip_ephemeral_containers" };
    kw_val spec_lists[3], skip[2];
    kw_get_many(kw_pod_spec(request), lists, 3, spec_lists);
    kw_get_many(settings, skips, 2, skip);
    if (any_privileged(spec_lists[0]))
        return kw_reject("Privileged container is not allowed", 0);
    if (!kw_bool(skip[0], false) && any_privileged(spec_lists[1]))
        return kw_reject("Privileged init container is not allowed", 0);
    if (!kw_bool(skip[1], false) && any_privileged(spec_lists[2]))
        return kw_reject("Privileged ephemeral container is not allowed", 0);
    return kw_accept();
}

static bool check_bool(kw_val settings, const char *key, const char **error)
{
    kw_type t = kw_typeof(kw_get(settings, key));
    if (t == KW_ABSENT || t == KW_NULL || t == KW_BOOL)
        return true;
    *error = key;
    return false;
}

static bool validate_settings(kw_val settings)
{
    const char *bad = NULL;
    if (!check_bool(settings, "skip_init_containers", &bad) ||
        !check_bool(settings, "skip_ephemeral_containers", &bad)) {
        kw_buf b = { 0 };
        kw_buf_puts(&b, bad);
        kw_buf_puts(&b, " must be a boolean");
        return kw_settings_invalid(kw_buf_cstr(&b));
    }
    return kw_settings_valid();
}

KW_POLICY(validate, validate_settings)
