/*
 * instr.c - instructions, plain and folded, into the function body P->body.
 *
 * Folded instructions `(op imm* operand*)` put the operands first: the op and
 * its immediates are written, then the operands after them, then the two parts
 * are swapped in place.
 */
#include <string.h>

#include "internal.h"

typedef enum {
    IM_NONE, IM_LABEL, IM_BR_TABLE, IM_CALL, IM_CALL_INDIRECT, IM_LOCAL, IM_GLOBAL, IM_TABLE, IM_TABLE_COPY,
    IM_TABLE_INIT, IM_ELEM, IM_MEMARG, IM_ZERO, IM_ZERO2, IM_MEMORY_INIT, IM_DATA, IM_I32, IM_I64, IM_F32, IM_F64,
    IM_REF_NULL, IM_REF_FUNC, IM_SELECT,
} immediate;

typedef struct op {
    const char *name;
    uint16_t code;      /* 0xFCnn: the 0xFC prefix and sub-opcode nn */
    uint8_t imm;
    uint8_t align;      /* memory access: log2 of the natural alignment */
} op;

static const op ops[] = {
    { "unreachable", 0x00, IM_NONE, 0 }, { "nop", 0x01, IM_NONE, 0 },
    { "br", 0x0C, IM_LABEL, 0 }, { "br_if", 0x0D, IM_LABEL, 0 }, { "br_table", 0x0E, IM_BR_TABLE, 0 },
    { "return", 0x0F, IM_NONE, 0 }, { "call", 0x10, IM_CALL, 0 }, { "call_indirect", 0x11, IM_CALL_INDIRECT, 0 },
    { "drop", 0x1A, IM_NONE, 0 }, { "select", 0x1B, IM_SELECT, 0 },
    { "local.get", 0x20, IM_LOCAL, 0 }, { "local.set", 0x21, IM_LOCAL, 0 }, { "local.tee", 0x22, IM_LOCAL, 0 },
    { "global.get", 0x23, IM_GLOBAL, 0 }, { "global.set", 0x24, IM_GLOBAL, 0 },
    { "table.get", 0x25, IM_TABLE, 0 }, { "table.set", 0x26, IM_TABLE, 0 },
    { "i32.load", 0x28, IM_MEMARG, 2 }, { "i64.load", 0x29, IM_MEMARG, 3 }, { "f32.load", 0x2A, IM_MEMARG, 2 },
    { "f64.load", 0x2B, IM_MEMARG, 3 }, { "i32.load8_s", 0x2C, IM_MEMARG, 0 }, { "i32.load8_u", 0x2D, IM_MEMARG, 0 },
    { "i32.load16_s", 0x2E, IM_MEMARG, 1 }, { "i32.load16_u", 0x2F, IM_MEMARG, 1 },
    { "i64.load8_s", 0x30, IM_MEMARG, 0 }, { "i64.load8_u", 0x31, IM_MEMARG, 0 },
    { "i64.load16_s", 0x32, IM_MEMARG, 1 }, { "i64.load16_u", 0x33, IM_MEMARG, 1 },
    { "i64.load32_s", 0x34, IM_MEMARG, 2 }, { "i64.load32_u", 0x35, IM_MEMARG, 2 },
    { "i32.store", 0x36, IM_MEMARG, 2 }, { "i64.store", 0x37, IM_MEMARG, 3 }, { "f32.store", 0x38, IM_MEMARG, 2 },
    { "f64.store", 0x39, IM_MEMARG, 3 }, { "i32.store8", 0x3A, IM_MEMARG, 0 }, { "i32.store16", 0x3B, IM_MEMARG, 1 },
    { "i64.store8", 0x3C, IM_MEMARG, 0 }, { "i64.store16", 0x3D, IM_MEMARG, 1 },
    { "i64.store32", 0x3E, IM_MEMARG, 2 },
    { "memory.size", 0x3F, IM_ZERO, 0 }, { "memory.grow", 0x40, IM_ZERO, 0 },
    { "i32.const", 0x41, IM_I32, 0 }, { "i64.const", 0x42, IM_I64, 0 },
    { "f32.const", 0x43, IM_F32, 0 }, { "f64.const", 0x44, IM_F64, 0 },
    { "ref.null", 0xD0, IM_REF_NULL, 0 }, { "ref.is_null", 0xD1, IM_NONE, 0 }, { "ref.func", 0xD2, IM_REF_FUNC, 0 },
    { "i32.trunc_sat_f32_s", 0xFC00, IM_NONE, 0 }, { "i32.trunc_sat_f32_u", 0xFC01, IM_NONE, 0 },
    { "i32.trunc_sat_f64_s", 0xFC02, IM_NONE, 0 }, { "i32.trunc_sat_f64_u", 0xFC03, IM_NONE, 0 },
    { "i64.trunc_sat_f32_s", 0xFC04, IM_NONE, 0 }, { "i64.trunc_sat_f32_u", 0xFC05, IM_NONE, 0 },
    { "i64.trunc_sat_f64_s", 0xFC06, IM_NONE, 0 }, { "i64.trunc_sat_f64_u", 0xFC07, IM_NONE, 0 },
    { "memory.init", 0xFC08, IM_MEMORY_INIT, 0 }, { "data.drop", 0xFC09, IM_DATA, 0 },
    { "memory.copy", 0xFC0A, IM_ZERO2, 0 }, { "memory.fill", 0xFC0B, IM_ZERO, 0 },
    { "table.init", 0xFC0C, IM_TABLE_INIT, 0 }, { "elem.drop", 0xFC0D, IM_ELEM, 0 },
    { "table.copy", 0xFC0E, IM_TABLE_COPY, 0 }, { "table.grow", 0xFC0F, IM_TABLE, 0 },
    { "table.size", 0xFC10, IM_TABLE, 0 }, { "table.fill", 0xFC11, IM_TABLE, 0 },
};

