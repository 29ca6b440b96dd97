/*
 * test_policy.c - the policy layer with waPC test guests (tests/policy/):
 * accept / reject / mutate, response shapes, settings, guest failures, traps,
 * timeouts, init order and failures, isolation between evaluations, threads.
 */
#include <pthread.h>
#include <time.h>

#include "policy_fixture.h"
#include "test.h"

#define REQ(cmd) request_for(cmd, req, sizeof req)

static char req[1024], out[4096], err[512];

static void test_accept_reject(policy *p)
{
    CHECK_STR(evaluate(p, REQ("accept"), NULL, out, sizeof out),
              "{\"uid\":\"accept\",\"allowed\":true,\"auditAnnotations\":null,\"warnings\":null}");
    CHECK_STR(evaluate(p, REQ("reject"), NULL, out, sizeof out),
              "{\"uid\":\"reject\",\"allowed\":false,\"status\":{\"message\":\"rejected by the test guest\","
              "\"code\":400},\"auditAnnotations\":null,\"warnings\":null}");
    /* a code without a message still makes a status, even when accepted */
    CHECK_STR(evaluate(p, REQ("code-only"), NULL, out, sizeof out),
              "{\"uid\":\"code-only\",\"allowed\":true,\"status\":{\"code\":299},\"auditAnnotations\":null,"
              "\"warnings\":null}");
    CHECK_STR(evaluate(p, REQ("extras"), NULL, out, sizeof out),
              "{\"uid\":\"extras\",\"allowed\":true,\"auditAnnotations\":{\"k\":\"v\"},\"warnings\":[\"careful\"]}");
}

/* Decodes the response's base64 patch and compares it, as JSON, with `want`. */
static int patch_is(const char *response_json, const char *want)
{
    const char *p = strstr(response_json, "\"patchType\":\"JSONPatch\",\"patch\":\"");
    if (!p)
        return 0;
    p += strlen("\"patchType\":\"JSONPatch\",\"patch\":\"");
    const char *end = strchr(p, '"');
    json_buf plain;
    json_buf_init(&plain);
    json_arena *a = json_arena_new(1024);
    json_error jerr;
    int same = end && base64_decode(&plain, p, (size_t)(end - p)) == 0 &&
               json_equal(json_parse(a, plain.data, plain.len, &jerr), json_parse(a, want, strlen(want), &jerr));
    json_buf_free(&plain);
    json_arena_free(a);
    return same;
}

static void test_mutation(policy *p)
{
    evaluate(p, REQ("mutate"), NULL, out, sizeof out);
    CHECK(strncmp(out, "{\"uid\":\"mutate\",\"allowed\":true,\"patchType\":\"JSONPatch\",\"patch\":\"", 64) == 0);
    CHECK(strstr(out, "\",\"auditAnnotations\":null,\"warnings\":null}"));
    CHECK(patch_is(out, "[{\"op\":\"add\",\"path\":\"/metadata/labels\",\"value\":{\"team\":\"a/b~c\"}}]"));
    /* an identical mutated_object is no patch */
    CHECK_STR(evaluate(p, REQ("same"), NULL, out, sizeof out),
              "{\"uid\":\"same\",\"allowed\":true,\"auditAnnotations\":null,\"warnings\":null}");
    /* DELETE: no object, so no mutation is possible */
    CHECK_STR(evaluate(p, "{\"uid\":\"mutate\",\"operation\":\"DELETE\",\"object\":null}", NULL, out, sizeof out),
              "{\"uid\":\"mutate\",\"allowed\":false,\"status\":{\"message\":\"Incoming object is null, which "
              "happens only with DELETE operations, but the policy is attempting a mutation. This is not "
              "allowed\"},\"auditAnnotations\":null,\"warnings\":null}");
}

