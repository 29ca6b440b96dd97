/*
 * fuzz_jit.c - libFuzzer target that compares the engine's two tiers: the
 * compiled code (jit_x64.c) against the interpreter (interp.c), the reference.
 *
 * Every input is loaded twice, with KW_WASM_TIER=interp and without it; both
 * loads must succeed or fail alike, and say "interp" and "jit".  Both modules
 * are instantiated against identical deterministic dummy imports, and every
 * exported function is called on both with the same arguments, in four
 * rounds: zeros on the first instances, then, in each of three rounds, four
 * argument patterns drawn from the input, on a fresh instance made from a
 * snapshot of the first (when the module allows snapshots), so a store the
 * compiled code forgets to mark dirty shows as a stale byte after the
 * restore.  After each call the two sides must agree on the trap, the
 * results, the host calls made (a hash of their arguments), every global,
 * every table and all of memory 0.  Any difference prints both sides and
 * aborts, so libFuzzer keeps the input.
 *
 * Differences allowed: a call that ends in "interrupted" (the per-call deadline:
 * the interpreter is slower) or "call stack exhausted" (compiled code recurses
 * on the machine stack, 16 bytes a frame, so its depth limit differs by a few
 * frames) on either side.  The two instances may then have diverged, so the
 * input's remaining calls are skipped.
 *
 * References are compared by function index (a funcref is a pointer into its
 * own instance), so this file reads the engine's private structures.
 *
 * Seeds: the spec suite's modules, the demo, and the .wat files of tests/fuzz/jit-seeds
 * (the interpreter's fused instructions, which the compiler translates one by
 * one, and one file per area of jit_x64.c: mem, ctrl, bits, calls, bulk,
 * float, imports; edge-case constants, addresses taken from the arguments).
 *
 * Checked against planted bugs, each in a copy of src/wasm/ outside the tree
 * (never in the repository): this target built from the copy, run by
 * tests/fuzz/run-fuzz.sh with the seeds of `make test-fuzz-jit` and its 60 s
 * budget, aborted within 3 s every time:
 *   - jit_x64.c's i32_sub emitting an add (X(i32_sub, W32, 0x03, 0)): a spec
 *     seed, before any mutation ("results");
 *   - the bounds check one byte short (lea rcx, [rax + disp + n - 1]): the
 *     access past the end faults (ASan's SEGV report);
 *   - a store marking only the first 4 KiB granule it touches in the dirty
 *     map (emit_mark_dirty's loop once): "memory 0 at byte 4096" in an
 *     instance made again from the snapshot;
 *   - FORM_ADD's address add done in 64 bits (no wrap at 2^32), and no
 *     reload of the memory size after memory.grow: "trap";
 *   - cmp_imm_fits() also accepting 0xffffffff (compared as -1): "results".
 * Missed for 60 s without the per-area seeds, caught by them in 2-3 s: rep
 * stosq clearing one local too few (calls.wat), a 2-byte store marking only
 * its first granule (mem.wat), the large-offset path only above 0x7fffffff
 * (mem.wat, UBSan), br_if64 testing 32 bits (ctrl.wat), an i64 ALU immediate
 * up to 0xffffffff taken as a sign-extended imm32 (bits.wat).
 *
 *   clang -fsanitize=fuzzer,address,undefined ... (see mk/fuzz.mk)
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasm.h"
#include "fuzz_module.h"
#include "../../src/wasm/internal.h"   /* funcref identities, every global and table */

#define CALL_BUDGET_NS (20ull * 1000 * 1000)     /* per call, per side */
#define ROUNDS 4
#define CALLS_PER_ROUND 4                        /* argument patterns per export, rounds 1.. */
#define MAX_VALUES 64                            /* params/results of a called export */
#define FOREIGN_REF UINT64_MAX                   /* a reference into no function of the instance */

/* ---- argument patterns and host-call logs ---------------------------------- */

/* FNV-1a, for argument patterns that follow the input and for host-call logs. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

#define FNV_INIT 0xcbf29ce484222325ull

/* ---- values compared across instances -------------------------------------- */

