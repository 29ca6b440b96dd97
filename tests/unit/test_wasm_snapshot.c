/*
 * test_wasm_snapshot - snapshots and pooled instances: a fresh instance is in
 * exactly the snapshot's state, whatever the previous user of the pooled
 * instance wrote (memory, size, globals, tables, dropped segments, flags), and
 * instances of one snapshot run on several threads at once.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "wasm.h"
#include "test.h"
#include "wasm_build.h"

static const char *module_text =
    "(module"
    " (memory (export \"mem\") 4 64)"
    " (global $g (export \"g\") (mut i32) (i32.const 1))"
    " (table $t (export \"tab\") 2 funcref)"
    " (func $f (export \"f\") (result i32) (i32.const 123))"
    " (elem (i32.const 0) $f)"
    " (data (i32.const 0) \"hello\") (data (i32.const 70000) \"world\")"
    " (data $p \"passive\")"
    " (func (export \"poke\") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))"
    " (func (export \"peek\") (param i32) (result i32) (i32.load8_u (local.get 0)))"
    " (func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0)))"
    " (func (export \"size\") (result i32) (memory.size))"
    " (func (export \"setg\") (param i32) (global.set $g (local.get 0)))"
    " (func (export \"getg\") (result i32) (global.get $g))"
    " (func (export \"clear\") (param i32) (table.set $t (local.get 0) (ref.null func)))"
    " (func (export \"tcall\") (param i32) (result i32) (call_indirect (result i32) (local.get 0)))"
    " (func (export \"init\") (param i32) (memory.init $p (local.get 0) (i32.const 0) (i32.const 7)))"
    " (func (export \"dropp\") (data.drop $p))"
    " (func (export \"fill\") (param i32 i32) (memory.fill (local.get 0) (i32.const 0x55) (local.get 1)))"
    " (func (export \"copy\") (param i32 i32) (memory.copy (local.get 0) (local.get 1) (i32.const 8)))"
    " (func (export \"wide\") (param i32) (i64.store (local.get 0) (i64.const -1))))";

static uint64_t call1(wasm_instance *inst, const char *name, uint64_t a, uint64_t b, wasm_trap *trap)
{
    uint64_t args[2] = { a, b }, res[1] = { 0 };
    wasm_trap t = wasm_call(inst, wasm_instance_export_func(inst, name), args, res);
    if (trap) *trap = t;
    else if (t != WASM_OK) fprintf(stderr, "%s trapped: %s\n", name, wasm_instance_trap_message(inst));
    return res[0];
}

static uint8_t byte_at(wasm_instance *inst, uint64_t offset)
{
    uint8_t v = 0xee;
    wasm_memory_read(wasm_instance_memory(inst), offset, &v, 1);
    return v;
}

/* Everything a user may change, changed. */
static void scribble(wasm_instance *inst)
{
    wasm_memory *mem = wasm_instance_memory(inst);
    call1(inst, "poke", 100, 'Y', NULL);
    call1(inst, "poke", 0, 'J', NULL);
    call1(inst, "poke", 3 * 65536 + 5, 9, NULL);
    call1(inst, "grow", 2, 0, NULL);
    call1(inst, "poke", 5 * 65536 + 7, 8, NULL);
    wasm_memory_write(mem, 200000, "host", 4);
    memcpy(wasm_memory_data(mem) + 210000, "direct", 6);   /* through the pointer, then marked */
    wasm_memory_mark_dirty(mem, 210000, 6);
    wasm_memory_mark_dirty(mem, wasm_memory_size(mem) - 2, 100);   /* clamped, never faults */
    call1(inst, "fill", 150000, 10000, NULL);       /* spans three granules */
    call1(inst, "copy", 180000, 0, NULL);
    call1(inst, "wide", 4 * 4096 - 4, 0, NULL);      /* straddles a granule boundary */
    call1(inst, "setg", 77, 0, NULL);
    call1(inst, "clear", 0, 0, NULL);
    call1(inst, "dropp", 0, 0, NULL);
    wasm_instance_set_exit_code(inst, 3);
    wasm_instance_set_userdata(inst, inst);
    wasm_instance_set_trap_message(inst, "left over");
    wasm_instance_interrupt(inst);
}

