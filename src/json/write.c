/*
 * write.c - growable output buffers and the compact JSON writer.
 *
 * Numbers are written as their literal text (parsed or formatted when built),
 * so big integers and exotic literals round-trip byte for byte.  Strings are
 * escaped minimally: quote, backslash and control characters; UTF-8 passes
 * through untouched.
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

static void buf_putc(json_buf *b, char c)
{
    if (!buf_reserve(b, 1)) return;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

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

/* The escape for each byte below 0x20, quote and backslash; 0 means "as is". */
static const char short_escape[256] = {
    ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't', ['"'] = '"', ['\\'] = '\\',
};

static bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

void json_write_string(json_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    if (!buf_reserve(b, len + 2)) return;
    buf_putc(b, '"');
    size_t run = 0;                           /* start of the pending unescaped run */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!needs_escape(c)) continue;
        json_buf_append(b, s + run, i - run);
        run = i + 1;
        if (short_escape[c]) {
            char esc[2] = { '\\', short_escape[c] };
            json_buf_append(b, esc, 2);
        } else {
            char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
            json_buf_append(b, esc, 6);
        }
    }
    json_buf_append(b, s + run, len - run);
    buf_putc(b, '"');
}

/* Recursion depth is bounded by the documents' own: parsed ones by JSON_MAX_DEPTH. */
void json_write(json_buf *b, const json_value *v)
{
    switch (v->type) {
    case JSON_NULL: json_buf_append(b, "null", 4); break;
    case JSON_FALSE: json_buf_append(b, "false", 5); break;
    case JSON_TRUE: json_buf_append(b, "true", 4); break;
    case JSON_NUMBER: json_buf_append(b, v->u.num.text, v->u.num.text_len); break;
    case JSON_STRING: json_write_string(b, v->u.str, v->len); break;
    case JSON_ARRAY:
        buf_putc(b, '[');
        for (size_t i = 0; i < v->len; i++) {
            if (i) buf_putc(b, ',');
            json_write(b, v->u.items[i]);
        }
        buf_putc(b, ']');
        break;
    case JSON_OBJECT:
        buf_putc(b, '{');
        for (size_t i = 0; i < v->len; i++) {
            if (i) buf_putc(b, ',');
            json_write_string(b, v->u.members[i].key, v->u.members[i].key_len);
            buf_putc(b, ':');
            json_write(b, v->u.members[i].value);
        }
        buf_putc(b, '}');
        break;
    }
}