/* A funcref as its index in the instance's function space (+1; null is 0). */
static uint64_t ref_identity(const wasm_instance *inst, uint64_t ref)
{
    const wasm_module *m = inst->module;
    uintptr_t f = (uintptr_t)ref;
    uintptr_t own = (uintptr_t)inst->own_funcs, host = (uintptr_t)inst->host_funcs;
    if (ref == 0)
        return 0;
    if (f >= own && f < own + (m->nfuncs - m->nfunc_imports) * sizeof(wasm_funcinst))
        return m->nfunc_imports + (f - own) / sizeof(wasm_funcinst) + 1;
    if (f >= host && f < host + m->nfunc_imports * sizeof(wasm_funcinst))
        return (f - host) / sizeof(wasm_funcinst) + 1;
    return FOREIGN_REF;
}

/*
 * A value of `type` as it must be equal on both tiers: bit for bit, NaNs too
 * (a binary operator returns its first NaN operand, quieted, in both tiers:
 * numeric.h); 32-bit values by their 32 bits.
 */
static uint64_t comparable(const wasm_instance *inst, uint8_t type, uint64_t v)
{
    switch (type) {
    case WASM_I32: case WASM_F32: return (uint32_t)v;
    case WASM_FUNCREF: return ref_identity(inst, v);
    default: return v;
    }
}

/* ---- deterministic dummy imports -------------------------------------------- */

/* One side's record of the host calls its instances made. */
typedef struct host_log {
    uint64_t hash;
    uint64_t calls;
} host_log;

typedef struct host_fn {
    wasm_functype_info type;
    uint32_t import;
    host_log *log;
} host_fn;

/*
 * Folds the call (which import, which arguments) into the side's log and
 * returns values derived from the whole history, so that a wrong argument or a
 * call made once too often changes what the guest computes next.  One call in
 * 64 traps, to exercise trap propagation out of a host call.
 */
static wasm_trap dummy_host(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    host_fn *fn = env;
    host_log *log = fn->log;
    log->hash = fnv(log->hash, &fn->import, sizeof fn->import);
    for (uint32_t i = 0; i < fn->type.nparams; i++) {
        uint64_t v = comparable(caller, fn->type.params[i], args[i]);
        log->hash = fnv(log->hash, &v, sizeof v);
    }
    log->calls++;
    if ((log->hash >> 20) % 64 == 0) {
        wasm_instance_set_trap_message(caller, "dummy host trap");
        return WASM_TRAP_HOST;
    }
    uint64_t h = log->hash;
    for (uint32_t i = 0; i < fn->type.nresults; i++) {
        h = fnv(h, &i, sizeof i);
        switch (fn->type.results[i]) {
        case WASM_I32: case WASM_F32: results[i] = (uint32_t)h; break;
        case WASM_FUNCREF: results[i] = 0; break;           /* null, or it must be a real function */
        case WASM_EXTERNREF: results[i] = h & 0xff; break;
        default: results[i] = h; break;
        }
    }
    return WASM_OK;
}

typedef struct dummies {
    wasm_memory *memories[8];
    wasm_table *tables[8];
    wasm_global *globals[8];
    int nmemories, ntables, nglobals;
    host_fn *funcs;              /* env of each dummy function, by import index */
} dummies;

/* The module reports value types as bytes; the linker takes wasm_valtype arrays. */
static void define_func(wasm_linker *linker, const wasm_import_info *imp, host_fn *env)
{
    wasm_valtype params[MAX_VALUES], results[MAX_VALUES];
    if (imp->func.nparams > MAX_VALUES || imp->func.nresults > MAX_VALUES)
        return;
    for (uint32_t i = 0; i < imp->func.nparams; i++)
        params[i] = (wasm_valtype)imp->func.params[i];
    for (uint32_t i = 0; i < imp->func.nresults; i++)
        results[i] = (wasm_valtype)imp->func.results[i];
    wasm_linker_define_func(linker, imp->module, imp->name, params, imp->func.nparams, results,
                            imp->func.nresults, dummy_host, env);
}

/* The smaller of a declared maximum and `cap`, but at least `min`: imports
 * stay small (a fuzzed limit cannot ask for gigabytes) and still match. */
