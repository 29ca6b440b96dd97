/*
 * transport.h - private to the transport files (loop.c, conn.c, http1.c,
 * h1_parse.c, h2.c, tls.c, workers.c, certwatch.c): the server, its connections and the jobs
 * handed to worker threads.
 *
 * Threading: everything here belongs to the I/O thread except a job between
 * workers_submit() and its return through workers_take_done(), during which
 * only the worker touches job->req and job->resp.
 */
#ifndef SERVER_TRANSPORT_H
#define SERVER_TRANSPORT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include "h1_parse.h"
#include "http.h"

#define MAX_HEADER_BYTES  16384        /* request line + headers, HTTP/1.1 */
#define MAX_CONNECTIONS   8192
#define LINGER_MS         2000         /* reading and discarding after an error response */
#define H2_CONN_BODY_MIN  (16u << 20)   /* bodies one HTTP/2 connection may hold: max(this, 2 x max_body) */

/* A growable byte buffer: bytes [off, len) are pending. */
typedef struct iobuf {
    char *data;
    size_t off, len, cap;
} iobuf;

int iobuf_reserve(iobuf *b, size_t extra);     /* room for `extra` more bytes after len; -1 OOM */
int iobuf_append(iobuf *b, const void *p, size_t n);
void iobuf_consume(iobuf *b, size_t n);        /* drops n pending bytes; resets when empty */
/* Frees an empty buffer: an idle keep-alive connection holds no buffers (a
 * malloc per request costs far less than 20 KiB per idle connection). */
void iobuf_release(iobuf *b);
void iobuf_free(iobuf *b);

struct conn;

/* One request on its way through a worker and back. */
typedef struct http_job {
    struct http_job *next;         /* worker queue / completion list */
    struct conn *conn;             /* NULL once abandoned (connection gone while in flight) */
    int32_t stream_id;             /* HTTP/2 stream, 0 for HTTP/1.1 */
    http_request req;
    http_response resp;
} http_job;

typedef struct worker_pool worker_pool;
worker_pool *workers_start(int n, http_handler_fn handler, void **contexts, int wake_fd,
                           char *err, size_t errlen);
void workers_submit(worker_pool *p, http_job *job);  /* queued until workers_flush */
void workers_flush(worker_pool *p);              /* hands the queued jobs to the workers */
http_job *workers_take_done(worker_pool *p);     /* the whole completion list, or NULL */
void workers_stop(worker_pool *p);               /* joins; pending jobs must be none */

typedef enum { PROTO_UNKNOWN, PROTO_H1, PROTO_H2 } conn_proto;

typedef struct http_server http_server;

typedef struct conn {
    struct conn *prev, *next;      /* the server's list, for timeouts and draining */
    http_server *srv;
    int fd;
    http_listener listener;
    SSL *ssl;                      /* NULL on plain HTTP */
    bool handshake_done;
    conn_proto proto;
    iobuf in, out;                 /* plaintext received / to send */
    uint32_t events;               /* current epoll interest */
    uint64_t deadline_ms;          /* monotonic; 0: none */
    uint64_t accepted_ms, idle_since_ms, request_start_ms, write_blocked_ms, linger_until_ms;
    bool read_eof;                 /* peer closed its side */
    bool read_more;                /* the last read stopped at our limit, not at EAGAIN */
    bool closing;                  /* close once `out` is flushed and nothing is in flight */
    bool linger_on_close;          /* an error response: close by lingering */
    bool lingering;                /* write side shut, discarding input until EOF or timeout */
    bool ssl_wants_write;          /* SSL_read needs the socket writable */
    bool read_paused;              /* HTTP/1.1 busy and EPOLLIN fired: drop EPOLLIN for now */
    bool in_graveyard;
    struct conn *grave_next;       /* closed, freed at the end of the loop iteration */
    int busy;                      /* jobs in flight */
    unsigned served;               /* requests answered or handed to a worker so far */
    /* HTTP/1.1 */
    http_job job;                  /* the one request in flight on this connection */
    bool head_parsed;              /* the fields below describe the request at in.off */
    bool sent_continue;
    h1_head head;                  /* offsets from in.off */
    h1_chunked chunks;             /* a chunked body being decoded after the head */
    size_t body_len;               /* decoded body, right after the head */
    size_t request_len;            /* head and body as received (chunked: with its framing) */
    char saved_byte;               /* byte overwritten by the body's NUL terminator */
    /* HTTP/2 */
    nghttp2_session *h2;
    bool goaway_notice, goaway_sent;  /* graceful shutdown: first and final GOAWAY */
    size_t h2_body_bytes;          /* request bodies held by this connection's streams */
    struct h2_stream *streams;
} conn;

