/*
 * test_server_admission.c - request bodies (400/422 and what the policy sees),
 * content types and error bodies.  The post-processing of spec §1.8 is tested
 * in test_policy_postprocess.c.
 */
#include "../../src/server/admission.h"
#include "test.h"

#include <string.h>

static json_arena *arena;
static char msg[512];

#define REQ_HEAD "{\"uid\":\"u1\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"}," \
                 "\"resource\":{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\"},\"operation\":\"CREATE\"," \
                 "\"userInfo\":{\"username\":\"admin\"}"

static int parse(const char *body, request_origin origin, admission_request *out)
{
    json_arena_reset(arena);
    msg[0] = '\0';
    return admission_parse(arena, body, strlen(body), origin, out, msg, sizeof msg);
}

static void expect_status(const char *body, request_origin origin, int status, const char *want)
{
    admission_request r;
    int got = parse(body, origin, &r);
    CHECK_INT(got, status);
    if (!strstr(msg, want))
        fprintf(stderr, "body %s: message '%s' lacks '%s'\n", body, msg, want);
    CHECK(strstr(msg, want) != NULL);
}

static void test_valid_review(void)
{
    admission_request r;
    const char *body = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":"
                       REQ_HEAD ",\"namespace\":\"default\",\"name\":\"p\",\"requestKind\":{\"group\":\"\","
                       "\"version\":\"v1\",\"kind\":\"Pod\"},\"object\":{\"a\":1},\"oldObject\":null,"
                       "\"dryRun\":false,\"unknownField\":{\"x\":1}}}";
    CHECK_INT(parse(body, ORIGIN_VALIDATE, &r), 0);
    CHECK_STR(r.uid, "u1");
    CHECK_STR(r.kind, "Pod");
    CHECK_STR(r.request_kind, "Pod");
    CHECK_STR(r.operation, "CREATE");
    CHECK_STR(r.namespace_, "default");
    CHECK_STR(r.name, "p");
    /* what the policy sees: known, non-null fields only */
    json_buf b;
    json_buf_init(&b);
    json_write(&b, r.request);
    CHECK_STR(b.data, "{\"uid\":\"u1\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
                      "\"resource\":{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\"},"
                      "\"requestKind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},\"name\":\"p\","
                      "\"namespace\":\"default\",\"operation\":\"CREATE\",\"userInfo\":{\"username\":\"admin\"},"
                      "\"object\":{\"a\":1},\"dryRun\":false}");
    json_buf_free(&b);
    /* apiVersion and kind of the review are optional */
    CHECK_INT(parse("{\"request\":" REQ_HEAD "}}", ORIGIN_AUDIT, &r), 0);
    CHECK(r.namespace_ == NULL && r.request_kind == NULL);
}

/* A pretty-printed UPDATE: the text the policy gets is compact, object and
 * oldObject copied as written (escapes, UTF-8, number literals kept), and the
 * fields the server reads are decoded. */
