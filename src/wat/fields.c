/*
 * fields.c - the second pass: each module field parsed into its section
 * (imports, functions with their code, tables, memories, globals, exports, the
 * start function, element and data segments), abbreviations expanded.
 */
#include <string.h>

#include "internal.h"

static void inline_exports(parser *P, uint8_t kind, uint32_t index)
{
    while (peek_open(P, "export")) {
        P->pos += 2;
        put_name(P, &P->sec_export, parse_string(P, "an export name"));
        buf_byte(P, &P->sec_export, kind);
        buf_u32(P, &P->sec_export, index);
        P->n_export++;
        expect_close(P);
    }
}

/* (import "m" "n"): starts the import entry; the caller appends the description. */
static bool inline_import(parser *P)
{
    if (!peek_open(P, "import"))
        return false;
    P->pos += 2;
    put_name(P, &P->sec_import, parse_string(P, "a module name"));
    put_name(P, &P->sec_import, parse_string(P, "an import name"));
    expect_close(P);
    P->n_import++;
    return true;
}

static void parse_limits(parser *P, wbuf *out)
{
    uint32_t min = parse_u32(P);
    if (peek(P, 0)->kind == T_RESERVED) {
        uint32_t max = parse_u32(P);
        buf_byte(P, out, 0x01);
        buf_u32(P, out, min);
        buf_u32(P, out, max);
    } else {
        buf_byte(P, out, 0x00);
        buf_u32(P, out, min);
    }
}

static void parse_tabletype(parser *P, wbuf *out)
{
    size_t at = out->len;
    parse_limits(P, out);
    uint8_t rt = parse_reftype(P);
    /* the text has limits then type, the binary type then limits: shift the limits up one byte */
    buf_byte(P, out, 0);
    memmove(out->data + at + 1, out->data + at, out->len - at - 1);
    out->data[at] = rt;
}

static void parse_globaltype(parser *P, wbuf *out)
{
    if (peek_open(P, "mut")) {
        P->pos += 2;
        buf_byte(P, out, parse_valtype(P));
        buf_byte(P, out, 0x01);
        expect_close(P);
    } else {
        buf_byte(P, out, parse_valtype(P));
        buf_byte(P, out, 0x00);
    }
}

static void import_desc(parser *P, int space)
{
    wbuf *imp = &P->sec_import;
    switch (space) {
    case SP_FUNC:
        buf_byte(P, imp, 0x00);
        buf_u32(P, imp, parse_typeuse(P, true, NULL));
        break;
    case SP_TABLE:
        buf_byte(P, imp, 0x01);
        parse_tabletype(P, imp);
        break;
    case SP_MEM:
        buf_byte(P, imp, 0x02);
        parse_limits(P, imp);
        break;
    default:
        buf_byte(P, imp, 0x03);
        parse_globaltype(P, imp);
        break;
    }
}

static void field_import(parser *P)
{
    put_name(P, &P->sec_import, parse_string(P, "a module name"));
    put_name(P, &P->sec_import, parse_string(P, "an import name"));
    P->n_import++;
    const token *kw = peek(P, 1);
    int space = space_of(kw);
    P->pos += 2;
    accept_id(P);
    P->next[space]++;
    import_desc(P, space);
    expect_close(P);
    expect_close(P);
}

/* Local types as the binary wants them: runs of one type. */
static void encode_locals(parser *P, wbuf *out, const uint8_t *types, size_t n)
{
    uint32_t runs = 0;
    for (size_t i = 0; i < n; i++)
        runs += i == 0 || types[i] != types[i - 1];
    buf_u32(P, out, runs);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && types[j] == types[i])
            j++;
        buf_u32(P, out, (uint32_t)(j - i));
        buf_byte(P, out, types[i]);
        i = j;
    }
}

static void field_func(parser *P)
{
    accept_id(P);
    uint32_t index = P->next[SP_FUNC]++;
    inline_exports(P, 0x00, index);
    if (inline_import(P)) {
        import_desc(P, SP_FUNC);
        expect_close(P);
        return;
    }
    P->locals.n = 0;
    P->labels.n = 0;
    buf_u32(P, &P->sec_func, parse_typeuse(P, true, &P->locals));
    P->n_func++;

    size_t base = P->scratch.len;
    while (peek_open(P, "local")) {
        P->pos += 2;
        const token *id = accept_id(P);
        if (id) {
            buf_byte(P, &P->scratch, parse_valtype(P));
            names_add(P, &P->locals, id, "local");
        } else {
            int vt;
            while ((vt = parse_valtype_opt(P)) >= 0) {
                buf_byte(P, &P->scratch, (uint8_t)vt);
                names_add(P, &P->locals, NULL, "local");
            }
        }
        expect_close(P);
    }
    /* the locals declaration goes into scratch after the local types (block types use scratch only
       transiently, beyond its length) */
    size_t decl = P->scratch.len;
    encode_locals(P, &P->scratch, P->scratch.data + base, decl - base);

    P->body.len = 0;
    parse_instrs(P);
    expect_close(P);
    size_t decl_len = P->scratch.len - decl;
    buf_u32(P, &P->sec_code, (uint32_t)(decl_len + P->body.len + 1));
    buf_bytes(P, &P->sec_code, P->scratch.data + decl, decl_len);
    buf_bytes(P, &P->sec_code, P->body.data, P->body.len);
    buf_byte(P, &P->sec_code, 0x0B);
    P->scratch.len = base;
    P->body.len = 0;
}

