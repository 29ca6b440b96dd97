/*
 * test_json_yaml.c - YAML to JSON: core-schema scalars, quoting, anchors,
 * multi-document streams, Kubewarden's policies.yml and metadata.yml shapes,
 * and malformed input.  Also parses the upstream fixtures when $SHARED (default
 * ../shared) is there.
 */
#include "json.h"
#include "test.h"

#include <dirent.h>
#include <stdlib.h>

static json_arena *arena;

/* YAML in, compact JSON (or the error message) out. */
static const char *yaml_to_json(const char *yaml, bool all)
{
    static json_buf out;
    static json_error err;
    json_buf_reset(&out);
    json_value *v = all ? json_parse_yaml_all(arena, yaml, strlen(yaml), &err)
                        : json_parse_yaml(arena, yaml, strlen(yaml), &err);
    if (!v) return err.message;
    json_write(&out, v);
    return out.data;
}

static const char *y(const char *yaml) { return yaml_to_json(yaml, false); }

static void test_scalars(void)
{
    CHECK_STR(y("[null, Null, NULL, ~, ]"), "[null,null,null,null]");
    CHECK_STR(y("a:\nb: ~"), "{\"a\":null,\"b\":null}");
    CHECK_STR(y("[true, True, TRUE, false, False, FALSE]"), "[true,true,true,false,false,false]");
    CHECK_STR(y("[yes, no, on, off, y, n, tRUE]"), "[\"yes\",\"no\",\"on\",\"off\",\"y\",\"n\",\"tRUE\"]");
    CHECK_STR(y("[0, 12, -3, +4, 007, 0o17, 0x1F, 0xff]"), "[0,12,-3,4,7,15,31,255]");
    CHECK_STR(y("123456789012345678901234567890"), "123456789012345678901234567890");
    CHECK_STR(y("[1.5, -0.25, 1e3, 1E-2, +2.5, 1., .5, -.5e1]"), "[1.5,-0.25,1e3,1E-2,2.5,1,0.5,-5]");
    CHECK_STR(y("[1_000, 0b101, 12:30, 1.2.3, 0x, 0o8, 1e, v1]"),
              "[\"1_000\",\"0b101\",\"12:30\",\"1.2.3\",\"0x\",\"0o8\",\"1e\",\"v1\"]");
    CHECK_STR(y("['1', \"true\", 'null', !!str 42, \"\"]"), "[\"1\",\"true\",\"null\",\"42\",\"\"]");
    CHECK_STR(y("s: hello world\nu: \"caf\\u00e9 \\t\""), "{\"s\":\"hello world\",\"u\":\"caf\xc3\xa9 \\t\"}");
    CHECK_STR(y("lit: |\n  line1\n  line2\nfold: >\n  a\n  b\n"), "{\"lit\":\"line1\\nline2\\n\",\"fold\":\"a b\\n\"}");
    CHECK_STR(y("v: 1.0.12\nimage: ghcr.io/a/b:v0.1.9"), "{\"v\":\"1.0.12\",\"image\":\"ghcr.io/a/b:v0.1.9\"}");
    CHECK_STR(y("x: .inf"), "YAML: '.inf' has no JSON equivalent (quote it to get a string) at line 1 column 4");
    CHECK_STR(y("- -.INF"), "YAML: '-.INF' has no JSON equivalent (quote it to get a string) at line 1 column 3");
    CHECK_STR(y(".nan"), "YAML: '.nan' has no JSON equivalent (quote it to get a string) at line 1 column 1");
    CHECK_STR(y("'.nan'"), "\".nan\"");
    CHECK_STR(y("0x10000000000000000"), "YAML: integer '0x10000000000000000' out of range at line 1 column 1");
    CHECK_STR(y("1e999"), "1e999");                        /* kept literally, as the JSON parser does */
    CHECK_STR(y("1.e999"), "YAML: number '1.e999' out of range at line 1 column 1");
}

static void test_collections(void)
{
    CHECK_STR(y("a: 1\nb:\n  - x\n  - {c: d}\n"), "{\"a\":1,\"b\":[\"x\",{\"c\":\"d\"}]}");
    CHECK_STR(y("[]"), "[]");
    CHECK_STR(y("{}"), "{}");
    CHECK_STR(y("1: one\ntrue: t\nnull: n\n'q': q"), "{\"1\":\"one\",\"true\":\"t\",\"null\":\"n\",\"q\":\"q\"}");
    CHECK_STR(y("\"<<\": 1"), "{\"<<\":1}");
    CHECK_STR(y(""), "null");
    CHECK_STR(y("# only a comment\n"), "null");
    CHECK_STR(y("---\n"), "null");
}

