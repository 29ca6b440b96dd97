/*
 * disallow-service-loadbalancer: rejects Services of type LoadBalancer.
 * No settings.  (Upstream ships this one as a Gatekeeper/Rego policy; this is
 * the same rule as a waPC policy.)
 */
#include "kw.h"

static bool validate(kw_val request, kw_val settings)
{
    (void)settings;
    kw_val object = kw_request_object(request);
    if (kw_str_eq(kw_get(object, "kind"), "Service") && kw_str_eq(kw_path(object, "spec.type"), "LoadBalancer"))
        return kw_reject("Service of type LoadBalancer are not allowed", 0);
    return kw_accept();
}

static bool validate_settings(kw_val settings)
{
    (void)settings;
    return kw_settings_valid();
}

KW_POLICY(validate, validate_settings)
