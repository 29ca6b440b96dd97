/*
 * native_main.c - runs a policy's own test cases (policies/<name>/tests.json)
 * against the policy compiled natively with the SDK and the stand-in waPC host,
 * exactly through the waPC dispatch path the wasm build uses.
 *
 * usage: <policy>-native <policy-dir>
 * Prints one line per failure and ends with "N passed, N failed".
 */
#include "cases.h"
#include "../../sdk/native/wapc_host.h"

static int passed, failed;

static void check(bool ok, const char *name, const char *what, const char *got)
{
    if (ok) {
        passed++;
        return;
    }
    failed++;
    fprintf(stderr, "FAIL %s: %s (got: %s)\n", name, what, got ? got : "");
}

static void run_settings_only(const char *name, kw_val settings, kw_val want_error)
{
    char *out = NULL;
    int ok = kw_native_call("validate_settings", settings.p, settings.n, &out);
    kw_val resp;
    bool parsed = ok && kw_parse(out, strlen(out), &resp, NULL, 0) == 0;
    if (!kw_present(want_error)) {
        check(parsed && kw_is_true(kw_get(resp, "valid")), name, "settings should be valid", out);
    } else {
        check(parsed && kw_typeof(kw_get(resp, "valid")) == KW_BOOL && !kw_is_true(kw_get(resp, "valid")),
              name, "settings should be invalid", out);
        check(parsed && kw_equal(kw_get(resp, "message"), want_error), name, "settings error message", out);
    }
    free(out);
}

static void check_mutation(const char *dir, const char *name, kw_val tc, kw_val resp, const char *out)
{
    kw_val want = kw_get(tc, "mutated");
    kw_val got = kw_get(resp, "mutated_object");
    if (!kw_present(want))
        return;
    if (kw_typeof(want) == KW_BOOL) {
        check(kw_is_true(want) == kw_present(got), name,
              kw_is_true(want) ? "expected a mutation" : "expected no mutation", out);
        return;
    }
    char *path = join_path(dir, kw_str(want));
    file_text f;
    kw_val expected;
    if (read_json(path, &f, &expected)) {
        check(kw_equal(got, expected), name, "mutated object differs from the expected file", out);
        free(f.data);
    } else {
        check(false, name, "cannot read expected mutated object", path);
    }
    free(path);
}

/* Requests with every field of the wrong type: whatever the policy decides,
 * it must answer with a well-formed ValidationResponse (or a clean error). */
static const char *const odd_requests[] = {
    "{}",
    "[]",
    "null",
    "\"text\"",
    "{\"kind\":{\"kind\":\"Pod\"},\"object\":{\"spec\":{\"containers\":{\"a\":1},\"initContainers\":\"x\","
    "\"securityContext\":[1],\"volumes\":7,\"hostIPC\":\"yes\"}}}",
    "{\"kind\":{\"kind\":\"Deployment\"},\"object\":{\"spec\":{\"template\":[]}}}",
    "{\"kind\":{\"kind\":\"CronJob\"},\"object\":{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":null}}}}}}",
    "{\"kind\":{\"kind\":\"Pod\"},\"operation\":7,\"object\":{\"metadata\":{\"labels\":[1,2],\"annotations\":\"s\"},"
    "\"spec\":{\"containers\":[1,\"s\",null,{\"securityContext\":\"x\",\"ports\":{\"hostPort\":1},"
    "\"volumeMounts\":[{\"name\":5}]},{\"securityContext\":{\"capabilities\":{\"add\":\"x\",\"drop\":7},"
    "\"runAsUser\":\"0\",\"allowPrivilegeEscalation\":1}}]}}}",
    "{\"kind\":{\"kind\":\"Pod\"},\"operation\":\"DELETE\",\"object\":null,\"oldObject\":{\"metadata\":7}}",
    "{\"user\":[],\"action\":{},\"resource\":null}",
};

