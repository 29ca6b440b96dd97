/*
 * test_policy_opa.c - the opa and gatekeeper execution modes (src/policy/opa*.c):
 *
 *   - the C guests of tests/opa/ (sdk/opa/): OPA responses with and without a
 *     patch, the uid replaced, data = settings, Gatekeeper input and messages,
 *     every host builtin through the ABI, opa_abort/opa_println, a fresh
 *     instance per evaluation, timeouts;
 *   - WAT modules built here from one template, one defect each: missing or
 *     mistyped exports, missing builtins, builtin calls of every arity and bad
 *     ids, lying addresses, unterminated strings, invalid JSON, eval errors,
 *     traps and loops in the setup and in eval.
 */
#include <time.h>

#include "policy_fixture.h"
#include "test.h"
#include "wat.h"

static char out[8192], err[1024];

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- WAT guests --------------------------------------------------------------- */

/* A minimal OPA-ABI module: a value's address is its NUL-terminated JSON text,
 * opa_json_parse and opa_json_dump are the identity, the heap a bump pointer.
 * @B@ is the builtins() text, @R@ the result set eval answers, @E@ the body of
 * eval before it stores the result, @X@ extra fields. */
static const char wat_template[] =
    "(module\n"
    "  (import \"env\" \"memory\" (memory 1))\n"
    "  (import \"env\" \"opa_abort\" (func $abort (param i32)))\n"
    "  (import \"env\" \"opa_println\" (func $println (param i32)))\n"
    "  (import \"env\" \"opa_builtin0\" (func $b0 (param i32 i32) (result i32)))\n"
    "  (import \"env\" \"opa_builtin1\" (func $b1 (param i32 i32 i32) (result i32)))\n"
    "  (import \"env\" \"opa_builtin2\" (func $b2 (param i32 i32 i32 i32) (result i32)))\n"
    "  (import \"env\" \"opa_builtin3\" (func $b3 (param i32 i32 i32 i32 i32) (result i32)))\n"
    "  (import \"env\" \"opa_builtin4\" (func $b4 (param i32 i32 i32 i32 i32 i32) (result i32)))\n"
    "  (global $heap (mut i32) (i32.const 65536))\n"
    "  (data (i32.const 1024) \"@B@\\00\")\n"
    "  (data (i32.const 2048) \"{\\\"main\\\":0}\\00\")\n"
    "  (data (i32.const 3072) \"@R@\\00\")\n"
    "  (data (i32.const 4000) \"aborting here\\00\")\n"
    "  (data (i32.const 4100) \"\\\"1.2.3\\\"\\00\")\n"
    "  (data (i32.const 4120) \"\\\"1.10.0\\\"\\00\")\n"
    "  (data (i32.const 4140) \"\\\"a+\\\"\\00\")\n"
    "  (data (i32.const 4160) \"\\\"caaab\\\"\\00\")\n"
    "  (data (i32.const 4180) \"-1\\00\")\n"
    "  (func (export \"opa_malloc\") (param $n i32) (result i32) (local $r i32)\n"
    "    global.get $heap local.set $r\n"
    "    global.get $heap local.get $n i32.add i32.const 1 i32.add global.set $heap\n"
    "    local.get $r local.get $n i32.add i32.const 0 i32.store8\n"
    "    local.get $r)\n"
    "  (func (export \"opa_json_parse\") (param i32 i32) (result i32) local.get 0)\n"
    "  (func (export \"opa_json_dump\") (param i32) (result i32) local.get 0)\n"
    "  (func (export \"opa_heap_ptr_get\") (result i32) global.get $heap)\n"
    "  (func (export \"opa_heap_ptr_set\") (param i32) local.get 0 global.set $heap)\n"
    "  (func (export \"builtins\") (result i32) i32.const 1024)\n"
    "  (func (export \"entrypoints\") (result i32) i32.const 2048)\n"
    "  (func (export \"opa_eval_ctx_new\") (result i32) i32.const 512)\n"
    "  (func (export \"opa_eval_ctx_set_input\") (param i32 i32) local.get 0 local.get 1 i32.store)\n"
    "  (func (export \"opa_eval_ctx_set_data\") (param i32 i32) local.get 0 local.get 1 i32.store offset=4)\n"
    "  (func (export \"opa_eval_ctx_set_entrypoint\") (param i32 i32))\n"
    "  (func (export \"opa_eval_ctx_get_result\") (param i32) (result i32) local.get 0 i32.load offset=8)\n"
    "  (func (export \"eval\") (param $ctx i32) (result i32)\n"
    "    @E@\n"
    "    local.get $ctx i32.const 3072 i32.store offset=8 i32.const 0)\n"
    "  @X@)\n";

typedef struct wat_guest {
    const char *builtins, *result, *eval, *extra;
    const char *replace, *with;      /* one more substitution in the text, or NULL */
} wat_guest;

/* Appends `s` with the template's @B@/@R@/@E@/@X@ filled in. */
static void fill(json_buf *b, const char *s, const wat_guest *g)
{
    for (; *s; s++) {
        if (s[0] == '@' && s[1] && s[2] == '@') {
            const char *v = s[1] == 'B' ? g->builtins : s[1] == 'R' ? g->result : s[1] == 'E' ? g->eval : g->extra;
            json_buf_puts(b, v ? v : "");
            s += 2;
        } else {
            json_buf_append(b, s, 1);
        }
    }
}

