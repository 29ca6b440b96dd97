/*
 * config.c - policy-server flags and their KUBEWARDEN_* environment variables,
 * with clap's semantics: a flag on the command line wins, else its variable,
 * else the default.  Boolean flags are presence flags; their variables accept
 * clap's "boolish" spellings.  One table drives parsing and --help.
 */
#include "server.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define KWC_VERSION "0.1.0"

typedef enum option_kind {
    OPT_STRING, OPT_PORT, OPT_COUNT, OPT_SECONDS, OPT_BYTES, OPT_BOOL, OPT_LOG_LEVEL, OPT_LOG_FMT
} option_kind;

typedef struct option_spec {
    const char *flag;              /* without the leading "--" */
    const char *env;
    option_kind kind;
    size_t offset;                 /* into server_config; NO_FIELD: accepted, not used */
    const char *value_name;
    const char *help;
    const char *unsupported;       /* non-NULL: the startup warning when given */
} option_spec;

#define NO_FIELD SIZE_MAX
#define FIELD(name) offsetof(server_config, name)

static const option_spec options[] = {
    {"addr", "KUBEWARDEN_BIND_ADDRESS", OPT_STRING, FIELD(addr), "BIND_ADDRESS",
     "Bind address of both listeners [default: 0.0.0.0]", NULL},
    {"port", "KUBEWARDEN_PORT", OPT_PORT, FIELD(port), "PORT",
     "Port of the API listener [default: 3000]", NULL},
    {"readiness-probe-port", "KUBEWARDEN_READINESS_PROBE_PORT", OPT_PORT, FIELD(readiness_probe_port),
     "PORT", "Port of the plain-HTTP probe listener: GET /readiness, GET /metrics [default: 8081]", NULL},
    {"workers", "KUBEWARDEN_WORKERS", OPT_COUNT, FIELD(workers), "N",
     "Number of concurrent policy evaluations [default: number of CPUs]", NULL},
    {"cert-file", "KUBEWARDEN_CERT_FILE", OPT_STRING, FIELD(cert_file), "PATH",
     "PEM server certificate (chain allowed); enables TLS together with --key-file", NULL},
    {"key-file", "KUBEWARDEN_KEY_FILE", OPT_STRING, FIELD(key_file), "PATH",
     "PEM private key of the server certificate", NULL},
    {"client-ca-file", "KUBEWARDEN_CLIENT_CA_FILE", OPT_STRING, FIELD(client_ca_file), "PATH[,PATH...]",
     "PEM CA bundles (comma-separated) that client certificates must chain to; enables mTLS", NULL},
    {"policies", "KUBEWARDEN_POLICIES", OPT_STRING, FIELD(policies), "FILE",
     "Policies file, YAML or JSON [default: policies.yml]", NULL},
    {"policies-download-dir", "KUBEWARDEN_POLICIES_DOWNLOAD_DIR", OPT_STRING, FIELD(policies_download_dir),
     "DIR", "Root of the policy store [default: .]", NULL},
    {"log-level", "KUBEWARDEN_LOG_LEVEL", OPT_LOG_LEVEL, FIELD(log_level), "LEVEL",
     "trace, debug, info, warn or error [default: info]", NULL},
    {"log-fmt", "KUBEWARDEN_LOG_FMT", OPT_LOG_FMT, FIELD(log_fmt), "FORMAT",
     "text or json (otlp is accepted and logs text) [default: text]", NULL},
    {"always-accept-admission-reviews-on-namespace",
     "KUBEWARDEN_ALWAYS_ACCEPT_ADMISSION_REVIEWS_ON_NAMESPACE", OPT_STRING, FIELD(always_accept_namespace),
     "NAMESPACE", "Accept every request of this namespace without evaluating it", NULL},
    {"policy-timeout", "KUBEWARDEN_POLICY_TIMEOUT", OPT_SECONDS, FIELD(policy_timeout), "SECONDS",
     "Evaluation timeout of every policy without timeoutEvalSeconds [default: 2]", NULL},
    {"disable-timeout-protection", "KUBEWARDEN_DISABLE_TIMEOUT_PROTECTION", OPT_BOOL,
     FIELD(disable_timeout_protection), NULL,
     "No global evaluation timeout (timeoutEvalSeconds still applies)", NULL},
    {"continue-on-errors", "KUBEWARDEN_CONTINUE_ON_ERRORS", OPT_BOOL, FIELD(continue_on_errors), NULL,
     "Keep serving when a policy fails to load; it then rejects every request with code 500", NULL},
    {"daemon", "KUBEWARDEN_DAEMON", OPT_BOOL, FIELD(daemon), NULL,
     "Run in the background (double fork) after parsing the configuration", NULL},
    {"daemon-pid-file", "KUBEWARDEN_DAEMON_PID_FILE", OPT_STRING, FIELD(daemon_pid_file), "PATH",
     "PID file written by --daemon [default: policy-server.pid]", NULL},
    {"daemon-stdout-file", "KUBEWARDEN_DAEMON_STDOUT_FILE", OPT_STRING, FIELD(daemon_stdout_file), "PATH",
     "Where --daemon sends stdout [default: /dev/null]", NULL},
    {"daemon-stderr-file", "KUBEWARDEN_DAEMON_STDERR_FILE", OPT_STRING, FIELD(daemon_stderr_file), "PATH",
     "Where --daemon sends stderr [default: /dev/null]", NULL},
    {"enable-metrics", "KUBEWARDEN_ENABLE_METRICS", OPT_BOOL, FIELD(enable_metrics), NULL,
     "Serve Prometheus metrics at GET /metrics on the probe port (no OTLP push)", NULL},
    {"ignore-kubernetes-connection-failure", "KUBEWARDEN_IGNORE_KUBERNETES_CONNECTION_FAILURE", OPT_BOOL,
     FIELD(ignore_kubernetes_connection_failure), NULL,
     "Accepted for compatibility: no Kubernetes client is built yet, startup never needs one", NULL},
    {"max-body-size", "KUBEWARDEN_MAX_BODY_SIZE", OPT_BYTES, FIELD(max_body_size), "BYTES",
     "Largest request body accepted, e.g. 4194304, 4096K or 4M; larger ones get 413 [default: 4M]", NULL},
    {"sigstore-cache-dir", "KUBEWARDEN_SIGSTORE_CACHE_DIR", OPT_STRING, NO_FIELD, "DIR",
     "Not supported yet (signature verification)",
     "--sigstore-cache-dir is not supported yet: signature verification is not implemented"},
    {"sigstore-trust-config", "KUBEWARDEN_SIGSTORE_TRUST_CONFIG_PATH", OPT_STRING, NO_FIELD, "PATH",
     "Not supported yet (signature verification)",
     "--sigstore-trust-config is not supported yet: signature verification is not implemented"},
    {"sources-path", "KUBEWARDEN_SOURCES_PATH", OPT_STRING, NO_FIELD, "FILE",
     "Not supported yet (registry sources)",
     "--sources-path is not supported yet: only local policy modules can be loaded"},
    {"verification-path", "KUBEWARDEN_VERIFICATION_CONFIG_PATH", OPT_STRING, NO_FIELD, "FILE",
     "Not supported yet (module signature verification)",
     "--verification-path is not supported yet: policy modules are NOT verified"},
    {"docker-config-json-path", "KUBEWARDEN_DOCKER_CONFIG_JSON_PATH", OPT_STRING, NO_FIELD, "PATH",
     "Not supported yet (registry authentication)",
     "--docker-config-json-path is not supported yet: only local policy modules can be loaded"},
    {"enable-pprof", "KUBEWARDEN_ENABLE_PPROF", OPT_BOOL, NO_FIELD, NULL,
     "Not supported yet (profiling endpoints)",
     "--enable-pprof is not supported yet: /debug/pprof endpoints are not served"},
    {"log-no-color", "NO_COLOR", OPT_BOOL, NO_FIELD, NULL,
     "Accepted for compatibility: logs are never coloured", NULL},
};