static uint32_t capped_max(const wasm_import_info *imp, uint32_t min, uint32_t cap)
{
    uint32_t max = imp->has_max && imp->max < cap ? imp->max : cap;
    return max < min ? min : max;
}

/* An object of the declared type for every import; the same on both sides. */
static void define_dummies(wasm_linker *linker, const wasm_module *module, dummies *d, host_log *log)
{
    uint32_t n = wasm_module_import_count(module);
    d->funcs = calloc(n ? n : 1, sizeof *d->funcs);
    for (uint32_t i = 0; i < n && d->funcs; i++) {
        wasm_import_info imp;
        wasm_module_import(module, i, &imp);
        uint32_t min = imp.min < 16 ? imp.min : 16;
        switch (imp.kind) {
        case WASM_EXTERN_FUNC:
            d->funcs[i] = (host_fn){ .type = imp.func, .import = i, .log = log };
            define_func(linker, &imp, &d->funcs[i]);
            break;
        case WASM_EXTERN_MEMORY:
            if (d->nmemories < 8 &&
                (d->memories[d->nmemories] = wasm_memory_new(min, capped_max(&imp, min, 32), true, NULL)))
                wasm_linker_define_memory(linker, imp.module, imp.name, d->memories[d->nmemories++]);
            break;
        case WASM_EXTERN_TABLE:
            if (d->ntables < 8 &&
                (d->tables[d->ntables] = wasm_table_new(imp.type, min, capped_max(&imp, min, 4096), true, NULL)))
                wasm_linker_define_table(linker, imp.module, imp.name, d->tables[d->ntables++]);
            break;
        case WASM_EXTERN_GLOBAL: {
            uint64_t v = imp.type == WASM_FUNCREF ? 0 : imp.type == WASM_I32 || imp.type == WASM_F32
                       ? 0x80000000u + i : 0x8000000000000000ull + i;
            if (d->nglobals < 8 && (d->globals[d->nglobals] = wasm_global_new(imp.type, imp.mutable_, v)))
                wasm_linker_define_global(linker, imp.module, imp.name, d->globals[d->nglobals++]);
            break;
        }
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
    free(d->funcs);
}

/* ---- one tier ---------------------------------------------------------------- */

typedef struct side {
    const char *tier;            /* what wasm_module_tier() must say */
    wasm_module *module;
    wasm_linker *linker;
    dummies dummies;
    host_log log;
    wasm_instance *first;        /* instantiated from the module */
    wasm_snapshot *snapshot;     /* of `first` after round 0, or NULL */
    wasm_instance *inst;         /* the instance of the current round */
} side;

static wasm_module *load_tier(const uint8_t *bytes, size_t len, bool interp)
{
    if (interp)
        setenv("KW_WASM_TIER", "interp", 1);
    else
        unsetenv("KW_WASM_TIER");
    wasm_module *m = wasm_module_load(bytes, len, NULL);
    unsetenv("KW_WASM_TIER");
    return m;
}

static void close_side(side *s)
{
    if (s->inst && s->inst != s->first)
        wasm_instance_free(s->inst);
    wasm_instance_free(s->first);
    wasm_snapshot_free(s->snapshot);
    wasm_linker_free(s->linker);
    free_dummies(&s->dummies);
    wasm_module_free(s->module);
}

/* ---- reporting --------------------------------------------------------------- */

/* Prints what differs and where (a phrase, or NULL) and aborts. */
static void __attribute__((noreturn, format(printf, 2, 3))) differ(const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz_jit: the tiers differ%s%s: ", where ? " " : "", where ? where : "");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

static void print_values(const char *what, const wasm_instance *inst, const uint8_t *types,
                         const uint64_t *v, uint32_t n)
{
    fprintf(stderr, "  %s:", what);
    for (uint32_t i = 0; i < n; i++)
        fprintf(stderr, " 0x%" PRIx64, comparable(inst, types[i], v[i]));
    fprintf(stderr, "\n");
}

/* ---- state compared after each call -------------------------------------------- */

static void compare_memory(const side *a, const side *b, const char *where)
{
    const wasm_memory *ma = a->inst->mem0, *mb = b->inst->mem0;
    if (!ma || !mb) {
        if (ma || mb)
            differ(where, "memory 0 exists on one side only");
        return;
    }
    if (ma->size != mb->size)
        differ(where, "memory size: %s %" PRIu64 " bytes, %s %" PRIu64, a->tier, ma->size, b->tier, mb->size);
    if (memcmp(ma->base, mb->base, ma->size) == 0)
        return;
    uint64_t at = 0;
    while (ma->base[at] == mb->base[at])
        at++;
    uint64_t end = at + 16 < ma->size ? at + 16 : ma->size;
    fprintf(stderr, "fuzz_jit: memory from byte %" PRIu64 ":\n  %-6s:", at, a->tier);
    for (uint64_t i = at; i < end; i++)
        fprintf(stderr, " %02x", ma->base[i]);
    fprintf(stderr, "\n  %-6s:", b->tier);
    for (uint64_t i = at; i < end; i++)
        fprintf(stderr, " %02x", mb->base[i]);
    fprintf(stderr, "\n");
    differ(where, "memory 0 at byte %" PRIu64, at);
}

static void compare_globals(const side *a, const side *b, const char *where)
{
    for (uint32_t i = 0; i < a->module->nglobals; i++) {
        const wasm_global *ga = a->inst->globals[i], *gb = b->inst->globals[i];
        uint64_t va = comparable(a->inst, ga->type.type, ga->value);
        uint64_t vb = comparable(b->inst, gb->type.type, gb->value);
        if (va != vb)
            differ(where, "global %u: %s 0x%" PRIx64 ", %s 0x%" PRIx64, i, a->tier, va, b->tier, vb);
    }
}

static void compare_tables(const side *a, const side *b, const char *where)
{
    for (uint32_t i = 0; i < a->module->ntables; i++) {
        const wasm_table *ta = a->inst->tables[i], *tb = b->inst->tables[i];
        if (ta->size != tb->size)
            differ(where, "table %u size: %s %u, %s %u", i, a->tier, ta->size, b->tier, tb->size);
        for (uint32_t e = 0; e < ta->size; e++) {
            uint64_t va = comparable(a->inst, ta->elem, ta->elems[e]);
            uint64_t vb = comparable(b->inst, tb->elem, tb->elems[e]);
            if (va != vb)
                differ(where, "table %u element %u: %s 0x%" PRIx64 ", %s 0x%" PRIx64,
                       i, e, a->tier, va, b->tier, vb);
        }
    }
}

static void compare_state(const side *a, const side *b, const char *where)
{
    if (a->log.calls != b->log.calls || a->log.hash != b->log.hash)
        differ(where, "host calls: %s made %" PRIu64 " (log %016" PRIx64 "), %s %" PRIu64 " (log %016" PRIx64 ")",
               a->tier, a->log.calls, a->log.hash, b->tier, b->log.calls, b->log.hash);
    compare_globals(a, b, where);
    compare_tables(a, b, where);
    compare_memory(a, b, where);
}

/* ---- calls --------------------------------------------------------------------- */

/* Argument values that reach edge cases: signs, overflow boundaries, NaN
 * payloads, the end of a page, and addresses whose 4- and 8-byte accesses
 * straddle a 4 KiB granule of the dirty map (snapshot restores). */
static const uint64_t interesting[] = {
    0, 1, 2, 7, 0xffffffffffffffffull, 0x80000000ull, 0x7fffffffull, 0xffffffffull, 65536, 65535,
    0x8000000000000000ull, 0x7ff8000000000001ull, 0x7fc00001ull, 0x3ff0000000000000ull, 0x4f000000ull,
    0xfffffffcull, 4093, 65533,
};

/* splitmix64's finaliser: every bit of x reaches every bit of the result. */
static uint64_t mix(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Zeros when `seed` is 0; else values of `interesting` picked by the seed.  A
 * funcref argument is null or a function of the instance: the same index on
 * both sides. */
static void fill_args(uint64_t *slots, const wasm_functype_info *type, const wasm_instance *inst, uint64_t seed)
{
    uint32_t nfuncs = inst->module->nfuncs;
    memset(slots, 0, MAX_VALUES * sizeof *slots);
    for (uint32_t i = 0; i < type->nparams && seed; i++) {
        uint64_t pick = mix(seed + i);
        uint64_t v = interesting[pick % (sizeof interesting / sizeof interesting[0])];
        switch (type->params[i]) {
        case WASM_I32: case WASM_F32: slots[i] = (uint32_t)v; break;
        case WASM_FUNCREF:
            slots[i] = nfuncs && pick % 4 ? (uint64_t)(uintptr_t)inst->funcs[pick % nfuncs] : 0;
            break;
        case WASM_EXTERNREF: slots[i] = v & 0xff; break;
        default: slots[i] = v; break;
        }
    }
}

static bool same_results(const side *a, const side *b, const wasm_functype_info *type,
                         const uint64_t *ra, const uint64_t *rb)
{
    for (uint32_t i = 0; i < type->nresults; i++)
        if (comparable(a->inst, type->results[i], ra[i]) != comparable(b->inst, type->results[i], rb[i]))
            return false;
    return true;
}

/* What the campaign compared, printed at exit: proof that it ran code, not only the loader. */
static struct {
    uint64_t inputs, loaded, instantiated, calls, traps, stopped;
} stats;

static void print_stats(void)
{
    fprintf(stderr, "fuzz_jit: %" PRIu64 " inputs, %" PRIu64 " loaded, %" PRIu64 " instantiated; %" PRIu64
            " calls compared (%" PRIu64 " trapped alike), %" PRIu64 " stopped at a deadline or stack limit\n",
            stats.inputs, stats.loaded, stats.instantiated, stats.calls, stats.traps, stats.stopped);
}

static bool diverges(wasm_trap trap)
{
    return trap == WASM_TRAP_INTERRUPTED || trap == WASM_TRAP_STACK_EXHAUSTED;
}

static wasm_trap timed_call(side *s, uint32_t func, uint64_t *slots)
{
    wasm_instance_clear_interrupt(s->inst);
    wasm_instance_set_deadline(s->inst, now_ns() + CALL_BUDGET_NS);
    return wasm_call(s->inst, s->inst->funcs[func], slots, slots);
}

/* Calls function export `e` on both sides and compares.  False when a side
 * was interrupted or ran out of stack: the two may have diverged since. */
static bool call_both(side *a, side *b, const wasm_export_info *e, int round, uint64_t seed)
{
    uint64_t ra[MAX_VALUES], rb[MAX_VALUES], args[MAX_VALUES];
    char where[160];
    const wasm_functype_info *type = &e->func;
    fill_args(ra, type, a->inst, seed);
    fill_args(rb, type, b->inst, seed);
    memcpy(args, ra, sizeof args);
    wasm_trap ta = timed_call(a, e->index, ra);
    wasm_trap tb = timed_call(b, e->index, rb);
    if (diverges(ta) || diverges(tb)) {
        stats.stopped++;
        return false;
    }
    stats.calls++;
    stats.traps += ta != WASM_OK;
    snprintf(where, sizeof where, "after calling export \"%s\" (round %d)", e->name, round);
    if (ta != tb || (ta == WASM_OK && !same_results(a, b, type, ra, rb))) {
        print_values("arguments", a->inst, type->params, args, type->nparams);
        fprintf(stderr, "  %s: %s\n", a->tier, ta ? wasm_trap_string(ta) : "returned");
        if (ta == WASM_OK)
            print_values("results", a->inst, type->results, ra, type->nresults);
        fprintf(stderr, "  %s: %s\n", b->tier, tb ? wasm_trap_string(tb) : "returned");
        if (tb == WASM_OK)
            print_values("results", b->inst, type->results, rb, type->nresults);
        differ(where, "%s", ta != tb ? "trap" : "results");
    }
    compare_state(a, b, where);
    return true;
}

/* Calls every exported function on both sides; false as call_both. */
/* Calls every exported function on both sides: once with zeros when `seed`
 * is 0, else CALLS_PER_ROUND times with patterns drawn from it.  Most inputs
 * that load are mutants of a seed, so the arguments, not the module, are what
 * varies cheaply.  False as call_both. */
static bool call_exports(side *a, side *b, int round, uint64_t seed)
{
    uint32_t n = wasm_module_export_count(a->module);
    for (uint32_t i = 0; i < n; i++) {
        wasm_export_info e;
        wasm_module_export(a->module, i, &e);
        if (e.kind != WASM_EXTERN_FUNC || e.func.nparams > MAX_VALUES || e.func.nresults > MAX_VALUES)
            continue;
        for (uint64_t k = 0; k < (seed ? CALLS_PER_ROUND : 1); k++)
            if (!call_both(a, b, &e, round, seed ? mix(seed + k) : 0))
                return false;
    }
    return true;
}

/* ---- an input ------------------------------------------------------------------ */

static void instantiate(side *s)
{
    wasm_error err = { 0 };
    s->linker = wasm_linker_new();
    if (!s->linker)
        abort();
    s->log = (host_log){ .hash = FNV_INIT };
    define_dummies(s->linker, s->module, &s->dummies, &s->log);
    s->inst = s->first = wasm_instantiate(s->module, s->linker, &fuzz_limits, &err);
}

/* The instance of round `round` >= 1: a fresh one from the snapshot, or the first. */
static void next_instance(side *s)
{
    if (s->inst != s->first)
        wasm_instance_free(s->inst);
    s->inst = s->snapshot ? wasm_snapshot_instantiate(s->snapshot, NULL) : s->first;
}

static void compare_runs(side *a, side *b, uint64_t input_hash)
{
    instantiate(a);
    instantiate(b);
    if (!a->inst != !b->inst)
        differ(NULL, "instantiation: %s %s, %s %s", a->tier, a->inst ? "succeeded" : "failed",
               b->tier, b->inst ? "succeeded" : "failed");
    if (!a->inst)
        return;
    stats.instantiated++;
    compare_state(a, b, "after instantiation");
    if (!call_exports(a, b, 0, 0))
        return;
    a->snapshot = wasm_snapshot_take(a->first, NULL);
    b->snapshot = wasm_snapshot_take(b->first, NULL);
    if (!a->snapshot != !b->snapshot)
        differ(NULL, "wasm_snapshot_take succeeded on one side only");
    for (int round = 1; round < ROUNDS; round++) {
        next_instance(a);
        next_instance(b);
        if (!a->inst || !b->inst)
            differ(NULL, "wasm_snapshot_instantiate failed in round %d", round);
        compare_state(a, b, round == 1 ? "in an instance made from the snapshot"
                                       : "in an instance made again from the snapshot (restored)");
        if (!call_exports(a, b, round, mix(input_hash + (uint64_t)round)))
            return;
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    atexit(print_stats);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *stripped = malloc(size ? size : 1);
    size_t stripped_len = 0;
    if (!stripped)
        return 0;
    bool framed = strip_start(data, size, stripped, &stripped_len);
    const uint8_t *bytes = framed ? stripped : data;
    size_t len = framed ? stripped_len : size;
    side interp = { .tier = "interp", .module = load_tier(bytes, len, true) };
    side jit = { .tier = "jit", .module = load_tier(bytes, len, false) };
    free(stripped);
    if (!interp.module != !jit.module)
        differ(NULL, "loading: interp %s, jit %s", interp.module ? "succeeded" : "failed",
               jit.module ? "succeeded" : "failed");
    if (interp.module && strcmp(wasm_module_tier(interp.module), "interp") != 0)
        differ(NULL, "KW_WASM_TIER=interp loaded a module of tier %s", wasm_module_tier(interp.module));
    if (jit.module && strcmp(wasm_module_tier(jit.module), "jit") != 0)
        differ(NULL, "a module loaded without KW_WASM_TIER is of tier %s", wasm_module_tier(jit.module));
    stats.inputs++;
    stats.loaded += interp.module != NULL;
    /* Broken framing: only loaded, never run (an endless start function would hang). */
    if (interp.module && framed)
        compare_runs(&interp, &jit, fnv(FNV_INIT, data, size) | 1);
    close_side(&interp);
    close_side(&jit);
    return 0;
}
