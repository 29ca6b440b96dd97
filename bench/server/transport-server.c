/*
 * transport-server.c - the transport alone, for load tests before (and beside)
 * the real policy-server: a handler that answers every POST with a fixed
 * AdmissionReview-shaped JSON ("allowed": true, the request's length), as the
 * real pipeline would, minus the policy.
 *
 *   transport-server PORT WORKERS [CERT KEY]     (SIGINT/SIGTERM: drain and exit)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/server/http.h"

static void handler(void *ctx, const http_request *req, http_response *resp)
{
    json_buf_printf(&resp->body,
                    "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                    "\"response\":{\"uid\":\"bench\",\"allowed\":true,\"auditAnnotations\":{},"
                    "\"warnings\":[],\"status\":{\"code\":200,\"message\":\"%zu bytes\"}}}",
                    req->body_len);
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 5) {
        fprintf(stderr, "usage: %s PORT WORKERS [CERT KEY]\n", argv[0]);
        return 2;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    http_server_config cfg = {
        .addr = "127.0.0.1", .port = atoi(argv[1]), .probe_port = -1, .workers = atoi(argv[2]),
        .cert_file = argc == 5 ? argv[3] : NULL, .key_file = argc == 5 ? argv[4] : NULL,
        .handler = handler,
    };
    char err[512];
    http_server *s = http_server_start(&cfg, err, sizeof err);
    if (!s) {
        fprintf(stderr, "transport-server: %s\n", err);
        return 1;
    }
    printf("listening on %d\n", http_server_port(s, HTTP_LISTENER_API));
    fflush(stdout);
    int sig;
    sigwait(&set, &sig);
    http_server_free(s);
    return 0;
}
