/*
 * http1.c - HTTP/1.1 requests and responses on a connection's buffers.
 *
 * One request at a time per connection: the head is parsed in place (NULs
 * written into the input buffer, see h1_parse.c), the body follows it there,
 * with a Content-Length or chunked (decoded in place as it arrives, its
 * framing dropped), and while a worker runs the handler the connection reads
 * nothing more, so pipelined requests simply wait in the buffer (or in the
 * socket) for their turn.  Errors get a JSON body and close the connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport.h"

/* ---- responses ------------------------------------------------------------ */

static char *put(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}
#define PUT(p, lit) put(p, lit, sizeof lit - 1)

static char *put_uint(char *p, size_t v)
{
    char digits[24];
    size_t i = sizeof digits;
    do
        digits[--i] = (char)('0' + v % 10);
    while (v /= 10);
    return put(p, digits + i, sizeof digits - i);
}

/* The head is written straight into `out` (snprintf cost more than the rest
 * of the response).  A response to HEAD has the headers a GET would get,
 * Content-Length included, and no content (RFC 9110 9.3.2); a 204 has neither. */
static void write_response(conn *c, int status, const char *content_type, const json_buf *body,
                           bool keep_alive)
{
    if (status < 100 || status > 999)
        status = 500;                        /* see http.h */
    bool no_content = status == 204;
    bool send_body = body->len && !no_content && !c->head.is_head;
    const char *reason = http_reason(status);
    if (!content_type)
        content_type = "application/json";
    size_t ctype_len = strlen(content_type), reason_len = strlen(reason);
    size_t most = 192 + reason_len + ctype_len + (send_body ? body->len : 0);
    if (iobuf_reserve(&c->out, most) < 0) {
        c->closing = true;                   /* out of memory: give up on this client */
        c->out.off = c->out.len = 0;
        return;
    }
    char *start = c->out.data + c->out.len, *p = start;
    p = PUT(p, "HTTP/1.1 ");
    p = put_uint(p, (size_t)status);
    *p++ = ' ';
    p = put(p, reason, reason_len);
    p = PUT(p, "\r\nDate: ");
    p = put(p, http_date(c->srv), HTTP_DATE_LEN);
    p = PUT(p, "\r\nContent-Type: ");
    p = put(p, content_type, ctype_len);
    if (!no_content) {
        p = PUT(p, "\r\nContent-Length: ");
        p = put_uint(p, body->len);
    }
    if (!keep_alive)
        p = PUT(p, "\r\nConnection: close");
    else if (c->head.http10)
        p = PUT(p, "\r\nConnection: keep-alive");
    p = PUT(p, "\r\n\r\n");
    if (send_body)
        p = put(p, body->data, body->len);
    c->out.len += (size_t)(p - start);
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

static void fail_too_large(conn *c)
{
    char msg[112];
    if (c->head.chunked)
        snprintf(msg, sizeof msg, "request body too large: over %zu bytes (chunked), the limit is %zu",
                 c->srv->cfg.max_body, c->srv->cfg.max_body);
    else
        snprintf(msg, sizeof msg, "request body too large: %zu bytes, the limit is %zu",
                 c->head.content_length, c->srv->cfg.max_body);
    fail(c, 413, msg);
}

/* ---- the request cycle --------------------------------------------------------- */

/* The head at in.off: 1 parsed, 0 wait for more, -1 refused. */
static int take_head(conn *c)
{
    char *p = c->in.data + c->in.off;
    size_t pending = c->in.len - c->in.off;
    while (pending && (*p == '\r' || *p == '\n')) {   /* stray CRLF between requests */
        iobuf_consume(&c->in, 1);
        p++;
        pending--;
    }
    if (!pending)
        return 0;
    int status = h1_check_first_line(p, pending);
    if (status) {
        fail(c, status, status == 414 ? "request line too long" : "malformed HTTP request");
        return -1;
    }
    size_t head_len = h1_head_length(p, pending < MAX_HEADER_BYTES ? pending : MAX_HEADER_BYTES);
    if (!head_len) {
        if (pending >= MAX_HEADER_BYTES) {
            fail(c, 431, "request headers too large");
            return -1;
        }
        return 0;
    }
    if ((status = h1_parse_head(p, head_len, &c->head))) {
        fail(c, status, c->head.error);
        return -1;
    }
    c->head_parsed = true;
    c->sent_continue = false;
    if (c->head.chunked) {
        c->chunks = (h1_chunked){ 0 };
        c->body_len = 0;
        return 1;
    }
    c->body_len = c->head.content_length;
    c->request_len = head_len + c->body_len;
    if (c->body_len > c->srv->cfg.max_body) {
        fail_too_large(c);
        return -1;
    }
    size_t need = c->request_len + 1;        /* + the body's NUL terminator */
    if (need > pending && iobuf_reserve(&c->in, need - pending) < 0) {
        fail(c, 500, "out of memory");
        return -1;
    }
    return 1;
}

/* The chunks received so far, decoded in place after the head: 1 the body is
 * complete, 0 wait for more, -1 refused. */
static int take_chunks(conn *c)
{
    char *body = c->in.data + c->in.off + c->head.len;
    size_t raw = c->in.len - c->in.off - c->head.len;
    int status = h1_chunked_decode(&c->chunks, body, raw, c->srv->cfg.max_body);
    c->body_len = c->chunks.body_len;
    if (status == H1_DONE) {
        c->request_len = c->head.len + c->chunks.end;
        return 1;
    }
    if (status == H1_MORE) {
        c->in.len = c->in.off + c->head.len + c->body_len;   /* the framing read so far goes */
        return 0;
    }
    if (status == 413)
        fail_too_large(c);
    else
        fail(c, status, c->chunks.error);
    return -1;
}

/* 1: a whole request is in the buffer, 0: wait for more, -1: refused. */
static int take_request(conn *c)
{
    if (!c->head_parsed) {
        int rc = take_head(c);
        if (rc <= 0)
            return rc;
    }
    int rc = c->head.chunked ? take_chunks(c) : c->in.len - c->in.off >= c->request_len;
    if (rc == 0 && c->head.expect_continue && !c->sent_continue) {
        /* the client waits for this before sending the body (RFC 9110 10.1.1) */
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        iobuf_append(&c->out, cont, sizeof cont - 1);
        c->sent_continue = true;
    }
    return rc;
}

static void fill_request(conn *c)
{
    char *base = c->in.data + c->in.off;
    char *body = base + c->head.len;
    c->saved_byte = body[c->body_len];       /* maybe the next pipelined request's first byte */
    body[c->body_len] = 0;
    c->job.req = (http_request){
        .listener = c->listener,
        .method = c->head.is_head ? "GET" : base + c->head.method_at,   /* see http.h */
        .path = base + c->head.path_at,
        .content_type = c->head.ctype_at ? base + c->head.ctype_at : NULL,
        .body = body,
        .body_len = c->body_len,
        .version = 1,
    };
}

/* After a response: the next request starts at the byte after this one. */
static void finish_request(conn *c)
{
    char *base = c->in.data + c->in.off;
    base[c->head.len + c->body_len] = c->saved_byte;
    iobuf_consume(&c->in, c->request_len);
    c->head_parsed = false;
    c->idle_since_ms = now_ms();
    c->request_start_ms = c->idle_since_ms;
    if (!c->head.keep_alive || c->srv->draining)
        c->closing = true;
    c->head = (h1_head){ 0 };                /* the next refusal may come before its head */
    iobuf_release(&c->in);
    if (c->job.resp.body.cap > 65536)
        json_buf_free(&c->job.resp.body);
}

static void respond(conn *c)
{
    bool keep_alive = c->head.keep_alive && !c->srv->draining;
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
