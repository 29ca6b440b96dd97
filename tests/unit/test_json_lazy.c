/*
 * test_json_lazy.c - json_parse_lazy and json_expand: containers at one depth
 * are kept as compact text, checked exactly like json_parse checks them (same
 * messages, same offsets), written back as copies, expanded on demand.
 */
#include "json.h"
#include "test.h"

#include <stdlib.h>

static json_arena *arena;

static const char *text_of(const json_value *v)
{
    static json_buf out;
    json_buf_reset(&out);
    json_write(&out, v);
    return out.len ? out.data : "";
}

static const char *span_of(const json_value *v)
{
    static char text[512];
    if (!v || !v->lazy || v->u.span.len >= sizeof text) return "(not lazy)";
    memcpy(text, v->u.span.text, v->u.span.len);
    text[v->u.span.len] = '\0';
    return text;
}

static const char pretty[] =
    "{\n"
    "  \"uid\": \"u-1\",\n"
    "  \"kind\": {\"group\": \"\", \"kind\": \"Pod\"},\n"
    "  \"object\": {\n"
    "    \"metadata\": {\"name\": \"p \\\"q\\\" \\u00e9\\/x\", \"labels\": { }},\n"
    "    \"spec\": {\"containers\": [ {\"name\": \"c\", \"ports\": [80, -1.5e3, 0]},\n"
    "                              {\"name\": \"h\xc3\xa9\", \"ok\": true, \"no\": false, \"x\": null} ]}\n"
    "  },\n"
    "  \"groups\": [ \"a\" , \"b\" ],\n"
    "  \"empty\": [ ],\n"
    "  \"n\": 7\n"
    "}\n";

static void test_values(void)
{
    json_error err;
    json_value *doc = json_parse_lazy(arena, pretty, strlen(pretty), 1, &err);
    CHECK(doc != NULL);
    if (!doc) return;
    CHECK(doc->type == JSON_OBJECT && !doc->lazy && doc->len == 6);
    CHECK_STR(json_get_string(doc, "uid"), "u-1");
    const json_value *kind = json_get(doc, "kind"), *object = json_get(doc, "object");
    CHECK(kind && kind->type == JSON_OBJECT && kind->lazy && kind->len == 0);
    CHECK_STR(span_of(kind), "{\"group\":\"\",\"kind\":\"Pod\"}");
    /* escapes and UTF-8 stay as written; only whitespace between tokens goes */
    CHECK_STR(span_of(object), "{\"metadata\":{\"name\":\"p \\\"q\\\" \\u00e9\\/x\",\"labels\":{}},"
                               "\"spec\":{\"containers\":[{\"name\":\"c\",\"ports\":[80,-1.5e3,0]},"
                               "{\"name\":\"h\xc3\xa9\",\"ok\":true,\"no\":false,\"x\":null}]}}");
    const json_value *groups = json_get(doc, "groups");
    CHECK(groups && groups->type == JSON_ARRAY && groups->lazy);
    CHECK_STR(span_of(groups), "[\"a\",\"b\"]");
    CHECK_STR(span_of(json_get(doc, "empty")), "[]");
    const json_value *n = json_get(doc, "n");
    CHECK(n && n->type == JSON_NUMBER && !n->lazy);
    CHECK_STR(json_serde_type(object), "map");
    CHECK_STR(json_serde_type(groups), "sequence");

    /* json_write copies the lazy text: the document's compact form */
    CHECK_STR(text_of(doc), "{\"uid\":\"u-1\",\"kind\":{\"group\":\"\",\"kind\":\"Pod\"},"
                            "\"object\":{\"metadata\":{\"name\":\"p \\\"q\\\" \\u00e9\\/x\",\"labels\":{}},"
                            "\"spec\":{\"containers\":[{\"name\":\"c\",\"ports\":[80,-1.5e3,0]},"
                            "{\"name\":\"h\xc3\xa9\",\"ok\":true,\"no\":false,\"x\":null}]}},"
                            "\"groups\":[\"a\",\"b\"],\"empty\":[],\"n\":7}");

    /* expanding gives what json_parse builds */
    const json_value *full = json_parse(arena, pretty, strlen(pretty), &err);
    const json_value *expanded = json_expand(arena, object);
    CHECK(expanded && !expanded->lazy && expanded->len == 2);
    CHECK(json_equal(expanded, json_get(full, "object")));
    CHECK_STR(json_get_string(json_get(expanded, "metadata"), "name"), "p \"q\" \xc3\xa9/x");
    CHECK(json_expand(arena, n) == n);
    CHECK(json_expand(arena, NULL) == NULL);
    /* a lazy value reads as empty until expanded */
    CHECK(json_get(object, "metadata") == NULL);
}

