/*
 * test_wasm_instance - linking and instantiation: import matching and its
 * messages, host functions, segments with their bounds checks (and the effects
 * that stay when a later segment traps), start functions, limits, shared
 * memories and globals between instances, funcrefs across modules.
 */
#include <pthread.h>
#include <time.h>

#include "wasm.h"
#include "../../src/wasm/internal.h"   /* funcinst->type->canon */
#include "test.h"
#include "wasm_build.h"

static wasm_trap host_add(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    int *calls = env;
    (*calls)++;
    results[0] = (uint32_t)((uint32_t)args[0] + (uint32_t)args[1]);
    return WASM_OK;
}

static wasm_trap host_fail(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    wasm_instance_set_trap_message(caller, "host says no");
    return WASM_TRAP_HOST;
}

static wasm_trap host_exit(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    wasm_instance_set_exit_code(caller, (int)args[0]);
    return WASM_TRAP_EXIT;
}

static const wasm_valtype i32x2[] = { WASM_I32, WASM_I32 }, i32x1[] = { WASM_I32 };

static wasm_instance *instantiate_wat(const char *text, wasm_linker *l, const wasm_limits *limits,
                                      wasm_module **mod, wasm_error *err)
{
    *mod = load_wat(text);
    if (!*mod) return NULL;
    return wasm_instantiate(*mod, l, limits, err);
}

static bool starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

static void test_host_functions(void)
{
    int calls = 0;
    wasm_linker *l = wasm_linker_new();
    wasm_linker_define_func(l, "env", "add", i32x2, 2, i32x1, 1, host_add, &calls);
    wasm_linker_define_func(l, "env", "fail", NULL, 0, NULL, 0, host_fail, NULL);
    wasm_linker_define_func(l, "env", "exit", i32x1, 1, NULL, 0, host_exit, NULL);
    wasm_module *m;
    wasm_error err = {0};
    wasm_instance *inst = instantiate_wat(
        "(module (import \"env\" \"add\" (func $add (param i32 i32) (result i32)))"
        " (import \"env\" \"fail\" (func $fail)) (import \"env\" \"exit\" (func $exit (param i32)))"
        " (export \"add\" (func $add)) (export \"fail\" (func $fail))"
        " (func (export \"add3\") (param i32) (result i32) (call $add (local.get 0) (i32.const 3)))"
        " (func (export \"bye\") (call $exit (i32.const 7)) unreachable))", l, NULL, &m, &err);
    wasm_linker_free(l);   /* instances do not depend on the linker */
    CHECK(inst != NULL);
    if (!inst) return;
    uint64_t args[2] = { 40, 2 }, res[1] = { 0 };
    CHECK_INT(wasm_call(inst, wasm_instance_export_func(inst, "add"), args, res), WASM_OK);
    CHECK_INT(res[0], 42);
    CHECK_INT(calls, 1);
    CHECK_INT(wasm_call(inst, wasm_instance_export_func(inst, "fail"), NULL, NULL), WASM_TRAP_HOST);
    CHECK_STR(wasm_instance_trap_message(inst), "host says no");
    CHECK_INT(wasm_call(inst, wasm_instance_export_func(inst, "add3"), args, res), WASM_OK);
    CHECK_INT(res[0], 43);
    CHECK_INT(wasm_call(inst, wasm_instance_export_func(inst, "bye"), NULL, NULL), WASM_TRAP_EXIT);
    CHECK_INT(wasm_instance_exit_code(inst), 7);
    wasm_functype_info t;
    wasm_funcinst_type(wasm_instance_export_func(inst, "add"), &t);
    CHECK(t.nparams == 2 && t.nresults == 1 && t.params[0] == WASM_I32);
    CHECK(wasm_instance_export_func(inst, "nope") == NULL);
    CHECK(wasm_instance_export_memory(inst, "add") == NULL);
    wasm_instance_free(inst);
    wasm_module_free(m);
}

static void check_unlinkable(const char *text, wasm_linker *l, const char *want, const char *name)
{
    wasm_module *m;
    wasm_error err = {0};
    wasm_instance *inst = instantiate_wat(text, l, NULL, &m, &err);
    CHECK(inst == NULL);
    CHECK(starts_with(err.message, want) && strstr(err.message, name));
    if (!starts_with(err.message, want)) fprintf(stderr, "got \"%s\", want \"%s\"\n", err.message, want);
    wasm_instance_free(inst);
    wasm_module_free(m);
}