enum { OPTION_COUNT = sizeof options / sizeof options[0] };

static void set_error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static void set_defaults(server_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->addr = "0.0.0.0";
    cfg->port = 3000;
    cfg->readiness_probe_port = 8081;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    cfg->workers = cpus > 0 ? (int)cpus : 1;
    cfg->policies = "policies.yml";
    cfg->policies_download_dir = ".";
    cfg->log_level = SERVER_LOG_INFO;
    cfg->log_fmt = SERVER_LOG_TEXT;
    cfg->policy_timeout = 2;
    cfg->daemon_pid_file = "policy-server.pid";
    cfg->max_body_size = 4u << 20;
}

/* clap's BoolishValueParser. */
static int parse_boolish(const char *s, bool *out)
{
    static const char *truthy[] = {"y", "yes", "t", "true", "on", "1"};
    static const char *falsy[] = {"n", "no", "f", "false", "off", "0"};
    for (size_t i = 0; i < 6; i++) {
        if (strcasecmp(s, truthy[i]) == 0) { *out = true; return 0; }
        if (strcasecmp(s, falsy[i]) == 0) { *out = false; return 0; }
    }
    return -1;
}

static int parse_unsigned(const char *s, unsigned long long max, unsigned long long *out)
{
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Bytes with an optional K/M/G suffix (powers of 1024; "KiB"/"MiB"/"GiB" too). */
static int parse_bytes(const char *s, size_t *out)
{
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    unsigned shift = 0;
    if (*end) {
        switch (toupper((unsigned char)*end)) {
        case 'K': shift = 10; break;
        case 'M': shift = 20; break;
        case 'G': shift = 30; break;
        default: return -1;
        }
        end++;
        if (strcasecmp(end, "") != 0 && strcasecmp(end, "B") != 0 && strcasecmp(end, "iB") != 0)
            return -1;
    }
    if (v == 0 || v > (SIZE_MAX >> shift) || v << shift > (1ull << 32))
        return -1;
    *out = (size_t)(v << shift);
    return 0;
}

static const char *kind_expectation(option_kind kind)
{
    switch (kind) {
    case OPT_PORT: return "expected a port number 0-65535";
    case OPT_COUNT: return "expected an integer 1-1024";
    case OPT_SECONDS: return "expected a whole number of seconds >= 1";
    case OPT_BYTES: return "expected a size in bytes (1..4G), optionally with a K, M or G suffix";
    case OPT_BOOL: return "expected true/false, yes/no, on/off or 1/0";
    case OPT_LOG_LEVEL: return "expected one of trace, debug, info, warn, error";
    case OPT_LOG_FMT: return "expected one of text, json, otlp";
    case OPT_STRING: return "expected a non-empty value";
    }
    return "";
}

static void add_warning(server_config *cfg, const char *fmt, ...)
{
    if (cfg->warning_count >= SERVER_CONFIG_MAX_WARNINGS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cfg->warnings[cfg->warning_count++], sizeof cfg->warnings[0], fmt, ap);
    va_end(ap);
}

static int parse_log_level(const char *s, server_log_level *out)
{
    static const char *names[] = {"trace", "debug", "info", "warn", "error"};
    for (int i = 0; i < 5; i++)
        if (strcasecmp(s, names[i]) == 0) { *out = (server_log_level)i; return 0; }
    return -1;
}

/* Stores one value; -1 if it does not parse. */
static int apply_value(server_config *cfg, const option_spec *o, const char *value)
{
    char *field = o->offset == NO_FIELD ? NULL : (char *)cfg + o->offset;
    unsigned long long n;
    bool b;
    switch (o->kind) {
    case OPT_STRING:
        if (!*value) return -1;
        if (field) *(const char **)field = value;
        return 0;
    case OPT_PORT:
        if (parse_unsigned(value, 65535, &n)) return -1;
        *(int *)field = (int)n;
        return 0;
    case OPT_COUNT:
        if (parse_unsigned(value, 1024, &n) || n == 0) return -1;
        *(int *)field = (int)n;
        return 0;
    case OPT_SECONDS:
        if (parse_unsigned(value, 86400 * 365, &n) || n == 0) return -1;
        *(unsigned *)field = (unsigned)n;
        return 0;
    case OPT_BYTES:
        return parse_bytes(value, (size_t *)field);
    case OPT_BOOL:
        if (parse_boolish(value, &b)) return -1;
        if (field) *(bool *)field = b;
        return b ? 0 : 1;        /* 1: a false value, so "not given" for warnings */
    case OPT_LOG_LEVEL:
        return parse_log_level(value, (server_log_level *)field);
    case OPT_LOG_FMT:
        if (strcasecmp(value, "text") == 0) { *(server_log_format *)field = SERVER_LOG_TEXT; return 0; }
        if (strcasecmp(value, "json") == 0) { *(server_log_format *)field = SERVER_LOG_JSON; return 0; }
        if (strcasecmp(value, "otlp") == 0) {
            *(server_log_format *)field = SERVER_LOG_TEXT;
            add_warning(cfg, "--log-fmt otlp is not supported yet: no traces are exported, logs are text");
            return 0;
        }
        return -1;
    }
    return -1;
}

static const option_spec *find_option(const char *name, size_t len)
{
    for (size_t i = 0; i < OPTION_COUNT; i++)
        if (strlen(options[i].flag) == len && strncmp(options[i].flag, name, len) == 0)
            return &options[i];
    return NULL;
}

static const char *env_lookup(char **envp, const char *name)
{
    size_t len = strlen(name);
    for (char **e = envp; e && *e; e++)
        if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
            return *e + len + 1;
    return NULL;
}

static void note_given(server_config *cfg, const option_spec *o, int applied)
{
    if (o->unsupported && applied == 0)
        add_warning(cfg, "%s", o->unsupported);
}

static void print_version(FILE *out)
{
    fprintf(out, "policy-server (kwc) %s\n", KWC_VERSION);
}

/* Parses argv into cfg; seen[i] records which options came from the command line. */
static int parse_argv(server_config *cfg, int argc, char **argv, bool *seen, FILE *out,
                      char *err, size_t errlen)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            server_config_print_help(out);
            return SERVER_CONFIG_EXIT;
        }
        if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0) {
            print_version(out);
            return SERVER_CONFIG_EXIT;
        }
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            set_error(err, errlen, "unexpected argument '%s' found (see --help)", arg);
            return SERVER_CONFIG_ERROR;
        }
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        const option_spec *o = find_option(name, name_len);
        if (!o) {
            set_error(err, errlen, "unexpected argument '--%.*s' found (see --help)", (int)name_len, name);
            return SERVER_CONFIG_ERROR;
        }
        size_t idx = (size_t)(o - options);
        if (seen[idx]) {
            set_error(err, errlen, "the argument '--%s' cannot be used multiple times", o->flag);
            return SERVER_CONFIG_ERROR;
        }
        seen[idx] = true;
        const char *value;
        if (o->kind == OPT_BOOL) {
            if (eq) {
                set_error(err, errlen, "unexpected value '%s' for '--%s': it is a flag and takes no value",
                          eq + 1, o->flag);
                return SERVER_CONFIG_ERROR;
            }
            value = "true";
        } else if (eq) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            set_error(err, errlen, "a value is required for '--%s <%s>' but none was supplied",
                      o->flag, o->value_name);
            return SERVER_CONFIG_ERROR;
        }
        int applied = apply_value(cfg, o, value);
        if (applied < 0) {
            set_error(err, errlen, "invalid value '%s' for '--%s <%s>': %s", value, o->flag,
                      o->value_name, kind_expectation(o->kind));
            return SERVER_CONFIG_ERROR;
        }
        note_given(cfg, o, applied);
    }
    return SERVER_CONFIG_OK;
}