/* The module's bytes (malloc'd), from the template with the guest's changes. */
static uint8_t *wat_module(const wat_guest *g, size_t *len)
{
    wat_guest d = *g;
    if (!d.builtins)
        d.builtins = "{}";
    if (!d.result)
        d.result = "[{\\\"result\\\":[]}]";
    json_buf text;
    json_buf_init(&text);
    fill(&text, wat_template, &d);
    if (d.replace) {
        char *at = strstr(text.data, d.replace);
        json_buf edited;
        json_buf_init(&edited);
        json_buf_append(&edited, text.data, (size_t)(at - text.data));
        json_buf_puts(&edited, d.with);
        json_buf_puts(&edited, at + strlen(d.replace));
        json_buf_free(&text);
        text = edited;
    }
    uint8_t *bytes = NULL;
    char werr[256];
    if (wat_to_wasm(text.data, text.len, &bytes, len, werr, sizeof werr) < 0)
        fprintf(stderr, "test WAT does not compile: %s\n%s\n", werr, text.data);
    json_buf_free(&text);
    return bytes;
}

static policy_module *load_wat(policy_runtime *rt, const wat_guest *g, policy_exec_mode mode)
{
    size_t len = 0;
    uint8_t *bytes = wat_module(g, &len);
    policy_module_options o = { true, mode };
    policy_module *m = bytes ? policy_module_load(rt, bytes, len, &o, err, sizeof err) : NULL;
    free(bytes);
    return m;
}

/* Loads the guest as a Gatekeeper (or OPA) policy and evaluates one request. */
static const char *eval_wat(policy_runtime *rt, const wat_guest *g, policy_exec_mode mode)
{
    policy_module *m = load_wat(rt, g, mode);
    if (!m) {
        snprintf(out, sizeof out, "LOAD %s", err);
        return out;
    }
    policy *p = make_policy(m, "wat", NULL, NULL, err, sizeof err);
    evaluate(p, "{\"uid\":\"u1\",\"object\":{}}", NULL, out, sizeof out);
    policy_free(p);
    policy_module_release(m);
    return out;
}

#define GK POLICY_EXEC_GATEKEEPER
#define OPA POLICY_EXEC_OPA
/* `sub` is in the text `s` (printed when it is not). */
static bool has(const char *s, const char *sub)
{
    if (strstr(s, sub))
        return true;
    fprintf(stderr, "  not found: %s\n  in: %s\n", sub, s);
    return false;
}
#define HAS(s, sub) CHECK(has((s), (sub)))

static void test_wat_results(policy_runtime *rt)
{
    CHECK_STR(eval_wat(rt, &(wat_guest){ 0 }, GK),
              "{\"uid\":\"u1\",\"allowed\":true,\"auditAnnotations\":null,\"warnings\":null}");
    CHECK_STR(eval_wat(rt, &(wat_guest){ .result = "[{\\\"result\\\":[{\\\"msg\\\":\\\"one\\\"},"
                                                   "{\\\"msg\\\":\\\"two\\\",\\\"details\\\":{}}]}]" }, GK),
              "{\"uid\":\"u1\",\"allowed\":false,\"status\":{\"message\":\"one, two\"},\"auditAnnotations\":null,"
              "\"warnings\":null}");
    /* fail-open: anything but a list of {"msg"} is no violation */
    HAS(eval_wat(rt, &(wat_guest){ .result = "[{\\\"result\\\":{\\\"msg\\\":\\\"x\\\"}}]" }, GK), "\"allowed\":true");
    HAS(eval_wat(rt, &(wat_guest){ .result = "[{\\\"result\\\":[{\\\"message\\\":\\\"x\\\"}]}]" }, GK),
        "\"allowed\":true");
    HAS(eval_wat(rt, &(wat_guest){ .result = "[]" }, GK), "\"allowed\":true");
    CHECK(strstr(logs.message, "fail-open") && logs.level == POLICY_LOG_WARN);
    /* OPA: the response path is required, and the AdmissionResponse must parse */
    CHECK_STR(eval_wat(rt, &(wat_guest){ .result = "[{\\\"result\\\":{}}]" }, OPA),
              "{\"uid\":\"u1\",\"allowed\":false,\"status\":{\"message\":\"internal server error: cannot interpret "
              "OPA policy result\",\"code\":500},\"auditAnnotations\":null,\"warnings\":null}");
    HAS(eval_wat(rt, &(wat_guest){ .result = "[]" }, OPA), "cannot interpret OPA policy result\",\"code\":500");
    HAS(eval_wat(rt, &(wat_guest){ .result = "[{\\\"result\\\":{\\\"response\\\":{\\\"uid\\\":\\\"x\\\"}}}]" }, OPA),
        "\"internal server error: missing field `allowed`\",\"code\":500");
    HAS(eval_wat(rt, &(wat_guest){ .result = "[{\\\"result\\\":{\\\"response\\\":{\\\"uid\\\":\\\"x\\\","
                                              "\\\"allowed\\\":true,\\\"patch\\\":\\\"%%%\\\"}}}]" }, OPA),
        "\"internal server error: invalid base64 in `patch`\",\"code\":500");
    CHECK_STR(eval_wat(rt, &(wat_guest){ .result = "[{\\\"result\\\":{\\\"response\\\":{\\\"uid\\\":\\\"x\\\","
                                                   "\\\"allowed\\\":false,\\\"status\\\":{\\\"message\\\":\\\"m\\\","
                                                   "\\\"code\\\":418,\\\"details\\\":{\\\"causes\\\":[{\\\"field\\\":"
                                                   "\\\"f\\\"}]}},\\\"warnings\\\":[\\\"w\\\"],"
                                                   "\\\"auditAnnotations\\\":{\\\"a\\\":\\\"b\\\"}}}}]" }, OPA),
              "{\"uid\":\"u1\",\"allowed\":false,\"status\":{\"message\":\"m\",\"details\":{\"causes\":"
              "[{\"reason\":null,\"message\":null,\"field\":\"f\"}]},\"code\":418},\"auditAnnotations\":{\"a\":\"b\"},"
              "\"warnings\":[\"w\"]}");
}

