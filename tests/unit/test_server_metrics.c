/*
 * test_server_metrics.c - Prometheus text of the evaluation metrics, summed
 * over per-thread shards, from several threads at once.
 */
#include "../../src/server/metrics.h"
#include "test.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char *render(metrics *m, json_buf *b)
{
    json_buf_reset(b);
    metrics_render(m, b);
    return b->len ? b->data : "";
}

static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p++)
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return true;
    fprintf(stderr, "missing line: %s\n", line);
    return false;
}

static void test_admission_series(void)
{
    metrics *m = metrics_new();
    metrics_shard *s = metrics_shard_new(m);
    metrics_labels l = {.policy_name = "pod-privileged", .origin = METRICS_VALIDATE, .resource_kind = "Pod",
                        .operation = "CREATE", .resource_namespace = "default", .accepted = true};
    metrics_record(s, &l, 0);
    metrics_record(s, &l, 7);
    metrics_record(s, &l, 20000);
    metrics_labels r = {.policy_name = "pod-privileged", .origin = METRICS_VALIDATE, .resource_kind = "Pod",
                        .operation = "CREATE", .accepted = false, .has_error_code = true, .error_code = 400,
                        .monitor = true};
    metrics_record(s, &r, 1);
    json_buf b;
    json_buf_init(&b);
    const char *t = render(m, &b);
    const char *acc = "policy_name=\"pod-privileged\",policy_mode=\"protect\",request_origin=\"validate\","
                      "resource_kind=\"Pod\",resource_request_operation=\"CREATE\",resource_namespace=\"default\","
                      "accepted=\"true\",mutated=\"false\"";
    char line[1024];
    CHECK(has_line(t, "# TYPE kubewarden_policy_evaluations_total counter"));
    CHECK(has_line(t, "# TYPE kubewarden_policy_evaluation_latency_milliseconds histogram"));
    snprintf(line, sizeof line, "kubewarden_policy_evaluations_total{%s} 3", acc);
    CHECK(has_line(t, line));
    snprintf(line, sizeof line, "kubewarden_policy_evaluation_latency_milliseconds_bucket{%s,le=\"0\"} 1", acc);
    CHECK(has_line(t, line));
    snprintf(line, sizeof line, "kubewarden_policy_evaluation_latency_milliseconds_bucket{%s,le=\"5\"} 1", acc);
    CHECK(has_line(t, line));
    snprintf(line, sizeof line, "kubewarden_policy_evaluation_latency_milliseconds_bucket{%s,le=\"10\"} 2", acc);
    CHECK(has_line(t, line));
    snprintf(line, sizeof line, "kubewarden_policy_evaluation_latency_milliseconds_bucket{%s,le=\"10000\"} 2",
             acc);
    CHECK(has_line(t, line));
    snprintf(line, sizeof line, "kubewarden_policy_evaluation_latency_milliseconds_bucket{%s,le=\"+Inf\"} 3",
             acc);
    CHECK(has_line(t, line));
    snprintf(line, sizeof line, "kubewarden_policy_evaluation_latency_milliseconds_sum{%s} 20007", acc);
    CHECK(has_line(t, line));
    snprintf(line, sizeof line, "kubewarden_policy_evaluation_latency_milliseconds_count{%s} 3", acc);
    CHECK(has_line(t, line));
    CHECK(has_line(t, "kubewarden_policy_evaluations_total{policy_name=\"pod-privileged\",policy_mode=\"monitor\","
                      "request_origin=\"validate\",resource_kind=\"Pod\",resource_request_operation=\"CREATE\","
                      "accepted=\"false\",mutated=\"false\",error_code=\"400\"} 1"));
    json_buf_free(&b);
    metrics_free(m);
}

static void test_raw_audit_init_error_and_escaping(void)
{
    metrics *m = metrics_new();
    metrics_shard *s = metrics_shard_new(m);
    metrics_labels raw = {.policy_name = "raw", .origin = METRICS_RAW, .accepted = true, .mutated = true,
                          .resource_kind = "ignored"};
    metrics_record(s, &raw, 2);
    metrics_labels audit = {.policy_name = "p", .origin = METRICS_AUDIT, .resource_kind = NULL,
                            .operation = "DELETE", .accepted = true};
    metrics_record(s, &audit, 2);
    metrics_record_init_error(s, "broken", "Policy settings are invalid: \"x\"\nbad\\");
    metrics_record_init_error(s, "broken", "Policy settings are invalid: \"x\"\nbad\\");
    json_buf b;
    json_buf_init(&b);
    const char *t = render(m, &b);
    CHECK(has_line(t, "kubewarden_policy_evaluations_total{policy_name=\"raw\",policy_mode=\"protect\","
                      "accepted=\"true\",mutated=\"true\"} 1"));
    CHECK(has_line(t, "kubewarden_policy_evaluations_total{policy_name=\"p\",policy_mode=\"protect\","
                      "request_origin=\"audit\",resource_kind=\"\",resource_request_operation=\"DELETE\","
                      "accepted=\"true\",mutated=\"false\"} 1"));
    CHECK(has_line(t, "kubewarden_policy_evaluations_total{policy_name=\"broken\",initialization_error="
                      "\"Policy settings are invalid: \\\"x\\\"\\nbad\\\\\"} 2"));
    /* init errors have no latency */
    CHECK(strstr(t, "_bucket{policy_name=\"broken\"") == NULL);
    json_buf_free(&b);
    metrics_free(m);
}

enum { THREADS = 4, PER_THREAD = 20000, NAMES = 100 };

typedef struct thread_arg {
    metrics *m;
    int index;
} thread_arg;

static void *record_many(void *p)
{
    thread_arg *arg = p;
    metrics_shard *s = metrics_shard_new(arg->m);
    char name[32];
    for (int i = 0; i < PER_THREAD; i++) {
        snprintf(name, sizeof name, "policy-%d", i % NAMES);   /* forces table growth */
        metrics_labels l = {.policy_name = name, .origin = METRICS_VALIDATE, .resource_kind = "Pod",
                            .operation = "CREATE", .accepted = true};
        metrics_record(s, &l, (uint64_t)(i % 3));
    }
    return NULL;
}

static void test_threads_and_concurrent_scrape(void)
{
    metrics *m = metrics_new();
    pthread_t threads[THREADS];
    thread_arg args[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i] = (thread_arg){m, i};
        pthread_create(&threads[i], NULL, record_many, &args[i]);
    }
    json_buf b;
    json_buf_init(&b);
    for (int i = 0; i < 20; i++)
        render(m, &b);                 /* scrapes while the threads record */
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    const char *t = render(m, &b);
    char line[512];
    snprintf(line, sizeof line, "kubewarden_policy_evaluations_total{policy_name=\"policy-7\",policy_mode="
             "\"protect\",request_origin=\"validate\",resource_kind=\"Pod\",resource_request_operation="
             "\"CREATE\",accepted=\"true\",mutated=\"false\"} %d", THREADS * PER_THREAD / NAMES);
    CHECK(has_line(t, line));
    /* one series per name, shards merged */
    int series = 0;
    for (const char *p = t; (p = strstr(p, "\nkubewarden_policy_evaluations_total{")); p++)
        series++;
    CHECK_INT(series, NAMES);
    json_buf_free(&b);
    metrics_free(m);
}

int main(void)
{
    test_admission_series();
    test_raw_audit_init_error_and_escaping();
    test_threads_and_concurrent_scrape();
    TEST_DONE();
}
