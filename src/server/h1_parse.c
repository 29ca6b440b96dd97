/*
 * h1_parse.c - HTTP/1.1 request heads and chunked bodies (RFC 9112) on byte
 * strings.  Strict where a lenient reading could let two parsers disagree on
 * where a request ends (request smuggling): Content-Length together with
 * Transfer-Encoding, transfer codings we do not know, bare CR or LF in chunk
 * framing, obsolete line folding, whitespace before a colon are all refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "h1_parse.h"

/* Character classes: tchar (RFC 9110 5.6.2: methods and field names) and the
 * characters of a Host value (RFC 3986 reg-name, IP literals, ":" port). */
enum { TCHAR = 1, HOSTCHAR = 2 };
#define ALNUM(v) \
    ['0'] = v, ['1'] = v, ['2'] = v, ['3'] = v, ['4'] = v, ['5'] = v, ['6'] = v, ['7'] = v, \
    ['8'] = v, ['9'] = v, \
    ['A'] = v, ['B'] = v, ['C'] = v, ['D'] = v, ['E'] = v, ['F'] = v, ['G'] = v, ['H'] = v, \
    ['I'] = v, ['J'] = v, ['K'] = v, ['L'] = v, ['M'] = v, ['N'] = v, ['O'] = v, ['P'] = v, \
    ['Q'] = v, ['R'] = v, ['S'] = v, ['T'] = v, ['U'] = v, ['V'] = v, ['W'] = v, ['X'] = v, \
    ['Y'] = v, ['Z'] = v, \
    ['a'] = v, ['b'] = v, ['c'] = v, ['d'] = v, ['e'] = v, ['f'] = v, ['g'] = v, ['h'] = v, \
    ['i'] = v, ['j'] = v, ['k'] = v, ['l'] = v, ['m'] = v, ['n'] = v, ['o'] = v, ['p'] = v, \
    ['q'] = v, ['r'] = v, ['s'] = v, ['t'] = v, ['u'] = v, ['v'] = v, ['w'] = v, ['x'] = v, \
    ['y'] = v, ['z'] = v

static const unsigned char char_class[256] = {
    ALNUM(TCHAR | HOSTCHAR),
    ['!'] = TCHAR | HOSTCHAR, ['$'] = TCHAR | HOSTCHAR, ['%'] = TCHAR | HOSTCHAR,
    ['&'] = TCHAR | HOSTCHAR, ['\''] = TCHAR | HOSTCHAR, ['*'] = TCHAR | HOSTCHAR,
    ['+'] = TCHAR | HOSTCHAR, ['-'] = TCHAR | HOSTCHAR, ['.'] = TCHAR | HOSTCHAR,
    ['_'] = TCHAR | HOSTCHAR, ['~'] = TCHAR | HOSTCHAR,
    ['#'] = TCHAR, ['^'] = TCHAR, ['`'] = TCHAR, ['|'] = TCHAR,
    ['('] = HOSTCHAR, [')'] = HOSTCHAR, [','] = HOSTCHAR, [';'] = HOSTCHAR, ['='] = HOSTCHAR,
    [':'] = HOSTCHAR, ['['] = HOSTCHAR, [']'] = HOSTCHAR,
};

static bool is_tchar(char ch)
{
    return char_class[(unsigned char)ch] & TCHAR;
}

static const char *skip_tchars(const char *p)
{
    while (is_tchar(*p))
        p++;
    return p;
}

/* Control characters other than HTAB (CR and LF included). */
static bool is_ctl(unsigned char ch)
{
    return (ch < ' ' && ch != '\t') || ch == 0x7f;
}

static int refuse(h1_head *h, int status, const char *why)
{
    h->error = why;
    return status;
}

/* ---- finding the head ------------------------------------------------------- */

size_t h1_head_length(const char *p, size_t len)
{
    const char *end = p + len, *nl = p;
    while ((nl = memchr(nl, '\n', (size_t)(end - nl)))) {
        nl++;
        if (nl < end && *nl == '\n')
            return (size_t)(nl + 1 - p);
        if (nl + 1 < end && nl[0] == '\r' && nl[1] == '\n')
            return (size_t)(nl + 2 - p);
    }
    return 0;
}

int h1_check_first_line(const char *p, size_t len)
{
    size_t scan = len < H1_MAX_REQUEST_LINE ? len : H1_MAX_REQUEST_LINE;
    const char *nl = memchr(p, '\n', scan);
    if (!nl)
        return len >= H1_MAX_REQUEST_LINE ? 414 : 0;
    const char *sp = p;
    while (sp < nl && is_tchar(*sp))
        sp++;
    return sp == p || *sp != ' ' ? 400 : 0;
}

/* ---- the request line ------------------------------------------------------ */

