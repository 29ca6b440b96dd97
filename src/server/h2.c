/*
 * h2.c - HTTP/2 on a connection with libnghttp2 (negotiated by ALPN "h2" over
 * TLS, or h2c with prior knowledge on plain HTTP).  Each request stream
 * collects its pseudo-headers, content-type and body, then goes to a worker as
 * one job; the response is submitted when the job comes back.  A stream the
 * client resets while its job runs is kept until the job returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport.h"

#define MAX_STREAMS      100
#define OUT_HIGH_WATER   65536
#define STREAM_WINDOW    (256 * 1024)

typedef struct h2_stream {
    http_job job;                  /* first: a job pointer is a stream pointer */
    struct h2_stream *prev, *next; /* the connection's streams */
    char method[16];
    char *path, *content_type;
    iobuf body;
    size_t content_length;         /* SIZE_MAX when absent */
    size_t sent;                   /* response body bytes handed to nghttp2 */
    uint64_t started_ms;
    bool is_head;                  /* :method HEAD (the handler sees GET) */
    bool dispatched;               /* a job is (or was) in flight */
    bool responded;
    bool closed;                   /* nghttp2 is done with the stream */
} h2_stream;

/* ---- streams ------------------------------------------------------------------ */

static h2_stream *stream_new(conn *c, int32_t id)
{
    h2_stream *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->job.conn = c;
    st->job.stream_id = id;
    st->content_length = SIZE_MAX;
    st->started_ms = now_ms();
    json_buf_init(&st->job.resp.body);
    st->next = c->streams;
    if (c->streams)
        c->streams->prev = st;
    c->streams = st;
    return st;
}

static void stream_free(conn *c, h2_stream *st)
{
    if (st->prev)
        st->prev->next = st->next;
    else
        c->streams = st->next;
    if (st->next)
        st->next->prev = st->prev;
    free(st->path);
    free(st->content_type);
    c->h2_body_bytes -= st->body.len;
    iobuf_free(&st->body);
    json_buf_free(&st->job.resp.body);
    free(st);
}

static bool job_in_flight(const h2_stream *st)
{
    return st->dispatched && !st->responded;
}

/* ---- responses ------------------------------------------------------------------ */

