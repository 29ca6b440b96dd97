/*
 * internal.h - the text parser's shared state: tokens, name spaces, types and
 * the section buffers the binary is assembled from.
 *
 * A parse fails as a whole, from deep inside recursive descent, so failures
 * longjmp back to wat_to_wasm; every allocation hangs off the parser struct and
 * is freed there, whichever way the parse ends.
 */
#ifndef WAT_INTERNAL_H
#define WAT_INTERNAL_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { T_LPAREN, T_RPAREN, T_KEYWORD, T_ID, T_STRING, T_RESERVED, T_EOF } tok_kind;

typedef struct token {
    tok_kind kind;
    const char *text;        /* the token as written */
    size_t len;
    uint32_t line, col;
    size_t str_off, str_len; /* T_STRING: the decoded bytes in parser.strings */
} token;

typedef struct wbuf {
    uint8_t *data;
    size_t len, cap;
} wbuf;

/* One index space's identifiers, by index (len 0: no identifier). */
typedef struct names {
    struct { const char *text; size_t len; } *v;
    uint32_t n, cap;
} names;

/* A function type; its value types live in parser.typepool. */
typedef struct functype {
    size_t params, results;  /* offsets in typepool */
    uint32_t nparams, nresults;
} functype;

/* Deeper nesting of instructions is refused rather than risking the C stack. */
#define WAT_MAX_NESTING 10000

#define OP_SLOTS 1024            /* hash slots for instruction names (about 190 of them) */

enum { SP_TYPE, SP_FUNC, SP_TABLE, SP_MEM, SP_GLOBAL, SP_ELEM, SP_DATA, SP_COUNT };

typedef struct parser {
    token *toks;
    size_t ntoks, pos;
    uint8_t *strings;        /* decoded string literals */
    jmp_buf fail;
    char *err;
    size_t errlen;

    names spaces[SP_COUNT];
    uint32_t next[SP_COUNT]; /* pass 2: index the next field of each space gets */
    functype *types;
    uint32_t ntypes, captypes;
    wbuf typepool;

    wbuf sec_import, sec_func, sec_table, sec_mem, sec_global, sec_export, sec_elem, sec_code, sec_data;
    uint32_t n_import, n_func, n_table, n_mem, n_global, n_export, n_elem, n_data;
    bool has_start, needs_datacount;
    uint32_t start;

    /* the function being parsed */
    names locals, labels;
    unsigned depth;          /* nesting of blocks and folded instructions, bounded */
    uint16_t ops[OP_SLOTS];  /* instr.c: instruction names hashed, built at the first instruction */
    bool ops_ready;
    wbuf body, scratch;

    wbuf out;                /* the binary */
} parser;

/* lex.c */
void wat_lex(parser *P, const char *text, size_t len);
bool wat_int(const token *t, int bits, bool allow_sign, uint64_t *out);
int wat_float32(const token *t, uint32_t *bits);   /* 0, -1 bad syntax, -2 out of range */
int wat_float64(const token *t, uint64_t *bits);
bool wat_utf8_valid(const uint8_t *s, size_t len);

/* parse.c: errors, tokens, buffers, names, types */
_Noreturn void wat_fail(parser *P, const token *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void *wat_alloc(parser *P, void *ptr, size_t size);
_Noreturn void unexpected(parser *P, const token *t, const char *wanted);
void buf_reserve(parser *P, wbuf *b, size_t n);
void buf_byte(parser *P, wbuf *b, uint8_t v);
void buf_bytes(parser *P, wbuf *b, const void *p, size_t n);
void buf_u32(parser *P, wbuf *b, uint32_t v);
void buf_s64(parser *P, wbuf *b, int64_t v);
const token *peek(parser *P, size_t ahead);
const token *next_tok(parser *P);
bool is_keyword(const token *t, const char *kw);
bool peek_open(parser *P, const char *kw);   /* next is "(" kw */
void expect_open(parser *P, const char *kw);
void expect_close(parser *P);
bool accept_keyword(parser *P, const char *kw);
const token *accept_id(parser *P);
const token *parse_string(parser *P, const char *what);
void put_name(parser *P, wbuf *b, const token *t);   /* a UTF-8 name, length first */
void skip_sexpr(parser *P);
int space_of(const token *kw);
int parse_valtype_opt(parser *P);            /* -1 when the next token is not a value type */
uint8_t parse_valtype(parser *P);
uint8_t parse_heaptype(parser *P);
uint8_t parse_reftype(parser *P);
uint32_t parse_u32(parser *P);
void names_add(parser *P, names *ns, const token *id, const char *what);
uint32_t resolve(parser *P, int space, const char *what);
uint32_t resolve_in(parser *P, names *ns, const token *t, const char *what);
bool is_index(const token *t);
extern const char *const space_names[SP_COUNT];
uint32_t type_add(parser *P, const uint8_t *params, uint32_t np, const uint8_t *results, uint32_t nr);
uint32_t type_find_or_add(parser *P, const uint8_t *params, uint32_t np, const uint8_t *results, uint32_t nr);
uint32_t parse_typeuse(parser *P, bool param_ids, names *param_names);
void parse_signature(parser *P, bool param_ids, names *param_names, uint32_t *np, uint32_t *nr);
void parse_expr(parser *P, wbuf *out);
void parse_offset(parser *P, wbuf *out);

/* fields.c */
void parse_field(parser *P);

/* instr.c */
void parse_instrs(parser *P);
void parse_folded_instr(parser *P);

#endif