static void test_depths(void)
{
    static const char text[] = " [ 1, {\"a\": [2]} ] ";
    json_error err;
    json_value *v = json_parse_lazy(arena, text, strlen(text), 0, &err);
    CHECK(v && v->lazy && v->type == JSON_ARRAY);
    CHECK_STR(span_of(v), "[1,{\"a\":[2]}]");
    v = json_parse_lazy(arena, text, strlen(text), 2, &err);
    CHECK(v && !v->lazy && v->len == 2 && !v->u.items[1]->lazy);
    CHECK(v && v->u.items[1]->u.members[0].value->lazy);
    CHECK_STR(text_of(v), "[1,{\"a\":[2]}]");
    v = json_parse_lazy(arena, "\"s\"", 3, 0, &err);                   /* scalars are never lazy */
    CHECK(v && v->type == JSON_STRING && !v->lazy);
    v = json_parse_lazy(arena, "[[1]]", 5, -1, &err);                  /* negative: nothing lazy */
    CHECK(v && !v->lazy && !v->u.items[0]->lazy);
}

/* Malformed input inside a lazy container: the message and offset json_parse gives. */
static void check_same_error(const char *text, size_t len, int lazy_depth)
{
    json_error want, got;
    json_value *full = json_parse(arena, text, len, &want);
    json_value *lazy = json_parse_lazy(arena, text, len, lazy_depth, &got);
    CHECK(full == NULL && lazy == NULL);
    if (!full && !lazy) {
        CHECK_STR(got.message, want.message);
        CHECK_INT(got.offset, want.offset);
    }
}

