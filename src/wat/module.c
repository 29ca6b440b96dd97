/*
 * module.c - module fields and the binary they become.
 *
 * Two passes over the tokens.  The first gives every module-level identifier
 * its index (so fields can refer forward), registers the explicit types and
 * checks that imports come before definitions.  The second parses each field
 * and appends it to its section; types that type uses introduce are appended
 * after the explicit ones, as the text format defines.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "wat.h"

/* ---- errors, memory, buffers --------------------------------------------- */

_Noreturn void wat_fail(parser *P, const token *at, const char *fmt, ...)
{
    if (P->err && P->errlen) {
        int n = at ? snprintf(P->err, P->errlen, "%u:%u: ", at->line, at->col) : 0;
        if (n < 0 || (size_t)n >= P->errlen)
            n = 0;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(P->err + n, P->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    longjmp(P->fail, 1);
}

void *wat_alloc(parser *P, void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        wat_fail(P, NULL, "out of memory");
    return p;
}

static void buf_reserve(parser *P, wbuf *b, size_t n)
{
    if (b->len + n <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n)
        cap *= 2;
    b->data = wat_alloc(P, b->data, cap);
    b->cap = cap;
}

void buf_byte(parser *P, wbuf *b, uint8_t v)
{
    buf_reserve(P, b, 1);
    b->data[b->len++] = v;
}

void buf_bytes(parser *P, wbuf *b, const void *p, size_t n)
{
    buf_reserve(P, b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

void buf_u32(parser *P, wbuf *b, uint32_t v)
{
    do {
        uint8_t byte = v & 0x7F;
        v >>= 7;
        buf_byte(P, b, byte | (v ? 0x80 : 0));
    } while (v);
}

void buf_s64(parser *P, wbuf *b, int64_t v)
{
    for (;;) {
        uint8_t byte = v & 0x7F;
        v >>= 7;   /* arithmetic shift (gcc and clang) */
        if ((v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40))) {
            buf_byte(P, b, byte);
            return;
        }
        buf_byte(P, b, byte | 0x80);
    }
}

/* ---- tokens -------------------------------------------------------------- */

const token *peek(parser *P, size_t ahead)
{
    size_t i = P->pos + ahead;
    return &P->toks[i < P->ntoks ? i : P->ntoks - 1];
}

const token *next_tok(parser *P)
{
    const token *t = peek(P, 0);
    if (t->kind != T_EOF)
        P->pos++;
    return t;
}

bool is_keyword(const token *t, const char *kw)
{
    return t->kind == T_KEYWORD && strncmp(t->text, kw, t->len) == 0 && kw[t->len] == 0;
}

bool peek_open(parser *P, const char *kw)
{
    return peek(P, 0)->kind == T_LPAREN && is_keyword(peek(P, 1), kw);
}

static _Noreturn void unexpected(parser *P, const token *t, const char *wanted)
{
    if (t->kind == T_EOF)
        wat_fail(P, t, "unexpected end of input, expected %s", wanted);
    wat_fail(P, t, "unexpected token \"%.*s\", expected %s", (int)(t->len > 40 ? 40 : t->len), t->text, wanted);
}

void expect_open(parser *P, const char *kw)
{
    if (!peek_open(P, kw))
        unexpected(P, peek(P, peek(P, 0)->kind == T_LPAREN), kw);
    P->pos += 2;
}

void expect_close(parser *P)
{
    const token *t = next_tok(P);
    if (t->kind != T_RPAREN)
        unexpected(P, t, "\")\"");
}

bool accept_keyword(parser *P, const char *kw)
{
    if (!is_keyword(peek(P, 0), kw))
        return false;
    P->pos++;
    return true;
}

static const token *accept_id(parser *P)
{
    return peek(P, 0)->kind == T_ID ? next_tok(P) : NULL;
}

static const struct { const char *name; uint8_t code; } valtypes[] = {
    { "i32", 0x7F }, { "i64", 0x7E }, { "f32", 0x7D }, { "f64", 0x7C }, { "funcref", 0x70 }, { "externref", 0x6F },
};

int parse_valtype_opt(parser *P)
{
    for (size_t i = 0; i < sizeof valtypes / sizeof valtypes[0]; i++)
        if (accept_keyword(P, valtypes[i].name))
            return valtypes[i].code;
    return -1;
}

uint8_t parse_valtype(parser *P)
{
    int t = parse_valtype_opt(P);
    if (t < 0)
        unexpected(P, peek(P, 0), "a value type");
    return (uint8_t)t;
}

static uint8_t parse_reftype(parser *P)
{
    if (accept_keyword(P, "funcref"))
        return 0x70;
    if (accept_keyword(P, "externref"))
        return 0x6F;
    unexpected(P, peek(P, 0), "funcref or externref");
}

uint8_t parse_heaptype(parser *P)
{
    if (accept_keyword(P, "func"))
        return 0x70;
    if (accept_keyword(P, "extern"))
        return 0x6F;
    unexpected(P, peek(P, 0), "func or extern");
}

bool is_index(const token *t)
{
    return t->kind == T_ID || (t->kind == T_RESERVED && t->len && t->text[0] >= '0' && t->text[0] <= '9');
}

uint32_t parse_u32(parser *P)
{
    const token *t = next_tok(P);
    uint64_t v;
    if (t->kind != T_RESERVED)
        unexpected(P, t, "a number");
    if (!wat_int(t, 32, false, &v))
        wat_fail(P, t, "i32 constant out of range or malformed: \"%.*s\"", (int)t->len, t->text);
    return (uint32_t)v;
}

static const token *parse_string(parser *P, const char *what)
{
    const token *t = next_tok(P);
    if (t->kind != T_STRING)
        unexpected(P, t, what);
    return t;
}

/* A string used as a name must be UTF-8. */
static void put_name(parser *P, wbuf *b, const token *t)
{
    const uint8_t *s = P->strings + t->str_off;
    if (!wat_utf8_valid(s, t->str_len))
        wat_fail(P, t, "malformed UTF-8 encoding");
    buf_u32(P, b, (uint32_t)t->str_len);
    buf_bytes(P, b, s, t->str_len);
}

/* ---- identifiers --------------------------------------------------------- */

static const char *space_names[SP_COUNT] = { "type", "func", "table", "memory", "global", "elem", "data" };

void names_add(parser *P, names *ns, const token *id, const char *what)
{
    if (id)
        for (uint32_t i = 0; i < ns->n; i++)
            if (ns->v[i].len == id->len && memcmp(ns->v[i].text, id->text, id->len) == 0)
                wat_fail(P, id, "duplicate %s %.*s", what, (int)id->len, id->text);
    if (ns->n == ns->cap) {
        ns->cap = ns->cap ? 2 * ns->cap : 16;
        ns->v = wat_alloc(P, ns->v, ns->cap * sizeof *ns->v);
    }
    ns->v[ns->n].text = id ? id->text : NULL;
    ns->v[ns->n].len = id ? id->len : 0;
    ns->n++;
}

uint32_t resolve_in(parser *P, names *ns, const token *t, const char *what)
{
    if (t->kind == T_ID) {
        for (uint32_t i = ns->n; i-- > 0;)
            if (ns->v[i].len == t->len && memcmp(ns->v[i].text, t->text, t->len) == 0)
                return i;
        wat_fail(P, t, "unknown %s %.*s", what, (int)t->len, t->text);
    }
    uint64_t v;
    if (t->kind != T_RESERVED)
        unexpected(P, t, what);
    if (!wat_int(t, 32, false, &v))
        wat_fail(P, t, "malformed %s index \"%.*s\"", what, (int)t->len, t->text);
    return (uint32_t)v;
}

uint32_t resolve(parser *P, int space, const char *what)
{
    return resolve_in(P, &P->spaces[space], next_tok(P), what);
}

/* ---- types --------------------------------------------------------------- */

static uint32_t type_add(parser *P, const uint8_t *params, uint32_t np, const uint8_t *results, uint32_t nr)
{
    if (P->ntypes == P->captypes) {
        P->captypes = P->captypes ? 2 * P->captypes : 16;
        P->types = wat_alloc(P, P->types, P->captypes * sizeof *P->types);
    }
    functype *ft = &P->types[P->ntypes];
    ft->params = P->typepool.len;
    buf_bytes(P, &P->typepool, params, np);
    ft->results = P->typepool.len;
    buf_bytes(P, &P->typepool, results, nr);
    ft->nparams = np;
    ft->nresults = nr;
    return P->ntypes++;
}

static bool type_equals(parser *P, const functype *ft, const uint8_t *params, uint32_t np, const uint8_t *results,
                        uint32_t nr)
{
    return ft->nparams == np && ft->nresults == nr &&
           (np == 0 || memcmp(P->typepool.data + ft->params, params, np) == 0) &&
           (nr == 0 || memcmp(P->typepool.data + ft->results, results, nr) == 0);
}

uint32_t type_find_or_add(parser *P, const uint8_t *params, uint32_t np, const uint8_t *results, uint32_t nr)
{
    for (uint32_t i = 0; i < P->ntypes; i++)
        if (type_equals(P, &P->types[i], params, np, results, nr))
            return i;
    return type_add(P, params, np, results, nr);
}

/* (param ...)* (result ...)* into P->scratch from `base`: params first, then results. */
void parse_signature(parser *P, bool param_ids, names *param_names, uint32_t *np, uint32_t *nr)
{
    size_t base = P->scratch.len;
    while (peek_open(P, "param")) {
        P->pos += 2;
        const token *id = accept_id(P);
        if (id) {
            if (!param_ids)
                wat_fail(P, id, "unexpected token: no parameter identifiers here");
            buf_byte(P, &P->scratch, parse_valtype(P));
            if (param_names)
                names_add(P, param_names, id, "local");
        } else {
            int vt;
            while ((vt = parse_valtype_opt(P)) >= 0) {
                buf_byte(P, &P->scratch, (uint8_t)vt);
                if (param_names)
                    names_add(P, param_names, NULL, "local");
            }
        }
        expect_close(P);
    }
    *np = (uint32_t)(P->scratch.len - base);
    while (peek_open(P, "result")) {
        P->pos += 2;
        int vt;
        while ((vt = parse_valtype_opt(P)) >= 0)
            buf_byte(P, &P->scratch, (uint8_t)vt);
        expect_close(P);
    }
    *nr = (uint32_t)(P->scratch.len - base) - *np;
}

uint32_t parse_typeuse(parser *P, bool param_ids, names *param_names)
{
    size_t base = P->scratch.len;
    uint32_t idx = 0, np, nr;
    bool has_type = peek_open(P, "type");
    const token *at = peek(P, 0);
    if (has_type) {
        P->pos += 2;
        const token *t = peek(P, 0);
        idx = resolve(P, SP_TYPE, "type");
        if (idx >= P->ntypes)
            wat_fail(P, t, "unknown type");
        expect_close(P);
    }
    parse_signature(P, param_ids, param_names, &np, &nr);
    const uint8_t *sig = P->scratch.data + base;
    if (!has_type) {
        idx = type_find_or_add(P, sig, np, sig + np, nr);
    } else if (np || nr) {
        if (!type_equals(P, &P->types[idx], sig, np, sig + np, nr))
            wat_fail(P, at, "inline function type does not match the type it names");
    } else if (param_names) {
        for (uint32_t i = 0; i < P->types[idx].nparams; i++)
            names_add(P, param_names, NULL, "local");
    }
    P->scratch.len = base;
    return idx;
}

/* ---- expressions --------------------------------------------------------- */

/* Instructions up to the closing parenthesis (not consumed), appended to `out` with `end`. */
void parse_expr(parser *P, wbuf *out)
{
    P->body.len = 0;
    P->locals.n = 0;
    P->labels.n = 0;
    parse_instrs(P);
    buf_bytes(P, out, P->body.data, P->body.len);
    buf_byte(P, out, 0x0B);
    P->body.len = 0;
}

/* (offset instr*) or one folded instruction. */
static void parse_offset(parser *P, wbuf *out)
{
    if (peek_open(P, "offset")) {
        P->pos += 2;
        parse_expr(P, out);
        expect_close(P);
        return;
    }
    if (peek(P, 0)->kind != T_LPAREN)
        unexpected(P, peek(P, 0), "an offset expression");
    P->body.len = 0;
    P->locals.n = 0;
    P->labels.n = 0;
    parse_folded_instr(P);
    buf_bytes(P, out, P->body.data, P->body.len);
    buf_byte(P, out, 0x0B);
    P->body.len = 0;
}

/* ---- pass 1 -------------------------------------------------------------- */

static void skip_sexpr(parser *P)
{
    int depth = 0;
    do {
        const token *t = next_tok(P);
        if (t->kind == T_EOF)
            wat_fail(P, t, "unexpected end of input: unclosed \"(\"");
        depth += t->kind == T_LPAREN ? 1 : t->kind == T_RPAREN ? -1 : 0;
    } while (depth > 0);
}

static int space_of(const token *kw)
{
    static const char *kws[] = { "func", "table", "memory", "global" };
    static const int spaces[] = { SP_FUNC, SP_TABLE, SP_MEM, SP_GLOBAL };
    for (int i = 0; i < 4; i++)
        if (is_keyword(kw, kws[i]))
            return spaces[i];
    return -1;
}

static void check_import_order(parser *P, const token *at, bool seen_definition)
{
    if (seen_definition)
        wat_fail(P, at, "import after function, table, memory or global definition");
}

/* One field's identifiers; returns whether it defines a function, table, memory or global. */
static bool scan_field(parser *P, bool seen_definition)
{
    const token *open = next_tok(P), *kw = next_tok(P);
    if (open->kind != T_LPAREN || kw->kind != T_KEYWORD)
        unexpected(P, open->kind != T_LPAREN ? open : kw, "a module field");
    int space = space_of(kw);
    if (is_keyword(kw, "type")) {
        names_add(P, &P->spaces[SP_TYPE], accept_id(P), "type");
        expect_open(P, "func");
        uint32_t np, nr;
        size_t base = P->scratch.len;
        parse_signature(P, true, NULL, &np, &nr);
        type_add(P, P->scratch.data + base, np, P->scratch.data + base + np, nr);
        P->scratch.len = base;
        expect_close(P);
    } else if (is_keyword(kw, "import")) {
        check_import_order(P, kw, seen_definition);
        parse_string(P, "a module name");
        parse_string(P, "an import name");
        if (peek(P, 0)->kind != T_LPAREN || (space = space_of(peek(P, 1))) < 0)
            unexpected(P, peek(P, peek(P, 0)->kind == T_LPAREN), "an import description");
        P->pos += 2;
        names_add(P, &P->spaces[space], accept_id(P), space_names[space]);
    } else if (space >= 0) {
        names_add(P, &P->spaces[space], accept_id(P), space_names[space]);
        while (peek_open(P, "export"))
            skip_sexpr(P);
        if (peek_open(P, "import")) {
            check_import_order(P, peek(P, 1), seen_definition);
        } else {
            seen_definition = true;
            /* An inline (elem ...) or (data ...) is a segment of its own. */
            while (peek(P, 0)->kind != T_RPAREN && peek(P, 0)->kind != T_EOF) {
                if (space == SP_TABLE && peek_open(P, "elem"))
                    names_add(P, &P->spaces[SP_ELEM], NULL, "elem");
                if (space == SP_MEM && peek_open(P, "data"))
                    names_add(P, &P->spaces[SP_DATA], NULL, "data");
                if (peek(P, 0)->kind == T_LPAREN)
                    skip_sexpr(P);
                else
                    P->pos++;
            }
        }
    } else if (is_keyword(kw, "elem") || is_keyword(kw, "data")) {
        int sp = is_keyword(kw, "elem") ? SP_ELEM : SP_DATA;
        names_add(P, &P->spaces[sp], accept_id(P), space_names[sp]);
    } else if (!is_keyword(kw, "export") && !is_keyword(kw, "start")) {
        wat_fail(P, kw, "unknown module field \"%.*s\"", (int)kw->len, kw->text);
    }
    return seen_definition;
}

static void scan_fields(parser *P)
{
    size_t start = P->pos;
    bool seen_definition = false;
    while (peek(P, 0)->kind == T_LPAREN) {
        size_t field = P->pos;
        seen_definition = scan_field(P, seen_definition);
        P->pos = field;
        skip_sexpr(P);
    }
    P->pos = start;
}

/* ---- pass 2: fields ------------------------------------------------------ */

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
    wbuf offset = { 0 };
    if (accept_keyword(P, "declare")) {
        mode = ELEM_DECLARE;
    } else if (peek(P, 0)->kind == T_LPAREN || is_index(peek(P, 0))) {
        mode = ELEM_ACTIVE;
        if (peek_open(P, "table")) {
            P->pos += 2;
            table = resolve(P, SP_TABLE, "table");
            expect_close(P);
        } else if (is_index(peek(P, 0))) {
            table = resolve(P, SP_TABLE, "table");
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
        } else if (rt >= 0 || mode != ELEM_ACTIVE) {
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
    if (peek(P, 0)->kind == T_LPAREN || is_index(peek(P, 0))) {
        uint32_t mem = 0;
        if (peek_open(P, "memory")) {
            P->pos += 2;
            mem = resolve(P, SP_MEM, "memory");
            expect_close(P);
        } else if (is_index(peek(P, 0))) {
            mem = resolve(P, SP_MEM, "memory");
        }
        data_memory(P, mem);
        parse_offset(P, &P->sec_data);
    } else {
        buf_byte(P, &P->sec_data, 0x01);   /* passive */
    }
    data_strings(P);
    expect_close(P);
}

static void parse_field(parser *P)
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

/* ---- the binary ---------------------------------------------------------- */

static void section(parser *P, wbuf *out, uint8_t id, uint32_t count, const wbuf *content)
{
    buf_u32(P, &P->scratch, count);
    size_t count_len = P->scratch.len;
    buf_byte(P, out, id);
    buf_u32(P, out, (uint32_t)(count_len + content->len));
    buf_bytes(P, out, P->scratch.data, count_len);
    buf_bytes(P, out, content->data, content->len);
    P->scratch.len = 0;
}

static void emit_module(parser *P, wbuf *out)
{
    buf_bytes(P, out, "\0asm\1\0\0\0", 8);
    wbuf types;
    P->scratch.len = 0;
    P->body.len = 0;
    for (uint32_t i = 0; i < P->ntypes; i++) {
        const functype *ft = &P->types[i];
        buf_byte(P, &P->body, 0x60);
        buf_u32(P, &P->body, ft->nparams);
        buf_bytes(P, &P->body, P->typepool.data + ft->params, ft->nparams);
        buf_u32(P, &P->body, ft->nresults);
        buf_bytes(P, &P->body, P->typepool.data + ft->results, ft->nresults);
    }
    types = P->body;
    if (P->ntypes)
        section(P, out, 1, P->ntypes, &types);
    if (P->n_import)
        section(P, out, 2, P->n_import, &P->sec_import);
    if (P->n_func)
        section(P, out, 3, P->n_func, &P->sec_func);
    if (P->n_table)
        section(P, out, 4, P->n_table, &P->sec_table);
    if (P->n_mem)
        section(P, out, 5, P->n_mem, &P->sec_mem);
    if (P->n_global)
        section(P, out, 6, P->n_global, &P->sec_global);
    if (P->n_export)
        section(P, out, 7, P->n_export, &P->sec_export);
    if (P->has_start) {
        buf_byte(P, out, 8);
        buf_u32(P, &P->scratch, P->start);
        buf_u32(P, out, (uint32_t)P->scratch.len);
        buf_bytes(P, out, P->scratch.data, P->scratch.len);
        P->scratch.len = 0;
    }
    if (P->n_elem)
        section(P, out, 9, P->n_elem, &P->sec_elem);
    if (P->needs_datacount) {   /* only memory.init and data.drop need it (as wabt does) */
        buf_byte(P, out, 12);
        buf_u32(P, &P->scratch, P->n_data);
        buf_u32(P, out, (uint32_t)P->scratch.len);
        buf_bytes(P, out, P->scratch.data, P->scratch.len);
        P->scratch.len = 0;
    }
    if (P->n_func)
        section(P, out, 10, P->n_func, &P->sec_code);
    if (P->n_data)
        section(P, out, 11, P->n_data, &P->sec_data);
}

/* (module $id? binary "..."*) and (module $id? quote "..."*): the strings, concatenated. */
static void concat_strings(parser *P, wbuf *out)
{
    while (peek(P, 0)->kind == T_STRING) {
        const token *t = next_tok(P);
        buf_bytes(P, out, P->strings + t->str_off, t->str_len);
    }
}

static void parse_module(parser *P, wbuf *out)
{
    bool wrapped = peek_open(P, "module");
    if (wrapped) {
        P->pos += 2;
        accept_id(P);
        if (accept_keyword(P, "binary")) {
            concat_strings(P, out);
            expect_close(P);
            if (peek(P, 0)->kind != T_EOF)
                unexpected(P, peek(P, 0), "end of input");
            return;
        }
        if (accept_keyword(P, "quote")) {
            wbuf text = { 0 };
            concat_strings(P, &P->body);
            text = P->body;
            expect_close(P);
            if (peek(P, 0)->kind != T_EOF)
                unexpected(P, peek(P, 0), "end of input");
            uint8_t *bin;
            size_t bin_len;
            if (wat_to_wasm((const char *)text.data, text.len, &bin, &bin_len, P->err, P->errlen) != 0)
                longjmp(P->fail, 1);
            out->data = bin;
            out->len = out->cap = bin_len;
            return;
        }
    }
    scan_fields(P);
    while (peek(P, 0)->kind == T_LPAREN)
        parse_field(P);
    if (wrapped)
        expect_close(P);
    if (peek(P, 0)->kind != T_EOF)
        unexpected(P, peek(P, 0), wrapped ? "end of input" : "a module field");
    emit_module(P, out);
}

static void parser_free(parser *P)
{
    free(P->toks);
    free(P->strings);
    for (int i = 0; i < SP_COUNT; i++)
        free(P->spaces[i].v);
    free(P->types);
    wbuf *bufs[] = { &P->typepool, &P->sec_import, &P->sec_func, &P->sec_table, &P->sec_mem, &P->sec_global,
                     &P->sec_export, &P->sec_elem, &P->sec_code, &P->sec_data, &P->body, &P->scratch };
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(bufs[i]->data);
    free(P->locals.v);
    free(P->labels.v);
}

int wat_to_wasm(const char *text, size_t len, uint8_t **out, size_t *out_len, char *err, size_t errlen)
{
    parser *P = calloc(1, sizeof *P);
    if (err && errlen)
        err[0] = 0;
    if (!P) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return -1;
    }
    P->err = err;
    P->errlen = errlen;
    int status = -1;
    if (setjmp(P->fail) == 0) {
        /* the work buffers always exist: offsets into them need no null checks */
        buf_reserve(P, &P->scratch, 256);
        buf_reserve(P, &P->body, 256);
        buf_reserve(P, &P->typepool, 64);
        wat_lex(P, text, len);
        parse_module(P, &P->out);
        *out = P->out.data ? P->out.data : wat_alloc(P, NULL, 1);
        *out_len = P->out.len;
        P->out.data = NULL;
        status = 0;
    }
    free(P->out.data);
    parser_free(P);
    free(P);
    return status;
}