/* Opcodes 0x45..0xC4: numeric instructions without immediates. */
static const char *const numeric[] = {
    "i32.eqz", "i32.eq", "i32.ne", "i32.lt_s", "i32.lt_u", "i32.gt_s", "i32.gt_u", "i32.le_s", "i32.le_u",
    "i32.ge_s", "i32.ge_u", "i64.eqz", "i64.eq", "i64.ne", "i64.lt_s", "i64.lt_u", "i64.gt_s", "i64.gt_u",
    "i64.le_s", "i64.le_u", "i64.ge_s", "i64.ge_u", "f32.eq", "f32.ne", "f32.lt", "f32.gt", "f32.le", "f32.ge",
    "f64.eq", "f64.ne", "f64.lt", "f64.gt", "f64.le", "f64.ge", "i32.clz", "i32.ctz", "i32.popcnt", "i32.add",
    "i32.sub", "i32.mul", "i32.div_s", "i32.div_u", "i32.rem_s", "i32.rem_u", "i32.and", "i32.or", "i32.xor",
    "i32.shl", "i32.shr_s", "i32.shr_u", "i32.rotl", "i32.rotr", "i64.clz", "i64.ctz", "i64.popcnt", "i64.add",
    "i64.sub", "i64.mul", "i64.div_s", "i64.div_u", "i64.rem_s", "i64.rem_u", "i64.and", "i64.or", "i64.xor",
    "i64.shl", "i64.shr_s", "i64.shr_u", "i64.rotl", "i64.rotr", "f32.abs", "f32.neg", "f32.ceil", "f32.floor",
    "f32.trunc", "f32.nearest", "f32.sqrt", "f32.add", "f32.sub", "f32.mul", "f32.div", "f32.min", "f32.max",
    "f32.copysign", "f64.abs", "f64.neg", "f64.ceil", "f64.floor", "f64.trunc", "f64.nearest", "f64.sqrt",
    "f64.add", "f64.sub", "f64.mul", "f64.div", "f64.min", "f64.max", "f64.copysign", "i32.wrap_i64",
    "i32.trunc_f32_s", "i32.trunc_f32_u", "i32.trunc_f64_s", "i32.trunc_f64_u", "i64.extend_i32_s",
    "i64.extend_i32_u", "i64.trunc_f32_s", "i64.trunc_f32_u", "i64.trunc_f64_s", "i64.trunc_f64_u",
    "f32.convert_i32_s", "f32.convert_i32_u", "f32.convert_i64_s", "f32.convert_i64_u", "f32.demote_f64",
    "f64.convert_i32_s", "f64.convert_i32_u", "f64.convert_i64_s", "f64.convert_i64_u", "f64.promote_f32",
    "i32.reinterpret_f32", "i64.reinterpret_f64", "f32.reinterpret_i32", "f64.reinterpret_i64",
    "i32.extend8_s", "i32.extend16_s", "i64.extend8_s", "i64.extend16_s", "i64.extend32_s",
};

