/*
 * parse.c - strict RFC 8259 parser into an arena DOM.
 *
 * One pass over the input.  Containers nest by recursion, bounded by
 * JSON_MAX_DEPTH, so deep input is an error and never a stack overflow.  The
 * children of an open container collect on the arena's scratch stack and are
 * copied into one exact-size arena array when it closes, so a warm arena
 * parses without malloc.  Strings are unescaped and UTF-8 validated; numbers
 * keep their literal text beside the double.
 *
 * json_parse_lazy walks the containers at one depth with the skim_* functions
 * instead: the same checks in the same order, with the same messages, but
 * what they contain is only copied out as compact text, not built.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const char *start, *p, *end;
    json_arena *arena;
    json_error *err;
    int depth;
    int lazy_depth;              /* containers at this depth are skimmed, not built (-1: none) */
    char *out;                   /* where skimming writes (parse_lazy) */
    char found[16];              /* found()'s text */
} parser;

static json_value *parse_value(parser *ps);

/* Records the first error (offset from the start of the input) and returns NULL. */
static void *fail_at(parser *ps, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void *fail_at(parser *ps, const char *where, const char *fmt, ...)
{
    if (ps->err) {
        char what[120];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        ps->err->offset = (size_t)(where - ps->start);
        snprintf(ps->err->message, sizeof ps->err->message, "%s at offset %zu", what, ps->err->offset);
    }
    return NULL;
}

static void *fail_oom(parser *ps) { return fail_at(ps, ps->p, "out of memory"); }

/* Names what was found where something else was expected: 'x', byte 0xNN, a byte
 * order mark, or end of input. */
static const char *found(parser *ps)
{
    if (ps->p >= ps->end) return "end of input";
    if (ps->end - ps->p >= 3 && memcmp(ps->p, "\xef\xbb\xbf", 3) == 0) return "a byte order mark";
    unsigned char c = (unsigned char)*ps->p;
    if (c >= 0x20 && c < 0x7f && c != '\'')
        snprintf(ps->found, sizeof ps->found, "'%c'", c);
    else
        snprintf(ps->found, sizeof ps->found, "byte 0x%02x", c);
    return ps->found;
}

/* Skips JSON whitespace.  Spaces (indentation) go eight at a time: the first
 * byte of a word that is not a space ends the run; a newline or tab there
 * starts another. */
static inline void skip_ws(parser *ps)
{
    const char *p = ps->p, *end = ps->end;
    if (p < end && (unsigned char)*p > ' ') return;          /* compact input: nothing to skip */
    for (;;) {
#if JSON_SWAR
        while (end - p >= 8) {
            uint64_t not_space = json_load8(p) ^ JSON_BYTES(' ');
            if (not_space) {
                p += json_first_mark(not_space);    /* its lowest set bit is in the first non-space */
                break;
            }
            p += 8;
        }
#endif
        if (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
        else break;
    }
    ps->p = p;
}

static inline json_value *new_value(parser *ps, json_type type)
{
    json_value *v = json_arena_bump(ps->arena, sizeof *v);
    if (!v) return fail_oom(ps);
    v->type = type;
    v->lazy = false;
    v->len = 0;
    return v;
}

/* ---- strings ------------------------------------------------------------- */

/* The bytes that end a plain run inside a string: quote, backslash, control
 * characters, non-ASCII (validated separately). */
static const bool special[256] = {
    [0 ... 0x1f] = true, ['"'] = true, ['\\'] = true, [0x80 ... 0xff] = true,
};

/* Marks the special bytes of a word (see internal.h). */
static inline uint64_t special_marks(uint64_t w)
{
    return json_marks_control(w) | json_marks_byte(w, '"') | json_marks_byte(w, '\\') | (w & JSON_BYTES(0x80));
}

/* The first special byte in [p, end), or end: eight bytes per step. */
static inline const char *scan_plain(const char *p, const char *end)
{
#if JSON_SWAR
    for (; end - p >= 8; p += 8) {
        uint64_t marks = special_marks(json_load8(p));
        if (marks) return p + json_first_mark(marks);
    }
#endif
    while (p < end && !special[(unsigned char)*p]) p++;
    return p;
}

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0 if invalid. */
static size_t utf8_sequence(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf;      /* allowed range of the second byte */
    if (c >= 0xc2 && c <= 0xdf) n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0) lo = 0xa0;             /* overlong */
        if (c == 0xed) hi = 0x9f;             /* UTF-16 surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0) lo = 0x90;             /* overlong */
        if (c == 0xf4) hi = 0x8f;             /* above U+10FFFF */
    } else return 0;
    if ((size_t)(end - p) < n) return 0;
    if (p[1] < lo || p[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xc0) != 0x80) return 0;
    return n;
}

