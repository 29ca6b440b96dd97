/*
 * table.c - tables and globals, for instances and for hosts.
 *
 * A table's elements are 64-bit slots: a wasm_funcinst pointer for funcref, the
 * host's value for externref, 0 for null.  Storage grows by realloc, so code
 * must reload t->elems after table.grow.
 */
#include <stdlib.h>
#include <string.h>

#include "instance.h"

#define DEFAULT_MAX_TABLE_ELEMS 1000000u

int wasm_table_init_storage(wasm_table *t, uint8_t elem, uint32_t size, uint32_t max,
                            bool has_max, uint32_t declared_max, wasm_error *err)
{
    memset(t, 0, sizeof *t);
    if (size > max) return wasm_fail(err, "table of %u elements exceeds the limit of %u", size, max);
    t->elems = calloc(size ? size : 1, sizeof *t->elems);
    if (!t->elems) return wasm_fail(err, "out of memory creating a table of %u elements", size);
    t->elem = elem;
    t->size = size;
    t->max = max;
    t->has_max = has_max;
    t->declared_max = declared_max;
    return 0;
}

int64_t wasm_table_grow(wasm_table *t, uint32_t delta, uint64_t init)
{
    uint32_t old = t->size;
    if (delta > t->max - old) return -1;
    if (delta == 0) return old;
    uint64_t *elems = realloc(t->elems, ((size_t)old + delta) * sizeof *elems);
    if (!elems) return -1;
    for (uint32_t i = old; i < old + delta; i++) elems[i] = init;
    t->elems = elems;
    t->size = old + delta;
    return old;
}

wasm_table *wasm_table_new(wasm_valtype elem, uint32_t min, uint32_t max, bool has_max, wasm_error *err)
{
    if (elem != WASM_FUNCREF && elem != WASM_EXTERNREF) {
        wasm_fail(err, "table element type must be funcref or externref");
        return NULL;
    }
    if (has_max && max < min) {
        wasm_fail(err, "size minimum must not be greater than maximum");
        return NULL;
    }
    wasm_table *t = malloc(sizeof *t);
    if (!t) {
        wasm_fail(err, "out of memory creating a table");
        return NULL;
    }
    uint32_t cap = has_max ? max : DEFAULT_MAX_TABLE_ELEMS;
    if (cap < min) cap = min;
    if (wasm_table_init_storage(t, (uint8_t)elem, min, cap, has_max, max, err) < 0) {
        free(t);
        return NULL;
    }
    return t;
}

void wasm_table_destroy(wasm_table *t)
{
    while (t->retained) {
        wasm_retained *r = t->retained;
        t->retained = r->next;
        if (--r->inst->retain_count == 0) wasm_instance_destroy(r->inst);
        free(r);
    }
    free(t->elems);
    free(t->pristine);
    t->elems = t->pristine = NULL;
}

void wasm_table_free(wasm_table *t)
{
    if (!t) return;
    wasm_table_destroy(t);
    free(t);
}

uint32_t wasm_table_size(const wasm_table *t) { return t->size; }

int wasm_table_get(const wasm_table *t, uint32_t index, uint64_t *ref)
{
    if (index >= t->size) return -1;
    *ref = t->elems[index];
    return 0;
}

wasm_global *wasm_global_new(wasm_valtype type, bool mutable_, uint64_t value)
{
    wasm_global *g = malloc(sizeof *g);
    if (!g) return NULL;
    g->type.type = (uint8_t)type;
    g->type.mutable_ = mutable_;
    g->value = value;
    return g;
}

void wasm_global_free(wasm_global *g) { free(g); }

uint64_t wasm_global_get(const wasm_global *g) { return g->value; }
