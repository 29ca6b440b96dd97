/*
 * allow-privilege-escalation-psp: rejects workloads where a container or an
 * init container sets securityContext.allowPrivilegeEscalation to true, and,
 * with default_allow_privilege_escalation: false, mutates the containers that
 * do not say anything so that they run with allowPrivilegeEscalation false.
 *
 * Settings: default_allow_privilege_escalation (bool, default true).
 */
#include "kw.h"

static bool any_escalation(kw_val containers)
{
    kw_iter it = kw_iter_begin(containers);
    kw_val c;
    while (kw_next(&it, &c))
        if (kw_is_true(kw_path(c, "securityContext.allowPrivilegeEscalation")))
            return true;
    return false;
}

/* Sets allowPrivilegeEscalation: false where the container leaves it unset. */
static void default_to_false(kw_splice *sp, kw_val containers)
{
    kw_iter it = kw_iter_begin(containers);
    kw_val c;
    while (kw_next(&it, &c)) {
        kw_type t = kw_typeof(kw_path(c, "securityContext.allowPrivilegeEscalation"));
        if (t == KW_ABSENT || t == KW_NULL)
            kw_splice_set_path(sp, c, "securityContext.allowPrivilegeEscalation", "false");
    }
}

static bool validate(kw_val request, kw_val settings)
{
    kw_val spec = kw_pod_spec(request);
    if (!kw_present(spec))
        return kw_accept();
    if (any_escalation(kw_get(spec, "containers")))
        return kw_reject("one of the containers has privilege escalation enabled", 0);
    if (any_escalation(kw_get(spec, "initContainers")))
        return kw_reject("one of the init containers has privilege escalation enabled", 0);
    if (kw_bool(kw_get(settings, "default_allow_privilege_escalation"), true))
        return kw_accept();

    kw_splice sp;
    kw_splice_init(&sp, kw_request_object(request));
    default_to_false(&sp, kw_get(spec, "containers"));
    default_to_false(&sp, kw_get(spec, "initContainers"));
    if (!kw_splice_changed(&sp))
        return kw_accept();
    return kw_mutate(kw_splice_apply(&sp));
}

static bool validate_settings(kw_val settings)
{
    kw_type t = kw_typeof(kw_get(settings, "default_allow_privilege_escalation"));
    if (t != KW_ABSENT && t != KW_NULL && t != KW_BOOL)
        return kw_settings_invalid("default_allow_privilege_escalation must be a boolean");
    return kw_settings_valid();
}

KW_POLICY(validate, validate_settings)