/* The state the template had when the snapshot was taken. */
static void check_fresh(wasm_instance *inst)
{
    wasm_trap trap;
    CHECK(byte_at(inst, 0) == 'h' && byte_at(inst, 70000) == 'w');
    CHECK(byte_at(inst, 100) == 'X');                 /* written by the template before the snapshot */
    CHECK(byte_at(inst, 3 * 65536 + 5) == 0);
    CHECK(byte_at(inst, 200000) == 0);
    CHECK(byte_at(inst, 210000) == 0);
    CHECK(byte_at(inst, 150000) == 0 && byte_at(inst, 159999) == 0);
    CHECK(byte_at(inst, 180000) == 0);
    CHECK(byte_at(inst, 4 * 4096 - 4) == 0 && byte_at(inst, 4 * 4096 + 3) == 0);
    CHECK_INT(wasm_memory_size(wasm_instance_memory(inst)), 4 * 65536);
    CHECK_INT(call1(inst, "size", 0, 0, NULL), 4);
    CHECK_INT(call1(inst, "getg", 0, 0, NULL), 5);
    CHECK_INT(wasm_instance_exit_code(inst), 0);
    CHECK(wasm_instance_userdata(inst) == NULL);
    CHECK_STR(wasm_instance_trap_message(inst), "");
    /* the table's funcref is this instance's own function */
    uint64_t ref = 0;
    CHECK(wasm_table_get(wasm_instance_export_table(inst, "tab"), 0, &ref) == 0);
    CHECK(ref == (uint64_t)(uintptr_t)wasm_instance_export_func(inst, "f"));
    CHECK_INT(call1(inst, "tcall", 0, 0, &trap), 123);
    CHECK_INT(trap, WASM_OK);                          /* also: the interrupt flag was cleared */
    /* grown pages come back zeroed */
    CHECK_INT(call1(inst, "grow", 2, 0, NULL), 4);
    CHECK(byte_at(inst, 5 * 65536 + 7) == 0);
    /* the passive segment is not dropped */
    call1(inst, "init", 1000, 0, &trap);
    CHECK_INT(trap, WASM_OK);
    CHECK(byte_at(inst, 1000) == 'p');
}

static wasm_module *load_module(void)
{
    return load_wat(module_text);
}

static void test_isolation(wasm_module *m)
{
    wasm_error err = {0};
    wasm_instance *t = wasm_instantiate(m, NULL, NULL, &err);
    CHECK(t != NULL);
    if (!t) return;
    call1(t, "poke", 100, 'X', NULL);
    call1(t, "setg", 5, 0, NULL);
    wasm_snapshot *s = wasm_snapshot_take(t, &err);
    CHECK(s != NULL);
    call1(t, "poke", 100, 'Z', NULL);       /* later changes to the template do not matter */
    wasm_instance_free(t);                  /* nor does its lifetime */
    if (!s) return;

    wasm_instance *a = wasm_snapshot_instantiate(s, &err);
    CHECK(a != NULL);
    check_fresh(a);
    scribble(a);
    wasm_instance_free(a);
    wasm_instance *b = wasm_snapshot_instantiate(s, &err);
    CHECK(b == a);                          /* it came from the pool ... */
    check_fresh(b);                         /* ... and nothing of the last use shows */
    wasm_instance *c = wasm_snapshot_instantiate(s, &err);
    CHECK(c != NULL && c != b);
    scribble(c);
    CHECK(byte_at(b, 100) == 'X');          /* instances do not share memory */
    wasm_instance_free(c);
    wasm_instance_free(b);
    for (int i = 0; i < 3; i++) {
        wasm_instance *d = wasm_snapshot_instantiate(s, &err);
        check_fresh(d);
        scribble(d);
        wasm_instance_free(d);
    }
    wasm_snapshot_free(s);
}

/* A large write above the snapshot's size is given back, and reads as zero again. */
static void test_release_growth(wasm_module *m)
{
    wasm_error err = {0};
    wasm_instance *t = wasm_instantiate(m, NULL, NULL, &err);
    wasm_snapshot *s = t ? wasm_snapshot_take(t, &err) : NULL;
    wasm_instance_free(t);
    CHECK(s != NULL);
    if (!s) return;
    for (int round = 0; round < 3; round++) {
        wasm_instance *inst = wasm_snapshot_instantiate(s, &err);
        CHECK_INT(call1(inst, "grow", 8, 0, NULL), 4);
        CHECK(byte_at(inst, 4 * 65536) == 0 && byte_at(inst, 12 * 65536 - 1) == 0);
        call1(inst, "fill", 4 * 65536, 8 * 65536, NULL);    /* 128 granules above the image */
        call1(inst, "poke", 100, 'Q', NULL);
        CHECK(byte_at(inst, 6 * 65536) == 0x55);
        wasm_instance_free(inst);
    }
    wasm_instance *inst = wasm_snapshot_instantiate(s, &err);
    CHECK(byte_at(inst, 100) == 0);
    CHECK_INT(wasm_memory_size(wasm_instance_memory(inst)), 4 * 65536);
    wasm_instance_free(inst);
    wasm_snapshot_free(s);
}