static void test_guest_failures(policy *p)
{
    CHECK_STR(evaluate(p, REQ("error"), NULL, out, sizeof out),
              "{\"uid\":\"error\",\"allowed\":false,\"status\":{\"message\":\"internal server error: Guest call "
              "failure: boom: the guest failed\",\"code\":500},\"auditAnnotations\":null,\"warnings\":null}");
    CHECK(strstr(evaluate(p, REQ("error-silent"), NULL, out, sizeof out),
                 "\"internal server error: Guest call failure: No error message set for call failure\""));
    CHECK(strstr(evaluate(p, REQ("no-response"), NULL, out, sizeof out),
                 "Guest call failure: No error message OR response set for call success\",\"code\":500"));
    CHECK(strstr(evaluate(p, REQ("bad-json"), NULL, out, sizeof out),
                 "\"internal server error: invalid response from policy: "));
    CHECK(strstr(evaluate(p, REQ("no-accepted"), NULL, out, sizeof out),
                 "invalid response from policy: missing field `accepted`\",\"code\":500"));
    CHECK(strstr(evaluate(p, REQ("bad-code"), NULL, out, sizeof out), "invalid response from policy: "));
    /* traps are rejections too, and the process carries on */
    CHECK(strstr(evaluate(p, REQ("trap"), NULL, out, sizeof out),
                 "\"allowed\":false,\"status\":{\"message\":\"internal server error: Guest call failure: "));
    CHECK(strstr(out, "unreachable"));
    CHECK(strstr(evaluate(p, REQ("bad-utf8-error"), NULL, out, sizeof out), "not valid UTF-8\",\"code\":500"));
    CHECK(strstr(evaluate(p, REQ("nonsense"), NULL, out, sizeof out), "unknown test command"));
    CHECK_STR(evaluate(p, REQ("accept"), NULL, out, sizeof out),
              "{\"uid\":\"accept\",\"allowed\":true,\"auditAnnotations\":null,\"warnings\":null}");
}

static void test_guest_output(policy *p)
{
    CHECK(strstr(evaluate(p, REQ("console"), NULL, out, sizeof out), "\"allowed\":true"));
    CHECK_STR(logs.message, "console says hi");
    CHECK(logs.level == POLICY_LOG_INFO);
    CHECK_STR(logs.policy_id, "test-policy");
    CHECK(strstr(evaluate(p, REQ("print"), NULL, out, sizeof out), "\"allowed\":true"));
    CHECK_STR(logs.message, "to stdout");
    CHECK_STR(logs.extra, "{\"stream\":\"stdout\"}");
    CHECK(logs.level == POLICY_LOG_DEBUG);
    policy_response r;
    json_arena *a = json_arena_new(256);
    CHECK(policy_validate(p, a, NULL, NULL, 0, &r) == -1);
    json_arena_free(a);
}

static void test_request_shape(policy *p)
{
    /* the guest sees {"request":<request verbatim>,"settings":<settings>} */
    const char *r = "{\"uid\":\"echo\",\"x\":[1,2]}";
    CHECK(strstr(evaluate(p, r, NULL, out, sizeof out),
                  "\"message\":\"{\\\"request\\\":{\\\"uid\\\":\\\"echo\\\",\\\"x\\\":[1,2]},"
                  "\\\"settings\\\":{\\\"a\\\":1}}\""));
    /* a uid that is not a string gives "" */
    CHECK(strstr(evaluate(p, "{\"uid\":7}", NULL, out, sizeof out), "{\"uid\":\"\",\"allowed\":false"));
}

static void test_settings(policy_module *m)
{
    json_arena *a = json_arena_new(1024);
    policy_settings_result s;
    policy *p = make_policy(m, "s", "{\"x\":\"ok\"}", NULL, err, sizeof err);
    CHECK(policy_validate_settings(p, a, &s) == 0 && s.valid && s.message == NULL);
    policy_free(p);
    p = make_policy(m, "s", "{\"x\":\"bad\"}", NULL, err, sizeof err);
    CHECK(policy_validate_settings(p, a, &s) == 0 && !s.valid);
    CHECK_STR(s.message, "the setting is bad");
    policy_free(p);
    p = make_policy(m, "s", "{\"x\":\"crash\"}", NULL, err, sizeof err);
    CHECK(policy_validate_settings(p, a, &s) == 0 && !s.valid);
    /* upstream formats the waPC error with Rust's Debug */
    CHECK_STR(s.message, "Error invoking settings validation callback: GuestCallFailure(\"settings exploded\")");
    policy_free(p);
    p = make_policy(m, "s", "{\"x\":\"quote\"}", NULL, err, sizeof err);
    CHECK(policy_validate_settings(p, a, &s) == 0 && !s.valid);
    CHECK_STR(s.message, "Error invoking settings validation callback: GuestCallFailure(\"say \\\"hi\\\"\\\\\\n\")");
    policy_free(p);
    p = make_policy(m, "s", "{\"x\":\"garbage\"}", NULL, err, sizeof err);
    CHECK(policy_validate_settings(p, a, &s) == 0 && !s.valid && s.message && strncmp(s.message, "error: ", 7) == 0);
    policy_free(p);
    /* no settings: the guest gets {} */
    p = make_policy(m, "s", NULL, NULL, err, sizeof err);
    CHECK(policy_validate_settings(p, a, &s) == 0 && s.valid);
    CHECK(strstr(evaluate(p, REQ("echo"), NULL, out, sizeof out), "\\\"settings\\\":{}}"));
    policy_free(p);
    json_arena_free(a);
}