static void test_import_matching(void)
{
    int calls = 0;
    wasm_linker *l = wasm_linker_new();
    wasm_memory *mem = wasm_memory_new(2, 4, true, NULL);
    wasm_memory *unbounded = wasm_memory_new(1, 0, false, NULL);
    wasm_table *tab = wasm_table_new(WASM_FUNCREF, 3, 0, false, NULL);
    wasm_global *g = wasm_global_new(WASM_I32, false, 5);
    wasm_linker_define_func(l, "env", "add", i32x2, 2, i32x1, 1, host_add, &calls);
    wasm_linker_define_memory(l, "env", "mem", mem);
    wasm_linker_define_memory(l, "env", "big", unbounded);
    wasm_linker_define_table(l, "env", "tab", tab);
    wasm_linker_define_global(l, "env", "g", g);
    CHECK_INT(wasm_linker_define_memory(l, "env", "null", NULL), -1);
    CHECK_INT(wasm_linker_define_func(l, "env", "null", NULL, 0, NULL, 0, NULL, NULL), -1);

    check_unlinkable("(module (import \"env\" \"nope\" (func)))", l, "unknown import", "env.nope");
    check_unlinkable("(module (import \"env\" \"add\" (func (param i32))))", l, "incompatible import type", "env.add");
    check_unlinkable("(module (import \"env\" \"add\" (memory 1)))", l, "incompatible import type", "env.add");
    check_unlinkable("(module (import \"env\" \"mem\" (memory 3)))", l, "incompatible import type", "env.mem");
    check_unlinkable("(module (import \"env\" \"mem\" (memory 1 3)))", l, "incompatible import type", "env.mem");
    check_unlinkable("(module (import \"env\" \"big\" (memory 1 8)))", l, "incompatible import type", "env.big");
    check_unlinkable("(module (import \"env\" \"tab\" (table 4 funcref)))", l, "incompatible import type", "env.tab");
    check_unlinkable("(module (import \"env\" \"tab\" (table 1 externref)))", l, "incompatible import type", "env.tab");
    check_unlinkable("(module (import \"env\" \"g\" (global (mut i32))))", l, "incompatible import type", "env.g");
    check_unlinkable("(module (import \"env\" \"g\" (global i64)))", l, "incompatible import type", "env.g");

    /* subtyping on limits: a bigger minimum and a smaller maximum are fine */
    wasm_module *m;
    wasm_error err = {0};
    wasm_instance *inst = instantiate_wat(
        "(module (import \"env\" \"mem\" (memory 1 5)) (import \"env\" \"tab\" (table 2 funcref))"
        " (import \"env\" \"g\" (global i32)) (global (export \"h\") i32 (global.get 0)))", l, NULL, &m, &err);
    CHECK(inst != NULL);
    if (inst) {
        CHECK(wasm_instance_memory(inst) == mem);
        CHECK_INT(wasm_global_get(wasm_instance_export_global(inst, "h")), 5);
        wasm_instance_free(inst);
    }
    wasm_module_free(m);
    /* the latest definition wins */
    wasm_global *g2 = wasm_global_new(WASM_I32, false, 9);
    wasm_linker_define_global(l, "env", "g", g2);
    inst = instantiate_wat("(module (import \"env\" \"g\" (global i32)) (global (export \"h\") i32 (global.get 0)))",
                           l, NULL, &m, &err);
    CHECK(inst && wasm_global_get(wasm_instance_export_global(inst, "h")) == 9);
    wasm_instance_free(inst);
    wasm_module_free(m);
    wasm_linker_free(l);
    wasm_memory_free(mem);
    wasm_memory_free(unbounded);
    wasm_table_free(tab);
    wasm_global_free(g);
    wasm_global_free(g2);
}

