/*
 * raw-mutation: mutates raw requests of the form {"user", "action",
 * "resource"}: a forbidden resource is replaced by the default one.
 *
 * Settings: forbiddenResources (list), defaultResource (string).
 */
#include "kw.h"

static bool validate(kw_val request, kw_val settings)
{
    kw_val resource = kw_get(request, "resource");
    if (!kw_contains(kw_get(settings, "forbiddenResources"), resource))
        return kw_accept();
    kw_splice sp;
    kw_splice_init(&sp, request);
    kw_val replacement = kw_get(settings, "defaultResource");
    kw_splice_set(&sp, request, "resource", kw_strndup(replacement.p, replacement.n));
    return kw_mutate(kw_splice_apply(&sp));
}

static bool validate_settings(kw_val settings)
{
    if (!kw_all_strings(kw_get(settings, "forbiddenResources")))
        return kw_settings_invalid("forbiddenResources must be a list of strings");
    if (kw_typeof(kw_get(settings, "defaultResource")) != KW_STRING)
        return kw_settings_invalid("defaultResource must be a string");
    if (kw_contains(kw_get(settings, "forbiddenResources"), kw_get(settings, "defaultResource")))
        return kw_settings_invalid("defaultResource cannot be one of the forbiddenResources");
    return kw_settings_valid();
}

KW_POLICY(validate, validate_settings)
