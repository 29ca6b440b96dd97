/*
 * linker.c - the embedder's definitions, looked up by (module, name) at
 * instantiation.  Later definitions shadow earlier ones.
 */
#include <stdlib.h>
#include <string.h>

#include "linker.h"

struct wasm_linker {
    wasm_linker_entry *entries;
    uint32_t count, cap;
};

wasm_linker *wasm_linker_new(void)
{
    return calloc(1, sizeof(wasm_linker));
}

static void entry_free(wasm_linker_entry *e)
{
    free(e->module);
    free(e->name);
    if (e->host_type) {
        free(e->host_type->params);
        free(e->host_type->results);
        free(e->host_type);
    }
    free(e->host);
}

void wasm_linker_free(wasm_linker *l)
{
    if (!l) return;
    for (uint32_t i = 0; i < l->count; i++) entry_free(&l->entries[i]);
    free(l->entries);
    free(l);
}

static char *copy_name(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (out) {
        memcpy(out, s, n);
        out[n] = '\0';
    }
    return out;
}

static wasm_linker_entry *add_len(wasm_linker *l, const char *module, const char *name, size_t name_len,
                                  wasm_externkind kind)
{
    if (l->count == l->cap) {
        uint32_t cap = l->cap ? 2 * l->cap : 16;
        wasm_linker_entry *e = realloc(l->entries, cap * sizeof *e);
        if (!e) return NULL;
        l->entries = e;
        l->cap = cap;
    }
    wasm_linker_entry *e = &l->entries[l->count];
    memset(e, 0, sizeof *e);
    e->module_len = strlen(module);
    e->name_len = name_len;
    e->module = copy_name(module, e->module_len);
    e->name = copy_name(name, name_len);
    e->kind = kind;
    if (!e->module || !e->name) {
        entry_free(e);
        return NULL;
    }
    l->count++;
    return e;
}

static wasm_linker_entry *add(wasm_linker *l, const char *module, const char *name, wasm_externkind kind)
{
    return add_len(l, module, name, strlen(name), kind);
}

static uint8_t *copy_types(const wasm_valtype *types, uint32_t n)
{
    uint8_t *out = malloc(n ? n : 1);
    if (out)
        for (uint32_t i = 0; i < n; i++) out[i] = (uint8_t)types[i];
    return out;
}

int wasm_linker_define_func(wasm_linker *l, const char *module, const char *name,
                            const wasm_valtype *params, uint32_t nparams,
                            const wasm_valtype *results, uint32_t nresults,
                            wasm_host_fn fn, void *env)
{
    wasm_linker_entry *e = fn ? add(l, module, name, WASM_EXTERN_FUNC) : NULL;
    if (!e) return -1;
    wasm_functype *t = e->host_type = calloc(1, sizeof *t);
    e->host = calloc(1, sizeof *e->host);
    if (!t || !e->host) {
        entry_free(e);
        l->count--;
        return -1;
    }
    t->nparams = nparams;
    t->nresults = nresults;
    t->params = copy_types(params, nparams);
    t->results = copy_types(results, nresults);
    if (!t->params || !t->results) {
        entry_free(e);
        l->count--;
        return -1;
    }
    t->canon = wasm_functype_canon(t->params, nparams, t->results, nresults);
    e->host->type = t;
    e->host->host = fn;
    e->host->host_env = env;
    e->func = e->host;
    return 0;
}

int wasm_linker_define_memory(wasm_linker *l, const char *module, const char *name, wasm_memory *memory)
{
    wasm_linker_entry *e = memory ? add(l, module, name, WASM_EXTERN_MEMORY) : NULL;
    if (!e) return -1;
    e->memory = memory;
    return 0;
}

int wasm_linker_define_table(wasm_linker *l, const char *module, const char *name, wasm_table *table)
{
    wasm_linker_entry *e = table ? add(l, module, name, WASM_EXTERN_TABLE) : NULL;
    if (!e) return -1;
    e->table = table;
    return 0;
}

int wasm_linker_define_global(wasm_linker *l, const char *module, const char *name, wasm_global *global)
{
    wasm_linker_entry *e = global ? add(l, module, name, WASM_EXTERN_GLOBAL) : NULL;
    if (!e) return -1;
    e->global = global;
    return 0;
}

int wasm_linker_define_instance(wasm_linker *l, const char *module, wasm_instance *inst)
{
    const wasm_module *m = inst->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wasm_export *x = &m->exports[i];
        wasm_linker_entry *e = add_len(l, module, x->name, x->name_len, x->kind);
        if (!e) return -1;
        switch (x->kind) {
        case WASM_EXTERN_FUNC: e->func = inst->funcs[x->index]; break;
        case WASM_EXTERN_TABLE: e->table = inst->tables[x->index]; break;
        case WASM_EXTERN_MEMORY: e->memory = inst->mems[x->index]; break;
        case WASM_EXTERN_GLOBAL: e->global = inst->globals[x->index]; break;
        }
    }
    return 0;
}

const wasm_linker_entry *wasm_linker_lookup(const wasm_linker *l, const char *module, size_t module_len,
                                            const char *name, size_t name_len)
{
    if (!l) return NULL;
    for (uint32_t i = l->count; i-- > 0;) {
        const wasm_linker_entry *e = &l->entries[i];
        if (e->module_len == module_len && e->name_len == name_len && memcmp(e->module, module, module_len) == 0 &&
            memcmp(e->name, name, name_len) == 0)
            return e;
    }
    return NULL;
}
