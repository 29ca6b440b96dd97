/*
 * instance.c - instantiation (import resolution, memories, tables, globals,
 * element and data segments, start function), exports, and the wasm_call
 * entry point.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "instance.h"
#include "linker.h"

static const wasm_limits default_limits = {
    .max_memory_pages = 16384,
    .max_table_elems = 1000000,
    .max_call_depth = 10000,
    .value_stack_slots = 1u << 20,
};

wasm_limits wasm_limits_or_defaults(const wasm_limits *given)
{
    wasm_limits l = given ? *given : default_limits;
    if (!l.max_memory_pages) l.max_memory_pages = default_limits.max_memory_pages;
    if (l.max_memory_pages > 65536) l.max_memory_pages = 65536;
    if (!l.max_table_elems) l.max_table_elems = default_limits.max_table_elems;
    if (!l.max_call_depth) l.max_call_depth = default_limits.max_call_depth;
    if (!l.value_stack_slots) l.value_stack_slots = default_limits.value_stack_slots;
    return l;
}

/* ---- allocation ---------------------------------------------------------- */

wasm_instance *wasm_instance_alloc(const wasm_module *m, const wasm_limits *limits)
{
    wasm_instance *inst = calloc(1, sizeof *inst);
    if (!inst) return NULL;
    inst->module = m;
    inst->limits = wasm_limits_or_defaults(limits);
    uint32_t ndefined = m->nfuncs - m->nfunc_imports;
    inst->funcs = calloc(m->nfuncs + 1, sizeof *inst->funcs);
    inst->own_funcs = calloc(ndefined + 1, sizeof *inst->own_funcs);
    inst->host_funcs = calloc(m->nfunc_imports + 1, sizeof *inst->host_funcs);
    inst->tables = calloc(m->ntables + 1, sizeof *inst->tables);
    inst->nown_tables = m->ntables - m->ntable_imports;
    inst->own_tables = calloc(inst->nown_tables + 1, sizeof *inst->own_tables);
    inst->mems = calloc(m->nmems + 1, sizeof *inst->mems);
    inst->globals = calloc(m->nglobals + 1, sizeof *inst->globals);
    inst->own_globals = calloc(m->nglobals - m->nglobal_imports + 1, sizeof *inst->own_globals);
    inst->elem_dropped = calloc(m->nelems + 1, 1);
    inst->data_dropped = calloc(m->ndatas + 1, 1);
    if (!inst->funcs || !inst->own_funcs || !inst->host_funcs || !inst->tables || !inst->own_tables ||
        !inst->mems || !inst->globals || !inst->own_globals || !inst->elem_dropped || !inst->data_dropped) {
        wasm_instance_destroy(inst);
        return NULL;
    }
    for (uint32_t i = 0; i < ndefined; i++) {
        wasm_funcinst *f = &inst->own_funcs[i];
        f->func = &m->funcs[m->nfunc_imports + i];
        f->type = f->func->type;
        f->inst = inst;
        inst->funcs[m->nfunc_imports + i] = f;
    }
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        wasm_global *g = &inst->own_globals[i - m->nglobal_imports];
        g->type = m->globals[i].type;
        inst->globals[i] = g;
    }
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++)
        inst->tables[i] = &inst->own_tables[i - m->ntable_imports];
    return inst;
}

/* Frees everything the instance owns (not imported objects).  Must not touch
 * the module: a retained instance (below) may outlive it. */
void wasm_instance_destroy(wasm_instance *inst)
{
    if (inst->own_tables)
        for (uint32_t i = 0; i < inst->nown_tables; i++) wasm_table_destroy(&inst->own_tables[i]);
    if (inst->own_mem) wasm_memory_free(inst->own_mem);
    free(inst->funcs);
    free(inst->own_funcs);
    free(inst->host_funcs);
    free(inst->tables);
    free(inst->own_tables);
    free(inst->mems);
    free(inst->globals);
    free(inst->own_globals);
    free(inst->elem_dropped);
    free(inst->data_dropped);
    free(inst->stack);
    free(inst->frames);
    free(inst);
}

/* Binds imported function `index` to `f`: host functions are copied so the
 * instance does not depend on the linker's lifetime. */
void wasm_instance_bind_func(wasm_instance *inst, uint32_t index, const wasm_funcinst *f)
{
    if (f->inst) {
        inst->funcs[index] = (wasm_funcinst *)f;
        return;
    }
    wasm_funcinst *copy = &inst->host_funcs[index];
    *copy = *f;
    copy->type = inst->module->funcs[index].type;   /* structurally equal, and lives as long */
    inst->funcs[index] = copy;
}

