/*
 * conn.c - one client connection on the I/O thread: TLS handshake, reading and
 * writing plaintext through `in` and `out`, choosing HTTP/1.1 or HTTP/2,
 * handing requests to workers, timeouts, closing (with a lingering close after
 * an error response so the client reads it instead of a reset).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "transport.h"

#define READ_CHUNK    16384
#define H2_READ_LIMIT 65536          /* HTTP/2 input is handed to nghttp2 in pieces this size */

static const char h2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/* ---- iobuf ---------------------------------------------------------------- */

int iobuf_reserve(iobuf *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return 0;
    if (b->off) {                             /* reclaim consumed space first */
        memmove(b->data, b->data + b->off, b->len - b->off);
        b->len -= b->off;
        b->off = 0;
        if (b->cap - b->len >= extra)
            return 0;
    }
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < extra)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int iobuf_append(iobuf *b, const void *p, size_t n)
{
    if (iobuf_reserve(b, n) < 0)
        return -1;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

void iobuf_consume(iobuf *b, size_t n)
{
    b->off += n;
    if (b->off >= b->len)
        b->off = b->len = 0;
}

void iobuf_release(iobuf *b)
{
    if (b->off == b->len)
        iobuf_free(b);
}

void iobuf_free(iobuf *b)
{
    free(b->data);
    *b = (iobuf){ 0 };
}

/* ---- responses shared by both protocols ---------------------------------- */

const char *http_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 418: return "I'm a teapot";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default:  return "Unknown";
    }
}

/* RFC 9110 6.6.1: an origin server with a clock sends Date.  IMF-fixdate
 * ("Sun, 06 Nov 1994 08:49:37 GMT"), in English whatever the locale. */
const char *http_date(http_server *s)
{
    static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    time_t now = time(NULL);
    if (now != s->date_at) {
        struct tm tm;
        gmtime_r(&now, &tm);
        snprintf(s->date, sizeof s->date, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
                 tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        s->date_at = now;
    }
    return s->date;
}

void error_body(json_buf *b, int status, const char *message)
{
    json_buf_reset(b);
    json_buf_puts(b, "{\"message\":");
    json_write_string(b, message, strlen(message));
    json_buf_printf(b, ",\"status\":%d}", status);
}

/* ---- lifecycle ------------------------------------------------------------ */

conn *conn_new(http_server *s, int fd, http_listener which)
{
    conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->srv = s;
    c->fd = fd;
    c->listener = which;
    c->accepted_ms = c->idle_since_ms = now_ms();
    c->deadline_ms = c->accepted_ms + s->cfg.request_timeout_ms;
    json_buf_init(&c->job.resp.body);
    c->job.conn = c;
    if (which == HTTP_LISTENER_API && s->tls) {
        c->ssl = SSL_new(s->tls);
        if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
            SSL_free(c->ssl);
            json_buf_free(&c->job.resp.body);
            free(c);
            ERR_clear_error();
            return NULL;
        }
        SSL_set_accept_state(c->ssl);
    } else {
        c->handshake_done = true;
    }
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    s->n_conns++;
    return c;
}

static void conn_free(conn *c)
{
    http_server *s = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    s->n_conns--;
    h2_free(c);
    iobuf_free(&c->in);
    iobuf_free(&c->out);
    json_buf_free(&c->job.resp.body);
    free(c);
}

static void bury(conn *c)
{
    if (c->in_graveyard)
        return;
    c->in_graveyard = true;
    c->grave_next = c->srv->graveyard;
    c->srv->graveyard = c;
}

void conn_reap(http_server *s)
{
    while (s->graveyard) {
        conn *c = s->graveyard;
        s->graveyard = c->grave_next;
        conn_free(c);
    }
}

/* Closes the socket now; the memory is freed at the end of the loop iteration,
 * or once the jobs still in flight come back. */
void conn_close(conn *c)
{
    if (c->fd >= 0) {
        epoll_ctl(c->srv->epfd, EPOLL_CTL_DEL, c->fd, NULL);
        if (c->ssl) {
            SSL_free(c->ssl);
            c->ssl = NULL;
            ERR_clear_error();
        }
        close(c->fd);
        c->fd = -1;
    }
    if (c->busy == 0)
        bury(c);
}

