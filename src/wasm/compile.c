/*
 * compile.c - validates one function body and translates it, in the same pass,
 * into the interpreter's register-style code (interp_ops.h).
 *
 * Validation follows the algorithm of the spec's appendix: a stack of operand
 * types (with "unknown" for the polymorphic stack after br/return/unreachable)
 * and a stack of control frames.  Each operand entry also says where its value
 * lives at run time:
 *
 *   IN_STACK  its own slot: nlocals_total + its height
 *   IN_LOCAL  a local's slot (local.get emits nothing: consumers read the local)
 *   IN_CONST  a constant not yet written anywhere (binary operators take it as
 *             an immediate; anything else first writes it to its stack slot)
 *
 * Every value is IN_STACK at block boundaries, so all paths into a label agree
 * on where values are.  Only the top LAZY_WINDOW operands may be anything but
 * IN_STACK (a value sinking below is written to its slot), which bounds the
 * scans on local.set and block entry: compile time stays linear.
 *
 * Peepholes rewrite the instruction just emitted when no jump target lies in
 * between: an operator followed by local.set/tee or a single-result return
 * writes straight into the local or result slot; an integer comparison
 * followed by br_if/if becomes one compare-and-branch; an i32.add of a
 * constant followed by a load becomes one load.
 *
 * A first pass (scan_body) only decodes the body, so malformed encodings are
 * reported before type errors, as the spec's decoder does.  Errors longjmp
 * back to wasm_compile_func, which frees everything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "interp_ops.h"

#define MAX_FUNC_LOCALS 50000u      /* parameters + locals: bounds the frame size */
#define MAX_STACK_HEIGHT 100000u
#define MAX_ARITY 1000u             /* parameters or results of a type used in code (as V8, wasmtime) */
#define LAZY_WINDOW 64u             /* only the top 64 operands may be IN_LOCAL/IN_CONST */
#define NO_FIX UINT32_MAX

enum { T_UNKNOWN = 0 };
enum { IN_STACK, IN_LOCAL, IN_CONST };

typedef struct operand {
    uint8_t type;                /* wasm_valtype, or T_UNKNOWN */
    uint8_t where;               /* IN_STACK, IN_LOCAL, IN_CONST */
    uint32_t local;              /* IN_LOCAL: the slot */
    uint64_t value;              /* IN_CONST: the bits */
} operand;

typedef struct fixup { uint32_t instr, word; } fixup;

typedef struct frame {
    uint8_t kind;                /* 0 function, 0x02 block, 0x03 loop, 0x04 if, 0x05 else */
    bool unreachable;            /* the spec's flag: the operand stack is polymorphic */
    bool dead;                   /* entered from unreachable code: validate, emit nothing */
    uint32_t height;             /* operand height below the block's parameters */
    uint32_t nparams, nresults;
    const uint8_t *params, *results;
    uint32_t loop_start;         /* loop: where branches go */
    fixup else_fix;              /* if: the branch to patch at else/end */
    fixup *fix;                  /* forward branches to patch at end */
    uint32_t nfix, capfix;
    uint32_t table_stamp;        /* br_table: this label was already seen by table number ... */
    uint8_t table_moves;         /* ... 0 not yet known, 1 branch directly, 2 through a stub ... */
    uint32_t table_stub;         /* ... which is here (or NO_FIX before it is emitted) */
} frame;

/* A conditional branch to a forward label just emitted by br_if, with the
 * operation that branches on the opposite condition (for op_br's rotation). */
typedef struct cond_branch {
    bool valid;
    uint32_t start, end, word;   /* words: instruction, its end, its displacement */
    int negated_op;
    uint32_t frame_index, fix_index;   /* the label's frame and its fixup entry */
} cond_branch;

/* The instruction just emitted, for the peepholes. */
typedef struct last_instr {
    bool valid;
    uint32_t start, end;         /* words */
    uint32_t dst_word;           /* word holding the destination slot */
    int op;                      /* enum wasm_op of the rr form */
    uint32_t a, b;               /* operand slot, and slot or immediate */
    bool b_imm;
    uint64_t imm;                /* b_imm: the whole immediate */
} last_instr;

typedef struct compiler {
    wasm_module *m;
    uint32_t fidx;
    const wasm_functype *type;
    wasm_error *err;
    jmp_buf fail;
    const uint8_t *p, *body, *end, *instr;
    uint32_t nlocals_total;
    uint8_t *local_types;
    operand *vals;  uint32_t nvals, capvals;
    frame *ctrls;   uint32_t nctrls, capctrls;
    uint32_t *code; uint32_t ncode, capcode;
    uint32_t max_height;
    uint32_t *scratch; uint32_t capscratch;    /* br_table depths */
    uint32_t tables;                           /* br_tables seen, to stamp their labels */
    const int32_t *handlers;
    last_instr last;
    cond_branch last_cond;
} compiler;

static const uint8_t valtype_bytes[] = { WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASM_FUNCREF, WASM_EXTERNREF };

/* ---- errors and reading ------------------------------------------------- */

__attribute__((noreturn, format(printf, 2, 3)))
static void fail(compiler *c, const char *fmt, ...)
{
    if (c->err) {
        char what[400];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        size_t at = c->m->funcs[c->fidx].body_offset + (size_t)(c->instr - c->body);
        wasm_fail(c->err, "%s (function %u, offset %zu)", what, c->fidx, at);
    }
    longjmp(c->fail, 1);
}

static void *grow_array(compiler *c, void *p, uint32_t *cap, uint32_t need, size_t size)
{
    if (need <= *cap) return p;
    uint32_t n = *cap ? *cap : 16;
    while (n < need) n *= 2;
    void *q = realloc(p, (size_t)n * size);
    if (!q) fail(c, "out of memory");
    *cap = n;
    return q;
}

static uint8_t read_byte(compiler *c)
{
    if (c->p >= c->end) fail(c, "unexpected end of section or function");
    return *c->p++;
}

/* LEB128 with the spec's checks on the last byte's unused bits. */
static uint64_t read_leb(compiler *c, unsigned bits, bool is_signed)
{
    uint64_t result = 0;
    unsigned shift = 0;
    for (;;) {
        uint8_t b = read_byte(c);
        if (shift + 7 >= bits) {
            unsigned used = bits - shift;
            if (b & 0x80) fail(c, "integer representation too long");
            uint8_t rest = (uint8_t)((b & 0x7f) >> (is_signed ? used - 1 : used));
            bool ok = is_signed ? rest == 0 || rest == (0x7f >> (used - 1)) : rest == 0;
            if (!ok) fail(c, "integer too large");
            result |= (uint64_t)(b & 0x7f) << shift;
            shift += 7;
            if (is_signed && shift < 64 && (b & 0x40)) result |= ~0ull << shift;
            return result;
        }
        result |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) {
            if (is_signed && shift < 64 && (b & 0x40)) result |= ~0ull << shift;
            return result;
        }
    }
}

static uint32_t read_u32(compiler *c)
{
    if (c->p < c->end && *c->p < 0x80) return *c->p++;     /* the common one-byte case */
    return (uint32_t)read_leb(c, 32, false);
}

/* ---- the operand stack ---------------------------------------------------- */

static frame *top_frame(compiler *c) { return &c->ctrls[c->nctrls - 1]; }
static bool live(compiler *c) { return !top_frame(c)->unreachable && !top_frame(c)->dead; }
static uint32_t stack_slot(compiler *c, uint32_t height) { return c->nlocals_total + height; }

static void materialize(compiler *c, uint32_t height);

static void push(compiler *c, uint8_t type, uint8_t where, uint32_t local, uint64_t value)
{
    if (c->nvals >= MAX_STACK_HEIGHT) fail(c, "operand stack too deep");
    if (c->nvals >= c->capvals) c->vals = grow_array(c, c->vals, &c->capvals, c->nvals + 1, sizeof *c->vals);
    c->vals[c->nvals++] = (operand){ type, where, local, value };
    if (c->nvals > c->max_height) c->max_height = c->nvals;
    if (c->nvals > LAZY_WINDOW && live(c)) materialize(c, c->nvals - 1 - LAZY_WINDOW);
}