static void test_wat_load_failures(policy_runtime *rt)
{
    CHECK(!load_wat(rt, &(wat_guest){ .replace = "(export \"opa_json_parse\")", .with = "" }, GK));
    CHECK_STR(err, "the module does not export the function 'opa_json_parse' a gatekeeper policy needs");
    CHECK(!load_wat(rt, &(wat_guest){ .replace = "(func (export \"opa_heap_ptr_set\") (param i32)",
                                      .with = "(func (export \"opa_heap_ptr_set\") (param i32 i32)" }, OPA));
    CHECK_STR(err, "the export 'opa_heap_ptr_set' has the wrong type: expected 1 i32 parameter(s) and 0 i32 "
                   "result(s)");
    CHECK(!load_wat(rt, &(wat_guest){ .builtins = "{\\\"net.lookup_ip_addr\\\":0,\\\"sprintf\\\":1,"
                                                  "\\\"date\\\":2}" }, OPA));
    CHECK_STR(err, "Missing Rego builtins: net.lookup_ip_addr, date");
    CHECK(!load_wat(rt, &(wat_guest){ .builtins = "[1]" }, OPA));
    CHECK_STR(err, "Initialization failed: builtins() did not give a JSON object");
    CHECK(!load_wat(rt, &(wat_guest){ .builtins = "{\\\"trace\\\":-3}" }, OPA));
    HAS(err, "builtins(): the id of 'trace' is not an integer");
    CHECK(!load_wat(rt, &(wat_guest){ .builtins = "{\\\"trace\\\":" }, OPA));
    HAS(err, "Initialization failed: builtins(): opa_json_dump gave invalid JSON: ");
    CHECK(!load_wat(rt, &(wat_guest){ .replace = "(func (export \"builtins\") (result i32) i32.const 1024)",
                                      .with = "(func (export \"builtins\") (result i32) i32.const -5)" }, OPA));
    CHECK_STR(err, "Initialization failed: builtins(): address 4294967291 is outside the guest memory (327680 bytes)");
    CHECK(!load_wat(rt, &(wat_guest){ .replace = "(func (export \"entrypoints\") (result i32) i32.const 2048)",
                                      .with = "(func (export \"entrypoints\") (result i32) unreachable)" }, OPA));
    CHECK_STR(err, "Initialization failed: entrypoints: unreachable");
    CHECK(!load_wat(rt, &(wat_guest){ .replace = "\"{\\\"main\\\":0}", .with = "\"{}" }, OPA));
    CHECK_STR(err, "Initialization failed: entrypoints() did not give a non-empty JSON object");
    /* a Rego module must import its memory from the host with a size it can have */
    CHECK(!load_wat(rt, &(wat_guest){ .replace = "(memory 1)", .with = "(memory 6)" }, OPA));
    HAS(err, "cannot instantiate the module: ");
    CHECK(!load_wat(rt, &(wat_guest){ .replace = "(import \"env\" \"opa_abort\" (func $abort (param i32)))",
                                      .with = "(import \"env\" \"opa_abort\" (func $abort (param i32))) "
                                              "(import \"env\" \"opa_random\" (func (param i32)))" }, OPA));
    HAS(err, "opa_random");
    /* the setup runs under the runtime's timeout */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(!load_wat(rt, &(wat_guest){ .replace = "(func (export \"builtins\") (result i32) i32.const 1024)",
                                      .with = "(func (export \"builtins\") (result i32) (loop br 0) "
                                              "i32.const 1024)" }, OPA));
    CHECK_STR(err, "Initialization failed: Rego setup init interrupted, execution deadline exceeded");
    CHECK(seconds_since(&t0) < 5);
}