static int hex4(const char *p, const char *end, unsigned *out)
{
    if (end - p < 4) return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static char *put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) *o++ = (char)cp;
    else if (cp < 0x800) {
        *o++ = (char)(0xc0 | cp >> 6);
        *o++ = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xe0 | cp >> 12);
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
        *o++ = (char)(0x80 | (cp & 0x3f));
    } else {
        *o++ = (char)(0xf0 | cp >> 18);
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
        *o++ = (char)(0x80 | (cp & 0x3f));
    }
    return o;
}

/* Decodes the \u escape at *pp (pointing at the 'u'), with its low surrogate if it
 * is a high one.  Advances *pp past it; -1 (error set) if malformed or lone. */
static int unicode_escape(parser *ps, const char **pp, unsigned *cp)
{
    const char *p = *pp;
    unsigned hi, lo;
    if (hex4(p + 1, ps->end, &hi) < 0) return fail_at(ps, p - 1, "invalid \\u escape in string"), -1;
    p += 5;
    if (hi >= 0xdc00 && hi <= 0xdfff) return fail_at(ps, *pp - 1, "lone low surrogate in string"), -1;
    if (hi >= 0xd800 && hi <= 0xdbff) {
        if (ps->end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, ps->end, &lo) < 0 ||
            lo < 0xdc00 || lo > 0xdfff)
            return fail_at(ps, *pp - 1, "high surrogate not followed by a low surrogate in string"), -1;
        hi = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
        p += 6;
    }
    *cp = hi;
    *pp = p;
    return 0;
}

/* The slow path: unescapes and validates raw string bytes [p, end) into out.
 * Returns the output length, or -1 with the error set. */
static long decode_string(parser *ps, const char *p, const char *end, char *out)
{
    char *o = out;
    while (p < end) {
        const char *run = p;                  /* plain bytes go in runs */
        p = scan_plain(p, end);
        memcpy(o, run, (size_t)(p - run));
        o += p - run;
        if (p >= end) break;
        unsigned char c = (unsigned char)*p;
        if (c == '\\') {
            const char *esc = p++;
            switch (*p) {
            case '"': *o++ = '"'; p++; break;
            case '\\': *o++ = '\\'; p++; break;
            case '/': *o++ = '/'; p++; break;
            case 'b': *o++ = '\b'; p++; break;
            case 'f': *o++ = '\f'; p++; break;
            case 'n': *o++ = '\n'; p++; break;
            case 'r': *o++ = '\r'; p++; break;
            case 't': *o++ = '\t'; p++; break;
            case 'u': {
                unsigned cp;
                if (unicode_escape(ps, &p, &cp) < 0) return -1;
                o = put_utf8(o, cp);
                break;
            }
            default: return fail_at(ps, esc, "invalid escape in string"), -1;
            }
        } else if (c < 0x20) {
            return fail_at(ps, p, "control character in string"), -1;
        } else if (c >= 0x80) {
            size_t n = utf8_sequence((const unsigned char *)p, (const unsigned char *)end);
            if (!n) return fail_at(ps, p, "invalid UTF-8 in string"), -1;
            memcpy(o, p, n);
            o += n;
            p += n;
        }
    }
    return (long)(o - out);
}

/* Parses the string whose opening quote is at ps->p.  The unescaped result is
 * never longer than the raw text, so one allocation of the raw size suffices. */
static const char *parse_string(parser *ps, size_t *len_out)
{
    const char *open = ps->p, *body = open + 1, *p = body, *end = ps->end;
    p = scan_plain(p, end);
    bool plain = p < end && *p == '"';
    if (!plain) {
        /* Find the closing quote, stepping over escaped characters. */
        while (p < end && *p != '"') p += (*p == '\\') ? 2 : 1;
        if (p >= end) return fail_at(ps, open, "unterminated string");
    }
    size_t raw = (size_t)(p - body);
    char *s = json_arena_bump(ps->arena, raw + 1);
    if (!s) return fail_oom(ps);
    long n = (long)raw;
    if (plain) memcpy(s, body, raw);
    else if ((n = decode_string(ps, body, p, s)) < 0) return NULL;
    s[n] = '\0';
    *len_out = (size_t)n;
    ps->p = p + 1;
    return s;
}

