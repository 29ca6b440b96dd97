/*
 * jit_x64.c - the baseline compiler: internal code to x86-64 (see jit.h).
 *
 * One pass per function over the internal code compile.c produced.  Each
 * instruction becomes a few machine instructions on its frame slots: no
 * register allocation, no reordering, so the machine code does exactly what
 * the interpreter's handler for the same instruction does, and the interpreter
 * stays the reference (tests run both tiers).  What is gained is the dispatch:
 * no indirect jump per instruction, and a guest branch is one machine branch,
 * predicted on its own.
 *
 * The module's functions share one region: direct calls are `call rel32`,
 * branch tables are relative, so the code is position independent while it is
 * built in a heap buffer, then copied into pages that are made executable and
 * never writable again (W^X).
 *
 * What the interpreter checks, the machine code checks: every memory access
 * against the memory size (r13), every store marks its 4 KiB granule in the
 * dirty map (r15) for the snapshot's restore, every loop back-edge and function
 * entry counts down a poll budget (interrupt flag, deadline), and every
 * function entry checks the value stack and the machine stack.
 */
#include <pthread.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "interp_ops.h"
#include "jit.h"
#include "numeric.h"

#define JIT_FRAME_BYTES 16           /* return address + saved rbx per wasm call */
#define JIT_MAX_STACK (1u << 20)     /* machine stack compiled frames may use, at most */
#define JIT_C_MARGIN (256u << 10)    /* left below the deepest frame for the C it calls (hosts) */

#if defined(__x86_64__) && defined(__linux__)

#include <sys/mman.h>
#include <unistd.h>

/* ---- encoding --------------------------------------------------------------- */

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };
#define NOREG (-1)
#define RIP 100

/* Condition codes; cc ^ 1 is the negation. */
enum { CC_O, CC_NO, CC_B, CC_AE, CC_E, CC_NE, CC_BE, CC_A, CC_S, CC_NS, CC_P, CC_NP,
       CC_L, CC_GE, CC_LE, CC_G };

/* Operand widths for rm_mem/rm_reg. */
enum { W32 = 0, W64 = 1, W16 = 2 };

/*
 * The machine code being built.  `cached_*` remembers the last slot stored
 * and the register it came from, valid while nothing else has been emitted
 * since (len == cached_end): the next instruction's first load of that slot
 * then takes the register instead of the memory it was just written to.
 * Labels end it (forget_cached): another path may arrive there.
 */
typedef struct buf {
    uint8_t *p;
    size_t len, cap;
    bool oom;
    size_t cached_end;
    uint32_t cached_slot;
    int cached_reg;
} buf;

static void reserve(buf *b, size_t n)
{
    if (b->len + n <= b->cap) return;
    size_t cap = b->cap ? b->cap * 2 : 65536;
    while (cap < b->len + n) cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        b->len = 0;              /* keep writing into what there is; the result is dropped */
        return;
    }
    b->p = p;
    b->cap = cap;
}

static void b1(buf *b, unsigned v)
{
    reserve(b, 1);
    if (b->len < b->cap) b->p[b->len++] = (uint8_t)v;
}

static void b4(buf *b, uint32_t v)
{
    for (int i = 0; i < 4; i++) b1(b, (v >> (8 * i)) & 0xff);
}

static void b8(buf *b, uint64_t v)
{
    b4(b, (uint32_t)v);
    b4(b, (uint32_t)(v >> 32));
}

static void put4(buf *b, size_t at, uint32_t v)
{
    if (b->oom || at + 4 > b->len) return;
    memcpy(b->p + at, &v, 4);
}

static void rex(buf *b, int w, int reg, int index, int base)
{
    unsigned r = 0x40 | (w == W64 ? 8 : 0) | (reg >= 8 ? 4 : 0) | (index >= 8 ? 2 : 0) |
                 (base >= 8 && base != RIP ? 1 : 0);
    if (r != 0x40) b1(b, r);
}

static void opcode(buf *b, unsigned opc)
{
    if (opc > 0xff) b1(b, opc >> 8);
    b1(b, opc & 0xff);
}

/* opc with reg (or an opcode extension) and the memory operand [base + index + disp]. */
static void rm_mem(buf *b, int w, unsigned opc, int reg, int base, int index, int32_t disp)
{
    if (w == W16) b1(b, 0x66);
    rex(b, w, reg, index, base);
    opcode(b, opc);
    reg &= 7;
    if (base == RIP) {
        b1(b, 0x05 | reg << 3);
        b4(b, (uint32_t)disp);
        return;
    }
    int mod = disp == 0 && (base & 7) != RBP ? 0 : disp >= -128 && disp < 128 ? 1 : 2;
    if (index != NOREG || (base & 7) == RSP) {
        b1(b, mod << 6 | reg << 3 | 4);
        b1(b, (index == NOREG ? 4 : index & 7) << 3 | (base & 7));
    } else {
        b1(b, mod << 6 | reg << 3 | (base & 7));
    }
    if (mod == 1) b1(b, (uint8_t)disp);
    else if (mod == 2) b4(b, (uint32_t)disp);
}

/* opc with reg (or an opcode extension) and the register operand rm. */
static void rm_reg(buf *b, int w, unsigned opc, int reg, int rm)
{
    if (w == W16) b1(b, 0x66);
    rex(b, w, reg, NOREG, rm);
    opcode(b, opc);
    b1(b, 0xc0 | (reg & 7) << 3 | (rm & 7));
}

#define SLOT(s) ((int32_t)((s) * 8u))

static void forget_cached(buf *b) { b->cached_end = SIZE_MAX; }

/* r = slot, 32 bits zero-extended (w == W32) or 64. */
static void ld(buf *b, int w, int r, uint32_t slot)
{
    if (b->cached_end == b->len && b->cached_slot == slot) {
        if (w == W64 && r == b->cached_reg) return;
        rm_reg(b, w, 0x8b, r, b->cached_reg);    /* mov r, cached (a 32-bit mov zero-extends) */
        return;
    }
    rm_mem(b, w, 0x8b, r, RBX, NOREG, SLOT(slot));
}

static void ld32(buf *b, int r, uint32_t slot) { ld(b, W32, r, slot); }
static void ld64(buf *b, int r, uint32_t slot) { ld(b, W64, r, slot); }

static void st64(buf *b, uint32_t slot, int r)
{
    rm_mem(b, W64, 0x89, r, RBX, NOREG, SLOT(slot));
    b->cached_end = b->len;
    b->cached_slot = slot;
    b->cached_reg = r;
}

static void mov_imm(buf *b, int r, uint64_t v)
{
    if (v <= UINT32_MAX) {                       /* mov r32, imm32 (zero-extends) */
        rex(b, W32, 0, NOREG, r);
        b1(b, 0xb8 + (r & 7));
        b4(b, (uint32_t)v);
    } else if ((int64_t)v == (int32_t)v) {       /* mov r64, simm32 */
        rm_reg(b, W64, 0xc7, 0, r);
        b4(b, (uint32_t)v);
    } else {                                     /* mov r64, imm64 */
        rex(b, W64, 0, NOREG, r);
        b1(b, 0xb8 + (r & 7));
        b8(b, v);
    }
}

