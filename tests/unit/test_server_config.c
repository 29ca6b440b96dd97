/*
 * test_server_config.c - policy-server flags, KUBEWARDEN_* variables, --help.
 */
#include "server.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char err[512];

/* Parses argv (NULL-terminated list after the program name) with envp. */
static int parse(server_config *cfg, char **envp, const char *const *args)
{
    char *argv[32] = {"policy-server"};
    int argc = 1;
    for (; args && args[argc - 1]; argc++)
        argv[argc] = (char *)args[argc - 1];
    err[0] = '\0';
    return server_config_parse(cfg, argc, argv, envp, stdout, err, sizeof err);
}

static void test_defaults(void)
{
    server_config cfg;
    CHECK_INT(parse(&cfg, NULL, NULL), SERVER_CONFIG_OK);
    CHECK_STR(cfg.addr, "0.0.0.0");
    CHECK_INT(cfg.port, 3000);
    CHECK_INT(cfg.readiness_probe_port, 8081);
    CHECK(cfg.workers >= 1);
    CHECK_STR(cfg.policies, "policies.yml");
    CHECK_STR(cfg.policies_download_dir, ".");
    CHECK_INT(cfg.log_level, SERVER_LOG_INFO);
    CHECK_INT(cfg.log_fmt, SERVER_LOG_TEXT);
    CHECK_INT(cfg.policy_timeout, 2);
    CHECK(!cfg.disable_timeout_protection && !cfg.continue_on_errors && !cfg.daemon && !cfg.enable_metrics);
    CHECK_STR(cfg.daemon_pid_file, "policy-server.pid");
    CHECK(cfg.cert_file == NULL && cfg.key_file == NULL && cfg.always_accept_namespace == NULL);
    CHECK_INT(cfg.max_body_size, 4 << 20);
    CHECK_INT(cfg.warning_count, 0);
}

static void test_flags(void)
{
    server_config cfg;
    const char *args[] = {"--addr", "127.0.0.1", "--port=8443", "--readiness-probe-port", "9000",
                          "--workers", "3", "--policies", "p.yaml", "--log-level", "debug", "--log-fmt=json",
                          "--policy-timeout", "7", "--continue-on-errors", "--enable-metrics",
                          "--always-accept-admission-reviews-on-namespace", "kube-system",
                          "--cert-file", "c.pem", "--key-file", "k.pem", "--client-ca-file", "a.pem,b.pem",
                          "--max-body-size", "8M", "--disable-timeout-protection", NULL};
    CHECK_INT(parse(&cfg, NULL, args), SERVER_CONFIG_OK);
    CHECK_STR(cfg.addr, "127.0.0.1");
    CHECK_INT(cfg.port, 8443);
    CHECK_INT(cfg.readiness_probe_port, 9000);
    CHECK_INT(cfg.workers, 3);
    CHECK_STR(cfg.policies, "p.yaml");
    CHECK_INT(cfg.log_level, SERVER_LOG_DEBUG);
    CHECK_INT(cfg.log_fmt, SERVER_LOG_JSON);
    CHECK_INT(cfg.policy_timeout, 7);
    CHECK(cfg.continue_on_errors && cfg.enable_metrics && cfg.disable_timeout_protection);
    CHECK_STR(cfg.always_accept_namespace, "kube-system");
    CHECK_STR(cfg.client_ca_file, "a.pem,b.pem");
    CHECK_INT(cfg.max_body_size, 8 << 20);
}

