/*
 * server.h - the policy-server: configuration (flags, KUBEWARDEN_* environment),
 * and the server's life cycle.  This is all src/cli/policy-server.c needs; the
 * rest of the layer (policies file, admission pipeline, metrics, logs, the HTTP
 * transport) is private to src/server/.
 *
 * Usage:
 *     server_config cfg;
 *     int rc = server_config_parse(&cfg, argc, argv, environ, err, sizeof err);
 *     if (rc == SERVER_CONFIG_EXIT) exit 0 (--help / --version were printed)
 *     if (rc == SERVER_CONFIG_ERROR) print err, exit 2
 *     return server_run(&cfg);
 */
#ifndef SERVER_H
#define SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum server_log_level {
    SERVER_LOG_TRACE, SERVER_LOG_DEBUG, SERVER_LOG_INFO, SERVER_LOG_WARN, SERVER_LOG_ERROR
} server_log_level;

typedef enum server_log_format { SERVER_LOG_TEXT, SERVER_LOG_JSON } server_log_format;

enum { SERVER_CONFIG_MAX_WARNINGS = 16 };

/* Every string points into argv, the environment or a literal: nothing to free. */
typedef struct server_config {
    const char *addr;                 /* --addr, both listeners */
    int port;                         /* --port, API listener */
    int readiness_probe_port;         /* --readiness-probe-port: /readiness and /metrics */
    int workers;                      /* --workers: concurrent evaluations */
    const char *cert_file, *key_file; /* NULL: plain HTTP */
    const char *client_ca_file;       /* comma-separated list; enables mTLS */
    const char *policies;             /* --policies: the policies file */
    const char *policies_download_dir;
    server_log_level log_level;
    server_log_format log_fmt;
    const char *always_accept_namespace;   /* NULL: none */
    unsigned policy_timeout;          /* seconds */
    bool disable_timeout_protection;
    bool continue_on_errors;
    bool daemon;
    const char *daemon_pid_file, *daemon_stdout_file, *daemon_stderr_file;
    bool enable_metrics;              /* serves GET /metrics on the probe port */
    bool ignore_kubernetes_connection_failure;
    size_t max_body_size;             /* bytes; larger request bodies get 413 */
    /* Flags accepted for compatibility that cannot work yet: server_run() logs
     * each of these at WARN before it starts. */
    char warnings[SERVER_CONFIG_MAX_WARNINGS][240];
    int warning_count;
} server_config;

enum { SERVER_CONFIG_OK = 0, SERVER_CONFIG_EXIT = 1, SERVER_CONFIG_ERROR = -1 };

/* Flags first, then the KUBEWARDEN_* variable of each flag that is absent from
 * argv (envp is a NULL-terminated "NAME=value" array, e.g. environ), then the
 * defaults.  --help and --version print to `out` and return SERVER_CONFIG_EXIT.
 * On a bad flag or value, err names it and SERVER_CONFIG_ERROR is returned. */
int server_config_parse(server_config *cfg, int argc, char **argv, char **envp,
                        FILE *out, char *err, size_t errlen);

void server_config_print_help(FILE *out);

/* Loads the policies, starts the listeners and serves until SIGTERM/SIGINT
 * (drain, then return 0); SIGHUP reloads the policies file.  Returns the process
 * exit status: non-zero when startup fails. */
int server_run(const server_config *cfg);

#ifdef __cplusplus
}
#endif
#endif /* SERVER_H */
