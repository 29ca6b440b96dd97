/*
 * test_server_policies.c - the policies file: YAML and JSON, policies and
 * groups, module sources, and errors that name the policy and the field.
 */
#include "../../src/server/policies.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

static char err[1024];

static int parse(policies_file *pf, const char *text)
{
    err[0] = '\0';
    return policies_file_parse(pf, text, strlen(text), err, sizeof err);
}

/* Expects a parse error whose message contains every one of the given words. */
static void expect_error(const char *text, const char *w1, const char *w2)
{
    policies_file pf;
    int rc = parse(&pf, text);
    CHECK_INT(rc, -1);
    bool ok = rc == -1 && strstr(err, w1) && (!w2 || strstr(err, w2));
    if (!ok)
        fprintf(stderr, "  error was: %s\n  wanted: %s / %s\n", err, w1, w2 ? w2 : "");
    CHECK(ok);
    if (rc == 0)
        policies_file_free(&pf);
}

static void test_full_policy(void)
{
    policies_file pf;
    const char *yaml =
        "psp-capabilities:\n"
        "  module: /opt/policies/capabilities.wasm\n"
        "  policyMode: monitor\n"
        "  allowedToMutate: true\n"
        "  message: \"My custom error message\"\n"
        "  timeoutEvalSeconds: 3\n"
        "  hostCapabilities: [\"*\", \"oci/*\"]\n"
        "  contextAwareResources:\n"
        "    - {apiVersion: v1, kind: Namespace}\n"
        "  namespacedName: {namespace: x, name: y}\n"
        "  settings:\n"
        "    allowed_capabilities: [\"*\"]\n"
        "    required_drop_capabilities: [KILL]\n"
        "plain:\n"
        "  url: file:///opt/policies/echo.wasm\n";
    CHECK_INT(parse(&pf, yaml), 0);
    CHECK_INT(pf.n_entries, 2);
    const policy_entry *e = policies_file_find(&pf, "psp-capabilities");
    CHECK(e && !e->is_group);
    if (!e)
        return;
    CHECK_INT(e->mode, POLICY_MODE_MONITOR);
    CHECK(e->allowed_to_mutate);
    CHECK_STR(e->message, "My custom error message");
    CHECK_STR(e->policy.module_path, "/opt/policies/capabilities.wasm");
    CHECK(e->policy.module_error == NULL);
    CHECK_INT(e->policy.timeout_ms, 3000);
    CHECK_INT(e->policy.n_host_capabilities, 2);
    CHECK_STR(e->policy.host_capabilities[1], "oci/*");
    CHECK_INT(e->policy.n_context_aware_resources, 1);
    CHECK_STR(e->policy.context_aware_resources[0].kind, "Namespace");
    CHECK(e->policy.settings && e->policy.settings->type == JSON_OBJECT && e->policy.settings->len == 2);

    const policy_entry *p = policies_file_find(&pf, "plain");
    CHECK(p && p->mode == POLICY_MODE_PROTECT && !p->allowed_to_mutate && !p->message);
    CHECK(p && p->policy.settings == NULL && p->policy.host_capabilities == NULL);
    CHECK_STR(p ? p->policy.module_path : NULL, "/opt/policies/echo.wasm");
    CHECK(policies_file_find(&pf, "nope") == NULL);
    policies_file_free(&pf);
}

static void test_json_file(void)
{
    policies_file pf;
    const char *json = "{\"a\":{\"module\":\"./a.wasm\",\"settings\":null,\"allowedToMutate\":false},"
                       "\"b\":{\"module\":\"../b.wasm\",\"policyMode\":\"protect\",\"hostCapabilities\":[]}}";
    CHECK_INT(parse(&pf, json), 0);
    CHECK_INT(pf.n_entries, 2);
    CHECK_STR(pf.entries[0].id, "a");
    CHECK(pf.entries[0].policy.settings == NULL);
    CHECK_STR(pf.entries[1].policy.module_path, "../b.wasm");
    /* an empty list is present (deny all) but not absent */
    CHECK(pf.entries[1].policy.host_capabilities != NULL && pf.entries[1].policy.n_host_capabilities == 0);
    policies_file_free(&pf);

    CHECK_INT(parse(&pf, ""), 0);
    CHECK_INT(pf.n_entries, 0);
    policies_file_free(&pf);
}

