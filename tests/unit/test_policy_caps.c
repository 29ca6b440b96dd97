/*
 * test_policy_caps.c - host capabilities (spec §2.4): hostCapabilities pattern
 * validation, the gating rules in order with their exact texts, contextAware
 * resources, tracing/log reaching the embedder's log callback with the policy
 * id, and dispatch to a backend.  Driven through wapc_guest.wasm's "cap:"
 * command, which makes one __host_call and reports the reply or error.
 */
#include "policy_fixture.h"
#include "test.h"

static char req[1024], out[4096], err[512];

/* A kubernetes backend for the tests: answers get_resource, fails can_i. */
static int test_backend(void *ctx, json_arena *a, const policy_host_call *call, json_buf *reply)
{
    int *calls = ctx;
    (*calls)++;
    if (strcmp(call->op, "can_i") == 0) {
        json_buf_puts(reply, "the API server said no");
        return -1;
    }
    json_buf_printf(reply, "{\"kind\":\"%s\",\"policy\":\"%s\"}", json_get_string(call->payload, "kind"),
                    call->policy_id);
    return 0;
}

/* The message the guest reported for one host call made by a policy with these options. */
static const char *call_with(policy_module *m, policy_options *o, const char *spec)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "cap:%s", spec);
    policy *p = make_policy(m, "caps", NULL, o, err, sizeof err);
    if (!p)
        return "POLICY REJECTED";
    evaluate(p, request_for(cmd, req, sizeof req), NULL, out, sizeof out);
    policy_free(p);
    static char msg[2048];
    const char *s = strstr(out, "\"message\":\"");
    const char *e = s ? strstr(s, "\"},\"auditAnnotations\"") : NULL;
    if (!s || !e)
        return out;
    s += 11;
    snprintf(msg, sizeof msg, "%.*s", (int)(e - s), s);
    return msg;
}

static void test_patterns(policy_module *m)
{
    static const char *const good[] = { "*", "oci/*", "oci/v1/*", "kubernetes/get_resource", "net/v1/dns_lookup_host",
                                        "crypto/*", "kubernetes/*", "oci/v2/verify", " oci/v2/* " };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        policy_options o = { .raw = -1, .host_capabilities = &good[i], .n_host_capabilities = 1 };
        policy *p = make_policy(m, "ok", NULL, &o, err, sizeof err);
        CHECK(p != NULL);
        policy_free(p);
    }
    static const struct { const char *pattern, *error; } bad[] = {
        { "oci/v1", "invalid host capability pattern 'oci/v1': incomplete capability path: use 'oci/v1/*' to "
                    "allow everything under it" },
        { "oci", "invalid host capability pattern 'oci': incomplete capability path: use 'oci/*' to allow "
                 "everything under it" },
        { "oci/v1/oci_*", "invalid host capability pattern 'oci/v1/oci_*': the wildcard must be a whole last "
                          "segment ('*' or '<prefix>/*')" },
        { "oci*", "invalid host capability pattern 'oci*': the wildcard must be a whole last segment ('*' or "
                  "'<prefix>/*')" },
        { "foo/*", "invalid host capability pattern 'foo/*': unknown segment 'foo' (valid: crypto, kubernetes, "
                   "net, oci)" },
        { "oci/v3/verify", "invalid host capability pattern 'oci/v3/verify': unknown segment 'v3' (valid: v1, v2)" },
        { "oci/v1/nope", "invalid host capability pattern 'oci/v1/nope': unknown segment 'nope' (valid: "
                         "manifest_digest, oci_manifest, oci_manifest_config, verify)" },
        { "*/verify", "invalid host capability pattern '*/verify': the wildcard must be a whole last segment "
                      "('*' or '<prefix>/*')" },
        { "  ", "invalid host capability pattern '': a pattern cannot be empty" },
        { "kubernetes/get_resource/*", "invalid host capability pattern 'kubernetes/get_resource/*': "
                                       "'kubernetes/get_resource' is a capability, nothing follows it" },
        { "tracing/log", "invalid host capability pattern 'tracing/log': unknown segment 'tracing' (valid: "
                         "crypto, kubernetes, net, oci)" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *list[2] = { "oci/*", bad[i].pattern };
        policy_options o = { .raw = -1, .host_capabilities = list, .n_host_capabilities = 2 };
        CHECK(make_policy(m, "bad", NULL, &o, err, sizeof err) == NULL);
        CHECK_STR(err, bad[i].error);
    }
}