#define NOPS (sizeof ops / sizeof ops[0])
#define NNUMERIC (sizeof numeric / sizeof numeric[0])

static const char *op_name(size_t i)
{
    return i < NOPS ? ops[i].name : numeric[i - NOPS];
}

static uint32_t name_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

/* Slots hold 1 + the index in ops[] then numeric[]; 0 is empty.  Linear probing. */
static void build_op_index(parser *P)
{
    for (size_t i = 0; i < NOPS + NNUMERIC; i++) {
        const char *name = op_name(i);
        uint32_t slot = name_hash(name, strlen(name)) % OP_SLOTS;
        while (P->ops[slot])
            slot = (slot + 1) % OP_SLOTS;
        P->ops[slot] = (uint16_t)(i + 1);
    }
    P->ops_ready = true;
}

/* The op a keyword names; `numeric_op` receives the opcode of a numeric one.  NULL: neither. */
static const op *find_op(parser *P, const token *t, uint8_t *numeric_op)
{
    *numeric_op = 0;
    if (!P->ops_ready)
        build_op_index(P);
    for (uint32_t slot = name_hash(t->text, t->len) % OP_SLOTS; P->ops[slot]; slot = (slot + 1) % OP_SLOTS) {
        size_t i = P->ops[slot] - 1u;
        const char *name = op_name(i);
        if (strncmp(name, t->text, t->len) != 0 || name[t->len] != 0)
            continue;
        if (i < NOPS)
            return &ops[i];
        *numeric_op = (uint8_t)(0x45 + (i - NOPS));
        return NULL;
    }
    return NULL;
}

/* ---- immediates ---------------------------------------------------------- */

static void emit(parser *P, uint8_t b)
{
    buf_byte(P, &P->body, b);
}

static void label_push(parser *P, const token *id)
{
    names *ls = &P->labels;
    if (ls->n == ls->cap) {
        ls->cap = ls->cap ? 2 * ls->cap : 16;
        ls->v = wat_alloc(P, ls->v, ls->cap * sizeof *ls->v);
    }
    ls->v[ls->n].text = id ? id->text : NULL;
    ls->v[ls->n].len = id ? id->len : 0;
    ls->n++;
}

/* `end $l` / `else $l`: the identifier, when given, must be the block's label. */
static void check_end_label(parser *P)
{
    const token *id = peek(P, 0);
    if (id->kind != T_ID)
        return;
    P->pos++;
    const names *ls = &P->labels;
    if (!ls->n || ls->v[ls->n - 1].len != id->len || memcmp(ls->v[ls->n - 1].text, id->text, id->len) != 0)
        wat_fail(P, id, "mismatching label %.*s", (int)id->len, id->text);
}

static uint32_t parse_label(parser *P)
{
    const token *t = next_tok(P);
    if (t->kind == T_ID) {
        for (uint32_t i = P->labels.n; i-- > 0;)
            if (P->labels.v[i].len == t->len && memcmp(P->labels.v[i].text, t->text, t->len) == 0)
                return P->labels.n - 1 - i;
        wat_fail(P, t, "unknown label %.*s", (int)t->len, t->text);
    }
    return resolve_in(P, &P->labels, t, "label");
}

/* A type index as a block type: a non-negative signed 33-bit LEB. */
static size_t encode_s33(uint32_t v, uint8_t out[8])
{
    size_t n = 0;
    for (;;) {
        uint8_t byte = v & 0x7F;
        v >>= 7;
        bool more = v != 0 || (byte & 0x40);   /* bit 6 set would read as negative */
        out[n++] = byte | (more ? 0x80 : 0);
        if (!more)
            return n;
    }
}

