/*
 * util.c - small helpers of the policy layer: UTF-8 validation of guest
 * strings, the monotonic clock, and strings in the evaluation's arena.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF. */
bool utf8_valid(const char *str, size_t len)
{
    if (len == 0)
        return true;
    const unsigned char *s = (const unsigned char *)str, *end = s + len;
    while (s < end) {
        unsigned c = *s;
        if (c < 0x80) {
            s++;
            continue;
        }
        size_t n;
        unsigned lo = 0x80, hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            if (c == 0xe0) lo = 0xa0;
            if (c == 0xed) hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            if (c == 0xf0) lo = 0x90;
            if (c == 0xf4) hi = 0x8f;
        } else {
            return false;
        }
        if ((size_t)(end - s) <= n || s[1] < lo || s[1] > hi)
            return false;
        for (size_t i = 2; i <= n; i++)
            if ((s[i] & 0xc0) != 0x80)
                return false;
        s += n + 1;
    }
    return true;
}

uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

char *arena_strndup(json_arena *a, const char *s, size_t len)
{
    char *p = json_arena_alloc(a, len + 1);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *arena_printf(json_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = json_arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

char *guest_strndup(json_arena *a, wasm_instance *inst, uint32_t ptr, uint32_t len)
{
    wasm_memory *mem = wasm_instance_memory(inst);
    if (!mem || (uint64_t)ptr + len > wasm_memory_size(mem))
        return NULL;
    return arena_strndup(a, (const char *)wasm_memory_data(mem) + ptr, len);
}

wasm_trap host_trap(wasm_instance *inst, const char *message)
{
    wasm_instance_set_trap_message(inst, message);
    return WASM_TRAP_HOST;
}

char *guest_string(json_arena *a, wasm_instance *inst, uint32_t ptr, uint32_t len, const char *utf8_what,
                   wasm_trap *trap)
{
    char *s = guest_strndup(a, inst, ptr, len);
    if (!s) {
        *trap = host_trap(inst, "out of bounds memory access");
        return NULL;
    }
    if (utf8_what && !utf8_valid(s, len)) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s is not valid UTF-8", utf8_what);
        *trap = host_trap(inst, msg);
        return NULL;
    }
    return s;
}
