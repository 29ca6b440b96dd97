/*
 * fuzz_admission.c - libFuzzer target for the request body, the server's most
 * exposed input (src/server/admission.c over src/json's lazy parser).
 *
 * Byte 0 picks the route (/validate, /audit, /validate_raw); the rest is the
 * body.  The answer must be 0, 400 or 422, a refusal with a message; an
 * accepted body must give a uid and a request whose text, as the policy will
 * receive it (json_write copies the lazily parsed parts verbatim), is valid
 * JSON; for /validate_raw that text must mean exactly the "request" value of
 * the body as a full parse reads it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/server/admission.h"

#define REQUIRE(cond) do { if (!(cond)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_arena *a, *b;
    if (!a) {
        a = json_arena_new(1 << 16);
        b = json_arena_new(1 << 16);
    }
    if (size < 1)
        return 0;
    json_arena_reset(a);
    json_arena_reset(b);
    request_origin origin = data[0] % 3 == 0 ? ORIGIN_VALIDATE : data[0] % 3 == 1 ? ORIGIN_AUDIT : ORIGIN_RAW;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    admission_request ar;
    char msg[512] = "";
    int status = admission_parse(a, body, len, origin, &ar, msg, sizeof msg);
    if (status) {
        REQUIRE((status == 400 || status == 422) && msg[0]);
        return 0;
    }
    REQUIRE(ar.request && ar.uid);
    json_buf text;
    json_buf_init(&text);
    json_write(&text, ar.request);
    if (!text.oom) {
        json_error err;
        const json_value *sent = json_parse(b, text.data, text.len, &err);
        REQUIRE(sent != NULL);
        if (origin == ORIGIN_RAW) {
            const json_value *full = json_parse(b, body, len, &err);
            REQUIRE(full && json_equal(sent, json_get(full, "request")));
        }
    }
    json_buf_free(&text);
    return 0;
}
