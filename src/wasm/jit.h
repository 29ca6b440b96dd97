/*
 * jit.h - the baseline compiler: internal code (interp_ops.h) to x86-64.
 *
 *   jit_x64.c  translation, one pass per function, into one W^X region per module
 *   jit_ops.c  what the machine code calls out of line: the rare operators
 *              (floats, division, bulk memory, tables), polls and calls that
 *              leave the module
 *
 * The compiled code keeps the interpreter's frame layout: every value lives in
 * its 64-bit frame slot, [rbx + slot*8], so a function's frame, its arguments
 * and its results are where the interpreter would put them, and both tiers
 * share the snapshot, the stacks and the host interface.  Register roles while
 * compiled code runs:
 *
 *   rbx  frame (slot 0)            r12  memory base     r13  memory size
 *   r14  jit_ctx of this call      r15  dirty map       ebp  poll budget
 *   rax..r11  scratch
 *
 * Traps are values: every compiled function returns a wasm_trap in eax (0: it
 * returned normally), and each call site passes a nonzero one up.
 */
#ifndef WASM_JIT_H
#define WASM_JIT_H

#include "internal.h"

/* State of one entry into compiled code; the machine code reads it through r14. */
typedef struct jit_ctx {
    wasm_instance *root;         /* owner of the stacks, the interrupt flag and the deadline */
    wasm_instance *inst;         /* the running code's instance */
    uint8_t *mem_base;
    uint64_t mem_size;
    uint8_t *dirty;
    wasm_global **globals;
    uint64_t *stack_end;         /* end of root's value stack */
    uintptr_t stack_limit;       /* lowest machine stack address compiled code may call below */
    int32_t budget;              /* the poll budget at entry and after each wasm_jit_poll (ebp runs it down) */
    int32_t trap;                /* result of a call made out of line by wasm_jit_call_indirect */
} jit_ctx;

/* An operator done out of line: ip points at its instruction (interp_ops.h). */
typedef wasm_trap (*jit_op_fn)(jit_ctx *ctx, uint64_t *fp, const uint32_t *ip);

/* Per operation, its out-of-line implementation, or NULL (control flow). */
extern const jit_op_fn wasm_jit_ops[];

wasm_trap wasm_jit_poll(jit_ctx *ctx);
/* Calls function `func` of the instance (an import: host or another instance). */
wasm_trap wasm_jit_call_import(jit_ctx *ctx, uint32_t func, uint64_t *nfp);
/* Resolves call_indirect at ip.  Returns the callee's machine code when it is
 * compiled code of this instance (the caller calls it); otherwise makes the
 * call itself, leaves its trap in ctx->trap and returns NULL. */
const void *wasm_jit_call_indirect(jit_ctx *ctx, const uint32_t *ip, uint64_t *fp);

/* Compiles every defined function of m; sets each code's `native`.  -1 when the
 * machine is not x86-64, compilation is off (KW_WASM_TIER=interp) or memory ran
 * out: the module then runs in the interpreter. */
int wasm_jit_compile(wasm_module *m);
void wasm_jit_release(wasm_module *m);

/* Runs compiled `code` of `inst` with its frame at fp (arguments in place). */
wasm_trap wasm_jit_call(wasm_instance *root, wasm_instance *inst, const struct wasm_code *code,
                        uint64_t *fp);

/* The interpreter's entry with the same contract (interp.c). */
wasm_trap wasm_interp_run(wasm_instance *root, wasm_instance *inst, const struct wasm_code *code,
                          uint64_t *fp);

#endif /* WASM_JIT_H */
