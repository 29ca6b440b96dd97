/*
 * test_metadata.c - policy metadata: reading the io.kubewarden.metadata section
 * from module bytes, writing it back (old sections removed, Javy host import
 * renamed), annotate-time validation and normalisation.  Modules are built
 * byte by byte here, so no engine is needed.
 */
#include "policy.h"
#include "test.h"

static json_arena *arena;

/* A module: type section (one func type () -> ()), an import of `module`.`call`,
 * and optional extra custom sections appended after. */
static void build_module(json_buf *out, const char *import_module)
{
    static const uint8_t header[] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0 };
    json_buf_init(out);
    json_buf_append(out, header, sizeof header);
    size_t mlen = strlen(import_module);
    uint8_t imp[64] = { 2, (uint8_t)(1 + 1 + mlen + 1 + 4 + 2), 1, (uint8_t)mlen };
    size_t n = 4;
    memcpy(imp + n, import_module, mlen);
    n += mlen;
    memcpy(imp + n, "\x04" "call" "\x00\x00", 7);
    n += 7;
    json_buf_append(out, imp, n);
}

static void add_custom(json_buf *out, const char *name, const char *payload)
{
    size_t nlen = strlen(name), plen = strlen(payload), size = 1 + nlen + plen;
    uint8_t head[4] = { 0, (uint8_t)(size | 0x80), (uint8_t)(size >> 7), (uint8_t)nlen };  /* 2-byte LEB size */
    json_buf_append(out, head, 4);
    json_buf_append(out, name, nlen);
    json_buf_append(out, payload, plen);
}

static int read_meta(const json_buf *m, policy_metadata *md, char *err)
{
    return policy_metadata_read(arena, (const uint8_t *)m->data, m->len, md, err, 256);
}

static void test_read(void)
{
    json_buf m;
    policy_metadata md;
    char err[256];
    build_module(&m, "wapc");
    CHECK_INT(read_meta(&m, &md, err), 0);
    CHECK(!md.present && md.execution_mode == POLICY_EXEC_WAPC && md.background_audit && !md.doc);

    add_custom(&m, "name", "\x00");
    add_custom(&m, POLICY_METADATA_SECTION,
               "{\"protocolVersion\":\"v1\",\"executionMode\":\"wasi\",\"mutating\":true,\"policyType\":\"raw\","
               "\"backgroundAudit\":false}");
    add_custom(&m, POLICY_METADATA_SECTION, "{\"executionMode\":\"opa\"}");       /* the first one wins */
    CHECK_INT(read_meta(&m, &md, err), 0);
    CHECK(md.present && md.execution_mode == POLICY_EXEC_WASI && md.mutating && md.raw && !md.background_audit);
    CHECK_STR(md.protocol_version, "v1");
    CHECK_STR(json_get_string(md.doc, "executionMode"), "wasi");
    json_buf_free(&m);

    build_module(&m, "wapc");
    add_custom(&m, POLICY_METADATA_SECTION, "{\"rules\":[]");
    CHECK_INT(read_meta(&m, &md, err), -1);
    CHECK_STR(err, "the io.kubewarden.metadata section is not valid JSON: "
                   "expected ',' or '}' after object member, found end of input at offset 11");
    json_buf_free(&m);

    build_module(&m, "wapc");
    add_custom(&m, POLICY_METADATA_SECTION, "{\"executionMode\":\"cobol\"}");
    CHECK_INT(read_meta(&m, &md, err), -1);
    CHECK_STR(err, "the io.kubewarden.metadata section: unknown executionMode 'cobol' "
                   "(expected kubewarden-wapc, opa, gatekeeper or wasi)");
    json_buf_free(&m);

    build_module(&m, "wapc");
    add_custom(&m, POLICY_METADATA_SECTION, "{\"mutating\":\"yes\"}");
    CHECK_INT(read_meta(&m, &md, err), -1);
    CHECK_STR(err, "the io.kubewarden.metadata section: 'mutating' must be a boolean");
    json_buf_free(&m);

    /* Not Wasm, wrong version, truncated section. */
    CHECK_INT(policy_metadata_read(arena, (const uint8_t *)"hello world", 11, &md, err, sizeof err), -1);
    CHECK_STR(err, "not a WebAssembly module (bad magic number)");
    CHECK_INT(policy_metadata_read(arena, (const uint8_t *)"\0asm\2\0\0\0", 8, &md, err, sizeof err), -1);
    CHECK_STR(err, "unsupported WebAssembly binary version (expected 1)");
    CHECK_INT(policy_metadata_read(arena, (const uint8_t *)"\0asm\1\0\0\0\1\x10\1", 11, &md, err, sizeof err), -1);
    CHECK_STR(err, "truncated section (id 1) at offset 8");
    CHECK_INT(policy_metadata_read(arena, (const uint8_t *)"\0asm\1\0\0\0\0\2\5a", 12, &md, err, sizeof err), -1);
    CHECK_STR(err, "malformed custom section name at offset 8");
    CHECK_INT(policy_metadata_read(arena, (const uint8_t *)"\0asm\1\0\0\0", 8, &md, err, sizeof err), 0);
}

