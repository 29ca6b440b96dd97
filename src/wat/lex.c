/*
 * lex.c - tokens of the text format, and the literals inside them: strings
 * (decoded while lexing), integers and floats (parsed where they are used, as
 * their width is known only there).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Identifier characters: printable ASCII but for the nine below. */
static bool is_idchar(unsigned char c)
{
    switch (c) {
    case '"': case '(': case ')': case ',': case ';': case '[': case ']': case '{': case '}':
        return false;
    default:
        return c > 0x20 && c < 0x7F;
    }
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

typedef struct lexer {
    parser *P;
    const char *text;
    size_t len, i;
    uint32_t line, col;      /* of text[i] */
    size_t nstr;             /* bytes used in P->strings */
} lexer;

static void advance(lexer *L)
{
    if (L->text[L->i] == '\n') {
        L->line++;
        L->col = 1;
    } else {
        L->col++;
    }
    L->i++;
}

static _Noreturn void lex_fail(lexer *L, const char *msg)
{
    token t = { .line = L->line, .col = L->col };
    wat_fail(L->P, &t, "%s", msg);
}

/* Skips whitespace and comments, block comments nesting. */
static void skip_space(lexer *L)
{
    while (L->i < L->len) {
        char c = L->text[L->i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            advance(L);
        } else if (c == ';' && L->i + 1 < L->len && L->text[L->i + 1] == ';') {
            while (L->i < L->len && L->text[L->i] != '\n')
                advance(L);
        } else if (c == '(' && L->i + 1 < L->len && L->text[L->i + 1] == ';') {
            int depth = 0;
            do {
                if (L->i + 1 >= L->len)
                    lex_fail(L, "unclosed block comment");
                if (L->text[L->i] == '(' && L->text[L->i + 1] == ';') {
                    depth++;
                    advance(L);
                } else if (L->text[L->i] == ';' && L->text[L->i + 1] == ')') {
                    depth--;
                    advance(L);
                }
                advance(L);
            } while (depth > 0);
        } else {
            return;
        }
    }
}

static void put_utf8(lexer *L, uint32_t cp)
{
    uint8_t *s = L->P->strings + L->nstr;
    if (cp < 0x80) {
        s[0] = (uint8_t)cp;
        L->nstr += 1;
    } else if (cp < 0x800) {
        s[0] = (uint8_t)(0xC0 | cp >> 6);
        s[1] = (uint8_t)(0x80 | (cp & 0x3F));
        L->nstr += 2;
    } else if (cp < 0x10000) {
        s[0] = (uint8_t)(0xE0 | cp >> 12);
        s[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        s[2] = (uint8_t)(0x80 | (cp & 0x3F));
        L->nstr += 3;
    } else {
        s[0] = (uint8_t)(0xF0 | cp >> 18);
        s[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        s[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        s[3] = (uint8_t)(0x80 | (cp & 0x3F));
        L->nstr += 4;
    }
}

/* \u{hex}: a Unicode scalar value, written as UTF-8 (never longer than the escape). */
static void unicode_escape(lexer *L)
{
    advance(L); /* u */
    if (L->i >= L->len || L->text[L->i] != '{')
        lex_fail(L, "malformed escape: \\u without {");
    advance(L);
    uint32_t cp = 0;
    int digits = 0;
    while (L->i < L->len && L->text[L->i] != '}') {
        int h = hex_value(L->text[L->i]);
        if (h < 0 && !(L->text[L->i] == '_' && digits > 0))
            lex_fail(L, "malformed escape: bad hex digit in \\u{...}");
        if (h >= 0) {
            cp = cp * 16 + (uint32_t)h;
            digits++;
            if (cp > 0x10FFFF)
                lex_fail(L, "malformed escape: code point out of range");
        }
        advance(L);
    }
    if (L->i >= L->len || digits == 0 || L->text[L->i - 1] == '_')
        lex_fail(L, "malformed escape: \\u{...}");
    if (cp >= 0xD800 && cp < 0xE000)
        lex_fail(L, "malformed escape: surrogate code point");
    advance(L); /* } */
    put_utf8(L, cp);
}

static void lex_string(lexer *L, token *t)
{
    t->kind = T_STRING;
    t->str_off = L->nstr;
    advance(L); /* " */
    for (;;) {
        if (L->i >= L->len)
            lex_fail(L, "unclosed string");
        unsigned char c = (unsigned char)L->text[L->i];
        if (c == '"')
            break;
        if (c < 0x20 || c == 0x7F)
            lex_fail(L, "illegal control character in string");
        if (c != '\\') {
            L->P->strings[L->nstr++] = c;
            advance(L);
            continue;
        }
        advance(L);
        if (L->i >= L->len)
            lex_fail(L, "unclosed string");
        char e = L->text[L->i];
        const char *simple = strchr("t\tn\nr\r\"\"''\\\\", e);
        if (e && simple && (simple - "t\tn\nr\r\"\"''\\\\") % 2 == 0) {
            L->P->strings[L->nstr++] = (uint8_t)simple[1];
            advance(L);
        } else if (e == 'u') {
            unicode_escape(L);
        } else if (L->i + 1 < L->len && hex_value(e) >= 0 && hex_value(L->text[L->i + 1]) >= 0) {
            L->P->strings[L->nstr++] = (uint8_t)(hex_value(e) * 16 + hex_value(L->text[L->i + 1]));
            advance(L);
            advance(L);
        } else {
            lex_fail(L, "malformed escape in string");
        }
    }
    advance(L); /* " */
    t->str_len = L->nstr - t->str_off;
}

static void push(parser *P, size_t *cap, const token *t)
{
    if (P->ntoks == *cap) {
        *cap = *cap ? 2 * *cap : 256;
        P->toks = wat_alloc(P, P->toks, *cap * sizeof *P->toks);
    }
    P->toks[P->ntoks++] = *t;
}

void wat_lex(parser *P, const char *text, size_t len)
{
    lexer L = { .P = P, .text = text, .len = len, .line = 1, .col = 1 };
    size_t cap = 0;
    P->strings = wat_alloc(P, NULL, len + 1);
    for (;;) {
        skip_space(&L);
        token t = { .text = text + L.i, .line = L.line, .col = L.col };
        if (L.i >= len) {
            t.kind = T_EOF;
            push(P, &cap, &t);
            return;
        }
        unsigned char c = (unsigned char)text[L.i];
        if (c == '(' || c == ')') {
            t.kind = c == '(' ? T_LPAREN : T_RPAREN;
            advance(&L);
        } else if (c == '"') {
            lex_string(&L, &t);
        } else if (is_idchar(c)) {
            while (L.i < len && is_idchar((unsigned char)text[L.i]))
                advance(&L);
            if (c == '$')
                t.kind = L.i - (size_t)(t.text - text) > 1 ? T_ID : T_RESERVED;
            else
                t.kind = c >= 'a' && c <= 'z' ? T_KEYWORD : T_RESERVED;
        } else {
            lex_fail(&L, "unexpected character");
        }
        t.len = (size_t)(text + L.i - t.text);
        /* Tokens other than parentheses must be separated: `1$x` or `"a"b` is one bad token. */
        if (t.kind != T_LPAREN && t.kind != T_RPAREN && L.i < len &&
            (is_idchar((unsigned char)text[L.i]) || text[L.i] == '"'))
            lex_fail(&L, "unknown token (missing separator)");
        push(P, &cap, &t);
    }
}

/* ---- numbers ----------------------------------------------------------------- */

/* Digits with single underscores between them; returns how many characters were used (0: none). */
static size_t scan_digits(const char *s, size_t n, bool hex)
{
    size_t i = 0;
    while (i < n) {
        bool digit = hex ? hex_value(s[i]) >= 0 : (s[i] >= '0' && s[i] <= '9');
        if (digit) {
            i++;
        } else if (s[i] == '_' && i > 0 && i + 1 < n && (hex ? hex_value(s[i + 1]) >= 0 : (s[i + 1] >= '0' && s[i + 1] <= '9'))) {
            i++;
        } else {
            break;
        }
    }
    return i;
}

bool wat_int(const token *t, int bits, bool allow_sign, uint64_t *out)
{
    if (t->kind != T_RESERVED)
        return false;
    const char *s = t->text;
    size_t n = t->len, i = 0;
    bool neg = false, sign = false;
    if (n && (s[0] == '+' || s[0] == '-')) {
        if (!allow_sign)
            return false;
        neg = s[0] == '-';
        sign = true;
        i = 1;
    }
    bool hex = n - i > 2 && s[i] == '0' && s[i + 1] == 'x';
    if (hex)
        i += 2;
    size_t used = scan_digits(s + i, n - i, hex);
    if (used == 0 || i + used != n)
        return false;
    uint64_t v = 0;
    bool overflow = false;
    for (; i < n; i++) {
        if (s[i] == '_')
            continue;
        uint64_t d = (uint64_t)hex_value(s[i]), base = hex ? 16 : 10;
        if (v > (UINT64_MAX - d) / base)
            overflow = true;
        v = v * base + d;
    }
    if (overflow)
        return false;
    uint64_t umax = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
    uint64_t smax = 1ull << (bits - 1);   /* magnitude of the most negative */
    if (neg) {
        if (v > smax)
            return false;
        v = (uint64_t)0 - v;
    } else if (sign ? v >= smax : v > umax) {
        return false;
    }
    *out = bits == 64 ? v : v & umax;
    return true;
}

/* Checks the float grammar and copies the literal without underscores into buf. */
static bool float_syntax(const char *s, size_t n, char *buf, size_t buflen)
{
    size_t i = 0, o = 0;
    if (n >= buflen)   /* the copy and its NUL must fit */
        return false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    bool hex = n - i > 2 && s[i] == '0' && s[i + 1] == 'x';
    if (hex)
        i += 2;
    size_t used = scan_digits(s + i, n - i, hex);
    if (used == 0)
        return false;
    i += used;
    if (i < n && s[i] == '.') {
        i++;
        i += scan_digits(s + i, n - i, hex);
    }
    if (i < n && (hex ? (s[i] == 'p' || s[i] == 'P') : (s[i] == 'e' || s[i] == 'E'))) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        used = scan_digits(s + i, n - i, false);
        if (used == 0)
            return false;
        i += used;
    }
    if (i != n)
        return false;
    for (i = 0; i < n; i++)
        if (s[i] != '_')
            buf[o++] = s[i];
    buf[o] = 0;
    return true;
}

/* inf, nan, nan:0x...: 1 (with *bits), -1 for a NaN payload out of range, 0 for other literals. */
static int special_float(const token *t, int mant_bits, int exp_bits, uint64_t *bits)
{
    const char *s = t->text;
    size_t n = t->len;
    uint64_t sign = 0;
    if (n && (s[0] == '+' || s[0] == '-')) {
        sign = s[0] == '-';
        s++;
        n--;
    }
    uint64_t exp_all = ((1ull << exp_bits) - 1) << mant_bits;
    uint64_t signbit = sign << (mant_bits + exp_bits);
    if (n == 3 && memcmp(s, "inf", 3) == 0) {
        *bits = signbit | exp_all;
        return 1;
    }
    if (n == 3 && memcmp(s, "nan", 3) == 0) {
        *bits = signbit | exp_all | (1ull << (mant_bits - 1));
        return 1;
    }
    if (n > 6 && memcmp(s, "nan:0x", 6) == 0) {
        token payload = { .kind = T_RESERVED, .text = s + 4, .len = n - 4 };
        uint64_t p;
        if (!wat_int(&payload, 64, false, &p) || p == 0 || p >= (1ull << mant_bits))
            return -1;
        *bits = signbit | exp_all | p;
        return 1;
    }
    return 0;
}

/* A decimal or hex float literal, rounded to nearest by the C library (glibc rounds correctly). */
static int number_float(const token *t, bool single, uint64_t *bits)
{
    char small[128];
    char *buf = t->len < sizeof small ? small : malloc(t->len + 1);
    int status = -1;
    if (buf && float_syntax(t->text, t->len, buf, t->len + 1)) {
        if (single) {
            float f = strtof(buf, NULL);
            uint32_t b;
            memcpy(&b, &f, sizeof b);
            *bits = b;
            status = isinf(f) ? -2 : 0;
        } else {
            double d = strtod(buf, NULL);
            memcpy(bits, &d, sizeof d);
            status = isinf(d) ? -2 : 0;
        }
    }
    if (buf != small)
        free(buf);
    return status;
}

int wat_float32(const token *t, uint32_t *bits)
{
    uint64_t b = 0;
    if (t->kind != T_RESERVED && t->kind != T_KEYWORD)
        return -1;
    int special = special_float(t, 23, 8, &b);
    int status = special ? (special > 0 ? 0 : -2) : number_float(t, true, &b);
    *bits = (uint32_t)b;
    return status;
}

int wat_float64(const token *t, uint64_t *bits)
{
    if (t->kind != T_RESERVED && t->kind != T_KEYWORD)
        return -1;
    int special = special_float(t, 52, 11, bits);
    return special ? (special > 0 ? 0 : -2) : number_float(t, false, bits);
}

bool wat_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        size_t n;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (i + n >= len)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
            return false;
        i += n + 1;
    }
    return true;
}
