/*
 * bench_engine - CPU kernels in the engine vs the same C compiled natively,
 * then fresh instances, boundary calls and interruption.
 *
 *   bench_engine [-r RUNS] [-k | -i] DIR
 *
 * DIR holds crc32.wasm, fib.wasm and sort.wasm (clang --target=wasm32-wasi -O2,
 * see mk/bench.mk) and calls.wasm (for bench_calls.c); the native kernels
 * (gcc -O2) are linked into this program as <kernel>_setup / <kernel>_run.
 * Every kernel runs RUNS times (default 5) each way; the table shows medians
 * and the ratio engine / native, and checks that both returned the same value.
 * Then instantiation from a snapshot vs wasm_instantiate, the cost of
 * host->wasm and wasm->host calls, and how fast an interrupt stops a running
 * guest.  -k runs only the kernels, -i only the rest.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "wasm.h"

#define MAX_RUNS 50

void crc32_setup(void);
uint32_t crc32_run(void);
void fib_setup(void);
uint32_t fib_run(void);
void sort_setup(void);
uint32_t sort_run(void);

typedef struct kernel {
    const char *name, *label;
    void (*native_setup)(void);
    uint32_t (*native_run)(void);
} kernel;

static const kernel kernels[] = {
    { "crc32", "crc32 over 10 MiB", crc32_setup, crc32_run },
    { "fib", "recursive fib(35)", fib_setup, fib_run },
    { "sort", "quicksort 256K ints", sort_setup, sort_run },
};

/* One kernel's medians; the runs alternate native / engine so that both see the same machine load. */
typedef struct kernel_times {
    double native_ms, engine_ms, ratio;     /* ratio: median of the per-pair ratios */
    uint32_t native_result, engine_result;
} kernel_times;

static double ms_since(uint64_t t0)
{
    return (double)(bench_now_ns() - t0) / 1e6;
}

static int run_pairs(wasm_instance *inst, wasm_funcinst *run, const kernel *k, int runs, kernel_times *t)
{
    double native[MAX_RUNS], engine[MAX_RUNS], ratio[MAX_RUNS];
    k->native_setup();
    for (int i = 0; i < runs; i++) {
        uint64_t slot = 0, t0 = bench_now_ns();
        t->native_result = k->native_run();
        native[i] = ms_since(t0);
        t0 = bench_now_ns();
        wasm_trap trap = wasm_call(inst, run, NULL, &slot);
        engine[i] = ms_since(t0);
        if (trap != WASM_OK) {
            fprintf(stderr, "bench_engine: %s: run trapped: %s\n", k->name, wasm_instance_trap_message(inst));
            return -1;
        }
        t->engine_result = (uint32_t)slot;
        ratio[i] = engine[i] / native[i];
    }
    t->native_ms = bench_median(native, (size_t)runs);
    t->engine_ms = bench_median(engine, (size_t)runs);
    t->ratio = bench_median(ratio, (size_t)runs);
    return 0;
}

static int time_kernel(const char *dir, const kernel *k, int runs, kernel_times *t)
{
    int status = -1;
    wasm_error err = { 0 };
    wasm_module *module = bench_load(dir, k->name);
    wasm_linker *linker = wasm_linker_new();
    wasm_instance *inst = module && linker ? wasm_instantiate(module, linker, NULL, &err) : NULL;
    wasm_funcinst *setup = inst ? wasm_instance_export_func(inst, "setup") : NULL;
    wasm_funcinst *run = inst ? wasm_instance_export_func(inst, "run") : NULL;
    if (module && !inst)
        fprintf(stderr, "bench_engine: %s: %s\n", k->name, err.message);
    else if (inst && (!setup || !run))
        fprintf(stderr, "bench_engine: %s: exports setup/run missing\n", k->name);
    else if (inst && wasm_call(inst, setup, NULL, NULL) != WASM_OK)
        fprintf(stderr, "bench_engine: %s: setup trapped: %s\n", k->name, wasm_instance_trap_message(inst));
    else if (inst)
        status = run_pairs(inst, run, k, runs, t);
    if (inst)
        wasm_instance_free(inst);
    if (linker)
        wasm_linker_free(linker);
    if (module)
        wasm_module_free(module);
    return status;
}

static int bench_kernels(const char *dir, int runs)
{
    int failures = 0;
    printf("CPU kernels: median of %d runs, ms; ratio = engine / native (gcc -O2), median of alternating pairs\n",
           runs);
    printf("  %-22s %10s %10s %8s  %s\n", "kernel", "native", "engine", "ratio", "result");
    for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++) {
        const kernel *k = &kernels[i];
        kernel_times t = { 0 };
        if (time_kernel(dir, k, runs, &t) != 0) {
            printf("  %-22s %10s %10s %8s  engine failed\n", k->label, "-", "-", "-");
            failures++;
        } else if (t.engine_result != t.native_result) {
            printf("  %-22s %10.2f %10.2f %8s  WRONG: engine 0x%08" PRIx32 ", native 0x%08" PRIx32 "\n",
                   k->label, t.native_ms, t.engine_ms, "-", t.engine_result, t.native_result);
            failures++;
        } else {
            printf("  %-22s %10.2f %10.2f %7.1fx  0x%08" PRIx32 "\n", k->label, t.native_ms, t.engine_ms,
                   t.ratio, t.native_result);
        }
        fflush(stdout);
    }
    return failures ? -1 : 0;
}

int main(int argc, char **argv)
{
    int runs = 5, c;
    bool kernels_only = false, instantiation_only = false;
    while ((c = getopt(argc, argv, "r:ki")) != -1) {
        switch (c) {
        case 'r': runs = atoi(optarg); break;
        case 'k': kernels_only = true; break;
        case 'i': instantiation_only = true; break;
        default: goto usage;
        }
    }
    if (optind != argc - 1 || runs < 1 || runs > MAX_RUNS)
        goto usage;
    int status = 0;
    if (!instantiation_only && bench_kernels(argv[optind], runs) != 0)
        status = 1;
    if (!kernels_only && bench_instantiation() != 0)
        status = 1;
    if (!kernels_only && bench_calls(argv[optind]) != 0)
        status = 1;
    return status;
usage:
    fprintf(stderr, "usage: bench_engine [-r RUNS (1..%d)] [-k | -i] DIR\n", MAX_RUNS);
    return 2;
}