/* Creates the defined memory and tables, empty (segments come later). */
int wasm_instance_create_storage(wasm_instance *inst, wasm_error *err)
{
    const wasm_module *m = inst->module;
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
        const wasm_tabletype *t = &m->tables[i];
        uint32_t max = inst->limits.max_table_elems;
        if (t->limits.has_max && t->limits.max < max) max = t->limits.max;
        if (t->limits.min > max)
            return wasm_fail(err, "table %u: %u elements exceed the limit of %u", i, t->limits.min, max);
        if (wasm_table_init_storage(inst->tables[i], t->elem, t->limits.min, max, t->limits.has_max,
                                    t->limits.max, err) < 0)
            return -1;
    }
    if (m->nmems > m->nmem_imports) {
        const wasm_limits_decl *l = &m->mems[0];
        uint32_t max = inst->limits.max_memory_pages;
        if (l->has_max && l->max < max) max = l->max;
        if (l->min > max)
            return wasm_fail(err, "memory 0: %u pages exceed the limit of %u pages", l->min, max);
        inst->own_mem = wasm_memory_create(l->min, max, l->has_max, l->max, err);
        if (!inst->own_mem) return -1;
        inst->mems[0] = inst->own_mem;
    }
    inst->mem0 = m->nmems ? inst->mems[0] : NULL;
    return 0;
}

/* ---- imports ------------------------------------------------------------- */

static bool limits_match(uint32_t size, bool has_max, uint32_t max, const wasm_limits_decl *want)
{
    if (size < want->min) return false;
    if (!want->has_max) return true;
    return has_max && max <= want->max;
}

static bool import_matches(const wasm_module *m, const wasm_import *im, const wasm_linker_entry *e)
{
    if (e->kind != im->kind) return false;
    switch (im->kind) {
    case WASM_EXTERN_FUNC:
        return e->func->type->canon == m->funcs[im->index].type->canon;
    case WASM_EXTERN_TABLE: {
        const wasm_tabletype *t = &m->tables[im->index];
        return e->table->elem == t->elem &&
               limits_match(e->table->size, e->table->has_max, e->table->declared_max, &t->limits);
    }
    case WASM_EXTERN_MEMORY:
        return limits_match(e->memory->pages, e->memory->has_max, e->memory->declared_max, &m->mems[im->index]);
    case WASM_EXTERN_GLOBAL: {
        const wasm_globaltype *g = &m->globals[im->index].type;
        return e->global->type.type == g->type && e->global->type.mutable_ == g->mutable_;
    }
    }
    return false;
}

static const char *const kind_names[] = { "function", "table", "memory", "global" };

static int bind_imports(wasm_instance *inst, const wasm_linker *linker, wasm_error *err)
{
    const wasm_module *m = inst->module;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const wasm_import *im = &m->imports[i];
        const wasm_linker_entry *e = wasm_linker_lookup(linker, im->module, im->module_len, im->name, im->name_len);
        if (!e)
            return wasm_fail(err, "unknown import \"%s.%s\" (import %u, %s)", im->module, im->name, i,
                             kind_names[im->kind]);
        if (!import_matches(m, im, e))
            return wasm_fail(err, "incompatible import type for \"%s.%s\" (import %u: wants a %s, got a %s)",
                             im->module, im->name, i, kind_names[im->kind], kind_names[e->kind]);
        switch (im->kind) {
        case WASM_EXTERN_FUNC: wasm_instance_bind_func(inst, im->index, e->func); break;
        case WASM_EXTERN_TABLE: inst->tables[im->index] = e->table; break;
        case WASM_EXTERN_MEMORY: inst->mems[im->index] = e->memory; break;
        case WASM_EXTERN_GLOBAL: inst->globals[im->index] = e->global; break;
        }
    }
    return 0;
}

/* ---- initialisation ------------------------------------------------------ */

uint64_t wasm_const_value(const wasm_instance *inst, const wasm_constexpr *c)
{
    switch (c->op) {
    case WASM_CONST_GLOBAL_GET: return inst->globals[c->index]->value;
    case WASM_CONST_REF_FUNC: return (uint64_t)(uintptr_t)inst->funcs[c->index];
    case WASM_CONST_REF_NULL: return 0;
    default: return c->value;
    }
}

wasm_trap wasm_table_init_seg(wasm_instance *inst, uint32_t table, uint32_t seg,
                              uint32_t dst, uint32_t src, uint32_t n)
{
    wasm_table *t = inst->tables[table];
    const wasm_elem_seg *s = &inst->module->elems[seg];
    uint32_t count = inst->elem_dropped[seg] ? 0 : s->count;
    if ((uint64_t)src + n > count || (uint64_t)dst + n > t->size) return WASM_TRAP_TABLE_OOB;
    for (uint32_t i = 0; i < n; i++) t->elems[dst + i] = wasm_const_value(inst, &s->items[src + i]);
    return WASM_OK;
}