static int apply_environment(server_config *cfg, char **envp, const bool *seen, char *err, size_t errlen)
{
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const option_spec *o = &options[i];
        const char *value = seen[i] ? NULL : env_lookup(envp, o->env);
        if (!value || !*value)
            continue;           /* as clap: an empty variable counts as absent */
        /* NO_COLOR is a convention: any value means "no colour". */
        if (o->offset == NO_FIELD && o->kind == OPT_BOOL && strcmp(o->env, "NO_COLOR") == 0)
            continue;
        int applied = apply_value(cfg, o, value);
        if (applied < 0) {
            set_error(err, errlen, "invalid value '%s' for environment variable %s (--%s): %s", value,
                      o->env, o->flag, kind_expectation(o->kind));
            return SERVER_CONFIG_ERROR;
        }
        note_given(cfg, o, applied);
    }
    return SERVER_CONFIG_OK;
}

static int check_consistency(const server_config *cfg, char *err, size_t errlen)
{
    if (!cfg->cert_file != !cfg->key_file) {
        set_error(err, errlen, "--cert-file and --key-file must be given together (got only %s)",
                  cfg->cert_file ? "--cert-file" : "--key-file");
        return SERVER_CONFIG_ERROR;
    }
    if (cfg->client_ca_file && !cfg->cert_file) {
        set_error(err, errlen, "--client-ca-file requires --cert-file and --key-file (mTLS needs TLS)");
        return SERVER_CONFIG_ERROR;
    }
    if (cfg->port != 0 && cfg->port == cfg->readiness_probe_port) {
        set_error(err, errlen, "--port and --readiness-probe-port must differ (both are %d)", cfg->port);
        return SERVER_CONFIG_ERROR;
    }
    return SERVER_CONFIG_OK;
}

