/*
 * module.c - the module as a whole, and the binary it becomes.
 *
 * Two passes over the tokens.  The first (here) gives every module-level
 * identifier its index, so fields can refer forward, registers the explicit
 * types and checks that imports come before definitions.  The second
 * (fields.c) parses each field into its section; types that type uses
 * introduce are appended after the explicit ones, as the text format defines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "wat.h"

/* ---- pass 1 -------------------------------------------------------------- */

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
        expect_close(P);   /* nothing after the function type */
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