/* A block type: empty, one result type, or a type index (written as a positive s33). */
static size_t parse_blocktype(parser *P, uint8_t out[8])
{
    if (!peek_open(P, "type")) {
        size_t base = P->scratch.len;
        uint32_t np, nr;
        parse_signature(P, false, NULL, &np, &nr);
        const uint8_t *sig = P->scratch.data + base;
        P->scratch.len = base;
        if (np == 0 && nr == 0) {
            out[0] = 0x40;
            return 1;
        }
        if (np == 0 && nr == 1) {
            out[0] = sig[0];
            return 1;
        }
        /* the signature is still in scratch beyond len: nothing writes there meanwhile */
        uint32_t idx = type_find_or_add(P, sig, np, sig + np, nr);
        return encode_s33(idx, out);
    }
    /* a named type without parameters and with at most one result is written short, as wabt does */
    uint32_t idx = parse_typeuse(P, false, NULL);
    const functype *ft = idx < P->ntypes ? &P->types[idx] : NULL;
    if (ft && ft->nparams == 0 && ft->nresults <= 1) {
        out[0] = ft->nresults ? P->typepool.data[ft->results] : 0x40;
        return 1;
    }
    return encode_s33(idx, out);
}

static uint32_t parse_memarg_value(parser *P, const token *t, size_t prefix)
{
    token v = { .kind = T_RESERVED, .text = t->text + prefix, .len = t->len - prefix, .line = t->line, .col = t->col };
    uint64_t n;
    if (!wat_int(&v, 32, false, &n))
        wat_fail(P, t, "malformed or out of range \"%.*s\"", (int)t->len, t->text);
    return (uint32_t)n;
}

static void parse_memarg(parser *P, uint8_t natural)
{
    uint32_t offset = 0, align_log2 = natural;
    const token *t = peek(P, 0);
    if (t->kind == T_KEYWORD && t->len > 7 && memcmp(t->text, "offset=", 7) == 0) {
        offset = parse_memarg_value(P, t, 7);
        t = (P->pos++, peek(P, 0));
    }
    if (t->kind == T_KEYWORD && t->len > 6 && memcmp(t->text, "align=", 6) == 0) {
        uint32_t align = parse_memarg_value(P, t, 6);
        if (align == 0 || (align & (align - 1)))
            wat_fail(P, t, "alignment must be a power of two");
        for (align_log2 = 0; (1u << align_log2) < align; align_log2++)
            ;
        P->pos++;
    }
    buf_u32(P, &P->body, align_log2);
    buf_u32(P, &P->body, offset);
}

static void parse_const(parser *P, uint8_t imm)
{
    const token *t = next_tok(P);
    uint64_t v;
    if (imm == IM_I32 || imm == IM_I64) {
        int bits = imm == IM_I32 ? 32 : 64;
        if (!wat_int(t, bits, true, &v))
            wat_fail(P, t, "malformed or out of range i%d constant \"%.*s\"", bits, (int)t->len, t->text);
        buf_s64(P, &P->body, bits == 32 ? (int64_t)(int32_t)(uint32_t)v : (int64_t)v);
        return;
    }
    int status;
    uint8_t bytes[8];
    if (imm == IM_F32) {
        uint32_t b;
        status = wat_float32(t, &b);
        for (int i = 0; i < 4; i++)
            bytes[i] = (uint8_t)(b >> (8 * i));
    } else {
        status = wat_float64(t, &v);
        for (int i = 0; i < 8; i++)
            bytes[i] = (uint8_t)(v >> (8 * i));
    }
    if (status == -2)
        wat_fail(P, t, "constant out of range \"%.*s\"", (int)t->len, t->text);
    if (status != 0)
        wat_fail(P, t, "unknown operator or malformed constant \"%.*s\"", (int)t->len, t->text);
    buf_bytes(P, &P->body, bytes, imm == IM_F32 ? 4 : 8);
}

static void optional_table(parser *P)
{
    buf_u32(P, &P->body, is_index(peek(P, 0)) ? resolve(P, SP_TABLE, "table") : 0);
}

static void parse_select(parser *P)
{
    if (!peek_open(P, "result")) {
        emit(P, 0x1B);
        return;
    }
    size_t base = P->scratch.len;
    while (peek_open(P, "result")) {
        P->pos += 2;
        int vt;
        while ((vt = parse_valtype_opt(P)) >= 0)
            buf_byte(P, &P->scratch, (uint8_t)vt);
        expect_close(P);
    }
    emit(P, 0x1C);
    buf_u32(P, &P->body, (uint32_t)(P->scratch.len - base));
    buf_bytes(P, &P->body, P->scratch.data + base, P->scratch.len - base);
    P->scratch.len = base;
}