/* Cuts the line at `p` (NUL over its CR/LF); returns the next line. */
static char *cut_line(char *p)
{
    char *nl = strchr(p, '\n');
    if (!nl)
        return p + strlen(p);                /* the head's last line: its LF is the NUL already */
    *nl = 0;
    if (nl > p && nl[-1] == '\r')
        nl[-1] = 0;
    return nl + 1;
}

/* "HTTP/d.d": well-formed, whether we speak it or not. */
static bool is_version(const char *v)
{
    return strncmp(v, "HTTP/", 5) == 0 && v[5] >= '0' && v[5] <= '9' && v[6] == '.' &&
           v[7] >= '0' && v[7] <= '9' && v[8] == 0;
}

/* The target's path: origin-form, absolute-form (its path kept), or "*" for
 * OPTIONS.  NULL if malformed. */
static char *target_path(char *target, bool options)
{
    if (strncasecmp(target, "http://", 7) == 0 || strncasecmp(target, "https://", 8) == 0) {
        char *slash = strchr(strstr(target, "//") + 2, '/');
        target = slash;
    } else if (*target != '/' && !(options && strcmp(target, "*") == 0)) {
        return NULL;
    }
    if (!target)
        return NULL;
    for (char *q = target; *q; q++)
        if ((unsigned char)*q <= ' ' || *q == 0x7f)
            return NULL;
    target[strcspn(target, "?#")] = 0;
    return target;
}

/* "METHOD SP target SP HTTP/1.x". */
static int parse_request_line(h1_head *h, char *base, char *line)
{
    char *sp = (char *)skip_tchars(line);
    if (sp == line || *sp != ' ')
        return refuse(h, 400, "malformed request line");
    *sp = 0;
    char *target = sp + 1, *end = strchr(target, ' ');
    if (!end || end == target)
        return refuse(h, 400, "malformed request line");
    *end = 0;
    const char *version = end + 1;
    h->http10 = strcmp(version, "HTTP/1.0") == 0;
    if (!h->http10 && strcmp(version, "HTTP/1.1") != 0)
        return is_version(version) ? refuse(h, 505, "HTTP version not supported")
                                   : refuse(h, 400, "malformed request line");
    h->keep_alive = !h->http10;              /* HTTP/1.0: only if it asks for it */
    size_t method_len = (size_t)(sp - line);
    h->is_head = method_len == 4 && memcmp(line, "HEAD", 4) == 0;
    char *path = target_path(target, method_len == 7 && memcmp(line, "OPTIONS", 7) == 0);
    if (!path)
        return refuse(h, 400, "malformed request target");
    h->method_at = (size_t)(line - base);
    h->path_at = (size_t)(path - base);
    return 0;
}

/* ---- header fields ----------------------------------------------------------- */

/* What the head's fields said so far. */
typedef struct head_seen {
    h1_head *h;
    bool has_te, close;
    int hosts, fields;
} head_seen;

/* Calls fn on each non-empty element of a comma-separated list, trimmed;
 * stops at the first non-zero result and returns it. */
static int each_element(const char *value, int (*fn)(head_seen *, const char *, size_t), head_seen *seen)
{
    for (const char *p = value; *p;) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, ",");
        const char *next = p + len;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len) {
            int rc = fn(seen, p, len);
            if (rc)
                return rc;
        }
        p = next;
    }
    return 0;
}

/* "close" wins over "keep-alive", wherever each comes. */
static int connection_option(head_seen *seen, const char *opt, size_t len)
{
    if (len == 5 && strncasecmp(opt, "close", 5) == 0)
        seen->close = true;
    else if (len == 10 && strncasecmp(opt, "keep-alive", 10) == 0)
        seen->h->keep_alive = true;
    return 0;
}

/* Only chunked is understood, once, last (RFC 9112 6.1, 6.3). */
static int transfer_coding(head_seen *seen, const char *coding, size_t len)
{
    h1_head *h = seen->h;
    if (h->chunked)
        return refuse(h, 400, "a transfer coding after chunked");
    if (len == 7 && strncasecmp(coding, "chunked", 7) == 0) {
        h->chunked = true;
        return 0;
    }
    return refuse(h, 501, "unsupported transfer coding: only chunked is");
}

static int parse_content_length(h1_head *h, const char *v)
{
    size_t len = strlen(v);
    if (!len || len > 18 || v[strspn(v, "0123456789")])
        return refuse(h, 400, "malformed Content-Length");
    size_t n = (size_t)strtoull(v, NULL, 10);
    if (h->has_length && n != h->content_length)
        return refuse(h, 400, "conflicting Content-Length headers");
    h->content_length = n;
    h->has_length = true;
    return 0;
}