/* A trapping segment fails instantiation but what earlier segments wrote stays. */
static void test_segments(void)
{
    wasm_linker *l = wasm_linker_new();
    wasm_memory *mem = wasm_memory_new(1, 1, true, NULL);
    wasm_table *tab = wasm_table_new(WASM_FUNCREF, 2, 2, true, NULL);
    wasm_linker_define_memory(l, "env", "mem", mem);
    wasm_linker_define_table(l, "env", "tab", tab);
    wasm_module *m;
    wasm_error err = {0};
    wasm_instance *inst = instantiate_wat(
        "(module (import \"env\" \"mem\" (memory 1)) (data (i32.const 0) \"abc\")"
        " (data (i32.const 65534) \"xyz\") (data (i32.const 10) \"never\"))", l, NULL, &m, &err);
    CHECK(inst == NULL);
    CHECK_INT(err.trap, WASM_TRAP_MEMORY_OOB);
    CHECK(starts_with(err.message, "out of bounds memory access") && strstr(err.message, "data segment 1"));
    CHECK(memcmp(wasm_memory_data(mem), "abc", 3) == 0);
    CHECK(wasm_memory_data(mem)[10] == 0);
    wasm_module_free(m);

    inst = instantiate_wat(
        "(module (import \"env\" \"tab\" (table 2 funcref)) (func $f) (elem (i32.const 0) $f)"
        " (elem (i32.const 1) $f $f))", l, NULL, &m, &err);
    CHECK(inst == NULL);
    CHECK_INT(err.trap, WASM_TRAP_TABLE_OOB);
    CHECK(starts_with(err.message, "out of bounds table access"));
    uint64_t ref = 0;
    CHECK(wasm_table_get(tab, 0, &ref) == 0 && ref != 0);   /* the first segment stayed */
    CHECK(wasm_table_get(tab, 1, &ref) == 0 && ref == 0);
    CHECK(wasm_table_get(tab, 2, &ref) == -1);
    wasm_module *failed = m;      /* its function is in the table: keep the module */
    /* ... and its function stays callable from another module, through the table */
    wasm_module *caller;
    wasm_instance *c = instantiate_wat(
        "(module (import \"env\" \"tab\" (table 2 funcref)) (func (export \"call0\") (result i32)"
        " (call_indirect (result i32) (i32.const 0))))", l, NULL, &caller, &err);
    uint64_t res = 0;
    CHECK(c != NULL);
    if (c) {
        CHECK_INT(wasm_call(c, wasm_instance_export_func(c, "call0"), NULL, &res), WASM_TRAP_INDIRECT_MISMATCH);
        wasm_instance_free(c);
    }
    wasm_module_free(caller);
    inst = instantiate_wat(
        "(module (import \"env\" \"tab\" (table 2 funcref)) (func $f (result i32) (i32.const 5))"
        " (elem (i32.const 0) $f) (elem (i32.const 2) $f))", l, NULL, &m, &err);
    CHECK(inst == NULL && err.trap == WASM_TRAP_TABLE_OOB);
    wasm_module *failed2 = m;
    c = instantiate_wat(
        "(module (import \"env\" \"tab\" (table 2 funcref)) (func (export \"call0\") (result i32)"
        " (call_indirect (result i32) (i32.const 0))))", l, NULL, &caller, &err);
    CHECK(c != NULL);
    if (c) {
        CHECK_INT(wasm_call(c, wasm_instance_export_func(c, "call0"), NULL, &res), WASM_OK);
        CHECK_INT(res, 5);
        wasm_instance_free(c);
    }
    wasm_module_free(caller);
    /* an empty segment just past the end still traps (offset > size) */
    inst = instantiate_wat("(module (import \"env\" \"mem\" (memory 1)) (data (i32.const 65537) \"\"))",
                           l, NULL, &m, &err);
    CHECK(inst == NULL && err.trap == WASM_TRAP_MEMORY_OOB);
    wasm_module_free(m);
    wasm_linker_free(l);
    wasm_memory_free(mem);
    wasm_table_free(tab);         /* frees the failed instances the table retained */
    wasm_module_free(failed);
    wasm_module_free(failed2);
}