static void mov_rr(buf *b, int to, int from) { rm_reg(b, W64, 0x8b, to, from); }
static void test32(buf *b, int r) { rm_reg(b, W32, 0x85, r, r); }
static void test64(buf *b, int r) { rm_reg(b, W64, 0x85, r, r); }
static void pop_rbx_ret(buf *b) { b1(b, 0x5b); b1(b, 0xc3); }

static void call_abs(buf *b, const void *fn)
{
    mov_imm(b, RAX, (uint64_t)(uintptr_t)fn);
    b1(b, 0xff);                 /* call rax */
    b1(b, 0xd0);
}

/* A rel32 jump whose target is not known yet; returns where the rel32 is. */
static size_t jcc_open(buf *b, int cc)
{
    b1(b, 0x0f);
    b1(b, 0x80 + cc);
    b4(b, 0);
    return b->len - 4;
}

static size_t jmp_open(buf *b)
{
    b1(b, 0xe9);
    b4(b, 0);
    return b->len - 4;
}

static void bind_here(buf *b, size_t at)
{
    put4(b, at, (uint32_t)(b->len - (at + 4)));
    forget_cached(b);
}

/* ---- the translation state -------------------------------------------------- */

enum { K_PC, K_STUB, K_TABLE, K_CALL };
enum { STUB_PROPAGATE, STUB_UNREACHABLE, STUB_MEMORY_OOB, STUB_STACK, NSTUBS };

typedef struct fixup {
    uint32_t at;                 /* where the 32-bit displacement is */
    uint32_t target;             /* instruction word, stub or function index */
    uint32_t base;               /* K_TABLE: the table's start; else at + 4 */
    uint8_t kind;
} fixup;

typedef struct jit {
    buf b;
    const wasm_module *m;
    fixup *fix;                  /* this function's (K_PC, K_STUB, K_TABLE) */
    size_t nfix, capfix;
    fixup *calls;                /* the module's (K_CALL), patched at the end */
    size_t ncalls, capcalls;
    uint32_t *at;                /* per instruction word: machine code offset, or UINT32_MAX */
    uint8_t *label;              /* per instruction word: a branch target */
    uint32_t stub[NSTUBS];
    bool failed;
} jit;

static void add_fix(jit *j, fixup **list, size_t *n, size_t *cap, fixup f)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        fixup *p = realloc(*list, nc * sizeof *p);
        if (!p) {
            j->failed = true;
            return;
        }
        *list = p;
        *cap = nc;
    }
    (*list)[(*n)++] = f;
}

static void fix_pc(jit *j, size_t at, uint32_t pc)
{
    add_fix(j, &j->fix, &j->nfix, &j->capfix, (fixup){ (uint32_t)at, pc, (uint32_t)at + 4, K_PC });
}

static void jcc_stub(jit *j, int cc, int stub)
{
    size_t at = jcc_open(&j->b, cc);
    add_fix(j, &j->fix, &j->nfix, &j->capfix, (fixup){ (uint32_t)at, (uint32_t)stub, (uint32_t)at + 4, K_STUB });
}

static void jmp_stub(jit *j, int stub)
{
    size_t at = jmp_open(&j->b);
    add_fix(j, &j->fix, &j->nfix, &j->capfix, (fixup){ (uint32_t)at, (uint32_t)stub, (uint32_t)at + 4, K_STUB });
}

/* eax holds a trap: pass it up when nonzero. */
static void check_trap(jit *j)
{
    test32(&j->b, RAX);
    jcc_stub(j, CC_NE, STUB_PROPAGATE);
}

/* ---- polls and branches --------------------------------------------------- */

/* The poll budget lives in ebp (a register: a countdown in memory would chain
 * every call and back-edge through a store-to-load forwarding). */
static void emit_poll(jit *j)
{
    buf *b = &j->b;
    rm_reg(b, W32, 0x83, 5, RBP);                /* sub ebp, 1 */
    b1(b, 1);
    size_t skip = jcc_open(b, CC_NE);
    mov_rr(b, RDI, R14);
    call_abs(b, (const void *)wasm_jit_poll);
    check_trap(j);
    rm_mem(b, W32, 0x8b, RBP, R14, NOREG, offsetof(jit_ctx, budget));   /* the budget it set */
    bind_here(b, skip);
}

/* Jump by disp words from the instruction at pc; backward jumps poll first. */
static void emit_jump(jit *j, uint32_t pc, int32_t disp)
{
    if (disp <= 0) emit_poll(j);
    fix_pc(j, jmp_open(&j->b), pc + (uint32_t)disp);
}

/* Jump by disp words when the flags say cc. */
static void emit_branch_if(jit *j, uint32_t pc, int32_t disp, int cc)
{
    if (disp > 0) {
        fix_pc(j, jcc_open(&j->b, cc), pc + (uint32_t)disp);
        return;
    }
    size_t skip = jcc_open(&j->b, cc ^ 1);
    emit_jump(j, pc, disp);
    bind_here(&j->b, skip);
}

/* ---- memory ------------------------------------------------------------------- */

enum { FORM_PLAIN, FORM_ADD, FORM_IDX, FORM_ABS };

/*
 * Computes the address of a memory operand into rax (as a 64-bit value below
 * 2^33) and checks that n bytes from it, plus the returned displacement, fit
 * in memory.  `o` are the operands after the operation word; *used is set to
 * how many the form takes.
 */
static int32_t emit_address(jit *j, int form, const uint32_t *o, uint32_t n, uint32_t *used)
{
    buf *b = &j->b;
    uint32_t offset;
    switch (form) {
    case FORM_PLAIN:
        ld32(b, RAX, o[0]);
        offset = o[1];
        *used = 2;
        break;
    case FORM_ADD:
        ld32(b, RAX, o[0]);
        rm_reg(b, W32, 0x81, 0, RAX);            /* add eax, imm32 (wraps at 32 bits) */
        b4(b, o[1]);
        offset = o[2];
        *used = 3;
        break;
    case FORM_IDX:
        ld32(b, RAX, o[0]);
        rm_mem(b, W32, 0x03, RAX, RBX, NOREG, SLOT(o[1]));   /* add eax, [slot] */
        offset = o[2];
        *used = 3;
        break;
    default:                                     /* FORM_ABS */
        mov_imm(b, RAX, o[0]);
        offset = o[1];
        *used = 2;
        break;
    }
    int32_t disp = (int32_t)offset;
    if (offset > 0x7fffff00u) {                  /* too large for a displacement: add it */
        mov_imm(b, RCX, offset);
        rm_reg(b, W64, 0x03, RAX, RCX);
        disp = 0;
    }
    rm_mem(b, W64, 0x8d, RCX, RAX, NOREG, disp + (int32_t)n);   /* lea rcx, [rax + disp + n] */
    rm_reg(b, W64, 0x3b, RCX, R13);                             /* cmp rcx, r13 */
    jcc_stub(j, CC_A, STUB_MEMORY_OOB);
    return disp;
}