static void print_markdown(FILE *out)
{
    fprintf(out, "# policy-server command-line options\n\n"
                 "Each option can also be set with its environment variable, used when the option is "
                 "absent.\n\n| Option | Environment variable | Description |\n|---|---|---|\n");
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const option_spec *o = &options[i];
        fprintf(out, "| `--%s%s%s%s` | `%s` | %s |\n", o->flag, o->value_name ? " <" : "",
                o->value_name ? o->value_name : "", o->value_name ? ">" : "", o->env, o->help);
    }
}

/* `policy-server docs --output FILE`: the options as a markdown table. */
static int write_docs(int argc, char **argv, char *err, size_t errlen)
{
    const char *path = NULL;
    if (argc == 4 && (strcmp(argv[2], "--output") == 0 || strcmp(argv[2], "-o") == 0))
        path = argv[3];
    else if (argc == 3 && strncmp(argv[2], "--output=", 9) == 0)
        path = argv[2] + 9;
    if (!path || !*path) {
        set_error(err, errlen, "usage: policy-server docs --output <FILE>");
        return SERVER_CONFIG_ERROR;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        set_error(err, errlen, "docs: cannot write %s: %s", path, strerror(errno));
        return SERVER_CONFIG_ERROR;
    }
    print_markdown(f);
    if (fclose(f) != 0) {
        set_error(err, errlen, "docs: cannot write %s: %s", path, strerror(errno));
        return SERVER_CONFIG_ERROR;
    }
    return SERVER_CONFIG_EXIT;
}

