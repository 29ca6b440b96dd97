/*
 * fuzz_wasm.c - libFuzzer target for the engine: decode + validate + compile
 * any bytes; when they load, instantiate with dummy imports under small limits,
 * call every exported function with zero arguments under a short deadline,
 * then do the same once more through a snapshot.
 *
 * Start sections are removed before loading: wasm_instantiate runs the start
 * function with no deadline, so an endless start function would read as a hang
 * of the harness, not of the engine.  Inputs whose section framing cannot be
 * walked are only loaded, never instantiated, for the same reason.
 *
 *   clang -fsanitize=fuzzer,address,undefined ... (see mk/fuzz.mk)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasm.h"
#include "fuzz_module.h"

#define CALL_BUDGET_NS (20ull * 1000 * 1000)     /* per exported function */

static wasm_trap return_zeros(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    const wasm_functype_info *type = env;
    for (uint32_t i = 0; i < type->nresults; i++)
        results[i] = 0;
    return WASM_OK;
}

typedef struct dummies {
    wasm_memory *memories[8];
    wasm_table *tables[8];
    wasm_global *globals[8];
    int nmemories, ntables, nglobals;
    wasm_functype_info *func_types;    /* env of each dummy function */
} dummies;

/* The module reports value types as bytes; the linker takes wasm_valtype arrays. */
static void define_func(wasm_linker *linker, const wasm_import_info *imp, wasm_functype_info *env)
{
    wasm_valtype params[64], results[64];
    if (imp->func.nparams > 64 || imp->func.nresults > 64)
        return;
    for (uint32_t i = 0; i < imp->func.nparams; i++)
        params[i] = (wasm_valtype)imp->func.params[i];
    for (uint32_t i = 0; i < imp->func.nresults; i++)
        results[i] = (wasm_valtype)imp->func.results[i];
    wasm_linker_define_func(linker, imp->module, imp->name, params, imp->func.nparams, results,
                            imp->func.nresults, return_zeros, env);
}

/* Defines an object of the declared type for every import.  Memories and
 * tables get their declared minimum (capped, so a fuzzed limit cannot ask for
 * gigabytes), and may grow up to their declared maximum. */
static void define_dummies(wasm_linker *linker, const wasm_module *module, dummies *d)
{
    uint32_t n = wasm_module_import_count(module);
    d->func_types = calloc(n ? n : 1, sizeof *d->func_types);
    for (uint32_t i = 0; i < n && d->func_types; i++) {
        wasm_import_info imp;
        wasm_module_import(module, i, &imp);
        uint32_t min = imp.min < 16 ? imp.min : 16;
        switch (imp.kind) {
        case WASM_EXTERN_FUNC:
            d->func_types[i] = imp.func;
            define_func(linker, &imp, &d->func_types[i]);
            break;
        case WASM_EXTERN_MEMORY:
            if (d->nmemories < 8 && (d->memories[d->nmemories] = wasm_memory_new(min, imp.max, imp.has_max, NULL)))
                wasm_linker_define_memory(linker, imp.module, imp.name, d->memories[d->nmemories++]);
            break;
        case WASM_EXTERN_TABLE:
            if (d->ntables < 8 &&
                (d->tables[d->ntables] = wasm_table_new(imp.type, min, imp.max, imp.has_max, NULL)))
                wasm_linker_define_table(linker, imp.module, imp.name, d->tables[d->ntables++]);
            break;
        case WASM_EXTERN_GLOBAL:
            if (d->nglobals < 8 && (d->globals[d->nglobals] = wasm_global_new(imp.type, imp.mutable_, 0)))
                wasm_linker_define_global(linker, imp.module, imp.name, d->globals[d->nglobals++]);
            break;
        }
    }
}

static void free_dummies(dummies *d)
{
    for (int i = 0; i < d->nmemories; i++)
        wasm_memory_free(d->memories[i]);
    for (int i = 0; i < d->ntables; i++)
        wasm_table_free(d->tables[i]);
    for (int i = 0; i < d->nglobals; i++)
        wasm_global_free(d->globals[i]);
    free(d->func_types);
}

/* Argument values that reach edge cases: signs, overflow boundaries, NaN payloads. */
static const uint64_t interesting[] = {
    0, 1, 2, 7, 0xffffffffffffffffull, 0x80000000ull, 0x7fffffffull, 0xffffffffull, 65536, 65535,
    0x8000000000000000ull, 0x7ff8000000000001ull, 0x7fc00001ull, 0x3ff0000000000000ull, 0x4f000000ull,
};

/* Zeros when `seed` is 0; else values of `interesting` picked by the seed, fitted to each type. */
static void fill_args(uint64_t *slots, const wasm_functype_info *type, uint64_t seed)
{
    for (uint32_t i = 0; i < type->nparams; i++) {
        uint64_t v = seed ? interesting[(seed >> (4 * (i % 16))) % (sizeof interesting / sizeof interesting[0])] : 0;
        switch (type->params[i]) {
        case WASM_I32: case WASM_F32: slots[i] = (uint32_t)v; break;
        case WASM_I64: case WASM_F64: slots[i] = v; break;
        case WASM_EXTERNREF: slots[i] = v & 0xff; break;   /* any host value */
        default: slots[i] = 0; break;                      /* a funcref must be null or a real function */
        }
    }
}

