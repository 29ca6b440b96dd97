/*
 * parse.c - what every part of the parser uses: failing, buffers, tokens,
 * value types, identifiers and index spaces, function types and type uses,
 * constant expressions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

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

void buf_reserve(parser *P, wbuf *b, size_t n)
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

_Noreturn void unexpected(parser *P, const token *t, const char *wanted)
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

const token *accept_id(parser *P)
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

uint8_t parse_reftype(parser *P)
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

const token *parse_string(parser *P, const char *what)
{
    const token *t = next_tok(P);
    if (t->kind != T_STRING)
        unexpected(P, t, what);
    return t;
}

/* A string used as a name must be UTF-8. */
void put_name(parser *P, wbuf *b, const token *t)
{
    const uint8_t *s = P->strings + t->str_off;
    if (!wat_utf8_valid(s, t->str_len))
        wat_fail(P, t, "malformed UTF-8 encoding");
    buf_u32(P, b, (uint32_t)t->str_len);
    buf_bytes(P, b, s, t->str_len);
}

/* ---- identifiers --------------------------------------------------------- */

const char *const space_names[SP_COUNT] = { "type", "func", "table", "memory", "global", "elem", "data" };

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

uint32_t type_add(parser *P, const uint8_t *params, uint32_t np, const uint8_t *results, uint32_t nr)
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

/*
 * A type use.  `(type x)` alone may name a type that does not exist (yet): the
 * validator reports it ("unknown type"), or it is one that a later type use
 * appends, in which case a function gets no parameter slots here (a
 * limitation: named locals of such a function would be numbered from 0).
 * With an inline signature the type must exist, to be compared.
 */
uint32_t parse_typeuse(parser *P, bool param_ids, names *param_names)
{
    size_t base = P->scratch.len;
    uint32_t idx = 0, np, nr;
    bool has_type = peek_open(P, "type");
    const token *at = peek(P, 0), *type_tok = peek(P, 2);
    if (has_type) {
        P->pos += 2;
        idx = resolve(P, SP_TYPE, "type");
        expect_close(P);
    }
    parse_signature(P, param_ids, param_names, &np, &nr);
    const uint8_t *sig = P->scratch.data + base;
    if (!has_type) {
        idx = type_find_or_add(P, sig, np, sig + np, nr);
    } else if (np || nr) {
        if (idx >= P->ntypes)
            wat_fail(P, type_tok, "unknown type");
        if (!type_equals(P, &P->types[idx], sig, np, sig + np, nr))
            wat_fail(P, at, "inline function type does not match the type it names");
    } else if (param_names && idx < P->ntypes) {
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
void parse_offset(parser *P, wbuf *out)
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


/* ---- fields ------------------------------------------------------------- */

/* Past the parenthesised form at the cursor. */
void skip_sexpr(parser *P)
{
    int depth = 0;
    do {
        const token *t = next_tok(P);
        if (t->kind == T_EOF)
            wat_fail(P, t, "unexpected end of input: unclosed \"(\"");
        depth += t->kind == T_LPAREN ? 1 : t->kind == T_RPAREN ? -1 : 0;
    } while (depth > 0);
}

/* The index space of "func", "table", "memory", "global"; -1 for other tokens. */
int space_of(const token *kw)
{
    static const char *kws[] = { "func", "table", "memory", "global" };
    static const int spaces[] = { SP_FUNC, SP_TABLE, SP_MEM, SP_GLOBAL };
    for (int i = 0; i < 4; i++)
        if (is_keyword(kw, kws[i]))
            return spaces[i];
    return -1;
}