/* Element list: indices, or expressions ((item ...) or one folded instruction). Returns the count. */
static uint32_t parse_elem_list(parser *P, bool exprs, wbuf *items)
{
    uint32_t n = 0;
    while (peek(P, 0)->kind != T_RPAREN) {
        if (!exprs) {
            if (!is_index(peek(P, 0)))
                unexpected(P, peek(P, 0), "a function index");
            buf_u32(P, items, resolve(P, SP_FUNC, "function"));
        } else if (peek_open(P, "item")) {
            P->pos += 2;
            parse_expr(P, items);
            expect_close(P);
        } else {
            parse_offset(P, items);   /* one folded instruction, same as an offset */
        }
        n++;
    }
    return n;
}

enum { ELEM_ACTIVE, ELEM_PASSIVE, ELEM_DECLARE };

static void encode_elem(parser *P, int mode, uint32_t table, const wbuf *offset, uint8_t reftype, bool exprs,
                        const wbuf *items, uint32_t n)
{
    wbuf *s = &P->sec_elem;
    bool implicit_table = mode == ELEM_ACTIVE && table == 0 && reftype == 0x70;
    uint8_t flags = (uint8_t)((exprs ? 4 : 0) |
                              (mode == ELEM_PASSIVE ? 1 : mode == ELEM_DECLARE ? 3 : implicit_table ? 0 : 2));
    buf_u32(P, s, flags);
    if ((flags & 3) == 2)
        buf_u32(P, s, table);
    if (mode == ELEM_ACTIVE)
        buf_bytes(P, s, offset->data, offset->len);
    if (!implicit_table)
        buf_byte(P, s, exprs ? reftype : 0x00);
    buf_u32(P, s, n);
    buf_bytes(P, s, items->data, items->len);
    P->n_elem++;
}

static void field_table(parser *P)
{
    accept_id(P);
    uint32_t index = P->next[SP_TABLE]++;
    inline_exports(P, 0x01, index);
    if (inline_import(P)) {
        import_desc(P, SP_TABLE);
        expect_close(P);
        return;
    }
    int rt = parse_valtype_opt(P);
    if (rt < 0) {
        parse_tabletype(P, &P->sec_table);
        P->n_table++;
        expect_close(P);
        return;
    }
    /* (table reftype (elem ...)): a table just big enough, and its segment at 0 */
    if (rt != 0x70 && rt != 0x6F)
        wat_fail(P, peek(P, 0), "malformed table type");
    expect_open(P, "elem");
    wbuf offset = { 0 };
    bool exprs = peek(P, 0)->kind == T_LPAREN;
    P->scratch.len = 0;
    uint32_t n = parse_elem_list(P, exprs, &P->scratch);
    expect_close(P);
    expect_close(P);
    uint8_t off[] = { 0x41, 0x00, 0x0B };
    offset.data = off;
    offset.len = sizeof off;
    buf_byte(P, &P->sec_table, (uint8_t)rt);
    buf_byte(P, &P->sec_table, 0x01);
    buf_u32(P, &P->sec_table, n);
    buf_u32(P, &P->sec_table, n);
    P->n_table++;
    P->next[SP_ELEM]++;
    encode_elem(P, ELEM_ACTIVE, index, &offset, (uint8_t)rt, exprs, &P->scratch, n);
    P->scratch.len = 0;
}

/* An active data segment's start: flags, and the memory unless it is 0. */
static void data_memory(parser *P, uint32_t mem)
{
    if (mem == 0) {
        buf_byte(P, &P->sec_data, 0x00);
    } else {
        buf_byte(P, &P->sec_data, 0x02);
        buf_u32(P, &P->sec_data, mem);
    }
}

/* A data segment's strings, concatenated, as its byte vector; ends the segment.  Returns its size. */
static size_t data_strings(parser *P)
{
    size_t start = P->pos, total = 0;
    while (peek(P, 0)->kind == T_STRING)
        total += next_tok(P)->str_len;
    buf_u32(P, &P->sec_data, (uint32_t)total);
    for (size_t i = start; i < P->pos; i++)
        buf_bytes(P, &P->sec_data, P->strings + P->toks[i].str_off, P->toks[i].str_len);
    P->n_data++;
    return total;
}