static void call_exports(wasm_instance *inst, const wasm_module *module, uint64_t seed)
{
    uint64_t slots[64];
    uint32_t n = wasm_module_export_count(module);
    for (uint32_t i = 0; i < n; i++) {
        wasm_export_info exp;
        wasm_module_export(module, i, &exp);
        if (exp.kind != WASM_EXTERN_FUNC || exp.func.nparams > 64 || exp.func.nresults > 64)
            continue;
        wasm_funcinst *func = wasm_instance_export_func(inst, exp.name);
        if (!func)
            continue;
        memset(slots, 0, sizeof slots);
        fill_args(slots, &exp.func, seed);
        wasm_instance_clear_interrupt(inst);
        wasm_instance_set_deadline(inst, now_ns() + CALL_BUDGET_NS);
        wasm_call(inst, func, slots, slots);
    }
}

/* What an instance made from a snapshot must show: memory 0 and the exported globals. */
typedef struct state {
    uint8_t *memory;
    uint64_t memory_size;
    uint64_t globals[64];
    uint32_t nglobals;
} state;

static void capture(const wasm_instance *inst, const wasm_module *module, state *st)
{
    wasm_memory *mem = wasm_instance_memory(inst);
    memset(st, 0, sizeof *st);
    if (mem && (st->memory_size = wasm_memory_size(mem)) > 0 && (st->memory = malloc(st->memory_size)))
        wasm_memory_read(mem, 0, st->memory, st->memory_size);
    uint32_t n = wasm_module_export_count(module);
    for (uint32_t i = 0; i < n && st->nglobals < 64; i++) {
        wasm_export_info exp;
        wasm_module_export(module, i, &exp);
        wasm_global *g = exp.kind == WASM_EXTERN_GLOBAL ? wasm_instance_export_global(inst, exp.name) : NULL;
        if (g)
            st->globals[st->nglobals++] = wasm_global_get(g);
    }
}

static bool same_state(const state *a, const state *b)
{
    return a->memory_size == b->memory_size && a->nglobals == b->nglobals &&
           (!a->memory || !b->memory || memcmp(a->memory, b->memory, a->memory_size) == 0) &&
           memcmp(a->globals, b->globals, a->nglobals * sizeof a->globals[0]) == 0;
}

/*
 * Two uses of instances made from a snapshot of `template`: each must start in
 * the captured state, whatever the previous use wrote (a violation aborts, so
 * libFuzzer keeps the input), then is called with `seed`'s arguments.
 */
static void check_snapshot(wasm_instance *template, const wasm_module *module, uint64_t seed)
{
    wasm_snapshot *snap = wasm_snapshot_take(template, NULL);
    state want, got;
    if (!snap)
        return;
    capture(template, module, &want);
    for (int use = 0; use < 2; use++) {
        wasm_instance *copy = wasm_snapshot_instantiate(snap, NULL);
        if (!copy)
            break;
        capture(copy, module, &got);
        bool same = same_state(&want, &got);
        free(got.memory);
        if (!same) {
            fprintf(stderr, "fuzz_wasm: use %d of a snapshot does not start in the snapshot's state\n", use + 1);
            abort();
        }
        call_exports(copy, module, seed);
        wasm_instance_free(copy);
    }
    free(want.memory);
    wasm_snapshot_free(snap);
}

/* Calls every export with zero arguments, then checks snapshots of the instance. */
static void run_module(const wasm_module *module, uint64_t seed)
{
    wasm_linker *linker = wasm_linker_new();
    dummies d = { 0 };
    if (!linker)
        return;
    define_dummies(linker, module, &d);
    wasm_instance *inst = wasm_instantiate(module, linker, &fuzz_limits, NULL);
    if (inst) {
        call_exports(inst, module, 0);
        check_snapshot(inst, module, seed);
        wasm_instance_free(inst);
    }
    wasm_linker_free(linker);
    free_dummies(&d);
}

/* FNV-1a: argument choices that follow the input, so a crash replays. */
static uint64_t input_hash(const uint8_t *data, size_t size)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 0x100000001b3ull;
    return h | 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *stripped = malloc(size ? size : 1);
    size_t stripped_len = 0;
    if (!stripped)
        return 0;
    bool framed = strip_start(data, size, stripped, &stripped_len);
    wasm_error err;
    wasm_module *module = framed ? wasm_module_load(stripped, stripped_len, &err)
                                 : wasm_module_load(data, size, &err);
    free(stripped);
    if (!module)
        return 0;
    size_t custom_len;
    wasm_module_custom_section(module, "name", &custom_len);
    if (framed)
        run_module(module, input_hash(data, size));
    wasm_module_free(module);
    return 0;
}