static void test_anchors(void)
{
    CHECK_STR(y("base: &b {x: 1, y: [a]}\ncopy: *b\nlist: [*b, *b]"),
              "{\"base\":{\"x\":1,\"y\":[\"a\"]},\"copy\":{\"x\":1,\"y\":[\"a\"]},"
              "\"list\":[{\"x\":1,\"y\":[\"a\"]},{\"x\":1,\"y\":[\"a\"]}]}");
    CHECK_STR(y("a: &v 5\nb: *v\n"), "{\"a\":5,\"b\":5}");
    CHECK_STR(y("a: &x 1\nb: &x 2\nc: *x"), "{\"a\":1,\"b\":2,\"c\":2}");            /* redefinition */
    CHECK_STR(y("&k key: v\n*k : w"), "YAML: duplicate mapping key 'key' at line 2 column 1");
    CHECK_STR(y("a: *nope"), "YAML: unknown anchor 'nope' at line 1 column 4");
    /* Each level doubles the expansion: 2^30 values must fail, not eat the machine. */
    char bomb[4096] = "a0: &a0 [x, x]\n";
    for (int i = 1; i <= 30; i++)
        snprintf(bomb + strlen(bomb), sizeof bomb - strlen(bomb), "a%d: &a%d [*a%d, *a%d]\n", i, i, i - 1, i - 1);
    const char *msg = y(bomb);
    CHECK(strstr(msg, "document too large after alias expansion") != NULL);
    /* Many anchors, each aliased once, oldest first: resolution must not be quadratic. */
    json_buf many;
    json_buf_init(&many);
    json_buf_puts(&many, "defs:\n");
    for (int i = 0; i < 50000; i++) json_buf_printf(&many, "- &a%d %d\n", i, i);
    json_buf_puts(&many, "uses:\n");
    for (int i = 0; i < 50000; i++) json_buf_printf(&many, "- *a%d\n", i);
    json_error err;
    const json_value *v = json_parse_yaml(arena, many.data, many.len, &err);
    int64_t last = -1;
    CHECK(v && json_get(v, "uses")->len == 50000 && json_is_integer(json_index(json_get(v, "uses"), 49999), &last) &&
          last == 49999);
    json_buf_free(&many);
}

/* Many keys: duplicates found by sorting, and no quadratic time. */
static void test_big_mapping(void)
{
    json_buf yaml;
    json_buf_init(&yaml);
    for (int i = 0; i < 20000; i++) json_buf_printf(&yaml, "key-%05d: %d\n", (i * 7919) % 20000, i);
    json_error err;
    const json_value *v = json_parse_yaml(arena, yaml.data, yaml.len, &err);
    CHECK(v && v->type == JSON_OBJECT && v->len == 20000);
    int64_t n = -1;
    CHECK(json_is_integer(json_get(v, "key-07919"), &n) && n == 1);
    CHECK(v && v->len == 20000 && strcmp(v->u.members[19999].key, "key-12081") == 0);   /* document order */
    json_buf_printf(&yaml, "key-00042: again\nkey-00007: again\n");
    CHECK(json_parse_yaml(arena, yaml.data, yaml.len, &err) == NULL);
    CHECK_STR(err.message, "YAML: duplicate mapping key 'key-00042' at line 20001 column 1");
    json_buf_reset(&yaml);
    for (int i = 0; i < 20; i++) json_buf_printf(&yaml, "k%d: %d\n", i % 17, i);    /* k0 repeats at line 18 */
    CHECK(json_parse_yaml(arena, yaml.data, yaml.len, &err) == NULL);
    CHECK_STR(err.message, "YAML: duplicate mapping key 'k0' at line 18 column 1");
    json_buf_free(&yaml);
}

static void test_multi_document(void)
{
    CHECK_STR(yaml_to_json("a: 1\n---\nb: 2\n---\n- 3\n", true), "[{\"a\":1},{\"b\":2},[3]]");
    CHECK_STR(yaml_to_json("", true), "[]");
    CHECK_STR(yaml_to_json("---\n---\nx\n", true), "[null,\"x\"]");
    CHECK_STR(yaml_to_json("a: 1\n---\nb: 2\n", false), "{\"a\":1}");
    CHECK_STR(yaml_to_json("a: &x 1\n---\nb: *x\n", true), "YAML: unknown anchor 'x' at line 3 column 4");
}