/* The lowest height that may hold something other than IN_STACK. */
static uint32_t lazy_floor(compiler *c)
{
    uint32_t h = top_frame(c)->height;
    return c->nvals > h + LAZY_WINDOW ? c->nvals - LAZY_WINDOW : h;
}

static void push_stack(compiler *c, uint8_t type) { push(c, type, IN_STACK, 0, 0); }

static operand pop_any(compiler *c)
{
    frame *f = top_frame(c);
    if (c->nvals == f->height) {
        if (f->unreachable) return (operand){ T_UNKNOWN, IN_STACK, 0, 0 };
        fail(c, "type mismatch: operand stack is empty");
    }
    return c->vals[--c->nvals];
}

static const char *type_name(uint8_t t)
{
    switch (t) {
    case WASM_I32: return "i32";
    case WASM_I64: return "i64";
    case WASM_F32: return "f32";
    case WASM_F64: return "f64";
    case WASM_FUNCREF: return "funcref";
    case WASM_EXTERNREF: return "externref";
    default: return "unknown";
    }
}

static operand pop(compiler *c, uint8_t expect)
{
    operand v = pop_any(c);
    if (v.type != expect && v.type != T_UNKNOWN && expect != T_UNKNOWN)
        fail(c, "type mismatch: expected %s, found %s", type_name(expect), type_name(v.type));
    return v;
}

static bool is_ref(uint8_t t) { return t == WASM_FUNCREF || t == WASM_EXTERNREF; }

/*
 * Checks that the top of the stack matches `types` (a branch's values), leaving
 * it as is.  On a polymorphic stack the spec's br_if pushes the label's types
 * back while br_table pushes back what it popped (`keep_popped`).
 */
static void check_top(compiler *c, const uint8_t *types, uint32_t n, bool keep_popped)
{
    if (!live(c)) {
        uint8_t popped[n ? n : 1];
        for (uint32_t i = n; i-- > 0;) popped[i] = pop(c, types[i]).type;
        for (uint32_t i = 0; i < n; i++) push_stack(c, keep_popped ? popped[i] : types[i]);
        return;
    }
    if (c->nvals - top_frame(c)->height < n) fail(c, "type mismatch: too few values for the branch");
    for (uint32_t j = 0; j < n; j++) {
        uint8_t t = c->vals[c->nvals - n + j].type;
        if (t != types[j]) fail(c, "type mismatch: expected %s, found %s", type_name(types[j]), type_name(t));
    }
}

/* ---- emitting ------------------------------------------------------------- */

static uint32_t emit(compiler *c, uint32_t word)
{
    if (c->ncode >= c->capcode) c->code = grow_array(c, c->code, &c->capcode, c->ncode + 1, sizeof *c->code);
    c->code[c->ncode] = word;
    return c->ncode++;
}

static uint32_t emit_op(compiler *c, int op) { return emit(c, (uint32_t)c->handlers[op]); }

static void emit_u64(compiler *c, uint64_t v)
{
    emit(c, (uint32_t)v);
    emit(c, (uint32_t)(v >> 32));
}

static bool is_64bit(uint8_t t) { return t == WASM_I64 || t == WASM_F64 || is_ref(t); }

static void emit_const(compiler *c, uint32_t dst, uint8_t type, uint64_t value)
{
    if (!is_64bit(type) || value <= UINT32_MAX) {
        emit_op(c, OP_const32);
        emit(c, dst);
        emit(c, (uint32_t)value);
    } else {
        emit_op(c, OP_const64);
        emit(c, dst);
        emit_u64(c, value);
    }
}

static void emit_copy(compiler *c, uint32_t from, uint32_t to)
{
    if (from == to) return;
    emit_op(c, OP_copy);
    emit(c, from);
    emit(c, to);
}

/* Puts operand `height` in its own stack slot. */
static void materialize(compiler *c, uint32_t height)
{
    operand *v = &c->vals[height];
    if (v->where == IN_LOCAL) emit_copy(c, v->local, stack_slot(c, height));
    else if (v->where == IN_CONST) emit_const(c, stack_slot(c, height), v->type, v->value);
    v->where = IN_STACK;
}

static void materialize_from(compiler *c, uint32_t height)
{
    uint32_t floor = lazy_floor(c);
    for (uint32_t h = height > floor ? height : floor; h < c->nvals; h++) materialize(c, h);
}

/* The slot to read a popped operand from (it was at `height`). */
static uint32_t source(compiler *c, operand v, uint32_t height)
{
    if (v.where == IN_LOCAL) return v.local;
    if (v.where == IN_CONST) emit_const(c, stack_slot(c, height), v.type, v.value);
    return stack_slot(c, height);
}

/* A new jump target at the current position: the peepholes must not look back past it. */
static void place_label(compiler *c)
{
    c->last.valid = false;
    c->last_cond.valid = false;
}

static void note_last(compiler *c, uint32_t start, uint32_t dst_word, int op, uint32_t a, uint64_t b, bool b_imm)
{
    c->last = (last_instr){ true, start, c->ncode, dst_word, op, a, (uint32_t)b, b_imm, b };
}

/* True when the value on top is the result the last instruction wrote and
 * nothing else (no jump target, no other instruction) intervened. */
static bool last_produced_top(compiler *c)
{
    if (!c->last.valid || c->last.end != c->ncode || c->nvals == 0) return false;
    const operand *v = &c->vals[c->nvals - 1];
    return v->where == IN_STACK && c->code[c->last.dst_word] == stack_slot(c, c->nvals - 1);
}

/* ---- control frames and branches ------------------------------------------ */