static void test_wat_eval_failures(policy_runtime *rt)
{
    HAS(eval_wat(rt, &(wat_guest){ .eval = "i32.const 4000 call $abort" }, GK),
        "\"internal server error: opa_abort: aborting here\",\"code\":500");
    CHECK(logs.level == POLICY_LOG_ERROR && strcmp(logs.message, "aborting here") == 0);
    HAS(eval_wat(rt, &(wat_guest){ .eval = "i32.const 4000 call $println" }, GK), "\"allowed\":true");
    CHECK(logs.level == POLICY_LOG_INFO && strcmp(logs.message, "aborting here") == 0);
    HAS(eval_wat(rt, &(wat_guest){ .eval = "i32.const -1 call $println" }, GK),
        "internal server error: opa_println message: address 4294967295 is outside the guest memory");
    HAS(eval_wat(rt, &(wat_guest){ .eval = "unreachable" }, GK), "\"internal server error: eval: unreachable\"");
    HAS(eval_wat(rt, &(wat_guest){ .replace = "i32.store offset=8 i32.const 0)", .with = "i32.store offset=8 "
                                   "i32.const 7)" }, GK), "\"internal server error: eval returned error code 7\"");
    /* lying addresses and strings */
    HAS(eval_wat(rt, &(wat_guest){ .replace = "local.get 0 i32.load offset=8)", .with = "i32.const 400000)" }, GK),
        "internal server error: the result set: address 400000 is outside the guest memory (327680 bytes)");
    HAS(eval_wat(rt, &(wat_guest){ .replace = "local.get 0 i32.load offset=8)",
                                   .with = "memory.size i32.const 16 i32.shl i32.const 1 i32.sub)",
                                   .eval = "memory.size i32.const 16 i32.shl i32.const 1 i32.sub i32.const 65 "
                                           "i32.store8" }, GK),
        "internal server error: the result set: the string at address 327679 is not NUL-terminated");
    HAS(eval_wat(rt, &(wat_guest){ .result = "[{\\\"result\\\": nope" }, GK),
        "\"internal server error: the result set is not JSON: ");
    HAS(eval_wat(rt, &(wat_guest){ .replace = "(local $r i32)", .with = "(local $r i32) i32.const -16 return" }, GK),
        "LOAD Initialization failed: the initial data: opa_malloc(2) returned 4294967280, outside the guest memory");
    HAS(eval_wat(rt, &(wat_guest){ .replace = "(func (export \"opa_json_parse\") (param i32 i32) (result i32) "
                                   "local.get 0)", .with = "(func (export \"opa_json_parse\") (param i32 i32) "
                                   "(result i32) i32.const 0)" }, GK),
        "LOAD Initialization failed: the initial data: opa_json_parse could not parse it");
}

/* opa_builtinN with every arity, a wrong arity, an id never listed and a bad argument. */
static void test_wat_builtins(policy_runtime *rt)
{
    const char *listed = "{\\\"time.now_ns\\\":0,\\\"semver.is_valid\\\":1,\\\"semver.compare\\\":2,"
                         "\\\"regex.find_n\\\":3,\\\"trace\\\":4}";
    const char *fine = "[{\\\"result\\\":[]}]";
    HAS(eval_wat(rt, &(wat_guest){ .builtins = listed, .result = fine,
                                   .eval = "i32.const 0 i32.const 0 call $b0 drop "
                                           "i32.const 1 i32.const 0 i32.const 4100 call $b1 drop "
                                           "i32.const 2 i32.const 0 i32.const 4100 i32.const 4120 call $b2 drop "
                                           "i32.const 3 i32.const 0 i32.const 4140 i32.const 4160 i32.const 4180 "
                                           "call $b3 drop" }, GK), "\"allowed\":true");
    HAS(eval_wat(rt, &(wat_guest){ .builtins = listed, .eval = "i32.const 4 i32.const 0 i32.const 4100 i32.const "
                                   "4100 i32.const 4100 i32.const 4100 call $b4 drop" }, GK),
        "\"internal server error: Rego builtin trace takes 1 argument(s), the policy called it with 4\"");
    HAS(eval_wat(rt, &(wat_guest){ .builtins = listed, .eval = "i32.const 9 i32.const 0 call $b0 drop" }, GK),
        "\"internal server error: the policy called Rego builtin id 9, which its builtins() did not list\"");
    HAS(eval_wat(rt, &(wat_guest){ .builtins = listed, .eval = "i32.const 1 i32.const 0 i32.const 999999 call $b1 "
                                   "drop" }, GK),
        "\"internal server error: argument 1 of semver.is_valid: address 999999 is outside the guest memory");
    HAS(eval_wat(rt, &(wat_guest){ .builtins = listed, .eval = "i32.const 2 i32.const 0 i32.const 4100 i32.const "
                                   "4140 call $b2 drop" }, GK),
        "\"internal server error: semver.compare: operand 2 is not a valid semantic version\"");
    /* a guest whose opa_json_dump calls a builtin (of the argument being read) again and again */
    HAS(eval_wat(rt, &(wat_guest){ .builtins = listed,
                                   .replace = "(func (export \"opa_json_dump\") (param i32) (result i32) local.get 0)",
                                   .with = "(global $deep (mut i32) (i32.const 0)) "
                                           "(func (export \"opa_json_dump\") (param i32) (result i32) "
                                           "global.get $deep if i32.const 1 i32.const 0 local.get 0 call $b1 drop end "
                                           "local.get 0)",
                                   .eval = "i32.const 1 global.set $deep i32.const 1 i32.const 0 i32.const 4100 "
                                           "call $b1 drop" }, GK),
        "\"internal server error: Rego builtin calls nested more than 4 deep");
    /* a builtin called before the evaluation (from a start function) is refused, not a crash */
    HAS(eval_wat(rt, &(wat_guest){ .builtins = listed, .extra = "(func $s i32.const 0 i32.const 0 call $b0 drop) "
                                   "(start $s)" }, GK),
        "LOAD cannot instantiate the module: ");
}