static int count_sections(const json_buf *m, const char *needle, size_t needle_len)
{
    int n = 0;
    for (size_t i = 0; i + needle_len <= m->len; i++) n += memcmp(m->data + i, needle, needle_len) == 0;
    return n;
}

static void test_write(void)
{
    json_buf m, out;
    char err[256];
    policy_metadata md;
    build_module(&m, "kubewarden:javy/host");
    add_custom(&m, POLICY_METADATA_SECTION, "{\"executionMode\":\"opa\"}");
    add_custom(&m, "producers", "x");
    add_custom(&m, POLICY_METADATA_SECTION, "{\"executionMode\":\"gatekeeper\"}");
    json_buf_init(&out);
    const char *json = "{\"protocolVersion\":\"Unknown\",\"executionMode\":\"wasi\"}";
    CHECK_INT(policy_metadata_write((const uint8_t *)m.data, m.len, json, strlen(json), &out, err, sizeof err), 0);
    CHECK_INT(count_sections(&out, POLICY_METADATA_SECTION, strlen(POLICY_METADATA_SECTION)), 1);
    CHECK_INT(count_sections(&out, "kubewarden:javy/host", 20), 0);
    CHECK_INT(count_sections(&out, "\x04host\x04" "call\x00\x00", 11), 1);
    CHECK_INT(count_sections(&out, "producers", 9), 1);
    CHECK_INT(read_meta(&out, &md, err), 0);
    CHECK(md.present && md.execution_mode == POLICY_EXEC_WASI);
    CHECK_STR(md.protocol_version, "Unknown");
    /* The expected bytes: header, type section, renamed import, producers, new metadata. */
    CHECK_INT(out.len, 14 + (2 + 1 + 5 + 5 + 2) + (4 + 9 + 1) + (3 + 22 + strlen(json)));

    /* Writing again replaces, and a big payload (multi-byte LEB sizes) reads back. */
    json_buf again;
    json_buf_init(&again);
    char big[1000];
    snprintf(big, sizeof big, "{\"annotations\":{\"k\":\"%0900d\"}}", 7);
    CHECK_INT(policy_metadata_write((const uint8_t *)out.data, out.len, big, strlen(big), &again, err, sizeof err), 0);
    CHECK_INT(count_sections(&again, POLICY_METADATA_SECTION, strlen(POLICY_METADATA_SECTION)), 1);
    CHECK_INT(read_meta(&again, &md, err), 0);
    CHECK(md.present && md.execution_mode == POLICY_EXEC_WAPC && strlen(json_get_string(json_get(md.doc, "annotations"), "k")) == 900);
    json_buf_free(&again);

    /* A malformed import section is refused, not copied. */
    json_buf bad;
    json_buf_init(&bad);
    json_buf_append(&bad, "\0asm\1\0\0\0\2\3\1\5a", 13);
    json_buf_reset(&out);
    CHECK_INT(policy_metadata_write((const uint8_t *)bad.data, bad.len, "{}", 2, &out, err, sizeof err), -1);
    CHECK_STR(err, "malformed import section");
    json_buf_free(&bad);
    json_buf_free(&m);
    json_buf_free(&out);
}

