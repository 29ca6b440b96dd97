/*
 * test_policy_postprocess.c - spec §1.8 step 5 (monitor mode, the mutation
 * gate, the custom message, in that order) on the written response JSON.
 */
#include "policy.h"
#include "test.h"

#include <string.h>

static json_arena *arena;

static int postprocess(const char *policy_id, bool monitor, bool allowed_to_mutate, const char *custom_message,
                       policy_response *r)
{
    policy_postprocess how = {
        .policy_id = policy_id, .monitor = monitor, .allowed_to_mutate = allowed_to_mutate,
        .custom_message = custom_message,
    };
    return policy_response_postprocess(arena, r, &how);
}

static json_buf out;

static const char *written(const policy_response *r)
{
    json_buf_reset(&out);
    policy_response_write(&out, r);
    return out.data;
}

static policy_response rejected(const char *message, int code)
{
    policy_response r;
    memset(&r, 0, sizeof r);
    policy_response_reject(&r, "u1", message, code);
    return r;
}

static policy_response mutated(void)
{
    policy_response r;
    memset(&r, 0, sizeof r);
    r.uid = "u1";
    r.allowed = true;
    r.patch = "W10=";
    return r;
}

static void test_postprocess(void)
{
    /* monitor: accept, drop patch and status, keep warnings */
    policy_response r = rejected("no privileged containers", 400);
    json_error e;
    r.warnings = json_parse(arena, "[\"w\"]", 5, &e);
    CHECK_INT(postprocess("p", true, false, "custom", &r), 0);
    CHECK_STR(written(&r), "{\"uid\":\"u1\",\"allowed\":true,\"auditAnnotations\":null,\"warnings\":[\"w\"]}");
    r = mutated();
    CHECK_INT(postprocess("p", true, false, NULL, &r), 0);
    CHECK_STR(written(&r), "{\"uid\":\"u1\",\"allowed\":true,\"auditAnnotations\":null,\"warnings\":null}");

    /* protect + allowed to mutate: patch kept */
    r = mutated();
    CHECK_INT(postprocess("p", false, true, "custom", &r), 0);
    CHECK_STR(written(&r), "{\"uid\":\"u1\",\"allowed\":true,\"patchType\":\"JSONPatch\",\"patch\":\"W10=\","
                           "\"auditAnnotations\":null,\"warnings\":null}");

    /* mutation gate */
    r = mutated();
    CHECK_INT(postprocess("psp-capabilities", false, false, NULL, &r), 0);
    CHECK_STR(written(&r), "{\"uid\":\"u1\",\"allowed\":false,\"status\":{\"message\":\"Request rejected by policy "
                           "psp-capabilities. The policy attempted to mutate the request, but it is currently "
                           "configured to not allow mutations.\"},\"auditAnnotations\":null,\"warnings\":null}");

    /* mutation gate, then the custom message wraps the gate's text */
    r = mutated();
    CHECK_INT(postprocess("p", false, false, "custom", &r), 0);
    CHECK(strstr(written(&r), "\"status\":{\"message\":\"custom\",\"details\":{\"causes\":[{\"reason\":null,"
                              "\"message\":\"Request rejected by policy p.") != NULL);

    /* custom message: code kept, original message as a cause */
    r = rejected("Privileged container is not allowed", 400);
    CHECK_INT(postprocess("p", false, false, "My custom error message", &r), 0);
    CHECK_STR(written(&r), "{\"uid\":\"u1\",\"allowed\":false,\"status\":{\"message\":\"My custom error message\","
                           "\"details\":{\"causes\":[{\"reason\":null,\"message\":\"Privileged container is not "
                           "allowed\",\"field\":null}]},\"code\":400},\"auditAnnotations\":null,\"warnings\":null}");

    /* custom message on a rejection without status: "" becomes the cause */
    memset(&r, 0, sizeof r);
    r.uid = "u1";
    CHECK_INT(postprocess("p", false, false, "m", &r), 0);
    CHECK(strstr(written(&r), "\"causes\":[{\"reason\":null,\"message\":\"\",\"field\":null}]") != NULL);

    /* accepted responses are left alone by the custom message */
    memset(&r, 0, sizeof r);
    r.uid = "u1";
    r.allowed = true;
    CHECK_INT(postprocess("p", false, false, "m", &r), 0);
    CHECK_STR(written(&r), "{\"uid\":\"u1\",\"allowed\":true,\"auditAnnotations\":null,\"warnings\":null}");

    /* no custom message: the rejection is unchanged */
    r = rejected("nope", 0);
    CHECK_INT(postprocess("p", false, false, NULL, &r), 0);
    CHECK_STR(written(&r), "{\"uid\":\"u1\",\"allowed\":false,\"status\":{\"message\":\"nope\"},"
                           "\"auditAnnotations\":null,\"warnings\":null}");
}

/* The custom message keeps the causes the policy gave and appends the old message. */
static void test_custom_message_keeps_causes(void)
{
    policy_response r = rejected("denied", 403);
    CHECK_INT(policy_response_add_cause(arena, &r, "FieldValueInvalid", "bad", "spec.x"), 0);
    CHECK_INT(postprocess("p", false, false, "custom", &r), 0);
    CHECK_STR(written(&r), "{\"uid\":\"u1\",\"allowed\":false,\"status\":{\"message\":\"custom\",\"details\":"
                           "{\"causes\":[{\"reason\":\"FieldValueInvalid\",\"message\":\"bad\",\"field\":\"spec.x\"},"
                           "{\"reason\":null,\"message\":\"denied\",\"field\":null}]},\"code\":403},"
                           "\"auditAnnotations\":null,\"warnings\":null}");
}

int main(void)
{
    arena = json_arena_new(1 << 16);
    json_buf_init(&out);
    test_postprocess();
    test_custom_message_keeps_causes();
    json_arena_free(arena);
    json_buf_free(&out);
    TEST_DONE();
}
