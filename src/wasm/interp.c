/*
 * interp.c - runs the code compile.c produces (format in interp_ops.h).
 *
 * One function, run(), holds the whole interpreter loop so the hot state stays
 * in registers: ip (next instruction word), fp (the current frame's slots), the
 * memory base and size, and the instance's function/global arrays.  Dispatch is
 * direct threading with computed goto: each instruction's first word is its
 * handler's offset from a base label, so `goto *(base + *ip)` is the whole
 * dispatch.  Offsets (not pointers) keep instructions 32-bit and position
 * independent; the table of them comes from run() itself (labels are local to
 * their function), which is therefore never inlined or cloned.
 *
 * Calls push a small record on the instance's own frame stack instead of
 * recursing in C, so deep wasm recursion ends in "call stack exhausted", never
 * in a C stack overflow.  The callee's frame starts at the caller's argument
 * slots: arguments are passed in place and results come back in place.
 *
 * Interruption: at every call and backward branch, one relaxed atomic load of
 * the instance's interrupt flag and a countdown; every WASM_POLL_INTERVAL polls the
 * deadline (if any) is compared with CLOCK_MONOTONIC.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "interp_ops.h"
#include "jit.h"
#include "numeric.h"

typedef struct call_frame {
    const uint32_t *ip;          /* where the caller resumes; NULL: return to the host */
    uint64_t *fp;
    wasm_instance *inst;         /* the caller's instance */
} call_frame;

const char *wasm_trap_string(wasm_trap trap)
{
    switch (trap) {
    case WASM_OK: return "no trap";
    case WASM_TRAP_UNREACHABLE: return "unreachable";
    case WASM_TRAP_MEMORY_OOB: return "out of bounds memory access";
    case WASM_TRAP_TABLE_OOB: return "out of bounds table access";
    case WASM_TRAP_DIV_ZERO: return "integer divide by zero";
    case WASM_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case WASM_TRAP_INDIRECT_MISMATCH: return "indirect call type mismatch";
    case WASM_TRAP_UNDEFINED_ELEMENT: return "undefined element";
    case WASM_TRAP_UNINITIALIZED_ELEMENT: return "uninitialized element";
    case WASM_TRAP_STACK_EXHAUSTED: return "call stack exhausted";
    case WASM_TRAP_INTERRUPTED: return "interrupted";
    case WASM_TRAP_EXIT: return "exit";
    case WASM_TRAP_HOST: return "host function failed";
    default: return "unknown trap";
    }
}

/* ---- interruption -------------------------------------------------------- */

/* The flag is set or the countdown ran out: restart the countdown, then ask. */
__attribute__((noinline)) static bool must_stop(wasm_instance *root, int *budget)
{
    *budget = WASM_POLL_INTERVAL;
    return wasm_must_stop(root);
}

/* ---- the loop -------------------------------------------------------------- */

#define NEXT() goto *(const void *)(base + (int32_t)*ip)
#define TRAP(code) do { trap = WASM_TRAP_##code; goto unwind; } while (0)
#define POLL() do { \
        if (__builtin_expect(atomic_load_explicit(&root->interrupt, memory_order_relaxed) | (--poll_budget == 0), 0) \
            && must_stop(root, &poll_budget)) \
            TRAP(INTERRUPTED); \
    } while (0)
/* Jumps by `disp` words from the current instruction; backward jumps are loop back-edges. */
#define BRANCH(disp) do { \
        int32_t d_ = (int32_t)(disp); \
        ip += d_; \
        if (d_ <= 0) POLL(); \
        NEXT(); \
    } while (0)
/* Memory accesses: 64-bit effective address, one compare against the size. */
#define EFFECTIVE(addr_slot, offset, n) \
    uint64_t ea = (uint64_t)(uint32_t)fp[addr_slot] + (offset); \
    if (ea + (n) > mem_size) TRAP(MEMORY_OOB)
#define MARK_DIRTY(ea, n) do { \
        dirty[(ea) >> WASM_DIRTY_SHIFT] = 1; \
        dirty[((ea) + (n) - 1) >> WASM_DIRTY_SHIFT] = 1; \
    } while (0)
#define LOAD_CONTEXT() do { \
        funcs = inst->funcs; \
        mfuncs = inst->module->funcs; \
        globals = inst->globals; \
        const wasm_memory *mem_ = inst->mem0; \
        mem_base = mem_ ? mem_->base : NULL; \
        mem_size = mem_ ? mem_->size : 0; \
        dirty = mem_ ? mem_->dirty : NULL; \
    } while (0)

