/*
 * opa_result.c - what a Rego policy's result set means (spec §2.6).
 *
 * The result set is `[{"result": <value of entrypoint 0>}]`.
 *   OPA: the value's `response` is a ready AdmissionResponse (camelCase; `uid`
 *     and `allowed` required; the uid is then replaced by the request's).
 *     No such path: "internal server error: cannot interpret OPA policy
 *     result"; a response that does not parse: "internal server error: <why>".
 *   Gatekeeper: the value is the list of violations `{"msg": ...}`; none means
 *     allowed, otherwise a rejection whose message is the msgs joined by ", "
 *     (no code).  A result that is not such a list is read as no violations:
 *     upstream's fail-open quirk, kept, with a warning in the log.
 */
#include <string.h>

#include "opa_internal.h"

#define MSG_CANNOT_INTERPRET "cannot interpret OPA policy result"

/* result_set[0].result, or NULL. */
static const json_value *first_result(const json_value *set)
{
    const json_value *first = set ? json_index(set, 0) : NULL;
    return first ? json_get(first, "result") : NULL;
}

static bool string_map(const json_value *v)
{
    for (size_t i = 0; i < v->len; i++)
        if (v->u.members[i].value->type != JSON_STRING)
            return false;
    return true;
}

static bool string_list(const json_value *v)
{
    for (size_t i = 0; i < v->len; i++)
        if (v->u.items[i]->type != JSON_STRING)
            return false;
    return true;
}

/* A string member or null/absent; *ok false when present with another type. */
static const char *optional_string(const json_value *obj, const char *key, bool *ok)
{
    const json_value *v = json_get(obj, key);
    if (!v || v->type == JSON_NULL)
        return NULL;
    if (v->type != JSON_STRING)
        *ok = false;
    return v->type == JSON_STRING ? v->u.str : NULL;
}

/* status.details.causes[] -> policy causes; NULL on success, else why. */
static const char *read_causes(json_arena *a, const json_value *details, policy_response *out)
{
    const json_value *causes = details ? json_get(details, "causes") : NULL;
    if (!causes || causes->type == JSON_NULL)
        return NULL;
    if (causes->type != JSON_ARRAY)
        return arena_printf(a, "invalid type: %s, expected a sequence for `causes`", json_serde_type(causes));
    for (size_t i = 0; i < causes->len; i++) {
        const json_value *c = causes->u.items[i];
        bool ok = c->type == JSON_OBJECT;
        const char *reason = ok ? optional_string(c, "reason", &ok) : NULL;
        const char *message = ok ? optional_string(c, "message", &ok) : NULL;
        const char *field = ok ? optional_string(c, "field", &ok) : NULL;
        if (!ok)
            return "invalid type in `status.details.causes`";
        if (policy_response_add_cause(a, out, reason, message, field) < 0)
            return "out of memory";
    }
    return NULL;
}

static const char *read_status(json_arena *a, const json_value *status, policy_response *out)
{
    if (!status || status->type == JSON_NULL)
        return NULL;
    if (status->type != JSON_OBJECT)
        return arena_printf(a, "invalid type: %s, expected struct Status", json_serde_type(status));
    out->has_status = true;
    bool ok = true;
    out->status.message = optional_string(status, "message", &ok);
    if (!ok)
        return "invalid type for `status.message`, expected a string";
    const json_value *code = json_get(status, "code");
    if (code && code->type != JSON_NULL) {
        int64_t c;
        if (!json_is_integer(code, &c) || c < INT32_MIN || c > INT32_MAX)
            return "invalid value for `status.code`, expected i32";
        out->status.has_code = true;
        out->status.code = (int)c;
    }
    const json_value *details = json_get(status, "details");
    if (details && details->type != JSON_NULL && details->type != JSON_OBJECT)
        return arena_printf(a, "invalid type: %s, expected struct StatusDetails", json_serde_type(details));
    return read_causes(a, details, out);
}

/* `patch` is base64 in the JSON; kept re-encoded in the standard padded form. */
static const char *read_patch(json_arena *a, const json_value *patch, policy_response *out)
{
    if (!patch || patch->type == JSON_NULL)
        return NULL;
    if (patch->type != JSON_STRING)
        return arena_printf(a, "invalid type: %s, expected a base64 string for `patch`", json_serde_type(patch));
    json_buf raw, b64;
    json_buf_init(&raw);
    json_buf_init(&b64);
    const char *why = NULL;
    if (base64_decode(&raw, patch->u.str, patch->len) < 0)
        why = "invalid base64 in `patch`";
    else if (raw.len) {
        base64_encode(&b64, raw.data, raw.len);
        out->patch = b64.oom ? NULL : arena_strndup(a, b64.data, b64.len);
        why = out->patch ? NULL : "out of memory";
    }
    json_buf_free(&raw);
    json_buf_free(&b64);
    return why;
}

