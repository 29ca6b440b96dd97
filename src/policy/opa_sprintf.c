/*
 * opa_sprintf.c - the Rego `sprintf` builtin: Go's fmt.Sprintf applied to Rego
 * values the way OPA hands them to it (numbers with an integral value are Go
 * ints, others float64; strings are Go strings; booleans bools; null, arrays
 * and objects print as Rego text).
 *
 * Verbs: %v %s %d %q %f %F %e %E %g %G %x %X %o %b %t %%, with the flags
 * '-' '+' ' ' '0' '#', a width and a precision (no '*').  A verb that does not
 * suit its operand prints Go's "%!d(string=abc)"; a missing operand
 * "%!d(MISSING)"; extra operands "%!(EXTRA type=value, ...)".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opa_internal.h"

#define SPRINTF_MAX_BYTES (64u << 20)

typedef struct spec {
    char flags[6];                   /* the flags as given, for the C format */
    bool minus;
    int width, precision;            /* -1: none */
    char verb;
} spec;

static bool integral(const json_value *v, long long *out)
{
    if (v->type != JSON_NUMBER || !isfinite(v->u.num.d) || v->u.num.d != floor(v->u.num.d) ||
        fabs(v->u.num.d) > 9007199254740992.0)
        return false;
    int64_t i;
    if (json_is_integer(v, &i))
        *out = (long long)i;
    else
        *out = (long long)v->u.num.d;
    return true;
}

/* Go's name of the operand's type, for the %!verb(type=value) forms. */
static const char *go_type(const json_value *v)
{
    long long i;
    switch (v->type) {
    case JSON_STRING: return "string";
    case JSON_TRUE: case JSON_FALSE: return "bool";
    case JSON_NUMBER: return integral(v, &i) ? "int" : "float64";
    case JSON_NULL: return "ast.Null";
    case JSON_ARRAY: return "*ast.Array";
    default: return "ast.Object";
    }
}

/* Go's %v of a float64: the shortest decimal that reads back the same. */
static void put_float_v(json_buf *b, double d)
{
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    json_buf_puts(b, tmp);
}

/* Rego's text of a value: strings quoted, ", " and ": " separators. */
static void put_rego(json_buf *b, const json_value *v)
{
    long long i;
    switch (v->type) {
    case JSON_ARRAY:
        json_buf_puts(b, "[");
        for (size_t k = 0; k < v->len; k++) {
            json_buf_puts(b, k ? ", " : "");
            put_rego(b, v->u.items[k]);
        }
        json_buf_puts(b, "]");
        break;
    case JSON_OBJECT:
        json_buf_puts(b, "{");
        for (size_t k = 0; k < v->len; k++) {
            json_buf_puts(b, k ? ", " : "");
            json_write_string(b, v->u.members[k].key, v->u.members[k].key_len);
            json_buf_puts(b, ": ");
            put_rego(b, v->u.members[k].value);
        }
        json_buf_puts(b, "}");
        break;
    case JSON_NUMBER:
        if (integral(v, &i))
            json_buf_printf(b, "%lld", i);
        else
            json_buf_append(b, v->u.num.text, v->u.num.text_len);
        break;
    default:
        json_write(b, v);
    }
}

/* The operand as %v prints it (strings unquoted). */
static void put_plain(json_buf *b, const json_value *v)
{
    long long i;
    if (v->type == JSON_STRING)
        json_buf_append(b, v->u.str, v->len);
    else if (v->type == JSON_NUMBER && !integral(v, &i))
        put_float_v(b, v->u.num.d);
    else
        put_rego(b, v);
}

/* Go's strconv.Quote, for %q (printable non-ASCII kept as is). */
static void put_quoted(json_buf *b, const char *s, size_t n)
{
    json_buf_puts(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\t' ? "\\t"
                        : c == '\r' ? "\\r" : c == '\a' ? "\\a" : c == '\b' ? "\\b" : c == '\f' ? "\\f"
                        : c == '\v' ? "\\v" : NULL;
        if (esc)
            json_buf_puts(b, esc);
        else if (c < 0x20 || c == 0x7f)
            json_buf_printf(b, "\\x%02x", c);
        else
            json_buf_append(b, &c, 1);
    }
    json_buf_puts(b, "\"");
}