static void test_wat_timeout(void)
{
    policy_runtime *rt = new_runtime(300);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_STR(eval_wat(rt, &(wat_guest){ .eval = "(loop br 0)" }, GK),
              "{\"uid\":\"u1\",\"allowed\":false,\"status\":{\"message\":\"" POLICY_MSG_TIMEOUT "\",\"code\":500},"
              "\"auditAnnotations\":null,\"warnings\":null}");
    CHECK(seconds_since(&t0) < 5);
    /* the deadline also stops the guest inside a host builtin's call back into it */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    HAS(eval_wat(rt, &(wat_guest){ .builtins = "{\\\"trace\\\":0}",
                                   .replace = "(func (export \"opa_json_dump\") (param i32) (result i32) local.get 0)",
                                   .with = "(global $deep (mut i32) (i32.const 0)) "
                                           "(func (export \"opa_json_dump\") (param i32) (result i32) "
                                           "global.get $deep if (loop br 0) end local.get 0)",
                                   .eval = "i32.const 1 global.set $deep i32.const 0 i32.const 0 i32.const 4100 "
                                           "call $b1 drop" }, GK),
        "\"message\":\"" POLICY_MSG_TIMEOUT "\",\"code\":500");
    CHECK(seconds_since(&t0) < 5);
    policy_runtime_free(rt);
}

/* ---- the C guests (tests/opa/opa_guest.c) ---------------------------------------- */

static const char *ask(const policy *p, const char *action, const char *extra)
{
    json_buf request;
    json_buf_init(&request);
    json_buf_printf(&request, "{\"uid\":\"%s\",\"action\":\"%s\",\"object\":{\"metadata\":{\"name\":\"web\"}}",
                    action, action);
    if (extra) {
        json_buf_puts(&request, ",");
        json_buf_puts(&request, extra);
    }
    json_buf_puts(&request, "}");
    evaluate(p, request.data, NULL, out, sizeof out);
    json_buf_free(&request);
    return out;
}

/* Runs builtin `name` on `args` (JSON array text); its JSON result as the guest saw it. */
static const char *builtin(const policy *p, const char *name, const char *args)
{
    json_buf extra;
    json_buf_init(&extra);
    json_buf_printf(&extra, "\"name\":\"%s\",\"args\":", name);
    json_buf_puts(&extra, args);
    ask(p, "builtin", extra.data);
    json_buf_free(&extra);
    static char result[4096];
    json_arena *a = json_arena_new(1024);
    json_error jerr;
    const json_value *r = json_parse(a, out, strlen(out), &jerr);
    const json_value *status = r ? json_get(r, "status") : NULL;
    const json_value *msg = status ? json_get(status, "message") : NULL;
    snprintf(result, sizeof result, "%s", msg && json_get(status, "code") == NULL && msg->type == JSON_STRING
             ? msg->u.str : out);
    json_arena_free(a);
    return result;
}

static void test_opa_guest(policy_runtime *rt)
{
    policy_module *m = load_guest(rt, "opa_guest.wasm", OPA, err, sizeof err);
    CHECK(m != NULL);
    if (!m) {
        fprintf(stderr, "opa_guest.wasm: %s\n", err);
        return;
    }
    CHECK(policy_module_mode(m) == OPA);
    policy *p = make_policy(m, "opa-guest", "{\"who\":\"the admins\"}", NULL, err, sizeof err);
    json_arena *a = json_arena_new(1024);
    policy_settings_result valid;
    CHECK(policy_validate_settings(p, a, &valid) == 0 && valid.valid);     /* always, for Rego */
    json_arena_free(a);

    CHECK_STR(ask(p, "accept", NULL), "{\"uid\":\"accept\",\"allowed\":true,\"auditAnnotations\":null,"
                                      "\"warnings\":null}");
    CHECK_STR(ask(p, "reject", NULL), "{\"uid\":\"reject\",\"allowed\":false,\"status\":{\"message\":\"web rejected "
                                      "by the admins\",\"code\":403},\"auditAnnotations\":null,\"warnings\":null}");
    CHECK_STR(ask(p, "mutate", NULL),
              "{\"uid\":\"mutate\",\"allowed\":true,\"patchType\":\"JSONPatch\",\"patch\":\"W3sib3AiOiJhZGQiLCJwYX"
              "RoIjoiL21ldGFkYXRhL2xhYmVscy9tdXRhdGVkIiwidmFsdWUiOiJ5ZXMifV0=\",\"auditAnnotations\":null,"
              "\"warnings\":null}");
    /* input {"request": ...}, data = the settings */
    HAS(ask(p, "echo", NULL), "\"message\":\"{\\\"request\\\":{\\\"uid\\\":\\\"echo\\\",\\\"action\\\":\\\"echo\\\","
                              "\\\"object\\\":{\\\"metadata\\\":{\\\"name\\\":\\\"web\\\"}}}} {\\\"who\\\":\\\"the "
                              "admins\\\"}\"");
    /* each evaluation is the first of a fresh instance */
    for (int i = 0; i < 3; i++)
        HAS(ask(p, "count", NULL), "\"message\":\"1\"");
    HAS(ask(p, "no-response", NULL), "cannot interpret OPA policy result\",\"code\":500");
    HAS(ask(p, "bad-uid", NULL), "\"internal server error: missing field `uid`\",\"code\":500");
    HAS(ask(p, "undefined", NULL), "cannot interpret OPA policy result\",\"code\":500");
    HAS(ask(p, "abort", NULL), "\"internal server error: opa_abort: the test guest gives up\",\"code\":500");
    HAS(ask(p, "print", NULL), "\"allowed\":true");
    CHECK_STR(logs.message, "hello from the test guest");
    policy_free(p);

    /* raw requests are fine in OPA mode */
    policy_options raw = { .raw = 1 };
    p = make_policy(m, "opa-raw", NULL, &raw, err, sizeof err);
    HAS(evaluate(p, "{\"uid\":\"r\",\"action\":\"echo\"}", NULL, out, sizeof out),
        "\"message\":\"{\\\"request\\\":{\\\"uid\\\":\\\"r\\\",\\\"action\\\":\\\"echo\\\"}} {}\"");
    policy_free(p);
    policy_module_release(m);
}

