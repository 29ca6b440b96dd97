/*
 * jit_ops.c - what compiled code calls out of line (see jit.h).
 *
 * The numeric operators come from the statements of interp_ops.h, so the
 * compiler's slow path computes exactly what the interpreter computes.  The
 * machine code inlines the frequent integer operators, loads, stores and
 * branches; everything here is either rare in policy code (floats, division,
 * bulk memory, tables) or leaves the compiled module (host calls, calls into
 * other instances).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "interp_ops.h"
#include "jit.h"
#include "numeric.h"

#define TRAP(code) return WASM_TRAP_##code
#define OP_FN(name) static wasm_trap op_##name(jit_ctx *ctx, uint64_t *fp, const uint32_t *ip)

/* ---- numeric operators --------------------------------------------------- */

#define UN_(name, opcode, in, out, stmt) \
OP_FN(name) { \
    CT_##in a = (CT_##in)fp[ip[1]]; \
    CT_##out r; \
    stmt; \
    fp[ip[2]] = r; \
    return WASM_OK; \
}
WASM_UNOPS(UN_)
WASM_SAT_UNOPS(UN_)
#undef UN_

#define BIN_(name, opcode, in, out, stmt) \
OP_FN(name) { \
    CT_##in a = (CT_##in)fp[ip[1]], b = (CT_##in)fp[ip[2]]; \
    CT_##out r; \
    stmt; \
    fp[ip[3]] = r; \
    return WASM_OK; \
} \
OP_FN(name##_ri) { \
    CT_##in a = (CT_##in)fp[ip[1]], b = (CT_##in)IMM_##in(ip + 3); \
    CT_##out r; \
    stmt; \
    fp[ip[2]] = r; \
    return WASM_OK; \
}
WASM_BINOPS(BIN_)
#undef BIN_

/* ---- memory ---------------------------------------------------------------- */

OP_FN(memory_size)
{
    fp[ip[1]] = ctx->inst->mem0->pages;
    return WASM_OK;
}

OP_FN(memory_grow)
{
    wasm_memory *m = ctx->inst->mem0;
    fp[ip[2]] = (uint32_t)wasm_memory_grow(m, (uint32_t)fp[ip[1]]);
    ctx->mem_size = m->size;     /* the machine code reloads r13 from here */
    return WASM_OK;
}

OP_FN(memory_copy)
{
    wasm_memory *m = ctx->inst->mem0;
    uint64_t d = (uint32_t)fp[ip[1]], s = (uint32_t)fp[ip[2]], n = (uint32_t)fp[ip[3]];
    if (d + n > m->size || s + n > m->size) TRAP(MEMORY_OOB);
    if (n) {
        memmove(m->base + d, m->base + s, n);
        wasm_mark_dirty(m, d, n);
    }
    return WASM_OK;
}

OP_FN(memory_fill)
{
    wasm_memory *m = ctx->inst->mem0;
    uint64_t d = (uint32_t)fp[ip[1]], n = (uint32_t)fp[ip[3]];
    if (d + n > m->size) TRAP(MEMORY_OOB);
    if (n) {
        memset(m->base + d, (int)(uint8_t)fp[ip[2]], n);
        wasm_mark_dirty(m, d, n);
    }
    return WASM_OK;
}

OP_FN(memory_init)
{
    return wasm_memory_init_seg(ctx->inst, ip[1], (uint32_t)fp[ip[2]], (uint32_t)fp[ip[3]],
                                (uint32_t)fp[ip[4]]);
}

OP_FN(data_drop)
{
    ctx->inst->data_dropped[ip[1]] = 1;
    return WASM_OK;
}

/* ---- references and tables ---------------------------------------------- */

OP_FN(ref_func)
{
    fp[ip[2]] = (uint64_t)(uintptr_t)ctx->inst->funcs[ip[1]];
    return WASM_OK;
}

OP_FN(table_get)
{
    wasm_table *t = ctx->inst->tables[ip[1]];
    uint32_t i = (uint32_t)fp[ip[2]];
    if (i >= t->size) TRAP(TABLE_OOB);
    fp[ip[3]] = t->elems[i];
    return WASM_OK;
}

OP_FN(table_set)
{
    wasm_table *t = ctx->inst->tables[ip[1]];
    uint32_t i = (uint32_t)fp[ip[2]];
    if (i >= t->size) TRAP(TABLE_OOB);
    t->elems[i] = fp[ip[3]];
    return WASM_OK;
}

OP_FN(table_size)
{
    fp[ip[2]] = ctx->inst->tables[ip[1]]->size;
    return WASM_OK;
}

OP_FN(table_grow)
{
    fp[ip[4]] = (uint32_t)wasm_table_grow(ctx->inst->tables[ip[1]], (uint32_t)fp[ip[3]], fp[ip[2]]);
    return WASM_OK;
}

OP_FN(table_fill)
{
    wasm_table *t = ctx->inst->tables[ip[1]];
    uint64_t i = (uint32_t)fp[ip[2]], v = fp[ip[3]], n = (uint32_t)fp[ip[4]];
    if (i + n > t->size) TRAP(TABLE_OOB);
    for (uint64_t k = 0; k < n; k++) t->elems[i + k] = v;
    return WASM_OK;
}