/* ---- socket I/O -------------------------------------------------------------- */

/* >0 bytes, 0 EOF, -1 nothing now (EAGAIN), -2 error. */
static ssize_t sock_read(conn *c, char *buf, size_t len)
{
    if (!c->ssl) {
        ssize_t n = recv(c->fd, buf, len, 0);
        if (n >= 0)
            return n;
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -1 : -2;
    }
    int n = SSL_read(c->ssl, buf, (int)len);
    if (n > 0)
        return n;
    switch (SSL_get_error(c->ssl, n)) {
    case SSL_ERROR_WANT_READ:  return -1;
    case SSL_ERROR_WANT_WRITE: c->ssl_wants_write = true; return -1;
    case SSL_ERROR_ZERO_RETURN: return 0;
    default: ERR_clear_error(); return -2;
    }
}

/* >=0 bytes written, -1 would block, -2 error. */
static ssize_t sock_write(conn *c, const char *buf, size_t len)
{
    if (!c->ssl) {
        ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
        if (n >= 0)
            return n;
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -1 : -2;
    }
    int n = SSL_write(c->ssl, buf, (int)(len > 1 << 30 ? 1 << 30 : len));
    if (n > 0)
        return n;
    int e = SSL_get_error(c->ssl, n);
    if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
        return -1;
    ERR_clear_error();
    return -2;
}

static size_t read_limit(const conn *c)
{
    if (c->proto == PROTO_H2)
        return H2_READ_LIMIT;
    return MAX_HEADER_BYTES + c->srv->cfg.max_body + READ_CHUNK;
}

/* Reads what is there, up to the protocol's limit.  -1 on a connection error. */
static int conn_read(conn *c)
{
    c->read_more = false;
    for (;;) {
        size_t pending = c->in.len - c->in.off;
        if (pending >= read_limit(c)) {
            c->read_more = true;
            return 0;
        }
        if (iobuf_reserve(&c->in, READ_CHUNK) < 0)
            return -1;
        size_t room = c->in.cap - c->in.len;
        ssize_t n = sock_read(c, c->in.data + c->in.len, room);
        if (n == -1) {
            iobuf_release(&c->in);           /* nothing came: hold no buffer while waiting */
            return 0;
        }
        if (n == -2)
            return -1;
        if (n == 0) {
            c->read_eof = true;
            return 0;
        }
        if (pending == 0)
            c->request_start_ms = now_ms();
        c->in.len += (size_t)n;
        /* Probably drained: spare the read() that would say EAGAIN.  If more
         * came meanwhile, level-triggered epoll reports it again. */
        if (c->ssl ? !SSL_has_pending(c->ssl) : (size_t)n < room)
            return 0;
    }
}

static int conn_flush(conn *c)
{
    while (c->out.off < c->out.len) {
        ssize_t n = sock_write(c, c->out.data + c->out.off, c->out.len - c->out.off);
        if (n == -2)
            return -1;
        if (n == -1) {
            if (!c->write_blocked_ms)
                c->write_blocked_ms = now_ms();
            return 0;
        }
        iobuf_consume(&c->out, (size_t)n);
        c->write_blocked_ms = 0;
    }
    c->write_blocked_ms = 0;
    iobuf_release(&c->out);
    return 0;
}

/* ---- state ---------------------------------------------------------------- */

static bool wants_read(const conn *c)
{
    if (c->lingering || !c->handshake_done)
        return true;
    if (c->read_eof || c->closing)
        return false;
    if (c->proto == PROTO_H2)
        return nghttp2_session_want_read(c->h2) != 0;
    return c->busy == 0;
}

static bool finished(conn *c)
{
    if (c->busy || c->out.off < c->out.len)
        return false;
    if (c->closing || c->read_eof)
        return true;
    return c->proto == PROTO_H2 && h2_finished(c);
}

/* Error responses end with a lingering close: our side is shut, and whatever
 * the client is still sending is read and dropped for a while, so that its
 * TCP stack does not turn our close into a reset that eats the response. */