/* Retained by two tables: freeing one keeps the instance for the other. */
static void test_retained_two_tables(void)
{
    wasm_linker *l = wasm_linker_new();
    wasm_table *t0 = wasm_table_new(WASM_FUNCREF, 1, 0, false, NULL);
    wasm_table *t1 = wasm_table_new(WASM_FUNCREF, 1, 0, false, NULL);
    wasm_linker_define_table(l, "env", "t0", t0);
    wasm_linker_define_table(l, "env", "t1", t1);
    wasm_module *m, *mc;
    wasm_error err = {0};
    wasm_instance *inst = instantiate_wat(
        "(module (import \"env\" \"t0\" (table $a 1 funcref)) (import \"env\" \"t1\" (table $b 1 funcref))"
        " (func $f (result i32) (i32.const 9)) (elem (table $b) (i32.const 0) func $f)"
        " (elem (table $a) (i32.const 1) func $f))", l, NULL, &m, &err);
    CHECK(inst == NULL && err.trap == WASM_TRAP_TABLE_OOB);
    wasm_table_free(t0);
    wasm_instance *c = instantiate_wat(
        "(module (import \"env\" \"t1\" (table 1 funcref)) (func (export \"call\") (result i32)"
        " (call_indirect (result i32) (i32.const 0))))", l, NULL, &mc, &err);
    uint64_t res = 0;
    CHECK(c != NULL);
    if (c) {
        CHECK_INT(wasm_call(c, wasm_instance_export_func(c, "call"), NULL, &res), WASM_OK);
        CHECK_INT(res, 9);
        wasm_instance_free(c);
    }
    wasm_module_free(mc);
    wasm_table_free(t1);
    wasm_module_free(m);
    wasm_linker_free(l);
}

static void test_start_and_limits(void)
{
    wasm_module *m;
    wasm_error err = {0};
    wasm_instance *inst = instantiate_wat(
        "(module (memory (export \"mem\") 1) (global $g (export \"g\") (mut i32) (i32.const 1))"
        " (func $start (global.set $g (i32.const 42)) (i32.store (i32.const 8) (i32.const 7)))"
        " (start $start))", NULL, NULL, &m, &err);
    CHECK(inst != NULL);
    if (inst) {
        CHECK_INT(wasm_global_get(wasm_instance_export_global(inst, "g")), 42);
        uint32_t v = 0;
        CHECK(wasm_memory_read(wasm_instance_memory(inst), 8, &v, 4) == 0 && v == 7);
        CHECK(wasm_memory_read(wasm_instance_memory(inst), 65533, &v, 4) == -1);
        wasm_instance_free(inst);
    }
    wasm_module_free(m);

    inst = instantiate_wat("(module (func $s unreachable) (start $s))", NULL, NULL, &m, &err);
    CHECK(inst == NULL && err.trap == WASM_TRAP_UNREACHABLE && starts_with(err.message, "unreachable"));
    wasm_module_free(m);

    /* a start function that never returns is stopped by its budget */
    wasm_limits budget = { .start_timeout_ms = 50 };
    inst = instantiate_wat("(module (func $s (loop br 0)) (start $s))", NULL, &budget, &m, &err);
    CHECK(inst == NULL && err.trap == WASM_TRAP_INTERRUPTED && strstr(err.message, "start function"));
    wasm_module_free(m);

    wasm_limits lim = { .max_memory_pages = 4, .max_table_elems = 10 };
    inst = instantiate_wat("(module (memory 5))", NULL, &lim, &m, &err);
    CHECK(inst == NULL && strstr(err.message, "limit"));
    wasm_module_free(m);
    inst = instantiate_wat("(module (table 11 funcref))", NULL, &lim, &m, &err);
    CHECK(inst == NULL && strstr(err.message, "limit"));
    wasm_module_free(m);
    inst = instantiate_wat("(module (memory (export \"m\") 1)"
                           " (func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0))))",
                           NULL, &lim, &m, &err);
    CHECK(inst != NULL);
    if (inst) {
        wasm_memory *mem = wasm_instance_memory(inst);
        uint8_t *base = wasm_memory_data(mem);
        CHECK_INT(wasm_memory_grow(mem, 2), 1);
        CHECK_INT(wasm_memory_grow(mem, 2), -1);           /* 5 > the limit of 4 */
        uint64_t arg = 1, res = 0;
        CHECK_INT(wasm_call(inst, wasm_instance_export_func(inst, "grow"), &arg, &res), WASM_OK);
        CHECK_INT((int32_t)res, 3);
        CHECK_INT(wasm_call(inst, wasm_instance_export_func(inst, "grow"), &arg, &res), WASM_OK);
        CHECK_INT((int32_t)res, -1);
        CHECK(wasm_memory_data(mem) == base);              /* growing never moves memory */
        CHECK_INT(wasm_memory_size(mem), 4 * 65536);
        base[wasm_memory_size(mem) - 1] = 1;               /* the whole size is writable */
        wasm_instance_free(inst);
    }
    wasm_module_free(m);
}