OP_FN(table_copy)
{
    wasm_table *dt = ctx->inst->tables[ip[1]], *st = ctx->inst->tables[ip[2]];
    uint64_t d = (uint32_t)fp[ip[3]], s = (uint32_t)fp[ip[4]], n = (uint32_t)fp[ip[5]];
    if (d + n > dt->size || s + n > st->size) TRAP(TABLE_OOB);
    if (n) memmove(dt->elems + d, st->elems + s, n * sizeof *dt->elems);
    return WASM_OK;
}

OP_FN(table_init)
{
    return wasm_table_init_seg(ctx->inst, ip[1], ip[2], (uint32_t)fp[ip[3]], (uint32_t)fp[ip[4]],
                               (uint32_t)fp[ip[5]]);
}

OP_FN(elem_drop)
{
    ctx->inst->elem_dropped[ip[1]] = 1;
    return WASM_OK;
}

const jit_op_fn wasm_jit_ops[OP_COUNT] = {
#define UN_(name, opcode, in, out, stmt) [OP_##name] = op_##name,
#define BIN_(name, opcode, in, out, stmt) [OP_##name] = op_##name, [OP_##name##_ri] = op_##name##_ri,
    WASM_UNOPS(UN_)
    WASM_SAT_UNOPS(UN_)
    WASM_BINOPS(BIN_)
#undef UN_
#undef BIN_
#define MISC_(name) [OP_##name] = op_##name,
    MISC_(memory_size) MISC_(memory_grow) MISC_(memory_copy) MISC_(memory_fill)
    MISC_(memory_init) MISC_(data_drop) MISC_(ref_func) MISC_(table_get) MISC_(table_set)
    MISC_(table_size) MISC_(table_grow) MISC_(table_fill) MISC_(table_copy) MISC_(table_init)
    MISC_(elem_drop)
#undef MISC_
};

/* ---- polls and calls ------------------------------------------------------ */

/* The countdown ran out: the interrupt flag, then the deadline. */
wasm_trap wasm_jit_poll(jit_ctx *ctx)
{
    ctx->budget = WASM_POLL_INTERVAL;
    return wasm_must_stop(ctx->root) ? WASM_TRAP_INTERRUPTED : WASM_OK;
}

/* A call that leaves the compiled module: a host function, or a function of
 * another instance in whichever tier it was compiled for. */
static wasm_trap call_funcinst(jit_ctx *ctx, wasm_funcinst *fi, uint64_t *nfp)
{
    wasm_instance *root = ctx->root;
    if (fi->host) {
        const wasm_functype *t = fi->type;
        uint64_t *results = nfp + t->nparams;
        if (results + t->nresults > ctx->stack_end) return WASM_TRAP_STACK_EXHAUSTED;
        size_t saved_top = root->stack_top;
        root->stack_top = (size_t)(results + t->nresults - root->stack);
        wasm_trap trap = fi->host(ctx->inst, fi->host_env, nfp, results);
        root->stack_top = saved_top;
        if (trap) return trap;
        memmove(nfp, results, t->nresults * sizeof *nfp);
    } else {
        const wasm_code *code = fi->func->code;
        if (nfp + code->frame_slots > ctx->stack_end) return WASM_TRAP_STACK_EXHAUSTED;
        wasm_trap trap = code->native ? wasm_jit_call(root, fi->inst, code, nfp)
                                      : wasm_interp_run(root, fi->inst, code, nfp);
        if (trap) return trap;
    }
    if (ctx->inst->mem0) ctx->mem_size = ctx->inst->mem0->size;   /* a shared memory may have grown */
    return WASM_OK;
}

wasm_trap wasm_jit_call_import(jit_ctx *ctx, uint32_t func, uint64_t *nfp)
{
    return call_funcinst(ctx, ctx->inst->funcs[func], nfp);
}

const void *wasm_jit_call_indirect(jit_ctx *ctx, const uint32_t *ip, uint64_t *fp)
{
    wasm_instance *inst = ctx->inst;
    wasm_table *t = inst->tables[ip[2]];
    uint32_t i = (uint32_t)fp[ip[3]];
    wasm_funcinst *fi;
    ctx->trap = WASM_OK;
    if (i >= t->size) {
        snprintf(ctx->root->trap_message, sizeof ctx->root->trap_message, "undefined element %u", i);
        ctx->trap = WASM_TRAP_UNDEFINED_ELEMENT;
        return NULL;
    }
    fi = (wasm_funcinst *)(uintptr_t)t->elems[i];
    if (!fi) {
        snprintf(ctx->root->trap_message, sizeof ctx->root->trap_message, "uninitialized element %u", i);
        ctx->trap = WASM_TRAP_UNINITIALIZED_ELEMENT;
        return NULL;
    }
    if (fi->type->canon != inst->module->types[ip[1]].canon) {
        ctx->trap = WASM_TRAP_INDIRECT_MISMATCH;
        return NULL;
    }
    if (fi->inst == inst && fi->func->code->native) return fi->func->code->native;
    ctx->trap = call_funcinst(ctx, fi, fp + ip[4]);
    return NULL;
}
