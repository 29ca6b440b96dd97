/*
 * json_write.c - output side of the SDK's JSON: a growable buffer and a
 * writer that keeps track of commas so callers only say what comes next.
 */
#include "kw.h"

#include <string.h>

static void buf_reserve(kw_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *data = kw_alloc(cap);
    if (b->len)
        memcpy(data, b->data, b->len);
    b->data = data;
    b->cap = cap;
}

void kw_buf_put(kw_buf *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void kw_buf_puts(kw_buf *b, const char *s) { kw_buf_put(b, s, strlen(s)); }

void kw_buf_putc(kw_buf *b, char c) { kw_buf_put(b, &c, 1); }

const char *kw_buf_cstr(kw_buf *b)
{
    buf_reserve(b, 0);
    b->data[b->len] = '\0';
    return b->data;
}

void kw_buf_int(kw_buf *b, int64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    /* work on the magnitude as unsigned so INT64_MIN does not overflow */
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--i] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (v < 0)
        tmp[--i] = '-';
    kw_buf_put(b, tmp + i, sizeof tmp - i);
}

/* Length of the valid UTF-8 sequence at s[0..left), 0 if there is none. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
    unsigned char c = s[0];
    size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
    if (n == 0 || left < n)
        return 0;
    unsigned cp = c & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    static const unsigned min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    return cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0 : n;
}

/* Strings read from a payload are not validated, so invalid UTF-8 becomes
 * U+FFFD here (as Go's encoding/json does): the output is always JSON. */
void kw_buf_json_str(kw_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    kw_buf_putc(b, '"');
    size_t run = 0;   /* bytes copied verbatim in one go */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80)
            continue;
        if (c >= 0x80) {
            size_t len = utf8_len((const unsigned char *)s + i, n - i);
            if (len) {
                i += len - 1;
                continue;
            }
        }
        kw_buf_put(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': kw_buf_put(b, "\\\"", 2); break;
        case '\\': kw_buf_put(b, "\\\\", 2); break;
        case '\n': kw_buf_put(b, "\\n", 2); break;
        case '\r': kw_buf_put(b, "\\r", 2); break;
        case '\t': kw_buf_put(b, "\\t", 2); break;
        default:
            if (c >= 0x80) {
                kw_buf_put(b, "\xef\xbf\xbd", 3);   /* U+FFFD */
            } else {
                char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
                kw_buf_put(b, u, 6);
            }
        }
    }
    kw_buf_put(b, s + run, n - run);
    kw_buf_putc(b, '"');
}

/* Emits the comma owed before a new value at the current level. */
static void before_value(kw_writer *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth > 0 && w->need_comma[w->depth - 1])
        kw_buf_putc(&w->buf, ',');
    if (w->depth > 0)
        w->need_comma[w->depth - 1] = true;
}

static void open(kw_writer *w, char opener, char closer)
{
    before_value(w);
    kw_buf_putc(&w->buf, opener);
    if (w->depth >= (int)(sizeof w->closer))
        __builtin_trap();   /* nesting deeper than any policy response needs */
    w->closer[w->depth] = closer;
    w->need_comma[w->depth++] = false;
}

void kw_w_obj(kw_writer *w) { open(w, '{', '}'); }
void kw_w_arr(kw_writer *w) { open(w, '[', ']'); }

void kw_w_end(kw_writer *w)
{
    if (w->depth > 0)
        kw_buf_putc(&w->buf, w->closer[--w->depth]);
}

void kw_w_key(kw_writer *w, const char *key)
{
    before_value(w);
    kw_buf_json_str(&w->buf, key, strlen(key));
    kw_buf_putc(&w->buf, ':');
    w->after_key = true;
}

void kw_w_strn(kw_writer *w, const char *s, size_t n)
{
    before_value(w);
    kw_buf_json_str(&w->buf, s, n);
}

void kw_w_str(kw_writer *w, const char *s) { kw_w_strn(w, s, strlen(s)); }

void kw_w_int(kw_writer *w, int64_t v)
{
    before_value(w);
    kw_buf_int(&w->buf, v);
}

void kw_w_bool(kw_writer *w, bool v)
{
    before_value(w);
    kw_buf_puts(&w->buf, v ? "true" : "false");
}

void kw_w_null(kw_writer *w)
{
    before_value(w);
    kw_buf_puts(&w->buf, "null");
}

void kw_w_val(kw_writer *w, kw_val v)
{
    before_value(w);
    if (v.p)
        kw_buf_put(&w->buf, v.p, v.n);
    else
        kw_buf_puts(&w->buf, "null");
}
