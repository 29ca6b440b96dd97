/*
 * test_wasm_jit - what the compiled tier keeps in machine registers and must
 * get right where the interpreter has nothing to get wrong: the memory size
 * after a callee grows memory, the memory registers after a call into another
 * instance, the tier a module gets, polls in a loop made of br_table, an
 * interrupt raised before the call, and traps passed up through compiled
 * frames.  Runs on both tiers (make test-unit, make test-engine-interp): the
 * results must be the same.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "wasm.h"
#include "test.h"
#include "wasm_build.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *expected_tier(void)
{
    const char *tier = getenv("KW_WASM_TIER");
    if (tier && strcmp(tier, "interp") == 0) return "interp";
#if defined(__x86_64__) && defined(__linux__)
    return "jit";
#else
    return "interp";
#endif
}

/* A callee grows memory; the caller then stores into the new page. */
static void test_grow_in_callee(void)
{
    wasm_module *m = load_wat(
        "(module (memory 1 4)"
        " (func $grow (result i32) (memory.grow (i32.const 1)))"
        " (func (export \"grow_then_store\") (param i32) (result i32)"
        "   (drop (call $grow))"
        "   (i32.store (local.get 0) (i32.const 0x5a5a))"
        "   (i32.load (local.get 0)))"
        " (func (export \"load\") (param i32) (result i32) (i32.load (local.get 0))))");
    CHECK(m != NULL);
    if (!m) return;
    CHECK_STR(wasm_module_tier(m), expected_tier());
    wasm_instance *inst = wasm_instantiate(m, NULL, NULL, NULL);
    CHECK(inst != NULL);
    uint64_t r = 0;
    CHECK_INT(call_export(inst, "load", &r, 1, (uint64_t)65536), WASM_TRAP_MEMORY_OOB);
    CHECK_INT(call_export(inst, "grow_then_store", &r, 1, (uint64_t)65536 + 100), WASM_OK);
    CHECK_INT(r, 0x5a5a);
    CHECK_INT(call_export(inst, "load", &r, 1, (uint64_t)65536 + 100), WASM_OK);
    CHECK_INT(r, 0x5a5a);
    CHECK_INT(call_export(inst, "load", &r, 1, (uint64_t)2 * 65536), WASM_TRAP_MEMORY_OOB);
    wasm_instance_free(inst);
    wasm_module_free(m);
}

/*
 * A calls B (another instance with its own one-page memory) directly and
 * through a table, then uses its own memory, which is larger: the memory base
 * and size must be A's again after each call.
 */
static void test_other_instance(void)
{
    wasm_module *mb = load_wat(
        "(module (memory (export \"mem\") 1)"
        " (func (export \"poke\") (param i32) (i32.store8 (local.get 0) (i32.const 7)))"
        " (func (export \"grow\") (result i32) (memory.grow (i32.const 1))))");
    wasm_module *ma = load_wat(
        "(module (import \"b\" \"poke\" (func $poke (param i32)))"
        " (import \"b\" \"grow\" (func $grow (result i32)))"
        " (memory 3)"
        " (type $t (func (param i32)))"
        " (table funcref (elem $poke))"
        " (func (export \"run\") (param i32) (result i32)"
        "   (call $poke (i32.const 10))"
        "   (call_indirect (type $t) (i32.const 11) (i32.const 0))"
        "   (drop (call $grow))"
        "   (i32.store8 (local.get 0) (i32.const 9))"
        "   (i32.load8_u (local.get 0))))");
    CHECK(ma != NULL && mb != NULL);
    if (!ma || !mb) return;
    wasm_instance *b = wasm_instantiate(mb, NULL, NULL, NULL);
    wasm_linker *l = wasm_linker_new();
    wasm_linker_define_instance(l, "b", b);
    wasm_instance *a = wasm_instantiate(ma, l, NULL, NULL);
    CHECK(a != NULL && b != NULL);
    if (a && b) {
        uint64_t r = 0;
        CHECK_INT(call_export(a, "run", &r, 1, (uint64_t)2 * 65536 + 5), WASM_OK);   /* beyond B's memory */
        CHECK_INT(r, 9);
        wasm_memory *bm = wasm_instance_export_memory(b, "mem");
        CHECK(bm && wasm_memory_data(bm)[10] == 7 && wasm_memory_data(bm)[11] == 7);
        CHECK(bm && wasm_memory_size(bm) == 2 * 65536);
        CHECK(bm && wasm_memory_data(bm)[5] == 0);    /* A's store went to A's memory */
        CHECK_INT(call_export(a, "run", &r, 1, (uint64_t)3 * 65536), WASM_TRAP_MEMORY_OOB);
    }
    wasm_instance_free(a);
    wasm_instance_free(b);
    wasm_linker_free(l);
    wasm_module_free(ma);
    wasm_module_free(mb);
}

