/*
 * test_policy_real.c - the policy layer running real C policies, as built by
 * mk/policies.mk: pod-privileged (validating, with settings) and
 * capabilities-psp (mutating), through the same calls the server makes, with
 * requests written here.
 */
#include "policy_fixture.h"
#include "test.h"

static char out[8192], err[512];

static const char pod_plain[] =
    "{\"uid\":\"r1\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},\"operation\":\"CREATE\","
    "\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"},"
    "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}}";
static const char pod_privileged_init[] =
    "{\"uid\":\"r2\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},\"operation\":\"CREATE\","
    "\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"},"
    "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}],\"initContainers\":[{\"name\":\"i\","
    "\"image\":\"busybox\",\"securityContext\":{\"privileged\":true}}]}}}";
static const char pod_add_kill[] =
    "{\"uid\":\"r3\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},\"operation\":\"CREATE\","
    "\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"},"
    "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\",\"securityContext\":{\"capabilities\":"
    "{\"add\":[\"KILL\"]}}}]}}}";

/* policies/ is a sibling of tests/ in the build directory. */
static policy_module *load_policy(policy_runtime *rt, const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "../../policies/%s.raw.wasm", name);
    policy_module *m = load_guest(rt, rel, -1, err, sizeof err);
    if (!m)
        fprintf(stderr, "%s: %s\n", name, err);
    return m;
}

static bool settings_valid(policy_module *m, const char *settings, const char **message)
{
    json_arena *a = json_arena_new(1024);
    policy *p = make_policy(m, "s", settings, NULL, err, sizeof err);
    policy_settings_result r = { false, NULL };
    policy_validate_settings(p, a, &r);
    static char msg[256];
    snprintf(msg, sizeof msg, "%s", r.message ? r.message : "");
    *message = msg;
    policy_free(p);
    json_arena_free(a);
    return r.valid;
}

static void test_pod_privileged(policy_runtime *rt)
{
    policy_module *m = load_policy(rt, "pod-privileged");
    CHECK(m != NULL);
    if (!m)
        return;
    policy *p = make_policy(m, "privileged", NULL, NULL, err, sizeof err);
    CHECK_STR(evaluate(p, pod_plain, NULL, out, sizeof out),
              "{\"uid\":\"r1\",\"allowed\":true,\"auditAnnotations\":null,\"warnings\":null}");
    CHECK(strstr(evaluate(p, pod_privileged_init, NULL, out, sizeof out),
                 "{\"uid\":\"r2\",\"allowed\":false,\"status\":{\"message\":\"Privileged init container is not "
                 "allowed\""));
    policy_free(p);
    p = make_policy(m, "privileged", "{\"skip_init_containers\":true}", NULL, err, sizeof err);
    CHECK(strstr(evaluate(p, pod_privileged_init, NULL, out, sizeof out), "\"allowed\":true"));
    policy_free(p);
    const char *msg;
    CHECK(settings_valid(m, "{\"skip_init_containers\":false}", &msg));
    CHECK(!settings_valid(m, "{\"skip_init_containers\":\"yes\"}", &msg));
    CHECK(strstr(msg, "skip_init_containers"));
    char v[16];
    CHECK(policy_module_protocol_version(m, v, sizeof v, err, sizeof err) == 0);
    CHECK_STR(v, "v1");
    policy_module_release(m);
}

static void test_capabilities_psp(policy_runtime *rt)
{
    policy_module *m = load_policy(rt, "capabilities-psp");
    CHECK(m != NULL);
    if (!m)
        return;
    policy *p = make_policy(m, "caps", "{\"allowed_capabilities\":[\"KILL\"],\"default_add_capabilities\":"
                            "[\"CHOWN\"]}", NULL, err, sizeof err);
    evaluate(p, pod_add_kill, NULL, out, sizeof out);
    CHECK(strstr(out, "{\"uid\":\"r3\",\"allowed\":true,\"patchType\":\"JSONPatch\",\"patch\":\""));
    const char *b64 = strstr(out, "\"patch\":\"");
    json_buf patch;
    json_buf_init(&patch);
    CHECK(b64 && base64_decode(&patch, b64 + 9, (size_t)(strchr(b64 + 9, '"') - (b64 + 9))) == 0);
    CHECK(patch.data && strstr(patch.data, "\"CHOWN\"") && strstr(patch.data, "/spec/containers/0/securityContext"));
    json_buf_free(&patch);
    policy_free(p);
    p = make_policy(m, "caps", "{}", NULL, err, sizeof err);
    CHECK(strstr(evaluate(p, pod_add_kill, NULL, out, sizeof out), "\"allowed\":false,\"status\":{\"message\":"));
    policy_free(p);
    policy_module_release(m);
}

int main(int argc, char **argv)
{
    fixture_init(argv[0]);
    policy_runtime *rt = new_runtime(2000);
    if (rt) {
        test_pod_privileged(rt);
        test_capabilities_psp(rt);
    }
    policy_runtime_free(rt);
    TEST_DONE();
}