/* Loads n bytes at [r12 + rax + disp] into edx/rdx, extended as the operator says. */
static void emit_load_value(buf *b, uint32_t n, bool sign, bool wide, int32_t disp)
{
    int w = wide ? W64 : W32;
    switch (n) {
    case 1: rm_mem(b, sign ? w : W32, sign ? 0x0fbe : 0x0fb6, RDX, R12, RAX, disp); break;
    case 2: rm_mem(b, sign ? w : W32, sign ? 0x0fbf : 0x0fb7, RDX, R12, RAX, disp); break;
    case 4:
        if (sign && wide) rm_mem(b, W64, 0x63, RDX, R12, RAX, disp);   /* movsxd */
        else rm_mem(b, W32, 0x8b, RDX, R12, RAX, disp);
        break;
    default: rm_mem(b, W64, 0x8b, RDX, R12, RAX, disp); break;
    }
}

static void emit_load(jit *j, int form, const uint32_t *ip, uint32_t n, bool sign, bool wide)
{
    uint32_t used;
    int32_t disp = emit_address(j, form, ip + 1, n, &used);
    emit_load_value(&j->b, n, sign, wide, disp);
    st64(&j->b, ip[1 + used], RDX);
}

/* Marks the granules of [rax + disp, rax + disp + n) in the dirty map. */
static void emit_mark_dirty(buf *b, int32_t disp, uint32_t n)
{
    int32_t ends[2] = { disp, disp + (int32_t)n - 1 };
    for (int k = 0; k < (n > 1 ? 2 : 1); k++) {
        rm_mem(b, W64, 0x8d, RCX, RAX, NOREG, ends[k]);   /* lea rcx, [rax + end] */
        rm_reg(b, W64, 0xc1, 5, RCX);                     /* shr rcx, 12 */
        b1(b, WASM_DIRTY_SHIFT);
        rm_mem(b, W32, 0xc6, 0, R15, RCX, 0);             /* mov byte [r15 + rcx], 1 */
        b1(b, 1);
    }
}

static void emit_store(jit *j, int form, const uint32_t *ip, uint32_t n)
{
    buf *b = &j->b;
    uint32_t used;
    int32_t disp = emit_address(j, form, ip + 1, n, &used);
    ld64(b, RDX, ip[1 + used]);
    switch (n) {
    case 1: rm_mem(b, W32, 0x88, RDX, R12, RAX, disp); break;
    case 2: rm_mem(b, W16, 0x89, RDX, R12, RAX, disp); break;
    case 4: rm_mem(b, W32, 0x89, RDX, R12, RAX, disp); break;
    default: rm_mem(b, W64, 0x89, RDX, R12, RAX, disp); break;
    }
    emit_mark_dirty(b, disp, n);
}

static void emit_store_const(jit *j, const uint32_t *ip, uint32_t n)
{
    buf *b = &j->b;
    uint32_t used;
    int32_t disp = emit_address(j, FORM_PLAIN, ip + 1, n, &used);
    if (n == 1) {
        rm_mem(b, W32, 0xc6, 0, R12, RAX, disp);
        b1(b, ip[3] & 0xff);
    } else {
        rm_mem(b, W32, 0xc7, 0, R12, RAX, disp);
        b4(b, ip[3]);
    }
    emit_mark_dirty(b, disp, n);
}

/* br_if_/br_unless_ of a loaded value. */
static void emit_branch_on_load(jit *j, uint32_t pc, const uint32_t *ip, int form, uint32_t n, bool when)
{
    uint32_t used;
    int32_t disp = emit_address(j, form, ip + 1, n, &used);
    emit_load_value(&j->b, n, false, false, disp);
    test32(&j->b, RDX);
    emit_branch_if(j, pc, (int32_t)ip[1 + used], when ? CC_NE : CC_E);
}

/* ---- integer operators ---------------------------------------------------- */

static uint64_t imm_of(const uint32_t *w, int width) { return width == W64 ? IMM_I64(w) : w[0]; }

/* rax = a; then `op rax, b` (ALU opcode for the register form, /digit for immediates). */
static void emit_alu(jit *j, const uint32_t *ip, int w, unsigned opc, int digit, bool ri)
{
    buf *b = &j->b;
    ld(b, w, RAX, ip[1]);
    if (!ri) {
        rm_mem(b, w, opc, RAX, RBX, NOREG, SLOT(ip[2]));
        st64(b, ip[3], RAX);
        return;
    }
    uint64_t k = imm_of(ip + 3, w);
    if (w == W32 || (int64_t)k == (int32_t)k) {
        rm_reg(b, w, 0x81, digit, RAX);
        b4(b, (uint32_t)k);
    } else {
        mov_imm(b, RCX, k);
        rm_reg(b, w, opc, RAX, RCX);
    }
    st64(b, ip[2], RAX);
}

static void emit_mul(jit *j, const uint32_t *ip, int w, bool ri)
{
    buf *b = &j->b;
    ld(b, w, RAX, ip[1]);
    if (!ri) {
        rm_mem(b, w, 0x0faf, RAX, RBX, NOREG, SLOT(ip[2]));
        st64(b, ip[3], RAX);
        return;
    }
    uint64_t k = imm_of(ip + 3, w);
    if (w == W32 || (int64_t)k == (int32_t)k) {
        rm_reg(b, w, 0x69, RAX, RAX);            /* imul rax, rax, imm32 */
        b4(b, (uint32_t)k);
    } else {
        mov_imm(b, RCX, k);
        rm_reg(b, w, 0x0faf, RAX, RCX);
    }
    st64(b, ip[2], RAX);
}

/* Shifts and rotates: the machine masks the count as wasm does (31 or 63). */
static void emit_shift(jit *j, const uint32_t *ip, int w, int digit, bool ri)
{
    buf *b = &j->b;
    ld(b, w, RAX, ip[1]);
    if (!ri) {
        ld32(b, RCX, ip[2]);
        rm_reg(b, w, 0xd3, digit, RAX);
        st64(b, ip[3], RAX);
        return;
    }
    rm_reg(b, w, 0xc1, digit, RAX);
    b1(b, ip[3] & (w == W64 ? 63 : 31));
    st64(b, ip[2], RAX);
}

/* Sets the flags for `a cmp b` with b a slot or a sign-extended 32-bit immediate. */
static void emit_cmp(jit *j, int w, uint32_t a, bool ri, uint32_t b_operand)
{
    buf *b = &j->b;
    ld(b, w, RAX, a);
    if (ri) {
        rm_reg(b, w, 0x81, 7, RAX);
        b4(b, b_operand);
    } else {
        rm_mem(b, w, 0x3b, RAX, RBX, NOREG, SLOT(b_operand));
    }
}