static void field_memory(parser *P)
{
    accept_id(P);
    uint32_t index = P->next[SP_MEM]++;
    inline_exports(P, 0x02, index);
    if (inline_import(P)) {
        import_desc(P, SP_MEM);
        expect_close(P);
        return;
    }
    if (!peek_open(P, "data")) {
        parse_limits(P, &P->sec_mem);
        P->n_mem++;
        expect_close(P);
        return;
    }
    /* (memory (data ...)): just enough pages, and the segment at 0 */
    P->pos += 2;
    data_memory(P, index);
    buf_bytes(P, &P->sec_data, (const uint8_t[]){ 0x41, 0x00, 0x0B }, 3);
    size_t total = data_strings(P);
    expect_close(P);
    expect_close(P);
    uint32_t pages = (uint32_t)((total + 65535) / 65536);
    buf_byte(P, &P->sec_mem, 0x01);
    buf_u32(P, &P->sec_mem, pages);
    buf_u32(P, &P->sec_mem, pages);
    P->n_mem++;
    P->next[SP_DATA]++;
}

static void field_global(parser *P)
{
    accept_id(P);
    uint32_t index = P->next[SP_GLOBAL]++;
    inline_exports(P, 0x03, index);
    if (inline_import(P)) {
        import_desc(P, SP_GLOBAL);
        expect_close(P);
        return;
    }
    parse_globaltype(P, &P->sec_global);
    parse_expr(P, &P->sec_global);
    P->n_global++;
    expect_close(P);
}

static void field_export(parser *P)
{
    static const char *kinds[] = { "func", "table", "memory", "global" };
    static const int spaces[] = { SP_FUNC, SP_TABLE, SP_MEM, SP_GLOBAL };
    put_name(P, &P->sec_export, parse_string(P, "an export name"));
    for (uint8_t k = 0; k < 4; k++) {
        if (peek_open(P, kinds[k])) {
            P->pos += 2;
            buf_byte(P, &P->sec_export, k);
            buf_u32(P, &P->sec_export, resolve(P, spaces[k], kinds[k]));
            expect_close(P);
            expect_close(P);
            P->n_export++;
            return;
        }
    }
    unexpected(P, peek(P, 0), "an export description");
}

static void field_start(parser *P, const token *kw)
{
    if (P->has_start)
        wat_fail(P, kw, "multiple start sections");
    P->has_start = true;
    P->start = resolve(P, SP_FUNC, "function");
    expect_close(P);
}

static void field_elem(parser *P)
{
    accept_id(P);
    P->next[SP_ELEM]++;
    int mode = ELEM_PASSIVE;
    uint32_t table = 0;
    bool table_use = false;
    wbuf offset = { 0 };
    if (accept_keyword(P, "declare")) {
        mode = ELEM_DECLARE;
    } else if (peek(P, 0)->kind == T_LPAREN) {
        mode = ELEM_ACTIVE;
        if (peek_open(P, "table")) {
            P->pos += 2;
            table = resolve(P, SP_TABLE, "table");
            expect_close(P);
            table_use = true;
        }
        /* the offset goes to the scratch buffer's start, the items after it */
        P->scratch.len = 0;
        parse_offset(P, &P->scratch);
        offset.len = P->scratch.len;
    }
    P->scratch.len = offset.len;
    uint8_t reftype = 0x70;
    bool exprs = false;
    if (!accept_keyword(P, "func")) {
        int rt = parse_valtype_opt(P);
        if (rt == 0x70 || rt == 0x6F) {
            reftype = (uint8_t)rt;
            exprs = true;
        } else if (rt >= 0 || mode != ELEM_ACTIVE || table_use) {
            /* only `(elem (offset ...) x*)`, without a table, may leave out `func` */
            unexpected(P, peek(P, 0), "func or a reference type");
        }
    }
    wbuf items = { 0 };
    uint32_t n = parse_elem_list(P, exprs, &P->scratch);
    expect_close(P);
    offset.data = P->scratch.data;
    items.data = P->scratch.data + offset.len;
    items.len = P->scratch.len - offset.len;
    encode_elem(P, mode, table, &offset, reftype, exprs, &items, n);
    P->scratch.len = 0;
}

static void field_data(parser *P)
{
    accept_id(P);
    P->next[SP_DATA]++;
    if (peek(P, 0)->kind == T_LPAREN) {
        uint32_t mem = 0;
        if (peek_open(P, "memory")) {
            P->pos += 2;
            mem = resolve(P, SP_MEM, "memory");
            expect_close(P);
        }
        data_memory(P, mem);
        parse_offset(P, &P->sec_data);
    } else {
        buf_byte(P, &P->sec_data, 0x01);   /* passive */
    }
    data_strings(P);
    expect_close(P);
}

void parse_field(parser *P)
{
    P->pos++;   /* ( */
    const token *kw = next_tok(P);
    if (is_keyword(kw, "type")) {
        P->pos -= 2;    /* registered in pass 1 */
        skip_sexpr(P);
    }
    else if (is_keyword(kw, "import"))
        field_import(P);
    else if (is_keyword(kw, "func"))
        field_func(P);
    else if (is_keyword(kw, "table"))
        field_table(P);
    else if (is_keyword(kw, "memory"))
        field_memory(P);
    else if (is_keyword(kw, "global"))
        field_global(P);
    else if (is_keyword(kw, "export"))
        field_export(P);
    else if (is_keyword(kw, "start"))
        field_start(P, kw);
    else if (is_keyword(kw, "elem"))
        field_elem(P);
    else
        field_data(P);
}

