/*
 * admission.h - what an API request means: parsing and checking the body
 * (AdmissionReview for /validate and /audit, {"request": ...} for
 * /validate_raw) and the JSON error bodies.  Pure functions over a json_arena:
 * unit-testable without a server or a policy.  (The post-processing of a
 * verdict, spec §1.8, is policy_response_postprocess in the policy layer.)
 */
#ifndef SERVER_ADMISSION_H
#define SERVER_ADMISSION_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"

typedef enum request_origin { ORIGIN_VALIDATE, ORIGIN_AUDIT, ORIGIN_RAW } request_origin;

typedef struct admission_request {
    /* What the policy receives: for validate/audit the AdmissionRequest with
     * unknown and null fields dropped; for raw the "request" value as sent.
     * The arrays and objects inside its members (the object's metadata and
     * spec, ...) are lazy (json_parse_lazy): json_write copies them,
     * json_expand builds them. */
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

/* {"message":"...","status":N} */
void admission_error_body(json_buf *b, const char *message, int status);

#endif