static void immediates(parser *P, const op *o)
{
    wbuf *b = &P->body;
    switch (o->imm) {
    case IM_NONE: break;
    case IM_LABEL: buf_u32(P, b, parse_label(P)); break;
    case IM_BR_TABLE: {
        uint32_t n = 0;
        if (!is_index(peek(P, 0)))
            wat_fail(P, peek(P, 0), "br_table needs at least one label");
        /* labels first into scratch, as the count goes before them */
        size_t base = P->scratch.len;
        while (is_index(peek(P, 0))) {
            buf_u32(P, &P->scratch, parse_label(P));
            n++;
        }
        buf_u32(P, b, n - 1);
        buf_bytes(P, b, P->scratch.data + base, P->scratch.len - base);
        P->scratch.len = base;
        break;
    }
    case IM_CALL: case IM_REF_FUNC: buf_u32(P, b, resolve(P, SP_FUNC, "function")); break;
    case IM_CALL_INDIRECT: {
        uint32_t table = is_index(peek(P, 0)) ? resolve(P, SP_TABLE, "table") : 0;
        buf_u32(P, b, parse_typeuse(P, false, NULL));
        buf_u32(P, b, table);
        break;
    }
    case IM_LOCAL: buf_u32(P, b, resolve_in(P, &P->locals, next_tok(P), "local")); break;
    case IM_GLOBAL: buf_u32(P, b, resolve(P, SP_GLOBAL, "global")); break;
    case IM_TABLE: optional_table(P); break;
    case IM_TABLE_COPY:
        if (is_index(peek(P, 0))) {
            buf_u32(P, b, resolve(P, SP_TABLE, "table"));
            buf_u32(P, b, resolve(P, SP_TABLE, "table"));
        } else {
            buf_bytes(P, b, "\0\0", 2);
        }
        break;
    case IM_TABLE_INIT:
        if (is_index(peek(P, 1))) {
            uint32_t table = resolve(P, SP_TABLE, "table");
            buf_u32(P, b, resolve(P, SP_ELEM, "elem"));
            buf_u32(P, b, table);
        } else {
            buf_u32(P, b, resolve(P, SP_ELEM, "elem"));
            emit(P, 0);
        }
        break;
    case IM_ELEM: buf_u32(P, b, resolve(P, SP_ELEM, "elem")); break;
    case IM_MEMARG: parse_memarg(P, o->align); break;
    case IM_ZERO: emit(P, 0); break;
    case IM_ZERO2: emit(P, 0); emit(P, 0); break;
    case IM_MEMORY_INIT:
        P->needs_datacount = true;
        buf_u32(P, b, resolve(P, SP_DATA, "data"));
        emit(P, 0);
        break;
    case IM_DATA:
        P->needs_datacount = true;
        buf_u32(P, b, resolve(P, SP_DATA, "data"));
        break;
    case IM_I32: case IM_I64: case IM_F32: case IM_F64: parse_const(P, o->imm); break;
    case IM_REF_NULL: emit(P, parse_heaptype(P)); break;
    }
}

/* One non-structured instruction: its opcode and immediates. */
static void simple_instr(parser *P, const token *t)
{
    uint8_t num;
    const op *o = find_op(P, t, &num);
    if (num) {
        emit(P, num);
        return;
    }
    if (!o)
        wat_fail(P, t, "unknown operator \"%.*s\"", (int)(t->len > 40 ? 40 : t->len), t->text);
    if (o->imm == IM_SELECT) {
        parse_select(P);
        return;
    }
    if (o->code > 0xFF) {
        emit(P, 0xFC);
        buf_u32(P, &P->body, o->code & 0xFF);
    } else {
        emit(P, (uint8_t)o->code);
    }
    immediates(P, o);
}

/* ---- structure ----------------------------------------------------------- */

static int block_opcode(const token *t)
{
    return is_keyword(t, "block") ? 0x02 : is_keyword(t, "loop") ? 0x03 : is_keyword(t, "if") ? 0x04 : 0;
}

static void enter(parser *P, const token *at)
{
    if (++P->depth > WAT_MAX_NESTING)
        wat_fail(P, at, "instructions nested deeper than %d", WAT_MAX_NESTING);
}