static void test_pretty_update(void)
{
    admission_request r;
    const char *body =
        "{\n  \"request\": {\n    \"uid\": \"u\\u0031\",\n"
        "    \"kind\": { \"group\": \"\", \"version\": \"v1\", \"kind\": \"P\\u006fd\" },\n"
        "    \"resource\": { \"group\": \"\", \"version\": \"v1\", \"resource\": \"pods\" },\n"
        "    \"operation\": \"UPDATE\", \"namespace\": \"d\\/x\",\n"
        "    \"userInfo\": { \"username\": \"admin\", \"groups\": [ \"g1\", \"g2\" ] },\n"
        "    \"object\": { \"metadata\": { \"name\": \"p \\\"q\\\" \\u00e9 h\xc3\xa9\" },\n"
        "                \"spec\": { \"n\": [ 1.50e+3, -0, 12345678901234567890 ] } },\n"
        "    \"oldObject\": { \"metadata\": { \"name\": \"p\" } },\n"
        "    \"options\": null\n  }\n}\n";
    CHECK_INT(parse(body, ORIGIN_VALIDATE, &r), 0);
    CHECK_STR(r.uid, "u1");
    CHECK_STR(r.kind, "Pod");
    CHECK_STR(r.namespace_, "d/x");
    CHECK_STR(r.operation, "UPDATE");
    json_buf b;
    json_buf_init(&b);
    json_write(&b, r.request);
    CHECK_STR(b.data, "{\"uid\":\"u1\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
                      "\"resource\":{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\"},"
                      "\"namespace\":\"d/x\",\"operation\":\"UPDATE\","
                      "\"userInfo\":{\"username\":\"admin\",\"groups\":[\"g1\",\"g2\"]},"
                      "\"object\":{\"metadata\":{\"name\":\"p \\\"q\\\" \\u00e9 h\xc3\xa9\"},"
                      "\"spec\":{\"n\":[1.50e+3,-0,12345678901234567890]}},"
                      "\"oldObject\":{\"metadata\":{\"name\":\"p\"}}}");
    /* the same document as the one json_parse builds from the body */
    const json_value *full = json_get(json_parse(arena, body, strlen(body), NULL), "request");
    const json_value *sent = json_parse(arena, b.data, b.len, NULL);
    CHECK(sent && full);
    CHECK(json_equal(json_get(sent, "object"), json_get(full, "object")));
    CHECK(json_equal(json_get(sent, "oldObject"), json_get(full, "oldObject")));
    CHECK(json_equal(json_get(sent, "userInfo"), json_get(full, "userInfo")));
    /* a mutation's diff expands what it needs */
    json_buf patch;
    json_buf_init(&patch);
    CHECK_INT(json_diff(arena, json_get(r.request, "object"), json_get(full, "object"), &patch), 0);
    CHECK_STR(patch.data, "[]");
    json_buf_reset(&patch);
    const char *mutated = "{\"metadata\":{\"name\":\"p \\\"q\\\" \\u00e9 h\xc3\xa9\"},\"spec\":{\"n\":[1500]}}";
    CHECK_INT(json_diff(arena, json_get(r.request, "object"), json_parse(arena, mutated, strlen(mutated), NULL),
                        &patch), 0);
    CHECK_STR(patch.data, "[{\"op\":\"remove\",\"path\":\"/spec/n/2\"},{\"op\":\"remove\",\"path\":\"/spec/n/1\"}]");
    json_buf_free(&patch);
    json_buf_free(&b);
}

static void test_bad_reviews(void)
{
    expect_status("{\"request\":", ORIGIN_VALIDATE, 400, "Failed to parse the request body as JSON");
    expect_status("", ORIGIN_VALIDATE, 400, "offset 0");
    expect_status("{\"request\":{}} trailing", ORIGIN_VALIDATE, 400, "JSON");
    expect_status("[1]", ORIGIN_VALIDATE, 422, "invalid type: sequence");
    expect_status("{}", ORIGIN_VALIDATE, 422, "missing field `request`");
    expect_status("{\"request\":null}", ORIGIN_VALIDATE, 422, "missing field `request`");
    expect_status("{\"request\":\"x\"}", ORIGIN_VALIDATE, 422, "request: invalid type: string");
    expect_status("{\"request\":{}}", ORIGIN_VALIDATE, 422, "missing field `uid`");
    expect_status("{\"request\":{\"uid\":1}}", ORIGIN_VALIDATE, 422, "request.uid: invalid type: number");
    expect_status("{\"request\":{\"uid\":\"u\",\"kind\":{\"group\":\"\",\"kind\":\"Pod\"}}}", ORIGIN_VALIDATE,
                  422, "request.kind: missing field `version`");
    expect_status("{\"request\":" REQ_HEAD ",\"namespace\":3}}", ORIGIN_VALIDATE, 422,
                  "request.namespace: invalid type: number");
    expect_status("{\"request\":" REQ_HEAD ",\"dryRun\":\"yes\"}}", ORIGIN_VALIDATE, 422, "request.dryRun");
    expect_status("{\"request\":" REQ_HEAD ",\"requestKind\":{\"group\":\"\"}}}", ORIGIN_VALIDATE, 422,
                  "request.requestKind: missing field `version`");
    expect_status("{\"request\":{\"uid\":\"u\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
                  "\"resource\":{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\"},"
                  "\"operation\":\"CREATE\"}}", ORIGIN_VALIDATE, 422, "missing field `userInfo`");
    expect_status("{\"request\":" REQ_HEAD "},\"kind\":5}", ORIGIN_VALIDATE, 422, "kind: invalid type");
    expect_status("{\"request\":{\"uid\":\"u\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
                  "\"resource\":{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\"},\"operation\":\"C\","
                  "\"userInfo\":{\"groups\":\"g\"}}}", ORIGIN_VALIDATE, 422, "request.userInfo.groups");
    /* malformed JSON inside the object the server does not build: still 400, at its offset */
    expect_status("{\"request\":" REQ_HEAD ",\"object\":{\"a\":[1,]}}}", ORIGIN_VALIDATE, 400,
                  "expected a value, found ']' at offset 198");
    expect_status("{\"request\":" REQ_HEAD ",\"object\":{\"a\":\"\\x\"}}}", ORIGIN_VALIDATE, 400,
                  "invalid escape in string at offset 196");
    /* a syntax error after a schema error is still a 400 */
    expect_status("{\"request\":{\"uid\":1,\"object\":{\"a\" 1}}}", ORIGIN_VALIDATE, 400, "expected ':'");
}