#if defined(__clang__)
#define NOINLINE_NOCLONE __attribute__((noinline))
#else
#define NOINLINE_NOCLONE __attribute__((noinline, noclone))
#endif
/* The loop is one huge function: UBSan's pointer checks on every slot access
 * made clang take 66 s of CPU to compile it (7 s without them).  ASan still
 * checks those accesses; the arithmetic checks (shifts, overflow, float
 * casts) stay on. */
#define LIGHT_UBSAN __attribute__((no_sanitize("alignment", "null", "pointer-overflow", "object-size")))

/*
 * Runs `code` of `inst` on `root`'s stacks with its frame at `fp` (arguments
 * already there).  With `handlers` set, only returns the handler table.
 */
NOINLINE_NOCLONE LIGHT_UBSAN
static wasm_trap run(wasm_instance *root, wasm_instance *inst, const wasm_code *code, uint64_t *fp,
                     const int32_t **handlers)
{
    static const int32_t offsets[OP_COUNT] = {
#define OFF_MISC_(name) [OP_##name] = &&L_##name - &&L_unreachable,
#define OFF_UN_(name, opcode, in, out, stmt) [OP_##name] = &&L_##name - &&L_unreachable,
#define OFF_BIN_(name, opcode, in, out, stmt) [OP_##name] = &&L_##name - &&L_unreachable, \
                                              [OP_##name##_ri] = &&L_##name##_ri - &&L_unreachable,
#define OFF_MEM_(name, opcode, align, type, ctype) [OP_##name] = &&L_##name - &&L_unreachable, \
                                                   [OP_##name##_add] = &&L_##name##_add - &&L_unreachable,
#define OFF_LOAD_(name, opcode, align, type, ctype) OFF_MEM_(name, opcode, align, type, ctype) \
                                                    [OP_##name##_idx] = &&L_##name##_idx - &&L_unreachable, \
                                                    [OP_##name##_abs] = &&L_##name##_abs - &&L_unreachable,
#define OFF_BR_(name, neg, type, cond) [OP_br_##name] = &&L_br_##name - &&L_unreachable, \
                                 [OP_br_##name##_ri] = &&L_br_##name##_ri - &&L_unreachable,
        WASM_MISC_OPS(OFF_MISC_)
        WASM_UNOPS(OFF_UN_)
        WASM_SAT_UNOPS(OFF_UN_)
        WASM_BINOPS(OFF_BIN_)
        WASM_LOADS(OFF_LOAD_)
        WASM_STORES(OFF_MEM_)
        WASM_CMP_FUSED(OFF_BR_)
    };
    if (handlers) {
        *handlers = offsets;
        return WASM_OK;
    }

    const char *base = (const char *)&&L_unreachable;
    /* fr: the next free call frame; depth = fr - frames. */
    call_frame *frames = root->frames, *fr = frames + root->depth;
    const call_frame *frames_end = frames + root->limits.max_call_depth;
    uint32_t entry_depth = root->depth;
    uint64_t *stack_end = root->stack + root->limits.value_stack_slots;
    wasm_funcinst **funcs;
    const wasm_func *mfuncs;
    wasm_global **globals;
    uint8_t *mem_base, *dirty;
    uint64_t mem_size;
    int poll_budget = WASM_POLL_INTERVAL;
    wasm_trap trap = WASM_OK;
    const uint32_t *ip = NULL, *ret_ip = NULL;
    const wasm_code *callee = code;
    wasm_instance *callee_inst;
    wasm_funcinst *fi;
    uint64_t *nfp = fp;

    LOAD_CONTEXT();
    /* The bottom frame returns to the host: its instance is NULL. */
    if (fr >= frames_end || fp + code->frame_slots > stack_end) TRAP(STACK_EXHAUSTED);
    fr->ip = NULL;
    fr->fp = fp;
    fr->inst = NULL;
    fr++;
    goto start_frame;

L_unreachable:
    TRAP(UNREACHABLE);

L_br:
    BRANCH(ip[1]);
L_br_if:
    if ((uint32_t)fp[ip[1]]) BRANCH(ip[2]);
    ip += 3;
    NEXT();
L_br_unless:
    if (!(uint32_t)fp[ip[1]]) BRANCH(ip[2]);
    ip += 3;
    NEXT();
L_br_if64:
    if (fp[ip[1]]) BRANCH(ip[2]);
    ip += 3;
    NEXT();
L_br_unless64:
    if (!fp[ip[1]]) BRANCH(ip[2]);
    ip += 3;
    NEXT();
L_br_table: {
    uint32_t i = (uint32_t)fp[ip[1]], n = ip[2];
    BRANCH(ip[3 + (i < n ? i : n)]);
}
/* Branch on a loaded value: `if (v)` for br_if_, `if (!v)` for br_unless_. */
#define BR_LOAD_(name, ctype, when, test) \
L_br_##when##_##name: { \
    EFFECTIVE(ip[1], ip[2], sizeof(ctype)); \
    ctype v; \
    memcpy(&v, mem_base + ea, sizeof v); \
    if (test) BRANCH(ip[3]); \
    ip += 4; \
    NEXT(); \
}
#define BR_LOAD_ADD_(name, ctype, when, test) \
L_br_##when##_##name##_add: { \
    uint64_t ea = (uint64_t)(uint32_t)((uint32_t)fp[ip[1]] + ip[2]) + ip[3]; \
    if (ea + sizeof(ctype) > mem_size) TRAP(MEMORY_OOB); \
    ctype v; \
    memcpy(&v, mem_base + ea, sizeof v); \
    if (test) BRANCH(ip[4]); \
    ip += 5; \
    NEXT(); \
}
    BR_LOAD_(i32_load, uint32_t, if, v)
    BR_LOAD_(i32_load, uint32_t, unless, !v)
    BR_LOAD_ADD_(i32_load, uint32_t, if, v)
    BR_LOAD_ADD_(i32_load, uint32_t, unless, !v)
    BR_LOAD_ADD_(i32_load8_u, uint8_t, if, v)
    BR_LOAD_ADD_(i32_load8_u, uint8_t, unless, !v)
#undef BR_LOAD_
#undef BR_LOAD_ADD_
#define BR_(name, neg, type, cond) \
L_br_##name: { \
    CT_##type a = (CT_##type)fp[ip[1]], b = (CT_##type)fp[ip[2]]; \
    if (cond) BRANCH(ip[3]); \
    ip += 4; \
    NEXT(); \
} \
L_br_##name##_ri: { \
    CT_##type a = (CT_##type)fp[ip[1]], b = (CT_##type)(int64_t)(int32_t)ip[2]; \
    if (cond) BRANCH(ip[3]); \
    ip += 4; \
    NEXT(); \
}
    WASM_CMP_FUSED(BR_)
#undef BR_

L_copy:
    fp[ip[2]] = fp[ip[1]];
    ip += 3;
    NEXT();
L_const32:
    fp[ip[1]] = ip[2];
    ip += 3;
    NEXT();
L_const64:
    fp[ip[1]] = IMM_I64(ip + 2);
    ip += 4;
    NEXT();
L_select:
    fp[ip[4]] = (uint32_t)fp[ip[3]] ? fp[ip[1]] : fp[ip[2]];
    ip += 5;
    NEXT();
L_global_get:
    fp[ip[2]] = globals[ip[1]]->value;
    ip += 3;
    NEXT();
L_global_set:
    globals[ip[1]]->value = fp[ip[2]];
    ip += 3;
    NEXT();

    /* ---- numeric ---- */
#define UN_(name, opcode, in, out, stmt) \
L_##name: { \
    CT_##in a = (CT_##in)fp[ip[1]]; \
    CT_##out r; \
    stmt; \
    fp[ip[2]] = r; \
    ip += 3; \
    NEXT(); \
}
    WASM_UNOPS(UN_)
    WASM_SAT_UNOPS(UN_)
#undef UN_
#define BIN_(name, opcode, in, out, stmt) \
L_##name: { \
    CT_##in a = (CT_##in)fp[ip[1]], b = (CT_##in)fp[ip[2]]; \
    CT_##out r; \
    stmt; \
    fp[ip[3]] = r; \
    ip += 4; \
    NEXT(); \
} \
L_##name##_ri: { \
    CT_##in a = (CT_##in)fp[ip[1]], b = (CT_##in)IMM_##in(ip + 3); \
    CT_##out r; \
    stmt; \
    fp[ip[2]] = r; \
    ip += 3 + IMMW_##in; \
    NEXT(); \
}
    WASM_BINOPS(BIN_)
