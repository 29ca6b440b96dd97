/*
 * response.c - the AdmissionResponse struct's helpers and its writer, byte for
 * byte the shape of spec §1.7: auditAnnotations and warnings always present
 * (null when absent); patchType, patch and status only when set; inside
 * causes[] the three keys always present.
 */
#include <string.h>

#include "internal.h"

void policy_response_reject(policy_response *r, const char *uid, const char *message, int code)
{
    r->uid = uid;
    r->allowed = false;
    r->patch = NULL;
    r->has_status = true;
    r->status.message = message;
    r->status.has_code = code != 0;
    r->status.code = code;
}

int policy_response_add_cause(json_arena *a, policy_response *r, const char *reason,
                              const char *message, const char *field)
{
    policy_status_cause *causes = json_arena_alloc(a, (r->status.n_causes + 1) * sizeof *causes);
    if (!causes)
        return -1;
    if (r->status.n_causes)
        memcpy(causes, r->status.causes, r->status.n_causes * sizeof *causes);
    causes[r->status.n_causes++] = (policy_status_cause){ reason, message, field };
    r->status.causes = causes;
    r->has_status = true;
    return 0;
}

static void write_string_or_null(json_buf *b, const char *s)
{
    if (s)
        json_write_string(b, s, strlen(s));
    else
        json_buf_puts(b, "null");
}

static void write_status(json_buf *b, const policy_response *r)
{
    const char *sep = "";
    json_buf_puts(b, ",\"status\":{");
    if (r->status.message) {
        json_buf_puts(b, "\"message\":");
        json_write_string(b, r->status.message, strlen(r->status.message));
        sep = ",";
    }
    if (r->status.n_causes) {
        json_buf_printf(b, "%s\"details\":{\"causes\":[", sep);
        for (size_t i = 0; i < r->status.n_causes; i++) {
            const policy_status_cause *c = &r->status.causes[i];
            json_buf_puts(b, i ? ",{\"reason\":" : "{\"reason\":");
            write_string_or_null(b, c->reason);
            json_buf_puts(b, ",\"message\":");
            write_string_or_null(b, c->message);
            json_buf_puts(b, ",\"field\":");
            write_string_or_null(b, c->field);
            json_buf_puts(b, "}");
        }
        json_buf_puts(b, "]}");
        sep = ",";
    }
    if (r->status.has_code)
        json_buf_printf(b, "%s\"code\":%d", sep, r->status.code);
    json_buf_puts(b, "}");
}

void policy_response_write(json_buf *b, const policy_response *r)
{
    json_buf_puts(b, "{\"uid\":");
    write_string_or_null(b, r->uid ? r->uid : "");
    json_buf_puts(b, r->allowed ? ",\"allowed\":true" : ",\"allowed\":false");
    if (r->patch) {
        json_buf_puts(b, ",\"patchType\":\"JSONPatch\",\"patch\":");
        json_write_string(b, r->patch, strlen(r->patch));
    }
    if (r->has_status)
        write_status(b, r);
    json_buf_puts(b, ",\"auditAnnotations\":");
    if (r->audit_annotations)
        json_write(b, r->audit_annotations);
    else
        json_buf_puts(b, "null");
    json_buf_puts(b, ",\"warnings\":");
    if (r->warnings)
        json_write(b, r->warnings);
    else
        json_buf_puts(b, "null");
    json_buf_puts(b, "}");
}

void policy_review_write(json_buf *b, const policy_response *r)
{
    json_buf_puts(b, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"response\":");
    policy_response_write(b, r);
    json_buf_puts(b, "}");
}
