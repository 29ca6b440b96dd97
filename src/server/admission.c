/*
 * admission.c - request bodies in, error bodies out (see admission.h).
 * Messages for bad bodies follow upstream's framework (axum + serde) closely,
 * since operators grep for them.
 */
#include "admission.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define DESERIALIZE_PREFIX "Failed to deserialize the JSON body into the target type: "

static int reject(int status, char *msg, size_t msglen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, msglen, fmt, ap);
    va_end(ap);
    return status;
}

/* ---- the AdmissionRequest schema ------------------------------------------------ */

typedef enum field_type { FT_STRING, FT_BOOL, FT_GVK, FT_GVR, FT_USER_INFO, FT_ANY } field_type;

typedef struct field_rule {
    const char *name;
    field_type type;
    bool required;
} field_rule;

static const field_rule request_fields[] = {
    {"uid", FT_STRING, true},
    {"kind", FT_GVK, true},
    {"resource", FT_GVR, true},
    {"subResource", FT_STRING, false},
    {"requestKind", FT_GVK, false},
    {"requestResource", FT_GVR, false},
    {"requestSubResource", FT_STRING, false},
    {"name", FT_STRING, false},
    {"namespace", FT_STRING, false},
    {"operation", FT_STRING, true},
    {"userInfo", FT_USER_INFO, true},
    {"object", FT_ANY, false},
    {"oldObject", FT_ANY, false},
    {"dryRun", FT_BOOL, false},
    {"options", FT_ANY, false},
};

enum { REQUEST_FIELD_COUNT = sizeof request_fields / sizeof request_fields[0] };

static int check_strings(const json_value *obj, const char *field, const char *const *names, size_t n,
                         char *msg, size_t msglen)
{
    for (size_t i = 0; i < n; i++) {
        const json_value *v = json_get(obj, names[i]);
        if (!v)
            return reject(422, msg, msglen, DESERIALIZE_PREFIX "request.%s: missing field `%s`", field, names[i]);
        if (v->type != JSON_STRING)
            return reject(422, msg, msglen, DESERIALIZE_PREFIX "request.%s.%s: invalid type: %s, expected a string",
                          field, names[i], json_serde_type(v));
    }
    return 0;
}

static int check_user_info(const json_value *v, char *msg, size_t msglen)
{
    static const char *string_fields[] = {"username", "uid"};
    for (size_t i = 0; i < 2; i++) {
        const json_value *f = json_get(v, string_fields[i]);
        if (f && f->type != JSON_STRING && f->type != JSON_NULL)
            return reject(422, msg, msglen, DESERIALIZE_PREFIX "request.userInfo.%s: invalid type: %s, "
                          "expected a string", string_fields[i], json_serde_type(f));
    }
    const json_value *groups = json_get(v, "groups");
    if (groups && groups->type != JSON_ARRAY && groups->type != JSON_NULL)
        return reject(422, msg, msglen, DESERIALIZE_PREFIX "request.userInfo.groups: invalid type: %s, "
                      "expected a sequence", json_serde_type(groups));
    const json_value *extra = json_get(v, "extra");
    if (extra && extra->type != JSON_OBJECT && extra->type != JSON_NULL)
        return reject(422, msg, msglen, DESERIALIZE_PREFIX "request.userInfo.extra: invalid type: %s, "
                      "expected a map", json_serde_type(extra));
    return 0;
}

static int check_field(const field_rule *rule, const json_value *v, char *msg, size_t msglen)
{
    static const char *gvk[] = {"group", "version", "kind"};
    static const char *gvr[] = {"group", "version", "resource"};
    const char *want = NULL;
    switch (rule->type) {
    case FT_STRING:
        want = v->type != JSON_STRING ? "a string" : NULL;
        break;
    case FT_BOOL:
        want = v->type != JSON_TRUE && v->type != JSON_FALSE ? "a boolean" : NULL;
        break;
    case FT_GVK: case FT_GVR: case FT_USER_INFO:
        want = v->type != JSON_OBJECT ? "a map" : NULL;
        break;
    case FT_ANY:
        break;
    }
    if (want)
        return reject(422, msg, msglen, DESERIALIZE_PREFIX "request.%s: invalid type: %s, expected %s", rule->name,
                      json_serde_type(v), want);
    if (rule->type == FT_GVK)
        return check_strings(v, rule->name, gvk, 3, msg, msglen);
    if (rule->type == FT_GVR)
        return check_strings(v, rule->name, gvr, 3, msg, msglen);
    if (rule->type == FT_USER_INFO)
        return check_user_info(v, msg, msglen);
    return 0;
}

/* Checks every known field and builds the object the policy sees: known,
 * non-null fields only, in schema order. */