static void test_protocol_version(policy_module *m)
{
    char v[32];
    CHECK(policy_module_protocol_version(m, v, sizeof v, err, sizeof err) == 0);
    CHECK_STR(v, "v1");
}

/* Nothing a guest does survives its evaluation: memory (a C static) and globals. */
static void test_isolation(policy *p, policy_runtime *rt)
{
    for (int i = 0; i < 3; i++)
        CHECK(strstr(evaluate(p, REQ("count"), NULL, out, sizeof out), "\"message\":\"calls=1 init=42\""));
    policy_module *m = load_guest(rt, "wapc_order.wasm", POLICY_EXEC_WAPC, err, sizeof err);
    CHECK(m != NULL);
    if (!m)
        return;
    policy *q = make_policy(m, "order", NULL, NULL, err, sizeof err);
    /* 12: _start ran before wapc_init; 1: one call in this sandbox, every time */
    for (int i = 0; i < 3; i++)
        CHECK(strstr(evaluate(q, REQ("x"), NULL, out, sizeof out), "\"code\":121}"));
    policy_free(q);
    policy_module_release(m);
}

/* A guest that grows memory, and one that hands the host bad pointers. */
static void test_hostile_guest(policy_runtime *rt)
{
    policy_module *m = load_guest(rt, "wapc_hostile.wasm", POLICY_EXEC_WAPC, err, sizeof err);
    CHECK(m != NULL);
    if (!m)
        return;
    policy *p = make_policy(m, "hostile", NULL, NULL, err, sizeof err);
    for (int i = 0; i < 3; i++)        /* grown memory never leaks into the next sandbox */
        CHECK(strstr(evaluate(p, REQ("grow"), NULL, out, sizeof out), "\"allowed\":true,\"status\":{\"code\":1}"));
    static const char *const bad[] = { "request", "output", "hostcall", "utf8" };
    static const char *const why[] = { "out of bounds memory access", "out of bounds memory access",
                                       "out of bounds memory access", "the host call namespace is not valid UTF-8" };
    for (int i = 0; i < 4; i++) {
        char want[256];
        snprintf(want, sizeof want, "\"internal server error: Guest call failure: %s\",\"code\":500", why[i]);
        CHECK(strstr(evaluate(p, REQ(bad[i]), NULL, out, sizeof out), want));
    }
    CHECK(strstr(evaluate(p, REQ("x"), NULL, out, sizeof out), "\"code\":1}"));
    CHECK(strstr(evaluate(p, REQ("more"), NULL, out, sizeof out), "\"code\":1}"));   /* no limit: grown */
    policy_free(p);
    policy_module_release(m);

    /* a runtime memory limit: the same growth is refused */
    policy_runtime_config cfg = { .max_memory_mib = 1 };
    policy_runtime *small = policy_runtime_new(&cfg, err, sizeof err);
    m = small ? load_guest(small, "wapc_hostile.wasm", POLICY_EXEC_WAPC, err, sizeof err) : NULL;
    CHECK(m != NULL);
    if (m) {
        p = make_policy(m, "small", NULL, NULL, err, sizeof err);
        CHECK(strstr(evaluate(p, REQ("more"), NULL, out, sizeof out), "\"code\":9}"));
        policy_free(p);
        policy_module_release(m);
    }
    policy_runtime_free(small);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void test_timeout(policy_module *m)
{
    policy_options o = { .raw = -1, .timeout_ms = 200 };
    policy *p = make_policy(m, "slow", NULL, &o, err, sizeof err);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_STR(evaluate(p, REQ("loop"), NULL, out, sizeof out),
              "{\"uid\":\"loop\",\"allowed\":false,\"status\":{\"message\":\"Policy execution interrupted because "
              "it exceeded the allowed execution time\",\"code\":500},\"auditAnnotations\":null,\"warnings\":null}");
    double took = seconds_since(&t0);
    CHECK(took >= 0.19 && took < 1.5);
    /* the policy keeps working after a timeout */
    CHECK(strstr(evaluate(p, REQ("count"), NULL, out, sizeof out), "calls=1 init=42"));
    policy_free(p);
}

static void test_module_errors(policy_runtime *rt)
{
    policy_module *m = load_guest(rt, "wapc_init_loop.wasm", POLICY_EXEC_WAPC, err, sizeof err);
    CHECK(m == NULL);
    CHECK_STR(err, "Initialization failed: wapc_init init interrupted, execution deadline exceeded");
    CHECK(load_guest(rt, "wapc_exit0.wasm", POLICY_EXEC_WAPC, err, sizeof err) != NULL);
    m = load_guest(rt, "wapc_exit0.wasm", POLICY_EXEC_WAPC, err, sizeof err);
    if (m) {
        policy *p = make_policy(m, "exit0", NULL, NULL, err, sizeof err);
        CHECK(strstr(evaluate(p, REQ("x"), NULL, out, sizeof out), "\"allowed\":true"));
        policy_free(p);
        policy_module_release(m);       /* two loads, two references */
        policy_module_release(m);
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(load_guest(rt, "start_loop.wasm", POLICY_EXEC_WAPC, err, sizeof err) == NULL);
    CHECK_STR(err, "Initialization failed: start function init interrupted, execution deadline exceeded");
    CHECK(seconds_since(&t0) < 5);
    CHECK(load_guest(rt, "wapc_exit3.wasm", POLICY_EXEC_WAPC, err, sizeof err) == NULL);
    CHECK_STR(err, "Initialization failed: _start exited with code 3");
    CHECK(load_guest(rt, "wapc_nocall.wasm", POLICY_EXEC_WAPC, err, sizeof err) == NULL);
    CHECK_STR(err, "the module does not export the function '__guest_call' a kubewarden-wapc policy needs");
    CHECK(load_guest(rt, "wapc_badimport.wasm", POLICY_EXEC_WAPC, err, sizeof err) == NULL);
    CHECK(strstr(err, "cannot instantiate the module: ") && strstr(err, "__guest_response"));
    CHECK(load_guest(rt, "rego_like.wasm", POLICY_EXEC_WAPC, err, sizeof err) == NULL);
    CHECK(strstr(err, "Rego policy"));
    CHECK(load_guest(rt, "wapc_order.wasm", POLICY_EXEC_OPA, err, sizeof err) == NULL);
    CHECK_STR(err, "execution mode opa needs a Rego policy built with `opa build -t wasm`, and this module "
                   "exports no opa_* functions");
    const uint8_t junk[] = "\0asm\x02\0\0\0garbage";
    CHECK(policy_module_load(rt, junk, sizeof junk - 1, NULL, err, sizeof err) == NULL);
    CHECK(strncmp(err, "invalid module: ", 16) == 0);
    CHECK(policy_module_load(rt, junk, 3, NULL, err, sizeof err) == NULL);
}

static void test_sharing(policy_runtime *rt, policy_module *m)
{
    policy_module *again = load_guest(rt, "wapc_guest.wasm", -1, err, sizeof err);
    CHECK(again == m);
    CHECK(strlen(policy_module_digest(m)) == 64);
    CHECK(policy_module_mode(m) == POLICY_EXEC_WAPC);
    CHECK(!policy_module_metadata(m)->present);
    policy_module_release(again);
}

/* Many threads on one policy: every evaluation is its own sandbox, and a guest
 * stuck until its deadline does not disturb the others. */
typedef struct worker_arg {
    const policy *p;
    const char *cmd, *want;
    int runs, ok;
} worker_arg;

static void *worker(void *arg)
{
    worker_arg *w = arg;
    char rq[512], o[1024];
    for (int i = 0; i < w->runs; i++) {
        evaluate(w->p, request_for(w->cmd, rq, sizeof rq), NULL, o, sizeof o);
        w->ok += strstr(o, w->want) != NULL;
    }
    return NULL;
}

static void test_threads(const policy *p, policy_module *m)
{
    policy_options o = { .raw = -1, .timeout_ms = 100 };
    policy *slow = make_policy(m, "slow", NULL, &o, err, sizeof err);
    pthread_t t[5];
    worker_arg args[5];
    for (int i = 0; i < 5; i++) {
        args[i] = i < 4 ? (worker_arg){ p, "count", "calls=1 init=42", 50, 0 }
                        : (worker_arg){ slow, "loop", "Policy execution interrupted", 3, 0 };
        pthread_create(&t[i], NULL, worker, &args[i]);
    }
    int ok = 0;
    for (int i = 0; i < 5; i++) {
        pthread_join(t[i], NULL);
        ok += args[i].ok;
    }
    CHECK_INT(ok, 203);
    policy_free(slow);
}

/* The module bytes with an io.kubewarden.metadata custom section appended. */
static uint8_t *with_metadata(const char *guest, const char *json, size_t *len)
{
    size_t n;
    uint8_t *wasm = read_guest(guest, &n);
    if (!wasm)
        return NULL;
    static const char name[] = "io.kubewarden.metadata";
    size_t name_len = sizeof name - 1, body = 1 + name_len + strlen(json);
    uint8_t *out = malloc(n + 16 + body), *w = out + n;
    memcpy(out, wasm, n);
    free(wasm);
    *w++ = 0;                                   /* custom section */
    for (size_t v = body;; v >>= 7) {           /* LEB128 size */
        *w++ = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
        if (v < 0x80)
            break;
    }
    *w++ = (uint8_t)name_len;
    memcpy(w, name, name_len), w += name_len;
    memcpy(w, json, strlen(json)), w += strlen(json);
    *len = (size_t)(w - out);
    return out;
}

static void test_metadata(policy_runtime *rt)
{
    size_t len;
    uint8_t *wasm = with_metadata("wasi_guest.wasm", "{\"executionMode\":\"wasi\",\"protocolVersion\":\"Unknown\"}",
                                  &len);
    policy_module *m = wasm ? policy_module_load(rt, wasm, len, NULL, err, sizeof err) : NULL;
    CHECK(m && policy_module_mode(m) == POLICY_EXEC_WASI && policy_module_metadata(m)->present);
    policy_module_release(m);
    free(wasm);

    wasm = with_metadata("wapc_guest.wasm", "{\"policyType\":\"raw\",\"mutating\":true}", &len);
    m = wasm ? policy_module_load(rt, wasm, len, NULL, err, sizeof err) : NULL;
    CHECK(m && policy_module_mode(m) == POLICY_EXEC_WAPC && policy_module_metadata(m)->mutating);
    if (m) {
        policy *p = make_policy(m, "raw", NULL, NULL, err, sizeof err);
        CHECK(policy_is_raw(p));
        /* raw: no DELETE rule, the patch is against the whole document */
        CHECK(strstr(evaluate(p, "{\"uid\":\"mutate\",\"kind\":\"Pod\"}", NULL, out, sizeof out),
                     "\"allowed\":true,\"patchType\":\"JSONPatch\""));
        CHECK(strstr(evaluate(p, "{\"uid\":[1],\"x\":\"accept\"}", NULL, out, sizeof out), "{\"uid\":\"\","));
        policy_free(p);
        policy_options not_raw = { .raw = 0 };
        p = make_policy(m, "forced", NULL, &not_raw, err, sizeof err);
        CHECK(!policy_is_raw(p));
        policy_free(p);
        policy_module_release(m);
    }
    free(wasm);

    wasm = with_metadata("wapc_guest.wasm", "{\"executionMode\":\"opa\"}", &len);
    CHECK(wasm && policy_module_load(rt, wasm, len, NULL, err, sizeof err) == NULL);
    CHECK(strstr(err, "execution mode opa needs a Rego policy"));
    /* kwctl -e forces the mode over the metadata's */
    policy_module_options force = { true, POLICY_EXEC_WAPC };
    m = wasm ? policy_module_load(rt, wasm, len, &force, err, sizeof err) : NULL;
    CHECK(m && policy_module_mode(m) == POLICY_EXEC_WAPC);
    policy_module_release(m);
    free(wasm);

    wasm = with_metadata("wapc_guest.wasm", "{not json", &len);
    CHECK(wasm && policy_module_load(rt, wasm, len, NULL, err, sizeof err) == NULL);
    CHECK(strncmp(err, "invalid policy metadata: ", 25) == 0);
    free(wasm);
}

static void test_writer(void)
{
    json_arena *a = json_arena_new(256);
    policy_response r = { 0 };
    policy_response_reject(&r, "u1", "My custom error message", 400);
    CHECK(policy_response_add_cause(a, &r, NULL, "original \"msg\"", NULL) == 0);
    CHECK(policy_response_add_cause(a, &r, NULL, NULL, "spec.policies.x") == 0);
    json_buf b;
    json_buf_init(&b);
    policy_review_write(&b, &r);
    CHECK_STR(b.data, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"response\":"
              "{\"uid\":\"u1\",\"allowed\":false,\"status\":{\"message\":\"My custom error message\",\"details\":"
              "{\"causes\":[{\"reason\":null,\"message\":\"original \\\"msg\\\"\",\"field\":null},{\"reason\":null,"
              "\"message\":null,\"field\":\"spec.policies.x\"}]},\"code\":400},\"auditAnnotations\":null,"
              "\"warnings\":null}}");
    json_buf_free(&b);

    /* every field at once, in spec §1.7's order; strings escaped */
    json_error jerr;
    policy_response all = { 0 };
    all.uid = "u\"2\n";
    all.allowed = true;
    all.patch = "W10=";
    all.has_status = true;
    all.status.message = "caf\xc3\xa9";
    all.audit_annotations = json_parse(a, "{\"k\":\"v\"}", 9, &jerr);
    all.warnings = json_parse(a, "[\"w\"]", 5, &jerr);
    json_buf_init(&b);
    policy_response_write(&b, &all);
    CHECK_STR(b.data, "{\"uid\":\"u\\\"2\\n\",\"allowed\":true,\"patchType\":\"JSONPatch\",\"patch\":\"W10=\","
              "\"status\":{\"message\":\"caf\xc3\xa9\"},\"auditAnnotations\":{\"k\":\"v\"},\"warnings\":[\"w\"]}");
    json_buf_free(&b);
    /* a status with nothing in it is still written, as an empty object */
    policy_response bare = { .uid = "u3", .has_status = true };
    json_buf_init(&b);
    policy_response_write(&b, &bare);
    CHECK_STR(b.data, "{\"uid\":\"u3\",\"allowed\":false,\"status\":{},\"auditAnnotations\":null,\"warnings\":null}");
    json_buf_free(&b);
    json_arena_free(a);
}

int main(int argc, char **argv)
{
    fixture_init(argv[0]);
    test_writer();
    policy_runtime *rt = new_runtime(1000);
    policy_module *m = rt ? load_guest(rt, "wapc_guest.wasm", -1, err, sizeof err) : NULL;
    if (!m)
        fprintf(stderr, "cannot load wapc_guest.wasm: %s\n", err);
    CHECK(m != NULL);
    if (m) {
        policy *p = make_policy(m, "test-policy", "{\"a\":1}", NULL, err, sizeof err);
        CHECK(p != NULL);
        test_accept_reject(p);
        test_mutation(p);
        test_guest_failures(p);
        test_request_shape(p);
        test_guest_output(p);
        test_settings(m);
        test_protocol_version(m);
        test_isolation(p, rt);
        test_hostile_guest(rt);
        test_timeout(m);
        test_sharing(rt, m);
        test_threads(p, m);
        policy_free(p);
        policy_module_release(m);
    }
    if (rt) {
        test_module_errors(rt);
        test_metadata(rt);
    }
    policy_runtime_free(rt);
    TEST_DONE();
}
