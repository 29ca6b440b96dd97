/*
 * opa_guest.c - a test policy for the Rego ABI, built with sdk/opa/ as an OPA
 * module (opa_guest.wasm) and, with -DGATEKEEPER, as a Gatekeeper module
 * (gk_guest.wasm).  input.request.action (OPA) / input.review.action
 * (Gatekeeper), or the object's annotation test-action, says what to do:
 *
 *   accept, reject, mutate  an AdmissionResponse: allowed / rejected with a
 *                           message from sprintf and data.who, code 403 /
 *                           allowed with a JSONPatch adding a label
 *   echo                    status.message = "<input> <data>"
 *   count                   status.message = how many evaluations this instance ran
 *   builtin                 runs builtin `name` with `args`: status.message = its JSON result
 *   no-response, bad-uid    a result without `response` / a response without `uid`
 *   undefined               an empty result set
 *   abort, print, loop      opa_abort / opa_println then accept / never ends
 * Gatekeeper: violations {"msg": <input text>} for echo, none for accept.
 */
#include "opa.h"

#include <string.h>

#define LIT(s) kw_view(s, sizeof s - 1)

/* Every builtin the host implements, and one id for each. */
static const char builtins[] =
    "{\"base64url.encode_no_pad\":0,\"glob.quote_meta\":1,\"hex.decode\":2,\"hex.encode\":3,"
    "\"json.is_valid\":4,\"json.patch\":5,\"regex.find_n\":6,\"regex.split\":7,\"semver.compare\":8,"
    "\"semver.is_valid\":9,\"sprintf\":10,\"time.now_ns\":11,\"trace\":12,\"urlquery.decode\":13,"
    "\"urlquery.encode\":14,\"yaml.is_valid\":15,\"yaml.marshal\":16,\"yaml.unmarshal\":17,"
    "\"regex.template_match\":18,\"time.date\":19,\"time.parse_rfc3339_ns\":20,"
    "\"urlquery.decode_object\":21,\"urlquery.encode_object\":22}";

static int evaluations;              /* in the snapshot: 0 for every fresh instance */

static int builtin_id(const char *name)
{
    int64_t id = -1;
    kw_int(kw_get(kw_view(builtins, sizeof builtins - 1), name), &id);
    return (int)id;
}

static kw_val call_builtin(kw_val request)
{
    kw_val args = kw_get(request, "args"), list[4];
    int n = 0;
    kw_iter it = kw_iter_begin(args);
    while (n < 4 && kw_next(&it, &list[n]))
        n++;
    char *name = kw_str(kw_get(request, "name"));
    return opa_builtin(builtin_id(name), n, list);
}

/* {"response": {"uid": "ignored", "allowed": .., "status": {"message": .., "code": ..}, "patch": ..}} */
static kw_val response(bool allowed, kw_val message_json, int code, const char *patch)
{
    kw_writer w = { 0 };
    kw_w_obj(&w);
    kw_w_key(&w, "response");
    kw_w_obj(&w);
    kw_w_key(&w, "uid");
    kw_w_str(&w, "the host replaces this");
    kw_w_key(&w, "allowed");
    kw_w_bool(&w, allowed);
    if (kw_present(message_json)) {
        kw_w_key(&w, "status");
        kw_w_obj(&w);
        kw_w_key(&w, "message");
        kw_w_val(&w, message_json);
        if (code) {
            kw_w_key(&w, "code");
            kw_w_int(&w, code);
        }
        kw_w_end(&w);
    }
    if (patch) {
        kw_w_key(&w, "patchType");
        kw_w_str(&w, "JSONPatch");
        kw_w_key(&w, "patch");
        kw_w_str(&w, patch);
    }
    kw_w_end(&w);
    kw_w_end(&w);
    return kw_view(w.buf.data, w.buf.len);
}

static kw_val as_string(const char *s, size_t n)
{
    kw_writer w = { 0 };
    kw_w_strn(&w, s, n);
    return kw_view(w.buf.data, w.buf.len);
}