static void start_linger(conn *c)
{
    if (c->ssl)
        SSL_shutdown(c->ssl);
    shutdown(c->fd, SHUT_WR);
    c->lingering = true;
    c->linger_until_ms = now_ms() + LINGER_MS;
}

static uint64_t compute_deadline(const conn *c)
{
    const http_server_config *cfg = &c->srv->cfg;
    if (c->lingering)
        return c->linger_until_ms;
    if (!c->handshake_done)
        return c->accepted_ms + cfg->request_timeout_ms;
    if (c->write_blocked_ms)
        return c->write_blocked_ms + cfg->request_timeout_ms;
    if (c->proto == PROTO_H2)
        return h2_deadline(c);
    if (c->busy)
        return 0;                            /* the handler's time is the application's business */
    if (c->in.len > c->in.off)
        return c->request_start_ms + cfg->request_timeout_ms;
    return idle_deadline(c);
}

/* While draining, a connection that has not yet sent its request gets the
 * request timeout to do so, not the idle timeout. */
uint64_t idle_deadline(const conn *c)
{
    const http_server_config *cfg = &c->srv->cfg;
    return c->idle_since_ms + (c->srv->draining ? cfg->request_timeout_ms : cfg->idle_timeout_ms);
}

void conn_update(conn *c)
{
    if (c->fd < 0)
        return;
    /* HTTP/2 frames are pulled from nghttp2 a buffer at a time: pull again
     * while the socket takes them all. */
    int more = 0;
    do {
        if ((c->proto == PROTO_H2 && (more = h2_send(c)) < 0) || conn_flush(c) < 0) {
            conn_close(c);
            return;
        }
    } while (more && c->out.off == c->out.len);
    if (!c->lingering && finished(c)) {
        if (!c->linger_on_close || c->read_eof) {
            conn_close(c);
            return;
        }
        start_linger(c);
    }
    uint32_t ev = (wants_read(c) ? EPOLLIN : 0) |
                  (c->out.off < c->out.len || c->ssl_wants_write ? EPOLLOUT : 0);
    /* An HTTP/1.1 request in a worker pauses reading, lazily: EPOLLIN stays
     * armed (its client usually just waits, and two epoll_ctl per request
     * are saved) and is dropped only if it fires meanwhile. */
    if (c->proto == PROTO_H1 && c->busy && !c->read_paused && (c->events & EPOLLIN))
        ev |= EPOLLIN;
    if (ev != c->events) {
        struct epoll_event e = { .events = ev, .data.ptr = c };
        epoll_ctl(c->srv->epfd, EPOLL_CTL_MOD, c->fd, &e);
        c->events = ev;
    }
    c->deadline_ms = compute_deadline(c);
}

/* ---- events ------------------------------------------------------------------ */

static int finish_handshake(conn *c)
{
    int rc = SSL_do_handshake(c->ssl);
    if (rc == 1) {
        c->handshake_done = true;
        c->idle_since_ms = now_ms();
        const unsigned char *alpn;
        unsigned int alpn_len;
        SSL_get0_alpn_selected(c->ssl, &alpn, &alpn_len);
        if (alpn_len == 2 && memcmp(alpn, "h2", 2) == 0)
            return h2_start(c);
        c->proto = PROTO_H1;
        return 0;
    }
    int e = SSL_get_error(c->ssl, rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        c->ssl_wants_write = e == SSL_ERROR_WANT_WRITE;
        return 0;
    }
    unsigned long code = ERR_peek_last_error();
    server_log(c->srv, HTTP_LOG_DEBUG, "TLS handshake failed: %s",
               code ? ERR_reason_error_string(code) : "connection closed");
    ERR_clear_error();
    return -1;
}

/* Plain connections speak HTTP/2 when they open with its preface (h2c with
 * prior knowledge), HTTP/1.1 otherwise. */
