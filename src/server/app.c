/*
 * app.c - the policy-server's life cycle: logging, daemon mode, the policy
 * runtime, the first policy set, the transport, then signals (SIGHUP reloads
 * the policies file, SIGTERM/SIGINT drain and stop).
 *
 * Signals are blocked in every thread (the mask is inherited) and taken by the
 * main thread with sigwait(), so a reload runs on an ordinary thread and can
 * wait for in-flight requests without any async-signal-safety concerns.
 */
#include "app.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { ERR_MAX = 2048 };

/* ---- workers ----------------------------------------------------------------------- */

void *app_worker_init(int worker_index, void *app_ptr)
{
    app *a = app_ptr;
    worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->app = a;
    w->arena = json_arena_new(WORKER_ARENA_BYTES);
    json_buf_init(&w->request_text);
    json_buf_init(&w->scratch);
    if (worker_index != HTTP_PROBE_WORKER)
        w->metrics = metrics_shard_new(a->metrics);   /* owned by a->metrics from now on */
    bool ok = w->arena && (worker_index == HTTP_PROBE_WORKER || w->metrics);
    pthread_mutex_lock(&a->workers_lock);
    ok = ok && a->n_workers < APP_MAX_WORKERS;
    if (ok)
        a->workers[a->n_workers++] = w;
    pthread_mutex_unlock(&a->workers_lock);
    if (!ok) {
        json_arena_free(w->arena);
        free(w);
        return NULL;
    }
    return w;
}

void app_worker_fini(void *worker_ctx, void *app_ptr)
{
    app *a = app_ptr;
    worker *w = worker_ctx;
    pthread_mutex_lock(&a->workers_lock);
    for (int i = 0; i < a->n_workers; i++)
        if (a->workers[i] == w) {
            a->workers[i] = a->workers[--a->n_workers];
            break;
        }
    pthread_mutex_unlock(&a->workers_lock);
    json_arena_free(w->arena);
    json_buf_free(&w->request_text);
    json_buf_free(&w->scratch);
    free(w);                            /* the metrics shard belongs to a->metrics */
}

static bool set_in_use(app *a, const policy_set *set)
{
    bool used = false;
    pthread_mutex_lock(&a->workers_lock);
    for (int i = 0; i < a->n_workers && !used; i++)
        used = atomic_load(&a->workers[i]->hazard) == set;
    pthread_mutex_unlock(&a->workers_lock);
    return used;
}

void app_swap_policy_set(app *a, policy_set *next)
{
    policy_set *old = atomic_exchange(&a->current, next);
    if (!old)
        return;
    /* In-flight requests finish on the old set; none can pick it up any more. */
    struct timespec pause = {0, 5 * 1000 * 1000};
    while (set_in_use(a, old))
        nanosleep(&pause, NULL);
    policy_set_free(old);
}

/* ---- logging glue -------------------------------------------------------------------- */

static void policy_log(void *ctx, policy_log_level level, const char *policy_id, const char *message,
                       const char *extra_json)
{
    log_field fields[2] = {LOG_STR("policy_id", policy_id)};
    size_t n = 1;
    if (extra_json)
        fields[n++] = LOG_JSON("data", extra_json, strlen(extra_json));
    log_event((server_log_level)level, "policy_log", message ? message : "", fields, n);
}

static void transport_log(void *ctx, int level, const char *fmt, ...)
{
    static const server_log_level levels[] = {SERVER_LOG_ERROR, SERVER_LOG_WARN, SERVER_LOG_INFO,
                                              SERVER_LOG_DEBUG};
    server_log_level lvl = level >= 0 && level <= HTTP_LOG_DEBUG ? levels[level] : SERVER_LOG_INFO;
    if (!log_enabled(lvl))
        return;
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    log_event(lvl, "policy_server::transport", message, NULL, 0);
}

/* ---- daemon mode ---------------------------------------------------------------------- */