/* Pads `text` to the width (spaces; zeros after a sign for numbers with '0'). */
static void put_padded(json_buf *b, const spec *sp, const char *text, size_t n)
{
    size_t chars = 0;
    for (size_t i = 0; i < n; i++)
        chars += ((unsigned char)text[i] & 0xc0) != 0x80;
    size_t pad = sp->width > 0 && (size_t)sp->width > chars ? (size_t)sp->width - chars : 0;
    if (!sp->minus)
        for (size_t i = 0; i < pad; i++)
            json_buf_puts(b, " ");
    json_buf_append(b, text, n);
    if (sp->minus)
        for (size_t i = 0; i < pad; i++)
            json_buf_puts(b, " ");
}

static void put_bad_verb(json_buf *b, char verb, const json_value *v)
{
    json_buf_printf(b, "%%!%c(%s=", verb, go_type(v));
    put_plain(b, v);
    json_buf_puts(b, ")");
}

/* A C format for a number from the spec's flags, width and precision. */
static void c_format(char *fmt, size_t len, const spec *sp, const char *conv)
{
    char width[16] = "", prec[16] = "";
    if (sp->width >= 0)
        snprintf(width, sizeof width, "%d", sp->width);
    if (sp->precision >= 0)
        snprintf(prec, sizeof prec, ".%d", sp->precision);
    snprintf(fmt, len, "%%%s%s%s%s", sp->flags, width, prec, conv);
}

static void put_int(json_buf *b, const spec *sp, long long i)
{
    char fmt[64];
    if (sp->verb == 'b') {                 /* C has no binary conversion */
        char digits[72];
        int n = 0;
        unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i;
        do
            digits[sizeof digits - 1 - n++] = (char)('0' + (u & 1));
        while ((u >>= 1) && n < 70);
        if (i < 0)
            digits[sizeof digits - 1 - n++] = '-';
        put_padded(b, sp, digits + sizeof digits - n, (size_t)n);
        return;
    }
    const char *conv = sp->verb == 'x' ? "llx" : sp->verb == 'X' ? "llX" : sp->verb == 'o' ? "llo" : "lld";
    c_format(fmt, sizeof fmt, sp, conv);
    if (sp->verb == 'd' || sp->verb == 'v' || i >= 0) {
        json_buf_printf(b, fmt, i);
    } else {                               /* Go prints -ff where C would print two's complement */
        char text[64];
        snprintf(text, sizeof text, sp->verb == 'x' ? "-%llx" : sp->verb == 'X' ? "-%llX" : "-%llo",
                 0ULL - (unsigned long long)i);
        put_padded(b, sp, text, strlen(text));
    }
}

static void put_float(json_buf *b, const spec *sp, double d)
{
    char fmt[64], conv[2] = { sp->verb == 'v' ? 'g' : sp->verb, '\0' };
    if (sp->verb == 'v' && sp->precision < 0 && sp->width < 0 && !sp->flags[0]) {
        put_float_v(b, d);
        return;
    }
    c_format(fmt, sizeof fmt, sp, conv);
    json_buf_printf(b, fmt, d);
}