static void run_odd_requests(kw_val settings)
{
    for (size_t i = 0; i < sizeof odd_requests / sizeof odd_requests[0]; i++) {
        size_t len = strlen(odd_requests[i]) + settings.n + 32;
        char *payload = malloc(len);
        if (!payload)
            abort();
        snprintf(payload, len, "{\"request\":%s,\"settings\":%.*s}", odd_requests[i], (int)settings.n, settings.p);
        char *out = NULL;
        int ok = kw_native_call("validate", payload, strlen(payload), &out);
        kw_val resp;
        bool fine = ok ? kw_parse(out, strlen(out), &resp, NULL, 0) == 0 &&
                             kw_typeof(kw_get(resp, "accepted")) == KW_BOOL
                       : strlen(out) > 0;
        check(fine, odd_requests[i], "a mistyped request must get a well-formed answer", out);
        free(out);
        free(payload);
    }
}

/* The payload is not validated before it is read: every prefix of a real
 * payload, and the payload with single bytes changed into JSON's structural
 * characters or into bytes JSON never holds, must still get a well-formed
 * answer or a clean error (and, under ASan, no read outside the exact-size
 * buffer the stand-in host copies it into). */
static bool answered_cleanly(const char *payload, size_t len)
{
    char *out = NULL;
    int ok = kw_native_call("validate", payload, len, &out);
    kw_val resp;
    bool fine = ok ? kw_parse(out, strlen(out), &resp, NULL, 0) == 0 && kw_typeof(kw_get(resp, "accepted")) == KW_BOOL
                   : strlen(out) > 0;
    free(out);
    return fine;
}

static void run_damaged_payloads(const char *name, const char *payload, size_t len)
{
    static const char replacements[] = { '"', '\\', '{', '}', '[', ']', ',', ':', '\0', (char)0xff };
    size_t bad_prefixes = 0, bad_changes = 0;
    char *copy = malloc(len ? len : 1);
    if (!copy)
        abort();
    for (size_t n = 0; n < len; n++)
        bad_prefixes += !answered_cleanly(payload, n);
    /* every byte of short payloads, a spread of positions in longer ones */
    size_t step = len / 97 + 1;
    for (size_t at = 0; at < len; at += step)
        for (size_t r = 0; r < sizeof replacements; r++) {
            memcpy(copy, payload, len);
            copy[at] = replacements[r];
            bad_changes += !answered_cleanly(copy, len);
        }
    free(copy);
    check(bad_prefixes == 0, name, "every truncated payload must get a well-formed answer", NULL);
    check(bad_changes == 0, name, "payloads with a changed byte must get a well-formed answer", NULL);
}

