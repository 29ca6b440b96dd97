/*
 * test_server_handler.c - the request handler in process, without sockets or
 * Wasm: routing and error statuses, the init-error path, the always-accept
 * namespace, metrics, and policy-set swaps (SIGHUP reloads) racing with
 * requests on several threads.  Under ASan a set freed too early shows up as
 * a use-after-free.
 *
 * The policies use registry:// modules, which cannot load yet: with
 * --continue-on-errors each one is kept with its init error, so a full policy
 * set exists without any module.
 */
#include "../../src/server/app.h"
#include "../../src/server/log.h"
#include "test.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char review[] =
    "{\"request\":{\"uid\":\"u1\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
    "\"resource\":{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\"},\"operation\":\"CREATE\","
    "\"namespace\":\"%s\",\"userInfo\":{}}}";

static char policies_path[64];
static server_config cfg;
static app the_app;

static void write_policies(void)
{
    strcpy(policies_path, "/tmp/kwc-handler-XXXXXX");
    int fd = mkstemp(policies_path);
    const char *text = "remote:\n  module: registry://ghcr.io/x/y:v1\n"
                       "group:\n  expression: \"a()\"\n  message: m\n  policies:\n    a: {module: https://h/a.wasm}\n";
    CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
}

static policy_set *build_set(void)
{
    char err[512];
    policy_set *set = policy_set_build(NULL, policies_path, true, err, sizeof err);
    if (!set)
        fprintf(stderr, "policy_set_build: %s\n", err);
    return set;
}

typedef struct exchange {
    int status;
    json_buf body;
} exchange;

static void request(worker *w, exchange *x, const char *method, const char *path, const char *content_type,
                    const char *namespace_)
{
    char body[1024];
    snprintf(body, sizeof body, review, namespace_);
    http_request req = {HTTP_LISTENER_API, method, path, content_type, body, strlen(body), 1};
    http_response resp = {200, NULL, x->body};
    json_buf_reset(&resp.body);
    app_handle(w, &req, &resp);
    x->status = resp.status;
    x->body = resp.body;
}

static void test_statuses(worker *w)
{
    exchange x = {0};
    json_buf_init(&x.body);
    request(w, &x, "POST", "/validate/remote", "application/json", "default");
    CHECK_INT(x.status, 200);
    CHECK(strstr(x.body.data, "\"uid\":\"u1\",\"allowed\":false,\"status\":{\"message\":\"Error while downloading "
                              "policy 'remote' from registry://ghcr.io/x/y:v1: registry:// sources are not "
                              "supported yet") != NULL);
    CHECK(strstr(x.body.data, "\"code\":500") != NULL);
    request(w, &x, "POST", "/validate/group", "application/json", "default");
    CHECK(strstr(x.body.data, "group/a: Error while downloading policy 'a' from https://h/a.wasm") != NULL);
    request(w, &x, "POST", "/validate/remote", "application/json", "kube-system");
    CHECK_STR(x.body.data, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"response\":"
                           "{\"uid\":\"u1\",\"allowed\":true,\"auditAnnotations\":null,\"warnings\":null}}");
    request(w, &x, "POST", "/validate_raw/remote", "application/json", "kube-system");
    CHECK(strstr(x.body.data, "{\"response\":{\"uid\":\"u1\",\"allowed\":false") == x.body.data);
    request(w, &x, "POST", "/validate/nope", "application/json", "default");
    CHECK_INT(x.status, 404);
    CHECK_STR(x.body.data, "{\"message\":\"unknown policy: nope\",\"status\":404}");
    request(w, &x, "POST", "/validate/remote", "text/plain", "default");
    CHECK_INT(x.status, 415);
    request(w, &x, "GET", "/audit/remote", "application/json", "default");
    CHECK_INT(x.status, 405);
    request(w, &x, "POST", "/validate/", "application/json", "default");
    CHECK_INT(x.status, 404);
    request(w, &x, "POST", "/validate/a/b", "application/json", "default");
    CHECK_INT(x.status, 404);
    json_buf_free(&x.body);
}

