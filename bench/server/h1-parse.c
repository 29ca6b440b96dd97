/*
 * h1-parse.c - instructions per HTTP/1.1 request on the transport's common
 * path: a 5 KB Content-Length POST on a keep-alive connection, parsed and
 * answered by h1_process() with a fixed JSON answer.  No socket, no thread:
 * the request is put in the connection's input buffer the way a read puts it
 * there, and the probe listener's inline dispatch runs the handler.  Count it
 * with callgrind (see docs/performance.md, "HTTP/1.1 parser"):
 *
 *   valgrind --tool=callgrind --toggle-collect=h1_process build/bench/server/h1-parse 2000
 *
 * Instructions per request = the total reported / 2000.  With a second
 * argument "chunked" the same body comes as five 1,000-byte chunks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/server/transport.h"

static void handler(void *ctx, const http_request *req, http_response *resp)
{
    json_buf_printf(&resp->body, "{\"allowed\":true,\"bytes\":%zu}", req->body_len);
}

/* A request the way the Kubernetes API server sends it: its usual headers and
 * a 5,000-byte JSON body (or the same body in five chunks). */
static size_t make_request(char *out, size_t cap, bool chunked)
{
    enum { BODY = 5000, CHUNK = 1000 };
    char *body = malloc(BODY + 1);
    memset(body, ' ', BODY);
    memcpy(body, "{\"kind\":\"AdmissionReview\"", 25);
    body[BODY - 1] = '}';
    body[BODY] = 0;
    char length[40];
    snprintf(length, sizeof length, chunked ? "Transfer-Encoding: chunked" : "Content-Length: %d", BODY);
    int n = snprintf(out, cap,
                     "POST /validate/privileged?timeout=10s HTTP/1.1\r\n"
                     "Host: kubewarden-policy-server.kubewarden.svc:8443\r\n"
                     "User-Agent: kube-apiserver-admission\r\n"
                     "%s\r\n"
                     "Accept: application/json, */*\r\n"
                     "Content-Type: application/json\r\n"
                     "Accept-Encoding: gzip\r\n\r\n", length);
    for (int at = 0; at < BODY; at += CHUNK)
        n += chunked ? snprintf(out + n, cap - (size_t)n, "%x\r\n%.*s\r\n", CHUNK, CHUNK, body + at)
                     : snprintf(out + n, cap - (size_t)n, "%.*s", CHUNK, body + at);
    if (chunked)
        n += snprintf(out + n, cap - (size_t)n, "0\r\n\r\n");
    free(body);
    return (size_t)n;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    static char request[8192];
    size_t len = make_request(request, sizeof request, argc > 2 && strcmp(argv[2], "chunked") == 0);
    void *contexts[1] = { NULL };
    http_server srv = {
        .cfg = { .handler = handler, .max_body = HTTP_DEFAULT_MAX_BODY, .request_timeout_ms = 10000,
                 .idle_timeout_ms = 60000 },
        .contexts = contexts,
    };
    conn *c = conn_new(&srv, -1, HTTP_LISTENER_PROBE);
    if (!c)
        return 1;
    c->proto = PROTO_H1;
    int ok = 0;
    for (int i = 0; i < n; i++) {
        if (iobuf_reserve(&c->in, 16384) < 0)
            return 1;
        memcpy(c->in.data + c->in.len, request, len);
        c->in.len += len;
        h1_process(c);
        ok += c->out.len > 12 && memcmp(c->out.data, "HTTP/1.1 200", 12) == 0;
        c->out.off = c->out.len = 0;
    }
    printf("%d requests of %zu bytes, %d answered 200\n", n, len, ok);
    iobuf_free(&c->in);
    iobuf_free(&c->out);
    json_buf_free(&c->job.resp.body);
    free(c);
    return ok == n ? 0 : 1;
}