static int redirect(int fd, const char *path, int flags)
{
    int f = open(path ? path : "/dev/null", flags, 0644);
    if (f < 0)
        return -1;
    int rc = dup2(f, fd);
    close(f);
    return rc < 0 ? -1 : 0;
}

/* Double fork: the grandchild runs on, detached; the original process exits 0
 * once the PID file is written.  Before any thread exists. */
static int daemonize(const server_config *cfg, char *err, size_t errlen)
{
    pid_t pid = fork();
    if (pid < 0)
        return snprintf(err, errlen, "daemon: fork: %s", strerror(errno)), -1;
    if (pid > 0)
        _exit(0);
    setsid();
    pid = fork();
    if (pid < 0)
        return snprintf(err, errlen, "daemon: fork: %s", strerror(errno)), -1;
    if (pid > 0)
        _exit(0);
    FILE *f = fopen(cfg->daemon_pid_file, "w");
    if (!f)
        return snprintf(err, errlen, "daemon: cannot write PID file %s: %s", cfg->daemon_pid_file,
                        strerror(errno)), -1;
    fprintf(f, "%ld\n", (long)getpid());
    fclose(f);
    if (redirect(STDIN_FILENO, NULL, O_RDONLY) ||
        redirect(STDOUT_FILENO, cfg->daemon_stdout_file, O_WRONLY | O_CREAT | O_APPEND) ||
        redirect(STDERR_FILENO, cfg->daemon_stderr_file, O_WRONLY | O_CREAT | O_APPEND))
        return snprintf(err, errlen, "daemon: cannot redirect stdio: %s", strerror(errno)), -1;
    return 0;
}

/* ---- startup, signals, reload ------------------------------------------------------------ */

static void log_startup_warnings(const server_config *cfg)
{
    for (int i = 0; i < cfg->warning_count; i++)
        log_event(SERVER_LOG_WARN, "policy_server", cfg->warnings[i], NULL, 0);
    log_event(SERVER_LOG_WARN, "policy_server",
              "no Kubernetes client yet: kubernetes host capabilities answer \"not available\"", NULL, 0);
}

static policy_runtime *make_runtime(const server_config *cfg, char *err, size_t errlen)
{
    policy_runtime_config rc = {
        .log = policy_log,
        .timeout_ms = cfg->policy_timeout * 1000u,
        .disable_timeout = cfg->disable_timeout_protection,
    };
    return policy_runtime_new(&rc, err, errlen);
}

static void reload(app *a)
{
    char err[ERR_MAX];
    log_event(SERVER_LOG_INFO, "policy_server", "SIGHUP: reloading the policies file",
              (log_field[]){LOG_STR("policies", a->cfg->policies)}, 1);
    policy_set *next = policy_set_build(a->runtime, a->cfg->policies, a->cfg->continue_on_errors, err,
                                        sizeof err);
    if (!next) {
        log_event(SERVER_LOG_ERROR, "policy_server", "reload refused: the previous policies keep serving",
                  (log_field[]){LOG_STR("error", err)}, 1);
        return;
    }
    app_swap_policy_set(a, next);
    log_event(SERVER_LOG_INFO, "policy_server", "policies reloaded",
              (log_field[]){LOG_INT("policies", (long long)next->n_policies),
                            LOG_INT("modules", (long long)next->n_modules),
                            LOG_INT("interpreted_modules", (long long)next->n_interpreted)}, 3);
}