static void test_metrics(worker *probe)
{
    exchange x = {0};
    json_buf_init(&x.body);
    http_request req = {HTTP_LISTENER_PROBE, "GET", "/metrics", NULL, "", 0, 1};
    http_response resp = {200, NULL, x.body};
    app_handle(probe, &req, &resp);
    CHECK_INT(resp.status, 200);
    CHECK(strstr(resp.body.data, "kubewarden_policy_evaluations_total{policy_name=\"remote\",initialization_error="
                                 "\"Error while downloading policy 'remote'") != NULL);
    CHECK(strstr(resp.body.data, "policy_name=\"remote\",policy_mode=\"protect\",request_origin=\"validate\","
                                 "resource_kind=\"\",resource_request_operation=\"CREATE\",resource_namespace="
                                 "\"kube-system\",accepted=\"true\",mutated=\"false\"} 1") != NULL);
    json_buf_free(&resp.body);
}

enum { THREADS = 4, REQUESTS = 3000, MIN_SWAPS = 20 };

static atomic_int running;

static void *hammer(void *arg)
{
    worker *w = arg;
    exchange x = {0};
    json_buf_init(&x.body);
    long bad = 0;
    for (int i = 0; i < REQUESTS; i++) {
        request(w, &x, "POST", i % 2 ? "/validate/remote" : "/audit/group", "application/json", "default");
        bad += x.status != 200 || !strstr(x.body.data, "Error while downloading policy");
    }
    json_buf_free(&x.body);
    atomic_fetch_sub(&running, 1);
    return (void *)bad;
}

static void test_swaps_under_load(void)
{
    worker *workers[THREADS];
    pthread_t threads[THREADS];
    atomic_store(&running, THREADS);
    for (int i = 0; i < THREADS; i++) {
        workers[i] = app_worker_init(i, &the_app);
        pthread_create(&threads[i], NULL, hammer, workers[i]);
    }
    int swaps = 0, failed = 0;
    while (atomic_load(&running) > 0 || swaps < MIN_SWAPS) {   /* swap for as long as requests run */
        policy_set *next = build_set();
        if (next)
            app_swap_policy_set(&the_app, next);
        swaps += next != NULL;
        failed += next == NULL;
    }
    long bad = 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(threads[i], &r);
        bad += (long)r;
        app_worker_fini(workers[i], &the_app);
    }
    CHECK_INT(failed, 0);
    CHECK(swaps >= MIN_SWAPS);
    CHECK_INT(bad, 0);
}

int main(void)
{
    int devnull = open("/dev/null", O_WRONLY);
    log_init(SERVER_LOG_INFO, SERVER_LOG_TEXT, devnull);       /* exercise the log lines, quietly */
    char *argv[] = {"policy-server", "--always-accept-admission-reviews-on-namespace", "kube-system",
                    "--enable-metrics", NULL};
    char err[256];
    CHECK_INT(server_config_parse(&cfg, 4, argv, NULL, stdout, err, sizeof err), SERVER_CONFIG_OK);
    write_policies();
    the_app.cfg = &cfg;
    the_app.host = "test";
    the_app.metrics = metrics_new();
    pthread_mutex_init(&the_app.workers_lock, NULL);
    atomic_store(&the_app.current, build_set());
    CHECK(atomic_load(&the_app.current) != NULL);

    worker *w = app_worker_init(0, &the_app);
    worker *probe = app_worker_init(HTTP_PROBE_WORKER, &the_app);
    test_statuses(w);
    test_metrics(probe);
    app_worker_fini(w, &the_app);
    test_swaps_under_load();
    app_worker_fini(probe, &the_app);

    policy_set_free(atomic_exchange(&the_app.current, NULL));
    metrics_free(the_app.metrics);
    pthread_mutex_destroy(&the_app.workers_lock);
    unlink(policies_path);
    close(devnull);
    TEST_DONE();
}