/* A comparison's 0/1 from the flags into slot `to`. */
static void emit_setcc(jit *j, int cc, uint32_t to)
{
    buf *b = &j->b;
    rm_reg(b, W32, 0x0f90 + (unsigned)cc, 0, RAX);   /* setcc al */
    rm_reg(b, W32, 0x0fb6, RAX, RAX);                /* movzx eax, al */
    st64(b, to, RAX);
}

/* A comparison with an immediate that does not fit a sign-extended 32 bits. */
static bool cmp_imm_fits(int w, uint64_t k) { return w == W32 || (int64_t)k == (int32_t)k; }

static void emit_compare(jit *j, const uint32_t *ip, int w, int cc, bool ri)
{
    if (!ri) {
        emit_cmp(j, w, ip[1], false, ip[2]);
        emit_setcc(j, cc, ip[3]);
        return;
    }
    uint64_t k = imm_of(ip + 3, w);
    if (cmp_imm_fits(w, k)) {
        emit_cmp(j, w, ip[1], true, (uint32_t)k);
    } else {
        ld(&j->b, w, RAX, ip[1]);
        mov_imm(&j->b, RCX, k);
        rm_reg(&j->b, w, 0x3b, RAX, RCX);
    }
    emit_setcc(j, cc, ip[2]);
}

/* ---- calls -------------------------------------------------------------------- */

static void reload_mem_size(jit *j)
{
    if (j->m->nmems) rm_mem(&j->b, W64, 0x8b, R13, R14, NOREG, offsetof(jit_ctx, mem_size));
}

static void emit_call(jit *j, const uint32_t *ip)
{
    buf *b = &j->b;
    rm_mem(b, W64, 0x8d, RAX, RBX, NOREG, SLOT(ip[2]));   /* lea rax, [rbx + args] */
    b1(b, 0xe8);
    b4(b, 0);
    add_fix(j, &j->calls, &j->ncalls, &j->capcalls, (fixup){ (uint32_t)b->len - 4, ip[1], (uint32_t)b->len, K_CALL });
    check_trap(j);
}

static void emit_call_import(jit *j, const uint32_t *ip)
{
    buf *b = &j->b;
    mov_rr(b, RDI, R14);
    mov_imm(b, RSI, ip[1]);
    rm_mem(b, W64, 0x8d, RDX, RBX, NOREG, SLOT(ip[2]));
    call_abs(b, (const void *)wasm_jit_call_import);
    reload_mem_size(j);
    check_trap(j);
}

static void emit_call_indirect(jit *j, const uint32_t *ip)
{
    buf *b = &j->b;
    mov_rr(b, RDI, R14);
    mov_imm(b, RSI, (uint64_t)(uintptr_t)ip);
    mov_rr(b, RDX, RBX);
    call_abs(b, (const void *)wasm_jit_call_indirect);
    test64(b, RAX);
    size_t slow = jcc_open(b, CC_E);
    mov_rr(b, RCX, RAX);
    rm_mem(b, W64, 0x8d, RAX, RBX, NOREG, SLOT(ip[4]));
    rm_reg(b, W32, 0xff, 2, RCX);                /* call rcx */
    size_t done = jmp_open(b);
    bind_here(b, slow);
    rm_mem(b, W32, 0x8b, RAX, R14, NOREG, offsetof(jit_ctx, trap));
    reload_mem_size(j);
    bind_here(b, done);
    check_trap(j);
}

/* An operator done by its jit_ops.c function. */
static void emit_out_of_line(jit *j, int op, const uint32_t *ip)
{
    buf *b = &j->b;
    mov_rr(b, RDI, R14);
    mov_rr(b, RSI, RBX);
    mov_imm(b, RDX, (uint64_t)(uintptr_t)ip);
    call_abs(b, (const void *)wasm_jit_ops[op]);
    if (op == OP_memory_grow) reload_mem_size(j);
    check_trap(j);
}

static void emit_br_table(jit *j, uint32_t pc, const uint32_t *ip)
{
    buf *b = &j->b;
    uint32_t n = ip[2];
    for (uint32_t i = 0; i <= n; i++)
        if ((int32_t)ip[3 + i] <= 0) {
            emit_poll(j);                        /* some target is a loop: poll on every use */
            break;
        }
    ld32(b, RAX, ip[1]);
    mov_imm(b, RCX, n);
    rm_reg(b, W32, 0x3b, RAX, RCX);             /* cmp eax, ecx */
    rm_reg(b, W32, 0x0f47, RAX, RCX);           /* cmova eax, ecx: i < n ? i : n */
    rm_mem(b, W64, 0x8d, RCX, RIP, NOREG, 0);   /* lea rcx, [rip + table] */
    size_t lea_at = b->len - 4;
    rm_mem(b, W64, 0x63, RAX, RCX, RAX, 0);     /* movsxd rax, [rcx + rax*4] ... */
    if (!b->oom) b->p[b->len - 1] |= 0x80;       /* ... scale 4 in the SIB byte */
    rm_reg(b, W64, 0x03, RAX, RCX);             /* add rax, rcx */
    rm_reg(b, W32, 0xff, 4, RAX);               /* jmp rax */
    while (b->len % 4) b1(b, 0xcc);
    size_t table = b->len;
    put4(b, lea_at, (uint32_t)(table - (lea_at + 4)));
    for (uint32_t i = 0; i <= n; i++) {
        b4(b, 0);
        add_fix(j, &j->fix, &j->nfix, &j->capfix,
                (fixup){ (uint32_t)(b->len - 4), pc + ip[3 + i], (uint32_t)table, K_TABLE });
    }
}

/* ---- one instruction ---------------------------------------------------------- */

#define IS_SIGNED(t) ((t)-1 < (t)1)

