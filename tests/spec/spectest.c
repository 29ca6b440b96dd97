/*
 * spectest.c - the `spectest` module, as defined by the reference interpreter's
 * script runner (and wabt's spectest-interp): print functions without output,
 * table funcref 10..20, memory 1..2 pages, globals 666 / 666.0.
 */
#include "spectest.h"

#include <string.h>

#define F32_666 0x44268000u                 /* 666.0f as IEEE bits */
#define F64_666 0x4084d00000000000ull       /* 666.0 as IEEE bits */

static wasm_trap print_nothing(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    return WASM_OK;
}

struct print_sig {
    const char *name;
    uint32_t nparams;
    wasm_valtype params[2];
};

static const struct print_sig print_sigs[] = {
    { "print", 0, { 0 } },
    { "print_i32", 1, { WASM_I32 } },
    { "print_i64", 1, { WASM_I64 } },
    { "print_f32", 1, { WASM_F32 } },
    { "print_f64", 1, { WASM_F64 } },
    { "print_i32_f32", 2, { WASM_I32, WASM_F32 } },
    { "print_f64_f64", 2, { WASM_F64, WASM_F64 } },
};

struct global_def {
    const char *name;
    wasm_valtype type;
    uint64_t bits;
};

static const struct global_def global_defs[4] = {
    { "global_i32", WASM_I32, 666 },
    { "global_i64", WASM_I64, 666 },
    { "global_f32", WASM_F32, F32_666 },
    { "global_f64", WASM_F64, F64_666 },
};

static int define_prints(wasm_linker *linker)
{
    for (size_t i = 0; i < sizeof print_sigs / sizeof print_sigs[0]; i++) {
        const struct print_sig *s = &print_sigs[i];
        if (wasm_linker_define_func(linker, "spectest", s->name, s->params, s->nparams,
                                    NULL, 0, print_nothing, NULL) != 0)
            return -1;
    }
    return 0;
}

int spectest_init(spectest *st, wasm_linker *linker, wasm_error *err)
{
    memset(st, 0, sizeof *st);
    st->table = wasm_table_new(WASM_FUNCREF, 10, 20, true, err);
    st->memory = wasm_memory_new(1, 2, true, err);
    if (!st->table || !st->memory)
        goto fail;
    for (int i = 0; i < 4; i++) {
        st->globals[i] = wasm_global_new(global_defs[i].type, false, global_defs[i].bits);
        if (!st->globals[i] ||
            wasm_linker_define_global(linker, "spectest", global_defs[i].name, st->globals[i]) != 0)
            goto fail;
    }
    if (define_prints(linker) != 0 ||
        wasm_linker_define_table(linker, "spectest", "table", st->table) != 0 ||
        wasm_linker_define_memory(linker, "spectest", "memory", st->memory) != 0)
        goto fail;
    return 0;
fail:
    if (err && !err->message[0])
        strcpy(err->message, "spectest: out of memory");
    spectest_free(st);
    return -1;
}

void spectest_free(spectest *st)
{
    if (st->table)
        wasm_table_free(st->table);
    if (st->memory)
        wasm_memory_free(st->memory);
    for (int i = 0; i < 4; i++)
        if (st->globals[i])
            wasm_global_free(st->globals[i]);
    memset(st, 0, sizeof *st);
}
