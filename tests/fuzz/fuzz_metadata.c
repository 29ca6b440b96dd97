/*
 * fuzz_metadata.c - libFuzzer target for the policy metadata code, which reads
 * module bytes before any engine has checked them: policy_metadata_read and
 * policy_module_is_rego must only succeed or fail, and whenever
 * policy_metadata_write accepts a module, the result must read back with
 * exactly the section written (abort otherwise).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_arena *a;
    if (!a) a = json_arena_new(1 << 16);
    json_arena_reset(a);
    char err[256];
    policy_metadata meta;
    policy_metadata_read(a, data, size, &meta, err, sizeof err);
    policy_module_is_rego(data, size);

    static const char section[] = "{\"executionMode\":\"wasi\",\"protocolVersion\":\"Unknown\"}";
    json_buf out;
    json_buf_init(&out);
    if (policy_metadata_write(data, size, section, strlen(section), &out, err, sizeof err) == 0) {
        if (policy_metadata_read(a, (const uint8_t *)out.data, out.len, &meta, err, sizeof err) != 0 ||
            !meta.present || meta.execution_mode != POLICY_EXEC_WASI || strcmp(meta.protocol_version, "Unknown") != 0)
            abort();
    }
    json_buf_free(&out);
    return 0;
}
