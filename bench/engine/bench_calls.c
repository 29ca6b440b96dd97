/*
 * bench_calls.c - crossing the host/guest boundary, which policies do several
 * times per request (waPC, WASI), and stopping a guest that runs too long:
 *
 *   host -> wasm   wasm_call of an empty exported function
 *   wasm -> host   a wasm loop calling an import that only counts
 *   interrupt      from wasm_instance_interrupt() on another thread to the
 *                  return of wasm_call, in a `loop br` and in deep recursion
 *
 * The guest is calls.wat (compiled to DIR/calls.wasm by mk/bench.mk).
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "bench.h"
#include "wasm.h"

#define HOST_CALLS 1000000u
#define ENTRIES 200000
#define INTERRUPTS 21

static wasm_trap host_count(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
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

typedef struct runaway {
    wasm_instance *inst;
    wasm_funcinst *func;
    uint64_t arg;
    wasm_trap trap;
    uint64_t returned_ns;
} runaway;

static void *run_runaway(void *arg)
{
    runaway *r = arg;
    uint64_t slot = r->arg;
    r->trap = wasm_call(r->inst, r->func, &slot, &slot);
    r->returned_ns = bench_now_ns();
    return NULL;
}

/* Median µs from wasm_instance_interrupt() to wasm_call's return, the guest running 5 ms first. */
static double time_interrupts(wasm_instance *inst, wasm_funcinst *func, uint64_t arg)
{
    double us[INTERRUPTS];
    for (int i = 0; i < INTERRUPTS; i++) {
        runaway r = { .inst = inst, .func = func, .arg = arg };
        pthread_t thread;
        struct timespec running = { 0, 5 * 1000 * 1000 };
        wasm_instance_clear_interrupt(inst);
        if (pthread_create(&thread, NULL, run_runaway, &r) != 0)
            return -1;
        nanosleep(&running, NULL);
        uint64_t t0 = bench_now_ns();
        wasm_instance_interrupt(inst);
        pthread_join(thread, NULL);
        if (r.trap != WASM_TRAP_INTERRUPTED)
            return -1;
        us[i] = (double)(r.returned_ns - t0) / 1e3;
    }
    wasm_instance_clear_interrupt(inst);
    return bench_median(us, INTERRUPTS);
}

static int report(wasm_instance *inst, const uint64_t *count)
{
    wasm_funcinst *empty = wasm_instance_export_func(inst, "empty");
    wasm_funcinst *call_host = wasm_instance_export_func(inst, "call_host");
    wasm_funcinst *spin = wasm_instance_export_func(inst, "spin");
    wasm_funcinst *fib = wasm_instance_export_func(inst, "fib");
    if (!empty || !call_host || !spin || !fib) {
        printf("  calls.wasm lacks an export\n");
        return -1;
    }
    double entry = time_entries(inst, empty);
    double host = time_host_calls(inst, call_host, count);
    double stop_loop = time_interrupts(inst, spin, 0);
    double stop_recursion = time_interrupts(inst, fib, 60);
    printf("Calls and interruption: medians\n");
    printf("  host -> wasm (wasm_call, empty function) %9.1f ns\n", entry);
    printf("  wasm -> host (call of an import)         %9.1f ns\n", host);
    printf("  interrupt -> return, loop br             %9.1f us\n", stop_loop);
    printf("  interrupt -> return, recursive fib       %9.1f us\n", stop_recursion);
    if (entry < 0 || host < 0 || stop_loop < 0 || stop_recursion < 0) {
        printf("  (negative: the engine trapped, lost a call, or did not stop with \"interrupted\")\n");
        return -1;
    }
    return 0;
}

int bench_calls(const char *dir)
{
    static const wasm_valtype none[1];
    uint64_t count = 0;
    int status = -1;
    wasm_error err = { 0 };
    wasm_module *module = bench_load(dir, "calls");
    wasm_linker *linker = wasm_linker_new();
    wasm_instance *inst = NULL;
    if (module && linker && wasm_linker_define_func(linker, "env", "h", none, 0, none, 0, host_count, &count) == 0)
        inst = wasm_instantiate(module, linker, NULL, &err);
    if (inst)
        status = report(inst, &count);
    else
        printf("Calls: engine failed: %s\n", err.message);
    if (inst)
        wasm_instance_free(inst);
    if (linker)
        wasm_linker_free(linker);
    if (module)
        wasm_module_free(module);
    return status;
}