static void push_frame(compiler *c, uint8_t kind, uint32_t np, const uint8_t *params,
                       uint32_t nr, const uint8_t *results)
{
    c->ctrls = grow_array(c, c->ctrls, &c->capctrls, c->nctrls + 1, sizeof *c->ctrls);
    frame *f = &c->ctrls[c->nctrls++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->nparams = np;
    f->params = params;
    f->nresults = nr;
    f->results = results;
    f->height = c->nvals - np;
    f->else_fix.word = NO_FIX;
}

static void add_fixup(compiler *c, frame *f, uint32_t instr, uint32_t word)
{
    f->fix = grow_array(c, f->fix, &f->capfix, f->nfix + 1, sizeof *f->fix);
    f->fix[f->nfix++] = (fixup){ instr, word };
}

static void patch(compiler *c, fixup fx, uint32_t target)
{
    c->code[fx.word] = (uint32_t)((int32_t)target - (int32_t)fx.instr);
}

static uint32_t label_arity(const frame *f) { return f->kind == 0x03 ? f->nparams : f->nresults; }
static const uint8_t *label_types(const frame *f) { return f->kind == 0x03 ? f->params : f->results; }

static frame *label(compiler *c, uint32_t depth)
{
    if (depth >= c->nctrls) fail(c, "unknown label %u", depth);
    return &c->ctrls[c->nctrls - 1 - depth];
}

/* Points the displacement `word` of the branch at `instr` to label `f`. */
static void link_branch(compiler *c, frame *f, uint32_t instr, uint32_t word)
{
    if (f->kind == 0x03) patch(c, (fixup){ instr, word }, f->loop_start);
    else add_fixup(c, f, instr, word);
}

/* Does a branch to `f` have to move values into the label's slots? */
static bool branch_moves(compiler *c, frame *f)
{
    uint32_t n = label_arity(f);
    for (uint32_t j = 0; j < n; j++) {
        uint32_t h = c->nvals - n + j;
        if (c->vals[h].where != IN_STACK || h != f->height + j) return true;
    }
    return false;
}

static void emit_branch_moves(compiler *c, frame *f)
{
    uint32_t n = label_arity(f);
    for (uint32_t j = 0; j < n; j++) {
        uint32_t h = c->nvals - n + j;
        operand v = c->vals[h];
        uint32_t dst = stack_slot(c, f->height + j);
        if (v.where == IN_CONST) emit_const(c, dst, v.type, v.value);
        else emit_copy(c, v.where == IN_LOCAL ? v.local : stack_slot(c, h), dst);
    }
}

static void emit_br(compiler *c, frame *f)
{
    emit_branch_moves(c, f);
    uint32_t at = emit_op(c, OP_br);
    link_branch(c, f, at, emit(c, 0));
}

static void set_unreachable(compiler *c)
{
    frame *f = top_frame(c);
    c->nvals = f->height;
    f->unreachable = true;
}

/* Results of the function into slots 0..n-1, then return. */
static void emit_return(compiler *c)
{
    uint32_t n = c->type->nresults, base = c->nvals - n;
    if (n == 1 && last_produced_top(c)) {
        c->code[c->last.dst_word] = 0;        /* the producer writes the result slot itself */
        c->last.valid = false;
        emit_op(c, OP_ret);
        return;
    }
    if (n == 1 && c->vals[base].where != IN_CONST) {   /* one copy and the return in one instruction */
        emit_op(c, OP_ret1);
        emit(c, c->vals[base].where == IN_LOCAL ? c->vals[base].local : stack_slot(c, base));
        return;
    }
    for (uint32_t j = 0; j < n; j++)
        if (c->vals[base + j].where == IN_LOCAL && c->vals[base + j].local < n) {
            materialize_from(c, base);     /* a result would overwrite a later source */
            break;
        }
    for (uint32_t j = 0; j < n; j++) {
        operand v = c->vals[base + j];
        if (v.where == IN_CONST) emit_const(c, j, v.type, v.value);
        else emit_copy(c, v.where == IN_LOCAL ? v.local : stack_slot(c, base + j), j);
    }
    emit_op(c, OP_ret);
}

/* ---- compare-and-branch fusion -------------------------------------------- */

static int fused_branch_op(int cmp, bool negate, bool imm)
{
    switch (cmp) {
#define CASE_(name, neg, type, cond) \
    case OP_##name: return negate ? (imm ? OP_br_##neg##_ri : OP_br_##neg) : (imm ? OP_br_##name##_ri : OP_br_##name);
    WASM_CMP_FUSED(CASE_)
#undef CASE_
    default: return -1;
    }
}

static bool compare_is_64bit(int cmp)
{
    switch (cmp) {
#define CASE_(name, neg, type, cond) case OP_##name: return WASM_##type == WASM_I64;
    WASM_CMP_FUSED(CASE_)
#undef CASE_
    default: return false;
    }
}

static bool is_eqz(int op) { return op == OP_i32_eqz || op == OP_i64_eqz; }

/* The branch on a value loaded by `load` (as emitted), taken when the value
 * is non-zero (`when`) or zero; -1 if that load has no such form. */
static int load_branch_op(int load, bool when)
{
    switch (load) {
    case OP_i32_load: return when ? OP_br_if_i32_load : OP_br_unless_i32_load;
    case OP_i32_load_add: return when ? OP_br_if_i32_load_add : OP_br_unless_i32_load_add;
    case OP_i32_load8_u_add: return when ? OP_br_if_i32_load8_u_add : OP_br_unless_i32_load8_u_add;
    default: return -1;
    }
}

/* If the i32 condition on top was just computed by a comparison (or eqz, or
 * some loads), removes that instruction so the branch can do it itself. */
static bool take_compare(compiler *c, last_instr *cmp)
{
    if (!live(c) || !last_produced_top(c)) return false;
    if (!is_eqz(c->last.op) && fused_branch_op(c->last.op, false, false) < 0 && load_branch_op(c->last.op, true) < 0)
        return false;
    if (c->last.b_imm && compare_is_64bit(c->last.op) && (int64_t)c->last.imm != (int32_t)c->last.imm)
        return false;                            /* an i64 immediate wider than the 32-bit form */
    *cmp = c->last;
    c->ncode = c->last.start;
    c->last.valid = false;
    return true;
}

/* Emits a branch taken when the condition is `when` (true/false); returns the
 * displacement word to link, and the instruction start in *instr. */
static uint32_t emit_cond_branch(compiler *c, bool fused, const last_instr *cmp,
                                 operand cond, uint32_t cond_height, bool when, uint32_t *instr)
{
    int op, negated;
    if (fused && is_eqz(cmp->op)) {
        bool wide = cmp->op == OP_i64_eqz;
        op = wide ? OP_br_if64 : OP_br_if;
        negated = wide ? OP_br_unless64 : OP_br_unless;
        if (when) { int t = op; op = negated; negated = t; }
        *instr = emit_op(c, op);
        emit(c, cmp->a);
    } else if (fused && load_branch_op(cmp->op, true) >= 0) {
        /* the load's operand words stay in place; its destination word becomes the displacement */
        op = load_branch_op(cmp->op, when);
        negated = load_branch_op(cmp->op, !when);
        *instr = emit_op(c, op);
        c->ncode = cmp->dst_word;
    } else if (fused) {
        op = fused_branch_op(cmp->op, !when, cmp->b_imm);
        negated = fused_branch_op(cmp->op, when, cmp->b_imm);
        *instr = emit_op(c, op);
        emit(c, cmp->a);
        emit(c, cmp->b);
    } else {
        uint32_t src = source(c, cond, cond_height);
        op = when ? OP_br_if : OP_br_unless;
        negated = when ? OP_br_unless : OP_br_if;
        *instr = emit_op(c, op);
        emit(c, src);
    }
    uint32_t word = emit(c, 0);
    c->last_cond = (cond_branch){ false, *instr, c->ncode, word, negated, 0, 0 };
    return word;
}

/* ---- structured control --------------------------------------------------- */

/* Branches and calls move every parameter and result: bound them. */
static const wasm_functype *check_arity(compiler *c, const wasm_functype *t)
{
    if (t->nparams > MAX_ARITY || t->nresults > MAX_ARITY)
        fail(c, "type with %u parameters and %u results exceeds the limit of %u", t->nparams, t->nresults, MAX_ARITY);
    return t;
}

static void read_block_type(compiler *c, uint32_t *np, const uint8_t **params, uint32_t *nr, const uint8_t **results)
{
    *np = *nr = 0;
    *params = *results = NULL;
    uint8_t b = c->p < c->end ? *c->p : 0;
    if (b == 0x40) { c->p++; return; }
    for (size_t i = 0; i < sizeof valtype_bytes; i++)
        if (b == valtype_bytes[i]) {
            c->p++;
            *nr = 1;
            *results = &valtype_bytes[i];
            return;
        }
    if (b == WASM_V128) fail(c, "SIMD not supported");
    int64_t idx = (int64_t)read_leb(c, 33, true);
    if (idx < 0) fail(c, "malformed block type");
    if (idx >= c->m->ntypes) fail(c, "unknown type %lld", (long long)idx);
    const wasm_functype *t = check_arity(c, &c->m->types[idx]);
    *np = t->nparams;
    *params = t->params;
    *nr = t->nresults;
    *results = t->results;
}

/* block, loop and if. */
static void op_block(compiler *c, uint8_t kind)
{
    uint32_t np, nr;
    const uint8_t *params, *results;
    read_block_type(c, &np, &params, &nr, &results);
    last_instr cmp;
    bool fused = kind == 0x04 && take_compare(c, &cmp);
    operand cond = { 0 };
    if (kind == 0x04) cond = pop(c, WASM_I32);
    uint32_t before = c->nvals;
    for (uint32_t i = np; i-- > 0;) pop(c, params[i]);
    if (live(c)) c->nvals = before;  /* the parameters stay where they are */
    else for (uint32_t i = 0; i < np; i++) push_stack(c, params[i]);
    bool was_live = live(c);
    fixup else_fix = { 0, NO_FIX };
    if (was_live) {
        materialize_from(c, top_frame(c)->height);
        if (kind == 0x04) else_fix.word = emit_cond_branch(c, fused, &cmp, cond, c->nvals, false, &else_fix.instr);
    }
    push_frame(c, kind, np, params, nr, results);
    frame *f = top_frame(c);
    f->dead = !was_live;
    f->else_fix = else_fix;
    if (kind == 0x03) {
        place_label(c);
        f->loop_start = c->ncode;
    }
}

/* The end of a block's body (at else or end): check and place its results. */
static void close_body(compiler *c)
{
    frame *f = top_frame(c);
    for (uint32_t i = f->nresults; i-- > 0;) pop(c, f->results[i]);
    if (c->nvals != f->height) fail(c, "type mismatch: values remain at the end of the block");
    if (live(c)) {
        c->nvals += f->nresults;
        materialize_from(c, f->height);
    } else {
        for (uint32_t i = 0; i < f->nresults; i++) push_stack(c, f->results[i]);
    }
}

static void op_else(compiler *c)
{
    frame *f = top_frame(c);
    if (f->kind != 0x04) fail(c, "else without if");
    close_body(c);
    if (live(c)) {
        uint32_t at = emit_op(c, OP_br);
        add_fixup(c, f, at, emit(c, 0));
    }
    place_label(c);
    if (f->else_fix.word != NO_FIX) patch(c, f->else_fix, c->ncode);
    f->else_fix.word = NO_FIX;
    f->kind = 0x05;
    f->unreachable = false;
    c->nvals = f->height;
    for (uint32_t i = 0; i < f->nparams; i++) push_stack(c, f->params[i]);
}

/* Returns true when the function's final end was reached. */
static bool op_end(compiler *c)
{
    frame *f = top_frame(c);
    if (f->kind == 0x04) {
        /* An if without else passes its parameters through as results. */
        if (f->nparams != f->nresults || (f->nparams && memcmp(f->params, f->results, f->nparams) != 0))
            fail(c, "type mismatch: if without else must have matching parameters and results");
    }
    close_body(c);
    if (f->nfix || f->else_fix.word != NO_FIX) place_label(c);
    for (uint32_t i = 0; i < f->nfix; i++) patch(c, f->fix[i], c->ncode);
    if (f->kind == 0 && (!f->unreachable || f->nfix)) emit_return(c);
    if (f->else_fix.word != NO_FIX) patch(c, f->else_fix, c->ncode);
    free(f->fix);
    uint32_t nr = f->nresults, height = f->height;
    const uint8_t *results = f->results;
    c->nctrls--;
    if (c->nctrls == 0) return true;
    c->nvals = height;
    for (uint32_t i = 0; i < nr; i++) push_stack(c, results[i]);
    return false;
}

/* `br_if out; br loop` right after each other (a loop's exit test at its
 * bottom) becomes `br_unless loop; br out`: one dispatch per iteration
 * instead of two.  The conditional branch is negated and pointed at the loop;
 * the new br takes over its entry in the forward label's fixups. */
static bool rotate_loop_exit(compiler *c, frame *loop)
{
    cond_branch *cb = &c->last_cond;
    if (!cb->valid || cb->end != c->ncode || loop->kind != 0x03 || branch_moves(c, loop)) return false;
    frame *out = &c->ctrls[cb->frame_index];
    if (cb->frame_index >= c->nctrls || cb->fix_index >= out->nfix || out->fix[cb->fix_index].word != cb->word)
        return false;
    c->code[cb->start] = (uint32_t)c->handlers[cb->negated_op];
    patch(c, (fixup){ cb->start, cb->word }, loop->loop_start);
    uint32_t at = emit_op(c, OP_br);
    out->fix[cb->fix_index] = (fixup){ at, emit(c, 0) };
    cb->valid = false;
    return true;
}

static void op_br(compiler *c)
{
    frame *f = label(c, read_u32(c));
    uint32_t n = label_arity(f);
    check_top(c, label_types(f), n, false);
    if (live(c) && !rotate_loop_exit(c, f)) emit_br(c, f);
    set_unreachable(c);
}

static void op_br_if(compiler *c)
{
    uint32_t depth = read_u32(c);
    last_instr cmp;
    bool fused = take_compare(c, &cmp);
    operand cond = pop(c, WASM_I32);
    uint32_t cond_height = c->nvals;
    frame *f = label(c, depth);
    check_top(c, label_types(f), label_arity(f), false);
    if (!live(c)) return;
    uint32_t instr, word;
    if (!branch_moves(c, f)) {
        word = emit_cond_branch(c, fused, &cmp, cond, cond_height, true, &instr);
        link_branch(c, f, instr, word);
        if (f->kind != 0x03) {
            c->last_cond.valid = true;
            c->last_cond.frame_index = (uint32_t)(f - c->ctrls);
            c->last_cond.fix_index = f->nfix - 1;
        }
        return;
    }
    word = emit_cond_branch(c, fused, &cmp, cond, cond_height, false, &instr);
    emit_br(c, f);
    place_label(c);
    patch(c, (fixup){ instr, word }, c->ncode);
}

static void op_br_table(compiler *c)
{
    uint32_t n = read_u32(c);
    if (n > (size_t)(c->end - c->p)) fail(c, "unexpected end of section or function");
    c->scratch = grow_array(c, c->scratch, &c->capscratch, n + 1, sizeof *c->scratch);
    uint32_t *depths = c->scratch;
    for (uint32_t i = 0; i <= n; i++) depths[i] = read_u32(c);
    operand idx = pop(c, WASM_I32);
    uint32_t idx_height = c->nvals;
    frame *def = label(c, depths[n]);
    uint32_t arity = label_arity(def);
    /* Each distinct label is checked once (and gets at most one stub), so a
     * huge table of repeated labels costs its length, not length x arity. */
    uint32_t stamp = ++c->tables;
    for (uint32_t i = 0; i <= n; i++) {
        frame *f = label(c, depths[i]);
        if (f->table_stamp == stamp) continue;
        f->table_stamp = stamp;
        f->table_moves = 0;
        f->table_stub = NO_FIX;
        if (label_arity(f) != arity) fail(c, "type mismatch: br_table targets differ in arity");
        check_top(c, label_types(f), arity, true);
    }
    if (live(c)) {
        uint32_t src = source(c, idx, idx_height);
        uint32_t at = emit_op(c, OP_br_table);
        emit(c, src);
        emit(c, n);
        uint32_t first = c->ncode;
        for (uint32_t i = 0; i <= n; i++) emit(c, 0);
        for (uint32_t i = 0; i <= n; i++) {
            frame *f = label(c, depths[i]);
            if (!f->table_moves) f->table_moves = branch_moves(c, f) ? 2 : 1;
            if (f->table_moves == 1) {
                link_branch(c, f, at, first + i);
                continue;
            }
            if (f->table_stub == NO_FIX) {
                f->table_stub = c->ncode;                    /* a stub that moves, then jumps */
                emit_br(c, f);
            }
            patch(c, (fixup){ at, first + i }, f->table_stub);
        }
    }
    set_unreachable(c);
}

static void op_return(compiler *c)
{
    check_top(c, c->type->results, c->type->nresults, false);
    if (live(c)) emit_return(c);
    set_unreachable(c);
}

/* ---- calls ------------------------------------------------------------------ */

/* Pops the arguments of `t` into consecutive stack slots; returns the first slot. */
static uint32_t pop_args(compiler *c, const wasm_functype *t)
{
    for (uint32_t i = t->nparams; i-- > 0;) pop(c, t->params[i]);
    uint32_t base = c->nvals;
    if (live(c)) {
        c->nvals += t->nparams;
        materialize_from(c, base);
        c->nvals = base;
    }
    return stack_slot(c, base);
}

static void push_results(compiler *c, const wasm_functype *t)
{
    for (uint32_t i = 0; i < t->nresults; i++) push_stack(c, t->results[i]);
}

static void op_call(compiler *c)
{
    uint32_t fi = read_u32(c);
    if (fi >= c->m->nfuncs) fail(c, "unknown function %u", fi);
    const wasm_functype *t = check_arity(c, c->m->funcs[fi].type);
    uint32_t args = pop_args(c, t);
    if (live(c)) {
        emit_op(c, c->m->funcs[fi].imported ? OP_call_import : OP_call);
        emit(c, fi);
        emit(c, args);
    }
    push_results(c, t);
}

static void op_call_indirect(compiler *c)
{
    uint32_t ti = read_u32(c), table = read_u32(c);
    if (table >= c->m->ntables) fail(c, "unknown table %u", table);
    if (ti >= c->m->ntypes) fail(c, "unknown type %u", ti);
    if (c->m->tables[table].elem != WASM_FUNCREF) fail(c, "type mismatch: call_indirect needs a funcref table");
    const wasm_functype *t = check_arity(c, &c->m->types[ti]);
    operand idx = pop(c, WASM_I32);
    uint32_t idx_height = c->nvals;
    uint32_t args = pop_args(c, t);
    if (live(c)) {
        uint32_t src = source(c, idx, idx_height);
        emit_op(c, OP_call_indirect);
        emit(c, ti);
        emit(c, table);
        emit(c, src);
        emit(c, args);
    }
    push_results(c, t);
}

/* ---- variables -------------------------------------------------------------- */

static uint32_t read_local(compiler *c)
{
    uint32_t x = read_u32(c);
    if (x >= c->nlocals_total) fail(c, "unknown local %u", x);
    return x;
}

/* Before local x changes, values on the stack that still read it get their own copy. */
static void detach_local(compiler *c, uint32_t x)
{
    for (uint32_t h = lazy_floor(c); h < c->nvals; h++)
        if (c->vals[h].where == IN_LOCAL && c->vals[h].local == x) materialize(c, h);
}

static void op_local_set(compiler *c, bool tee)
{
    uint32_t x = read_local(c);
    uint8_t t = c->local_types[x];
    if (!live(c)) {
        pop(c, t);
        if (tee) push_stack(c, t);
        return;
    }
    bool fuse = last_produced_top(c);
    operand v = pop(c, t);
    uint32_t h = c->nvals;
    bool referenced = false;
    for (uint32_t i = lazy_floor(c); i < c->nvals; i++)
        if (c->vals[i].where == IN_LOCAL && c->vals[i].local == x) referenced = true;
    if (fuse && !referenced) {
        c->code[c->last.dst_word] = x;         /* the producer writes the local directly */
        c->last.valid = false;
    } else {
        detach_local(c, x);
        if (v.where == IN_CONST) emit_const(c, x, t, v.value);
        else emit_copy(c, v.where == IN_LOCAL ? v.local : stack_slot(c, h), x);
    }
    if (tee) push(c, t, IN_LOCAL, x, 0);
}

static uint32_t read_global(compiler *c)
{
    uint32_t g = read_u32(c);
    if (g >= c->m->nglobals) fail(c, "unknown global %u", g);
    return g;
}

static void op_global_get(compiler *c)
{
    uint32_t g = read_global(c);
    push_stack(c, c->m->globals[g].type.type);
    if (!live(c)) return;
    uint32_t at = emit_op(c, OP_global_get);
    emit(c, g);
    uint32_t d = emit(c, stack_slot(c, c->nvals - 1));
    note_last(c, at, d, OP_global_get, 0, 0, false);
}

static void op_global_set(compiler *c)
{
    uint32_t g = read_global(c);
    if (!c->m->globals[g].type.mutable_) fail(c, "global is immutable: global %u", g);
    operand v = pop(c, c->m->globals[g].type.type);
    if (!live(c)) return;
    uint32_t src = source(c, v, c->nvals);
    emit_op(c, OP_global_set);
    emit(c, g);
    emit(c, src);
}

/* ---- memory ----------------------------------------------------------------- */

static void need_memory(compiler *c, uint32_t index)
{
    if (index >= c->m->nmems) fail(c, "unknown memory %u", index);
}

static uint32_t read_memarg(compiler *c, unsigned natural_log2)
{
    uint32_t align = read_u32(c);
    uint32_t offset = read_u32(c);
    need_memory(c, 0);
    if (align > natural_log2) fail(c, "alignment must not be larger than natural");
    return offset;
}

/* A load whose address was just computed as an i32.add takes its operands:
 * base + constant (op + 1 = the _add form) or base + index (op + 2 = _idx);
 * a constant address (statics: `i32.const 0; i32.load offset=X`) is an
 * immediate (op + 3 = _abs). */
static void op_load(compiler *c, int op, unsigned natural_log2, uint8_t type)
{
    uint32_t offset = read_memarg(c, natural_log2);
    bool fuse = live(c) && last_produced_top(c) && c->last.op == OP_i32_add;
    last_instr add = c->last;
    operand addr = pop(c, WASM_I32);
    uint32_t h = c->nvals;
    push_stack(c, type);
    if (!live(c)) return;
    uint32_t at, d;
    int form = op;
    if (fuse) {
        c->ncode = add.start;
        form = add.b_imm ? op + 1 : op + 2;
        at = emit_op(c, form);
        emit(c, add.a);
        emit(c, add.b);
    } else if (addr.where == IN_CONST) {
        form = op + 3;
        at = emit_op(c, form);
        emit(c, (uint32_t)addr.value);
    } else {
        uint32_t src = source(c, addr, h);
        at = emit_op(c, op);
        emit(c, src);
    }
    emit(c, offset);
    d = emit(c, stack_slot(c, h));
    note_last(c, at, d, form, 0, offset, true);   /* the form emitted, for branch fusion */
}

/* A store whose address was the last thing computed, as base + constant, takes
 * both (op + 1 = the _add form); the value may be a local or constant that
 * emitted nothing since. */
static void op_store(compiler *c, int op, unsigned natural_log2, uint8_t type)
{
    uint32_t offset = read_memarg(c, natural_log2);
    operand v = pop(c, type);
    operand addr = pop(c, WASM_I32);
    uint32_t h = c->nvals;
    if (!live(c)) return;
    last_instr add = c->last;
    bool fuse = add.valid && add.end == c->ncode && add.op == OP_i32_add && add.b_imm
                && addr.where == IN_STACK && v.where != IN_STACK && c->code[add.dst_word] == stack_slot(c, h);
    if (fuse) {
        c->ncode = add.start;
        c->last.valid = false;
    }
    uint32_t a = fuse ? add.a : source(c, addr, h);
    if (!fuse && v.where == IN_CONST && (op == OP_i32_store || op == OP_i32_store8)) {
        emit_op(c, op == OP_i32_store ? OP_i32_store_k : OP_i32_store8_k);   /* no const instruction */
        emit(c, a);
        emit(c, offset);
        emit(c, (uint32_t)v.value);
        return;
    }
    uint32_t s = source(c, v, h + 1);
    emit_op(c, fuse ? op + 1 : op);
    emit(c, a);
    if (fuse) emit(c, add.b);
    emit(c, offset);
    emit(c, s);
}

static void read_zero_byte(compiler *c)
{
    if (read_byte(c) != 0) fail(c, "zero byte expected");
}

static void op_memory_size(compiler *c)
{
    read_zero_byte(c);
    need_memory(c, 0);
    push_stack(c, WASM_I32);
    if (!live(c)) return;
    emit_op(c, OP_memory_size);
    emit(c, stack_slot(c, c->nvals - 1));
}

static void op_memory_grow(compiler *c)
{
    read_zero_byte(c);
    need_memory(c, 0);
    operand delta = pop(c, WASM_I32);
    uint32_t h = c->nvals;
    push_stack(c, WASM_I32);
    if (!live(c)) return;
    uint32_t src = source(c, delta, h);
    emit_op(c, OP_memory_grow);
    emit(c, src);
    emit(c, stack_slot(c, h));
}

/* ---- numeric ------------------------------------------------------------------ */

static int negated_compare(int cmp)
{
    switch (cmp) {
#define CASE_(name, neg, type, cond) case OP_##name: return OP_##neg;
    WASM_CMP_FUSED(CASE_)
#undef CASE_
    default: return -1;
    }
}

/* i32.eqz of a value the last instruction just computed as an integer
 * comparison or an eqz: the comparison is negated in place (eqz of an eqz
 * becomes `ne 0`), so no instruction is emitted and a following br_if or if
 * still fuses with it.  Compilers emit `i64.eqz; i32.eqz; br_if` for tests
 * such as `if (mask != 0)`. */
static bool negate_last_compare(compiler *c)
{
    if (!live(c) || !last_produced_top(c)) return false;
    last_instr l = c->last;
    int neg = negated_compare(l.op);
    if (neg >= 0) {
        c->code[l.start] = (uint32_t)c->handlers[l.b_imm ? neg + 1 : neg];   /* ri = rr + 1 */
        c->last.op = neg;
        return true;
    }
    if (!is_eqz(l.op)) return false;
    int ne = l.op == OP_i64_eqz ? OP_i64_ne : OP_i32_ne;
    uint32_t dst = c->code[l.dst_word];
    c->ncode = l.start;
    uint32_t at = emit_op(c, ne + 1);
    emit(c, l.a);
    uint32_t d = emit(c, dst);
    if (ne == OP_i64_ne) emit_u64(c, 0);
    else emit(c, 0);
    note_last(c, at, d, ne, l.a, 0, true);
    return true;
}

static void op_unary(compiler *c, int op, uint8_t in, uint8_t out)
{
    if (op == OP_i32_eqz && negate_last_compare(c)) return;
    operand a = pop(c, in);
    uint32_t h = c->nvals;
    push_stack(c, out);
    if (!live(c)) return;
    uint32_t src = source(c, a, h);
    uint32_t at = emit_op(c, op);
    emit(c, src);
    uint32_t d = emit(c, stack_slot(c, h));
    note_last(c, at, d, op, src, 0, false);
}

/* (x + c1) + c2, the first add just emitted into the slot of `a`: becomes
 * x + (c1 + c2) (addition wraps, so this is exact).  Address arithmetic such
 * as `&p->field[1]` compiles to such chains. */
static bool fold_constant_add(compiler *c, int op, operand a, operand b, uint32_t h)
{
    last_instr *l = &c->last;
    if ((op != OP_i32_add && op != OP_i64_add) || b.where != IN_CONST || a.where != IN_STACK) return false;
    if (!l->valid || l->end != c->ncode || l->op != op || !l->b_imm || c->code[l->dst_word] != stack_slot(c, h))
        return false;
    uint64_t sum = l->imm + b.value;
    if (op == OP_i32_add) {
        sum = (uint32_t)sum;
        c->code[l->start + 3] = (uint32_t)sum;
    } else {
        c->code[l->start + 3] = (uint32_t)sum;
        c->code[l->start + 4] = (uint32_t)(sum >> 32);
    }
    l->imm = sum;
    l->b = (uint32_t)sum;
    return true;
}

/* The word-at-a-time byte search `((w ^ k1) + k2) & ~w & k3` (interp_ops.h):
 * an i64.add of a constant to the i64.xor with a constant just emitted into
 * the slot of `a`, or an i64.and with a constant of the i64.and of two values
 * just emitted there, become one instruction.  The last instruction keeps
 * its destination word, so a following local.set still retargets it. */
static bool fuse_swar_step(compiler *c, int op, operand a, operand b, uint32_t h)
{
    last_instr *l = &c->last;
    if ((op != OP_i64_add && op != OP_i64_and) || b.where != IN_CONST || a.where != IN_STACK) return false;
    if (!l->valid || l->end != c->ncode || c->code[l->dst_word] != stack_slot(c, h)) return false;
    int fused;
    if (op == OP_i64_add && l->op == OP_i64_xor && l->b_imm) fused = OP_i64_xor_add_ri;
    else if (op == OP_i64_and && l->op == OP_i64_and && !l->b_imm) fused = OP_i64_and_and_ri;
    else return false;
    c->code[l->start] = (uint32_t)c->handlers[fused];
    emit_u64(c, b.value);
    l->op = fused;
    l->end = c->ncode;
    return true;
}

/* rr form: s_a s_b s_to; ri form (constant right operand): s_a s_to imm. */
static void op_binary(compiler *c, int op, uint8_t in, uint8_t out)
{
    operand b = pop(c, in);
    operand a = pop(c, in);
    uint32_t h = c->nvals;
    push_stack(c, out);
    if (!live(c) || fold_constant_add(c, op, a, b, h) || fuse_swar_step(c, op, a, b, h)) return;
    uint32_t sa = source(c, a, h), at, d;
    if (b.where == IN_CONST) {   /* ri = rr + 1 in enum wasm_op */
        at = emit_op(c, op + 1);
        emit(c, sa);
        d = emit(c, stack_slot(c, h));
        if (is_64bit(in)) emit_u64(c, b.value);
        else emit(c, (uint32_t)b.value);
        note_last(c, at, d, op, sa, b.value, true);
        return;
    }
    uint32_t sb = source(c, b, h + 1);
    at = emit_op(c, op);
    emit(c, sa);
    emit(c, sb);
    d = emit(c, stack_slot(c, h));
    note_last(c, at, d, op, sa, sb, false);
}

static void op_const(compiler *c, uint8_t type)
{
    uint64_t v;
    switch (type) {
    case WASM_I32: v = (uint32_t)read_leb(c, 32, true); break;
    case WASM_I64: v = read_leb(c, 64, true); break;
    default: {
        unsigned n = type == WASM_F32 ? 4 : 8;
        if ((size_t)(c->end - c->p) < n) fail(c, "unexpected end of section or function");
        v = 0;
        for (unsigned i = 0; i < n; i++) v |= (uint64_t)c->p[i] << (8 * i);
        c->p += n;
    }
    }
    push(c, type, IN_CONST, 0, v);
}

static void op_select(compiler *c, bool typed)
{
    uint8_t want = T_UNKNOWN;
    if (typed) {
        uint32_t n = read_u32(c);
        if (n != 1) fail(c, "invalid result arity");
        want = read_byte(c);
        if (want == WASM_V128) fail(c, "SIMD not supported");
        if (!memchr(valtype_bytes, want, sizeof valtype_bytes)) fail(c, "malformed value type 0x%02x", want);
    }
    operand cond = pop(c, WASM_I32);
    operand b = pop(c, want);
    operand a = pop(c, want);
    uint32_t h = c->nvals;
    uint8_t t = want;
    if (!typed) {
        if (is_ref(a.type) || is_ref(b.type)) fail(c, "type mismatch: select needs a type for references");
        if (a.type != b.type && a.type != T_UNKNOWN && b.type != T_UNKNOWN)
            fail(c, "type mismatch: select operands %s and %s", type_name(a.type), type_name(b.type));
        t = a.type != T_UNKNOWN ? a.type : b.type;
    }
    push_stack(c, t);
    if (!live(c)) return;
    uint32_t sa = source(c, a, h), sb = source(c, b, h + 1), sc = source(c, cond, h + 2);
    uint32_t at = emit_op(c, OP_select);
    emit(c, sa);
    emit(c, sb);
    emit(c, sc);
    uint32_t d = emit(c, stack_slot(c, h));
    note_last(c, at, d, OP_select, sa, sb, false);
}

/* ---- references and tables ------------------------------------------------ */

static uint8_t read_reftype(compiler *c)
{
    uint8_t t = read_byte(c);
    if (!is_ref(t)) fail(c, "malformed reference type");
    return t;
}

static uint32_t read_table(compiler *c)
{
    uint32_t t = read_u32(c);
    if (t >= c->m->ntables) fail(c, "unknown table %u", t);
    return t;
}

/* Pops operands for an instruction with `n` operand slots (types given bottom
 * first) and returns their source slots in `src`; pushes `result` if any. */
static void pop_operands(compiler *c, const uint8_t *types, uint32_t n, uint32_t *src, uint8_t result)
{
    operand v[4];
    for (uint32_t i = n; i-- > 0;) v[i] = pop(c, types[i]);
    uint32_t h = c->nvals;
    if (result) push_stack(c, result);
    if (!live(c)) return;
    for (uint32_t i = 0; i < n; i++) src[i] = source(c, v[i], h + i);
}

/* Emits op followed by `nimm` immediates, then `nsrc` slots, then the result slot if any. */
static void emit_generic(compiler *c, int op, const uint32_t *imm, uint32_t nimm,
                         const uint32_t *src, uint32_t nsrc, bool result)
{
    if (!live(c)) return;
    emit_op(c, op);
    for (uint32_t i = 0; i < nimm; i++) emit(c, imm[i]);
    for (uint32_t i = 0; i < nsrc; i++) emit(c, src[i]);
    if (result) emit(c, stack_slot(c, c->nvals - 1));
}

static void op_ref_null(compiler *c)
{
    uint8_t t = read_reftype(c);
    push(c, t, IN_CONST, 0, 0);
}

static void op_ref_is_null(compiler *c)
{
    operand v = pop_any(c);
    if (v.type != T_UNKNOWN && !is_ref(v.type)) fail(c, "type mismatch: ref.is_null needs a reference");
    uint32_t h = c->nvals;
    push_stack(c, WASM_I32);
    if (!live(c)) return;
    uint32_t src = source(c, v, h);
    emit_op(c, OP_i64_eqz);       /* a null reference is 0 */
    emit(c, src);
    emit(c, stack_slot(c, h));
}

static void op_ref_func(compiler *c)
{
    uint32_t f = read_u32(c);
    if (f >= c->m->nfuncs) fail(c, "unknown function %u", f);
    if (!c->m->func_refable || !c->m->func_refable[f]) fail(c, "undeclared function reference %u", f);
    push_stack(c, WASM_FUNCREF);
    emit_generic(c, OP_ref_func, &f, 1, NULL, 0, true);
}

static void op_table_get_set(compiler *c, bool set)
{
    uint32_t t = read_table(c), src[2];
    uint8_t elem = c->m->tables[t].elem;
    uint8_t types[2] = { WASM_I32, elem };
    pop_operands(c, types, set ? 2 : 1, src, set ? 0 : elem);
    emit_generic(c, set ? OP_table_set : OP_table_get, &t, 1, src, set ? 2 : 1, !set);
}

static void need_data_count(compiler *c, uint32_t seg)
{
    if (seg >= (c->m->has_datacount ? c->m->datacount : c->m->ndatas)) fail(c, "unknown data segment %u", seg);
    if (!c->m->has_datacount) fail(c, "data count section required");
}

static void need_elem(compiler *c, uint32_t seg)
{
    if (seg >= c->m->nelems) fail(c, "unknown elem segment %u", seg);
}

static const uint8_t three_i32[3] = { WASM_I32, WASM_I32, WASM_I32 };

/* The 0xFC prefix: saturating truncations, bulk memory, table instructions. */
static void op_prefix_fc(compiler *c)
{
    uint32_t sub = read_u32(c), src[3], imm[2];
    switch (sub) {
#define SAT_(name, subop, in, out, stmt) case subop: op_unary(c, OP_##name, WASM_##in, WASM_##out); return;
    WASM_SAT_UNOPS(SAT_)
#undef SAT_
    case 8:                                             /* memory.init seg 0 */
        imm[0] = read_u32(c);
        read_zero_byte(c);
        need_memory(c, 0);
        need_data_count(c, imm[0]);
        pop_operands(c, three_i32, 3, src, 0);
        emit_generic(c, OP_memory_init, imm, 1, src, 3, false);
        return;
    case 9:                                             /* data.drop seg */
        imm[0] = read_u32(c);
        need_data_count(c, imm[0]);
        emit_generic(c, OP_data_drop, imm, 1, NULL, 0, false);
        return;
    case 10:                                            /* memory.copy 0 0 */
        read_zero_byte(c);
        read_zero_byte(c);
        need_memory(c, 0);
        pop_operands(c, three_i32, 3, src, 0);
        emit_generic(c, OP_memory_copy, NULL, 0, src, 3, false);
        return;
    case 11:                                            /* memory.fill 0 */
        read_zero_byte(c);
        need_memory(c, 0);
        pop_operands(c, three_i32, 3, src, 0);
        emit_generic(c, OP_memory_fill, NULL, 0, src, 3, false);
        return;
    case 12: {                                          /* table.init seg table */
        imm[1] = read_u32(c);
        imm[0] = read_table(c);
        need_elem(c, imm[1]);
        if (c->m->elems[imm[1]].elem != c->m->tables[imm[0]].elem) fail(c, "type mismatch: table.init element types differ");
        pop_operands(c, three_i32, 3, src, 0);
        emit_generic(c, OP_table_init, imm, 2, src, 3, false);
        return;
    }
    case 13:                                            /* elem.drop seg */
        imm[0] = read_u32(c);
        need_elem(c, imm[0]);
        emit_generic(c, OP_elem_drop, imm, 1, NULL, 0, false);
        return;
    case 14:                                            /* table.copy dst src */
        imm[0] = read_table(c);
        imm[1] = read_table(c);
        if (c->m->tables[imm[0]].elem != c->m->tables[imm[1]].elem) fail(c, "type mismatch: table.copy element types differ");
        pop_operands(c, three_i32, 3, src, 0);
        emit_generic(c, OP_table_copy, imm, 2, src, 3, false);
        return;
    case 15: {                                          /* table.grow t: init n -> old */
        imm[0] = read_table(c);
        uint8_t types[2] = { c->m->tables[imm[0]].elem, WASM_I32 };
        pop_operands(c, types, 2, src, WASM_I32);
        emit_generic(c, OP_table_grow, imm, 1, src, 2, true);
        return;
    }
    case 16:                                            /* table.size t */
        imm[0] = read_table(c);
        push_stack(c, WASM_I32);
        emit_generic(c, OP_table_size, imm, 1, NULL, 0, true);
        return;
    case 17: {                                          /* table.fill t: i value n */
        imm[0] = read_table(c);
        uint8_t types[3] = { WASM_I32, c->m->tables[imm[0]].elem, WASM_I32 };
        pop_operands(c, types, 3, src, 0);
        emit_generic(c, OP_table_fill, imm, 1, src, 3, false);
        return;
    }
    default:
        fail(c, "illegal opcode 0xfc %u", sub);
    }
}

/* ---- the instruction loop ----------------------------------------------------- */

static void op_drop(compiler *c)
{
    pop_any(c);
}

static void op_unreachable(compiler *c)
{
    if (live(c)) emit_op(c, OP_unreachable);
    set_unreachable(c);
}

/* One instruction; returns true after the function's final end. */
static bool compile_instr(compiler *c)
{
    c->instr = c->p;
    uint8_t op = read_byte(c);
    switch (op) {
    case 0x00: op_unreachable(c); return false;
    case 0x01: return false;                               /* nop */
    case 0x02: case 0x03: case 0x04: op_block(c, op); return false;
    case 0x05: op_else(c); return false;
    case 0x0b: return op_end(c);
    case 0x0c: op_br(c); return false;
    case 0x0d: op_br_if(c); return false;
    case 0x0e: op_br_table(c); return false;
    case 0x0f: op_return(c); return false;
    case 0x10: op_call(c); return false;
    case 0x11: op_call_indirect(c); return false;
    case 0x1a: op_drop(c); return false;
    case 0x1b: op_select(c, false); return false;
    case 0x1c: op_select(c, true); return false;
    case 0x20: {
        uint32_t x = read_local(c);
        push(c, c->local_types[x], IN_LOCAL, x, 0);
        return false;
    }
    case 0x21: op_local_set(c, false); return false;
    case 0x22: op_local_set(c, true); return false;
    case 0x23: op_global_get(c); return false;
    case 0x24: op_global_set(c); return false;
    case 0x25: op_table_get_set(c, false); return false;
    case 0x26: op_table_get_set(c, true); return false;
    case 0x3f: op_memory_size(c); return false;
    case 0x40: op_memory_grow(c); return false;
    case 0x41: op_const(c, WASM_I32); return false;
    case 0x42: op_const(c, WASM_I64); return false;
    case 0x43: op_const(c, WASM_F32); return false;
    case 0x44: op_const(c, WASM_F64); return false;
    case 0xd0: op_ref_null(c); return false;
    case 0xd1: op_ref_is_null(c); return false;
    case 0xd2: op_ref_func(c); return false;
    case 0xfc: op_prefix_fc(c); return false;
    case 0xfd: fail(c, "SIMD not supported");
#define LOAD_(name, opcode, align, type, ctype) case opcode: op_load(c, OP_##name, align, WASM_##type); return false;
    WASM_LOADS(LOAD_)
#undef LOAD_
#define STORE_(name, opcode, align, type, ctype) case opcode: op_store(c, OP_##name, align, WASM_##type); return false;
    WASM_STORES(STORE_)
#undef STORE_
#define UN_(name, opcode, in, out, stmt) case opcode: op_unary(c, OP_##name, WASM_##in, WASM_##out); return false;
    WASM_UNOPS(UN_)
#undef UN_
#define BIN_(name, opcode, in, out, stmt) case opcode: op_binary(c, OP_##name, WASM_##in, WASM_##out); return false;
    WASM_BINOPS(BIN_)
#undef BIN_
    default: break;
    }
    fail(c, "illegal opcode 0x%02x", op);
}

static void free_compiler(compiler *c)
{
    for (uint32_t i = 0; i < c->nctrls; i++) free(c->ctrls[i].fix);
    free(c->ctrls);
    free(c->vals);
    free(c->code);
    free(c->scratch);
    free(c->local_types);
}

/* ---- decoding only ----------------------------------------------------------- */

/*
 * The spec decodes a whole body before validating it, so a malformed
 * instruction (bad LEB, illegal opcode, missing end) is reported even when an
 * earlier instruction is also ill-typed.  This pass only walks the encoding.
 */
static void skip_u32s(compiler *c, unsigned n)
{
    for (unsigned i = 0; i < n; i++) read_u32(c);
}

static void skip_bytes(compiler *c, size_t n)
{
    if ((size_t)(c->end - c->p) < n) fail(c, "unexpected end of section or function");
    c->p += n;
}

static void skip_prefix_fc(compiler *c)
{
    uint32_t sub = read_u32(c);
    switch (sub) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: return;
    case 8: read_u32(c); skip_bytes(c, 1); return;           /* memory.init seg 0 */
    case 9: case 13: case 15: case 16: case 17: read_u32(c); return;
    case 10: skip_bytes(c, 2); return;                       /* memory.copy 0 0 */
    case 11: skip_bytes(c, 1); return;                       /* memory.fill 0 */
    case 12: case 14: skip_u32s(c, 2); return;
    default: fail(c, "illegal opcode 0xfc %u", sub);
    }
}