/* ---- numbers ------------------------------------------------------------- */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static const char *scan_digits(const char *p, const char *end)
{
    while (p < end && is_digit(*p)) p++;
    return p;
}

const char *json_scan_number(const char *p, const char *end, const char **why)
{
    if (p < end && *p == '-') p++;
    if (p < end && *p == '0') p++;
    else if (p < end && is_digit(*p)) p = scan_digits(p, end);
    else return *why = "invalid number: expected a digit", p;
    if (p < end && *p == '.') {
        if (++p >= end || !is_digit(*p)) return *why = "invalid number: expected a digit after '.'", p;
        p = scan_digits(p, end);
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (p >= end || !is_digit(*p)) return *why = "invalid number: expected a digit in exponent", p;
        p = scan_digits(p, end);
    }
    *why = NULL;
    return p;
}

/* Steps over the number at ps->p; false (error set) if malformed. */
static bool scan_number(parser *ps)
{
    const char *why, *p = json_scan_number(ps->p, ps->end, &why);
    if (why) return fail_at(ps, p, "%s", why), false;
    ps->p = p;
    return true;
}

static json_value *parse_number(parser *ps)
{
    const char *start = ps->p;
    if (!scan_number(ps)) return NULL;
    json_value *v = json_number_from_text(ps->arena, start, (size_t)(ps->p - start));
    return v ? v : fail_oom(ps);
}

json_value *json_number_from_text(json_arena *a, const char *text, size_t len)
{
    json_value *v = json_arena_alloc(a, sizeof *v);
    char *copy = json_arena_strdup(a, text, len);
    if (!v || !copy) return NULL;
    v->type = JSON_NUMBER;
    v->lazy = false;
    v->len = 0;
    v->u.num.text = copy;
    v->u.num.text_len = len;
    /* Short integers are exact in a double: skip strtod for the common case. */
    const char *p = copy + (copy[0] == '-');
    size_t digits = len - (size_t)(p - copy);
    if (digits <= 15 && scan_digits(p, copy + len) == copy + len) {
        int64_t n = 0;
        for (; *p; p++) n = n * 10 + (*p - '0');
        v->u.num.d = copy[0] == '-' ? -(double)n : (double)n;
    } else {
        v->u.num.d = strtod(copy, NULL);
    }
    return v;
}

/* ---- literals, containers ----------------------------------------------- */

static bool scan_literal(parser *ps, const char *word, size_t n)
{
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return fail_at(ps, ps->p, "invalid literal (expected %s)", word), false;
    ps->p += n;
    return true;
}

static json_value *parse_literal(parser *ps, const char *word, size_t n, json_type type)
{
    return scan_literal(ps, word, n) ? new_value(ps, type) : NULL;
}

/* The messages of malformed containers and values, shared by parse_* and skim_*. */
static void *fail_value(parser *ps)
{
    if (ps->p >= ps->end) return fail_at(ps, ps->p, "expected a value, found end of input");
    return fail_at(ps, ps->p, "expected a value, found %s", found(ps));
}
static void *fail_after_element(parser *ps)
{
    return fail_at(ps, ps->p, "expected ',' or ']' after array element, found %s", found(ps));
}
static void *fail_key(parser *ps)
{
    return fail_at(ps, ps->p, "expected string key in object, found %s", found(ps));
}
static void *fail_colon(parser *ps)
{
    return fail_at(ps, ps->p, "expected ':' after object key, found %s", found(ps));
}
static void *fail_after_member(parser *ps)
{
    return fail_at(ps, ps->p, "expected ',' or '}' after object member, found %s", found(ps));
}

static bool at(const parser *ps, char c) { return ps->p < ps->end && *ps->p == c; }

static bool enter(parser *ps)
{
    if (++ps->depth > JSON_MAX_DEPTH) {
        fail_at(ps, ps->p, "nesting deeper than %d", JSON_MAX_DEPTH);
        return false;
    }
    return true;
}