static void test_module_sources(void)
{
    policies_file pf;
    const char *yaml = "r: {module: registry://ghcr.io/kubewarden/policies/pod-privileged:v0.2.5}\n"
                       "bare: {module: ghcr.io/kubewarden/policies/pod-privileged:v0.2.5}\n"
                       "h: {module: https://example.com/p.wasm}\n"
                       "x: {module: ftp://example.com/p.wasm}\n";
    CHECK_INT(parse(&pf, yaml), 0);
    const char *r = pf.entries[0].policy.module_error;
    CHECK(r && strstr(r, "'r'") && strstr(r, "registry:// sources are not supported yet"));
    CHECK(pf.entries[0].policy.module_path == NULL);
    const char *bare = pf.entries[1].policy.module_error;
    CHECK(bare && strstr(bare, "'bare'") && strstr(bare, "without a scheme means registry://"));
    const char *h = pf.entries[2].policy.module_error;
    CHECK(h && strstr(h, "https:// sources are not supported yet"));
    const char *x = pf.entries[3].policy.module_error;
    CHECK(x && strstr(x, "unknown scheme"));
    policies_file_free(&pf);
}

static void test_groups(void)
{
    policies_file pf;
    const char *yaml =
        "pod-image-signatures:\n"
        "  policyMode: monitor\n"
        "  expression: \"sigstore_pgp() || (sigstore_gh() && reject_latest())\"\n"
        "  message: \"The group policy is rejected.\"\n"
        "  hostCapabilities: [\"*\"]\n"
        "  policies:\n"
        "    sigstore_pgp:\n"
        "      module: /p/verify.wasm\n"
        "      settings: {signatures: [{image: \"*\"}]}\n"
        "    sigstore_gh:\n"
        "      module: /p/verify.wasm\n"
        "      timeoutEvalSeconds: 5\n"
        "    reject_latest:\n"
        "      module: /p/trusted.wasm\n"
        "      hostCapabilities: [\"oci/*\"]\n";
    CHECK_INT(parse(&pf, yaml), 0);
    const policy_entry *g = policies_file_find(&pf, "pod-image-signatures");
    CHECK(g && g->is_group);
    if (!g)
        return;
    CHECK_INT(g->mode, POLICY_MODE_MONITOR);
    CHECK(!g->allowed_to_mutate);
    CHECK_STR(g->expression, "sigstore_pgp() || (sigstore_gh() && reject_latest())");
    CHECK_STR(g->message, "The group policy is rejected.");
    CHECK_INT(g->n_members, 3);
    CHECK_STR(g->members[0].name, "sigstore_pgp");
    CHECK(g->members[0].settings != NULL);
    CHECK_INT(g->members[1].timeout_ms, 5000);
    CHECK_STR(g->members[2].host_capabilities[0], "oci/*");
    policies_file_free(&pf);
}