wasm_trap wasm_memory_init_seg(wasm_instance *inst, uint32_t seg, uint32_t dst, uint32_t src, uint32_t n)
{
    wasm_memory *mem = inst->mem0;
    const wasm_data_seg *d = &inst->module->datas[seg];
    uint32_t len = inst->data_dropped[seg] ? 0 : d->len;
    if ((uint64_t)src + n > len || (uint64_t)dst + n > mem->size) return WASM_TRAP_MEMORY_OOB;
    if (n) {
        memcpy(mem->base + dst, d->bytes + src, n);
        wasm_mark_dirty(mem, dst, n);
    }
    return WASM_OK;
}

static void init_globals(wasm_instance *inst)
{
    const wasm_module *m = inst->module;
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++)
        inst->globals[i]->value = wasm_const_value(inst, &m->globals[i].init);
}

/* Active segments are table.init/memory.init then drop; declarative ones just drop. */
static int apply_segments(wasm_instance *inst, wasm_error *err)
{
    const wasm_module *m = inst->module;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wasm_elem_seg *s = &m->elems[i];
        if (s->mode == WASM_SEG_PASSIVE) continue;
        if (s->mode == WASM_SEG_ACTIVE) {
            uint32_t offset = (uint32_t)wasm_const_value(inst, &s->offset);
            wasm_trap trap = wasm_table_init_seg(inst, s->table, i, offset, 0, s->count);
            if (trap) {
                if (err) err->trap = trap;
                return wasm_fail(err, "%s: element segment %u at offset %u (table %u)",
                                 wasm_trap_string(trap), i, offset, s->table);
            }
        }
        inst->elem_dropped[i] = 1;
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wasm_data_seg *d = &m->datas[i];
        if (d->mode != WASM_SEG_ACTIVE) continue;
        uint32_t offset = (uint32_t)wasm_const_value(inst, &d->offset);
        wasm_trap trap = wasm_memory_init_seg(inst, i, offset, 0, d->len);
        if (trap) {
            if (err) err->trap = trap;
            return wasm_fail(err, "%s: data segment %u at offset %u", wasm_trap_string(trap), i, offset);
        }
        inst->data_dropped[i] = 1;
    }
    return 0;
}

static int run_start(wasm_instance *inst, wasm_error *err)
{
    const wasm_module *m = inst->module;
    if (m->start < 0) return 0;
    /* A start function that never returns must not hang whoever loads the module. */
    if (inst->limits.start_timeout_ms)
        inst->deadline_ns = wasm_now_ns() + (uint64_t)inst->limits.start_timeout_ms * 1000000u;
    wasm_trap trap = wasm_call(inst, inst->funcs[m->start], NULL, NULL);
    inst->deadline_ns = 0;
    if (trap == WASM_OK) return 0;
    if (err) err->trap = trap;
    return wasm_fail(err, "%s (start function %lld)", wasm_instance_trap_message(inst), (long long)m->start);
}

/*
 * A failed instantiation may already have put its functions into imported
 * tables (segments before the one that trapped, or the start function), and the
 * spec says those stay callable.  The instance then lives as long as the last
 * of those tables.  (Without memory to record that, it is leaked, not freed.)
 */
static void retain_or_destroy(wasm_instance *inst)
{
    const wasm_module *m = inst->module;
    for (uint32_t i = 0; i < m->ntable_imports; i++) {
        wasm_retained *r = malloc(sizeof *r);
        if (!r) continue;
        wasm_table *t = inst->tables[i];
        r->inst = inst;
        r->next = t->retained;
        t->retained = r;
        inst->retain_count++;
    }
    if (m->ntable_imports == 0) wasm_instance_destroy(inst);
}

wasm_instance *wasm_instantiate(const wasm_module *m, const wasm_linker *linker,
                                const wasm_limits *limits, wasm_error *err)
{
    if (err) err->trap = WASM_OK;
    wasm_instance *inst = wasm_instance_alloc(m, limits);
    if (!inst) {
        wasm_fail(err, "out of memory creating an instance");
        return NULL;
    }
    if (bind_imports(inst, linker, err) < 0 || wasm_instance_create_storage(inst, err) < 0) goto fail;
    init_globals(inst);
    if (apply_segments(inst, err) < 0 || run_start(inst, err) < 0) {
        retain_or_destroy(inst);
        return NULL;
    }
    return inst;
fail:
    wasm_instance_destroy(inst);
    return NULL;
}