/* A snapshot of an instance made from a snapshot keeps the second user's changes. */
static void test_nested_snapshot(wasm_module *m)
{
    wasm_error err = {0};
    wasm_instance *t = wasm_instantiate(m, NULL, NULL, &err);
    wasm_snapshot *s1 = t ? wasm_snapshot_take(t, &err) : NULL;
    wasm_instance_free(t);
    CHECK(s1 != NULL);
    if (!s1) return;
    wasm_instance *a = wasm_snapshot_instantiate(s1, &err);
    call1(a, "poke", 300, 'N', NULL);
    call1(a, "setg", 9, 0, NULL);
    wasm_snapshot *s2 = wasm_snapshot_take(a, &err);
    wasm_instance_free(a);
    CHECK(s2 != NULL);
    if (s2) {
        wasm_instance *b = wasm_snapshot_instantiate(s2, &err);
        CHECK(byte_at(b, 300) == 'N' && byte_at(b, 0) == 'h');
        CHECK_INT(call1(b, "getg", 0, 0, NULL), 9);
        CHECK_INT(call1(b, "tcall", 0, 0, NULL), 123);
        uint64_t ref = 0;
        wasm_table_get(wasm_instance_export_table(b, "tab"), 0, &ref);
        CHECK(ref == (uint64_t)(uintptr_t)wasm_instance_export_func(b, "f"));
        wasm_instance_free(b);
        wasm_snapshot_free(s2);
    }
    wasm_instance *c = wasm_snapshot_instantiate(s1, &err);
    CHECK(byte_at(c, 300) == 0 && call1(c, "getg", 0, 0, NULL) == 1);
    wasm_instance_free(c);
    wasm_snapshot_free(s1);
}

/* Resident pages of [base, base + len), by mincore. */
static size_t resident_pages(const uint8_t *base, size_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), n = (len + page - 1) / page, count = 0;
    unsigned char vec[256];
    if (n > sizeof vec || mincore((void *)base, len, vec) != 0) return (size_t)-1;
    for (size_t i = 0; i < n; i++) count += vec[i] & 1;
    return count;
}

/*
 * More instances in use at once than the pool keeps warm (one per CPU the
 * process may run on, at least two): the surplus gives its memory back when freed, and comes back
 * fresh, twice over (the second time after a restore of a refilled memory).
 */
static void test_surplus_given_back(wasm_module *m)
{
    wasm_error err = {0};
    wasm_instance *t = wasm_instantiate(m, NULL, NULL, &err);
    if (t) call1(t, "poke", 100, 'X', NULL), call1(t, "setg", 5, 0, NULL);
    wasm_snapshot *s = t ? wasm_snapshot_take(t, &err) : NULL;
    wasm_instance_free(t);
    CHECK(s != NULL);
    if (!s) return;
    cpu_set_t set;
    int cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 2;
    int warm = cpus > 2 ? cpus : 2, n = warm + 3;
    wasm_instance **inst = calloc((size_t)n, sizeof *inst);
    const uint8_t **base = calloc((size_t)n, sizeof *base);
    for (int round = 0; round < 2 && inst && base; round++) {
        for (int i = 0; i < n; i++) {
            inst[i] = wasm_snapshot_instantiate(s, &err);
            CHECK(inst[i] != NULL);
            if (!inst[i]) return;
            check_fresh(inst[i]);
            scribble(inst[i]);
            base[i] = wasm_memory_data(wasm_instance_memory(inst[i]));
        }
        for (int i = 0; i < n; i++) wasm_instance_free(inst[i]);
        int cold = 0;
        for (int i = 0; i < n; i++) {
            size_t pages = resident_pages(base[i], 6 * 65536);
            cold += pages == 0;
            if (i < warm) CHECK(pages > 0 && pages != (size_t)-1);   /* the image stays */
        }
        CHECK_INT(cold, n - warm);
    }
    free(inst);
    free(base);
    wasm_snapshot_free(s);
}

