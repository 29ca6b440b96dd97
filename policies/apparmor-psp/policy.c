/*
 * apparmor-psp: only lets workloads use AppArmor profiles from an allow list.
 *
 * Settings: allowed_profiles: list of profile names ("runtime/default",
 * "localhost/<name>", "unconfined").  Workloads that name no profile are
 * accepted (the runtime default applies).  Profiles are read from the
 * container.apparmor.security.beta.kubernetes.io/<container> annotations of
 * the pod (template) and from the securityContext.appArmorProfile fields of
 * the pod and its containers.
 */
#include "kw.h"

#include <string.h>

static const char annotation_prefix[] = "container.apparmor.security.beta.kubernetes.io/";

/* Whether `profile` is already one of the ", "-separated names in list. */
static bool listed(const kw_buf *list, const char *profile)
{
    size_t n = strlen(profile);
    for (size_t at = 0; at < list->len;) {
        const char *sep = strstr(list->data + at, ", ");
        size_t end = sep ? (size_t)(sep - list->data) : list->len;
        if (end - at == n && memcmp(list->data + at, profile, n) == 0)
            return true;
        at = end + 2;
    }
    return false;
}

/* Adds `profile` to the list of offenders unless it is allowed or already listed. */
static void check_profile(const char *profile, kw_val allowed, kw_buf *bad)
{
    if (kw_contains_str(allowed, profile) || listed(bad, profile))
        return;
    if (bad->len)
        kw_buf_puts(bad, ", ");
    kw_buf_puts(bad, profile);
}

/* The profile name of a securityContext.appArmorProfile field, or NULL. */
static const char *field_profile(kw_val field)
{
    kw_val type = kw_get(field, "type");
    if (kw_str_eq(type, "RuntimeDefault"))
        return "runtime/default";
    if (kw_str_eq(type, "Unconfined"))
        return "unconfined";
    if (kw_str_eq(type, "Localhost")) {
        kw_buf b = { 0 };
        kw_buf_puts(&b, "localhost/");
        kw_buf_puts(&b, kw_str(kw_get(field, "localhostProfile")));
        return kw_buf_cstr(&b);
    }
    return NULL;
}

static void check_fields(kw_val containers, kw_val allowed, kw_buf *bad)
{
    kw_iter it = kw_iter_begin(containers);
    kw_val c;
    while (kw_next(&it, &c)) {
        const char *profile = field_profile(kw_path(c, "securityContext.appArmorProfile"));
        if (profile)
            check_profile(profile, allowed, bad);
    }
}

static bool validate(kw_val request, kw_val settings)
{
    kw_val pod = kw_pod_template(request);
    if (!kw_present(pod))
        return kw_accept();
    kw_val allowed = kw_get(settings, "allowed_profiles");
    kw_buf bad = { 0 };
    kw_iter it = kw_iter_begin(kw_annotations(pod));
    kw_val key, value;
    while (kw_next_member(&it, &key, &value)) {
        const char *name = kw_str(key);
        if (strncmp(name, annotation_prefix, sizeof annotation_prefix - 1) == 0)
            check_profile(kw_str(value), allowed, &bad);
    }
    kw_val spec = kw_get(pod, "spec");
    const char *pod_profile = field_profile(kw_path(spec, "securityContext.appArmorProfile"));
    if (pod_profile)
        check_profile(pod_profile, allowed, &bad);
    check_fields(kw_get(spec, "containers"), allowed, &bad);
    check_fields(kw_get(spec, "initContainers"), allowed, &bad);
    check_fields(kw_get(spec, "ephemeralContainers"), allowed, &bad);
    if (!bad.len)
        return kw_accept();
    kw_buf msg = { 0 };
    kw_buf_puts(&msg, "These AppArmor profiles are not allowed: ");
    kw_buf_put(&msg, bad.data, bad.len);
    return kw_reject(kw_buf_cstr(&msg), 0);
}

static bool validate_settings(kw_val settings)
{
    kw_val allowed = kw_get(settings, "allowed_profiles");
    kw_type t = kw_typeof(allowed);
    if (t != KW_ABSENT && t != KW_NULL && !kw_all_strings(allowed))
        return kw_settings_invalid("allowed_profiles must be a list of profile names");
    return kw_settings_valid();
}

KW_POLICY(validate, validate_settings)
