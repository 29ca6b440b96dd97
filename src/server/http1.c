/*
 * http1.c - HTTP/1.1 requests and responses on a connection's buffers.
 *
 * One request at a time per connection: the head is parsed in place (NULs
 * written into the input buffer), the body is Content-Length only, and while a
 * worker runs the handler the connection reads nothing more, so pipelined
 * requests simply wait in the buffer (or in the socket) for their turn.
 * Errors get a JSON body and close the connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "transport.h"

#define MAX_REQUEST_LINE 8192

static bool is_tchar(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* ---- responses ------------------------------------------------------------ */

static void write_response(conn *c, int status, const char *content_type, const json_buf *body,
                           bool keep_alive)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s\r\n",
                     status, http_reason(status), content_type ? content_type : "application/json",
                     body->len, !keep_alive ? "Connection: close\r\n"
                                : c->http10 ? "Connection: keep-alive\r\n" : "");
    if (iobuf_append(&c->out, head, (size_t)n) < 0 ||
        (body->len && iobuf_append(&c->out, body->data, body->len) < 0)) {
        c->closing = true;                   /* out of memory: give up on this client */
        c->out.off = c->out.len = 0;
    }
}

/* The request cannot be served: answer, then close by lingering. */
static void fail(conn *c, int status, const char *message)
{
    error_body(&c->job.resp.body, status, message);
    write_response(c, status, NULL, &c->job.resp.body, false);
    c->closing = true;
    c->linger_on_close = true;
    server_log(c->srv, HTTP_LOG_DEBUG, "HTTP/1.1 request refused with %d: %s", status, message);
}

/* ---- the request head ----------------------------------------------------- */

/* Length of the head (through the empty line) in [p, p+len), 0 if incomplete.
 * Lines end in CRLF or a bare LF. */
static size_t head_length(const char *p, size_t len)
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

/* Cuts the line at `p` (NUL over its CR/LF); returns the next line. */
static char *cut_line(char *p)
{
    char *nl = strchr(p, '\n');
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

/* "METHOD SP target SP HTTP/1.x": 0, or an error status. */
static int parse_request_line(conn *c, char *base, char *line)
{
    char *sp = line;
    while (is_tchar((unsigned char)*sp))
        sp++;
    if (sp == line || *sp != ' ')
        return 400;
    *sp = 0;
    char *target = sp + 1, *end = strchr(target, ' ');
    if (!end || end == target)
        return 400;
    *end = 0;
    const char *version = end + 1;
    c->http10 = strcmp(version, "HTTP/1.0") == 0;
    if (strcmp(version, "HTTP/1.1") == 0)
        c->keep_alive = true;
    else if (c->http10)
        c->keep_alive = false;              /* unless it asks for keep-alive */
    else
        return is_version(version) ? 505 : 400;
    if (strncasecmp(target, "http://", 7) == 0 || strncasecmp(target, "https://", 8) == 0) {
        char *slash = strchr(strstr(target, "//") + 2, '/');
        if (!slash)
            return 400;
        target = slash;                      /* absolute-form: keep the path */
    } else if (*target != '/' && strcmp(target, "*") != 0) {
        return 400;
    }
    for (char *q = target; *q; q++)
        if ((unsigned char)*q <= ' ' || *q == 0x7f)
            return 400;
    target[strcspn(target, "?#")] = 0;
    c->method_at = (size_t)(line - base);
    c->path_at = (size_t)(target - base);
    return 0;
}

static bool has_token(const char *value, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = value; *p;) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, ",");
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len == n && strncasecmp(p, token, n) == 0)
            return true;
        p += strcspn(p, ",");
    }
    return false;
}

static int parse_content_length(const char *v, size_t *out)
{
    if (!*v || strlen(v) > 18 || v[strspn(v, "0123456789")])
        return -1;
    *out = (size_t)strtoull(v, NULL, 10);
    return 0;
}

