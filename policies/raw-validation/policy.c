/*
 * raw-validation: validates raw (non-Kubernetes) requests of the form
 * {"user": .., "action": .., "resource": ..}.
 *
 * Settings: validUsers, validActions, validResources — non-empty lists of
 * accepted values.
 */
#include "kw.h"

static const struct {
    const char *field, *setting;
} checks[] = {
    { "user", "validUsers" },
    { "action", "validActions" },
    { "resource", "validResources" },
};

static bool validate(kw_val request, kw_val settings)
{
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        kw_val value = kw_get(request, checks[i].field);
        if (kw_contains(kw_get(settings, checks[i].setting), value))
            continue;
        kw_buf msg = { 0 };
        kw_buf_puts(&msg, checks[i].field);
        kw_buf_puts(&msg, " '");
        kw_buf_puts(&msg, kw_str(value));
        kw_buf_puts(&msg, "' is not in ");
        kw_buf_puts(&msg, checks[i].setting);
        return kw_reject(kw_buf_cstr(&msg), 0);
    }
    return kw_accept();
}

static bool validate_settings(kw_val settings)
{
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        kw_val list = kw_get(settings, checks[i].setting);
        if (kw_all_strings(list) && kw_len(list) > 0)
            continue;
        kw_buf msg = { 0 };
        kw_buf_puts(&msg, checks[i].setting);
        kw_buf_puts(&msg, " must be a non-empty list of strings");
        return kw_settings_invalid(kw_buf_cstr(&msg));
    }
    return kw_settings_valid();
}

KW_POLICY(validate, validate_settings)