static void test_builtins(policy_runtime *rt)
{
    policy_module *m = load_guest(rt, "opa_guest.wasm", OPA, err, sizeof err);
    if (!m)
        return;
    policy *p = make_policy(m, "builtins", NULL, NULL, err, sizeof err);
    CHECK_STR(builtin(p, "sprintf", "[\"%s=%d %v %q %.2f %5s|%-4d|\",[\"a\",42,[1,\"x\"],\"q\\\"\",3.14159,\"r\",7]]"),
              "\"a=42 [1, \\\"x\\\"] \\\"q\\\\\\\"\\\" 3.14     r|7   |\"");
    CHECK_STR(builtin(p, "sprintf", "[\"%d %s %v %v %x\",[1.5,3,true,null,255]]"),
              "\"%!d(float64=1.5) %!s(int=3) true null ff\"");
    CHECK_STR(builtin(p, "sprintf", "[\"%s %s\",[\"only\"]]"), "\"only %!s(MISSING)\"");
    CHECK_STR(builtin(p, "sprintf", "[\"x\",[1,\"y\"]]"), "\"x%!(EXTRA int=1, string=y)\"");
    CHECK_STR(builtin(p, "sprintf", "[\"%v %v\",[{\"k\":1},0.1]]"), "\"{\\\"k\\\": 1} 0.1\"");
    CHECK_STR(builtin(p, "json.is_valid", "[\"{\\\"a\\\":1}\"]"), "true");
    CHECK_STR(builtin(p, "json.is_valid", "[\"{a\"]"), "false");
    CHECK_STR(builtin(p, "yaml.is_valid", "[\"a: [1\"]"), "false");
    CHECK_STR(builtin(p, "yaml.unmarshal", "[\"a: 1\\nb: [x, true]\"]"), "{\"a\":1,\"b\":[\"x\",true]}");
    CHECK_STR(builtin(p, "yaml.marshal", "[{\"a\":[1,\"b\"]}]"), "\"a:\\n- 1\\n- b\\n\"");
    CHECK_STR(builtin(p, "hex.encode", "[\"hi!\"]"), "\"686921\"");
    CHECK_STR(builtin(p, "hex.decode", "[\"686921\"]"), "\"hi!\"");
    HAS(builtin(p, "hex.decode", "[\"6g\"]"), "internal server error: hex.decode: invalid byte at offset 1");
    CHECK_STR(builtin(p, "base64url.encode_no_pad", "[\"\\u00ff\\u00fe?\"]"), "\"w7_Dvj8\"");
    CHECK_STR(builtin(p, "urlquery.encode", "[\"a b&c=d/é\"]"), "\"a+b%26c%3Dd%2F%C3%A9\"");
    CHECK_STR(builtin(p, "urlquery.decode", "[\"a+b%26c%3Dd%2F%C3%A9\"]"), "\"a b&c=d/é\"");
    HAS(builtin(p, "urlquery.decode", "[\"%zz\"]"), "urlquery.decode: invalid URL escape \\\"%zz\\\"");
    CHECK_STR(builtin(p, "semver.is_valid", "[\"1.2.3-rc.1+build.5\"]"), "true");
    CHECK_STR(builtin(p, "semver.is_valid", "[\"01.2.3\"]"), "false");
    CHECK_STR(builtin(p, "semver.is_valid", "[42]"), "false");
    CHECK_STR(builtin(p, "semver.compare", "[\"1.10.0\",\"1.9.9\"]"), "1");
    CHECK_STR(builtin(p, "semver.compare", "[\"1.0.0-alpha\",\"1.0.0\"]"), "-1");
    CHECK_STR(builtin(p, "semver.compare", "[\"1.0.0-alpha.2\",\"1.0.0-alpha.10\"]"), "-1");
    CHECK_STR(builtin(p, "semver.compare", "[\"1.0.0-beta\",\"1.0.0-alpha.10\"]"), "1");
    CHECK_STR(builtin(p, "semver.compare", "[\"2.0.0+a\",\"2.0.0+b\"]"), "0");
    CHECK_STR(builtin(p, "glob.quote_meta", "[\"*.a?[b]{c}\\\\\"]"), "\"\\\\*.a\\\\?\\\\[b\\\\]\\\\{c\\\\}\\\\\\\\\"");
    CHECK_STR(builtin(p, "regex.split", "[\"[,;]\",\"a,b;;c\"]"), "[\"a\",\"b\",\"\",\"c\"]");
    CHECK_STR(builtin(p, "regex.split", "[\"x*\",\"axbc\"]"), "[\"a\",\"b\",\"c\"]");
    CHECK_STR(builtin(p, "regex.find_n", "[\"a+\",\"caaab ab\",-1]"), "[\"aaa\",\"a\"]");
    CHECK_STR(builtin(p, "regex.find_n", "[\"[0-9]\",\"a1b2c3\",2]"), "[\"1\",\"2\"]");
    HAS(builtin(p, "regex.find_n", "[\"(\",\"x\",1]"), "regex.find_n: error parsing regexp: ");
    HAS(builtin(p, "regex.find_n", "[\"(a*)*\\\\1\",\"aaaa\",1]"),
        "regex.find_n: error parsing regexp: invalid escape sequence: `\\\\1`");
    CHECK_STR(builtin(p, "regex.find_n", "[\"a\\\\\\\\1\",\"xa\\\\1\",1]"), "[\"a\\\\1\"]");     /* an escaped backslash */
    HAS(builtin(p, "json.patch", "[{\"a\":{\"b\":[1,2]}},[{\"op\":\"add\",\"path\":\"/a/b/1\",\"value\":9},"
                                       "{\"op\":\"remove\",\"path\":\"/a/b/0\"},{\"op\":\"copy\",\"from\":\"/a/b\","
                                       "\"path\":\"/c\"},{\"op\":\"move\",\"from\":\"/c\",\"path\":\"/d~1e\"},"
                                       "{\"op\":\"replace\",\"path\":\"/a/b/-\",\"value\":0},{\"op\":\"test\","
                                       "\"path\":\"/d~1e\",\"value\":[9,2]}]]"),
              "internal server error: json.patch: operation 4: path not found");
    CHECK_STR(builtin(p, "json.patch", "[{\"a\":{\"b\":[1,2]}},[{\"op\":\"add\",\"path\":\"/a/b/1\",\"value\":9},"
                                       "{\"op\":\"remove\",\"path\":\"/a/b/0\"},{\"op\":\"copy\",\"from\":\"/a/b\","
                                       "\"path\":\"/c\"},{\"op\":\"move\",\"from\":\"/c\",\"path\":\"/d~1e\"},"
                                       "{\"op\":\"add\",\"path\":\"/a/b/-\",\"value\":0},{\"op\":\"test\","
                                       "\"path\":\"/d~1e\",\"value\":[9,2]}]]"),
              "{\"a\":{\"b\":[9,2,0]},\"d/e\":[9,2]}");
    HAS(builtin(p, "json.patch", "[{},[{\"op\":\"test\",\"path\":\"/x\",\"value\":1}]]"),
        "json.patch: operation 0: test operation failed");
    /* a patch that copies a value into itself doubles it: held to 1M values */
    char patch[4096] = "[{\"a\":[1]},[";
    for (int i = 0; i < 25; i++)
        strcat(patch, i ? ",{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/a/-\"}"
                        : "{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/a/-\"}");
    strcat(patch, "]]");
    HAS(builtin(p, "json.patch", patch), "json.patch: operation 18: the patched document would be too large");
    /* YAML aliases share values: 10^5 copies of a 1000-byte string is a result too large to push */
    char yaml[4096] = "[\"a: &a [", *w = yaml + strlen(yaml);
    for (int i = 0; i < 1000; i++)
        *w++ = 'x';
    strcpy(w, "]\\n");
    for (char level = 'b'; level <= 'f'; level++) {
        w += strlen(w);
        w += sprintf(w, "%c: &%c [", level, level);
        for (int i = 0; i < 10; i++)
            w += sprintf(w, "%s*%c", i ? ", " : "", level - 1);
        strcpy(w, "]\\n");
    }
    strcat(yaml, "\"]");
    HAS(builtin(p, "yaml.unmarshal", yaml), "yaml.unmarshal: the result is larger than 64 MiB");
    /* sprintf widths add up: the output is held to 64 MiB */
    json_buf format;
    json_buf_init(&format);
    json_buf_puts(&format, "[\"");
    for (int i = 0; i < 7000; i++)
        json_buf_puts(&format, "%9999v");
    json_buf_puts(&format, "\",[0");
    for (int i = 1; i < 7000; i++)
        json_buf_puts(&format, ",0");
    json_buf_puts(&format, "]]");
    HAS(builtin(p, "sprintf", format.data), "sprintf: the result is larger than 64 MiB");
    json_buf_free(&format);
    CHECK_STR(builtin(p, "trace", "[\"noted\"]"), "true");
    CHECK_STR(logs.message, "noted");
    const char *now = builtin(p, "time.now_ns", "[]");
    CHECK(strlen(now) == 19 && now[0] == '1');
    HAS(builtin(p, "trace", "[1]"), "trace: operand 1 must be a string (note)");
    CHECK_STR(builtin(p, "regex.template_match", "[\"urn:foo:{[a-z]+}:x.{[0-9]{2}}\",\"urn:foo:bar:x.42\",\"{\",\"}\"]"),
              "true");
    CHECK_STR(builtin(p, "regex.template_match", "[\"urn:foo:{[a-z]+}\",\"urn:foo:b4r\",\"{\",\"}\"]"), "false");
    CHECK_STR(builtin(p, "regex.template_match", "[\"a.b{.*}\",\"axbc\",\"{\",\"}\"]"), "false");
    HAS(builtin(p, "regex.template_match", "[\"a{b\",\"ab\",\"{\",\"}\"]"), "unbalanced '{' in template at offset 1");
    CHECK_STR(builtin(p, "time.parse_rfc3339_ns", "[\"2024-02-29T12:30:00.5+01:00\"]"), "1709206200500000000");
    CHECK_STR(builtin(p, "time.parse_rfc3339_ns", "[\"1969-12-31T23:59:59Z\"]"), "-1000000000");
    HAS(builtin(p, "time.parse_rfc3339_ns", "[\"2023-02-29T00:00:00Z\"]"), "cannot parse \\\"2023-02-29T00:00:00Z\\\"");
    CHECK_STR(builtin(p, "time.date", "[1709206200500000000]"), "[2024,2,29]");
    CHECK_STR(builtin(p, "time.date", "[[-1,\"UTC\"]]"), "[1969,12,31]");
    HAS(builtin(p, "time.date", "[[0,\"Europe/Paris\"]]"), "time zone Europe/Paris is not supported");
    CHECK_STR(builtin(p, "urlquery.encode_object", "[{\"b\":[\"1\",\"2 3\"],\"a\":\"x&y\"}]"),
              "\"a=x%26y&b=1&b=2+3\"");
    CHECK_STR(builtin(p, "urlquery.decode_object", "[\"a=x%26y&b=1&&b=2+3&c\"]"),
              "{\"a\":[\"x&y\"],\"b\":[\"1\",\"2 3\"],\"c\":[\"\"]}");
    HAS(builtin(p, "urlquery.decode_object", "[\"a=1;b=2\"]"), "invalid semicolon separator in query");
    policy_free(p);
    policy_module_release(m);
}