#undef BIN_

    /* ---- memory ---- */
#define LOAD_(name, opcode, align, type, ctype) \
L_##name: { \
    EFFECTIVE(ip[1], ip[2], sizeof(ctype)); \
    ctype v; \
    memcpy(&v, mem_base + ea, sizeof v); \
    fp[ip[3]] = (CT_##type)(ST_##type)v; \
    ip += 4; \
    NEXT(); \
} \
L_##name##_add: { \
    uint64_t ea = (uint64_t)(uint32_t)((uint32_t)fp[ip[1]] + ip[2]) + ip[3]; \
    if (ea + sizeof(ctype) > mem_size) TRAP(MEMORY_OOB); \
    ctype v; \
    memcpy(&v, mem_base + ea, sizeof v); \
    fp[ip[4]] = (CT_##type)(ST_##type)v; \
    ip += 5; \
    NEXT(); \
} \
L_##name##_idx: { \
    uint64_t ea = (uint64_t)(uint32_t)((uint32_t)fp[ip[1]] + (uint32_t)fp[ip[2]]) + ip[3]; \
    if (ea + sizeof(ctype) > mem_size) TRAP(MEMORY_OOB); \
    ctype v; \
    memcpy(&v, mem_base + ea, sizeof v); \
    fp[ip[4]] = (CT_##type)(ST_##type)v; \
    ip += 5; \
    NEXT(); \
} \
L_##name##_abs: { \
    uint64_t ea = (uint64_t)ip[1] + ip[2]; \
    if (ea + sizeof(ctype) > mem_size) TRAP(MEMORY_OOB); \
    ctype v; \
    memcpy(&v, mem_base + ea, sizeof v); \
    fp[ip[3]] = (CT_##type)(ST_##type)v; \
    ip += 4; \
    NEXT(); \
}
    WASM_LOADS(LOAD_)
