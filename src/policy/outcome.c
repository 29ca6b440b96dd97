/*
 * outcome.c - the two Kubewarden operations end to end: build the guest's
 * input, run it on a fresh sandbox, and turn its answer (or its failure) into
 * an AdmissionResponse or a settings verdict (spec §2.3, §2.5).
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define MSG_DELETE_MUTATION "Incoming object is null, which happens only with DELETE operations, " \
    "but the policy is attempting a mutation. This is not allowed"

/* ValidationRequest {"request":<request>,"settings":<settings>} in the arena, without
 * re-writing the request when its text is given. */
static const char *validation_request(json_arena *a, const policy *p, const json_value *request,
                                      const char *text, size_t text_len, size_t *len)
{
    json_buf b = { 0 };
    if (!text) {
        json_buf_init(&b);
        json_write(&b, request);
        if (b.oom) {
            json_buf_free(&b);
            return NULL;
        }
        text = b.data;
        text_len = b.len;
    }
    static const char head[] = "{\"request\":", mid[] = ",\"settings\":";
    size_t n = sizeof head - 1 + text_len + sizeof mid - 1 + p->settings_len + 1;
    char *out = json_arena_alloc(a, n + 1);
    if (out) {
        char *w = out;
        memcpy(w, head, sizeof head - 1), w += sizeof head - 1;
        memcpy(w, text, text_len), w += text_len;
        memcpy(w, mid, sizeof mid - 1), w += sizeof mid - 1;
        memcpy(w, p->settings, p->settings_len), w += p->settings_len;
        *w++ = '}';
        *w = '\0';
        *len = n;
    }
    json_buf_free(&b);
    return out;
}

/* ---- ValidationResponse -> policy_response ------------------------------------ */

typedef struct validation_response {
    bool accepted;
    const char *message;
    bool has_code;
    int code;
    const json_value *mutated_object, *audit_annotations, *warnings;
} validation_response;

static bool all_strings(const json_value *v)
{
    for (size_t i = 0; i < v->len; i++) {
        const json_value *item = v->type == JSON_OBJECT ? v->u.members[i].value : v->u.items[i];
        if (item->type != JSON_STRING)
            return false;
    }
    return true;
}

/* Reads the guest's answer like serde would; NULL on success, else the error text. */
static const char *read_validation_response(json_arena *a, const char *text, size_t len, validation_response *vr)
{
    json_error jerr;
    const json_value *doc = json_parse(a, text, len, &jerr);
    if (!doc)
        return arena_printf(a, "%s", jerr.message);
    if (doc->type != JSON_OBJECT)
        return arena_printf(a, "invalid type: %s, expected struct ValidationResponse", json_serde_type(doc));
    memset(vr, 0, sizeof *vr);
    const json_value *v = json_get(doc, "accepted");
    if (!v)
        return "missing field `accepted`";
    if (v->type != JSON_TRUE && v->type != JSON_FALSE)
        return arena_printf(a, "invalid type: %s, expected a boolean for `accepted`", json_serde_type(v));
    vr->accepted = v->type == JSON_TRUE;
    if ((v = json_get(doc, "message")) && v->type != JSON_NULL) {
        if (v->type != JSON_STRING)
            return arena_printf(a, "invalid type: %s, expected a string for `message`", json_serde_type(v));
        vr->message = v->u.str;
    }
    if ((v = json_get(doc, "code")) && v->type != JSON_NULL) {
        int64_t code;
        if (!json_is_integer(v, &code) || code < 0 || code > 65535)
            return "invalid value for `code`, expected u16";
        vr->has_code = true;
        vr->code = (int)code;
    }
    if ((v = json_get(doc, "mutated_object")) && v->type != JSON_NULL)
        vr->mutated_object = v;
    if ((v = json_get(doc, "audit_annotations")) && v->type != JSON_NULL) {
        if (v->type != JSON_OBJECT || !all_strings(v))
            return "invalid type for `audit_annotations`, expected a map of strings";
        vr->audit_annotations = v;
    }
    if ((v = json_get(doc, "warnings")) && v->type != JSON_NULL) {
        if (v->type != JSON_ARRAY || !all_strings(v))
            return "invalid type for `warnings`, expected a sequence of strings";
        vr->warnings = v;
    }
    return NULL;
}

/* patch = base64(RFC 6902 diff(original, mutated)); NULL when the diff is empty.  -1 out of memory. */
static int make_patch(json_arena *a, const json_value *original, const json_value *mutated, const char **patch)
{
    json_buf diff, b64;
    json_buf_init(&diff);
    json_buf_init(&b64);
    int rc = json_diff(a, original, mutated, &diff);
    *patch = NULL;
    if (rc == 0 && !diff.oom && !(diff.len == 2 && memcmp(diff.data, "[]", 2) == 0)) {
        base64_encode(&b64, diff.data, diff.len);
        *patch = b64.oom ? NULL : arena_strndup(a, b64.data, b64.len);
        rc = *patch ? 0 : -1;
    } else if (diff.oom) {
        rc = -1;
    }
    json_buf_free(&diff);
    json_buf_free(&b64);
    return rc;
}

static int to_admission_response(json_arena *a, const policy *p, const json_value *request,
                                 const validation_response *vr, policy_response *out)
{
    out->allowed = vr->accepted;
    if (vr->message || vr->has_code) {
        out->has_status = true;
        out->status.message = vr->message;
        out->status.has_code = vr->has_code;
        out->status.code = vr->code;
    }
    out->audit_annotations = vr->audit_annotations;
    out->warnings = vr->warnings;
    if (!vr->mutated_object)
        return 0;
    const json_value *original = p->raw ? request : json_get(request, "object");
    if (!original || original->type == JSON_NULL) {
        const char *uid = out->uid;
        memset(out, 0, sizeof *out);
        policy_response_reject(out, uid, MSG_DELETE_MUTATION, 0);
        return 0;
    }
    return make_patch(a, original, vr->mutated_object, &out->patch);
}