/* Words of each instruction but br_table (its length depends on its count). */
static const uint8_t op_words[OP_COUNT] = {
#define UN_(name, opcode, in, out, stmt) [OP_##name] = 3,
#define BIN_(name, opcode, in, out, stmt) [OP_##name] = 4, [OP_##name##_ri] = 3 + IMMW_##in,
#define LOAD_(name, opcode, align, type, ctype) [OP_##name] = 4, [OP_##name##_add] = 5, \
                                                [OP_##name##_idx] = 5, [OP_##name##_abs] = 4,
#define STORE_(name, opcode, align, type, ctype) [OP_##name] = 4, [OP_##name##_add] = 5,
#define BR_(name, neg, type, cond) [OP_br_##name] = 4, [OP_br_##name##_ri] = 4,
    WASM_UNOPS(UN_) WASM_SAT_UNOPS(UN_) WASM_BINOPS(BIN_) WASM_LOADS(LOAD_) WASM_STORES(STORE_)
    WASM_CMP_FUSED(BR_)
#undef UN_
#undef BIN_
#undef LOAD_
#undef STORE_
#undef BR_
    [OP_unreachable] = 1, [OP_ret] = 1,
    [OP_br] = 2, [OP_ret1] = 2, [OP_memory_size] = 2, [OP_elem_drop] = 2, [OP_data_drop] = 2,
    [OP_br_if] = 3, [OP_br_unless] = 3, [OP_br_if64] = 3, [OP_br_unless64] = 3,
    [OP_copy] = 3, [OP_const32] = 3, [OP_global_get] = 3, [OP_global_set] = 3, [OP_memory_grow] = 3,
    [OP_call] = 3, [OP_call_import] = 3, [OP_ref_func] = 3, [OP_table_size] = 3,
    [OP_br_if_i32_load] = 4, [OP_br_unless_i32_load] = 4, [OP_const64] = 4,
    [OP_i32_store_k] = 4, [OP_i32_store8_k] = 4, [OP_table_get] = 4, [OP_table_set] = 4,
    [OP_memory_copy] = 4, [OP_memory_fill] = 4,
    [OP_br_if_i32_load_add] = 5, [OP_br_unless_i32_load_add] = 5,
    [OP_br_if_i32_load8_u_add] = 5, [OP_br_unless_i32_load8_u_add] = 5,
    [OP_select] = 5, [OP_call_indirect] = 5, [OP_table_grow] = 5, [OP_table_fill] = 5,
    [OP_memory_init] = 5,
    [OP_i64_and_and_ri] = 6, [OP_table_copy] = 6, [OP_table_init] = 6,
    [OP_i64_xor_add_ri] = 7,
};

static void emit_global(jit *j, uint32_t index, uint32_t slot, bool set)
{
    buf *b = &j->b;
    rm_mem(b, W64, 0x8b, RAX, R14, NOREG, offsetof(jit_ctx, globals));
    rm_mem(b, W64, 0x8b, RAX, RAX, NOREG, SLOT(index));
    if (set) {
        ld64(b, RCX, slot);
        rm_mem(b, W64, 0x89, RCX, RAX, NOREG, offsetof(wasm_global, value));
    } else {
        rm_mem(b, W64, 0x8b, RAX, RAX, NOREG, offsetof(wasm_global, value));
        st64(b, slot, RAX);
    }
}

/* Unary operators the machine does in one instruction: a load with an extension. */
static bool emit_unary(jit *j, int op, const uint32_t *ip)
{
    buf *b = &j->b;
    switch (op) {
    case OP_i32_eqz: case OP_i64_eqz:
        ld(b, op == OP_i64_eqz ? W64 : W32, RAX, ip[1]);
        rm_reg(b, op == OP_i64_eqz ? W64 : W32, 0x85, RAX, RAX);
        emit_setcc(j, CC_E, ip[2]);
        return true;
    case OP_i32_wrap_i64: case OP_i64_extend_i32_u:
    case OP_i32_reinterpret_f32: case OP_f32_reinterpret_i32:
        ld32(b, RAX, ip[1]);
        break;
    case OP_i64_reinterpret_f64: case OP_f64_reinterpret_i64:
        ld64(b, RAX, ip[1]);
        break;
    case OP_i64_extend_i32_s: case OP_i64_extend32_s:
        rm_mem(b, W64, 0x63, RAX, RBX, NOREG, SLOT(ip[1]));
        break;
    case OP_i32_ctz: case OP_i64_ctz: case OP_i32_clz: case OP_i64_clz: {
        /* bsf/bsr leave ZF set on zero, when the answer is the width */
        int w = op == OP_i64_ctz || op == OP_i64_clz ? W64 : W32, bits = w == W64 ? 64 : 32;
        bool ctz = op == OP_i32_ctz || op == OP_i64_ctz;
        mov_imm(b, RCX, ctz ? bits : 2 * bits - 1);
        rm_mem(b, w, ctz ? 0x0fbc : 0x0fbd, RAX, RBX, NOREG, SLOT(ip[1]));
        rm_reg(b, w, 0x0f44, RAX, RCX);          /* cmovz */
        if (!ctz) {                              /* clz = (bits - 1) ^ bsr; zero: (2 bits - 1) ^ (bits - 1) */
            rm_reg(b, w, 0x83, 6, RAX);
            b1(b, bits - 1);
        }
        break;
    }
    case OP_i32_extend8_s: rm_mem(b, W32, 0x0fbe, RAX, RBX, NOREG, SLOT(ip[1])); break;
    case OP_i32_extend16_s: rm_mem(b, W32, 0x0fbf, RAX, RBX, NOREG, SLOT(ip[1])); break;
    case OP_i64_extend8_s: rm_mem(b, W64, 0x0fbe, RAX, RBX, NOREG, SLOT(ip[1])); break;
    case OP_i64_extend16_s: rm_mem(b, W64, 0x0fbf, RAX, RBX, NOREG, SLOT(ip[1])); break;
    default:
        return false;
    }
    st64(b, ip[2], RAX);
    return true;
}

static void emit_select(jit *j, const uint32_t *ip)
{
    buf *b = &j->b;
    ld64(b, RCX, ip[1]);
    ld64(b, RDX, ip[2]);
    ld32(b, RAX, ip[3]);
    test32(b, RAX);
    rm_reg(b, W64, 0x0f44, RCX, RDX);            /* cmove rcx, rdx */
    st64(b, ip[4], RCX);
}

static void emit_const32(jit *j, const uint32_t *ip)
{
    buf *b = &j->b;
    if (ip[2] < 0x80000000u) {                   /* mov qword [slot], simm32 */
        rm_mem(b, W64, 0xc7, 0, RBX, NOREG, SLOT(ip[1]));
        b4(b, ip[2]);
    } else {
        mov_imm(b, RAX, ip[2]);
        st64(b, ip[1], RAX);
    }
}

static void emit_swar(jit *j, int op, const uint32_t *ip)
{
    buf *b = &j->b;
    ld64(b, RAX, ip[1]);
    if (op == OP_i64_xor_add_ri) {               /* (a ^ k1) + k2 */
        mov_imm(b, RCX, IMM_I64(ip + 3));
        rm_reg(b, W64, 0x33, RAX, RCX);
        mov_imm(b, RCX, IMM_I64(ip + 5));
        rm_reg(b, W64, 0x03, RAX, RCX);
        st64(b, ip[2], RAX);
    } else {                                     /* (a & b) & k */
        rm_mem(b, W64, 0x23, RAX, RBX, NOREG, SLOT(ip[2]));
        mov_imm(b, RCX, IMM_I64(ip + 4));
        rm_reg(b, W64, 0x23, RAX, RCX);
        st64(b, ip[3], RAX);
    }
}

#define ALU_CASES(X) \
    X(i32_add, W32, 0x03, 0) X(i32_sub, W32, 0x2b, 5) X(i32_and, W32, 0x23, 4) \
    X(i32_or, W32, 0x0b, 1) X(i32_xor, W32, 0x33, 6) \
    X(i64_add, W64, 0x03, 0) X(i64_sub, W64, 0x2b, 5) X(i64_and, W64, 0x23, 4) \
    X(i64_or, W64, 0x0b, 1) X(i64_xor, W64, 0x33, 6)
#define SHIFT_CASES(X) \
    X(i32_shl, W32, 4) X(i32_shr_u, W32, 5) X(i32_shr_s, W32, 7) X(i32_rotl, W32, 0) X(i32_rotr, W32, 1) \
    X(i64_shl, W64, 4) X(i64_shr_u, W64, 5) X(i64_shr_s, W64, 7) X(i64_rotl, W64, 0) X(i64_rotr, W64, 1)
#define CMP_KINDS(X) \
    X(eq, E) X(ne, NE) X(lt_s, L) X(lt_u, B) X(gt_s, G) X(gt_u, A) X(le_s, LE) X(le_u, BE) \
    X(ge_s, GE) X(ge_u, AE)

static void emit_instr(jit *j, int op, const uint32_t *ip, uint32_t pc)
{
    buf *b = &j->b;
    switch (op) {
    case OP_unreachable: jmp_stub(j, STUB_UNREACHABLE); return;
    case OP_br: emit_jump(j, pc, (int32_t)ip[1]); return;
    case OP_br_if: case OP_br_unless:
        ld32(b, RAX, ip[1]);
        test32(b, RAX);
        emit_branch_if(j, pc, (int32_t)ip[2], op == OP_br_if ? CC_NE : CC_E);
        return;
    case OP_br_if64: case OP_br_unless64:
        ld64(b, RAX, ip[1]);
        test64(b, RAX);
        emit_branch_if(j, pc, (int32_t)ip[2], op == OP_br_if64 ? CC_NE : CC_E);
        return;
    case OP_br_table: emit_br_table(j, pc, ip); return;
    case OP_br_if_i32_load: case OP_br_unless_i32_load:
        emit_branch_on_load(j, pc, ip, FORM_PLAIN, 4, op == OP_br_if_i32_load);
        return;
    case OP_br_if_i32_load_add: case OP_br_unless_i32_load_add:
        emit_branch_on_load(j, pc, ip, FORM_ADD, 4, op == OP_br_if_i32_load_add);
        return;
    case OP_br_if_i32_load8_u_add: case OP_br_unless_i32_load8_u_add:
        emit_branch_on_load(j, pc, ip, FORM_ADD, 1, op == OP_br_if_i32_load8_u_add);
        return;
    case OP_copy: ld64(b, RAX, ip[1]); st64(b, ip[2], RAX); return;
    case OP_const32: emit_const32(j, ip); return;
    case OP_const64: mov_imm(b, RAX, IMM_I64(ip + 2)); st64(b, ip[1], RAX); return;
    case OP_select: emit_select(j, ip); return;
    case OP_i32_store_k: emit_store_const(j, ip, 4); return;
    case OP_i32_store8_k: emit_store_const(j, ip, 1); return;
    case OP_i64_xor_add_ri: case OP_i64_and_and_ri: emit_swar(j, op, ip); return;
    case OP_global_get: emit_global(j, ip[1], ip[2], false); return;
    case OP_global_set: emit_global(j, ip[1], ip[2], true); return;
    case OP_call: emit_call(j, ip); return;
    case OP_call_import: emit_call_import(j, ip); return;
    case OP_call_indirect: emit_call_indirect(j, ip); return;
    case OP_ret1: ld64(b, RAX, ip[1]); st64(b, 0, RAX); /* fall through */
    case OP_ret: rm_reg(b, W32, 0x33, RAX, RAX); pop_rbx_ret(b); return;
    case OP_i32_mul: case OP_i64_mul: emit_mul(j, ip, op == OP_i64_mul ? W64 : W32, false); return;
    case OP_i32_mul_ri: case OP_i64_mul_ri: emit_mul(j, ip, op == OP_i64_mul_ri ? W64 : W32, true); return;
#define ALU_(name, w, opc, digit) \
    case OP_##name: emit_alu(j, ip, w, opc, digit, false); return; \
    case OP_##name##_ri: emit_alu(j, ip, w, opc, digit, true); return;
    ALU_CASES(ALU_)
#undef ALU_
#define SHIFT_(name, w, digit) \
    case OP_##name: emit_shift(j, ip, w, digit, false); return; \
    case OP_##name##_ri: emit_shift(j, ip, w, digit, true); return;
    SHIFT_CASES(SHIFT_)
#undef SHIFT_
#define CMP_(kind, cc) \
    case OP_i32_##kind: emit_compare(j, ip, W32, CC_##cc, false); return; \
    case OP_i32_##kind##_ri: emit_compare(j, ip, W32, CC_##cc, true); return; \
    case OP_i64_##kind: emit_compare(j, ip, W64, CC_##cc, false); return; \
    case OP_i64_##kind##_ri: emit_compare(j, ip, W64, CC_##cc, true); return; \
    case OP_br_i32_##kind: case OP_br_i32_##kind##_ri: \
        emit_cmp(j, W32, ip[1], op == OP_br_i32_##kind##_ri, ip[2]); \
        emit_branch_if(j, pc, (int32_t)ip[3], CC_##cc); \
        return; \
    case OP_br_i64_##kind: case OP_br_i64_##kind##_ri: \
        emit_cmp(j, W64, ip[1], op == OP_br_i64_##kind##_ri, ip[2]); \
        emit_branch_if(j, pc, (int32_t)ip[3], CC_##cc); \
        return;
    CMP_KINDS(CMP_)
#undef CMP_
#define LOAD_(name, opcode, align, type, ctype) \
    case OP_##name: case OP_##name##_add: case OP_##name##_idx: case OP_##name##_abs: \
        emit_load(j, op - OP_##name, ip, sizeof(ctype), IS_SIGNED(ctype), sizeof(CT_##type) == 8); \
        return;
    WASM_LOADS(LOAD_)
#undef LOAD_
#define STORE_(name, opcode, align, type, ctype) \
    case OP_##name: case OP_##name##_add: emit_store(j, op - OP_##name, ip, sizeof(ctype)); return;
    WASM_STORES(STORE_)
#undef STORE_
    default:
        if (emit_unary(j, op, ip)) return;
        if (wasm_jit_ops[op]) {
            emit_out_of_line(j, op, ip);
            return;
        }
        j->failed = true;
    }
}

/* ---- functions and the module -------------------------------------------------- */

typedef struct handler_op { int32_t offset; int op; } handler_op;

static handler_op by_offset[OP_COUNT];
static bool offsets_unique;
static pthread_once_t by_offset_once = PTHREAD_ONCE_INIT;

static int cmp_handler(const void *x, const void *y)
{
    int32_t a = ((const handler_op *)x)->offset, b = ((const handler_op *)y)->offset;
    return a < b ? -1 : a > b;
}

/* The operation of an instruction word (handler offsets back to operations). */
static void build_by_offset(void)
{
    const int32_t *h = wasm_interp_handlers();
    for (int op = 0; op < OP_COUNT; op++) by_offset[op] = (handler_op){ h[op], op };
    qsort(by_offset, OP_COUNT, sizeof *by_offset, cmp_handler);
    offsets_unique = true;
    for (int i = 1; i < OP_COUNT; i++)
        if (by_offset[i].offset == by_offset[i - 1].offset) offsets_unique = false;
}

static int op_of(uint32_t word)
{
    handler_op key = { (int32_t)word, 0 };
    const handler_op *hit = bsearch(&key, by_offset, OP_COUNT, sizeof *by_offset, cmp_handler);
    return hit ? hit->op : -1;
}

/* Declared locals start at zero: 16 bytes a store up to 64 of them (rep stos
 * costs tens of cycles to start, and compilers' functions often have 10-30). */
static void emit_zero_locals(buf *b, uint32_t first, uint32_t n)
{
    if (!n) return;
    if (n > 64) {
        rm_mem(b, W64, 0x8d, RDI, RBX, NOREG, SLOT(first));
        mov_imm(b, RCX, n);
        rm_reg(b, W32, 0x33, RAX, RAX);
        b1(b, 0xf3); b1(b, 0x48); b1(b, 0xab);                    /* rep stosq */
        return;
    }
    rm_reg(b, W32, 0x0f57, 0, 0);                                 /* xorps xmm0, xmm0 */
    uint32_t i = 0;
    for (; i + 2 <= n; i += 2) rm_mem(b, W32, 0x0f11, 0, RBX, NOREG, SLOT(first + i));   /* movups */
    if (i < n) rm_mem(b, W16, 0x0fd6, 0, RBX, NOREG, SLOT(first + i));   /* movq [slot], xmm0 */
}

static void emit_prologue(jit *j, const wasm_code *code)
{
    buf *b = &j->b;
    b1(b, 0x53);                                                  /* push rbx */
    mov_rr(b, RBX, RAX);
    rm_mem(b, W64, 0x8d, RCX, RBX, NOREG, SLOT(code->frame_slots));
    rm_mem(b, W64, 0x3b, RCX, R14, NOREG, offsetof(jit_ctx, stack_end));
    jcc_stub(j, CC_A, STUB_STACK);
    rm_mem(b, W64, 0x3b, RSP, R14, NOREG, offsetof(jit_ctx, stack_limit));
    jcc_stub(j, CC_B, STUB_STACK);
    emit_zero_locals(b, code->nparams, code->nlocals);
    emit_poll(j);
}

static void emit_stubs(jit *j)
{
    static const wasm_trap traps[NSTUBS] = {
        [STUB_UNREACHABLE] = WASM_TRAP_UNREACHABLE, [STUB_MEMORY_OOB] = WASM_TRAP_MEMORY_OOB,
        [STUB_STACK] = WASM_TRAP_STACK_EXHAUSTED,
    };
    for (int s = 0; s < NSTUBS; s++) {
        j->stub[s] = (uint32_t)j->b.len;
        if (s != STUB_PROPAGATE) mov_imm(&j->b, RAX, (uint64_t)traps[s]);
        pop_rbx_ret(&j->b);
    }
}

/* Words of the instruction at ip (op its operation), or 0 when it does not fit in len. */
static uint32_t instr_words(int op, const uint32_t *ip, uint32_t left)
{
    uint32_t n = op < 0 ? 0 : op == OP_br_table ? (left > 2 && ip[2] < left ? 4 + ip[2] : 0) : op_words[op];
    return n <= left ? n : 0;
}

/* Where the branch of the instruction at ip keeps its displacement (0: not a branch). */
static int disp_word(int op)
{
    switch (op) {
    case OP_br: return 1;
    case OP_br_if: case OP_br_unless: case OP_br_if64: case OP_br_unless64: return 2;
    case OP_br_if_i32_load: case OP_br_unless_i32_load: return 3;
    case OP_br_if_i32_load_add: case OP_br_unless_i32_load_add:
    case OP_br_if_i32_load8_u_add: case OP_br_unless_i32_load8_u_add: return 4;
#define BR_(name, neg, type, cond) case OP_br_##name: case OP_br_##name##_ri: return 3;
    WASM_CMP_FUSED(BR_)
#undef BR_
    default: return 0;
    }
}

/* Marks every instruction word some branch reaches: there, no register is known. */
static void mark_labels(jit *j, const wasm_code *code)
{
    memset(j->label, 0, code->len);
    for (uint32_t pc = 0, n; pc < code->len; pc += n) {
        const uint32_t *ip = code->words + pc;
        int op = op_of(ip[0]);
        if (!(n = instr_words(op, ip, code->len - pc))) return;   /* translate() fails it */
        int d = disp_word(op);
        if (d && pc + ip[d] < code->len) j->label[pc + ip[d]] = 1;
        for (uint32_t i = 0; op == OP_br_table && i <= ip[2]; i++)
            if (pc + ip[3 + i] < code->len) j->label[pc + ip[3 + i]] = 1;
    }
}

static void translate(jit *j, const wasm_code *code)
{
    j->nfix = 0;
    for (uint32_t i = 0; i < code->len; i++) j->at[i] = UINT32_MAX;
    mark_labels(j, code);
    emit_prologue(j, code);
    uint32_t pc = 0;
    while (pc < code->len && !j->failed) {
        const uint32_t *ip = code->words + pc;
        int op = op_of(ip[0]);
        uint32_t n = instr_words(op, ip, code->len - pc);
        if (!n) {
            j->failed = true;
            break;
        }
        if (j->label[pc]) forget_cached(&j->b);
        j->at[pc] = (uint32_t)j->b.len;
        emit_instr(j, op, ip, pc);
        pc += n;
    }
    /* Falling off the end cannot happen (compile.c ends every body with a
     * return), but a stray jump past it would run the stubs: trap instead. */
    jmp_stub(j, STUB_UNREACHABLE);
    emit_stubs(j);
    for (size_t i = 0; i < j->nfix && !j->failed; i++) {
        fixup f = j->fix[i];
        uint32_t to;
        if (f.kind == K_STUB) to = j->stub[f.target];
        else if (f.target < code->len && j->at[f.target] != UINT32_MAX) to = j->at[f.target];
        else { j->failed = true; break; }
        put4(&j->b, f.at, to - f.base);
    }
}

/* enter(ctx, fp, code): saves the callee-saved registers, loads the fixed ones, calls. */
static void emit_trampoline(buf *b)
{
    b1(b, 0x55);                                                  /* push rbp, rbx, r12..r15 */
    b1(b, 0x53);
    for (int r = R12; r <= R15; r++) { b1(b, 0x41); b1(b, 0x50 + (r & 7)); }
    rm_reg(b, W64, 0x83, 5, RSP);                                 /* sub rsp, 8: aligned calls */
    b1(b, 8);
    mov_rr(b, R14, RDI);
    rm_mem(b, W64, 0x8b, R12, R14, NOREG, offsetof(jit_ctx, mem_base));
    rm_mem(b, W64, 0x8b, R13, R14, NOREG, offsetof(jit_ctx, mem_size));
    rm_mem(b, W64, 0x8b, R15, R14, NOREG, offsetof(jit_ctx, dirty));
    rm_mem(b, W32, 0x8b, RBP, R14, NOREG, offsetof(jit_ctx, budget));
    mov_rr(b, RAX, RSI);
    rm_reg(b, W32, 0xff, 2, RDX);                                 /* call rdx */
    rm_reg(b, W64, 0x83, 0, RSP);                                 /* add rsp, 8 */
    b1(b, 8);
    for (int r = R15; r >= R12; r--) { b1(b, 0x41); b1(b, 0x58 + (r & 7)); }
    b1(b, 0x5b);
    b1(b, 0x5d);
    b1(b, 0xc3);
}

/*
 * With KW_WASM_PERFMAP set, each compiled function is listed in
 * /tmp/perf-PID.map, the file `perf report` reads to name JIT code:
 * "wasm:func<index>" at its machine code (sizes run to the next function).
 */
static void write_perf_map(const wasm_module *m, const uint8_t *region, const uint32_t *func_at, size_t len)
{
    if (!getenv("KW_WASM_PERFMAP")) return;
    char path[64];
    snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
    FILE *f = fopen(path, "a");
    if (!f) return;
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
        size_t end = i + 1 < m->nfuncs ? func_at[i + 1] : len;
        fprintf(f, "%lx %zx wasm:func%u\n", (unsigned long)(uintptr_t)(region + func_at[i]), end - func_at[i], i);
    }
    fclose(f);
}

static bool jit_enabled(void)
{
    const char *tier = getenv("KW_WASM_TIER");
    return !(tier && strcmp(tier, "interp") == 0);
}

int wasm_jit_compile(wasm_module *m)
{
    if (!jit_enabled()) return -1;
    pthread_once(&by_offset_once, build_by_offset);
    if (!offsets_unique) return -1;
    jit j = { .m = m };
    forget_cached(&j.b);
    uint32_t maxlen = 0;
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++)
        if (m->funcs[i].code->len > maxlen) maxlen = m->funcs[i].code->len;
    uint32_t *func_at = calloc(m->nfuncs ? m->nfuncs : 1, sizeof *func_at);
    j.at = malloc((maxlen ? maxlen : 1) * sizeof *j.at);
    j.label = malloc(maxlen ? maxlen : 1);
    if (!func_at || !j.at || !j.label) j.failed = true;
    if (!j.failed) emit_trampoline(&j.b);
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs && !j.failed && !j.b.oom; i++) {
        while (j.b.len % 16) b1(&j.b, 0xcc);
        func_at[i] = (uint32_t)j.b.len;
        translate(&j, m->funcs[i].code);
    }
    if (j.b.len > INT32_MAX) j.failed = true;
    for (size_t i = 0; i < j.ncalls && !j.failed; i++) {
        fixup f = j.calls[i];
        if (f.target < m->nfunc_imports || f.target >= m->nfuncs) j.failed = true;
        else put4(&j.b, f.at, func_at[f.target] - f.base);
    }
    void *region = MAP_FAILED;
    size_t size = (j.b.len + 4095) & ~(size_t)4095;
    if (!j.failed && !j.b.oom && size) {
        region = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (region != MAP_FAILED) {
            memcpy(region, j.b.p, j.b.len);
            if (mprotect(region, size, PROT_READ | PROT_EXEC) < 0) {
                munmap(region, size);
                region = MAP_FAILED;
            }
        }
    }
    if (region != MAP_FAILED) {
        m->jit_region = region;
        m->jit_size = size;
        m->jit_enter = region;
        for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++)
            m->funcs[i].code->native = (const uint8_t *)region + func_at[i];
        write_perf_map(m, region, func_at, j.b.len);
    }
    free(func_at);
    free(j.at);
    free(j.label);
    free(j.fix);
    free(j.calls);
    free(j.b.p);
    return region != MAP_FAILED ? 0 : -1;
}

void wasm_jit_release(wasm_module *m)
{
    if (m->jit_region) munmap(m->jit_region, m->jit_size);
    m->jit_region = NULL;
}

typedef wasm_trap (*jit_enter_fn)(jit_ctx *ctx, uint64_t *fp, const void *code);

/*
 * The lowest address compiled frames may reach on this thread: its stack's
 * end plus room for the C code they call.  A thread with a small stack (an
 * embedder's choice) then gets "call stack exhausted" rather than a crash.
 * Asked of the C library once per thread; 0 when it cannot say.
 */
static uintptr_t thread_stack_floor(void)
{
    static __thread uintptr_t floor;
    static __thread bool known;
    if (!known) {
        pthread_attr_t attr;
        void *addr;
        size_t size;
        if (pthread_getattr_np(pthread_self(), &attr) == 0) {
            if (pthread_attr_getstack(&attr, &addr, &size) == 0) floor = (uintptr_t)addr + JIT_C_MARGIN;
            pthread_attr_destroy(&attr);
        }
        known = true;
    }
    return floor;
}

wasm_trap wasm_jit_call(wasm_instance *root, wasm_instance *inst, const wasm_code *code, uint64_t *fp)
{
    wasm_memory *mem = inst->mem0;
    jit_ctx ctx = {
        .root = root, .inst = inst,
        .mem_base = mem ? mem->base : NULL, .mem_size = mem ? mem->size : 0,
        .dirty = mem ? mem->dirty : NULL, .globals = inst->globals,
        .stack_end = root->stack + root->limits.value_stack_slots,
        /* a flag raised before the call is seen at the first poll */
        .budget = atomic_load_explicit(&root->interrupt, memory_order_relaxed) ? 1 : WASM_POLL_INTERVAL,
    };
    bool outermost = root->jit_stack_limit == 0;
    if (outermost) {
        uint64_t want = (uint64_t)root->limits.max_call_depth * JIT_FRAME_BYTES;
        uintptr_t sp;
        __asm__ volatile("mov %%rsp, %0" : "=r"(sp));   /* the machine stack, even under ASan's fake frames */
        uintptr_t limit = sp - (want < JIT_MAX_STACK ? want : JIT_MAX_STACK), floor = thread_stack_floor();
        root->jit_stack_limit = limit > floor ? limit : floor;
    }
    ctx.stack_limit = root->jit_stack_limit;
    wasm_trap trap = ((jit_enter_fn)inst->module->jit_enter)(&ctx, fp, code->native);
    if (outermost) root->jit_stack_limit = 0;
    return trap;
}

#else   /* not x86-64 Linux: the interpreter runs everything */

int wasm_jit_compile(wasm_module *m) { (void)m; return -1; }
void wasm_jit_release(wasm_module *m) { (void)m; }
wasm_trap wasm_jit_call(wasm_instance *root, wasm_instance *inst, const wasm_code *code, uint64_t *fp)
{
    return wasm_interp_run(root, inst, code, fp);
}

#endif