void wasm_instance_free(wasm_instance *inst)
{
    if (!inst) return;
    if (inst->pool_owner) wasm_snapshot_release(inst);
    else wasm_instance_destroy(inst);
}

/* ---- accessors ----------------------------------------------------------- */

const wasm_module *wasm_instance_module(const wasm_instance *inst) { return inst->module; }
void wasm_instance_set_userdata(wasm_instance *inst, void *userdata) { inst->userdata = userdata; }
void *wasm_instance_userdata(const wasm_instance *inst) { return inst->userdata; }

static int64_t export_index(const wasm_instance *inst, const char *name, wasm_externkind kind)
{
    return wasm_module_find_export(inst->module, name, kind);
}

wasm_funcinst *wasm_instance_export_func(const wasm_instance *inst, const char *name)
{
    int64_t i = export_index(inst, name, WASM_EXTERN_FUNC);
    return i < 0 ? NULL : inst->funcs[i];
}

wasm_funcinst *wasm_instance_export_func_len(const wasm_instance *inst, const char *name, size_t len)
{
    int64_t i = wasm_module_find_export_len(inst->module, name, len, WASM_EXTERN_FUNC);
    return i < 0 ? NULL : inst->funcs[i];
}

wasm_memory *wasm_instance_export_memory(const wasm_instance *inst, const char *name)
{
    int64_t i = export_index(inst, name, WASM_EXTERN_MEMORY);
    return i < 0 ? NULL : inst->mems[i];
}

wasm_table *wasm_instance_export_table(const wasm_instance *inst, const char *name)
{
    int64_t i = export_index(inst, name, WASM_EXTERN_TABLE);
    return i < 0 ? NULL : inst->tables[i];
}

wasm_global *wasm_instance_export_global(const wasm_instance *inst, const char *name)
{
    int64_t i = export_index(inst, name, WASM_EXTERN_GLOBAL);
    return i < 0 ? NULL : inst->globals[i];
}

wasm_memory *wasm_instance_memory(const wasm_instance *inst) { return inst->mem0; }

void wasm_funcinst_type(const wasm_funcinst *f, wasm_functype_info *out)
{
    out->nparams = f->type->nparams;
    out->nresults = f->type->nresults;
    out->params = f->type->params;
    out->results = f->type->results;
}

/* ---- calls --------------------------------------------------------------- */

wasm_trap wasm_call(wasm_instance *inst, wasm_funcinst *f, const uint64_t *args, uint64_t *results)
{
    uint32_t np = f->type->nparams, nr = f->type->nresults, n = np > nr ? np : nr;
    uint64_t small[16], *slots = n <= 16 ? small : malloc(n * sizeof *slots);
    wasm_trap trap;
    if (!slots) {
        wasm_instance_set_trap_message(inst, "out of memory for call arguments");
        return inst->last_trap = WASM_TRAP_HOST;
    }
    if (np) memcpy(slots, args, np * sizeof *slots);
    inst->trap_message[0] = '\0';
    if (f->host) {
        uint64_t out[16], *res = nr <= 16 ? out : slots;
        trap = f->host(inst, f->host_env, slots, res);
        if (trap == WASM_OK && res != slots && nr) memcpy(slots, res, nr * sizeof *slots);
    } else {
        trap = wasm_interp_call(f->inst, f, slots);
    }
    if (trap == WASM_OK && nr) memcpy(results, slots, nr * sizeof *slots);
    if (slots != small) free(slots);
    inst->last_trap = trap;
    if (trap != WASM_OK && inst->trap_message[0] == '\0')
        snprintf(inst->trap_message, sizeof inst->trap_message, "%s", wasm_trap_string(trap));
    return trap;
}

const char *wasm_instance_trap_message(const wasm_instance *inst)
{
    if (inst->trap_message[0]) return inst->trap_message;
    return inst->last_trap ? wasm_trap_string(inst->last_trap) : "";
}

void wasm_instance_set_trap_message(wasm_instance *inst, const char *message)
{
    snprintf(inst->trap_message, sizeof inst->trap_message, "%s", message ? message : "");
}

void wasm_instance_set_exit_code(wasm_instance *inst, int code) { inst->exit_code = code; }
int wasm_instance_exit_code(const wasm_instance *inst) { return inst->exit_code; }

void wasm_instance_interrupt(wasm_instance *inst)
{
    atomic_store_explicit(&inst->interrupt, 1, memory_order_relaxed);
}

void wasm_instance_clear_interrupt(wasm_instance *inst)
{
    atomic_store_explicit(&inst->interrupt, 0, memory_order_relaxed);
}

void wasm_instance_set_deadline(wasm_instance *inst, uint64_t monotonic_ns) { inst->deadline_ns = monotonic_ns; }