static json_value *parse_array(parser *ps)
{
    if (!enter(ps)) return NULL;
    json_arena *a = ps->arena;
    size_t count = 0;
    ps->p++;                                   /* '[' */
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') ps->p++;
    else for (;;) {
        json_value *item = parse_value(ps);
        if (!item) return NULL;
        if (json_scratch_push(a, &item, sizeof item) < 0) return fail_oom(ps);
        count++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
        if (ps->p < ps->end && *ps->p == ']') { ps->p++; break; }
        return fail_after_element(ps);
    }
    json_value *v = new_value(ps, JSON_ARRAY);
    if (!v) return NULL;
    v->len = count;
    v->u.items = json_scratch_pop(a, count, sizeof(json_value *));
    if (count && !v->u.items) return fail_oom(ps);
    ps->depth--;
    return v;
}

static json_value *parse_object(parser *ps)
{
    if (!enter(ps)) return NULL;
    json_arena *a = ps->arena;
    size_t count = 0;
    ps->p++;                                   /* '{' */
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') ps->p++;
    else for (;;) {
        json_member m;
        if (!at(ps, '"')) return fail_key(ps);
        if (!(m.key = parse_string(ps, &m.key_len))) return NULL;
        skip_ws(ps);
        if (!at(ps, ':')) return fail_colon(ps);
        ps->p++;
        if (!(m.value = parse_value(ps))) return NULL;
        if (json_scratch_push(a, &m, sizeof m) < 0) return fail_oom(ps);
        count++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') { ps->p++; skip_ws(ps); continue; }
        if (ps->p < ps->end && *ps->p == '}') { ps->p++; break; }
        return fail_after_member(ps);
    }
    json_value *v = new_value(ps, JSON_OBJECT);
    if (!v) return NULL;
    v->len = count;
    v->u.members = json_scratch_pop(a, count, sizeof(json_member));
    if (count && !v->u.members) return fail_oom(ps);
    ps->depth--;
    return v;
}

/* ---- skimming: checked and copied compact, not built (json_parse_lazy) --- */

/* The skim_* functions make the same checks as the parse_* ones, in the same
 * order and with the same messages, and append the value's text without its
 * insignificant whitespace at ps->out (room was reserved by parse_lazy). */

static inline void emit(parser *ps, const char *text, size_t n)
{
    memcpy(ps->out, text, n);
    ps->out += n;
}

static inline void emit_char(parser *ps, char c) { *ps->out++ = c; }

static bool skim_value(parser *ps);

/* scan_plain that copies what it scans to *out, eight bytes at a time: the
 * bytes stored past the first special one are overwritten by what follows. */
static inline const char *copy_plain(const char *p, const char *end, char **out)
{
    char *o = *out;
#if JSON_SWAR
    for (; end - p >= 8; p += 8, o += 8) {
        uint64_t w = json_load8(p);
        memcpy(o, &w, 8);
        uint64_t marks = special_marks(w);
        if (marks) {
            unsigned i = json_first_mark(marks);
            *out = o + i;
            return p + i;
        }
    }
#endif
    while (p < end && !special[(unsigned char)*p]) *o++ = *p++;
    *out = o;
    return p;
}

static inline bool skim_string(parser *ps)
{
    const char *open = ps->p;
    char *o = ps->out + 1;
    const char *close = copy_plain(open + 1, ps->end, &o);
    if (close < ps->end && *close == '"') {
        ps->out[0] = '"';
        *o++ = '"';
        ps->out = o;
        ps->p = close + 1;
        return true;
    }
    size_t len;                  /* escapes or non-ASCII: checked by decoding (into the arena) */
    if (!parse_string(ps, &len)) return false;
    emit(ps, open, (size_t)(ps->p - open));   /* escapes stay as written */
    return true;
}

static bool skim_array(parser *ps)
{
    if (!enter(ps)) return false;
    ps->p++;
    emit_char(ps, '[');
    skip_ws(ps);
    if (at(ps, ']')) ps->p++;
    else for (;;) {
        if (!skim_value(ps)) return false;
        skip_ws(ps);
        if (at(ps, ',')) { ps->p++; emit_char(ps, ','); continue; }
        if (at(ps, ']')) { ps->p++; break; }
        return fail_after_element(ps);
    }
    emit_char(ps, ']');
    ps->depth--;
    return true;
}