static int choose_protocol(conn *c)
{
    size_t pending = c->in.len - c->in.off;
    size_t n = pending < sizeof h2_preface - 1 ? pending : sizeof h2_preface - 1;
    if (memcmp(c->in.data + c->in.off, h2_preface, n) != 0) {
        c->proto = PROTO_H1;
        return 0;
    }
    if (n < sizeof h2_preface - 1)
        return 0;                            /* wait for the rest of the preface */
    return h2_start(c);
}

static void discard_input(conn *c)
{
    char scratch[4096];
    ssize_t n;
    while ((n = sock_read(c, scratch, sizeof scratch)) > 0)
        ;
    if (n == 0 || n == -2)
        conn_close(c);
    else
        conn_update(c);
}

static void process_input(conn *c)
{
    if (c->proto == PROTO_UNKNOWN && c->in.len > c->in.off && choose_protocol(c) < 0) {
        conn_close(c);
        return;
    }
    if (c->proto == PROTO_H1)
        h1_process(c);
    else if (c->proto == PROTO_H2)
        h2_process(c);
}

void conn_handle_io(conn *c, uint32_t events)
{
    if (c->fd < 0)
        return;
    if (events & (EPOLLHUP | EPOLLERR)) {    /* reset, or both sides shut: nobody to answer */
        conn_close(c);
        return;
    }
    c->ssl_wants_write = false;
    if ((events & EPOLLIN) && c->proto == PROTO_H1 && c->busy)
        c->read_paused = true;               /* see conn_update */
    if (!c->handshake_done) {
        if (finish_handshake(c) < 0) {
            conn_close(c);
            return;
        }
        if (!c->handshake_done) {
            conn_update(c);
            return;
        }
    }
    if (c->lingering) {
        discard_input(c);
        return;
    }
    do {
        if (wants_read(c) && conn_read(c) < 0) {
            conn_close(c);
            return;
        }
        process_input(c);
        if (c->fd < 0)
            return;
    } while (c->read_more && wants_read(c));
    conn_update(c);
}

/* ---- requests ------------------------------------------------------------------ */

static void answer_probe(http_server *s, http_job *job)
{
    http_response *r = &job->resp;
    r->status = 200;
    r->content_type = NULL;
    json_buf_reset(&r->body);
    if (strcmp(job->req.path, "/readiness") == 0 && strcmp(job->req.method, "GET") == 0) {
        r->status = atomic_load(&s->ready) ? 200 : 503;
        r->content_type = "text/plain";
        return;
    }
    s->cfg.handler(s->contexts[s->n_workers], &job->req, r);
}

bool conn_dispatch(conn *c, http_job *job)
{
    c->served++;
    if (c->listener == HTTP_LISTENER_PROBE) {
        answer_probe(c->srv, job);
        return true;
    }
    c->busy++;
    workers_submit(c->srv->pool, job);
    return false;
}

void conn_job_done(conn *c, http_job *job)
{
    c->busy--;
    c->read_paused = false;
    if (c->proto == PROTO_H2)
        h2_job_done(c, job);
    else if (c->fd >= 0)
        h1_job_done(c);
    if (c->fd < 0) {
        if (c->busy == 0)
            bury(c);
        return;
    }
    if (c->read_more || (c->ssl && SSL_has_pending(c->ssl)))
        conn_handle_io(c, EPOLLIN);
    else
        conn_update(c);
}

void conn_timeout(conn *c)
{
    server_log(c->srv, HTTP_LOG_DEBUG, "closing a connection that timed out");
    conn_close(c);
}

/* HTTP/1.1 connections that have served requests and hold nothing more are
 * closed; requests already in the socket are read and served; a connection
 * that has not sent its first request yet (just accepted, maybe still in its
 * TLS handshake) gets the request timeout to send it: its client meant to.
 * HTTP/2 connections are told in two steps (h2_drain). */
void conn_begin_drain(conn *c)
{
    if (c->fd < 0)
        return;
    if (!c->handshake_done) {
        conn_update(c);
        return;
    }
    conn_handle_io(c, EPOLLIN);
    if (c->fd < 0)
        return;
    if (c->proto == PROTO_H2) {
        h2_drain(c);
    } else if (c->busy == 0 && c->in.len == c->in.off && c->served) {
        c->closing = true;
    }
    conn_update(c);
}