static void scan_body(compiler *c)
{
    uint32_t depth = 1;
    while (depth > 0) {
        if (c->p >= c->end) fail(c, "unexpected end of section or function: END opcode expected");
        c->instr = c->p;
        uint8_t op = read_byte(c);
        if (op >= 0x28 && op <= 0x3e) { skip_u32s(c, 2); continue; }      /* loads, stores */
        if (op >= 0x45 && op <= 0xc4) continue;                           /* numeric */
        switch (op) {
        case 0x00: case 0x01: case 0x05: case 0x0f: case 0x1a: case 0x1b: case 0xd1: break;
        case 0x02: case 0x03: case 0x04: {
            uint8_t b = c->p < c->end ? *c->p : 0;
            if (b == 0x40 || memchr(valtype_bytes, b, sizeof valtype_bytes) || b == WASM_V128) c->p++;
            else read_leb(c, 33, true);
            depth++;
            break;
        }
        case 0x0b: depth--; break;
        case 0x0c: case 0x0d: case 0x10: case 0xd2: read_u32(c); break;
        case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26: read_u32(c); break;
        case 0x0e: {
            uint32_t n = read_u32(c);
            if (n > (size_t)(c->end - c->p)) fail(c, "unexpected end of section or function");
            skip_u32s(c, n + 1);
            break;
        }
        case 0x11: skip_u32s(c, 2); break;
        case 0x1c: {
            uint32_t n = read_u32(c);
            skip_bytes(c, n);
            break;
        }
        case 0x3f: case 0x40: skip_bytes(c, 1); break;
        case 0x41: read_leb(c, 32, true); break;
        case 0x42: read_leb(c, 64, true); break;
        case 0x43: skip_bytes(c, 4); break;
        case 0x44: skip_bytes(c, 8); break;
        case 0xd0: skip_bytes(c, 1); break;
        case 0xfc: skip_prefix_fc(c); break;
        case 0xfd: fail(c, "SIMD not supported");
        default: fail(c, "illegal opcode 0x%02x", op);
        }
    }
    if (c->p != c->end) fail(c, "section size mismatch: bytes after the function's end");
    c->p = c->body;
}

