/*
 * fuzz_module.h - what the engine's fuzz targets (fuzz_wasm.c, fuzz_jit.c)
 * share: small limits, a clock for per-call deadlines, and the input with its
 * start sections removed (wasm_instantiate runs the start function with no
 * deadline, so an endless one would read as a hang of the harness).
 */
#ifndef FUZZ_MODULE_H
#define FUZZ_MODULE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "wasm.h"

#define SECTION_START 8

static const wasm_limits fuzz_limits = {
    .max_memory_pages = 32,      /* 2 MiB */
    .max_table_elems = 4096,
    .max_call_depth = 500,
    .value_stack_slots = 1u << 14,
};

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Reads a u32 LEB128 of at most 5 bytes; false if it does not fit. */
static inline bool read_leb(const uint8_t *p, size_t len, size_t *pos, uint32_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (*pos >= len)
            return false;
        uint8_t b = p[(*pos)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
        if (shift == 28)
            return false;
    }
    if (v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* Copies the module without its start section(s) into `out` (room for size
 * bytes); false if the section framing is broken. */
static inline bool strip_start(const uint8_t *data, size_t size, uint8_t *out, size_t *out_len)
{
    size_t pos = 8, n = 8;
    if (size < 8)
        return false;
    memcpy(out, data, 8);
    while (pos < size) {
        size_t begin = pos;
        uint8_t id = data[pos++];
        uint32_t len;
        if (!read_leb(data, size, &pos, &len) || len > size - pos)
            return false;
        pos += len;
        if (id != SECTION_START) {
            memcpy(out + n, data + begin, pos - begin);
            n += pos - begin;
        }
    }
    *out_len = n;
    return true;
}

#endif