struct http_server {
    http_server_config cfg;        /* strings below point into the copies */
    char *addr, *cert_file, *key_file, *client_ca_file;
    int epfd, wake_fd, stop_fd;
    int listen_fd[2];              /* by http_listener; -1 when absent */
    int port[2];
    pthread_t io_thread;
    bool io_started;
    worker_pool *pool;
    void **contexts;               /* worker contexts, then the probe context last */
    int n_workers;
    atomic_bool ready;
    bool stopped, draining;
    SSL_CTX *tls;                  /* current context for new connections; I/O thread only */
    int inotify_fd;
    uint64_t reload_at_ms;         /* debounced certificate reload; 0: none */
    uint64_t accept_paused_until_ms; /* out of descriptors; 0: accepting */
    uint64_t last_traffic_ms;      /* last loop iteration with events */
    bool traffic_since_trim;       /* malloc_trim is due once quiet */
    char date[32];                 /* the Date header's value, made once a second (http_date) */
    time_t date_at;                /* the second it was made for */
    conn *conns;                   /* every connection not yet freed */
    conn *graveyard;               /* closed, to free once nothing references them */
    int n_conns;
};

/* loop.c */
uint64_t now_ms(void);
void server_log(http_server *s, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void conn_update(conn *c);                      /* after any change: flush, close or re-arm */
uint64_t idle_deadline(const conn *c);          /* idle timeout, or the request timeout when draining */

/* conn.c */
conn *conn_new(http_server *s, int fd, http_listener which);
void conn_handle_io(conn *c, uint32_t events);
void conn_job_done(conn *c, http_job *job);
void conn_close(conn *c);
void conn_timeout(conn *c);
void conn_begin_drain(conn *c);
/* API listener: to a worker (false); probe: answered inline, job->resp set (true). */
bool conn_dispatch(conn *c, http_job *job);
void conn_reap(http_server *s);                 /* frees the graveyard */
const char *http_reason(int status);
#define HTTP_DATE_LEN 29                        /* "Sun, 06 Nov 1994 08:49:37 GMT" */
const char *http_date(http_server *s);          /* now, IMF-fixdate; I/O thread */
void error_body(json_buf *b, int status, const char *message);

/* http1.c */
void h1_process(conn *c);                       /* parses what `in` holds, dispatches requests */
void h1_job_done(conn *c);                      /* writes the response, moves to the next request */

/* h2.c */
int h2_start(conn *c);                          /* -1 on failure */
void h2_process(conn *c);                       /* feeds `in` to nghttp2 */
/* Frames from nghttp2 into `out`: 1 stopped at the high-water mark (more may
 * come), 0 nothing more for now, -1 error. */
int h2_send(conn *c);
void h2_job_done(conn *c, http_job *job);       /* also when the connection is closed */
void h2_drain(conn *c);                         /* GOAWAY in two steps: no new streams */
bool h2_finished(conn *c);
uint64_t h2_deadline(const conn *c);
void h2_free(conn *c);                          /* streams with a job in flight stay */

/* tls.c */
SSL_CTX *tls_context_new(const char *cert_file, const char *key_file, const char *client_ca_files,
                         char *err, size_t errlen);

/* certwatch.c */
int certwatch_start(http_server *s, char *err, size_t errlen);
void certwatch_event(http_server *s);           /* inotify readable */
void certwatch_reload(http_server *s);          /* when reload_at_ms has come */

#endif /* SERVER_TRANSPORT_H */