static kw_val echo(kw_val input, kw_val data)
{
    kw_buf b = { 0 };
    kw_buf_put(&b, input.p, input.n);
    kw_buf_putc(&b, ' ');
    kw_buf_put(&b, data.p, data.n);
    return as_string(b.data, b.len);
}

/* [{"op":"add","path":"/metadata/labels/mutated","value":"yes"}] in base64 */
#define LABEL_PATCH "W3sib3AiOiJhZGQiLCJwYXRoIjoiL21ldGFkYXRhL2xhYmVscy9tdXRhdGVkIiwidmFsdWUiOiJ5ZXMifV0="

static kw_val rejection(kw_val request, kw_val data)
{
    kw_writer w = { 0 };
    kw_w_arr(&w);
    kw_w_val(&w, kw_path(request, "object.metadata.name"));
    kw_w_val(&w, kw_get(data, "who"));
    kw_w_end(&w);
    kw_val args[2] = { LIT("\"%s rejected by %v\""), kw_view(w.buf.data, w.buf.len) };
    return opa_builtin(builtin_id("sprintf"), 2, args);
}

static kw_val run(kw_val request, kw_val input, kw_val data)
{
    evaluations++;
    kw_val action = kw_get(request, "action");
    if (!kw_present(action))         /* the server passes AdmissionRequest fields only */
        action = kw_get(kw_path(request, "object.metadata.annotations"), "test-action");
    if (kw_str_eq(action, "reject"))
        return response(false, rejection(request, data), 403, NULL);
    if (kw_str_eq(action, "mutate"))
        return response(true, KW_NONE, 0, LABEL_PATCH);
    if (kw_str_eq(action, "echo"))
        return response(false, echo(input, data), 0, NULL);
    if (kw_str_eq(action, "count")) {
        char digits[2] = { (char)('0' + evaluations % 10), '\0' };
        return response(false, as_string(digits, 1), 0, NULL);
    }
    if (kw_str_eq(action, "builtin")) {
        kw_val result = call_builtin(request);
        return response(false, as_string(result.p, result.n), 0, NULL);
    }
    if (kw_str_eq(action, "no-response"))
        return LIT("{\"apiVersion\":\"admission.k8s.io/v1\"}");
    if (kw_str_eq(action, "bad-uid"))
        return LIT("{\"response\":{\"allowed\":true}}");
    if (kw_str_eq(action, "undefined"))
        return KW_NONE;
    if (kw_str_eq(action, "abort"))
        opa_fail("the test guest gives up");
    if (kw_str_eq(action, "print"))
        opa_print("hello from the test guest");
    if (kw_str_eq(action, "loop"))
        for (volatile int spin = 1; spin;)
            ;
    return response(true, KW_NONE, 0, NULL);
}

#ifdef GATEKEEPER
static kw_val violations(kw_val input, kw_val data)
{
    kw_val review = kw_get(input, "review");
    if (kw_str_eq(kw_get(review, "action"), "echo")) {
        kw_writer w = { 0 };
        kw_w_arr(&w);
        kw_w_obj(&w);
        kw_w_key(&w, "msg");
        kw_w_val(&w, echo(input, data));
        kw_w_end(&w);
        kw_w_obj(&w);
        kw_w_key(&w, "msg");
        kw_w_str(&w, "second");
        kw_w_end(&w);
        kw_w_end(&w);
        return kw_view(w.buf.data, w.buf.len);
    }
    kw_val r = run(review, input, data);
    return kw_str_eq(kw_get(review, "action"), "undefined") ? r : LIT("[]");
}

OPA_POLICY("policy/violation", builtins, violations)
#else
static kw_val main_rule(kw_val input, kw_val data)
{
    return run(kw_get(input, "request"), input, data);
}

OPA_POLICY("policy/main", builtins, main_rule)
#endif
