/*
 * test_http.c - the transport over plain HTTP on loopback, with the test
 * application of http_test.h: HTTP/1.1 keep-alive and pipelining, chunked
 * bodies (one byte at a time, pipelined, at and over the limit), HEAD and 204
 * on HTTP/1.1 and h2c, Host, limits and malformed requests, Expect, probe
 * listener and readiness, a slow handler not blocking others, timeouts against
 * slow clients, h2c, and draining on stop.
 */
#include <pthread.h>

#include "http_test.h"

static char buf[1 << 16];

static http_server *start(http_server_config cfg)
{
    char err[256];
    http_server *s = http_server_start(&cfg, err, sizeof err);
    if (!s)
        fprintf(stderr, "http_server_start: %s\n", err);
    CHECK(s != NULL);
    return s;
}

static void test_basic_and_keep_alive(void)
{
    http_server *s = start(test_config());
    int port = http_server_port(s, HTTP_LISTENER_API);
    CHECK(port > 0);
    CHECK(http_server_port(s, HTTP_LISTENER_PROBE) > 0);

    CHECK_INT(one_request(port, "GET /echo?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", buf, sizeof buf), 200);
    CHECK(strstr(buf, "Content-Type: text/plain\r\n") != NULL);
    CHECK(date_is_now(buf, "\r\nDate: "));
    CHECK(strstr(buf, "\r\n\r\nGET /echo - 1 0\n") != NULL);

    /* three requests, one connection */
    int fd = tcp_connect(port);
    for (int i = 0; i < 3; i++) {
        char req[256];
        snprintf(req, sizeof req,
                 "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                 "Content-Length: 7\r\n\r\n{\"n\":%d}", i);
        CHECK(send_all(fd, req, strlen(req)) == 0);
        read_responses(fd, buf, sizeof buf, 1, 3000);
        CHECK_INT(status_of(buf), 200);
        snprintf(req, sizeof req, "POST /echo application/json 1 7\n{\"n\":%d}", i);
        CHECK(strstr(buf, req) != NULL);
        CHECK(strstr(buf, "Connection: close") == NULL);
    }
    close(fd);

    /* pipelined: all in one write, answered in order */
    fd = tcp_connect(port);
    const char *three = "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\none"
                        "GET /status/201 HTTP/1.1\r\nHost: a\r\n\r\n"
                        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nthree";
    CHECK(send_all(fd, three, strlen(three)) == 0);
    read_responses(fd, buf, sizeof buf, 3, 3000);
    int count;
    complete_responses(buf, strlen(buf), &count);
    CHECK_INT(count, 3);
    char *second = strstr(buf + 1, "HTTP/1.1 ");
    char *third = second ? strstr(second + 1, "HTTP/1.1 ") : NULL;
    CHECK(strstr(buf, "POST /echo - 1 3\none") != NULL);
    CHECK(second && status_of(second) == 201);
    CHECK(third && strstr(third, "POST /echo - 1 5\nthree") != NULL);
    close(fd);

    /* a body in pieces */
    fd = tcp_connect(port);
    const char *head = "PUT /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n01234";
    CHECK(send_all(fd, head, strlen(head)) == 0);
    test_sleep_ms(50);
    CHECK(send_str(fd, "56789") == 0);
    read_responses(fd, buf, sizeof buf, 1, 3000);
    CHECK(strstr(buf, "PUT /echo - 1 10\n0123456789") != NULL);
    close(fd);

    /* HTTP/1.0 closes after the response; Connection: close too */
    fd = tcp_connect(port);
    CHECK(send_str(fd, "GET /echo HTTP/1.0\r\n\r\n") == 0);
    read_responses(fd, buf, sizeof buf, 1, 3000);
    CHECK_INT(status_of(buf), 200);
    CHECK(strstr(buf, "Connection: close\r\n") != NULL);
    CHECK(peer_closed(fd, 1000));
    close(fd);
    fd = tcp_connect(port);                   /* HTTP/1.0 asking for keep-alive gets it, twice */
    for (int i = 0; i < 2; i++) {
        CHECK(send_str(fd, "GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") == 0);
        read_responses(fd, buf, sizeof buf, 1, 3000);
        CHECK_INT(status_of(buf), 200);
        CHECK(strstr(buf, "Connection: keep-alive\r\n") != NULL);
    }
    close(fd);
    CHECK_INT(one_request(port, "GET /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", buf, sizeof buf), 200);
    CHECK(strstr(buf, "Connection: close\r\n") != NULL);

    /* absolute-form target, unknown status passes through, 404 from the handler */
    CHECK_INT(one_request(port, "GET http://a:1/echo?q HTTP/1.1\r\nHost: a\r\n\r\n", buf, sizeof buf), 200);
    CHECK(strstr(buf, "GET /echo - 1 0") != NULL);
    CHECK_INT(one_request(port, "GET /status/599 HTTP/1.1\r\nHost: a\r\n\r\n", buf, sizeof buf), 599);
    CHECK_INT(one_request(port, "GET /status/42 HTTP/1.1\r\nHost: a\r\n\r\n", buf, sizeof buf), 500);
    CHECK_INT(one_request(port, "GET /nothing HTTP/1.1\r\nHost: a\r\n\r\n", buf, sizeof buf), 404);
    http_server_free(s);
}

static void test_expect_continue(void)
{
    http_server *s = start(test_config());
    int port = http_server_port(s, HTTP_LISTENER_API);
    int fd = tcp_connect(port);
    const char *head = "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n";
    CHECK(send_all(fd, head, strlen(head)) == 0);
    read_responses(fd, buf, sizeof buf, 1, 3000);
    CHECK(strncmp(buf, "HTTP/1.1 100 Continue\r\n\r\n", 25) == 0);
    CHECK(send_str(fd, "body") == 0);
    read_responses(fd, buf, sizeof buf, 1, 3000);
    CHECK(strstr(buf, "POST /echo - 1 4\nbody") != NULL);
    /* chunked, on the same connection */
    head = "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n";
    CHECK(send_all(fd, head, strlen(head)) == 0);
    read_responses(fd, buf, sizeof buf, 1, 3000);
    CHECK(strncmp(buf, "HTTP/1.1 100 Continue\r\n\r\n", 25) == 0);
    CHECK(send_str(fd, "4\r\nbody\r\n0\r\n\r\n") == 0);
    read_responses(fd, buf, sizeof buf, 1, 3000);
    CHECK(strncmp(buf, "HTTP/1.1 200", 12) == 0 && strstr(buf, "POST /echo - 1 4\nbody") != NULL);
    close(fd);

    /* refused from the head alone: the final status at once, no 100 */
    fd = tcp_connect(port);
    head = "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2000000\r\n\r\n";
    CHECK(send_all(fd, head, strlen(head)) == 0);
    read_responses(fd, buf, sizeof buf, 1, 3000);
    CHECK_INT(status_of(buf), 413);
    close(fd);
    /* HTTP/1.0: the expectation is ignored (RFC 9110 10.1.1), no 100 */
    fd = tcp_connect(port);
    head = "POST /echo HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n";
    CHECK(send_all(fd, head, strlen(head)) == 0);
    struct pollfd p = { .fd = fd, .events = POLLIN };
    CHECK_INT(poll(&p, 1, 200), 0);
    CHECK(send_str(fd, "body") == 0);
    read_responses(fd, buf, sizeof buf, 1, 3000);
    CHECK(strncmp(buf, "HTTP/1.1 200", 12) == 0 && strstr(buf, "POST /echo - 1 4\nbody") != NULL);
    close(fd);
    http_server_free(s);
}

/* Sends `s` one byte per send(), `gap_us` apart, so the server reads it in
 * pieces cut everywhere. */
static int send_bytewise(int fd, const char *s, size_t len, long gap_us)
{
    for (size_t i = 0; i < len; i++) {
        if (send_all(fd, s + i, 1) < 0)
            return -1;
        struct timespec ts = { 0, gap_us * 1000 };
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* Reads one response head and whatever follows it within 300 ms: the bytes
 * read; a response to HEAD must end with its head. */
static size_t read_head_only(int fd)
{
    size_t len = 0;
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int wait = memmem(buf, len, "\r\n\r\n", 4) ? 300 : 3000;
        if (len + 1 >= sizeof buf || poll(&p, 1, wait) <= 0)
            break;
        ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = 0;
    return len;
}

static const char chunked_echo[] =
    "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Type: text/x\r\n\r\n"
    "5;name=value\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nTrailer: dropped\r\n\r\n";

static void test_chunked_bodies(void)
{
    http_server *s = start(test_config());
    int port = http_server_port(s, HTTP_LISTENER_API);
    CHECK_INT(one_request(port, chunked_echo, buf, sizeof buf), 200);
    CHECK(strstr(buf, "\r\n\r\nPOST /echo text/x 1 11\nhello world") != NULL);

    /* one byte at a time: a chunked request, then pipelined a Content-Length
     * one and another chunked one; all answered in order on one connection */
    static char three[1024];
    int n = snprintf(three, sizeof three, "%sPOST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi%s",
                     chunked_echo, "POST /echo HTTP/1.1\r\nHost: a\r\ntransfer-encoding: CHUNKED\r\n\r\n"
                                   "3\r\nend\r\n0\r\n\r\n");
    int fd = tcp_connect(port);
    CHECK(send_bytewise(fd, three, (size_t)n, 300) == 0);
    read_responses(fd, buf, sizeof buf, 3, 3000);
    char *second = strstr(buf + 1, "HTTP/1.1 200"), *third = second ? strstr(second + 1, "HTTP/1.1 200") : NULL;
    CHECK(strstr(buf, "POST /echo text/x 1 11\nhello world") != NULL);
    CHECK(second && strstr(second, "POST /echo - 1 2\nhi") != NULL);
    CHECK(third && strstr(third, "POST /echo - 1 3\nend") != NULL);
    /* and all in one write */
    CHECK(send_all(fd, three, (size_t)n) == 0);
    read_responses(fd, buf, sizeof buf, 3, 3000);
    int count;
    complete_responses(buf, strlen(buf), &count);
    CHECK_INT(count, 3);
    CHECK(strstr(buf, "POST /echo - 1 3\nend") != NULL);
    close(fd);

    /* a chunked body of exactly max_body, in 1000-byte chunks, is fine */
    size_t max = 1 << 20, cap = max + max / 100 + 4096;
    char *big = malloc(cap);
    n = snprintf(big, cap, "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (size_t sent = 0; sent < max; sent += 1000) {
        size_t k = max - sent < 1000 ? max - sent : 1000;
        n += snprintf(big + n, cap - (size_t)n, "%zx\r\n", k);
        memset(big + n, 'z', k);
        n += (int)k;
        n += snprintf(big + n, cap - (size_t)n, "\r\n");
    }
    n += snprintf(big + n, cap - (size_t)n, "0\r\n\r\n");
    fd = tcp_connect(port);
    CHECK(send_all(fd, big, (size_t)n) == 0);
    read_responses(fd, buf, 4096, 1, 3000);
    CHECK_INT(status_of(buf), 200);
    CHECK(strstr(buf, "POST /echo - 1 1048576\nzzz") != NULL);
    close(fd);
    /* one chunk more: 413 with the JSON error body, the client still reads it */
    memcpy(big + n - 5, "1\r\nz\r\n0\r\n\r\n", 11);
    fd = tcp_connect(port);
    send_all(fd, big, (size_t)n + 6);
    read_responses(fd, buf, sizeof buf, 1, 3000);
    CHECK_INT(status_of(buf), 413);
    CHECK(strstr(buf, "{\"message\":\"request body too large: over 1048576 bytes (chunked), the limit is 1048576\","
                      "\"status\":413}") != NULL);
    close(fd);
    free(big);
    CHECK_INT(one_request(port, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n", buf, sizeof buf), 200);
    http_server_free(s);
}

static void test_head_host_and_no_content(void)
{
    http_server *s = start(test_config());
    int port = http_server_port(s, HTTP_LISTENER_API);
    int fd = tcp_connect(port);
    CHECK(send_str(fd, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n") == 0);
    read_responses(fd, buf, sizeof buf, 1, 3000);
    const char *length = strstr(buf, "Content-Length: ");
    char get_length[32] = "";
    if (length)
        snprintf(get_length, sizeof get_length, "%.*s", (int)strcspn(length, "\r"), length);
    /* HEAD: the headers GET gets, Content-Length included, and nothing after */
    CHECK(send_str(fd, "HEAD /echo HTTP/1.1\r\nHost: a\r\n\r\n") == 0);
    size_t len = read_head_only(fd);
    CHECK_INT(status_of(buf), 200);
    CHECK(get_length[0] && strstr(buf, get_length) != NULL);
    CHECK(len >= 4 && memcmp(buf + len - 4, "\r\n\r\n", 4) == 0);
    /* the connection goes on: HEAD of a refusal has no body either */
    CHECK(send_str(fd, "HEAD /nothing HTTP/1.1\r\nHost: a\r\n\r\n") == 0);
    len = read_head_only(fd);
    CHECK_INT(status_of(buf), 404);
    CHECK(strstr(buf, "Content-Length: 23\r\n") != NULL);
    CHECK(len >= 4 && memcmp(buf + len - 4, "\r\n\r\n", 4) == 0);
    /* 204: neither Content-Length nor body; the next request is read right after */
    CHECK(send_str(fd, "GET /status/204 HTTP/1.1\r\nHost: a\r\n\r\nGET /echo HTTP/1.1\r\nHost: a\r\n\r\n") == 0);
    read_responses(fd, buf, sizeof buf, 2, 3000);
    CHECK_INT(status_of(buf), 204);
    CHECK(strstr(buf, "\r\n\r\nHTTP/1.1 200 OK\r\n") != NULL);
    char *end = strstr(buf, "\r\n\r\n");
    CHECK(end && !memmem(buf, (size_t)(end - buf), "Content-Length", 14));
    close(fd);
    /* HEAD /readiness on the probe port */
    http_server_set_ready(s, true);
    fd = tcp_connect(http_server_port(s, HTTP_LISTENER_PROBE));
    CHECK(send_str(fd, "HEAD /readiness HTTP/1.1\r\nHost: a\r\n\r\n") == 0);
    read_head_only(fd);
    CHECK_INT(status_of(buf), 200);
    close(fd);
    /* HTTP/1.0 needs no Host */
    CHECK_INT(one_request(port, "GET /echo HTTP/1.0\r\n\r\n", buf, sizeof buf), 200);

    /* HTTP/2: HEAD gets HEADERS with END_STREAM, its content-length, no DATA */
    char cmd[300];
    snprintf(cmd, sizeof cmd, "nghttp -nv -H ':method: HEAD' http://127.0.0.1:%d/echo 2>&1", port);
    CHECK_INT(run_capture(cmd, buf, sizeof buf), 0);
    CHECK(strstr(buf, "content-length: 16") != NULL);      /* "GET /echo - 2 0\n" */
    CHECK(date_is_now(buf, "date: "));
    CHECK(strstr(buf, "recv HEADERS frame") != NULL && strstr(buf, "; END_STREAM | END_HEADERS") != NULL);
    CHECK(strstr(buf, "recv DATA frame") == NULL);
    snprintf(cmd, sizeof cmd, "nghttp -nv http://127.0.0.1:%d/status/204 2>&1", port);
    CHECK_INT(run_capture(cmd, buf, sizeof buf), 0);
    CHECK(strstr(buf, ":status: 204") != NULL && strstr(buf, "content-length") == NULL);
    CHECK(strstr(buf, "recv DATA frame") == NULL);
    http_server_free(s);
}

/* Each bad request gets its status and a closed connection. */
static void expect_refusal(int port, const char *request, size_t len, int status)
{
    int fd = tcp_connect(port);
    CHECK(send_all(fd, request, len) == 0);
    read_responses(fd, buf, sizeof buf, 1, 3000);
    if (status_of(buf) != status)
        fprintf(stderr, "request %.40s... answered: %.60s\n", request, buf);
    CHECK_INT(status_of(buf), status);
    CHECK(strstr(buf, "Connection: close\r\n") != NULL);
    CHECK(strstr(buf, "\"status\":") != NULL);
    CHECK(peer_closed(fd, 3000));
    close(fd);
}

static void test_malformed_and_limits(void)
{
    http_server *s = start(test_config());
    int port = http_server_port(s, HTTP_LISTENER_API);
#define REFUSE(req, status) expect_refusal(port, req, sizeof(req) - 1, status)
    REFUSE("GARBAGE\r\n\r\n", 400);
    REFUSE("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 binary\n", 400);
    REFUSE("GET\r\n\r\n", 400);
    REFUSE("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    REFUSE("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    REFUSE("GET nopath HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1 \r\n\r\n", 400);
    REFUSE("GET / HTTP/3.0\r\n\r\n", 505);
    REFUSE("GET / HTTP/1.1\r\nHost: a\r\nNo colon here\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\r\nHost: a\r\nName : space\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\r\nHost: a\r\nA: b\r\n folded\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\r\nHost: a\r\nA: b\x01\r\n\r\n", 400);
    REFUSE("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n", 400);
    REFUSE("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400);
    REFUSE("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\r\n\r\n", 400);                         /* no Host */
    REFUSE("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
    REFUSE("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501);
    REFUSE("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
           "4\r\nabcd\r\n0\r\n\r\n", 400);
    REFUSE("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcdX\r\n", 400);
    REFUSE("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\nabcd\r\n", 400);
    REFUSE("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n100001\r\n", 413);
    CHECK(strstr(buf, "the limit is 1048576") != NULL);
    REFUSE("POST / HTTP/1.1\r\nHost: a\r\nExpect: something\r\n\r\n", 417);
    /* 413 at once from the header: the 2 GB body is never sent */
    REFUSE("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2000000000\r\n\r\n", 413);
    CHECK(strstr(buf, "the limit is 1048576") != NULL);
    REFUSE("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400);

    /* headers over 16 KiB, request line over 8 KiB */
    static char big[20000];
    int n = snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: a\r\n");
    while (n < 17000)
        n += snprintf(big + n, sizeof big - (size_t)n, "X-Filler: %0100d\r\n", 0);
    expect_refusal(port, big, (size_t)n, 431);
    memset(big, 'a', 9000);
    memcpy(big, "GET /", 5);
    expect_refusal(port, big, 9000, 414);

    /* 413 with the body being sent anyway: the client still reads the answer */
    int fd = tcp_connect(port);
    const char *head = "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2000000\r\n\r\n";
    CHECK(send_all(fd, head, strlen(head)) == 0);
    memset(big, 'x', sizeof big);
    for (int i = 0; i < 20; i++)
        if (send_all(fd, big, sizeof big) < 0)
            break;
    read_responses(fd, buf, sizeof buf, 1, 3000);
    CHECK_INT(status_of(buf), 413);
    close(fd);

    /* a body of exactly max_body is fine */
    char *exact = malloc((1 << 20) + 100);
    n = sprintf(exact, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n", 1 << 20);
    memset(exact + n, 'y', 1 << 20);
    fd = tcp_connect(port);
    CHECK(send_all(fd, exact, (size_t)n + (1 << 20)) == 0);
    read_responses(fd, buf, 4096, 1, 3000);
    CHECK_INT(status_of(buf), 200);
    CHECK(strstr(buf, "POST /echo - 1 1048576\nyyy") != NULL);
    close(fd);
    free(exact);

    /* the server is still fine */
    CHECK_INT(one_request(port, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n", buf, sizeof buf), 200);
    http_server_free(s);
}

static void test_probe_and_readiness(void)
{
    http_server_config cfg = test_config();
    cfg.workers = 1;
    http_server *s = start(cfg);
    int api = http_server_port(s, HTTP_LISTENER_API), probe = http_server_port(s, HTTP_LISTENER_PROBE);
    CHECK_INT(one_request(probe, "GET /readiness HTTP/1.1\r\nHost: a\r\n\r\n", buf, sizeof buf), 503);
    http_server_set_ready(s, true);
    CHECK_INT(one_request(probe, "GET /readiness HTTP/1.1\r\nHost: a\r\n\r\n", buf, sizeof buf), 200);
    CHECK(strstr(buf, "Content-Length: 0\r\n") != NULL);
    CHECK_INT(one_request(probe, "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n", buf, sizeof buf), 200);
    CHECK(strstr(buf, "metrics from -1") != NULL);      /* the probe context, not a worker's */

    /* the only worker is stuck: probes are still answered at once */
    int slow = tcp_connect(api);
    const char *req = "GET /slow/800 HTTP/1.1\r\nHost: a\r\n\r\n";
    CHECK(send_all(slow, req, strlen(req)) == 0);
    test_sleep_ms(50);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_INT(one_request(probe, "GET /readiness HTTP/1.1\r\nHost: a\r\n\r\n", buf, sizeof buf), 200);
    CHECK_INT(one_request(probe, "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n", buf, sizeof buf), 200);
    CHECK(elapsed_ms(&t0) < 300);
    read_responses(slow, buf, sizeof buf, 1, 3000);
    CHECK_INT(status_of(buf), 200);
    close(slow);
    http_server_free(s);

    cfg.probe_port = -1;                      /* no probe listener */
    s = start(cfg);
    CHECK_INT(http_server_port(s, HTTP_LISTENER_PROBE), -1);
    http_server_free(s);
}

static void test_slow_handler_does_not_block(void)
{
    http_server_config cfg = test_config();
    cfg.workers = 3;
    http_server *s = start(cfg);
    int port = http_server_port(s, HTTP_LISTENER_API);
    int a = tcp_connect(port), b = tcp_connect(port);
    const char *req = "GET /slow/1000 HTTP/1.1\r\nHost: a\r\n\r\n";
    CHECK(send_all(a, req, strlen(req)) == 0);
    CHECK(send_all(b, req, strlen(req)) == 0);
    test_sleep_ms(50);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 20; i++)
        CHECK_INT(one_request(port, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi", buf, sizeof buf), 200);
    long fast = elapsed_ms(&t0);
    CHECK(fast < 500);
    read_responses(a, buf, sizeof buf, 1, 3000);
    CHECK(strstr(buf, "slept") != NULL);
    read_responses(b, buf, sizeof buf, 1, 3000);
    CHECK(strstr(buf, "slept") != NULL);
    CHECK(elapsed_ms(&t0) >= 900);
    close(a);
    close(b);

    /* clients that leave (FIN, or RST) while their request runs */
    a = tcp_connect(port);
    b = tcp_connect(port);
    req = "GET /slow/300 HTTP/1.1\r\nHost: a\r\n\r\n";
    CHECK(send_all(a, req, strlen(req)) == 0);
    CHECK(send_all(b, req, strlen(req)) == 0);
    test_sleep_ms(50);
    close(a);
    struct linger reset = { 1, 0 };
    setsockopt(b, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    close(b);
    clock_t cpu0 = clock();
    test_sleep_ms(400);
    CHECK(clock() - cpu0 < CLOCKS_PER_SEC / 10);   /* nobody spins on the dead sockets */
    CHECK_INT(one_request(port, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n", buf, sizeof buf), 200);
    http_server_free(s);
}

static void test_timeouts(void)
{
    http_server_config cfg = test_config();
    cfg.idle_timeout_ms = 300;
    cfg.request_timeout_ms = 600;
    http_server *s = start(cfg);
    int port = http_server_port(s, HTTP_LISTENER_API);

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int idle = tcp_connect(port);
    CHECK(send_str(idle, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n") == 0);
    read_responses(idle, buf, sizeof buf, 1, 3000);
    CHECK_INT(status_of(buf), 200);
    CHECK(peer_closed(idle, 2000));
    long t = elapsed_ms(&t0);
    CHECK(t >= 250 && t < 1500);
    close(idle);

    /* slowloris: a header byte every 100 ms never completes a request */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int slow = tcp_connect(port);
    send_str(slow, "GET / HTTP/1.1\r\nHost: a\r\n");
    bool closed = false;
    for (int i = 0; i < 30 && !closed; i++) {
        if (send_str(slow, "X") < 0)
            closed = true;
        struct pollfd p = { .fd = slow, .events = POLLIN };
        if (poll(&p, 1, 100) > 0 && recv(slow, buf, sizeof buf, 0) <= 0)
            closed = true;
    }
    CHECK(closed);
    t = elapsed_ms(&t0);
    CHECK(t >= 500 && t < 2000);
    close(slow);

    /* a client that connects and says nothing */
    int mute = tcp_connect(port);
    CHECK(peer_closed(mute, 2000));
    close(mute);

    /* HTTP/2 (h2c): a stream opened (HEADERS without END_STREAM) and never
     * finished is cut at the request timeout, not at the idle one */
    static const char h2_open_stream[] =
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
        "\x00\x00\x00\x04\x00\x00\x00\x00\x00"                  /* SETTINGS, empty */
        "\x00\x00\x06\x01\x04\x00\x00\x00\x01"                  /* HEADERS, stream 1: */
        "\x83\x86\x84\x41\x01" "a";                              /* POST http / :authority a */
    cfg.idle_timeout_ms = 5000;
    http_server_free(s);
    s = start(cfg);
    port = http_server_port(s, HTTP_LISTENER_API);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int h2 = tcp_connect(port);
    CHECK(send_all(h2, h2_open_stream, sizeof h2_open_stream - 1) == 0);
    CHECK(peer_closed(h2, 3000));
    t = elapsed_ms(&t0);
    CHECK(t >= 500 && t < 2000);
    close(h2);
    http_server_free(s);
}

static void test_h2c_prior_knowledge(void)
{
    http_server *s = start(test_config());
    char cmd[600];
    snprintf(cmd, sizeof cmd,
             "printf 'hello' | curl -s --http2-prior-knowledge -H 'Content-Type: text/x' "
             "--data-binary @- -w ' %%{http_code} %%{http_version}' http://127.0.0.1:%d/echo?z",
             http_server_port(s, HTTP_LISTENER_API));
    int rc = run_capture(cmd, buf, sizeof buf);
    CHECK_INT(rc, 0);
    CHECK_STR(buf, "POST /echo text/x 2 5\nhello 200 2");
    /* a 1 MB body each way: request and response cross many flow-control windows */
    snprintf(cmd, sizeof cmd,
             "head -c 1000000 /dev/zero | tr '\\0' a | curl -s --http2-prior-knowledge --data-binary @- "
             "-o /dev/null -w '%%{http_code} %%{size_download}' http://127.0.0.1:%d/echo",
             http_server_port(s, HTTP_LISTENER_API));
    CHECK_INT(run_capture(cmd, buf, sizeof buf), 0);
    CHECK_STR(buf, "200 1000055");   /* "POST /echo application/x-www-form-urlencoded 2 1000000\n" + body */
    snprintf(cmd, sizeof cmd, "nghttp -n -s http://127.0.0.1:%d/slow/10 http://127.0.0.1:%d/echo 2>&1",
             http_server_port(s, HTTP_LISTENER_API), http_server_port(s, HTTP_LISTENER_API));
    rc = run_capture(cmd, buf, sizeof buf);
    CHECK_INT(rc, 0);
    CHECK(strstr(buf, "/slow/10") != NULL && strstr(buf, "/echo") != NULL);

    /* 24 streams of 1,000,000 bytes at once on one connection: beyond 16 MiB
     * held, a stream receiving more is refused with 503 and its bytes dropped,
     * which makes room for the others; every stream is answered */
    snprintf(cmd, sizeof cmd,
             "head -c 1000000 /dev/zero > /tmp/kwc-h2-body.$$ && "
             "h2load -c 1 -m 24 -n 24 -d /tmp/kwc-h2-body.$$ http://127.0.0.1:%d/slow/20 2>&1; "
             "rm -f /tmp/kwc-h2-body.$$", http_server_port(s, HTTP_LISTENER_API));
    run_capture(cmd, buf, sizeof buf);
    int ok = 0, refused = 0;
    const char *codes = strstr(buf, "status codes: ");
    CHECK(codes && sscanf(codes, "status codes: %d 2xx, %*d 3xx, %*d 4xx, %d 5xx", &ok, &refused) == 2);
    CHECK(refused >= 1 && ok >= 8 && ok + refused == 24);
    CHECK_INT(one_request(http_server_port(s, HTTP_LISTENER_API), "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n", buf, sizeof buf), 200);
    http_server_free(s);
}

/* ---- drain on stop ----------------------------------------------------------- */

struct stopper { http_server *s; long took_ms; };

static void *stop_thread(void *arg)
{
    struct stopper *st = arg;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    http_server_stop(st->s);
    st->took_ms = elapsed_ms(&t0);
    return NULL;
}

static void test_drain_on_stop(void)
{
    http_server_config cfg = test_config();
    cfg.workers = 2;
    http_server *s = start(cfg);
    int port = http_server_port(s, HTTP_LISTENER_API);
    enum { N = 4 };
    int fds[N];
    int idle = tcp_connect(port);             /* an idle keep-alive connection */
    CHECK(send_str(idle, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n") == 0);
    read_responses(idle, buf, sizeof buf, 1, 1000);
    CHECK_INT(status_of(buf), 200);
    for (int i = 0; i < N; i++) {            /* 4 slow requests on 2 workers: 2 wait in the queue */
        fds[i] = tcp_connect(port);
        const char *req = "GET /slow/400 HTTP/1.1\r\nHost: a\r\n\r\n";
        CHECK(send_all(fds[i], req, strlen(req)) == 0);
    }
    int fresh = tcp_connect(port);            /* connected, its request comes after the stop */
    int partial = tcp_connect(port);          /* a request still arriving when stop begins */
    const char *head = "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nhal";
    CHECK(send_all(partial, head, strlen(head)) == 0);
    test_sleep_ms(100);

    pthread_t t;
    struct stopper st = { s, 0 };
    pthread_create(&t, NULL, stop_thread, &st);
    test_sleep_ms(100);
    CHECK(tcp_connect(port) < 0);             /* no longer accepting */
    CHECK(send_str(partial, "ves") == 0);
    CHECK(peer_closed(idle, 100));            /* served already, nothing pending: closed at once */
    CHECK(send_str(fresh, "GET /slow/100 HTTP/1.1\r\nHost: a\r\n\r\n") == 0);
    pthread_join(t, NULL);
    CHECK(st.took_ms >= 500 && st.took_ms < 3000);
    for (int i = 0; i < N; i++) {
        read_responses(fds[i], buf, sizeof buf, 1, 1000);
        CHECK_INT(status_of(buf), 200);
        CHECK(strstr(buf, "Connection: close\r\n") != NULL && strstr(buf, "slept") != NULL);
        close(fds[i]);
    }
    read_responses(partial, buf, sizeof buf, 1, 1000);
    CHECK(strstr(buf, "POST /echo - 1 6\nhalves") != NULL);
    read_responses(fresh, buf, sizeof buf, 1, 1000);
    CHECK(strstr(buf, "Connection: close\r\n") != NULL && strstr(buf, "slept") != NULL);
    close(partial);
    close(idle);
    close(fresh);
    http_server_free(s);
}

/* Random bytes, random mutations of a valid request, and garbage after the
 * HTTP/2 preface: every connection ends (answered or closed), the server lives. */
static void test_garbage(void)
{
    http_server_config cfg = test_config();
    cfg.request_timeout_ms = 300;
    http_server *s = start(cfg);
    int port = http_server_port(s, HTTP_LISTENER_API);
    static const char valid[] = "POST /echo?a=b HTTP/1.1\r\nHost: x\r\nContent-Type: a/b\r\n"
                                "Content-Length: 5\r\nExpect: 100-continue\r\n\r\nhello";
    static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    unsigned seed = 12345;
    int ended = 0;
    enum { ROUNDS = 60 };
    for (int i = 0; i < ROUNDS; i++) {
        char msg[600];
        size_t len;
        if (i % 3 == 0) {                     /* pure noise */
            len = 1 + rand_r(&seed) % 500;
            for (size_t k = 0; k < len; k++)
                msg[k] = (char)rand_r(&seed);
        } else if (i % 3 == 1) {              /* a valid request, a few bytes flipped */
            len = sizeof valid - 1;
            memcpy(msg, valid, len);
            for (int k = 0; k < 3; k++)
                msg[rand_r(&seed) % len] = (char)rand_r(&seed);
        } else {                              /* HTTP/2 preface, then noise */
            memcpy(msg, preface, sizeof preface - 1);
            len = sizeof preface - 1 + 1 + rand_r(&seed) % 200;
            for (size_t k = sizeof preface - 1; k < len; k++)
                msg[k] = (char)rand_r(&seed);
        }
        int fd = tcp_connect(port);
        send_all(fd, msg, len);
        shutdown(fd, SHUT_WR);
        if (peer_closed(fd, 2000))
            ended++;
        close(fd);
    }
    CHECK_INT(ended, ROUNDS);
    CHECK_INT(one_request(port, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n", buf, sizeof buf), 200);
    http_server_free(s);
}

/* HTTP/2 (h2c): three streams in flight when the stop begins are all served. */
static void test_h2_drain(void)
{
    http_server *s = start(test_config());
    int port = http_server_port(s, HTTP_LISTENER_API);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "nghttp -n -s http://127.0.0.1:%d/slow/300 http://127.0.0.1:%d/slow/301 "
             "http://127.0.0.1:%d/slow/302 2>&1", port, port, port);
    FILE *p = popen(cmd, "r");
    test_sleep_ms(150);
    pthread_t t;
    struct stopper st = { s, 0 };
    pthread_create(&t, NULL, stop_thread, &st);
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = 0;
    CHECK_INT(pclose(p), 0);
    pthread_join(t, NULL);
    CHECK(strstr(buf, "/slow/300") && strstr(buf, "/slow/301") && strstr(buf, "/slow/302"));
    CHECK(st.took_ms >= 200 && st.took_ms < 3000);
    http_server_free(s);
}

static void test_start_errors(void)
{
    char err[256];
    http_server_config cfg = test_config();
    http_server *s = start(cfg);
    cfg.port = http_server_port(s, HTTP_LISTENER_API);
    CHECK(http_server_start(&cfg, err, sizeof err) == NULL);
    CHECK(strstr(err, "cannot listen on 127.0.0.1:") != NULL);
    http_server_free(s);

    cfg = test_config();
    cfg.addr = "not an address";
    CHECK(http_server_start(&cfg, err, sizeof err) == NULL);
    CHECK(strstr(err, "not an address") != NULL);

    cfg = test_config();
    cfg.cert_file = "/nonexistent/cert.pem";
    CHECK(http_server_start(&cfg, err, sizeof err) == NULL);
    CHECK(strstr(err, "both a certificate file and a key file") != NULL);
}

int main(void)
{
    test_basic_and_keep_alive();
    test_expect_continue();
    test_chunked_bodies();
    test_head_host_and_no_content();
    test_malformed_and_limits();
    test_probe_and_readiness();
    test_slow_handler_does_not_block();
    test_timeouts();
    test_h2c_prior_knowledge();
    test_drain_on_stop();
    test_h2_drain();
    test_garbage();
    test_start_errors();
    TEST_DONE();
}