static void test_malformed(void)
{
    CHECK_STR(y("a: [1, 2"), "YAML: did not find expected ',' or ']' while parsing a flow sequence at line 2 column 1");
    CHECK_STR(y("a: b\n c: d"), "YAML: mapping values are not allowed in this context at line 2 column 3");
    CHECK_STR(y("a: 1\na: 2"), "YAML: duplicate mapping key 'a' at line 2 column 1");
    CHECK_STR(y("? [a]\n: 1"), "YAML: mapping keys must be scalars at line 1 column 3");
    CHECK_STR(y("\"unterminated"), "YAML: found unexpected end of stream while scanning a quoted scalar at line 1 column 14");
    CHECK_STR(y("a: \"\\xZZ\""), "YAML: did not find expected hexdecimal number while parsing a quoted scalar at line 1 column 7");
    CHECK(strstr(y("\t- a"), "YAML: ") != NULL);
    CHECK(strstr(y("a: \xff\xfe"), "YAML: ") != NULL);
    char deep[2000] = "";
    for (int i = 0; i < 600; i++) strcat(deep, "[");
    CHECK(strstr(y(deep), "nesting deeper than 512") != NULL);
    json_error err;
    CHECK(json_parse_yaml(arena, "a: [", 4, &err) == NULL && err.offset == 4);
}

/* The shapes Kubewarden reads: a policies.yml map and a metadata.yml. */
static void test_kubewarden_shapes(void)
{
    const char *policies =
        "psp-capabilities:\n"
        "  module: registry://ghcr.io/kubewarden/policies/psp-capabilities:v0.1.9\n"
        "  allowedToMutate: true\n"
        "  settings:\n"
        "    allowed_capabilities: [\"CHOWN\"]\n"
        "    required_drop_capabilities:\n"
        "    - NET_ADMIN\n"
        "namespace_simple:\n"
        "  module: file:///tmp/namespace-validate-policy.wasm\n"
        "  policyMode: monitor\n"
        "  settings:\n"
        "    valid_namespace: kubewarden-approved\n"
        "group:\n"
        "  expression: \"a() && !b()\"\n"
        "  message: \"denied\"\n"
        "  policies:\n"
        "    a: { module: file:///a.wasm }\n"
        "    b:\n"
        "      module: file:///b.wasm\n"
        "      timeoutEvaluationSeconds: 2\n";
    json_error err;
    const json_value *v = json_parse_yaml(arena, policies, strlen(policies), &err);
    CHECK(v && v->type == JSON_OBJECT && v->len == 3);
    const json_value *p = json_get(v, "psp-capabilities");
    CHECK_STR(json_get_string(p, "module"), "registry://ghcr.io/kubewarden/policies/psp-capabilities:v0.1.9");
    CHECK(json_get_bool(p, "allowedToMutate", false));
    CHECK_STR(json_index(json_get(json_get(p, "settings"), "required_drop_capabilities"), 0)->u.str, "NET_ADMIN");
    CHECK_STR(json_get_string(json_get(v, "namespace_simple"), "policyMode"), "monitor");
    int64_t t = 0;
    CHECK(json_is_integer(json_get(json_get(json_get(json_get(v, "group"), "policies"), "b"), "timeoutEvaluationSeconds"), &t) && t == 2);

    const char *group =
        "signed-or-trusted:\n"
        "  policyMode: monitor\n"
        "  expression: \"pgp() || (gh() && !latest())\"\n"
        "  message: \"The group policy is rejected.\"\n"
        "  policies:\n"
        "    pgp:\n"
        "      module: ghcr.io/example/verify:v1\n"
        "      settings: {signatures: [{image: \"*\", pubKeys: [\"-----BEGIN PUBLIC KEY-----\"]}]}\n"
        "    latest:\n"
        "      module: ghcr.io/example/trusted-repos:v1\n"
        "      settings: {tags: {reject: [latest]}}\n"
        "      hostCapabilities: [\"oci/*\"]\n";
    CHECK_STR(y(group), "{\"signed-or-trusted\":{\"policyMode\":\"monitor\",\"expression\":\"pgp() || (gh() && !latest())\","
                        "\"message\":\"The group policy is rejected.\",\"policies\":{\"pgp\":{\"module\":"
                        "\"ghcr.io/example/verify:v1\",\"settings\":{\"signatures\":[{\"image\":\"*\",\"pubKeys\":"
                        "[\"-----BEGIN PUBLIC KEY-----\"]}]}},\"latest\":{\"module\":\"ghcr.io/example/trusted-repos:v1\","
                        "\"settings\":{\"tags\":{\"reject\":[\"latest\"]}},\"hostCapabilities\":[\"oci/*\"]}}}}");

    const char *metadata =
        "rules:\n"
        "- apiGroups: [\"\"]\n"
        "  apiVersions: [\"v1\"]\n"
        "  resources: [\"pods\"]\n"
        "  operations: [\"CREATE\", \"UPDATE\"]\n"
        "mutating: false\n"
        "contextAwareResources: []\n"
        "executionMode: kubewarden-wapc\n"
        "annotations:\n"
        "  # a comment\n"
        "  io.kubewarden.policy.version: 1.0.12\n"
        "  io.artifacthub.resources: '*'\n";
    CHECK_STR(y(metadata), "{\"rules\":[{\"apiGroups\":[\"\"],\"apiVersions\":[\"v1\"],\"resources\":[\"pods\"],"
                           "\"operations\":[\"CREATE\",\"UPDATE\"]}],\"mutating\":false,\"contextAwareResources\":[],"
                           "\"executionMode\":\"kubewarden-wapc\",\"annotations\":{\"io.kubewarden.policy.version\":"
                           "\"1.0.12\",\"io.artifacthub.resources\":\"*\"}}");
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    json_buf b;
    json_buf_init(&b);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) json_buf_append(&b, chunk, n);
    fclose(f);
    *len = b.len;
    return b.data ? b.data : calloc(1, 1);
}