#undef LOAD_
#define STORE_(name, opcode, align, type, ctype) \
L_##name: { \
    EFFECTIVE(ip[1], ip[2], sizeof(ctype)); \
    ctype v = (ctype)fp[ip[3]]; \
    memcpy(mem_base + ea, &v, sizeof v); \
    MARK_DIRTY(ea, sizeof v); \
    ip += 4; \
    NEXT(); \
} \
L_##name##_add: { \
    uint64_t ea = (uint64_t)(uint32_t)((uint32_t)fp[ip[1]] + ip[2]) + ip[3]; \
    if (ea + sizeof(ctype) > mem_size) TRAP(MEMORY_OOB); \
    ctype v = (ctype)fp[ip[4]]; \
    memcpy(mem_base + ea, &v, sizeof v); \
    MARK_DIRTY(ea, sizeof v); \
    ip += 5; \
    NEXT(); \
}
    WASM_STORES(STORE_)
#undef STORE_

L_i32_store_k: {
    EFFECTIVE(ip[1], ip[2], 4);
    uint32_t v = ip[3];
    memcpy(mem_base + ea, &v, sizeof v);
    MARK_DIRTY(ea, sizeof v);
    ip += 4;
    NEXT();
}
L_i32_store8_k: {
    EFFECTIVE(ip[1], ip[2], 1);
    mem_base[ea] = (uint8_t)ip[3];
    MARK_DIRTY(ea, 1);
    ip += 4;
    NEXT();
}
L_i64_xor_add_ri:
    fp[ip[2]] = (fp[ip[1]] ^ IMM_I64(ip + 3)) + IMM_I64(ip + 5);
    ip += 7;
    NEXT();
L_i64_and_and_ri:
    fp[ip[3]] = fp[ip[1]] & fp[ip[2]] & IMM_I64(ip + 4);
    ip += 6;
    NEXT();
L_memory_size:
    fp[ip[1]] = inst->mem0->pages;
    ip += 2;
    NEXT();
L_memory_grow: {
    int64_t old = wasm_memory_grow(inst->mem0, (uint32_t)fp[ip[1]]);
    fp[ip[2]] = (uint32_t)old;
    mem_size = inst->mem0->size;
    ip += 3;
    NEXT();
}
L_memory_copy: {
    uint64_t d = (uint32_t)fp[ip[1]], s = (uint32_t)fp[ip[2]], n = (uint32_t)fp[ip[3]];
    if (d + n > mem_size || s + n > mem_size) TRAP(MEMORY_OOB);
    if (n) {
        memmove(mem_base + d, mem_base + s, n);
        wasm_mark_dirty(inst->mem0, d, n);
    }
    ip += 4;
    NEXT();
}
L_memory_fill: {
    uint64_t d = (uint32_t)fp[ip[1]], n = (uint32_t)fp[ip[3]];
    if (d + n > mem_size) TRAP(MEMORY_OOB);
    if (n) {
        memset(mem_base + d, (int)(uint8_t)fp[ip[2]], n);
        wasm_mark_dirty(inst->mem0, d, n);
    }
    ip += 4;
    NEXT();
}
L_memory_init: {
    wasm_trap t = wasm_memory_init_seg(inst, ip[1], (uint32_t)fp[ip[2]], (uint32_t)fp[ip[3]], (uint32_t)fp[ip[4]]);
    if (t) { trap = t; goto unwind; }
    ip += 5;
    NEXT();
}
L_data_drop:
    inst->data_dropped[ip[1]] = 1;
    ip += 2;
    NEXT();

    /* ---- references and tables ---- */
