/*
 * handler.c - one API request: route, check the body, evaluate through the
 * pipeline of spec §1.8, record metrics, log one line, write the answer.
 * Probe-listener requests (GET /metrics) come here too, on the I/O thread.
 */
#include "admission.h"
#include "app.h"
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct route {
    const char *prefix;
    request_origin origin;
} route;

static const route routes[] = {
    {"/validate/", ORIGIN_VALIDATE},
    {"/audit/", ORIGIN_AUDIT},
    {"/validate_raw/", ORIGIN_RAW},
};

static void error_response(http_response *resp, int status, const char *message)
{
    resp->status = status;
    resp->content_type = "application/json";
    admission_error_body(&resp->body, message, status);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the policy set in use (see app.h) ------------------------------------------- */

/* Announce the set, then check it is still current: if a reload swapped it in
 * between, the reloader may have scanned the hazard slots before our
 * announcement and could free that set, so announce the new one instead.
 * Sequentially consistent atomics make the announce/check pair safe against
 * the reloader's swap/scan pair. */
static policy_set *acquire_set(worker *w)
{
    policy_set *set;
    do {
        set = atomic_load(&w->app->current);
        atomic_store(&w->hazard, set);
    } while (set != atomic_load(&w->app->current));
    return set;
}

static void release_set(worker *w)
{
    atomic_store_explicit(&w->hazard, NULL, memory_order_release);
}

/* ---- evaluation ------------------------------------------------------------------ */

typedef struct evaluation {
    worker *w;
    const loaded_policy *lp;
    request_origin origin;
    const admission_request *req;
    policy_response resp;
    uint64_t latency_ms;
} evaluation;

static bool is_monitor(const loaded_policy *lp)
{
    return lp->entry->mode == POLICY_MODE_MONITOR;
}

/* Nobody can read the metrics without --enable-metrics: record none then. */
static bool metrics_on(const evaluation *ev)
{
    return ev->w->metrics && ev->w->app->cfg->enable_metrics;
}

static void record_metrics(evaluation *ev)
{
    if (!metrics_on(ev))
        return;
    const policy_response *r = &ev->resp;
    metrics_labels labels = {
        .policy_name = ev->lp->entry->id,
        .monitor = is_monitor(ev->lp),
        .origin = ev->origin == ORIGIN_AUDIT ? METRICS_AUDIT : ev->origin == ORIGIN_RAW ? METRICS_RAW
                                                                                       : METRICS_VALIDATE,
        .resource_kind = ev->req->request_kind ? ev->req->request_kind : "",
        .operation = ev->req->operation ? ev->req->operation : "",
        .resource_namespace = ev->req->namespace_,
        .accepted = r->allowed,
        .mutated = r->patch != NULL,
        .has_error_code = r->has_status && r->status.has_code,
        .error_code = r->status.code,
    };
    metrics_record(ev->w->metrics, &labels, ev->latency_ms);
}

/* Serialises the request once so that every policy of a group reads the same text. */
static int request_text(worker *w, const json_value *request, const char **text, size_t *len)
{
    json_buf_reset(&w->request_text);
    json_write(&w->request_text, request);
    if (w->request_text.oom)
        return -1;
    *text = w->request_text.data;
    *len = w->request_text.len;
    return 0;
}

static int run_policy(evaluation *ev)
{
    const char *text;
    size_t len;
    json_arena *a = ev->w->arena;
    if (request_text(ev->w, ev->req->request, &text, &len))
        return -1;
    uint64_t start = now_ns();
    int rc = ev->lp->entry->is_group
                 ? group_evaluate(ev->lp, a, ev->req->request, text, len, ev->req->uid, ev->origin == ORIGIN_RAW,
                                  &ev->resp)
                 : ev->origin == ORIGIN_RAW   /* Gatekeeper refuses raw requests (spec §2.6) */
                 ? policy_validate_raw(ev->lp->single, a, ev->req->request, text, len, &ev->resp)
                 : policy_validate(ev->lp->single, a, ev->req->request, text, len, &ev->resp);
    ev->latency_ms = (now_ns() - start) / 1000000u;
    return rc;
}

static void log_monitor_verdict(const evaluation *ev)
{
    json_buf *would_be = &ev->w->scratch;
    json_buf_reset(would_be);
    policy_response_write(would_be, &ev->resp);
    log_event(SERVER_LOG_INFO, "policy_server", "policy evaluation (monitor mode)",
              (log_field[]){LOG_STR("policy_id", ev->lp->entry->id), LOG_STR("request_uid", ev->req->uid),
                            LOG_JSON("response", would_be->data, would_be->len)}, 3);
}

static bool always_accepted(const evaluation *ev)
{
    const char *ns = ev->w->app->cfg->always_accept_namespace;
    return ns && ev->origin != ORIGIN_RAW && ev->req->namespace_ && strcmp(ev->req->namespace_, ns) == 0;
}

/* Spec §1.8.  Returns 0 with ev->resp to send, or -1 (HTTP 500). */
static int evaluate(evaluation *ev)
{
    json_arena *a = ev->w->arena;
    memset(&ev->resp, 0, sizeof ev->resp);
    ev->resp.uid = ev->req->uid;
    if (always_accepted(ev)) {
        ev->resp.allowed = true;
        record_metrics(ev);
        return 0;
    }
    if (ev->lp->init_error) {
        policy_response_reject(&ev->resp, ev->req->uid, ev->lp->init_error, 500);
        if (metrics_on(ev))
            metrics_record_init_error(ev->w->metrics, ev->lp->entry->id, ev->lp->init_error);
        return 0;
    }
    if (run_policy(ev))
        return -1;
    record_metrics(ev);                 /* the policy's own verdict, before post-processing */
    if (ev->origin == ORIGIN_AUDIT)
        return 0;
    if (is_monitor(ev->lp) && log_enabled(SERVER_LOG_INFO))
        log_monitor_verdict(ev);
    const policy_entry *e = ev->lp->entry;
    policy_postprocess how = {
        .policy_id = e->id,
        .monitor = is_monitor(ev->lp),
        .allowed_to_mutate = e->allowed_to_mutate,
        .custom_message = e->is_group ? NULL : e->message,
    };
    return policy_response_postprocess(a, &ev->resp, &how);
}

static void log_request(const evaluation *ev, int http_status)
{
    static const char *origin_names[] = {"validate", "audit", "validate_raw"};
    if (!log_enabled(SERVER_LOG_INFO))
        return;
    const policy_response *r = &ev->resp;
    const char *message = r->has_status && r->status.message ? r->status.message : NULL;
    log_field fields[] = {
        LOG_STR("origin", origin_names[ev->origin]),
        LOG_STR("host", ev->w->app->host),
        LOG_STR("policy_id", ev->lp->entry->id),
        LOG_STR("request_uid", ev->req->uid),
        LOG_STR("kind", ev->req->kind),
        LOG_STR("namespace", ev->req->namespace_),
        LOG_STR("name", ev->req->name),
        LOG_STR("operation", ev->req->operation),
        LOG_BOOL("allowed", r->allowed),
        LOG_BOOL("mutated", r->patch != NULL),
        LOG_INT("response_code", r->has_status && r->status.has_code ? r->status.code : http_status),
        LOG_STR("response_message", message),
        LOG_INT("latency_ms", (long long)ev->latency_ms),
    };
    log_event(SERVER_LOG_INFO, "policy_server::api", "request evaluated", fields,
              sizeof fields / sizeof fields[0]);
}

static void write_answer(const evaluation *ev, http_response *resp)
{
    resp->status = 200;
    resp->content_type = "application/json";
    if (ev->origin == ORIGIN_RAW) {
        json_buf_puts(&resp->body, "{\"response\":");
        policy_response_write(&resp->body, &ev->resp);
        json_buf_puts(&resp->body, "}");
    } else {
        policy_review_write(&resp->body, &ev->resp);
    }
}

/* ---- routing --------------------------------------------------------------------- */

static void handle_api(worker *w, const http_request *req, http_response *resp, request_origin origin,
                       const char *policy_id)
{
    char msg[512];
    if (!admission_content_type_ok(req->content_type)) {
        error_response(resp, 415, "Expected request with `Content-Type: application/json`");
        return;
    }
    admission_request ar;
    int status = admission_parse(w->arena, req->body, req->body_len, origin, &ar, msg, sizeof msg);
    if (status) {
        error_response(resp, status, msg);
        return;
    }
    policy_set *set = acquire_set(w);
    const loaded_policy *lp = set ? policy_set_find(set, policy_id) : NULL;
    if (!lp) {
        snprintf(msg, sizeof msg, "unknown policy: %s", policy_id);
        error_response(resp, 404, msg);
    } else {
        evaluation ev = {.w = w, .lp = lp, .origin = origin, .req = &ar};
        if (evaluate(&ev)) {
            error_response(resp, 500, "Something went wrong");
            log_request(&ev, 500);
        } else {
            write_answer(&ev, resp);
            log_request(&ev, 200);
        }
    }
    release_set(w);
}

static void handle_probe(worker *w, const http_request *req, http_response *resp)
{
    if (strcmp(req->path, "/metrics") != 0) {
        error_response(resp, 404, "not found");
        return;
    }
    if (strcmp(req->method, "GET") != 0) {
        error_response(resp, 405, "method not allowed: use GET");
        return;
    }
    if (!w->app->cfg->enable_metrics) {
        error_response(resp, 404, "metrics are disabled: start policy-server with --enable-metrics");
        return;
    }
    resp->status = 200;
    resp->content_type = "text/plain; version=0.0.4";
    metrics_render(w->app->metrics, &resp->body);
}

/* A large review grew this worker's arena and buffers to its size; keeping
 * them would pin that memory per worker forever, so give it back (rare: the
 * usual review is a few KB). */
static void trim_after_large_request(worker *w, size_t body_len)
{
    if (body_len < WORKER_TRIM_BODY_BYTES)
        return;
    json_arena *fresh = json_arena_new(WORKER_ARENA_BYTES);
    if (fresh) {
        json_arena_free(w->arena);
        w->arena = fresh;
    }
    json_buf_free(&w->request_text);
    json_buf_init(&w->request_text);
    json_buf_free(&w->scratch);
    json_buf_init(&w->scratch);
}

static void dispatch(worker *w, const http_request *req, http_response *resp)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        size_t n = strlen(routes[i].prefix);
        const char *id = req->path + n;
        if (strncmp(req->path, routes[i].prefix, n) != 0 || !*id || strchr(id, '/'))
            continue;
        if (strcmp(req->method, "POST") != 0) {
            error_response(resp, 405, "method not allowed: use POST");
            return;
        }
        handle_api(w, req, resp, routes[i].origin, id);
        return;
    }
    char msg[300];
    snprintf(msg, sizeof msg, "not found: %.200s", req->path);
    error_response(resp, 404, msg);
}

void app_handle(void *worker_ctx, const http_request *req, http_response *resp)
{
    worker *w = worker_ctx;
    json_arena_reset_trim(w->arena, WORKER_ARENA_KEEP_BYTES);
    if (req->listener == HTTP_LISTENER_PROBE) {
        handle_probe(w, req, resp);
        return;
    }
    dispatch(w, req, resp);
    trim_after_large_request(w, req->body_len);
}
