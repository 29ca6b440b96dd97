/*
 * bench_calls.c - the cost of crossing the host/guest boundary, which policies
 * do several times per request (waPC, WASI): wasm_call of an empty exported
 * function, and a call from wasm to a host function that does nothing.
 */
#include <stdio.h>

#include "bench.h"
#include "wasm.h"

#define HOST_CALLS 1000000u
#define ENTRIES 200000

/*
 * (module
 *   (import "env" "h" (func $h))
 *   (func (export "empty"))
 *   (func (export "call_host") (param $n i32)
 *     block loop
 *       (br_if 1 (i32.eqz (local.get $n)))
 *       (call $h)
 *       (local.set $n (i32.sub (local.get $n) (i32.const 1)))
 *       (br 0)
 *     end end))
 */
static const uint8_t calls_module[] = {
    0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00,
    0x01, 0x08, 0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x00,          /* types: ()->(), (i32)->() */
    0x02, 0x09, 0x01, 0x03, 'e', 'n', 'v', 0x01, 'h', 0x00, 0x00,        /* import env.h */
    0x03, 0x03, 0x02, 0x00, 0x01,                                         /* two functions */
    0x07, 0x15, 0x02, 0x05, 'e', 'm', 'p', 't', 'y', 0x00, 0x01,
    0x09, 'c', 'a', 'l', 'l', '_', 'h', 'o', 's', 't', 0x00, 0x02,        /* exports */
    0x0a, 0x1d, 0x02,
    0x02, 0x00, 0x0b,                                                     /* empty */
    0x18, 0x00, 0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x45, 0x0d, 0x01,     /* call_host */
    0x10, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00, 0x0c, 0x00, 0x0b, 0x0b, 0x0b,
};

static wasm_trap host_nothing(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    (*(uint64_t *)env)++;
    return WASM_OK;
}

/* Median ns per wasm_call of the empty export, over 5 batches. */
static double time_entries(wasm_instance *inst, wasm_funcinst *empty)
{
    double ns[5];
    for (int b = 0; b < 5; b++) {
        uint64_t t0 = bench_now_ns();
        for (int i = 0; i < ENTRIES; i++)
            if (wasm_call(inst, empty, NULL, NULL) != WASM_OK)
                return -1;
        ns[b] = (double)(bench_now_ns() - t0) / ENTRIES;
    }
    return bench_median(ns, 5);
}

/* Median ns per host call made from wasm, over 5 runs; checks the host saw every call. */
static double time_host_calls(wasm_instance *inst, wasm_funcinst *call_host, const uint64_t *count)
{
    double ns[5];
    for (int r = 0; r < 5; r++) {
        uint64_t arg = HOST_CALLS, before = *count, t0 = bench_now_ns();
        if (wasm_call(inst, call_host, &arg, NULL) != WASM_OK || *count - before != HOST_CALLS)
            return -1;
        ns[r] = (double)(bench_now_ns() - t0) / HOST_CALLS;
    }
    return bench_median(ns, 5);
}

int bench_calls(void)
{
    static const wasm_valtype none[1];
    uint64_t count = 0;
    wasm_error err = { 0 };
    wasm_module *module = wasm_module_load(calls_module, sizeof calls_module, &err);
    wasm_linker *linker = wasm_linker_new();
    wasm_instance *inst = NULL;
    if (module && linker && wasm_linker_define_func(linker, "env", "h", none, 0, none, 0, host_nothing, &count) == 0)
        inst = wasm_instantiate(module, linker, NULL, &err);
    wasm_funcinst *empty = inst ? wasm_instance_export_func(inst, "empty") : NULL;
    wasm_funcinst *call_host = inst ? wasm_instance_export_func(inst, "call_host") : NULL;
    double entry = empty ? time_entries(inst, empty) : -1;
    double host = call_host ? time_host_calls(inst, call_host, &count) : -1;
    printf("Calls across the boundary: median ns per call\n");
    if (entry < 0 || host < 0)
        printf("  engine failed: %s\n", err.message[0] ? err.message : "a call trapped or was lost");
    else
        printf("  host -> wasm (wasm_call, empty function) %8.1f\n  wasm -> host (call of an import)          %8.1f\n",
               entry, host);
    if (inst)
        wasm_instance_free(inst);
    if (linker)
        wasm_linker_free(linker);
    if (module)
        wasm_module_free(module);
    return entry < 0 || host < 0 ? -1 : 0;
}