static void test_gating(policy_module *m)
{
    /* `*` allows everything; like upstream, what follows it is not looked at */
    const char *star_first[2] = { "*", "not/a/capability" };
    policy_options star_list = { .raw = -1, .host_capabilities = star_first, .n_host_capabilities = 2 };
    CHECK_STR(call_with(m, &star_list, "kubewarden:oci:v1/verify:image"),
              "err:Callback evaluation failure: the oci host capabilities are not available in this build");
    policy_options none = { .raw = -1 };
    /* 1. binding */
    CHECK_STR(call_with(m, &none, "wapc:tracing:log:log"), "err:unknown binding: wapc");
    /* 2. hostCapabilities absent = deny all but tracing */
    CHECK_STR(call_with(m, &none, "kubewarden:oci:v1/verify:image"),
              "err:Policy has not been granted access to the 'oci/v1/verify' host capability. "
              "The violation has been reported.");
    CHECK_STR(logs.policy_id, "caps");
    CHECK(logs.level == POLICY_LOG_ERROR);
    CHECK_STR(logs.message, "Policy tried to use a host capability it doesn't have access to");
    CHECK_STR(logs.extra, "{\"capability\":\"oci/v1/verify\"}");
    const char *empty[1] = { NULL };
    policy_options deny = { .raw = -1, .host_capabilities = empty, .n_host_capabilities = 0 };
    CHECK(strstr(call_with(m, &deny, "kubewarden:net:v1/dns_lookup_host:image"), "'net/v1/dns_lookup_host'"));
    const char *only_oci[1] = { "oci/v1/*" };
    policy_options oci = { .raw = -1, .host_capabilities = only_oci, .n_host_capabilities = 1 };
    CHECK(strstr(call_with(m, &oci, "kubewarden:oci:v2/verify:image"), "'oci/v2/verify' host capability"));
    CHECK_STR(call_with(m, &oci, "kubewarden:oci:v1/manifest_digest:image"),
              "err:Callback evaluation failure: the oci host capabilities are not available in this build");
    /* 3. unknown targets, once allowed */
    const char *all[1] = { "*" };
    policy_options star = { .raw = -1, .host_capabilities = all, .n_host_capabilities = 1 };
    CHECK_STR(call_with(m, &star, "kubewarden:foo:bar:ns"), "err:unknown namespace: foo");
    CHECK_STR(call_with(m, &star, "kubewarden:oci:v9/verify:ns"), "err:unknown operation: v9/verify");
    CHECK_STR(call_with(m, &star, "kubewarden:tracing:print:log"), "err:unknown operation: print");
    /* 4. the payload must be JSON */
    CHECK(strncmp(call_with(m, &star, "kubewarden:net:v1/dns_lookup_host:bad"), "err:", 4) == 0);
    CHECK(strstr(out, "offset"));
    /* 5. Kubernetes reads need contextAwareResources */
    CHECK_STR(call_with(m, &star, "kubewarden:kubernetes:get_resource:ns"),
              "err:Policy has not been granted access to Kubernetes v1/Namespace resources. "
              "The violation has been reported.");
    CHECK_STR(logs.extra, "{\"resource_requested\":\"v1/Namespace\"}");
    CHECK(logs.level == POLICY_LOG_ERROR);
    policy_resource ns = { "v1", "Namespace" };
    policy_options ctx = { .raw = -1, .host_capabilities = all, .n_host_capabilities = 1,
                           .context_aware_resources = &ns, .n_context_aware_resources = 1 };
    CHECK_STR(call_with(m, &ctx, "kubewarden:kubernetes:get_resource:ns"),
              "err:Callback evaluation failure: kube::Client was not initialized properly");
    CHECK(strstr(call_with(m, &ctx, "kubewarden:kubernetes:get_resource:pod"), "Kubernetes v1/Pod resources"));
}

static void test_tracing(policy_module *m)
{
    policy_options none = { .raw = -1 };
    int before = logs.count;
    CHECK_STR(call_with(m, &none, "kubewarden:tracing:log:log"), "ok:");
    CHECK_INT(logs.count, before + 1);
    CHECK(logs.level == POLICY_LOG_WARN);
    CHECK_STR(logs.policy_id, "caps");
    CHECK_STR(logs.message, "hello from the guest");
    CHECK_STR(logs.extra, "{\"line\":7}");
    /* a bad event is the host's problem: the guest still gets success */
    CHECK_STR(call_with(m, &none, "kubewarden:tracing:log:badlevel"), "ok:");
    CHECK_STR(logs.message, "Cannot log event");
    CHECK(logs.level == POLICY_LOG_ERROR);
    CHECK(strstr(logs.extra, "\"error\":\"unknown log level loud\""));
    CHECK_STR(call_with(m, &none, "kubewarden:tracing:log:bad"), "ok:");
    CHECK(strstr(logs.extra, "{\"payload\":\"{not json\",\"error\":"));
}

static void test_backend_dispatch(void)
{
    int calls = 0;
    policy_runtime_config cfg = { .log = capture_log, .log_ctx = &logs };
    cfg.backends[POLICY_CAP_KUBERNETES] = (policy_backend){ test_backend, &calls };
    policy_runtime *rt = policy_runtime_new(&cfg, err, sizeof err);
    policy_module *m = load_guest(rt, "wapc_guest.wasm", -1, err, sizeof err);
    CHECK(m != NULL);
    if (m) {
        const char *k8s[1] = { "kubernetes/*" };
        policy_resource ns = { "v1", "Namespace" };
        policy_options o = { .raw = -1, .host_capabilities = k8s, .n_host_capabilities = 1,
                             .context_aware_resources = &ns, .n_context_aware_resources = 1 };
        CHECK_STR(call_with(m, &o, "kubewarden:kubernetes:get_resource:ns"),
                  "ok:{\\\"kind\\\":\\\"Namespace\\\",\\\"policy\\\":\\\"caps\\\"}");
        CHECK_STR(call_with(m, &o, "kubewarden:kubernetes:can_i:ns"),
                  "err:Callback evaluation failure: the API server said no");
        CHECK_INT(calls, 2);
        policy_module_release(m);
    }
    policy_runtime_free(rt);
}

int main(int argc, char **argv)
{
    fixture_init(argv[0]);
    policy_runtime *rt = new_runtime(1000);
    policy_module *m = rt ? load_guest(rt, "wapc_guest.wasm", -1, err, sizeof err) : NULL;
    CHECK(m != NULL);
    if (m) {
        test_patterns(m);
        test_gating(m);
        test_tracing(m);
        policy_module_release(m);
    }
    policy_runtime_free(rt);
    test_backend_dispatch();
    TEST_DONE();
}
