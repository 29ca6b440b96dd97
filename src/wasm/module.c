/*
 * module.c - the module API: load (decode + compile), free, queries, the
 * process-wide function type table, and wasm_fail().
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "jit.h"

int wasm_fail(wasm_error *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* ---- function type interning --------------------------------------------
 * Structurally equal types get the same id in every module, so call_indirect
 * across modules compares one integer.  Entries live for the whole process. */

typedef struct canon_entry {
    struct canon_entry *next;
    uint32_t id, nparams, nresults;
    uint8_t sig[];               /* params then results */
} canon_entry;

#define CANON_BUCKETS 1024
static canon_entry *canon_table[CANON_BUCKETS];
static uint32_t canon_next = 1;
static pthread_mutex_t canon_lock = PTHREAD_MUTEX_INITIALIZER;

static uint32_t hash_sig(const uint8_t *params, uint32_t np, const uint8_t *results, uint32_t nr)
{
    uint32_t h = 2166136261u ^ np ^ (nr << 16);
    for (uint32_t i = 0; i < np; i++) h = (h ^ params[i]) * 16777619u;
    h = (h ^ 0xff) * 16777619u;
    for (uint32_t i = 0; i < nr; i++) h = (h ^ results[i]) * 16777619u;
    return h;
}

uint32_t wasm_functype_canon(const uint8_t *params, uint32_t nparams,
                             const uint8_t *results, uint32_t nresults)
{
    uint32_t bucket = hash_sig(params, nparams, results, nresults) % CANON_BUCKETS, id = 0;
    pthread_mutex_lock(&canon_lock);
    for (canon_entry *e = canon_table[bucket]; e; e = e->next) {
        if (e->nparams == nparams && e->nresults == nresults &&
            memcmp(e->sig, params, nparams) == 0 && memcmp(e->sig + nparams, results, nresults) == 0) {
            id = e->id;
            break;
        }
    }
    if (!id) {
        canon_entry *e = malloc(sizeof *e + nparams + nresults);
        if (e) {   /* out of memory: 0 never equals a real id, so calls just mismatch */
            e->id = id = canon_next++;
            e->nparams = nparams;
            e->nresults = nresults;
            memcpy(e->sig, params, nparams);
            memcpy(e->sig + nparams, results, nresults);
            e->next = canon_table[bucket];
            canon_table[bucket] = e;
        }
    }
    pthread_mutex_unlock(&canon_lock);
    return id;
}

/* ---- load / free --------------------------------------------------------- */

wasm_module *wasm_module_load(const uint8_t *bytes, size_t len, wasm_error *err)
{
    wasm_module *m = calloc(1, sizeof *m);
    if (!m || !(m->bytes = malloc(len ? len : 1))) {
        free(m);
        wasm_fail(err, "out of memory loading a module of %zu bytes", len);
        return NULL;
    }
    if (len) memcpy(m->bytes, bytes, len);
    m->len = len;
    if (err) err->trap = WASM_OK;
    if (wasm_decode(m, err) < 0) goto fail;
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++)
        if (wasm_compile_func(m, i, err) < 0) goto fail;
    wasm_jit_compile(m);         /* when it cannot, the interpreter runs the module */
    return m;
fail:
    wasm_module_free(m);
    return NULL;
}

void wasm_module_free(wasm_module *m)
{
    if (!m) return;
    wasm_jit_release(m);
    for (uint32_t i = 0; i < m->ntypes; i++) {
        free(m->types[i].params);
        free(m->types[i].results);
    }
    for (uint32_t i = 0; i < m->nimports; i++) {
        free(m->imports[i].module);
        free(m->imports[i].name);
    }
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        free(m->funcs[i].local_types);
        if (m->funcs[i].code) wasm_code_free(m->funcs[i].code);
    }
    for (uint32_t i = 0; i < m->nexports; i++) free(m->exports[i].name);
    for (uint32_t i = 0; i < m->nelems; i++) free(m->elems[i].items);
    for (uint32_t i = 0; i < m->ncustoms; i++) free(m->customs[i].name);
    free(m->types);
    free(m->imports);
    free(m->funcs);
    free(m->tables);
    free(m->mems);
    free(m->globals);
    free(m->exports);
    free(m->elems);
    free(m->datas);
    free(m->customs);
    free(m->func_refable);
    free(m->bytes);
    free(m);
}

/* ---- queries ------------------------------------------------------------- */

static void functype_info(const wasm_functype *t, wasm_functype_info *out)
{
    out->nparams = t->nparams;
    out->nresults = t->nresults;
    out->params = t->params;
    out->results = t->results;
}

uint32_t wasm_module_import_count(const wasm_module *m) { return m->nimports; }

static void limits_info(const wasm_limits_decl *l, wasm_import_info *out)
{
    out->min = l->min;
    out->max = l->max;
    out->has_max = l->has_max;
}

void wasm_module_import(const wasm_module *m, uint32_t i, wasm_import_info *out)
{
    const wasm_import *im = &m->imports[i];
    memset(out, 0, sizeof *out);
    out->module = im->module;
    out->name = im->name;
    out->kind = im->kind;
    switch (im->kind) {
    case WASM_EXTERN_FUNC:
        functype_info(m->funcs[im->index].type, &out->func);
        break;
    case WASM_EXTERN_MEMORY:
        limits_info(&m->mems[im->index], out);
        break;
    case WASM_EXTERN_TABLE:
        limits_info(&m->tables[im->index].limits, out);
        out->type = (wasm_valtype)m->tables[im->index].elem;
        break;
    case WASM_EXTERN_GLOBAL:
        out->type = (wasm_valtype)m->globals[im->index].type.type;
        out->mutable_ = m->globals[im->index].type.mutable_;
        break;
    }
}

uint32_t wasm_module_export_count(const wasm_module *m) { return m->nexports; }

void wasm_module_export(const wasm_module *m, uint32_t i, wasm_export_info *out)
{
    const wasm_export *e = &m->exports[i];
    memset(out, 0, sizeof *out);
    out->name = e->name;
    out->kind = e->kind;
    out->index = e->index;
    if (e->kind == WASM_EXTERN_FUNC) functype_info(m->funcs[e->index].type, &out->func);
}

int64_t wasm_module_find_export_len(const wasm_module *m, const char *name, size_t len, wasm_externkind kind)
{
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wasm_export *e = &m->exports[i];
        if (e->kind == kind && e->name_len == len && memcmp(e->name, name, len) == 0) return e->index;
    }
    return -1;
}

int64_t wasm_module_find_export(const wasm_module *m, const char *name, wasm_externkind kind)
{
    return wasm_module_find_export_len(m, name, strlen(name), kind);
}

const uint8_t *wasm_module_custom_section(const wasm_module *m, const char *name, size_t *len)
{
    for (uint32_t i = 0; i < m->ncustoms; i++) {
        if (strcmp(m->customs[i].name, name) == 0) {
            if (len) *len = m->customs[i].len;
            return m->customs[i].data;
        }
    }
    if (len) *len = 0;
    return NULL;
}

const char *wasm_module_tier(const wasm_module *m)
{
    return m->jit_region ? "jit" : "interp";
}