static ssize_t read_body(nghttp2_session *session, int32_t stream_id, uint8_t *buf, size_t length,
                         uint32_t *data_flags, nghttp2_data_source *source, void *user_data)
{
    h2_stream *st = source->ptr;
    const json_buf *b = &st->job.resp.body;
    size_t n = b->len - st->sent;
    if (n > length)
        n = length;
    memcpy(buf, b->data + st->sent, n);
    st->sent += n;
    if (st->sent == b->len)
        *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

#define NV(n, v) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NONE }

/* A response to HEAD has the headers a GET would get, content-length included,
 * and no DATA (END_STREAM on HEADERS); a 204 has neither. */
static void respond(conn *c, h2_stream *st)
{
    http_response *r = &st->job.resp;
    bool no_content = r->status == 204;      /* see http.h */
    bool send_body = r->body.len && !no_content && !st->is_head;
    char status[8], length[24];
    snprintf(status, sizeof status, "%d", r->status >= 100 && r->status <= 999 ? r->status : 500);
    snprintf(length, sizeof length, "%zu", r->body.len);
    nghttp2_nv nva[] = {
        NV(":status", status),
        NV("content-type", r->content_type ? r->content_type : "application/json"),
        NV("date", http_date(c->srv)),
        NV("content-length", length),       /* last: left out of a 204 */
    };
    nghttp2_data_provider body = { .source.ptr = st, .read_callback = read_body };
    st->responded = true;
    st->sent = 0;
    nghttp2_submit_response(c->h2, st->job.stream_id, nva, sizeof nva / sizeof *nva - no_content,
                            send_body ? &body : NULL);
}

static void refuse(conn *c, h2_stream *st, int status, const char *message)
{
    c->h2_body_bytes -= st->body.len;        /* never used now: room for the other streams */
    iobuf_free(&st->body);
    st->job.resp.status = status;
    st->job.resp.content_type = NULL;
    error_body(&st->job.resp.body, status, message);
    respond(c, st);
    server_log(c->srv, HTTP_LOG_DEBUG, "HTTP/2 request refused with %d: %s", status, message);
}

static void refuse_too_large(conn *c, h2_stream *st, size_t len)
{
    char msg[96];
    snprintf(msg, sizeof msg, "request body too large: %zu bytes, the limit is %zu", len,
             c->srv->cfg.max_body);
    refuse(c, st, 413, msg);
}

/* The request is complete: to a worker (or answered at once on the probe port). */
static void dispatch(conn *c, h2_stream *st)
{
    if (!st->path || !st->method[0]) {
        refuse(c, st, 400, "malformed HTTP/2 request");
        return;
    }
    if (iobuf_reserve(&st->body, 1) < 0) {
        refuse(c, st, 500, "out of memory");
        return;
    }
    st->body.data[st->body.len] = 0;
    st->job.req = (http_request){
        .listener = c->listener,
        .method = st->method,
        .path = st->path,
        .content_type = st->content_type,
        .body = st->body.data,
        .body_len = st->body.len,
        .version = 2,
    };
    st->dispatched = true;
    if (conn_dispatch(c, &st->job))
        respond(c, st);
}

/* ---- nghttp2 callbacks ------------------------------------------------------------ */

static h2_stream *stream_of(conn *c, int32_t id)
{
    return nghttp2_session_get_stream_user_data(c->h2, id);
}

static int on_begin_headers(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
    conn *c = user_data;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    h2_stream *st = stream_new(c, frame->hd.stream_id);
    if (!st)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;    /* resets this stream */
    nghttp2_session_set_stream_user_data(session, frame->hd.stream_id, st);
    return 0;
}

static char *dup_n(const uint8_t *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

static int on_header(nghttp2_session *session, const nghttp2_frame *frame, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *user_data)
{
    h2_stream *st = stream_of(user_data, frame->hd.stream_id);
    if (!st || frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    if (namelen == 7 && memcmp(name, ":method", 7) == 0) {
        if (valuelen >= sizeof st->method)
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        st->is_head = valuelen == 4 && memcmp(value, "HEAD", 4) == 0;
        if (st->is_head) {                   /* the handler sees GET: see http.h */
            value = (const uint8_t *)"GET";
            valuelen = 3;
        }
        memcpy(st->method, value, valuelen);
        st->method[valuelen] = 0;
    } else if (namelen == 5 && memcmp(name, ":path", 5) == 0) {
        size_t n = strcspn((const char *)value, "?#");
        free(st->path);
        if (!(st->path = dup_n(value, n < valuelen ? n : valuelen)))
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    } else if (namelen == 12 && memcmp(name, "content-type", 12) == 0) {
        free(st->content_type);
        if (!(st->content_type = dup_n(value, valuelen)))
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    } else if (namelen == 14 && memcmp(name, "content-length", 14) == 0) {
        /* nghttp2 has checked it is a number and will check it against the DATA */
        st->content_length = (size_t)strtoull((const char *)value, NULL, 10);
    }
    return 0;
}

static int on_data_chunk(nghttp2_session *session, uint8_t flags, int32_t stream_id,
                         const uint8_t *data, size_t len, void *user_data)
{
    conn *c = user_data;
    h2_stream *st = stream_of(c, stream_id);
    if (!st || st->responded)
        return 0;                            /* refused already: the rest is dropped */
    if (st->body.len + len > c->srv->cfg.max_body) {
        refuse_too_large(c, st, st->body.len + len);
        return 0;
    }
    size_t limit = c->srv->cfg.max_body * 2 > H2_CONN_BODY_MIN ? c->srv->cfg.max_body * 2 : H2_CONN_BODY_MIN;
    if (c->h2_body_bytes + len > limit) {   /* 100 streams x max_body would be too much */
        refuse(c, st, 503, "too many request bytes in flight on this connection");
        return 0;
    }
    if (iobuf_append(&st->body, data, len) < 0) {
        refuse(c, st, 500, "out of memory");
        return 0;
    }
    c->h2_body_bytes += len;
    return 0;
}

/* The last stream we will serve is the last one received so far. */
static void final_goaway(conn *c)
{
    c->goaway_sent = true;
    nghttp2_submit_goaway(c->h2, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(c->h2),
                          NGHTTP2_NO_ERROR, NULL, 0);
}

static int on_frame_recv(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
    conn *c = user_data;
    if (frame->hd.type == NGHTTP2_PING && (frame->hd.flags & NGHTTP2_FLAG_ACK) && c->goaway_notice &&
        !c->goaway_sent) {
        final_goaway(c);
        return 0;
    }
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
        return 0;
    h2_stream *st = stream_of(c, frame->hd.stream_id);
    if (!st || st->responded || st->dispatched)
        return 0;
    if (frame->hd.type == NGHTTP2_HEADERS && st->content_length != SIZE_MAX &&
        st->content_length > c->srv->cfg.max_body) {
        refuse_too_large(c, st, st->content_length);
        return 0;
    }
    if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)
        dispatch(c, st);
    return 0;
}

static int on_stream_close(nghttp2_session *session, int32_t stream_id, uint32_t error_code,
                           void *user_data)
{
    conn *c = user_data;
    if (c->fd < 0)
        return 0;                            /* the session is being deleted: h2_free has them */
    h2_stream *st = stream_of(c, stream_id);
    if (!st)
        return 0;
    nghttp2_session_set_stream_user_data(session, stream_id, NULL);
    if (job_in_flight(st))
        st->closed = true;                   /* freed when the job returns */
    else
        stream_free(c, st);
    return 0;
}

static nghttp2_session_callbacks *shared_callbacks;
static pthread_once_t callbacks_once = PTHREAD_ONCE_INIT;

static void make_callbacks(void)
{
    nghttp2_session_callbacks *cbs;
    if (nghttp2_session_callbacks_new(&cbs) != 0)
        return;
    nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
    shared_callbacks = cbs;                  /* read-only from now on, shared by all sessions */
}

/* ---- the connection ------------------------------------------------------------------ */

int h2_start(conn *c)
{
    c->proto = PROTO_H2;
    pthread_once(&callbacks_once, make_callbacks);
    if (!shared_callbacks || nghttp2_session_server_new(&c->h2, shared_callbacks, c) != 0)
        return -1;
    nghttp2_settings_entry settings[] = {
        { NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, MAX_STREAMS },
        { NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW },
        { NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, MAX_HEADER_BYTES },
    };
    if (nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, settings,
                                sizeof settings / sizeof *settings) != 0)
        return -1;
    nghttp2_session_set_local_window_size(c->h2, NGHTTP2_FLAG_NONE, 0, 1 << 20);
    c->idle_since_ms = now_ms();
    if (c->srv->draining)
        h2_drain(c);                         /* its TLS handshake ended as the stop began */
    return 0;
}

void h2_process(conn *c)
{
    size_t pending = c->in.len - c->in.off;
    if (!pending)
        return;
    ssize_t n = nghttp2_session_mem_recv(c->h2, (const uint8_t *)c->in.data + c->in.off, pending);
    if (n < 0) {
        server_log(c->srv, HTTP_LOG_DEBUG, "HTTP/2 error: %s", nghttp2_strerror((int)n));
        conn_close(c);
        return;
    }
    iobuf_consume(&c->in, (size_t)n);
    iobuf_release(&c->in);
    c->idle_since_ms = now_ms();
}

int h2_send(conn *c)
{
    while (c->out.len - c->out.off < OUT_HIGH_WATER) {
        const uint8_t *data;
        ssize_t n = nghttp2_session_mem_send(c->h2, &data);
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        if (iobuf_append(&c->out, data, (size_t)n) < 0)
            return -1;
    }
    return 1;
}

void h2_job_done(conn *c, http_job *job)
{
    h2_stream *st = (h2_stream *)job;
    if (st->closed || c->fd < 0) {
        st->responded = true;
        stream_free(c, st);
        return;
    }
    respond(c, st);
}

/* Graceful shutdown in two steps, as RFC 9113 6.8 advises: a GOAWAY with the
 * highest stream id and a PING; streams the client sent before it saw them
 * arrive before the PING's ACK, which triggers the final GOAWAY naming the
 * last stream received.  So no stream in flight is refused. */
void h2_drain(conn *c)
{
    if (c->goaway_notice)
        return;
    c->goaway_notice = true;
    nghttp2_submit_shutdown_notice(c->h2);
    nghttp2_submit_ping(c->h2, NGHTTP2_FLAG_NONE, NULL);
}

bool h2_finished(conn *c)
{
    return !nghttp2_session_want_read(c->h2) && !nghttp2_session_want_write(c->h2);
}

/* Idle connections get the idle timeout; a stream still arriving, the request
 * timeout from its first frame. */
uint64_t h2_deadline(const conn *c)
{
    const http_server_config *cfg = &c->srv->cfg;
    uint64_t deadline = idle_deadline(c);
    for (const h2_stream *st = c->streams; st; st = st->next) {
        if (job_in_flight(st))
            return 0;
        if (!st->dispatched && !st->responded && st->started_ms + cfg->request_timeout_ms < deadline)
            deadline = st->started_ms + cfg->request_timeout_ms;
    }
    return deadline;
}

/* The connection is closed and no job is in flight any more. */
void h2_free(conn *c)
{
    if (c->h2)
        nghttp2_session_del(c->h2);
    c->h2 = NULL;
    while (c->streams)
        stream_free(c, c->streams);
}