static void test_rego_detection(void)
{
    static const uint8_t rego[] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 7, 12, 2, 4, 'o', 'p', 'a', '_', 0, 0,
                                    3, 'f', 'o', 'o', 0, 1 };
    static const uint8_t plain[] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 7, 8, 1, 4, '_', 'o', 'p', 'a', 0, 0 };
    CHECK(policy_module_is_rego(rego, sizeof rego));
    CHECK(!policy_module_is_rego(plain, sizeof plain));
    CHECK(!policy_module_is_rego((const uint8_t *)"junk", 4));
}

static const char *validate_yaml(const char *yaml)
{
    static char err[256];
    static json_error jerr;
    const json_value *doc = json_parse_yaml(arena, yaml, strlen(yaml), &jerr);
    if (!doc) return jerr.message;
    const json_value *norm = policy_metadata_normalize(arena, doc, err, sizeof err);
    if (!norm) return err;
    return policy_metadata_validate(norm, err, sizeof err) < 0 ? err : "ok";
}

#define RULE(groups, versions, resources, ops) \
    "rules:\n- apiGroups: " groups "\n  apiVersions: " versions "\n  resources: " resources "\n  operations: " ops "\n"

static void test_validate(void)
{
    CHECK_STR(validate_yaml(RULE("[\"\"]", "[v1]", "[pods]", "[CREATE, UPDATE]")), "ok");
    CHECK_STR(validate_yaml("rules:\nmutating: false\npolicyType: raw\n"), "ok");
    CHECK_STR(validate_yaml(RULE("['*']", "['*']", "['*']", "['*']")), "ok");
    CHECK_STR(validate_yaml(RULE("[]", "[v1]", "[pods]", "[CREATE]")), "rules[0].apiGroups: must not be empty");
    CHECK_STR(validate_yaml(RULE("[\"\"]", "[v1]", "[pods]", "[]")), "rules[0].operations: must not be empty");
    CHECK_STR(validate_yaml("rules:\n- apiGroups: [\"\"]\n  resources: [pods]\n  operations: [CREATE]\n"),
              "rules[0].apiVersions: must be a list");
    CHECK_STR(validate_yaml(RULE("['*', apps]", "[v1]", "[pods]", "[CREATE]")),
              "rules[0].apiGroups: no other elements can be defined when '*' is used");
    CHECK_STR(validate_yaml(RULE("[\"\"]", "[v1]", "[pods]", "['*', DELETE]")),
              "rules[0].operations: no other elements can be defined when '*' is used");
    CHECK_STR(validate_yaml(RULE("[\"\"]", "[v1]", "[pods]", "[PATCH]")),
              "rules[0].operations: unknown operation 'PATCH' (expected CREATE, UPDATE, DELETE, CONNECT or *)");
    CHECK_STR(validate_yaml(RULE("[\"\"]", "[v1]", "['*', pods]", "[CREATE]")),
              "rules[0].resources: if '*' is present, must not specify other resources without subresources");
    CHECK_STR(validate_yaml(RULE("[\"\"]", "[v1]", "['*', pods/status]", "[CREATE]")), "ok");
    CHECK_STR(validate_yaml(RULE("[\"\"]", "[v1]", "['*/*', pods]", "[CREATE]")),
              "rules[0].resources: if '*/*' is present, must not specify other resources");
    CHECK_STR(validate_yaml(RULE("[\"\"]", "[v1]", "['pods/*', pods/status]", "[CREATE]")),
              "rules[0].resources: if 'pods/*' is present, must not specify pods/status");
    CHECK_STR(validate_yaml(RULE("[\"\"]", "[v1]", "['*/scale', deployments/scale]", "[CREATE]")),
              "rules[0].resources: if '*/scale' is present, must not specify deployments/scale");
    CHECK_STR(validate_yaml(RULE("[\"\"]", "[v1]", "['']", "[CREATE]")),
              "rules[0].resources: empty resource is not allowed");
    CHECK_STR(validate_yaml("rules: {}\n"), "'rules' must be a list");
    CHECK_STR(validate_yaml("protocolVersion: Unknown\n"),
              "Must specify a valid protocol version (a kubewarden-wapc policy cannot be 'Unknown')");
    CHECK_STR(validate_yaml("protocolVersion: Unknown\nexecutionMode: wasi\n"), "ok");
    CHECK_STR(validate_yaml("protocolVersion: v2\n"), "unknown protocolVersion 'v2' (expected v1 or Unknown)");
    CHECK_STR(validate_yaml("executionMode: kubewarden\n"), "unknown executionMode 'kubewarden' (the metadata name is kubewarden-wapc)");
    CHECK_STR(validate_yaml("policyType: weird\n"), "unknown policyType 'weird' (expected kubernetes or raw)");
    CHECK_STR(validate_yaml("contextAwareResources:\n- apiVersion: v1\n"),
              "contextAwareResources[0]: needs string 'apiVersion' and 'kind'");
    CHECK_STR(validate_yaml("annotations:\n  a: [1]\n"), "annotation 'a' must be a string");
    CHECK_STR(validate_yaml("minimumKubewardenVersion: 1.10.0\n"), "ok");
    CHECK_STR(validate_yaml("minimumKubewardenVersion: '1.10'\n"), "minimumKubewardenVersion '1.10' is not a semantic version");
    CHECK_STR(validate_yaml("hostCapabilities: [oci/v2/*, 3]\n"), "hostCapabilities[1]: must be a string");
    CHECK_STR(validate_yaml("- a list\n"), "metadata must be an object");
}