L_ref_func:
    fp[ip[2]] = (uint64_t)(uintptr_t)funcs[ip[1]];
    ip += 3;
    NEXT();
L_table_get: {
    wasm_table *t = inst->tables[ip[1]];
    uint32_t i = (uint32_t)fp[ip[2]];
    if (i >= t->size) TRAP(TABLE_OOB);
    fp[ip[3]] = t->elems[i];
    ip += 4;
    NEXT();
}
L_table_set: {
    wasm_table *t = inst->tables[ip[1]];
    uint32_t i = (uint32_t)fp[ip[2]];
    if (i >= t->size) TRAP(TABLE_OOB);
    t->elems[i] = fp[ip[3]];
    ip += 4;
    NEXT();
}
L_table_size:
    fp[ip[2]] = inst->tables[ip[1]]->size;
    ip += 3;
    NEXT();
L_table_grow:
    fp[ip[4]] = (uint32_t)wasm_table_grow(inst->tables[ip[1]], (uint32_t)fp[ip[3]], fp[ip[2]]);
    ip += 5;
    NEXT();
L_table_fill: {
    wasm_table *t = inst->tables[ip[1]];
    uint64_t i = (uint32_t)fp[ip[2]], v = fp[ip[3]], n = (uint32_t)fp[ip[4]];
    if (i + n > t->size) TRAP(TABLE_OOB);
    for (uint64_t k = 0; k < n; k++) t->elems[i + k] = v;
    ip += 5;
    NEXT();
}
L_table_copy: {
    wasm_table *dt = inst->tables[ip[1]], *st = inst->tables[ip[2]];
    uint64_t d = (uint32_t)fp[ip[3]], s = (uint32_t)fp[ip[4]], n = (uint32_t)fp[ip[5]];
    if (d + n > dt->size || s + n > st->size) TRAP(TABLE_OOB);
    if (n) memmove(dt->elems + d, st->elems + s, n * sizeof *dt->elems);
    ip += 6;
    NEXT();
}
L_table_init: {
    wasm_trap t = wasm_table_init_seg(inst, ip[1], ip[2], (uint32_t)fp[ip[3]], (uint32_t)fp[ip[4]],
                                      (uint32_t)fp[ip[5]]);
    if (t) { trap = t; goto unwind; }
    ip += 6;
    NEXT();
}
L_elem_drop:
    inst->elem_dropped[ip[1]] = 1;
    ip += 2;
    NEXT();

    /* ---- calls ---- */
L_call:
    callee = mfuncs[ip[1]].code;
    nfp = fp + ip[2];
    if (fr >= frames_end || nfp + callee->frame_slots > stack_end) TRAP(STACK_EXHAUSTED);
    fr->ip = ip + 3;
    fr->fp = fp;
    fr->inst = inst;
    fr++;
    goto start_frame;
L_call_import:
    fi = funcs[ip[1]];
    nfp = fp + ip[2];
    ret_ip = ip + 3;
    goto call_funcinst;
L_call_indirect: {
    wasm_table *t = inst->tables[ip[2]];
    uint32_t i = (uint32_t)fp[ip[3]];
    if (i >= t->size) {
        snprintf(root->trap_message, sizeof root->trap_message, "undefined element %u", i);
        TRAP(UNDEFINED_ELEMENT);
    }
    fi = (wasm_funcinst *)(uintptr_t)t->elems[i];
    if (!fi) {
        snprintf(root->trap_message, sizeof root->trap_message, "uninitialized element %u", i);
        TRAP(UNINITIALIZED_ELEMENT);
    }
    if (fi->type->canon != inst->module->types[ip[1]].canon) TRAP(INDIRECT_MISMATCH);
    nfp = fp + ip[4];
    ret_ip = ip + 5;
    goto call_funcinst;
}
L_ret1:
    fp[0] = fp[ip[1]];
    /* fall through */
