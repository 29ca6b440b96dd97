/*
 * postprocess.c - what the policy-server does to a policy's verdict before it
 * answers a /validate (or /validate_raw) request, spec §1.8 step 5: monitor
 * mode, the mutation gate, the custom message.  kwctl applies the same steps
 * to a policy read from a CR file, so both call this one implementation.
 * Nothing is logged here: the server logs the would-be response of a monitor
 * mode policy itself, before calling.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define MSG_MUTATION_REJECTED_FMT \
    "Request rejected by policy %s. The policy attempted to mutate the request, but it is currently " \
    "configured to not allow mutations."

static void clear_status(policy_response *r)
{
    r->has_status = false;
    memset(&r->status, 0, sizeof r->status);
}

static int mutation_gate(json_arena *a, policy_response *r, const char *policy_id)
{
    char text[512];
    int n = snprintf(text, sizeof text, MSG_MUTATION_REJECTED_FMT, policy_id);
    const char *message = json_arena_strdup(a, text, n < (int)sizeof text ? (size_t)n : sizeof text - 1);
    if (!message)
        return -1;
    r->allowed = false;
    r->patch = NULL;
    clear_status(r);
    r->has_status = true;
    r->status.message = message;
    return 0;
}

static int custom_message(json_arena *a, policy_response *r, const char *message)
{
    const char *previous = r->has_status && r->status.message ? r->status.message : "";
    if (!r->has_status)
        clear_status(r);
    r->has_status = true;
    r->status.message = message;
    return policy_response_add_cause(a, r, NULL, previous, NULL);
}

int policy_response_postprocess(json_arena *a, policy_response *r, const policy_postprocess *how)
{
    if (how->monitor) {
        /* warnings and auditAnnotations are kept */
        r->allowed = true;
        r->patch = NULL;
        clear_status(r);
        return 0;
    }
    if (!how->allowed_to_mutate && r->patch && mutation_gate(a, r, how->policy_id))
        return -1;
    if (!r->allowed && how->custom_message)
        return custom_message(a, r, how->custom_message);
    return 0;
}