/* The AdmissionResponse as serde would read it; NULL on success, else the error text. */
static const char *read_admission_response(json_arena *a, const json_value *resp, policy_response *out)
{
    if (resp->type != JSON_OBJECT)
        return arena_printf(a, "invalid type: %s, expected struct AdmissionResponse", json_serde_type(resp));
    const json_value *uid = json_get(resp, "uid"), *allowed = json_get(resp, "allowed");
    if (!uid)
        return "missing field `uid`";
    if (uid->type != JSON_STRING)
        return arena_printf(a, "invalid type: %s, expected a string for `uid`", json_serde_type(uid));
    if (!allowed)
        return "missing field `allowed`";
    if (allowed->type != JSON_TRUE && allowed->type != JSON_FALSE)
        return arena_printf(a, "invalid type: %s, expected a boolean for `allowed`", json_serde_type(allowed));
    out->allowed = allowed->type == JSON_TRUE;
    const char *why = read_status(a, json_get(resp, "status"), out);
    if (!why)
        why = read_patch(a, json_get(resp, "patch"), out);
    if (why)
        return why;
    const json_value *v = json_get(resp, "auditAnnotations");
    if (v && v->type != JSON_NULL) {
        if (v->type != JSON_OBJECT || !string_map(v))
            return "invalid type for `auditAnnotations`, expected a map of strings";
        out->audit_annotations = v;
    }
    v = json_get(resp, "warnings");
    if (v && v->type != JSON_NULL) {
        if (v->type != JSON_ARRAY || !string_list(v))
            return "invalid type for `warnings`, expected a sequence of strings";
        out->warnings = v;
    }
    return NULL;
}

static int interpret_opa(json_arena *a, const json_value *result, policy_response *out)
{
    const json_value *resp = result ? json_get(result, "response") : NULL;
    const char *why = resp ? NULL : MSG_CANNOT_INTERPRET;
    if (resp) {
        const char *uid = out->uid;
        why = read_admission_response(a, resp, out);
        out->uid = uid;                  /* the request's, whatever the policy wrote */
    }
    if (!why)
        return 0;
    const char *msg = arena_printf(a, "internal server error: %s", why);
    if (!msg)
        return -1;
    const char *uid = out->uid;
    memset(out, 0, sizeof *out);
    policy_response_reject(out, uid, msg, 500);
    return 0;
}

/* The violations' msgs joined by ", "; NULL (with *parsed false) when the
 * value is not a list of {"msg": string} objects. */
static int interpret_gatekeeper(const policy *p, json_arena *a, const json_value *result, policy_response *out)
{
    bool parsed = result && result->type == JSON_ARRAY;
    json_buf msg;
    json_buf_init(&msg);
    for (size_t i = 0; parsed && i < result->len; i++) {
        const char *text = json_get_string(result->u.items[i], "msg");
        parsed = text != NULL;
        if (text) {
            json_buf_puts(&msg, i ? ", " : "");
            json_buf_puts(&msg, text);
        }
    }
    if (!parsed) {
        policy_log(p->module->rt, POLICY_LOG_WARN, p->id,
                   "the Gatekeeper result is not a list of violations {\"msg\": ...}: accepted (fail-open)", NULL);
        out->allowed = true;
    } else if (result->len == 0) {
        out->allowed = true;
    } else {
        const char *text = msg.oom ? NULL : arena_strndup(a, msg.data, msg.len);
        if (text)
            policy_response_reject(out, out->uid, text, 0);
    }
    bool oom = msg.oom || (parsed && result->len && !out->status.message);
    json_buf_free(&msg);
    return oom ? -1 : 0;
}

int opa_result_interpret(const policy *p, json_arena *a, const char *result_set, size_t len, policy_response *out)
{
    json_error jerr;
    const json_value *set = json_parse(a, result_set, len, &jerr);
    if (!set) {
        const char *msg = arena_printf(a, "internal server error: the result set is not JSON: %s", jerr.message);
        if (!msg)
            return -1;
        policy_response_reject(out, out->uid, msg, 500);
        return 0;
    }
    const json_value *result = first_result(set);
    if (p->module->mode == POLICY_EXEC_GATEKEEPER)
        return interpret_gatekeeper(p, a, result, out);
    return interpret_opa(a, result, out);
}