/* A host function that grows its caller's memory: the caller's next access
 * sees the new size (compiled code reloads it after every host call). */
static wasm_trap host_grow(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    results[0] = (uint64_t)(uint32_t)wasm_memory_grow(wasm_instance_memory(caller), 1);
    return WASM_OK;
}

static void test_host_grows_memory(void)
{
    wasm_linker *l = wasm_linker_new();
    const wasm_valtype i32[] = { WASM_I32 };
    wasm_linker_define_func(l, "env", "grow", NULL, 0, i32, 1, host_grow, NULL);
    wasm_module *m = load_wat(
        "(module (import \"env\" \"grow\" (func $grow (result i32))) (memory 1 3)"
        " (func (export \"grow_then_load\") (param i32) (result i32)"
        "   (drop (call $grow))"
        "   (i32.store8 (local.get 0) (i32.const 42))"
        "   (i32.load8_u (local.get 0))))");
    CHECK(m != NULL);
    wasm_instance *inst = m ? wasm_instantiate(m, l, NULL, NULL) : NULL;
    CHECK(inst != NULL);
    if (inst) {
        uint64_t r = 0;
        CHECK_INT(call_export(inst, "grow_then_load", &r, 1, (uint64_t)65536 + 7), WASM_OK);
        CHECK_INT(r, 42);
        CHECK_INT(call_export(inst, "grow_then_load", &r, 1, (uint64_t)3 * 65536 + 7), WASM_TRAP_MEMORY_OOB);
    }
    wasm_instance_free(inst);
    wasm_module_free(m);
    wasm_linker_free(l);
}

/* A loop whose only back-edge is a br_table entry stops at the deadline;
 * an interrupt raised before a call stops the first loop iteration. */
static void test_polls(void)
{
    wasm_module *m = load_wat(
        "(module"
        " (func (export \"table_loop\") (param i32)"
        "   (loop $l (block $out (br_table $l $out (local.get 0))))))");
    CHECK(m != NULL);
    if (!m) return;
    wasm_instance *inst = wasm_instantiate(m, NULL, NULL, NULL);
    CHECK(inst != NULL);
    uint64_t start = now_ns();
    wasm_instance_set_deadline(inst, start + 20 * 1000 * 1000);
    CHECK_INT(call_export(inst, "table_loop", NULL, 1, (uint64_t)0), WASM_TRAP_INTERRUPTED);
    uint64_t took = now_ns() - start;
    CHECK(took >= 20 * 1000 * 1000 && took < 2000ull * 1000 * 1000);
    CHECK_INT(call_export(inst, "table_loop", NULL, 1, (uint64_t)1), WASM_OK);   /* leaves: no back-edge */
    wasm_instance_set_deadline(inst, 0);
    wasm_instance_interrupt(inst);
    CHECK_INT(call_export(inst, "table_loop", NULL, 1, (uint64_t)0), WASM_TRAP_INTERRUPTED);
    wasm_instance_clear_interrupt(inst);
    CHECK_INT(call_export(inst, "table_loop", NULL, 1, (uint64_t)1), WASM_OK);
    wasm_instance_free(inst);
    wasm_module_free(m);
}