/* Stacks a thread keeps from a released instance serve only instances with the
 * same limits.  On a thread of its own, whose place for stacks starts empty. */
static void *stack_limits(void *unused)
{
    wasm_module *m = load_wat("(module (memory 1) (func $rec (export \"rec\") (param i32) (result i32)"
                              " (if (result i32) (local.get 0)"
                              "  (then (i32.add (call $rec (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))"
                              "  (else (i32.const 0)))))");
    wasm_limits small = { .max_call_depth = 50, .value_stack_slots = 512 };
    wasm_error err = {0};
    wasm_instance *ts = m ? wasm_instantiate(m, NULL, &small, &err) : NULL;
    wasm_instance *td = m ? wasm_instantiate(m, NULL, NULL, &err) : NULL;
    wasm_snapshot *ss = ts ? wasm_snapshot_take(ts, &err) : NULL, *sd = td ? wasm_snapshot_take(td, &err) : NULL;
    CHECK(ss != NULL && sd != NULL);
    if (ss && sd) {
        for (int i = 0; i < 3; i++) {
            wasm_trap trap;
            wasm_instance *a = wasm_snapshot_instantiate(ss, &err);
            CHECK_INT(call1(a, "rec", 10, 0, &trap), 10);
            call1(a, "rec", 1000, 0, &trap);
            CHECK_INT(trap, WASM_TRAP_STACK_EXHAUSTED);     /* its own limits */
            wasm_instance_free(a);                               /* leaves small stacks to the thread */
            wasm_instance *b = wasm_snapshot_instantiate(sd, &err);
            CHECK_INT(call1(b, "rec", 5000, 0, &trap), 5000);    /* not on the small ones */
            CHECK_INT(trap, WASM_OK);
            wasm_instance_free(b);
        }
    }
    wasm_snapshot_free(ss);
    wasm_snapshot_free(sd);
    wasm_instance_free(ts);
    wasm_instance_free(td);
    wasm_module_free(m);
    return NULL;
}

static void test_stack_limits(void)
{
    pthread_t th;
    CHECK(pthread_create(&th, NULL, stack_limits, NULL) == 0);
    pthread_join(th, NULL);
}

typedef struct worker {
    wasm_snapshot *snapshot;
    int id, errors;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    wasm_error err;
    for (int i = 0; i < 300; i++) {
        wasm_instance *inst = wasm_snapshot_instantiate(w->snapshot, &err);
        if (!inst) { w->errors++; continue; }
        uint64_t addr = 4096u * (uint64_t)(w->id * 7 + i % 5);
        if (byte_at(inst, addr + 1) != (addr + 1 == 1 ? 'e' : 0)) w->errors++;
        if (call1(inst, "getg", 0, 0, NULL) != 1) w->errors++;
        call1(inst, "poke", addr + 1, (uint64_t)w->id + 1, NULL);
        call1(inst, "setg", (uint64_t)w->id + 100, 0, NULL);
        if (call1(inst, "peek", addr + 1, 0, NULL) != (uint64_t)w->id + 1) w->errors++;
        wasm_instance_free(inst);
    }
    return NULL;
}

static void test_threads(wasm_module *m)
{
    wasm_error err;
    wasm_instance *t = wasm_instantiate(m, NULL, NULL, &err);
    wasm_snapshot *s = t ? wasm_snapshot_take(t, &err) : NULL;
    CHECK(s != NULL);
    if (!s) return;
    pthread_t th[4];
    worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){ .snapshot = s, .id = i };
        pthread_create(&th[i], NULL, work, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(w[i].errors, 0);
    }
    wasm_snapshot_free(s);
    wasm_instance_free(t);
}

