/*
 * linker.h - the linker's entries, shared by linker.c and instance.c.
 */
#ifndef WASM_LINKER_H
#define WASM_LINKER_H

#include "internal.h"

typedef struct wasm_linker_entry {
    char *module, *name;
    size_t module_len, name_len;     /* export names may contain NUL bytes */
    wasm_externkind kind;
    wasm_funcinst *func;         /* a host function below, or another instance's function */
    wasm_memory *memory;
    wasm_table *table;
    wasm_global *global;
    wasm_funcinst *host;         /* owned: defined with wasm_linker_define_func */
    wasm_functype *host_type;    /* owned, with `host` */
} wasm_linker_entry;

/* The latest definition of (module, name), or NULL; names are compared by length and bytes. */
const wasm_linker_entry *wasm_linker_lookup(const wasm_linker *linker, const char *module, size_t module_len,
                                            const char *name, size_t name_len);

#endif