static void test_environment(void)
{
    server_config cfg;
    char *env[] = {"KUBEWARDEN_PORT=4000", "KUBEWARDEN_POLICIES=/etc/kw/policies.yml",
                   "KUBEWARDEN_CONTINUE_ON_ERRORS=yes", "KUBEWARDEN_DAEMON=false",
                   "KUBEWARDEN_ENABLE_METRICS=1", "KUBEWARDEN_LOG_LEVEL=warn", "KUBEWARDEN_MAX_BODY_SIZE=3MiB",
                   "KUBEWARDEN_BIND_ADDRESS=::1", "OTHER=x", NULL};
    CHECK_INT(parse(&cfg, env, NULL), SERVER_CONFIG_OK);
    CHECK_INT(cfg.port, 4000);
    CHECK_STR(cfg.policies, "/etc/kw/policies.yml");
    CHECK(cfg.continue_on_errors);
    CHECK(!cfg.daemon);
    CHECK(cfg.enable_metrics);
    CHECK_INT(cfg.log_level, SERVER_LOG_WARN);
    CHECK_INT(cfg.max_body_size, 3 << 20);
    CHECK_STR(cfg.addr, "::1");

    /* the flag wins over its variable */
    const char *args[] = {"--port", "5000", NULL};
    CHECK_INT(parse(&cfg, env, args), SERVER_CONFIG_OK);
    CHECK_INT(cfg.port, 5000);
    CHECK_STR(cfg.policies, "/etc/kw/policies.yml");

    char *bad[] = {"KUBEWARDEN_PORT=http", NULL};
    CHECK_INT(parse(&cfg, bad, NULL), SERVER_CONFIG_ERROR);
    CHECK(strstr(err, "KUBEWARDEN_PORT") && strstr(err, "'http'"));
    char *bad_bool[] = {"KUBEWARDEN_CONTINUE_ON_ERRORS=maybe", NULL};
    CHECK_INT(parse(&cfg, bad_bool, NULL), SERVER_CONFIG_ERROR);
    CHECK(strstr(err, "KUBEWARDEN_CONTINUE_ON_ERRORS") != NULL);
    char *empty[] = {"KUBEWARDEN_PORT=", "KUBEWARDEN_ALWAYS_ACCEPT_ADMISSION_REVIEWS_ON_NAMESPACE=",
                     "KUBEWARDEN_DAEMON=", NULL};
    CHECK_INT(parse(&cfg, empty, NULL), SERVER_CONFIG_OK);
    CHECK(cfg.port == 3000 && cfg.always_accept_namespace == NULL && !cfg.daemon);
    char *boolish[] = {"KUBEWARDEN_CONTINUE_ON_ERRORS=TRUE", "KUBEWARDEN_DAEMON=off", NULL};
    CHECK_INT(parse(&cfg, boolish, NULL), SERVER_CONFIG_OK);
    CHECK(cfg.continue_on_errors && !cfg.daemon);
}

static void test_bad_flags(void)
{
    server_config cfg;
    const char *unknown[] = {"--frobnicate", NULL};
    CHECK_INT(parse(&cfg, NULL, unknown), SERVER_CONFIG_ERROR);
    CHECK(strstr(err, "--frobnicate") != NULL);
    const char *positional[] = {"policies.yml", NULL};
    CHECK_INT(parse(&cfg, NULL, positional), SERVER_CONFIG_ERROR);
    CHECK(strstr(err, "policies.yml") != NULL);
    const char *port[] = {"--port", "70000", NULL};
    CHECK_INT(parse(&cfg, NULL, port), SERVER_CONFIG_ERROR);
    CHECK(strstr(err, "--port") && strstr(err, "70000"));
    const char *neg[] = {"--workers", "-1", NULL};
    CHECK_INT(parse(&cfg, NULL, neg), SERVER_CONFIG_ERROR);
    CHECK(strstr(err, "--workers") != NULL);
    const char *zero_timeout[] = {"--policy-timeout", "0", NULL};
    CHECK_INT(parse(&cfg, NULL, zero_timeout), SERVER_CONFIG_ERROR);
    const char *missing[] = {"--policies", NULL};
    CHECK_INT(parse(&cfg, NULL, missing), SERVER_CONFIG_ERROR);
    CHECK(strstr(err, "--policies") && strstr(err, "value is required"));
    const char *bool_value[] = {"--daemon=yes", NULL};
    CHECK_INT(parse(&cfg, NULL, bool_value), SERVER_CONFIG_ERROR);
    CHECK(strstr(err, "--daemon") != NULL);
    const char *level[] = {"--log-level", "loud", NULL};
    CHECK_INT(parse(&cfg, NULL, level), SERVER_CONFIG_ERROR);
    CHECK(strstr(err, "--log-level") && strstr(err, "trace"));
    const char *fmt[] = {"--log-fmt", "xml", NULL};
    CHECK_INT(parse(&cfg, NULL, fmt), SERVER_CONFIG_ERROR);
    const char *twice[] = {"--port", "1", "--port", "2", NULL};
    CHECK_INT(parse(&cfg, NULL, twice), SERVER_CONFIG_ERROR);
    CHECK(strstr(err, "multiple") != NULL);
    const char *cert_only[] = {"--cert-file", "c.pem", NULL};
    CHECK_INT(parse(&cfg, NULL, cert_only), SERVER_CONFIG_ERROR);
    CHECK(strstr(err, "--key-file") != NULL);
    const char *ca_only[] = {"--client-ca-file", "ca.pem", NULL};
    CHECK_INT(parse(&cfg, NULL, ca_only), SERVER_CONFIG_ERROR);
    const char *same_ports[] = {"--port", "9000", "--readiness-probe-port", "9000", NULL};
    CHECK_INT(parse(&cfg, NULL, same_ports), SERVER_CONFIG_ERROR);
    const char *sizes[] = {"--max-body-size", "12X", NULL};
    CHECK_INT(parse(&cfg, NULL, sizes), SERVER_CONFIG_ERROR);
    CHECK(strstr(err, "--max-body-size") != NULL);
    const char *kib[] = {"--max-body-size", "512K", NULL};
    CHECK_INT(parse(&cfg, NULL, kib), SERVER_CONFIG_OK);
    CHECK_INT(cfg.max_body_size, 512 << 10);
    const char *empty[] = {"--addr=", NULL};
    CHECK_INT(parse(&cfg, NULL, empty), SERVER_CONFIG_ERROR);
}