static void test_gatekeeper_guest(policy_runtime *rt)
{
    policy_module *m = load_guest(rt, "gk_guest.wasm", GK, err, sizeof err);
    CHECK(m != NULL);
    if (!m) {
        fprintf(stderr, "gk_guest.wasm: %s\n", err);
        return;
    }
    policy *p = make_policy(m, "gk", "{\"max\":3}", NULL, err, sizeof err);
    CHECK_STR(ask(p, "accept", NULL), "{\"uid\":\"accept\",\"allowed\":true,\"auditAnnotations\":null,"
                                      "\"warnings\":null}");
    /* input {"parameters": settings, "review": request}, data {}; messages joined, no code */
    CHECK_STR(ask(p, "echo", NULL),
              "{\"uid\":\"echo\",\"allowed\":false,\"status\":{\"message\":\"{\\\"parameters\\\":{\\\"max\\\":3},"
              "\\\"review\\\":{\\\"uid\\\":\\\"echo\\\",\\\"action\\\":\\\"echo\\\",\\\"object\\\":{\\\"metadata\\\":"
              "{\\\"name\\\":\\\"web\\\"}}}} {}, second\"},\"auditAnnotations\":null,\"warnings\":null}");
    HAS(ask(p, "undefined", NULL), "\"allowed\":true");            /* fail-open */
    policy_free(p);
    policy_options raw = { .raw = 1 };
    p = make_policy(m, "gk-raw", NULL, &raw, err, sizeof err);
    CHECK_STR(evaluate(p, "{\"uid\":\"r\"}", NULL, out, sizeof out),
              "{\"uid\":\"r\",\"allowed\":false,\"status\":{\"message\":\"internal server error: Gatekeeper does not "
              "support raw validation requests\",\"code\":500},\"auditAnnotations\":null,\"warnings\":null}");
    policy_free(p);
    /* the same bytes in another mode are another module; a waPC load is refused */
    CHECK(load_guest(rt, "gk_guest.wasm", POLICY_EXEC_WAPC, err, sizeof err) == NULL);
    HAS(err, "Rego policy");
    policy_module *again = load_guest(rt, "gk_guest.wasm", GK, err, sizeof err);
    CHECK(again == m);
    policy_module_release(again);
    policy_module_release(m);
}

static void test_guest_timeout(void)
{
    policy_runtime *rt = new_runtime(300);
    policy_module *m = load_guest(rt, "opa_guest.wasm", OPA, err, sizeof err);
    if (m) {
        policy *p = make_policy(m, "loop", NULL, NULL, err, sizeof err);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        HAS(ask(p, "loop", NULL), "\"message\":\"" POLICY_MSG_TIMEOUT "\",\"code\":500");
        CHECK(seconds_since(&t0) < 5);
        HAS(ask(p, "accept", NULL), "\"allowed\":true");           /* the next evaluation is unaffected */
        policy_free(p);
        policy_module_release(m);
    }
    policy_runtime_free(rt);
}

int main(int argc, char **argv)
{
    fixture_init(argv[0]);
    policy_runtime *rt = new_runtime(2000);
    test_wat_results(rt);
    test_wat_load_failures(rt);
    test_wat_eval_failures(rt);
    test_wat_builtins(rt);
    test_wat_timeout();
    test_opa_guest(rt);
    test_builtins(rt);
    test_gatekeeper_guest(rt);
    test_guest_timeout();
    policy_runtime_free(rt);
    TEST_DONE();
}
