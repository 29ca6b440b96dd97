/*
 * sleeping: a test policy that takes its time.  It busy-waits (spins on the
 * monotonic clock, so the engine's timeout can interrupt it) for
 * sleepMilliseconds, then accepts.  The annotation
 * kubewarden.sleep_duration_milliseconds on the object overrides the setting.
 * Not for production use.
 *
 * Settings: sleepMilliseconds (required, integer >= 0).
 */
#define _POSIX_C_SOURCE 199309L   /* clock_gettime under -std=c11 */

#include "kw.h"

#include <time.h>

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds from an annotation value ("8000"); -1 if it is not a number. */
static int64_t parse_ms(const char *s)
{
    int64_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 86400000)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

static bool validate(kw_val request, kw_val settings)
{
    int64_t ms = 0;
    kw_int(kw_get(settings, "sleepMilliseconds"), &ms);
    kw_val annotation = kw_get(kw_annotations(kw_request_object(request)), "kubewarden.sleep_duration_milliseconds");
    if (kw_typeof(annotation) == KW_STRING && parse_ms(kw_str(annotation)) >= 0)
        ms = parse_ms(kw_str(annotation));
    else if (kw_typeof(annotation) == KW_NUMBER)
        kw_int(annotation, &ms);
    kw_buf msg = { 0 };
    kw_buf_puts(&msg, "sleeping for ");
    kw_buf_int(&msg, ms);
    kw_buf_puts(&msg, " ms");
    kw_log(KW_LOG_INFO, kw_buf_cstr(&msg));
    int64_t until = now_ms() + ms;
    while (now_ms() < until)
        ;
    return kw_accept();
}

static bool validate_settings(kw_val settings)
{
    int64_t ms;
    if (!kw_int(kw_get(settings, "sleepMilliseconds"), &ms) || ms < 0)
        return kw_settings_invalid("sleepMilliseconds must be a non-negative integer");
    return kw_settings_valid();
}

KW_POLICY(validate, validate_settings)