/* An imported memory becomes private to each instance; imported tables are refused. */
static void test_imported_memory(void)
{
    wasm_linker *l = wasm_linker_new();
    wasm_memory *mem = wasm_memory_new(1, 0, false, NULL);
    wasm_table *tab = wasm_table_new(WASM_FUNCREF, 1, 0, false, NULL);
    wasm_linker_define_memory(l, "env", "mem", mem);
    wasm_linker_define_table(l, "env", "tab", tab);
    wasm_module *m = load_wat("(module (import \"env\" \"mem\" (memory 1)) (data (i32.const 5) \"opa\")"
                              " (func (export \"poke\") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))");
    wasm_error err = {0};
    wasm_instance *inst = m ? wasm_instantiate(m, l, NULL, &err) : NULL;
    wasm_snapshot *s = inst ? wasm_snapshot_take(inst, &err) : NULL;
    CHECK(s != NULL);
    if (s) {
        wasm_instance *a = wasm_snapshot_instantiate(s, &err);
        CHECK(a && wasm_instance_memory(a) != mem && byte_at(a, 5) == 'o');
        call1(a, "poke", 5, 'X', NULL);
        CHECK(wasm_memory_data(mem)[5] == 'o');       /* the host's memory is untouched */
        wasm_instance_free(a);
        a = wasm_snapshot_instantiate(s, &err);
        CHECK(byte_at(a, 5) == 'o');
        wasm_instance_free(a);
        wasm_snapshot_free(s);
    }
    wasm_instance_free(inst);
    wasm_module_free(m);
    m = load_wat("(module (import \"env\" \"tab\" (table 1 funcref)))");
    inst = m ? wasm_instantiate(m, l, NULL, &err) : NULL;
    CHECK(inst != NULL);
    if (inst) {
        CHECK(wasm_snapshot_take(inst, &err) == NULL);
        CHECK(strstr(err.message, "imported tables") != NULL);
        wasm_instance_free(inst);
    }
    wasm_module_free(m);
    wasm_linker_free(l);
    wasm_memory_free(mem);
    wasm_table_free(tab);
}

static wasm_trap host_seven(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    results[0] = 7;
    return WASM_OK;
}

/* Host functions in tables survive the linker and the template. */
static void test_host_funcref(void)
{
    static const wasm_valtype i32[] = { WASM_I32 };
    wasm_linker *l = wasm_linker_new();
    wasm_linker_define_func(l, "env", "seven", NULL, 0, i32, 1, host_seven, NULL);
    wasm_module *m = load_wat("(module (import \"env\" \"seven\" (func $s (result i32))) (table 1 funcref)"
                              " (elem (i32.const 0) $s) (memory 1)"
                              " (func (export \"call\") (result i32) (call_indirect (result i32) (i32.const 0))))");
    wasm_error err;
    wasm_instance *t = m ? wasm_instantiate(m, l, NULL, &err) : NULL;
    wasm_snapshot *s = t ? wasm_snapshot_take(t, &err) : NULL;
    CHECK(s != NULL);
    wasm_linker_free(l);
    wasm_instance_free(t);
    if (s) {
        for (int i = 0; i < 2; i++) {
            wasm_instance *inst = wasm_snapshot_instantiate(s, &err);
            CHECK_INT(call1(inst, "call", 0, 0, NULL), 7);
            wasm_instance_free(inst);
        }
        wasm_snapshot_free(s);
    }
    wasm_module_free(m);
}

/* 1 MiB of initialised memory, one page dirtied per use: a sanity bound, not a benchmark. */
static void test_reset_cost(void)
{
    wasm_module *m = load_wat("(module (memory 17) (data (i32.const 0) \"x\") (data (i32.const 1048575) \"y\")"
                              " (func (export \"poke\") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))");
    wasm_error err;
    wasm_instance *t = m ? wasm_instantiate(m, NULL, NULL, &err) : NULL;
    wasm_snapshot *s = t ? wasm_snapshot_take(t, &err) : NULL;
    CHECK(s != NULL);
    if (!s) return;
    enum { N = 2000 };
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < N; i++) {
        wasm_instance *inst = wasm_snapshot_instantiate(s, &err);
        call1(inst, "poke", 8192, 1, NULL);
        wasm_instance_free(inst);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double us = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 / N;
    printf("snapshot instantiate + 1 dirty page + free, 1 MiB image: %.2f us\n", us);
    CHECK(us < 1000);   /* generous: sanitizer builds and a shared machine */
    wasm_snapshot_free(s);
    wasm_instance_free(t);
    wasm_module_free(m);
}

int main(void)
{
    wasm_module *m = load_module();
    CHECK(m != NULL);
    if (!m) TEST_DONE();
    test_isolation(m);
    test_threads(m);
    test_release_growth(m);
    test_surplus_given_back(m);
    test_stack_limits();
    test_nested_snapshot(m);
    test_imported_memory();
    test_host_funcref();
    test_reset_cost();
    wasm_module_free(m);
    TEST_DONE();
}