static void test_errors(void)
{
    static const char *const bad[] = {
        "{\"o\": {\"a\": 1,}}",
        "{\"o\": {\"a\" 1}}",
        "{\"o\": {1: 2}}",
        "{\"o\": [1 2]}",
        "{\"o\": [1,]}",
        "{\"o\": [tru]}",
        "{\"o\": [nul]}",
        "{\"o\": [-]}",
        "{\"o\": [1.]}",
        "{\"o\": [1e+]}",
        "{\"o\": [01]}",
        "{\"o\": [\"a\\x\"]}",
        "{\"o\": [\"\\u12G4\"]}",
        "{\"o\": [\"\\udc00\"]}",
        "{\"o\": [\"\\ud800x\"]}",
        "{\"o\": [\"a\x01\"]}",
        "{\"o\": [\"\xc3\"]}",
        "{\"o\": [\"\xed\xa0\x80\"]}",
        "{\"o\": [\"unterminated]}",
        "{\"o\": {\"a\": [1, {\"b\": }]}}",
        "{\"o\": [1]",
        "{\"o\": [1",
        "{\"o\": {",
        "{\"o\": [@]}",
        "{\"o\": [1]} x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        check_same_error(bad[i], strlen(bad[i]), 1);
    /* nesting: the limit counts the levels above the lazy value too */
    enum { DEEP = 600 };
    char *deep = malloc(2 * DEEP + 16);
    size_t n = 0;
    memcpy(deep, "{\"o\":", 5), n = 5;
    for (int i = 0; i < DEEP; i++) deep[n++] = '[';
    for (int i = 0; i < DEEP; i++) deep[n++] = ']';
    deep[n++] = '}';
    check_same_error(deep, n, 1);
    free(deep);
}

static void test_diff(void)
{
    const char *from_text = "{\"spec\": {\"a\": 1, \"b\": [1, 2]}, \"keep\": {\"x\": true}}";
    const char *to_text = "{\"spec\":{\"a\":2,\"b\":[1]},\"keep\":{\"x\":true},\"new\":null}";
    json_value *lazy = json_parse_lazy(arena, from_text, strlen(from_text), 1, NULL);
    json_value *full = json_parse(arena, from_text, strlen(from_text), NULL);
    json_value *to = json_parse(arena, to_text, strlen(to_text), NULL);
    CHECK(lazy && full && to);
    json_buf want, got, back;
    json_buf_init(&want);
    json_buf_init(&got);
    json_buf_init(&back);
    CHECK_INT(json_diff(arena, full, to, &want), 0);
    CHECK_INT(json_diff(arena, lazy, to, &got), 0);
    CHECK_STR(got.data, want.data);
    CHECK_INT(json_diff(arena, to, lazy, &back), 0);            /* lazy on the other side too */
    CHECK(strstr(back.data, "\"op\":\"remove\",\"path\":\"/new\"") != NULL);
    json_buf_free(&want);
    json_buf_free(&got);
    json_buf_free(&back);
}

/* Random damage to pretty documents: json_parse_lazy fails exactly when json_parse
 * does, with the same message; when it succeeds, what it writes reads back as
 * the same document. */
static void test_mutations(void)
{
    static const char *const seeds[] = {
        "{ \"apiVersion\": \"admission.k8s.io/v1\",\n  \"request\": { \"uid\": \"u-1\",\n"
        "    \"object\": { \"metadata\": { \"name\": \"p\", \"labels\": {\"a\": \"b\\n\"} },\n"
        "      \"spec\": { \"containers\": [ { \"name\": \"c\", \"image\": \"nginx\",\n"
        "        \"securityContext\": { \"privileged\": true, \"runAsUser\": 1000 } } ] } },\n"
        "    \"dryRun\": false, \"oldObject\": null } }\n",
        "[ 1.5e-3, -0, \"\\u00e9\\ud83d\\ude00\\n\", \"h\xc3\xa9\", {}, [ ],\n\t[ [ {\"k\": [true, false, null]} ] ] ]",
    };
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    json_buf once;
    json_buf_init(&once);
    int accepted = 0, same = 0, rejected = 0, same_error = 0;
    json_arena *a = json_arena_new(0);
    for (int i = 0; i < 20000; i++) {
        char doc[512];
        const char *seed = seeds[i % 2];
        size_t len = strlen(seed);
        memcpy(doc, seed, len);
        for (int edits = 1 + (int)(x % 3); edits > 0; edits--) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            size_t at = (size_t)(x >> 8) % len;
            switch (x % 4) {
            case 0: len = at; break;
            case 1: doc[at] = (char)(x >> 40); break;
            case 2: memmove(doc + at, doc + at + 1, len - at - 1); len--; break;
            default:
                if (len < sizeof doc - 1) { memmove(doc + at + 1, doc + at, len - at); len++; }
            }
            if (len == 0) break;
        }
        json_arena_reset(a);
        json_error want, got;
        json_value *full = json_parse(a, doc, len, &want);
        json_value *lazy = json_parse_lazy(a, doc, len, (int)(x % 4), &got);
        if (!full || !lazy) {
            rejected++;
            same_error += !full && !lazy && strcmp(want.message, got.message) == 0 && want.offset == got.offset;
            continue;
        }
        accepted++;
        json_buf_reset(&once);
        json_write(&once, lazy);
        json_value *back = json_parse(a, once.data, once.len, NULL);
        same += back && json_equal(full, back);
    }
    CHECK(accepted > 100 && rejected > 1000);
    CHECK_INT(same, accepted);
    CHECK_INT(same_error, rejected);
    json_arena_free(a);
    json_buf_free(&once);
}

int main(void)
{
    arena = json_arena_new(1 << 16);
    test_values();
    test_depths();
    test_errors();
    test_diff();
    test_mutations();
    json_arena_free(arena);
    TEST_DONE();
}