int server_config_parse(server_config *cfg, int argc, char **argv, char **envp,
                        FILE *out, char *err, size_t errlen)
{
    bool seen[OPTION_COUNT] = {false};
    set_defaults(cfg);
    if (argc >= 2 && strcmp(argv[1], "docs") == 0)
        return write_docs(argc, argv, err, errlen);
    int rc = parse_argv(cfg, argc, argv, seen, out, err, errlen);
    if (rc != SERVER_CONFIG_OK)
        return rc;
    rc = apply_environment(cfg, envp, seen, err, errlen);
    if (rc != SERVER_CONFIG_OK)
        return rc;
    return check_consistency(cfg, err, errlen);
}

void server_config_print_help(FILE *out)
{
    fprintf(out,
            "policy-server (kwc) " KWC_VERSION ": Kubernetes admission webhooks evaluating Kubewarden policies\n\n"
            "Usage: policy-server [OPTIONS]\n\n"
            "Every option can also be set through its environment variable, used when the\n"
            "option is absent from the command line.  Flags without a value are switches;\n"
            "their variables take true/false, yes/no, on/off or 1/0.\n\nOptions:\n");
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const option_spec *o = &options[i];
        char left[96];
        if (o->value_name)
            snprintf(left, sizeof left, "--%s <%s>", o->flag, o->value_name);
        else
            snprintf(left, sizeof left, "--%s", o->flag);
        fprintf(out, "  %s\n          %s\n          [env: %s]\n", left, o->help, o->env);
    }
    fprintf(out, "  -h, --help\n          Print this help\n  -V, --version\n          Print the version\n");
}
