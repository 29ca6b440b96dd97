/*
 * echo: a tool for policy authors.  Accepts every request, except those whose
 * object carries the annotation io.kubewarden.policy.echo.<operation>
 * (create, update, delete, connect; for DELETE the old object's annotations
 * count): those are rejected with the request itself, as JSON, as the message.
 * No settings.
 */
#include "kw.h"

#include <string.h>

static bool validate(kw_val request, kw_val settings)
{
    (void)settings;
    static const char prefix[] = "io.kubewarden.policy.echo.";
    char *operation = kw_str(kw_get(request, "operation"));
    bool deleting = strcmp(operation, "DELETE") == 0;
    kw_val object = kw_get(request, deleting ? "oldObject" : "object");
    kw_buf key = { 0 };
    kw_buf_puts(&key, prefix);
    for (const char *p = operation; *p; p++)
        kw_buf_putc(&key, (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p));
    if (!kw_present(kw_get(kw_annotations(object), kw_buf_cstr(&key))))
        return kw_accept();
    return kw_reject(kw_strndup(request.p, request.n), 0);
}

static bool validate_settings(kw_val settings)
{
    (void)settings;
    return kw_settings_valid();
}

KW_POLICY(validate, validate_settings)