static void test_raw(void)
{
    admission_request r;
    CHECK_INT(parse("{\"request\":{\"uid\":\"r1\",\"user\":\"alice\"}}", ORIGIN_RAW, &r), 0);
    CHECK_STR(r.uid, "r1");
    CHECK(json_get_string(r.request, "user") != NULL);
    CHECK_INT(parse("{\"request\":{\"uid\":7}}", ORIGIN_RAW, &r), 0);
    CHECK_STR(r.uid, "");
    CHECK_INT(parse("{\"request\":[1,2]}", ORIGIN_RAW, &r), 0);
    CHECK_STR(r.uid, "");
    expect_status("{\"req\":{}}", ORIGIN_RAW, 422, "missing field `request`");
    expect_status("\"x\"", ORIGIN_RAW, 422, "ValidateRawRequest");
    expect_status("{", ORIGIN_RAW, 400, "JSON");
}

static void test_content_type(void)
{
    CHECK(admission_content_type_ok("application/json"));
    CHECK(admission_content_type_ok("application/json; charset=utf-8"));
    CHECK(admission_content_type_ok("Application/JSON"));
    CHECK(admission_content_type_ok("application/merge-patch+json"));
    CHECK(!admission_content_type_ok(NULL));
    CHECK(!admission_content_type_ok("text/plain"));
    CHECK(!admission_content_type_ok("application/jsonx"));
    CHECK(!admission_content_type_ok("application/x-www-form-urlencoded"));
    CHECK(!admission_content_type_ok("application/+json"));
}

/* ---- post-processing ------------------------------------------------------------- */

static void test_error_body(void)
{
    json_buf b;
    json_buf_init(&b);
    admission_error_body(&b, "unknown policy: \"x\"", 404);
    CHECK_STR(b.data, "{\"message\":\"unknown policy: \\\"x\\\"\",\"status\":404}");
    json_buf_free(&b);
}

/* Random byte edits of a valid review never crash the parser and always give
 * 0, 400 or 422 (run under ASan+UBSan by test-san). */
static void test_mutated_bodies(void)
{
    const char *valid = "{\"request\":" REQ_HEAD ",\"namespace\":\"default\",\"object\":{\"a\":[1,2.5e3,"
                        "\"\\u00e9\"]},\"dryRun\":true}}";
    static const char alphabet[] = "{}[]\":,\\0123456789.eE-+tfnul \x01\xff\xc3";
    size_t len = strlen(valid);
    char body[512];
    unsigned seed = 12345;
    int bad = 0;
    for (int i = 0; i < 20000; i++) {
        memcpy(body, valid, len + 1);
        size_t n = len;
        for (int edits = 1 + i % 4; edits > 0; edits--) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % n;
            seed = seed * 1103515245u + 12345u;
            switch ((seed >> 16) % 3) {
            case 0: body[at] = alphabet[(seed >> 4) % (sizeof alphabet - 1)]; break;   /* replace */
            case 1: memmove(body + at, body + at + 1, n - at); n--; break;              /* delete */
            default: n = at; body[n] = '\0'; break;                                      /* truncate */
            }
            if (n == 0)
                break;
        }
        admission_request r;
        json_arena_reset(arena);
        int status = admission_parse(arena, body, n, i % 2 ? ORIGIN_VALIDATE : ORIGIN_RAW, &r, msg, sizeof msg);
        if (status != 0 && status != 400 && status != 422)
            bad++;
        if (status == 0 && (!r.request || !r.uid))
            bad++;
        if (status == 0) {                  /* what the policy gets is valid JSON */
            json_buf text;
            json_buf_init(&text);
            json_write(&text, r.request);
            if (!json_parse(arena, text.data, text.len, NULL))
                bad++;
            json_buf_free(&text);
        }
    }
    CHECK_INT(bad, 0);
}

int main(void)
{
    arena = json_arena_new(1 << 16);
    test_valid_review();
    test_pretty_update();
    test_bad_reviews();
    test_raw();
    test_content_type();
    test_error_body();
    test_mutated_bodies();
    json_arena_free(arena);
    TEST_DONE();
}