/* Traps deep in compiled frames come back as values, and the instance stays usable. */
static void test_traps_through_frames(void)
{
    wasm_module *m = load_wat(
        "(module (memory 1)"
        " (func $down (param i32) (result i32)"
        "   (if (result i32) (local.get 0)"
        "     (then (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1)))))"
        "     (else (i32.load (i32.const 65535)))))"
        " (func $div (param i32) (result i32) (i32.div_u (i32.const 10) (local.get 0)))"
        " (func (export \"oob\") (param i32) (result i32) (call $down (local.get 0)))"
        " (func (export \"div\") (param i32) (result i32) (i32.add (call $div (local.get 0)) (i32.const 1))))");
    CHECK(m != NULL);
    if (!m) return;
    wasm_instance *inst = wasm_instantiate(m, NULL, NULL, NULL);
    CHECK(inst != NULL);
    uint64_t r = 0;
    CHECK_INT(call_export(inst, "oob", &r, 1, (uint64_t)500), WASM_TRAP_MEMORY_OOB);
    CHECK_STR(wasm_instance_trap_message(inst), "out of bounds memory access");
    CHECK_INT(call_export(inst, "div", &r, 1, (uint64_t)0), WASM_TRAP_DIV_ZERO);
    CHECK_INT(call_export(inst, "div", &r, 1, (uint64_t)3), WASM_OK);
    CHECK_INT(r, 4);
    wasm_instance_free(inst);
    wasm_module_free(m);
}

/*
 * Declared locals read zero even where the previous call left its values in
 * the same frame slots: for counts on each side of the compiled prologue's
 * ways of clearing them (8-byte, 16-byte and repeated stores).
 */
static void test_locals_start_at_zero(void)
{
    static const unsigned counts[] = { 1, 2, 3, 9, 33, 64, 65, 70 };
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        unsigned n = counts[k];
        char *text = malloc(200 + 120 * (size_t)n), *w = text;
        w += sprintf(w, "(module (func (export \"dirty\") (param i64)");
        for (unsigned i = 0; i < n; i++) w += sprintf(w, " (local i64)");
        for (unsigned i = 0; i < n; i++) w += sprintf(w, " (local.set %u (local.get 0))", i + 1);
        w += sprintf(w, ") (func (export \"sum\") (param i64) (result i64)");
        for (unsigned i = 0; i < n; i++) w += sprintf(w, " (local i64)");
        w += sprintf(w, " (local.get 0)");
        for (unsigned i = 0; i < n; i++) w += sprintf(w, " (i64.add (local.get %u))", i + 1);
        sprintf(w, "))");
        wasm_module *m = load_wat(text);
        free(text);
        CHECK(m != NULL);
        if (!m) continue;
        wasm_instance *inst = wasm_instantiate(m, NULL, NULL, NULL);
        uint64_t r = 1;
        CHECK_INT(call_export(inst, "dirty", NULL, 1, (uint64_t)0x0101010101010101ull), WASM_OK);
        CHECK_INT(call_export(inst, "sum", &r, 1, (uint64_t)5), WASM_OK);
        if (r != 5) fprintf(stderr, "%u locals: sum %llu, want 5\n", n, (unsigned long long)r);
        CHECK(r == 5);
        wasm_instance_free(inst);
        wasm_module_free(m);
    }
}

/*
 * A binary float operator with a NaN operand returns the first NaN operand,
 * quieted, on both tiers (the spec allows any arithmetic NaN; the tiers must
 * not differ).  Signalling inputs come back with the quiet bit set.
 */
