/*
 * spectest.h - the `spectest` host module that the official test scripts import:
 * print functions that do nothing, a funcref table (10..20), a memory (1..2
 * pages) and four globals of value 666.
 */
#ifndef SPECTEST_H
#define SPECTEST_H

#include "wasm.h"

typedef struct spectest {
    wasm_table *table;
    wasm_memory *memory;
    wasm_global *globals[4];
} spectest;

/* Creates the objects and defines every `spectest` name in `linker`.  0 or -1. */
int spectest_init(spectest *st, wasm_linker *linker, wasm_error *err);
/* Frees the objects; call after every instance that may import them is freed. */
void spectest_free(spectest *st);

#endif
