/*
 * bench_instantiate.c - what a fresh sandbox costs: wasm_instantiate vs
 * wasm_snapshot_instantiate, for a module whose memory starts with 1 MiB or
 * 16 MiB of initialised (non-zero) data, when each use dirties 1 or 32 pages.
 *
 * One "use" = get an instance, call touch(pages) (one store per 4 KiB page),
 * free the instance.  The figure is the median of the uses, in microseconds.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "wasm.h"

typedef struct bytes {
    uint8_t *data;
    size_t len, cap;
} bytes;

static void put(bytes *b, const void *src, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *data = realloc(b->data, cap);
        if (!data) {
            fprintf(stderr, "bench_engine: out of memory\n");
            exit(1);
        }
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, src, n);
    b->len += n;
}

static void put_byte(bytes *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put_leb(bytes *b, uint32_t v)
{
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        put_byte(b, byte | (v ? 0x80 : 0));
    } while (v);
}

static void put_section(bytes *module, uint8_t id, const bytes *content)
{
    put_byte(module, id);
    put_leb(module, (uint32_t)content->len);
    put(module, content->data, content->len);
}

/* The initial memory: never zero, so a reset to zeros would show. */
static uint8_t image_byte(uint32_t i)
{
    return (uint8_t)(i * 7 + 1) | 1;
}

/*
 * (module
 *   (memory (export "memory") PAGES)
 *   (func (export "touch") (param $n i32) (local $i i32)
 *     block loop
 *       (br_if 1 (i32.ge_u (local.get $i) (local.get $n)))
 *       (i32.store8 (i32.shl (local.get $i) (i32.const 12)) (local.get $i))
 *       (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *       (br 0)
 *     end end)
 *   (data (i32.const 0) "IMAGE_BYTES non-zero bytes"))
 */
static bytes build_module(uint32_t image_bytes)
{
    static const uint8_t header[] = { 0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00 };
    static const uint8_t types[] = { 0x01, 0x60, 0x01, 0x7f, 0x00 };
    static const uint8_t funcs[] = { 0x01, 0x00 };
    static const uint8_t exports[] = { 0x02, 0x05, 't', 'o', 'u', 'c', 'h', 0x00, 0x00,
                                       0x06, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x00 };
    static const uint8_t body[] = {
        0x01, 0x01, 0x7f,                   /* one local i32 */
        0x02, 0x40, 0x03, 0x40,             /* block loop */
        0x20, 0x01, 0x20, 0x00, 0x4f, 0x0d, 0x01,                 /* br_if 1 (i >= n) */
        0x20, 0x01, 0x41, 0x0c, 0x74, 0x20, 0x01, 0x3a, 0x00, 0x00, /* store8 (i << 12) i */
        0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01,                 /* i++ */
        0x0c, 0x00, 0x0b, 0x0b, 0x0b,       /* br 0 end end end */
    };
    bytes module = { 0 }, s = { 0 };
    put(&module, header, sizeof header);
    put(&s, types, sizeof types); put_section(&module, 1, &s); s.len = 0;
    put(&s, funcs, sizeof funcs); put_section(&module, 3, &s); s.len = 0;
    put_byte(&s, 1); put_byte(&s, 0); put_leb(&s, image_bytes / 65536 + 1);
    put_section(&module, 5, &s); s.len = 0;
    put(&s, exports, sizeof exports); put_section(&module, 7, &s); s.len = 0;
    put_byte(&s, 1); put_leb(&s, sizeof body); put(&s, body, sizeof body);
    put_section(&module, 10, &s); s.len = 0;
    put_byte(&s, 1); put_byte(&s, 0); put_byte(&s, 0x41); put_byte(&s, 0); put_byte(&s, 0x0b);
    put_leb(&s, image_bytes);
    for (uint32_t i = 0; i < image_bytes; i++)
        put_byte(&s, image_byte(i));
    put_section(&module, 11, &s);
    free(s.data);
    return module;
}

typedef wasm_instance *(*make_fn)(void *ctx, wasm_error *err);

static wasm_instance *make_plain(void *ctx, wasm_error *err)
{
    void **pair = ctx;
    return wasm_instantiate(pair[0], pair[1], NULL, err);
}

static wasm_instance *make_from_snapshot(void *ctx, wasm_error *err)
{
    return wasm_snapshot_instantiate(ctx, err);
}