/* One verb applied to one operand. */
static void put_operand(json_buf *b, const spec *sp, const json_value *v)
{
    long long i;
    bool is_int = integral(v, &i);
    char verb = sp->verb;
    if (v->type == JSON_STRING && (verb == 's' || verb == 'v')) {
        size_t n = v->len;
        if (sp->precision >= 0) {          /* precision counts runes */
            size_t runes = 0, k = 0;
            for (; k < v->len; k++)
                if (((unsigned char)v->u.str[k] & 0xc0) != 0x80 && runes++ == (size_t)sp->precision)
                    break;
            n = k;
        }
        put_padded(b, sp, v->u.str, n);
    } else if (v->type == JSON_STRING && verb == 'q') {
        json_buf q;
        json_buf_init(&q);
        put_quoted(&q, v->u.str, v->len);
        put_padded(b, sp, q.data ? q.data : "", q.len);
        json_buf_free(&q);
    } else if (v->type == JSON_STRING && (verb == 'x' || verb == 'X')) {
        for (size_t k = 0; k < v->len; k++)
            json_buf_printf(b, verb == 'x' ? "%02x" : "%02X", (unsigned char)v->u.str[k]);
    } else if (v->type == JSON_NUMBER && is_int && strchr("dvxXob", verb)) {
        put_int(b, sp, i);
    } else if (v->type == JSON_NUMBER && !is_int && strchr("vfFeEgG", verb)) {
        put_float(b, sp, v->u.num.d);
    } else if ((v->type == JSON_TRUE || v->type == JSON_FALSE) && (verb == 't' || verb == 'v')) {
        const char *t = v->type == JSON_TRUE ? "true" : "false";
        put_padded(b, sp, t, strlen(t));
    } else if ((v->type == JSON_NULL || v->type == JSON_ARRAY || v->type == JSON_OBJECT) &&
               (verb == 'v' || verb == 's')) {
        json_buf r;
        json_buf_init(&r);
        put_rego(&r, v);
        put_padded(b, sp, r.data ? r.data : "", r.len);
        json_buf_free(&r);
    } else {
        put_bad_verb(b, verb, v);
    }
}

/* Parses flags, width, precision and the verb after a '%'; returns the position after the verb. */
static const char *parse_spec(const char *p, spec *sp)
{
    memset(sp, 0, sizeof *sp);
    sp->width = sp->precision = -1;
    size_t nf = 0;
    while (*p && strchr("-+ 0#", *p)) {
        if (*p == '-')
            sp->minus = true;
        if (nf < sizeof sp->flags - 1 && !memchr(sp->flags, *p, nf))
            sp->flags[nf++] = *p;
        p++;
    }
    if (*p >= '0' && *p <= '9') {
        sp->width = 0;
        while (*p >= '0' && *p <= '9' && sp->width < 10000)
            sp->width = sp->width * 10 + (*p++ - '0');
    }
    if (*p == '.') {
        p++;
        sp->precision = 0;
        while (*p >= '0' && *p <= '9' && sp->precision < 10000)
            sp->precision = sp->precision * 10 + (*p++ - '0');
    }
    sp->verb = *p;
    return *p ? p + 1 : p;
}

const char *opa_sprintf(json_arena *a, const char *format, const json_value *args, const char **why)
{
    json_buf b;
    json_buf_init(&b);
    size_t next = 0;
    for (const char *p = format; *p;) {
        if (b.len > SPRINTF_MAX_BYTES) {         /* widths repeated: a host function must stay bounded */
            json_buf_free(&b);
            *why = "the result is larger than 64 MiB";
            return NULL;
        }
        const char *pct = strchr(p, '%');
        if (!pct) {
            json_buf_puts(&b, p);
            break;
        }
        json_buf_append(&b, p, (size_t)(pct - p));
        spec sp;
        p = parse_spec(pct + 1, &sp);
        if (sp.verb == '%')
            json_buf_puts(&b, "%");
        else if (!sp.verb)
            json_buf_puts(&b, "%!(NOVERB)");
        else if (next >= args->len)
            json_buf_printf(&b, "%%!%c(MISSING)", sp.verb);
        else
            put_operand(&b, &sp, args->u.items[next++]);
    }
    if (next < args->len) {
        json_buf_puts(&b, "%!(EXTRA ");
        for (size_t i = next; i < args->len; i++) {
            json_buf_printf(&b, "%s%s=", i > next ? ", " : "", go_type(args->u.items[i]));
            put_plain(&b, args->u.items[i]);
        }
        json_buf_puts(&b, ")");
    }
    const char *out = b.oom ? NULL : arena_strndup(a, b.data ? b.data : "", b.len);
    json_buf_free(&b);
    *why = out ? NULL : "out of memory";
    return out;
}