/* Small call-depth and value-stack limits trap; the instance stays usable. */
static void test_stack_limits(void)
{
    static const char *text =
        "(module (func $down (export \"down\") (param i32) (result i32)"
        "  (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))"
        "   (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1))))))))";
    wasm_limits depth = { .max_call_depth = 100 }, slots = { .value_stack_slots = 256 };
    const wasm_limits *cases[] = { &depth, &slots };
    for (int i = 0; i < 2; i++) {
        wasm_module *m;
        wasm_error err = {0};
        wasm_instance *inst = instantiate_wat(text, NULL, cases[i], &m, &err);
        CHECK(inst != NULL);
        if (!inst) continue;
        wasm_funcinst *down = wasm_instance_export_func(inst, "down");
        uint64_t arg = 50, res = 0;
        CHECK_INT(wasm_call(inst, down, &arg, &res), WASM_OK);
        CHECK_INT(res, 50);
        arg = 100000;
        CHECK_INT(wasm_call(inst, down, &arg, &res), WASM_TRAP_STACK_EXHAUSTED);
        CHECK_STR(wasm_instance_trap_message(inst), "call stack exhausted");
        arg = 7;
        CHECK_INT(wasm_call(inst, down, &arg, &res), WASM_OK);
        CHECK_INT(res, 7);
        wasm_instance_free(inst);
        wasm_module_free(m);
    }
}

/* Mutable globals and memories are shared objects; funcrefs cross modules. */
static void test_linking_instances(void)
{
    wasm_linker *l = wasm_linker_new();
    wasm_module *ma, *mb;
    wasm_error err = {0};
    wasm_instance *a = instantiate_wat(
        "(module (global (export \"g\") (mut i32) (i32.const 1)) (memory (export \"mem\") 1)"
        " (table (export \"tab\") 2 funcref) (func $f (result i32) (i32.const 11)) (elem (i32.const 0) $f)"
        " (func (export \"get\") (result i32) (global.get 0))"
        " (func (export \"call\") (param i32) (result i32) (call_indirect (result i32) (local.get 0))))",
        l, NULL, &ma, &err);
    CHECK(a != NULL);
    if (!a) return;
    wasm_linker_define_instance(l, "A", a);
    wasm_instance *b = instantiate_wat(
        "(module (import \"A\" \"g\" (global $g (mut i32))) (import \"A\" \"mem\" (memory 1))"
        " (import \"A\" \"tab\" (table 2 funcref)) (type $r (func (result i32)))"
        " (func $h (result i32) (i32.const 22)) (elem (i32.const 1) $h)"
        " (func (export \"set\") (global.set $g (i32.const 99)) (i32.store (i32.const 0) (i32.const 5)))"
        " (func (export \"call\") (param i32) (result i32) (call_indirect (type $r) (local.get 0))))",
        l, NULL, &mb, &err);
    CHECK(b != NULL);
    if (b) {
        uint64_t res = 0, arg = 0;
        CHECK_INT(wasm_call(b, wasm_instance_export_func(b, "set"), NULL, NULL), WASM_OK);
        CHECK_INT(wasm_call(a, wasm_instance_export_func(a, "get"), NULL, &res), WASM_OK);
        CHECK_INT(res, 99);
        CHECK(wasm_instance_export_global(a, "g") == wasm_instance_export_global(a, "g"));
        uint32_t v = 0;
        CHECK(wasm_memory_read(wasm_instance_memory(a), 0, &v, 4) == 0 && v == 5);
        arg = 1;   /* A calls B's function through the shared table, and the reverse */
        CHECK_INT(wasm_call(a, wasm_instance_export_func(a, "call"), &arg, &res), WASM_OK);
        CHECK_INT(res, 22);
        arg = 0;
        CHECK_INT(wasm_call(b, wasm_instance_export_func(b, "call"), &arg, &res), WASM_OK);
        CHECK_INT(res, 11);
        wasm_instance_free(b);
    }
    wasm_module_free(mb);
    wasm_linker_free(l);
    wasm_instance_free(a);
    wasm_module_free(ma);
}

typedef struct shared_module {
    const uint8_t *bytes;
    size_t len;
    const wasm_module *module;
    int errors;
} shared_module;