static void plain_instr(parser *P)
{
    const token *t = next_tok(P);
    if (t->kind != T_KEYWORD)
        wat_fail(P, t, "unexpected token \"%.*s\", expected an instruction", (int)(t->len > 40 ? 40 : t->len),
                 t->text);
    int opcode = block_opcode(t);
    if (!opcode) {
        simple_instr(P, t);
        return;
    }
    enter(P, t);
    const token *label = peek(P, 0)->kind == T_ID ? next_tok(P) : NULL;
    uint8_t bt[8];
    size_t btlen = parse_blocktype(P, bt);
    emit(P, (uint8_t)opcode);
    buf_bytes(P, &P->body, bt, btlen);
    label_push(P, label);
    parse_instrs(P);
    if (opcode == 0x04 && accept_keyword(P, "else")) {
        check_end_label(P);
        emit(P, 0x05);
        parse_instrs(P);
    }
    if (!accept_keyword(P, "end"))
        wat_fail(P, peek(P, 0), "unexpected token, expected \"end\"");
    check_end_label(P);
    emit(P, 0x0B);
    P->labels.n--;
    P->depth--;
}

/* Swaps body[a..b) and body[b..c) in place. */
static void reverse(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        uint8_t t = p[i];
        p[i] = p[n - 1 - i];
        p[n - 1 - i] = t;
    }
}

static void rotate(uint8_t *data, size_t a, size_t b, size_t c)
{
    reverse(data + a, b - a);
    reverse(data + b, c - b);
    reverse(data + a, c - a);
}

static void folded_body(parser *P, const token *t);

static void folded_if(parser *P)
{
    const token *label = peek(P, 0)->kind == T_ID ? next_tok(P) : NULL;
    uint8_t bt[8];
    size_t btlen = parse_blocktype(P, bt);
    while (peek(P, 0)->kind == T_LPAREN && !peek_open(P, "then"))
        parse_folded_instr(P);
    emit(P, 0x04);
    buf_bytes(P, &P->body, bt, btlen);
    label_push(P, label);
    expect_open(P, "then");
    parse_instrs(P);
    expect_close(P);
    if (peek_open(P, "else")) {
        P->pos += 2;
        emit(P, 0x05);
        parse_instrs(P);
        expect_close(P);
    }
    expect_close(P);
    emit(P, 0x0B);
    P->labels.n--;
}

void parse_folded_instr(parser *P)
{
    P->pos++;   /* ( */
    const token *t = next_tok(P);
    if (t->kind != T_KEYWORD)
        wat_fail(P, t, "unexpected token \"%.*s\", expected an instruction", (int)(t->len > 40 ? 40 : t->len),
                 t->text);
    enter(P, t);
    folded_body(P, t);
    P->depth--;
}

static void folded_body(parser *P, const token *t)
{
    int opcode = block_opcode(t);
    if (opcode == 0x04) {
        folded_if(P);
        return;
    }
    if (opcode) {
        const token *label = peek(P, 0)->kind == T_ID ? next_tok(P) : NULL;
        uint8_t bt[8];
        size_t btlen = parse_blocktype(P, bt);
        emit(P, (uint8_t)opcode);
        buf_bytes(P, &P->body, bt, btlen);
        label_push(P, label);
        parse_instrs(P);
        expect_close(P);
        emit(P, 0x0B);
        P->labels.n--;
        return;
    }
    size_t start = P->body.len;
    simple_instr(P, t);
    size_t operands = P->body.len;
    while (peek(P, 0)->kind == T_LPAREN)
        parse_folded_instr(P);
    expect_close(P);
    rotate(P->body.data, start, operands, P->body.len);
}

void parse_instrs(parser *P)
{
    for (;;) {
        const token *t = peek(P, 0);
        if (t->kind == T_LPAREN)
            parse_folded_instr(P);
        else if (t->kind == T_KEYWORD && !is_keyword(t, "end") && !is_keyword(t, "else"))
            plain_instr(P);
        else if (t->kind == T_RPAREN || t->kind == T_KEYWORD || t->kind == T_EOF)
            return;
        else
            wat_fail(P, t, "unexpected token \"%.*s\", expected an instruction", (int)(t->len > 40 ? 40 : t->len),
                     t->text);
    }
}