L_ret: {
    /* The memory size needs no reload: a memory.grow in this instance updated
     * mem_size, and other instances or hosts that grow a shared memory return
     * through a context switch or a host call, which reload it. */
    const call_frame *f = --fr;
    ip = f->ip;
    fp = f->fp;
    if (__builtin_expect(f->inst != inst, 0)) {
        if (!f->inst) goto done;
        inst = f->inst;
        LOAD_CONTEXT();
    }
    NEXT();
}

call_funcinst:
    if (fi->host) {
        const wasm_functype *t = fi->type;
        uint64_t *results = nfp + t->nparams;
        if (results + t->nresults > stack_end) TRAP(STACK_EXHAUSTED);
        size_t saved_top = root->stack_top;
        root->depth = (uint32_t)(fr - frames);
        root->stack_top = (size_t)(results + t->nresults - root->stack);
        wasm_trap ht = fi->host(inst, fi->host_env, nfp, results);
        root->stack_top = saved_top;
        if (ht) { trap = ht; goto unwind; }
        memmove(nfp, results, t->nresults * sizeof *nfp);
        if (inst->mem0) mem_size = inst->mem0->size;
        ip = ret_ip;
        NEXT();
    }
    callee = fi->func->code;
    callee_inst = fi->inst;
    if (fr >= frames_end || nfp + callee->frame_slots > stack_end) TRAP(STACK_EXHAUSTED);
    fr->ip = ret_ip;
    fr->fp = fp;
    fr->inst = inst;
    fr++;
    if (callee_inst != inst) {
        inst = callee_inst;
        LOAD_CONTEXT();
    }
start_frame: {
    /* Declared locals start at zero.  Most functions have few, so the first two
     * slots after the parameters are always cleared (frames have room for them,
     * and unused ones are scratch) and memset is called only for more. */
    uint64_t *l = nfp + callee->nparams;
    l[0] = 0;
    l[1] = 0;
    if (callee->nlocals > 2) memset(l + 2, 0, (callee->nlocals - 2) * sizeof *l);
}
    fp = nfp;
    ip = callee->words;
    POLL();
    NEXT();

done:
    root->depth = (uint32_t)(fr - frames);
    return WASM_OK;
unwind:
    root->depth = entry_depth;
    return trap;
}

wasm_trap wasm_interp_run(wasm_instance *root, wasm_instance *inst, const wasm_code *code, uint64_t *fp)
{
    return run(root, inst, code, fp, NULL);
}

const int32_t *wasm_interp_handlers(void)
{
    const int32_t *table = NULL;
    run(NULL, NULL, NULL, NULL, &table);
    return table;
}

/* The stacks are allocated on first use; wasm_instance_free() frees them. */
static int ensure_stacks(wasm_instance *inst)
{
    if (!inst->limits.max_call_depth) inst->limits.max_call_depth = 10000;
    if (!inst->limits.value_stack_slots) inst->limits.value_stack_slots = 1u << 20;
    if (!inst->stack) inst->stack = malloc((size_t)inst->limits.value_stack_slots * sizeof *inst->stack);
    if (!inst->frames) inst->frames = malloc((size_t)inst->limits.max_call_depth * sizeof(call_frame));
    return inst->stack && inst->frames ? 0 : -1;
}

wasm_trap wasm_interp_call(wasm_instance *inst, wasm_funcinst *func, uint64_t *slots)
{
    if (func->host) return func->host(inst, func->host_env, slots, slots);
    if (ensure_stacks(inst) < 0) {
        wasm_instance_set_trap_message(inst, "out of memory for the interpreter's stacks");
        return WASM_TRAP_HOST;
    }
    const wasm_code *code = func->func->code;
    uint64_t *fp = inst->stack + inst->stack_top;
    uint64_t *end = inst->stack + inst->limits.value_stack_slots;
    if (fp + code->frame_slots > end || fp + code->nresults > end) return WASM_TRAP_STACK_EXHAUSTED;
    if (code->nparams) memcpy(fp, slots, code->nparams * sizeof *fp);
    wasm_trap trap = code->native ? wasm_jit_call(inst, func->inst, code, fp)
                                  : run(inst, func->inst, code, fp, NULL);
    if (trap == WASM_OK && code->nresults) memcpy(slots, fp, code->nresults * sizeof *fp);
    return trap;
}