static void serve_signals(app *a, http_server *http, const sigset_t *set)
{
    for (;;) {
        int sig = 0;
        if (sigwait(set, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            reload(a);
            continue;
        }
        log_event(SERVER_LOG_INFO, "policy_server", "stopping: finishing in-flight requests",
                  (log_field[]){LOG_STR("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT")}, 1);
        http_server_set_ready(http, false);
        http_server_stop(http);
        return;
    }
}

static http_server *start_transport(app *a, char *err, size_t errlen)
{
    const server_config *cfg = a->cfg;
    http_server_config hc = {
        .addr = cfg->addr,
        .port = cfg->port,
        .probe_port = cfg->readiness_probe_port,
        .workers = cfg->workers,
        .max_body = cfg->max_body_size,
        .cert_file = cfg->cert_file,
        .key_file = cfg->key_file,
        .client_ca_file = cfg->client_ca_file,
        .handler = app_handle,
        .worker_init = app_worker_init,
        .worker_fini = app_worker_fini,
        .app = a,
        .log = transport_log,
    };
    return http_server_start(&hc, err, errlen);
}

static int run(app *a, const sigset_t *signals)
{
    char err[ERR_MAX];
    a->runtime = make_runtime(a->cfg, err, sizeof err);
    policy_set *set = a->runtime ? policy_set_build(a->runtime, a->cfg->policies, a->cfg->continue_on_errors,
                                                    err, sizeof err)
                                 : NULL;
    if (!set) {
        log_event(SERVER_LOG_ERROR, "policy_server", "cannot start", (log_field[]){LOG_STR("error", err)}, 1);
        return 1;
    }
    atomic_store(&a->current, set);
    http_server *http = start_transport(a, err, sizeof err);
    if (!http) {
        log_event(SERVER_LOG_ERROR, "policy_server", "cannot start", (log_field[]){LOG_STR("error", err)}, 1);
        return 1;
    }
    log_event(SERVER_LOG_INFO, "policy_server", "ready",
              (log_field[]){LOG_STR("addr", a->cfg->addr),
                            LOG_INT("port", http_server_port(http, HTTP_LISTENER_API)),
                            LOG_INT("readiness_probe_port", http_server_port(http, HTTP_LISTENER_PROBE)),
                            LOG_INT("policies", (long long)set->n_policies),
                            LOG_INT("modules", (long long)set->n_modules),
                            LOG_INT("interpreted_modules", (long long)set->n_interpreted),
                            LOG_INT("workers", a->cfg->workers),
                            LOG_BOOL("tls", a->cfg->cert_file != NULL)}, 8);
    http_server_set_ready(http, true);
    serve_signals(a, http, signals);
    http_server_free(http);
    return 0;
}

int server_run(const server_config *cfg)
{
    char err[ERR_MAX];
    log_init(cfg->log_level, cfg->log_fmt, STDOUT_FILENO);
    log_startup_warnings(cfg);
    if (cfg->daemon && daemonize(cfg, err, sizeof err)) {
        log_event(SERVER_LOG_ERROR, "policy_server", "cannot start", (log_field[]){LOG_STR("error", err)}, 1);
        return 1;
    }
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);   /* before any thread: all inherit it */
    signal(SIGPIPE, SIG_IGN);
    /* A fixed threshold: big per-request blocks (arenas after a large review,
     * guest memories) are always mmap'd, so freeing them returns the memory to
     * the system instead of raising glibc's dynamic threshold and keeping it. */
    mallopt(M_MMAP_THRESHOLD, 128 << 10);
    /* One malloc arena for all threads.  glibc gives each thread its own (up
     * to 8 per core), and each keeps its own high-water mark of a request's
     * temporaries: with --workers 8 that was 0.3-0.5 MiB more at peak than
     * with one worker.  Requests make few malloc calls, most served by the
     * per-thread cache without the arena's lock (docs/server.md, "Memory"). */
    mallopt(M_ARENA_MAX, 1);

    app *a = calloc(1, sizeof *a);
    if (!a)
        return 1;
    a->cfg = cfg;
    a->host = getenv("HOSTNAME") ? getenv("HOSTNAME") : "unknown";
    a->metrics = metrics_new();
    pthread_mutex_init(&a->workers_lock, NULL);
    int rc = a->metrics ? run(a, &signals) : 1;
    policy_set_free(atomic_exchange(&a->current, NULL));
    metrics_free(a->metrics);
    if (a->runtime)
        policy_runtime_free(a->runtime);
    pthread_mutex_destroy(&a->workers_lock);
    free(a);
    if (cfg->daemon)
        unlink(cfg->daemon_pid_file);
    return rc;
}