static void test_errors(void)
{
    expect_error("a/b: {module: /x.wasm}\n", "'a/b'", "contains a '/'");
    expect_error("a: {module: /x.wasm, policyMode: audit}\n", "policy 'a'", "policyMode");
    expect_error("a: {module: 42}\n", "policy 'a'", "'module'");
    expect_error("a: {module: /x.wasm, url: /y.wasm}\n", "policy 'a'", "'url'");
    expect_error("a: {policyMode: protect}\n", "policy 'a'", "missing field 'module'");
    expect_error("a: {module: /x.wasm, settings: [1, 2]}\n", "policy 'a'", "'settings'");
    expect_error("a: {module: /x.wasm, allowedToMutate: yes please}\n", "policy 'a'", "allowedToMutate");
    expect_error("a: {module: /x.wasm, timeoutEvalSeconds: -1}\n", "policy 'a'", "timeoutEvalSeconds");
    expect_error("a: {module: /x.wasm, timeoutEvalSeconds: 1.5}\n", "policy 'a'", "timeoutEvalSeconds");
    expect_error("a: {module: /x.wasm, hostCapabilities: oci}\n", "policy 'a'", "hostCapabilities");
    expect_error("a: {module: /x.wasm, hostCapabilities: [1]}\n", "policy 'a'", "hostCapabilities");
    expect_error("a: {module: /x.wasm, contextAwareResources: [{kind: Pod}]}\n", "policy 'a'",
                 "contextAwareResources");
    expect_error("a: {module: /x.wasm, message: [m]}\n", "policy 'a'", "'message'");
    expect_error("a: 12\n", "policy 'a'", "expected a mapping");
    expect_error("- a\n- b\n", "expected a mapping of policy id", NULL);
    expect_error("a: {module: /x.wasm}\na: {module: /y.wasm}\n", "duplicate", "'a'");
    /* groups */
    expect_error("g: {expression: \"a()\", policies: {a: {module: /x.wasm}}}\n", "policy group 'g'",
                 "missing field 'message'");
    expect_error("g: {message: m, policies: {a: {module: /x.wasm}}}\n", "policy group 'g'",
                 "missing field 'expression'");
    expect_error("g: {message: m, expression: \"a()\"}\n", "policy group 'g'", "missing field 'policies'");
    expect_error("g: {message: m, expression: \"a()\", policies: {}}\n", "policy group 'g'", "'policies'");
    expect_error("g: {message: m, expression: \"a()\", policies: {a: {module: /x.wasm, policyMode: monitor}}}\n",
                 "member 'a'", "unknown field 'policyMode'");
    expect_error("g: {message: m, expression: \"a()\", policies: {a: {module: /x.wasm, allowedToMutate: true}}}\n",
                 "member 'a'", "unknown field 'allowedToMutate'");
    expect_error("g: {message: m, expression: \"a()\", policies: {\"x/y\": {module: /x.wasm}}}\n",
                 "member 'x/y'", "'/'");
    expect_error("g: {message: m, expression: \"a()\", policies: {a: {settings: {}}}}\n", "member 'a'",
                 "missing field 'module'");
    /* malformed YAML: position reported */
    expect_error("a:\n  module: /x.wasm\n  settings: {unclosed: [1, 2}\n", "line 3", NULL);
    expect_error("a: {module: \"/x.wasm}\n", "invalid YAML", NULL);
    expect_error("a:\n\tmodule: /x.wasm\n", "invalid YAML", NULL);
    /* the location is said once, by the parser */
    expect_error("a: [\n", "invalid YAML/JSON: YAML: ", "at line 2 column 1");
    CHECK(strstr(err, "line 2") && !strstr(strstr(err, "line 2") + 1, "line 2"));
    /* an empty mapping, before anything else was parsed, is a valid empty file */
    policies_file pf;
    CHECK_INT(parse(&pf, "{}"), 0);
    policies_file_free(&pf);
}

static void test_load_missing_file(void)
{
    policies_file pf;
    CHECK_INT(policies_file_load(&pf, "/nonexistent/policies.yml", err, sizeof err), -1);
    CHECK(strstr(err, "/nonexistent/policies.yml") && strstr(err, "No such file"));
}

/* Random edits of a valid file give a parse or an error message, never a crash. */
static void test_mutated_files(void)
{
    const char *valid = "p:\n  module: /x.wasm\n  policyMode: monitor\n  settings: {a: [1, 2]}\n"
                        "g:\n  expression: \"a() || !b()\"\n  message: m\n  policies:\n"
                        "    a: {module: file:///a.wasm, timeoutEvalSeconds: 2}\n    b: {module: ./b.wasm}\n";
    static const char alphabet[] = "{}[]:,-'\"#&*!|>\n\t 0123456789abcxyz/\\";
    size_t len = strlen(valid);
    char text[512];
    unsigned seed = 777;
    int bad = 0;
    for (int i = 0; i < 5000; i++) {
        memcpy(text, valid, len + 1);
        size_t n = len;
        for (int edits = 1 + i % 3; edits > 0 && n > 0; edits--) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % n;
            seed = seed * 1103515245u + 12345u;
            if ((seed >> 16) % 2)
                text[at] = alphabet[(seed >> 4) % (sizeof alphabet - 1)];
            else
                memmove(text + at, text + at + 1, n-- - at);
        }
        policies_file pf;
        err[0] = '\0';
        int rc = policies_file_parse(&pf, text, n, err, sizeof err);
        if (rc == 0)
            policies_file_free(&pf);
        else if (err[0] == '\0')
            bad++;
    }
    CHECK_INT(bad, 0);
}

int main(void)
{
    test_full_policy();
    test_json_file();
    test_module_sources();
    test_groups();
    test_errors();
    test_load_missing_file();
    test_mutated_files();
    TEST_DONE();
}
