/*
 * admission.h - what an API request means: parsing and checking the body
 * (AdmissionReview for /validate and /audit, {"request": ...} for
 * /validate_raw), the post-processing of a policy's verdict (spec §1.8) and the
 * JSON error bodies.  Pure functions over a json_arena: unit-testable without a
 * server or a policy.
 */
#ifndef SERVER_ADMISSION_H
#define SERVER_ADMISSION_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"
#include "policies.h"
#include "policy.h"

typedef enum request_origin { ORIGIN_VALIDATE, ORIGIN_AUDIT, ORIGIN_RAW } request_origin;

typedef struct admission_request {
    /* What the policy receives: for validate/audit the AdmissionRequest with
     * unknown and null fields dropped; for raw the "request" value as sent. */
    const json_value *request;
    const char *uid;                    /* "" for a raw request without a string uid */
    /* validate/audit only (NULL otherwise or when absent): */
    const char *kind;                   /* request.kind.kind */
    const char *request_kind;           /* request.requestKind.kind */
    const char *operation;
    const char *namespace_;
    const char *name;
} admission_request;

/* Returns 0 and fills `out`, or the HTTP status of the rejection (400 malformed
 * JSON, 422 wrong shape) with the message in `msg`. */
int admission_parse(json_arena *a, const char *body, size_t len, request_origin origin,
                    admission_request *out, char *msg, size_t msglen);

/* True for application/json (parameters allowed) and application/<x>+json. */
bool admission_content_type_ok(const char *content_type);

/* Steps 5a-5c of spec §1.8 on a /validate (or /validate_raw) response: monitor
 * mode, then the mutation gate, then the custom message.  -1 out of memory. */
int admission_postprocess(json_arena *a, policy_response *r, const char *policy_id, policy_mode mode,
                          bool allowed_to_mutate, const char *custom_message);

/* {"message":"...","status":N} */
void admission_error_body(json_buf *b, const char *message, int status);

#define MSG_MUTATION_REJECTED_FMT \
    "Request rejected by policy %s. The policy attempted to mutate the request, but it is currently " \
    "configured to not allow mutations."

#endif