static bool is_host_value(const char *v)
{
    for (; *v; v++)
        if (!(char_class[(unsigned char)*v] & HOSTCHAR))
            return false;
    return true;
}

static bool name_is(const char *name, size_t len, const char *lower, size_t lower_len)
{
    return len == lower_len && strncasecmp(name, lower, len) == 0;
}
#define NAME_IS(lit) name_is(line, name_len, lit, sizeof lit - 1)

/* One "Name: value" line. */
static int parse_header(head_seen *seen, char *base, char *line)
{
    h1_head *h = seen->h;
    if (*line == ' ' || *line == '\t')
        return refuse(h, 400, "obsolete line folding in the header");
    if (++seen->fields > H1_MAX_HEADER_FIELDS)
        return refuse(h, 431, "too many header fields");
    char *colon = (char *)skip_tchars(line);
    if (colon == line || *colon != ':')
        return refuse(h, 400, colon > line && colon[strspn(colon, " \t")] == ':'
                                  ? "whitespace before a header's colon" : "malformed header line");
    size_t name_len = (size_t)(colon - line);
    *colon = 0;
    char *value = colon + 1;
    value += strspn(value, " \t");
    size_t vlen = strlen(value);
    while (vlen && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t'))
        value[--vlen] = 0;
    for (size_t i = 0; i < vlen; i++)
        if (is_ctl((unsigned char)value[i]))
            return refuse(h, 400, "control character in a header value");
    switch (name_len) {
    case 4:
        if (NAME_IS("host")) {
            if (++seen->hosts > 1)
                return refuse(h, 400, "more than one Host header");
            if (!is_host_value(value))
                return refuse(h, 400, "malformed Host header");
        }
        break;
    case 6:
        if (NAME_IS("expect")) {
            if (strcasecmp(value, "100-continue") != 0)
                return refuse(h, 417, "unsupported Expect header");
            h->expect_continue = !h->http10;   /* RFC 9110 10.1.1: ignored from HTTP/1.0 */
        }
        break;
    case 10:
        if (NAME_IS("connection"))
            each_element(value, connection_option, seen);
        break;
    case 12:
        if (NAME_IS("content-type"))
            h->ctype_at = (size_t)(value - base);
        break;
    case 14:
        if (NAME_IS("content-length"))
            return parse_content_length(h, value);
        break;
    case 17:
        if (NAME_IS("transfer-encoding")) {
            seen->has_te = true;
            return each_element(value, transfer_coding, seen);
        }
        break;
    }
    return 0;
}

/* What the fields say together, and must satisfy (RFC 9112 3.2, 6.1, 6.3). */
static int check_framing(const head_seen *seen)
{
    h1_head *h = seen->h;
    if (seen->close)
        h->keep_alive = false;
    if (seen->hosts == 0 && !h->http10)
        return refuse(h, 400, "HTTP/1.1 request without a Host header");
    if (seen->has_te) {
        if (h->http10)
            return refuse(h, 400, "Transfer-Encoding in an HTTP/1.0 request");
        if (h->has_length)
            return refuse(h, 400, "both Content-Length and Transfer-Encoding");
        if (!h->chunked)
            return refuse(h, 400, "empty Transfer-Encoding");
    }
    return 0;
}

int h1_parse_head(char *base, size_t len, h1_head *h)
{
    *h = (h1_head){ .len = len };
    if (len < 2 || *base == '\r' || *base == '\n')
        return refuse(h, 400, "malformed request line");
    /* The empty line that ends the head: lines before it are fields, even
     * one that starts with a bare CR (refused, not taken for the end). */
    const char *empty = base + len - (base[len - 2] == '\r' ? 2 : 1);
    base[len - 1] = 0;                       /* the head's last LF: the lines become strings */
    char *next = cut_line(base);
    int status = parse_request_line(h, base, base);
    if (status)
        return status;
    head_seen seen = { .h = h };
    for (char *line = next; line < empty; line = next) {
        next = cut_line(line);
        if ((status = parse_header(&seen, base, line)))
            return status;
    }
    return check_framing(&seen);
}

/* ---- chunked bodies ------------------------------------------------------------ */

enum {
    CH_SIZE,          /* hex digits of a chunk size */
    CH_EXT,           /* after the size: extensions, ignored, up to CR */
    CH_SIZE_LF,       /* the size line's LF */
    CH_DATA,          /* chunk_left data bytes */
    CH_DATA_CR,       /* the CRLF after the data */
    CH_DATA_LF,
    CH_TRAILER_START, /* a trailer line, or the final CRLF */
    CH_TRAILER_NAME,  /* a trailer's name, up to its colon */
    CH_TRAILER,       /* a trailer's value, up to CR */
    CH_TRAILER_LF,
    CH_END_LF,        /* the final LF */
    CH_DONE,
};

static int chunk_error(h1_chunked *d, int status, const char *why)
{
    d->error = why;
    return status;
}

static int hex_value(unsigned char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch |= 0x20;
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* A byte of a trailer line, "name: value" (checked, then dropped). */
static int trailer_byte(h1_chunked *d, unsigned char ch)
{
    if (++d->framing > H1_MAX_CHUNK_FRAMING)
        return chunk_error(d, 431, "trailers too large");
    if (d->state == CH_TRAILER_NAME) {
        if (ch == ':')
            d->state = CH_TRAILER;
        else if (!is_tchar((char)ch))
            return chunk_error(d, 400, "malformed trailer line");
        return 0;
    }
    if (ch == '\r')
        d->state = CH_TRAILER_LF;
    else if (is_ctl(ch))
        return chunk_error(d, 400, "control character in the trailers");
    return 0;
}

/* One framing byte (anything but chunk data).  0, or an error status. */
static int chunk_framing_byte(h1_chunked *d, unsigned char ch, size_t max_body)
{
    switch (d->state) {
    case CH_SIZE: {
        int v = hex_value(ch);
        if (v >= 0) {
            if (++d->size_digits > 16)
                return chunk_error(d, 400, "chunk size of more than 16 digits");
            if (d->chunk_left > (SIZE_MAX >> 4) || d->chunk_left * 16 + (size_t)v > max_body - d->body_len)
                return chunk_error(d, 413, "request body too large");
            d->chunk_left = d->chunk_left * 16 + (size_t)v;
            return 0;
        }
        if (!d->size_digits)
            return chunk_error(d, 400, "malformed chunk size");
        if (ch == '\r')
            d->state = CH_SIZE_LF;
        else if (ch == ';' || ch == ' ' || ch == '\t')
            d->state = CH_EXT;
        else
            return chunk_error(d, 400, "malformed chunk size");
        return 0;
    }
    case CH_EXT:
        if (ch == '\r') {
            d->state = CH_SIZE_LF;
            return 0;
        }
        if (is_ctl(ch))
            return chunk_error(d, 400, "control character in a chunk extension");
        if (++d->framing > H1_MAX_CHUNK_FRAMING)
            return chunk_error(d, 400, "chunk extensions too long");
        return 0;
    case CH_SIZE_LF:
        if (ch != '\n')
            return chunk_error(d, 400, "chunk size line not ended by CRLF");
        d->state = d->chunk_left ? CH_DATA : CH_TRAILER_START;
        return 0;
    case CH_DATA_CR:
        if (ch != '\r')
            return chunk_error(d, 400, "chunk data not followed by CRLF");
        d->state = CH_DATA_LF;
        return 0;
    case CH_DATA_LF:
        if (ch != '\n')
            return chunk_error(d, 400, "chunk data not followed by CRLF");
        d->state = CH_SIZE;
        d->size_digits = 0;
        return 0;
    case CH_TRAILER_START:
        if (ch == '\r') {
            d->state = CH_END_LF;
            return 0;
        }
        if (ch == ' ' || ch == '\t')
            return chunk_error(d, 400, "obsolete line folding in the trailers");
        if (!is_tchar((char)ch))
            return chunk_error(d, 400, "malformed trailer line");
        d->state = CH_TRAILER_NAME;
        return trailer_byte(d, ch);
    case CH_TRAILER_NAME:
    case CH_TRAILER:
        return trailer_byte(d, ch);
    case CH_TRAILER_LF:
        if (ch != '\n')
            return chunk_error(d, 400, "trailer line not ended by CRLF");
        d->state = CH_TRAILER_START;
        return 0;
    case CH_END_LF:
        if (ch != '\n')
            return chunk_error(d, 400, "chunked body not ended by CRLF");
        d->state = CH_DONE;
        return 0;
    }
    return chunk_error(d, 400, "malformed chunked body");
}

int h1_chunked_decode(h1_chunked *d, char *body, size_t len, size_t max_body)
{
    size_t r = d->body_len;                  /* the next raw byte; data is written at body_len */
    while (r < len) {
        if (d->state == CH_DATA) {
            size_t n = len - r < d->chunk_left ? len - r : d->chunk_left;
            memmove(body + d->body_len, body + r, n);
            d->body_len += n;
            d->chunk_left -= n;
            r += n;
            if (!d->chunk_left)
                d->state = CH_DATA_CR;
            continue;
        }
        int status = chunk_framing_byte(d, (unsigned char)body[r++], max_body);
        if (status)
            return status;
        if (d->state == CH_DONE) {
            d->end = r;
            return H1_DONE;
        }
    }
    return H1_MORE;
}