static int check_request(json_arena *a, const json_value *req, admission_request *out, char *msg, size_t msglen)
{
    json_member *members = json_arena_alloc(a, REQUEST_FIELD_COUNT * sizeof *members);
    json_value *filtered = json_arena_alloc(a, sizeof *filtered);
    if (!members || !filtered)
        return reject(500, msg, msglen, "out of memory");
    size_t kept = 0;
    for (size_t i = 0; i < REQUEST_FIELD_COUNT; i++) {
        const field_rule *rule = &request_fields[i];
        const json_value *v = json_get(req, rule->name);
        if (!v || v->type == JSON_NULL) {
            if (rule->required)
                return reject(422, msg, msglen, DESERIALIZE_PREFIX "request: missing field `%s`", rule->name);
            continue;
        }
        int rc = check_field(rule, v, msg, msglen);
        if (rc)
            return rc;
        members[kept++] = (json_member){rule->name, strlen(rule->name), (json_value *)v};
    }
    filtered->type = JSON_OBJECT;
    filtered->lazy = false;
    filtered->len = kept;
    filtered->u.members = members;
    out->request = filtered;
    out->uid = json_get_string(filtered, "uid");
    out->kind = json_get_string(json_get(filtered, "kind"), "kind");
    out->request_kind = json_get_string(json_get(filtered, "requestKind"), "kind");
    out->operation = json_get_string(filtered, "operation");
    out->namespace_ = json_get_string(filtered, "namespace");
    out->name = json_get_string(filtered, "name");
    return 0;
}

static int check_review(json_arena *a, const json_value *doc, admission_request *out, char *msg, size_t msglen)
{
    static const char *optional_strings[] = {"apiVersion", "kind"};
    for (size_t i = 0; i < 2; i++) {
        const json_value *v = json_get(doc, optional_strings[i]);
        if (v && v->type != JSON_STRING && v->type != JSON_NULL)
            return reject(422, msg, msglen, DESERIALIZE_PREFIX "%s: invalid type: %s, expected a string",
                          optional_strings[i], json_serde_type(v));
    }
    const json_value *req = json_get(doc, "request");
    if (!req || req->type == JSON_NULL)
        return reject(422, msg, msglen, DESERIALIZE_PREFIX "missing field `request`");
    if (req->type != JSON_OBJECT)
        return reject(422, msg, msglen, DESERIALIZE_PREFIX "request: invalid type: %s, expected struct "
                      "AdmissionRequest", json_serde_type(req));
    return check_request(a, req, out, msg, msglen);
}

int admission_parse(json_arena *a, const char *body, size_t len, request_origin origin,
                    admission_request *out, char *msg, size_t msglen)
{
    memset(out, 0, sizeof *out);
    json_error jerr;
    /* Most of a review is the object, which the server never looks into: the
     * containers three levels down (review, request, its members, theirs: the
     * object's metadata and spec, userInfo.groups) are only checked and kept as
     * compact text, which json_write copies to the policy. */
    const json_value *doc = json_parse_lazy(a, body, len, 3, &jerr);
    if (!doc)
        return reject(400, msg, msglen, "Failed to parse the request body as JSON: %s",
                      jerr.message);
    if (doc->type != JSON_OBJECT)
        return reject(422, msg, msglen, DESERIALIZE_PREFIX "invalid type: %s, expected struct %s",
                      json_serde_type(doc), origin == ORIGIN_RAW ? "ValidateRawRequest" : "AdmissionReview");
    if (origin != ORIGIN_RAW)
        return check_review(a, doc, out, msg, msglen);
    const json_value *req = json_get(doc, "request");
    if (!req)
        return reject(422, msg, msglen, DESERIALIZE_PREFIX "missing field `request`");
    const char *uid = json_get_string(req, "uid");
    out->request = req;
    out->uid = uid ? uid : "";
    return 0;
}

bool admission_content_type_ok(const char *ct)
{
    if (!ct)
        return false;
    while (*ct == ' ')
        ct++;
    size_t len = strcspn(ct, ";");
    while (len && ct[len - 1] == ' ')
        len--;
    if (len == strlen("application/json") && strncasecmp(ct, "application/json", len) == 0)
        return true;
    /* application/<anything>+json, as axum accepts */
    return len > strlen("application/+json") && strncasecmp(ct, "application/", 12) == 0 &&
           strncasecmp(ct + len - 5, "+json", 5) == 0;
}

void admission_error_body(json_buf *b, const char *message, int status)
{
    json_buf_puts(b, "{\"message\":");
    json_write_string(b, message, strlen(message));
    json_buf_printf(b, ",\"status\":%d}", status);
}
