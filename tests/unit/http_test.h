/*
 * http_test.h - what the transport tests share: a test application (echo,
 * slow and status handlers, per-worker contexts) and a raw HTTP/1.1 client
 * over loopback sockets.
 */
#ifndef HTTP_TEST_H
#define HTTP_TEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../src/server/http.h"
#include "test.h"

/* ---- the test application ------------------------------------------------- */

typedef struct { int index; } test_worker;

static void *test_worker_init(int index, void *app)
{
    test_worker *w = malloc(sizeof *w);
    if (w)
        w->index = index;
    return w;
}

static void test_worker_fini(void *ctx, void *app)
{
    free(ctx);
}

static void test_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* /echo: "<method> <path> <content-type|-> <version> <body length>\n<body>";
 * /slow/<ms>: sleeps, then "slept"; /status/<n>: that status; /metrics: "metrics". */
static void test_handler(void *ctx, const http_request *req, http_response *resp)
{
    test_worker *w = ctx;
    if (strncmp(req->path, "/slow/", 6) == 0) {
        test_sleep_ms(atol(req->path + 6));
        json_buf_puts(&resp->body, "slept");
        resp->content_type = "text/plain";
        return;
    }
    if (strncmp(req->path, "/status/", 8) == 0) {
        resp->status = atoi(req->path + 8);
        json_buf_printf(&resp->body, "{\"status\":%d}", resp->status);
        return;
    }
    if (strcmp(req->path, "/metrics") == 0) {
        json_buf_printf(&resp->body, "metrics from %d", w->index);
        resp->content_type = "text/plain";
        return;
    }
    if (strcmp(req->path, "/echo") == 0) {
        json_buf_printf(&resp->body, "%s %s %s %d %zu\n", req->method, req->path,
                        req->content_type ? req->content_type : "-", req->version, req->body_len);
        json_buf_append(&resp->body, req->body, req->body_len);
        resp->content_type = "text/plain";
        if (req->body[req->body_len] != 0)
            resp->status = 500;              /* the contract: body is NUL-terminated */
        return;
    }
    resp->status = 404;
    json_buf_puts(&resp->body, "{\"message\":\"not found\"}");
}

static void test_log(void *app, int level, const char *fmt, ...)
{
    if (!getenv("HTTP_TEST_LOG"))
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[log %d] ", level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static http_server_config test_config(void)
{
    return (http_server_config){
        .addr = "127.0.0.1", .port = 0, .probe_port = 0, .workers = 2, .max_body = 1 << 20,
        .handler = test_handler, .worker_init = test_worker_init, .worker_fini = test_worker_fini,
        .log = test_log,
    };
}

/* ---- a raw client ------------------------------------------------------------- */

static int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static int send_all(int fd, const void *p, size_t n)
{
    const char *s = p;
    while (n) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

static inline int send_str(int fd, const char *s)
{
    return send_all(fd, s, strlen(s));
}

/* Length of the complete responses at the start of buf: counts them in *count. */
static size_t complete_responses(const char *buf, size_t len, int *count)
{
    size_t at = 0;
    *count = 0;
    for (;;) {
        const char *end = memmem(buf + at, len - at, "\r\n\r\n", 4);
        if (!end)
            return at;
        size_t head = (size_t)(end + 4 - (buf + at));
        const char *cl = memmem(buf + at, head, "Content-Length: ", 16);
        size_t body = cl ? strtoul(cl + 16, NULL, 10) : 0;
        if (strncmp(buf + at, "HTTP/1.1 100", 12) == 0)
            body = 0;
        if (len - at < head + body)
            return at;
        at += head + body;
        ++*count;
    }
}

/* Reads until `want` final-or-interim responses are complete, EOF or the
 * timeout.  Returns bytes read (NUL-terminated), -1 on error. */
static ssize_t read_responses(int fd, char *buf, size_t cap, int want, int timeout_ms)
{
    size_t len = 0;
    int count = 0;
    while (len + 1 < cap) {
        complete_responses(buf, len, &count);
        if (count >= want)
            break;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, timeout_ms) <= 0)
            break;
        ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = 0;
    return (ssize_t)len;
}

/* True when the peer has closed within timeout_ms (reads and drops data first). */
static inline bool peer_closed(int fd, int timeout_ms)
{
    char scratch[4096];
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, timeout_ms) <= 0)
            return false;
        ssize_t n = recv(fd, scratch, sizeof scratch, 0);
        if (n <= 0)
            return true;
    }
}

/* The response's `name` header (e.g. "\r\nDate: ", "date: ") holds an
 * IMF-fixdate within 5 s of now. */
static inline bool date_is_now(const char *response, const char *name)
{
    const char *at = strstr(response, name);
    struct tm tm = { 0 };
    if (!at)
        return false;
    const char *end = strptime(at + strlen(name), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || (*end != '\r' && *end != '\n'))
        return false;
    long skew = (long)(timegm(&tm) - time(NULL));
    return skew > -5 && skew < 5;
}

static int status_of(const char *response)
{
    return strncmp(response, "HTTP/1.1 ", 9) == 0 ? atoi(response + 9) : -1;
}

/* One request on a fresh connection: the status, and the whole response in buf. */
static int one_request(int port, const char *request, char *buf, size_t cap)
{
    int fd = tcp_connect(port);
    if (fd < 0)
        return -1;
    buf[0] = 0;
    if (send_all(fd, request, strlen(request)) == 0)
        read_responses(fd, buf, cap, 1, 3000);
    close(fd);
    return status_of(buf);
}

static inline long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* Runs a shell command, captures up to cap-1 bytes of its stdout. */
static int run_capture(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    return pclose(p);
}

#endif