static void test_unsupported_flags_warn(void)
{
    server_config cfg;
    const char *args[] = {"--sources-path", "s.yml", "--verification-path", "v.yml", "--log-fmt", "otlp",
                          "--enable-pprof", NULL};
    CHECK_INT(parse(&cfg, NULL, args), SERVER_CONFIG_OK);
    CHECK_INT(cfg.warning_count, 4);
    CHECK(strstr(cfg.warnings[0], "--sources-path") && strstr(cfg.warnings[0], "not supported yet"));
    CHECK(strstr(cfg.warnings[1], "--verification-path") != NULL);
    CHECK(strstr(cfg.warnings[2], "otlp") != NULL);
    CHECK(strstr(cfg.warnings[3], "--enable-pprof") != NULL);
    CHECK_INT(cfg.log_fmt, SERVER_LOG_TEXT);
    char *env[] = {"KUBEWARDEN_SIGSTORE_TRUST_CONFIG_PATH=/t.json", "KUBEWARDEN_ENABLE_PPROF=false",
                   "NO_COLOR=1", NULL};
    CHECK_INT(parse(&cfg, env, NULL), SERVER_CONFIG_OK);
    CHECK_INT(cfg.warning_count, 1);     /* pprof=false and NO_COLOR are not warnings */
    CHECK(strstr(cfg.warnings[0], "--sigstore-trust-config") != NULL);
}

static void test_help(void)
{
    static const char *expected[] = {"--addr", "--port", "--readiness-probe-port", "--workers", "--cert-file",
                                     "--key-file", "--client-ca-file", "--policies ", "--policies-download-dir",
                                     "--log-level", "--log-fmt", "--always-accept-admission-reviews-on-namespace",
                                     "--policy-timeout", "--disable-timeout-protection", "--continue-on-errors",
                                     "--daemon ", "--daemon-pid-file", "--daemon-stdout-file",
                                     "--daemon-stderr-file", "--enable-metrics",
                                     "--ignore-kubernetes-connection-failure", "--max-body-size",
                                     "KUBEWARDEN_MAX_BODY_SIZE", "KUBEWARDEN_POLICY_TIMEOUT", "/metrics"};
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    server_config_print_help(out);
    fclose(out);
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        char want[80];
        snprintf(want, sizeof want, "%s", expected[i]);
        if (!strstr(text, want))
            fprintf(stderr, "help lacks %s\n", want);
        CHECK(strstr(text, want) != NULL);
    }
    free(text);

    server_config cfg;
    out = open_memstream(&text, &len);
    char *argv[] = {"policy-server", "--help", NULL};
    CHECK_INT(server_config_parse(&cfg, 2, argv, NULL, out, err, sizeof err), SERVER_CONFIG_EXIT);
    fclose(out);
    CHECK(strstr(text, "Usage: policy-server") != NULL);
    free(text);
}

static void test_docs_subcommand(void)
{
    server_config cfg;
    char path[] = "/tmp/kwc-docs-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    char *argv[] = {"policy-server", "docs", "--output", path, NULL};
    CHECK_INT(server_config_parse(&cfg, 4, argv, NULL, stdout, err, sizeof err), SERVER_CONFIG_EXIT);
    FILE *f = fopen(path, "r");
    char text[16384] = "";
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    text[n] = '\0';
    if (f)
        fclose(f);
    unlink(path);
    CHECK(strstr(text, "| `--policy-timeout <SECONDS>` | `KUBEWARDEN_POLICY_TIMEOUT` |") != NULL);
    char *bad[] = {"policy-server", "docs", NULL};
    CHECK_INT(server_config_parse(&cfg, 2, bad, NULL, stdout, err, sizeof err), SERVER_CONFIG_ERROR);
    CHECK(strstr(err, "docs --output") != NULL);
}

int main(void)
{
    test_defaults();
    test_flags();
    test_environment();
    test_bad_flags();
    test_unsupported_flags_warn();
    test_help();
    test_docs_subcommand();
    TEST_DONE();
}
