/*
 * write.c - growable output buffers and the compact JSON writer.
 *
 * Numbers are written as their literal text (parsed or formatted when built),
 * so big integers and exotic literals round-trip byte for byte.  Strings are
 * escaped minimally: quote, backslash and control characters; UTF-8 passes
 * through untouched.  Lazy containers (json_parse_lazy) are copied from the
 * compact text the parser kept.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_buf_init(json_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}

void json_buf_free(json_buf *b)
{
    free(b->data);
    json_buf_init(b);
}

void json_buf_reset(json_buf *b)
{
    b->len = 0;
    b->oom = false;
    if (b->data) b->data[0] = '\0';
}

/* Ensures room for `extra` bytes plus the terminating NUL; false (and oom set) if not. */
static bool buf_reserve(json_buf *b, size_t extra)
{
    if (b->oom) return false;
    if (b->cap - b->len > extra) return true;
    if (extra > SIZE_MAX / 2 - b->len) {
        b->oom = true;
        return false;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len <= extra) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void json_buf_append(json_buf *b, const void *data, size_t len)
{
    if (!buf_reserve(b, len)) return;
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void json_buf_puts(json_buf *b, const char *s) { json_buf_append(b, s, strlen(s)); }

void json_buf_printf(json_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->cap > b->len ? b->cap - b->len : 0;
    int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    if ((size_t)n >= room) {                  /* did not fit: grow and format again */
        if (!buf_reserve(b, (size_t)n)) return;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    if (!b->oom) b->len += (size_t)n;
}

/* Appends without the terminating NUL: the writers below terminate once, at the end. */
static inline void put(json_buf *b, const void *data, size_t len)
{
    if (!buf_reserve(b, len)) return;
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

static inline void put_char(json_buf *b, char c)
{
    if ((b->cap - b->len > 1 && !b->oom) || buf_reserve(b, 1)) b->data[b->len++] = c;
}

static void terminate(json_buf *b)
{
    if (!b->oom && buf_reserve(b, 0)) b->data[b->len] = '\0';
}

/* For each byte: 0 if it is written as is, else the letter of its short escape,
 * or 'u' for the \u00XX form. */
static const char escape_of[256] = {
    [0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u', [0x05] = 'u', [0x06] = 'u',
    [0x07] = 'u', ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', [0x0b] = 'u', ['\f'] = 'f', ['\r'] = 'r',
    [0x0e] = 'u', [0x0f] = 'u', [0x10] = 'u', [0x11] = 'u', [0x12] = 'u', [0x13] = 'u', [0x14] = 'u',
    [0x15] = 'u', [0x16] = 'u', [0x17] = 'u', [0x18] = 'u', [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u',
    [0x1c] = 'u', [0x1d] = 'u', [0x1e] = 'u', [0x1f] = 'u', ['"'] = '"', ['\\'] = '\\',
};

/* The first byte in [p, end) that needs an escape, or end. */
static inline const char *scan_unescaped(const char *p, const char *end)
{
#if JSON_SWAR
    for (; end - p >= 8; p += 8) {
        uint64_t w = json_load8(p);
        uint64_t marks = json_marks_control(w) | json_marks_byte(w, '"') | json_marks_byte(w, '\\');
        if (marks) return p + json_first_mark(marks);
    }
#endif
    while (p < end && !escape_of[(unsigned char)*p]) p++;
    return p;
}

/* Room is reserved for the rest of the string plus its closing quote, and again
 * (with the escape's six bytes) at each escape, so the copy itself is unchecked. */
static void put_string(json_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const char *p = s, *end = s + len;
    if (!buf_reserve(b, len + 2)) return;
    b->data[b->len++] = '"';
    for (;;) {
        const char *run = p;
        p = scan_unescaped(p, end);
        memcpy(b->data + b->len, run, (size_t)(p - run));
        b->len += (size_t)(p - run);
        if (p >= end) break;
        if (!buf_reserve(b, 6 + (size_t)(end - p) + 1)) return;
        unsigned char c = (unsigned char)*p++;
        char *o = b->data + b->len;
        *o++ = '\\';
        if (escape_of[c] != 'u') {
            *o++ = escape_of[c];
        } else {
            memcpy(o, "u00", 3);
            o[3] = hex[c >> 4];
            o[4] = hex[c & 15];
            o += 5;
        }
        b->len = (size_t)(o - b->data);
    }
    b->data[b->len++] = '"';
}

/* Recursion depth is bounded by the documents' own: parsed ones by JSON_MAX_DEPTH. */
static void put_value(json_buf *b, const json_value *v)
{
    switch (v->type) {
    case JSON_NULL: put(b, "null", 4); break;
    case JSON_FALSE: put(b, "false", 5); break;
    case JSON_TRUE: put(b, "true", 4); break;
    case JSON_NUMBER: put(b, v->u.num.text, v->u.num.text_len); break;
    case JSON_STRING: put_string(b, v->u.str, v->len); break;
    case JSON_ARRAY:
        if (v->lazy) {
            put(b, v->u.span.text, v->u.span.len);
            break;
        }
        put_char(b, '[');
        for (size_t i = 0; i < v->len; i++) {
            if (i) put_char(b, ',');
            put_value(b, v->u.items[i]);
        }
        put_char(b, ']');
        break;
    case JSON_OBJECT:
        if (v->lazy) {
            put(b, v->u.span.text, v->u.span.len);
            break;
        }
        put_char(b, '{');
        for (size_t i = 0; i < v->len; i++) {
            if (i) put_char(b, ',');
            put_string(b, v->u.members[i].key, v->u.members[i].key_len);
            put_char(b, ':');
            put_value(b, v->u.members[i].value);
        }
        put_char(b, '}');
        break;
    }
}

void json_write_string(json_buf *b, const char *s, size_t len)
{
    put_string(b, s, len);
    terminate(b);
}

void json_write(json_buf *b, const json_value *v)
{
    put_value(b, v);
    terminate(b);
}
