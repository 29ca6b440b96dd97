/*
 * opa_time.c - the time.* Rego builtins: time.now_ns (CLOCK_REALTIME),
 * time.parse_rfc3339_ns (Go's time.Parse with RFC3339: fractional seconds
 * allowed, 'Z' or a ±hh:mm offset) and time.date ([year, month, day] of a
 * nanosecond timestamp, in UTC; [ns, tz] with tz "", "UTC" or "Local" only:
 * there is no time zone database here).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "opa_internal.h"

#define NS_PER_SEC 1000000000LL
#define SECS_PER_DAY 86400LL

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long long)yoe + era * 400 + (*m <= 2);
}

static unsigned days_in_month(long long y, unsigned m)
{
    static const unsigned days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

const char *opa_time_now_ns(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    *out = json_new_int(env->arena, (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec);
    return *out ? NULL : "out of memory";
}

/* `n` decimal digits at *p into *v; false when they are not there. */
static bool digits(const char **p, int n, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return false;
        *v = *v * 10 + (unsigned)(**p - '0');
    }
    return true;
}

static bool expect(const char **p, char c)
{
    return **p == c ? ((*p)++, true) : false;
}

/* YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm) -> nanoseconds since the epoch. */
static bool parse_rfc3339(const char *s, long long *ns)
{
    unsigned y, mo, d, h, mi, sec, oh = 0, om = 0;
    const char *p = s;
    if (!digits(&p, 4, &y) || !expect(&p, '-') || !digits(&p, 2, &mo) || !expect(&p, '-') || !digits(&p, 2, &d) ||
        !expect(&p, 'T') || !digits(&p, 2, &h) || !expect(&p, ':') || !digits(&p, 2, &mi) || !expect(&p, ':') ||
        !digits(&p, 2, &sec))
        return false;
    long long frac = 0;
    if (*p == '.') {
        p++;
        int n = 0;
        for (; *p >= '0' && *p <= '9'; p++, n++)
            if (n < 9)
                frac = frac * 10 + (*p - '0');
        if (n == 0)
            return false;
        for (; n < 9; n++)
            frac *= 10;
    }
    int sign = 0;
    if (!expect(&p, 'Z')) {
        sign = *p == '+' ? 1 : *p == '-' ? -1 : 0;
        p++;
        if (!sign || !digits(&p, 2, &oh) || !expect(&p, ':') || !digits(&p, 2, &om) || oh > 23 || om > 59)
            return false;
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
        return false;
    long long secs = days_from_civil(y, mo, d) * SECS_PER_DAY + h * 3600 + mi * 60 + sec -
                     sign * (long long)(oh * 3600 + om * 60);
    /* UnixNano is defined for 1678-2262 only */
    if (secs < -9223372036LL || secs > 9223372035LL)
        return false;
    *ns = secs * NS_PER_SEC + frac;
    return true;
}

const char *opa_time_parse_rfc3339_ns(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    OPA_ARG_STRING(0, "RFC 3339 time");
    long long ns;
    if (!parse_rfc3339(args[0]->u.str, &ns))
        return arena_printf(env->arena, "cannot parse \"%s\" as RFC 3339 (2006-01-02T15:04:05Z07:00)",
                            args[0]->u.str);
    *out = json_new_int(env->arena, ns);
    return *out ? NULL : "out of memory";
}

const char *opa_time_date(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    const json_value *x = args[0], *tz = NULL;
    if (x->type == JSON_ARRAY && x->len == 2) {
        tz = x->u.items[1];
        x = x->u.items[0];
    }
    int64_t ns;
    if (!json_is_integer(x, &ns))
        return "operand 1 must be a number of nanoseconds or [nanoseconds, time zone]";
    long long secs = ns / NS_PER_SEC - (ns % NS_PER_SEC < 0);
    long long y;
    unsigned m, d;
    if (tz && (tz->type != JSON_STRING || (strcmp(tz->u.str, "") && strcmp(tz->u.str, "UTC") &&
                                           strcmp(tz->u.str, "Local"))))
        return arena_printf(env->arena, "time zone %s is not supported (only \"\", \"UTC\" and \"Local\")",
                            tz->type == JSON_STRING ? tz->u.str : "(not a string)");
    if (tz && strcmp(tz->u.str, "Local") == 0) {
        time_t t = (time_t)secs;
        struct tm tm;
        if (!localtime_r(&t, &tm))
            return "the time is out of range";
        y = tm.tm_year + 1900LL;
        m = (unsigned)tm.tm_mon + 1;
        d = (unsigned)tm.tm_mday;
    } else {
        long long days = secs / SECS_PER_DAY - (secs % SECS_PER_DAY < 0);
        civil_from_days(days, &y, &m, &d);
    }
    json_value *list = json_new_array(env->arena);
    if (!list || json_array_push(env->arena, list, json_new_int(env->arena, y)) < 0 ||
        json_array_push(env->arena, list, json_new_int(env->arena, m)) < 0 ||
        json_array_push(env->arena, list, json_new_int(env->arena, d)) < 0)
        return "out of memory";
    *out = list;
    return NULL;
}