static void test_normalize(void)
{
    const char *yaml =
        "contextAware: false\n"
        "annotations:\n  z.version: 1.0\n  a.title: t\n  m.flag: true\n"
        RULE("[\"\"]", "[v1]", "[pods]", "[CREATE]")
        "contextAwareResources:\n- {apiVersion: v1, kind: Pod}\n- {apiVersion: apps/v1, kind: Deployment}\n"
        "- {apiVersion: v1, kind: Pod}\n"
        "mutating: true\n"
        "hostCapabilities: [kubernetes/get_resource]\n";
    char err[256];
    const json_value *doc = json_parse_yaml(arena, yaml, strlen(yaml), NULL);
    const json_value *norm = policy_metadata_normalize(arena, doc, err, sizeof err);
    CHECK(norm != NULL);
    json_buf b;
    json_buf_init(&b);
    if (norm) json_write(&b, norm);
    CHECK_STR(b.data, "{\"rules\":[{\"apiGroups\":[\"\"],\"apiVersions\":[\"v1\"],\"resources\":[\"pods\"],"
                      "\"operations\":[\"CREATE\"]}],\"annotations\":{\"a.title\":\"t\",\"m.flag\":\"true\","
                      "\"z.version\":\"1.0\"},\"mutating\":true,\"backgroundAudit\":true,"
                      "\"contextAwareResources\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\"},"
                      "{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}],\"executionMode\":\"kubewarden-wapc\","
                      "\"policyType\":\"kubernetes\",\"hostCapabilities\":[\"kubernetes/get_resource\"]}");
    json_buf_free(&b);
    policy_exec_mode mode;
    CHECK(policy_exec_mode_parse("kubewarden", &mode) == 0 && mode == POLICY_EXEC_WAPC);
    CHECK(policy_exec_mode_parse("gatekeeper", &mode) == 0 && mode == POLICY_EXEC_GATEKEEPER);
    CHECK(policy_exec_mode_parse("rego", &mode) == -1);
    CHECK_STR(policy_exec_mode_name(POLICY_EXEC_OPA), "opa");
}

int main(void)
{
    arena = json_arena_new(1 << 16);
    test_read();
    test_write();
    test_rego_detection();
    test_validate();
    test_normalize();
    json_arena_free(arena);
    TEST_DONE();
}