/* Does a fresh instance show the image, whatever earlier uses wrote?  A benchmark of a wrong reset is no benchmark. */
static bool fresh(make_fn make, void *ctx, uint32_t image_bytes)
{
    wasm_error err = { 0 };
    wasm_instance *inst = make(ctx, &err);
    wasm_memory *mem = inst ? wasm_instance_memory(inst) : NULL;
    bool ok = mem != NULL;
    for (uint32_t page = 0; ok && page < 32; page++) {
        uint8_t byte;
        uint32_t offset = page << 12;
        ok = wasm_memory_read(mem, offset, &byte, 1) == 0 && byte == (offset < image_bytes ? image_byte(offset) : 0);
    }
    if (inst)
        wasm_instance_free(inst);
    return ok;
}

/* Median µs of `uses` uses, or -1 (message printed) on failure. */
static double time_uses(make_fn make, void *ctx, uint32_t pages, int uses)
{
    double *us = malloc((size_t)uses * sizeof *us);
    double median = -1;
    int i;
    for (i = 0; us && i < uses; i++) {
        wasm_error err = { 0 };
        uint64_t arg = pages, t0 = bench_now_ns();
        wasm_instance *inst = make(ctx, &err);
        wasm_funcinst *touch = inst ? wasm_instance_export_func(inst, "touch") : NULL;
        wasm_trap trap = touch ? wasm_call(inst, touch, &arg, NULL) : WASM_TRAP_HOST;
        if (inst)
            wasm_instance_free(inst);
        us[i] = (double)(bench_now_ns() - t0) / 1e3;
        if (!inst || trap != WASM_OK) {
            fprintf(stderr, "bench_engine: instantiation use failed: %s\n",
                    inst ? wasm_trap_string(trap) : err.message);
            break;
        }
    }
    if (us && i == uses)
        median = bench_median(us, (size_t)uses);
    free(us);
    return median;
}

static int bench_image(uint32_t image_mib)
{
    static const uint32_t dirty_pages[] = { 1, 32 };
    bytes bin = build_module(image_mib << 20);
    wasm_error err = { 0 };
    wasm_module *module = wasm_module_load(bin.data, bin.len, &err);
    wasm_linker *linker = wasm_linker_new();
    wasm_instance *template = module && linker ? wasm_instantiate(module, linker, NULL, &err) : NULL;
    wasm_snapshot *snap = template ? wasm_snapshot_take(template, &err) : NULL;
    int status = 0;
    free(bin.data);
    if (!snap) {
        printf("  %3u MiB   engine failed: %s\n", image_mib, err.message);
        status = -1;
    }
    for (size_t d = 0; snap && d < sizeof dirty_pages / sizeof dirty_pages[0]; d++) {
        void *pair[2] = { module, linker };
        int plain_uses = image_mib >= 16 ? 30 : 200;
        double plain = time_uses(make_plain, pair, dirty_pages[d], plain_uses);
        double snapshot = time_uses(make_from_snapshot, snap, dirty_pages[d], 2000);
        if (plain < 0 || snapshot < 0)
            status = -1;
        if (!fresh(make_plain, pair, image_mib << 20) || !fresh(make_from_snapshot, snap, image_mib << 20)) {
            printf("  %3u MiB %6u   WRONG: a new instance does not show the initial image\n", image_mib,
                   dirty_pages[d]);
            status = -1;
        }
        printf("  %3u MiB %6u %18.1f %12.2f %9.0fx\n", image_mib, dirty_pages[d], plain, snapshot,
               snapshot > 0 ? plain / snapshot : 0);
        fflush(stdout);
    }
    if (snap)
        wasm_snapshot_free(snap);
    if (template)
        wasm_instance_free(template);
    if (linker)
        wasm_linker_free(linker);
    if (module)
        wasm_module_free(module);
    return status;
}

int bench_instantiation(void)
{
    int status = 0;
    printf("Instantiation: median µs per use (get an instance, dirty N 4-KiB pages, free it)\n");
    printf("  %-7s %6s %18s %12s %10s\n", "image", "dirty", "wasm_instantiate", "snapshot", "speedup");
    if (bench_image(1) != 0)
        status = -1;
    if (bench_image(16) != 0)
        status = -1;
    return status;
}