static const char *request_uid(const json_value *request)
{
    const char *uid = json_get_string(request, "uid");
    return uid ? uid : "";
}

int policy_validate(const policy *p, json_arena *a, const json_value *request,
                    const char *request_text, size_t request_text_len, policy_response *out)
{
    memset(out, 0, sizeof *out);
    if (!request)
        return -1;
    out->uid = request_uid(request);
    if (exec_mode_is_rego(p->module->mode))          /* Rego: its own input and result (opa.c) */
        return opa_validate(p, a, request, request_text, request_text_len, out);
    size_t len = 0;
    const char *input = validation_request(a, p, request, request_text, request_text_len, &len);
    if (!input || len > UINT32_MAX)
        return -1;
    eval_ctx e;
    eval_ctx_init(&e, p->module->rt, p, a);
    run_result r;
    policy_run(&e, p, false, input, len, &r);
    eval_ctx_free(&e);

    bool wasi = p->module->mode == POLICY_EXEC_WASI;
    int rc = 0;
    const char *msg = NULL;
    switch (r.status) {
    case RUN_NO_MEMORY:
        return -1;
    case RUN_TIMEOUT:
        policy_response_reject(out, out->uid, POLICY_MSG_TIMEOUT, 500);
        break;
    case RUN_FAILED:
        msg = arena_printf(a, wasi ? "internal server error: %s" : "internal server error: Guest call failure: %s",
                           r.failure);
        if (!msg)
            return -1;
        policy_response_reject(out, out->uid, msg, 500);
        break;
    case RUN_OK: {
        validation_response vr;
        const char *why = read_validation_response(a, r.output, r.output_len, &vr);
        if (why) {
            msg = arena_printf(a, wasi ? "internal server error: Cannot deserialize policy validation response: %s"
                                       : "internal server error: invalid response from policy: %s", why);
            if (!msg)
                return -1;
            policy_response_reject(out, out->uid, msg, 500);
        } else {
            rc = to_admission_response(a, p, request, &vr, out);
        }
        break;
    }
    }
    out->instantiate_ns = r.instantiate_ns;
    out->run_ns = r.run_ns;
    return rc;
}

/* ---- settings ---------------------------------------------------------------------- */

/* Upstream prints waPC failures with Rust's Debug format: GuestCallFailure("<escaped text>"). */
static const char *debug_guest_failure(json_arena *a, const char *text)
{
    json_buf b;
    json_buf_init(&b);
    json_buf_puts(&b, "Error invoking settings validation callback: GuestCallFailure(\"");
    for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
        if (*s == '"' || *s == '\\')
            json_buf_printf(&b, "\\%c", *s);
        else if (*s == '\n')
            json_buf_puts(&b, "\\n");
        else if (*s == '\t')
            json_buf_puts(&b, "\\t");
        else if (*s == '\r')
            json_buf_puts(&b, "\\r");
        else if (*s < 0x20 || *s == 0x7f)
            json_buf_printf(&b, "\\u{%x}", *s);
        else
            json_buf_append(&b, s, 1);
    }
    json_buf_puts(&b, "\")");
    const char *out = b.oom ? NULL : arena_strndup(a, b.data, b.len);
    json_buf_free(&b);
    return out;
}

/* -1 out of memory. */
static int read_settings_response(json_arena *a, bool wasi, const run_result *r, policy_settings_result *out)
{
    json_error jerr;
    const json_value *doc = json_parse(a, r->output, r->output_len, &jerr);
    const json_value *valid = doc ? json_get(doc, "valid") : NULL;
    const char *why = NULL;
    if (!doc)
        why = jerr.message;
    else if (doc->type != JSON_OBJECT)
        why = arena_printf(a, "invalid type: %s, expected struct SettingsValidationResponse", json_serde_type(doc));
    else if (!valid)
        why = "missing field `valid`";
    else if (valid->type != JSON_TRUE && valid->type != JSON_FALSE)
        why = "invalid type for `valid`, expected a boolean";
    if (!why) {
        out->valid = valid->type == JSON_TRUE;
        out->message = json_get_string(doc, "message");
        return 0;
    }
    out->message = arena_printf(a, wasi ? "Cannot deserialize settings validation response: %s" : "error: %s", why);
    return out->message ? 0 : -1;
}

int policy_validate_settings(const policy *p, json_arena *a, policy_settings_result *out)
{
    memset(out, 0, sizeof *out);
    if (exec_mode_is_rego(p->module->mode)) {
        out->valid = true;                           /* spec §2.6: Rego settings are always valid */
        return 0;
    }
    eval_ctx e;
    eval_ctx_init(&e, p->module->rt, p, a);
    run_result r;
    policy_run(&e, p, true, p->settings, p->settings_len, &r);
    eval_ctx_free(&e);
    bool wasi = p->module->mode == POLICY_EXEC_WASI;
    switch (r.status) {
    case RUN_NO_MEMORY:
        return -1;
    case RUN_TIMEOUT:
        out->message = wasi ? POLICY_MSG_TIMEOUT
                     : debug_guest_failure(a, "guest code interrupted, execution deadline exceeded");
        break;
    case RUN_FAILED:
        out->message = wasi ? r.failure : debug_guest_failure(a, r.failure);
        break;
    case RUN_OK:
        return read_settings_response(a, wasi, &r, out);
    }
    return out->message ? 0 : -1;
}