static void compile_body(compiler *c)
{
    const wasm_func *fn = &c->m->funcs[c->fidx];
    scan_body(c);
    c->instr = c->p;
    check_arity(c, c->type);
    uint64_t total = (uint64_t)c->type->nparams + fn->nlocals;
    if (total > MAX_FUNC_LOCALS) fail(c, "too many locals: %llu", (unsigned long long)total);
    c->nlocals_total = (uint32_t)total;
    c->local_types = malloc(total ? total : 1);
    if (!c->local_types) fail(c, "out of memory");
    if (c->type->nparams) memcpy(c->local_types, c->type->params, c->type->nparams);
    if (fn->nlocals) memcpy(c->local_types + c->type->nparams, fn->local_types, fn->nlocals);
    push_frame(c, 0, 0, NULL, c->type->nresults, c->type->results);
    while (!compile_instr(c)) {}
}

int wasm_compile_func(wasm_module *m, uint32_t idx, wasm_error *err)
{
    wasm_func *fn = &m->funcs[idx];
    compiler *c = calloc(1, sizeof *c);
    if (!c) return wasm_fail(err, "out of memory compiling function %u", idx);
    c->m = m;
    c->fidx = idx;
    c->type = fn->type;
    c->err = err;
    c->p = c->body = c->instr = fn->body;
    c->end = fn->body + fn->body_len;
    c->handlers = wasm_interp_handlers();
    if (setjmp(c->fail)) {
        free_compiler(c);
        free(c);
        return -1;
    }
    compile_body(c);
    wasm_code *code = malloc(sizeof *code + (size_t)c->ncode * sizeof code->words[0]);
    if (!code) fail(c, "out of memory");
    code->nparams = c->type->nparams;
    code->nlocals = fn->nlocals;
    code->nresults = c->type->nresults;
    code->frame_slots = c->nlocals_total + c->max_height + 2;   /* interp.c clears two slots at entry */
    code->len = c->ncode;
    code->native = NULL;
    memcpy(code->words, c->code, (size_t)c->ncode * sizeof code->words[0]);
    fn->code = code;
    free_compiler(c);
    free(c);
    return 0;
}

void wasm_code_free(wasm_code *code)
{
    free(code);
}