/* One "Name: value" line: 0, or an error status. */
static int parse_header(conn *c, char *base, char *line, bool *have_length)
{
    if (*line == ' ' || *line == '\t')
        return 400;                          /* obsolete line folding */
    char *colon = line;
    while (is_tchar((unsigned char)*colon))
        colon++;
    if (colon == line || *colon != ':')
        return 400;
    *colon = 0;
    char *value = colon + 1;
    value += strspn(value, " \t");
    size_t vlen = strlen(value);
    while (vlen && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t'))
        value[--vlen] = 0;
    for (size_t i = 0; i < vlen; i++)
        if ((unsigned char)value[i] < ' ' && value[i] != '\t')
            return 400;
    if (strcasecmp(line, "content-length") == 0) {
        size_t len;
        if (parse_content_length(value, &len) < 0 || (*have_length && len != c->body_len))
            return 400;
        c->body_len = len;
        *have_length = true;
    } else if (strcasecmp(line, "transfer-encoding") == 0) {
        return 411;                          /* chunked bodies are refused: send Content-Length */
    } else if (strcasecmp(line, "connection") == 0) {
        if (has_token(value, "close"))
            c->keep_alive = false;
        else if (has_token(value, "keep-alive"))
            c->keep_alive = true;
    } else if (strcasecmp(line, "content-type") == 0) {
        c->ctype_at = (size_t)(value - base);
    } else if (strcasecmp(line, "expect") == 0) {
        if (strcasecmp(value, "100-continue") != 0)
            return 417;
        c->expect_continue = true;
    }
    return 0;
}

static const char *status_message(int status)
{
    switch (status) {
    case 411: return "Transfer-Encoding is not supported: send the body with Content-Length";
    case 417: return "unsupported Expect header";
    case 505: return "HTTP version not supported";
    default:  return "malformed HTTP request";
    }
}

/* Parses the head of `head_len` bytes at in.off.  0, or an error status. */
static int parse_head(conn *c, size_t head_len)
{
    char *base = c->in.data + c->in.off;
    base[head_len - 1] = 0;                  /* the head's last LF: the lines become strings */
    c->body_len = 0;
    c->ctype_at = 0;
    c->expect_continue = false;
    bool have_length = false;
    char *line = base, *next;
    int status = 0;
    if (*line == '\0') {
        status = 400;
        goto out;
    }
    next = strchr(line, '\n') ? cut_line(line) : line + strlen(line);
    if ((status = parse_request_line(c, base, line)))
        goto out;
    for (line = next; *line && *line != '\r'; line = next) {
        next = strchr(line, '\n') ? cut_line(line) : line + strlen(line);
        if ((status = parse_header(c, base, line, &have_length)))
            goto out;
    }
out:
    c->head_len = head_len;
    return status;
}

/* Garbage is refused as soon as its first line is complete, not after 16 KiB. */
static int check_first_line(const char *p, size_t len)
{
    const char *nl = memchr(p, '\n', len < MAX_REQUEST_LINE ? len : MAX_REQUEST_LINE);
    if (!nl)
        return len >= MAX_REQUEST_LINE ? 414 : 0;
    const char *sp = p;
    while (sp < nl && is_tchar((unsigned char)*sp))
        sp++;
    return sp == p || *sp != ' ' ? 400 : 0;
}

/* ---- the request cycle --------------------------------------------------------- */

/* 1: a whole request is in the buffer, 0: wait for more, -1: refused. */
static int take_request(conn *c)
{
    char *p = c->in.data + c->in.off;
    size_t pending = c->in.len - c->in.off;
    if (!c->head_parsed) {
        while (pending && (*p == '\r' || *p == '\n')) {   /* stray CRLF between requests */
            iobuf_consume(&c->in, 1);
            p++;
            pending--;
        }
        if (!pending)
            return 0;
        int status = check_first_line(p, pending);
        if (status) {
            fail(c, status, status == 414 ? "request line too long" : "malformed HTTP request");
            return -1;
        }
        size_t head_len = head_length(p, pending < MAX_HEADER_BYTES ? pending : MAX_HEADER_BYTES);
        if (!head_len) {
            if (pending >= MAX_HEADER_BYTES) {
                fail(c, 431, "request headers too large");
                return -1;
            }
            return 0;
        }
        if ((status = parse_head(c, head_len))) {
            fail(c, status, status_message(status));
            return -1;
        }
        c->head_parsed = true;
        c->sent_continue = false;
        if (c->body_len > c->srv->cfg.max_body) {
            char msg[96];
            snprintf(msg, sizeof msg, "request body too large: %zu bytes, the limit is %zu",
                     c->body_len, c->srv->cfg.max_body);
            fail(c, 413, msg);
            return -1;
        }
        size_t need = c->head_len + c->body_len + 1;   /* + the body's NUL terminator */
        if (need > pending && iobuf_reserve(&c->in, need - pending) < 0) {
            fail(c, 500, "out of memory");
            return -1;
        }
        p = c->in.data + c->in.off;
    }
    if (pending < c->head_len + c->body_len) {
        if (c->expect_continue && !c->sent_continue) {
            static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
            iobuf_append(&c->out, cont, sizeof cont - 1);
            c->sent_continue = true;
        }
        return 0;
    }
    return 1;
}

static void fill_request(conn *c)
{
    char *base = c->in.data + c->in.off;
    char *body = base + c->head_len;
    c->saved_byte = body[c->body_len];       /* maybe the next pipelined request's first byte */
    body[c->body_len] = 0;
    c->job.req = (http_request){
        .listener = c->listener,
        .method = base + c->method_at,
        .path = base + c->path_at,
        .content_type = c->ctype_at ? base + c->ctype_at : NULL,
        .body = body,
        .body_len = c->body_len,
        .version = 1,
    };
}

/* After a response: the next request starts at the byte after this one. */
static void finish_request(conn *c)
{
    char *base = c->in.data + c->in.off;
    base[c->head_len + c->body_len] = c->saved_byte;
    iobuf_consume(&c->in, c->head_len + c->body_len);
    c->head_parsed = false;
    c->idle_since_ms = now_ms();
    c->request_start_ms = c->idle_since_ms;
    if (!c->keep_alive || c->srv->draining)
        c->closing = true;
    iobuf_release(&c->in);
    if (c->job.resp.body.cap > 65536)
        json_buf_free(&c->job.resp.body);
}

static void respond(conn *c)
{
    bool keep_alive = c->keep_alive && !c->srv->draining;
    write_response(c, c->job.resp.status, c->job.resp.content_type, &c->job.resp.body, keep_alive);
    finish_request(c);
}

void h1_process(conn *c)
{
    while (!c->busy && !c->closing && c->in.len > c->in.off) {
        if (take_request(c) <= 0)
            return;
        fill_request(c);
        if (!conn_dispatch(c, &c->job))
            return;                          /* a worker has it: h1_job_done comes next */
        respond(c);
    }
}

void h1_job_done(conn *c)
{
    respond(c);
    h1_process(c);
}
