/*
 * app.h - the policy-server application: the loaded policy set, the worker
 * contexts and the request handler.  Private to src/server/.
 *
 * Policy sets are immutable once built.  The current one is published through
 * an atomic pointer; a worker announces the set it is using in its own hazard
 * slot before touching it, so a reload (SIGHUP) can swap in a new set and free
 * the old one as soon as no worker still announces it.  Requests never take a
 * lock for this.
 */
#ifndef SERVER_APP_H
#define SERVER_APP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "expr.h"
#include "http.h"
#include "json.h"
#include "metrics.h"
#include "policies.h"
#include "policy.h"
#include "server.h"

/* One entry of the policies file, ready to evaluate. */
typedef struct loaded_policy {
    const policy_entry *entry;          /* id, mode, flags, messages (in the set's file) */
    policy *single;                     /* !entry->is_group; NULL when init_error */
    policy **members;                   /* entry->is_group: one per member, in file order */
    group_expr *expr;                   /* entry->is_group */
    char *init_error;                   /* --continue-on-errors: why it could not be loaded */
} loaded_policy;

typedef struct policy_set {
    policies_file file;
    loaded_policy *policies;
    size_t n_policies;
    size_t n_modules;                   /* distinct compiled modules behind them */
    size_t n_interpreted;               /* of those, run by the interpreter (not machine code) */
    size_t *index;                      /* open-addressing hash of ids -> policies[i] + 1; 0 empty */
    size_t index_cap;
} policy_set;

/* Reads the policies file and loads everything (spec §1.5).  Fail fast: NULL
 * with err naming the policy, unless continue_on_errors, where a policy that
 * fails is kept with its init_error.  Errors that are fatal even then (policies
 * file, host-capability patterns) still give NULL. */
policy_set *policy_set_build(policy_runtime *rt, const char *path, bool continue_on_errors,
                             char *err, size_t errlen);
void policy_set_free(policy_set *set);
const loaded_policy *policy_set_find(const policy_set *set, const char *id);

/* Group evaluation (spec §2.7) into `out`; -1 out of memory.  `raw`: a
 * /validate_raw request, which Gatekeeper members refuse (policy_validate_raw). */
int group_evaluate(const loaded_policy *lp, json_arena *a, const json_value *request,
                   const char *request_text, size_t request_text_len, const char *uid,
                   bool raw, policy_response *out);

typedef struct app app;

/* One per worker thread (and one for the probe listener). */
typedef struct worker {
    app *app;
    json_arena *arena;                  /* per-request memory, reset between requests */
    json_buf request_text;              /* the request as the policy receives it, reused */
    json_buf scratch;                   /* log rendering, reused */
    metrics_shard *metrics;             /* NULL for the probe listener's context */
    _Atomic(policy_set *) hazard;       /* the set this worker is using, or NULL */
} worker;

enum {
    APP_MAX_WORKERS = 1025,
    WORKER_ARENA_BYTES = 256 << 10,     /* a typical review's DOM and evaluation fit */
    /* What a worker's arena keeps resident between requests: the pages a bigger
     * request used beyond it go back to the kernel at the next reset (most
     * requests use under 16 KiB; one big one per worker pinned ~40 KiB each). */
    WORKER_ARENA_KEEP_BYTES = 16 << 10,
    WORKER_TRIM_BODY_BYTES = 256 << 10, /* after a body this big, the worker's buffers are given back */
};

struct app {
    const server_config *cfg;
    const char *host;                   /* $HOSTNAME (the pod name), "unknown" when unset */
    policy_runtime *runtime;
    metrics *metrics;
    _Atomic(policy_set *) current;
    pthread_mutex_t workers_lock;       /* registration of workers, and reload's scan */
    worker *workers[APP_MAX_WORKERS];
    int n_workers;
};

/* The http_server_config callbacks. */
void *app_worker_init(int worker_index, void *app);
void app_worker_fini(void *worker_ctx, void *app);
void app_handle(void *worker_ctx, const http_request *req, http_response *resp);

/* Replaces the policy set; frees the old one once no worker uses it. */
void app_swap_policy_set(app *a, policy_set *next);

#endif