static bool skim_object(parser *ps)
{
    if (!enter(ps)) return false;
    ps->p++;
    emit_char(ps, '{');
    skip_ws(ps);
    if (at(ps, '}')) ps->p++;
    else for (;;) {
        if (!at(ps, '"')) return fail_key(ps);
        if (!skim_string(ps)) return false;
        skip_ws(ps);
        if (!at(ps, ':')) return fail_colon(ps);
        ps->p++;
        emit_char(ps, ':');
        skip_ws(ps);
        if (!(at(ps, '"') ? skim_string(ps) : skim_value(ps))) return false;   /* most values are strings */
        skip_ws(ps);
        if (at(ps, ',')) { ps->p++; emit_char(ps, ','); skip_ws(ps); continue; }
        if (at(ps, '}')) { ps->p++; break; }
        return fail_after_member(ps);
    }
    emit_char(ps, '}');
    ps->depth--;
    return true;
}

static bool skim_literal(parser *ps, const char *word, size_t n)
{
    if (!scan_literal(ps, word, n)) return false;
    emit(ps, word, n);
    return true;
}

static bool skim_value(parser *ps)
{
    skip_ws(ps);
    if (ps->p >= ps->end) return fail_value(ps);
    const char *start = ps->p;
    switch (*start) {
    case '{': return skim_object(ps);
    case '[': return skim_array(ps);
    case '"': return skim_string(ps);
    case 't': return skim_literal(ps, "true", 4);
    case 'f': return skim_literal(ps, "false", 5);
    case 'n': return skim_literal(ps, "null", 4);
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        if (!scan_number(ps)) return false;
        emit(ps, start, (size_t)(ps->p - start));
        return true;
    default:
        return fail_value(ps);
    }
}

/* The array or object at ps->p, checked and kept as its compact text.  The
 * lazy values of one document share one arena block, sized at the first by
 * the rest of the input: compact text is never longer than its source (eight
 * bytes more as a margin for copy_plain's word stores). */
static json_value *parse_lazy(parser *ps)
{
    if (!ps->out && !(ps->out = json_arena_bump(ps->arena, (size_t)(ps->end - ps->p) + 8))) return fail_oom(ps);
    char *text = ps->out;
    bool object = *ps->p == '{';
    if (!(object ? skim_object(ps) : skim_array(ps))) return NULL;
    json_value *v = new_value(ps, object ? JSON_OBJECT : JSON_ARRAY);
    if (!v) return NULL;
    v->lazy = true;
    v->u.span.text = text;
    v->u.span.len = (size_t)(ps->out - text);
    return v;
}

/* ---- values ------------------------------------------------------------ */

static json_value *parse_value(parser *ps)
{
    skip_ws(ps);
    if (ps->p >= ps->end) return fail_value(ps);
    switch (*ps->p) {
    case '{': return ps->depth == ps->lazy_depth ? parse_lazy(ps) : parse_object(ps);
    case '[': return ps->depth == ps->lazy_depth ? parse_lazy(ps) : parse_array(ps);
    case '"': {
        json_value *v = new_value(ps, JSON_STRING);
        if (!v || !(v->u.str = parse_string(ps, &v->len))) return NULL;
        return v;
    }
    case 't': return parse_literal(ps, "true", 4, JSON_TRUE);
    case 'f': return parse_literal(ps, "false", 5, JSON_FALSE);
    case 'n': return parse_literal(ps, "null", 4, JSON_NULL);
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        return parse_number(ps);
    default:
        return fail_value(ps);
    }
}

static json_value *parse_document(json_arena *arena, const char *text, size_t len, int lazy_depth,
                                  json_error *err)
{
    parser ps = { .start = text, .p = text, .end = text + len, .arena = arena, .err = err,
                  .lazy_depth = lazy_depth };
    size_t scratch_mark = arena->scratch_len;
    if (err) {
        err->message[0] = '\0';
        err->offset = 0;
    }
    json_value *v = parse_value(&ps);
    if (v) {
        skip_ws(&ps);
        if (ps.p < ps.end) v = fail_at(&ps, ps.p, "expected the end after the JSON value, found %s", found(&ps));
    }
    arena->scratch_len = scratch_mark;        /* a failed parse leaves children behind */
    return v;
}

json_value *json_parse(json_arena *arena, const char *text, size_t len, json_error *err)
{
    return parse_document(arena, text, len, -1, err);
}

json_value *json_parse_lazy(json_arena *arena, const char *text, size_t len, int lazy_depth, json_error *err)
{
    return parse_document(arena, text, len, lazy_depth < 0 ? -1 : lazy_depth, err);
}

const json_value *json_expand(json_arena *arena, const json_value *v)
{
    if (!v || !v->lazy) return v;
    return json_parse(arena, v->u.span.text, v->u.span.len, NULL);   /* checked already: only memory can fail */
}