/* Loads the bytes again (type interning is shared) and instantiates the shared module. */
static void *use_module(void *arg)
{
    shared_module *sm = arg;
    for (int i = 0; i < 100; i++) {
        wasm_error err;
        wasm_module *own = wasm_module_load(sm->bytes, sm->len, &err);
        wasm_instance *a = wasm_instantiate(sm->module, NULL, NULL, &err);
        wasm_instance *b = own ? wasm_instantiate(own, NULL, NULL, &err) : NULL;
        uint64_t arg = (uint64_t)i, res = 0;
        if (!a || !b) sm->errors++;
        else if (wasm_call(a, wasm_instance_export_func(a, "inc"), &arg, &res) != WASM_OK || res != arg + 1) sm->errors++;
        else if (wasm_instance_export_func(a, "inc")->type->canon != wasm_instance_export_func(b, "inc")->type->canon)
            sm->errors++;
        wasm_instance_free(a);
        wasm_instance_free(b);
        wasm_module_free(own);
    }
    return NULL;
}

static void test_threads(void)
{
    size_t len = 0;
    uint8_t *bytes = wat_to_wasm("(module (memory 1) (global $g (mut i32) (i32.const 0))"
                                 " (func (export \"inc\") (param i32) (result i32)"
                                 " (global.set $g (i32.add (local.get 0) (i32.const 1))) (global.get $g)))", &len);
    wasm_error err;
    wasm_module *m = bytes ? wasm_module_load(bytes, len, &err) : NULL;
    CHECK(m != NULL);
    if (!m) { free(bytes); return; }
    shared_module sm[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        sm[i] = (shared_module){ bytes, len, m, 0 };
        pthread_create(&th[i], NULL, use_module, &sm[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(sm[i].errors, 0);
    }
    wasm_module_free(m);
    free(bytes);
}

/* Names with NUL bytes are matched whole, not up to the first NUL. */
static void test_nul_names(void)
{
    wasm_linker *l = wasm_linker_new();
    wasm_module *ma, *mb;
    wasm_error err = {0};
    wasm_instance *a = instantiate_wat("(module (func (export \"f\\00x\") (result i32) (i32.const 1))"
                                       " (func (export \"f\\00y\") (result i32) (i32.const 2)))", l, NULL, &ma, &err);
    CHECK(a != NULL);
    if (!a) return;
    wasm_linker_define_instance(l, "A", a);
    wasm_instance *b = instantiate_wat("(module (import \"A\" \"f\\00y\" (func $f (result i32)))"
                                       " (func (export \"g\") (result i32) (call $f)))", l, NULL, &mb, &err);
    CHECK(b != NULL);
    uint64_t res = 0;
    if (b) {
        CHECK_INT(wasm_call(b, wasm_instance_export_func(b, "g"), NULL, &res), WASM_OK);
        CHECK_INT(res, 2);
        wasm_instance_free(b);
    }
    CHECK(wasm_instance_export_func(a, "f") == NULL);
    CHECK(wasm_instance_export_func_len(a, "f\0x", 3) != NULL);
    CHECK(wasm_instance_export_func_len(a, "f\0x", 3) != wasm_instance_export_func_len(a, "f\0y", 3));
    wasm_module_free(mb);
    wasm_instance_free(a);
    wasm_module_free(ma);
    wasm_linker_free(l);
}

static void *interrupt_later(void *arg)
{
    struct timespec ts = { 0, 20 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    wasm_instance_interrupt(arg);
    return NULL;
}

static void test_interrupt(void)
{
    wasm_module *m;
    wasm_error err = {0};
    wasm_instance *inst = instantiate_wat("(module (func (export \"spin\") (loop (br 0))))", NULL, NULL, &m, &err);
    CHECK(inst != NULL);
    if (!inst) return;
    pthread_t t;
    pthread_create(&t, NULL, interrupt_later, inst);
    CHECK_INT(wasm_call(inst, wasm_instance_export_func(inst, "spin"), NULL, NULL), WASM_TRAP_INTERRUPTED);
    pthread_join(t, NULL);
    CHECK_STR(wasm_instance_trap_message(inst), "interrupted");
    wasm_instance_clear_interrupt(inst);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    wasm_instance_set_deadline(inst, (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec + 10000000u);
    CHECK_INT(wasm_call(inst, wasm_instance_export_func(inst, "spin"), NULL, NULL), WASM_TRAP_INTERRUPTED);
    wasm_instance_free(inst);
    wasm_module_free(m);
}

int main(void)
{
    if (!have_wat2wasm())
        return 1;
    test_host_functions();
    test_import_matching();
    test_segments();
    test_retained_two_tables();
    test_start_and_limits();
    test_stack_limits();
    test_linking_instances();
    test_interrupt();
    test_threads();
    test_nul_names();
    TEST_DONE();
}