static void run_case(const char *dir, kw_val tc)
{
    char *name = strdup(kw_str(kw_get(tc, "name")));   /* outlives arena resets */
    kw_val settings = kw_get(tc, "settings");
    if (!kw_present(settings))
        settings = (kw_val){ "{}", 2 };
    run_settings_only(name, settings, kw_get(tc, "settings_error"));
    if (kw_present(kw_get(tc, "settings_error"))) {
        free(name);
        return;
    }
    run_odd_requests(settings);
    /* canned host capability answers for this case: {"<ns>/<op>": reply} */
    char *capabilities[8], *replies[8];
    size_t nreplies = 0;
    kw_iter hi = kw_iter_begin(kw_get(tc, "host_replies"));
    kw_val cap, reply;
    while (nreplies < 8 && kw_next_member(&hi, &cap, &reply)) {
        capabilities[nreplies] = strdup(kw_str(cap));
        replies[nreplies] = strndup(reply.p, reply.n);
        kw_native_reply(capabilities[nreplies], replies[nreplies]);
        nreplies++;
    }

    char *path = join_path(dir, kw_str(kw_get(tc, "request")));
    file_text f;
    kw_val doc;
    if (!read_json(path, &f, &doc)) {
        check(false, name, "cannot read request", path);
        free(path);
        free(name);
        return;
    }
    free(path);
    kw_writer w = { 0 };
    kw_w_obj(&w);
    kw_w_key(&w, "request");
    kw_w_val(&w, admission_request(doc, kw_is_true(kw_get(tc, "raw"))));
    kw_w_key(&w, "settings");
    kw_w_val(&w, settings);
    kw_w_end(&w);
    /* the payload must outlive the arena reset that ends the call */
    char *payload = strndup(w.buf.data, w.buf.len);
    size_t len = w.buf.len;
    run_damaged_payloads(name, payload, len);
    char *out = NULL;
    int ok = kw_native_call("validate", payload, len, &out);
    kw_val resp;
    bool parsed = ok && kw_parse(out, strlen(out), &resp, NULL, 0) == 0;
    check(parsed, name, "validate should return a ValidationResponse", out);
    if (parsed) {
        kw_val want_allowed = kw_get(tc, "allowed");
        check(kw_is_true(kw_get(resp, "accepted")) == kw_is_true(want_allowed), name,
              kw_is_true(want_allowed) ? "expected accepted" : "expected rejected", out);
        if (kw_present(kw_get(tc, "message")))
            check(kw_equal(kw_get(resp, "message"), kw_get(tc, "message")), name, "message", out);
        if (kw_is_true(kw_get(tc, "message_is_request")))
            check(message_is(kw_get(resp, "message"), admission_request(doc, kw_is_true(kw_get(tc, "raw")))),
                  name, "message should be the request", out);
        if (kw_present(kw_get(tc, "code")))
            check(kw_equal(kw_get(resp, "code"), kw_get(tc, "code")), name, "code", out);
        check_mutation(dir, name, tc, resp, out);
        if (kw_present(kw_get(tc, "log")))
            check(strstr(kw_native_logs(), kw_str(kw_get(tc, "log"))) != NULL, name, "expected log line",
                  kw_native_logs());
    }
    free(out);
    free(payload);
    free(name);
    free(f.data);
    kw_native_clear_replies();
    for (size_t i = 0; i < nreplies; i++) {
        free(capabilities[i]);
        free(replies[i]);
    }
}

/* The waPC plumbing itself: protocol_version, unknown operations, bad payloads. */
static void run_protocol_checks(void)
{
    char *out = NULL;
    /* each call first: `out` is an argument of check() too, and C leaves
     * the order in which arguments are evaluated open */
    bool ok = kw_native_call("protocol_version", "", 0, &out) == 1 && strcmp(out, "\"v1\"") == 0;
    check(ok, "protocol_version", "should answer \"v1\"", out);
    free(out);
    ok = kw_native_call("nope", "", 0, &out) == 0 && strcmp(out, "No handler registered for function nope") == 0;
    check(ok, "unknown operation", "should fail with the waPC message", out);
    free(out);
    ok = kw_native_call("validate", "{\"request\":", 11, &out) == 0 && strstr(out, "invalid ValidationRequest");
    check(ok, "malformed request", "should fail cleanly", out);
    free(out);
    /* settings written before the request (our host writes them after) */
    static const char settings_first[] = "{\"settings\":{},\"request\":{\"uid\":\"x\"}}";
    kw_val resp;
    ok = kw_native_call("validate", settings_first, strlen(settings_first), &out) == 1 &&
         kw_parse(out, strlen(out), &resp, NULL, 0) == 0 && kw_typeof(kw_get(resp, "accepted")) == KW_BOOL;
    check(ok, "settings first", "should be answered", out);
    free(out);
    ok = kw_native_call("validate_settings", "[1,", 3, &out) == 0 && strstr(out, "invalid settings");
    check(ok, "malformed settings", "should fail cleanly", out);
    free(out);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <policy-dir>\n", argv[0]);
        return 2;
    }
    kw_native_init();
    run_protocol_checks();
    char *path = join_path(argv[1], "tests.json");
    file_text f;
    kw_val cases;
    if (!read_json(path, &f, &cases) || kw_typeof(cases) != KW_ARRAY) {
        fprintf(stderr, "%s: expected an array of test cases\n", path);
        failed++;
    } else {
        kw_iter it = kw_iter_begin(cases);
        kw_val tc;
        while (kw_next(&it, &tc))
            run_case(argv[1], tc);
    }
    free(path);
    free(f.data);
    kw_arena_reset();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