static void test_nan_choice(void)
{
    wasm_module *m = load_wat(
        "(module"
        " (func (export \"add64\") (param i64 i64) (result i64)"
        "   (i64.reinterpret_f64 (f64.add (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 1)))))"
        " (func (export \"sub64\") (param i64 i64) (result i64)"
        "   (i64.reinterpret_f64 (f64.sub (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 1)))))"
        " (func (export \"mul32\") (param i32 i32) (result i32)"
        "   (i32.reinterpret_f32 (f32.mul (f32.reinterpret_i32 (local.get 0)) (f32.reinterpret_i32 (local.get 1)))))"
        " (func (export \"div64\") (param i64 i64) (result i64)"
        "   (i64.reinterpret_f64 (f64.div (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 1)))))"
        " (func (export \"min64\") (param i64 i64) (result i64)"
        "   (i64.reinterpret_f64 (f64.min (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 1)))))"
        " (func (export \"max32\") (param i32 i32) (result i32)"
        "   (i32.reinterpret_f32 (f32.max (f32.reinterpret_i32 (local.get 0)) (f32.reinterpret_i32 (local.get 1))))))");
    CHECK(m != NULL);
    if (!m) return;
    wasm_instance *inst = wasm_instantiate(m, NULL, NULL, NULL);
    const uint64_t qa = 0xfff8000000000001ull, qb = 0x7ff8000000000002ull, sb = 0x7ff0000000000003ull;
    const uint64_t one = 0x3ff0000000000000ull;
    uint64_t r = 0;
    CHECK_INT(call_export(inst, "add64", &r, 2, qa, qb), WASM_OK);     /* the first NaN */
    CHECK(r == qa);
    CHECK_INT(call_export(inst, "add64", &r, 2, one, qb), WASM_OK);    /* the only NaN */
    CHECK(r == qb);
    CHECK_INT(call_export(inst, "sub64", &r, 2, one, sb), WASM_OK);    /* quieted */
    CHECK(r == (sb | 0x0008000000000000ull));
    CHECK_INT(call_export(inst, "div64", &r, 2, qb, qa), WASM_OK);
    CHECK(r == qb);
    CHECK_INT(call_export(inst, "min64", &r, 2, one, qa), WASM_OK);
    CHECK(r == qa);
    CHECK_INT(call_export(inst, "min64", &r, 2, sb, qa), WASM_OK);
    CHECK(r == (sb | 0x0008000000000000ull));
    CHECK_INT(call_export(inst, "mul32", &r, 2, (uint64_t)0xffc00005u, (uint64_t)0x7fc00009u), WASM_OK);
    CHECK(r == 0xffc00005u);
    CHECK_INT(call_export(inst, "mul32", &r, 2, (uint64_t)0x3f800000u, (uint64_t)0x7f800009u), WASM_OK);
    CHECK(r == 0x7fc00009u);
    CHECK_INT(call_export(inst, "max32", &r, 2, (uint64_t)0x7fa00000u, (uint64_t)0xffc00001u), WASM_OK);
    CHECK(r == 0x7fe00000u);
    wasm_instance_free(inst);
    wasm_module_free(m);
}

/* Deep recursion on a thread with a small machine stack and a large
 * configured depth: "call stack exhausted", never a crash. */
typedef struct deep_run { wasm_instance *inst; uint64_t n, r; wasm_trap trap; } deep_run;

static void *run_deep(void *arg)
{
    deep_run *d = arg;
    d->trap = call_export(d->inst, "deep", &d->r, 1, d->n);
    return NULL;
}

static void test_small_thread_stack(void)
{
    wasm_module *m = load_wat(
        "(module (func $d (export \"deep\") (param i32) (result i32)"
        "  (if (result i32) (local.get 0)"
        "    (then (i32.add (i32.const 1) (call $d (i32.sub (local.get 0) (i32.const 1)))))"
        "    (else (i32.const 0)))))");
    CHECK(m != NULL);
    if (!m) return;
    wasm_limits big = { .max_call_depth = 2000000, .value_stack_slots = 1u << 24 };
    wasm_instance *inst = wasm_instantiate(m, NULL, &big, NULL);
    CHECK(inst != NULL);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 512 << 10);
    const uint64_t depths[] = { 2000, 3000000, 2000 };
    for (size_t i = 0; inst && i < 3; i++) {
        deep_run d = { inst, depths[i], 0, WASM_OK };
        pthread_t t;
        CHECK(pthread_create(&t, &attr, run_deep, &d) == 0);
        pthread_join(t, NULL);
        if (depths[i] == 2000) {
            CHECK_INT(d.trap, WASM_OK);
            CHECK_INT(d.r, 2000);
        } else {
            CHECK_INT(d.trap, WASM_TRAP_STACK_EXHAUSTED);
        }
    }
    pthread_attr_destroy(&attr);
    wasm_instance_free(inst);
    wasm_module_free(m);
}

int main(void)
{
    test_small_thread_stack();
    test_host_grows_memory();
    test_nan_choice();
    test_locals_start_at_zero();
    test_grow_in_callee();
    test_other_instance();
    test_polls();
    test_traps_through_frames();
    TEST_DONE();
}
