/*
 * instance.h - instance construction steps shared by instance.c and snapshot.c.
 */
#ifndef WASM_INSTANCE_H
#define WASM_INSTANCE_H

#include "internal.h"

/* The limits with zero fields replaced by the defaults of wasm.h. */
wasm_limits wasm_limits_or_defaults(const wasm_limits *given);

/* An instance of `m` with its arrays allocated and its own functions, globals
 * and table slots wired up, but nothing imported or created yet. */
wasm_instance *wasm_instance_alloc(const wasm_module *m, const wasm_limits *limits);
/* Frees what the instance owns; imported objects stay. */
void wasm_instance_destroy(wasm_instance *inst);
void wasm_instance_bind_func(wasm_instance *inst, uint32_t index, const wasm_funcinst *f);
/* Creates the defined memory and tables at their declared minimum. */
int wasm_instance_create_storage(wasm_instance *inst, wasm_error *err);

/* Returns an instance made by wasm_snapshot_instantiate to its pool (snapshot.c). */
void wasm_snapshot_release(wasm_instance *inst);

#endif