/* Every upstream metadata.yml and the load-testing policies file must parse. */
static void test_upstream_fixtures(void)
{
    const char *shared = getenv("SHARED") ? getenv("SHARED") : "../shared";
    char path[1024];
    snprintf(path, sizeof path, "%s/fixtures/policies", shared);
    DIR *dir = opendir(path);
    if (!dir) {
        printf("skipped: upstream YAML fixtures (%s absent)\n", path);
        return;
    }
    int parsed = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/fixtures/policies/%s/metadata.yml", shared, e->d_name);
        size_t len;
        char *text = read_file(path, &len);
        if (!text) continue;
        json_error err;
        const json_value *v = json_parse_yaml(arena, text, len, &err);
        if (!v) fprintf(stderr, "%s: %s\n", path, err.message);
        CHECK(v && v->type == JSON_OBJECT && json_get(v, "rules"));
        parsed++;
        free(text);
    }
    closedir(dir);
    CHECK(parsed > 5);
    snprintf(path, sizeof path, "%s/fixtures/load-testing/policies.yaml", shared);
    size_t len;
    char *text = read_file(path, &len);
    if (text) {
        json_error err;
        const json_value *docs = json_parse_yaml_all(arena, text, len, &err);
        CHECK(docs && docs->len > 1 && json_get(json_index(docs, 0), "spec"));
        free(text);
    }
}

/* JSON -> YAML -> JSON gives the same document, whatever the strings look like. */
static void check_yaml_roundtrip(const char *json)
{
    json_value *v = json_parse(arena, json, strlen(json), NULL);
    CHECK(v != NULL);
    if (!v) return;
    json_buf yaml;
    json_buf_init(&yaml);
    CHECK_INT(json_write_yaml(&yaml, v), 0);
    json_error err;
    json_value *back = json_parse_yaml(arena, yaml.data, yaml.len, &err);
    CHECK(back && json_equal(v, back));
    if (!back || !json_equal(v, back)) fprintf(stderr, "round trip of %s via\n%s\n", json, yaml.data);
    json_buf_free(&yaml);
}

static void test_write_yaml(void)
{
    check_yaml_roundtrip("{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"},\"f\":[],\"g\":{}}");
    check_yaml_roundtrip("[\"true\",\"null\",\"~\",\"\",\"1.0\",\"0x1F\",\"0o7\",\".inf\",\"-.NaN\",\"007\",\"yes\"]");
    check_yaml_roundtrip("[\"a: b\",\"- x\",\"#c\",\"'q'\",\"\\\"dq\\\"\",\"multi\\nline\\n\",\"trail \",\" lead\",\"tab\\there\"]");
    check_yaml_roundtrip("{\"1\":\"x\",\"true\":\"y\",\"\":\"empty key\",\"k: v\":[1.5e3,-0,12345678901234567890]}");
    check_yaml_roundtrip("[\"caf\u00e9 \u2603\",\"\\u0001ctl\",\"\\r\\n\",\"*alias\",\"&anchor\",\"!tag\",\"%pct\",\"@at\",\"`bt\"]");
    check_yaml_roundtrip("[[[[]]],[{}],{\"a\":[{\"b\":[1]}]}]");
    json_buf yaml;
    json_buf_init(&yaml);
    const char *meta = "{\"rules\":[{\"apiGroups\":[\"\"]}],\"mutating\":false}";
    CHECK_INT(json_write_yaml(&yaml, json_parse(arena, meta, strlen(meta), NULL)), 0);
    CHECK_STR(yaml.data, "---\nrules:\n- apiGroups:\n  - ''\nmutating: false\n");
    json_buf_free(&yaml);
}

int main(void)
{
    arena = json_arena_new(1 << 16);
    test_scalars();
    test_collections();
    test_anchors();
    test_big_mapping();
    test_multi_document();
    test_malformed();
    test_kubewarden_shapes();
    test_write_yaml();
    test_upstream_fixtures();
    json_arena_free(arena);
    TEST_DONE();
}
