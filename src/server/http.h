/*
 * http.h - the policy-server's transport: listeners, TLS, HTTP/1.1, HTTP/2 and
 * the worker threads that run the application's handler.  The contract between
 * the transport (S2: threads, sockets, TLS, parsing, framing) and the
 * application (S1: what a request means).
 *
 * Threads: one I/O thread runs every socket (accept, TLS, parsing, framing,
 * timeouts, certificate reload) on epoll; `workers` threads run the handler for
 * API-listener requests, so a handler stuck for seconds never blocks another
 * connection's I/O.  Requests on the probe listener never wait for a worker:
 * GET /readiness is answered by the transport itself (see http_server_set_ready),
 * any other probe request (e.g. GET /metrics) runs the handler on the I/O thread
 * with the probe context, so that handler must be quick and never block.
 */
#ifndef SERVER_HTTP_H
#define SERVER_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"

typedef enum { HTTP_LISTENER_API, HTTP_LISTENER_PROBE } http_listener;

/* A HEAD request reaches the handler as "GET": the transport sends the
 * headers a GET gets (Content-Length included) without the body. */
typedef struct http_request {
    http_listener listener;
    const char *method;          /* NUL-terminated, e.g. "POST" */
    const char *path;            /* NUL-terminated, without the query string */
    const char *content_type;    /* NUL-terminated; NULL when absent */
    const char *body;            /* body_len bytes, NUL-terminated (body[body_len] == 0);
                                    HTTP/1.1 chunked bodies arrive decoded */
    size_t body_len;
    int version;                 /* 1 (HTTP/1.x) or 2 (HTTP/2) */
} http_request;

/* The handler fills a response.  `body` arrives empty (len 0, maybe with capacity
 * kept from an earlier request) and is owned by the transport: append to it with
 * json_buf_* and never free it.  `content_type` must be a string with static
 * storage (a literal); NULL means "application/json".  A status the transport
 * does not know a reason phrase for is still sent as given; one outside
 * 100-999 (not three digits) is sent as 500. */
typedef struct http_response {
    int status;                  /* preset to 200; 204 is sent without body or length */
    const char *content_type;    /* preset to NULL */
    json_buf body;
} http_response;

/* Called on a worker thread (API listener) or on the I/O thread (probe listener)
 * with that thread's context.  The request's strings stay valid until it returns. */
typedef void (*http_handler_fn)(void *worker_ctx, const http_request *req, http_response *resp);

/* worker_index for the probe listener's context (the I/O thread). */
#define HTTP_PROBE_WORKER (-1)

enum { HTTP_LOG_ERROR, HTTP_LOG_WARN, HTTP_LOG_INFO, HTTP_LOG_DEBUG };

#define HTTP_DEFAULT_MAX_BODY ((size_t)4 << 20)

typedef struct http_server_config {
    const char *addr;            /* listen address for both listeners; NULL: "0.0.0.0" */
    int port;                    /* API port; 0: an ephemeral port (see http_server_port) */
    int probe_port;              /* readiness/metrics port, plain HTTP; 0: ephemeral; < 0: none */
    int workers;                 /* handler threads; <= 0: the number of online CPUs */
    size_t max_body;             /* larger bodies get 413 without being read; 0: HTTP_DEFAULT_MAX_BODY */
    const char *cert_file;       /* PEM chain (leaf first); NULL with key_file NULL: plain HTTP */
    const char *key_file;        /* PEM private key */
    const char *client_ca_file;  /* comma-separated PEM files; set: client certificates required */
    unsigned idle_timeout_ms;    /* keep-alive connection with no request; 0: 60 s */
    unsigned request_timeout_ms; /* from a request's first byte to its last (and for the TLS
                                    handshake, and for a client not reading its response); 0: 10 s */
    http_handler_fn handler;
    /* Optional: makes the context of one worker (0..workers-1) or of the probe
     * listener (HTTP_PROBE_WORKER); NULL from it means failure (start fails). */
    void *(*worker_init)(int worker_index, void *app);
    void (*worker_fini)(void *worker_ctx, void *app);   /* optional; at http_server_free */
    void *app;
    /* Optional; printf-style, one line without a trailing newline. */
    void (*log)(void *app, int level, const char *fmt, ...);
} http_server_config;

typedef struct http_server http_server;

/* Binds, loads the certificates, starts the threads.  NULL with a message in err
 * (naming the file or address at fault) on failure.  cfg's strings are copied. */
http_server *http_server_start(const http_server_config *cfg, char *err, size_t errlen);

/* The port actually bound (useful with port 0); -1 if that listener is absent. */
int http_server_port(const http_server *s, http_listener which);

/* GET /readiness on the probe port answers 200 (empty body) when ready, else 503.
 * Starts not ready.  Safe from any thread. */
void http_server_set_ready(http_server *s, bool ready);

/* Stops accepting, finishes every request already received (responses carry
 * "Connection: close"; HTTP/2 gets GOAWAY), closes the connections, joins the
 * threads, then returns.  Safe to call from any thread but the server's own
 * (not from a handler); idempotent. */
void http_server_stop(http_server *s);

/* Stops if needed, then frees everything (worker contexts via worker_fini). */
void http_server_free(http_server *s);

#endif /* SERVER_HTTP_H */
