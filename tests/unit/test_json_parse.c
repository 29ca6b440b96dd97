/*
 * test_json.c - the JSON parser and writer: valid documents, round trips,
 * malformed input with the offsets of its errors, builders, lookups.
 */
#include "json.h"
#include "test.h"
#include "../../src/json/internal.h"      /* white box: the arena's blocks and scratch stack */

#include <stdlib.h>

static json_arena *arena;

/* Parses and writes back compactly; returns the output or the error message. */
static const char *roundtrip(const char *text)
{
    static json_buf out;
    static json_error err;
    json_buf_reset(&out);
    json_value *v = json_parse(arena, text, strlen(text), &err);
    if (!v) return err.message;
    json_write(&out, v);
    return out.len ? out.data : "";
}

static json_value *parse(const char *text)
{
    json_error err;
    return json_parse(arena, text, strlen(text), &err);
}

static void test_valid(void)
{
    CHECK_STR(roundtrip("null"), "null");
    CHECK_STR(roundtrip(" true "), "true");
    CHECK_STR(roundtrip("false"), "false");
    CHECK_STR(roundtrip("0"), "0");
    CHECK_STR(roundtrip("-0"), "-0");
    CHECK_STR(roundtrip("12345678901234567890123"), "12345678901234567890123");
    CHECK_STR(roundtrip("1.50e+10"), "1.50e+10");
    CHECK_STR(roundtrip("1E400"), "1E400");
    CHECK_STR(roundtrip("\"\""), "\"\"");
    CHECK_STR(roundtrip("[]"), "[]");
    CHECK_STR(roundtrip("{}"), "{}");
    CHECK_STR(roundtrip(" [ 1 , [ ] , { } , \"a\" ] "), "[1,[],{},\"a\"]");
    CHECK_STR(roundtrip("{\"b\":1,\"a\":{\"c\":[true,null]}}"), "{\"b\":1,\"a\":{\"c\":[true,null]}}");
    CHECK_STR(roundtrip("\t\r\n{ \"k\" : \"v\" }\n"), "{\"k\":\"v\"}");
}

static void test_strings(void)
{
    CHECK_STR(roundtrip("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""), "\"\\\"\\\\/\\b\\f\\n\\r\\t\"");
    CHECK_STR(roundtrip("\"\\u0041\\u00e9\\u20ac\""), "\"A\xc3\xa9\xe2\x82\xac\"");
    CHECK_STR(roundtrip("\"\\ud83d\\ude00\""), "\"\xf0\x9f\x98\x80\"");
    CHECK_STR(roundtrip("\"\\u0001\\u001f\\u007f\""), "\"\\u0001\\u001f\x7f\"");
    CHECK_STR(roundtrip("\"h\xc3\xa9llo \xf0\x9f\x98\x80\""), "\"h\xc3\xa9llo \xf0\x9f\x98\x80\"");
    json_value *v = parse("\"a\\u0000b\"");
    CHECK(v && v->type == JSON_STRING && v->len == 3 && memcmp(v->u.str, "a\0b", 4) == 0);
    CHECK_STR(roundtrip("\"a\\u0000b\""), "\"a\\u0000b\"");
    v = parse("{\"k\\n\":\"x\"}");
    CHECK(v && v->len == 1 && v->u.members[0].key_len == 2 && strcmp(v->u.members[0].key, "k\n") == 0);
}

/* Each malformed input must fail with this message (which ends with its offset). */
static void check_error(const char *text, size_t len, const char *want, size_t offset)
{
    json_error err;
    json_value *v = json_parse(arena, text, len, &err);
    CHECK(v == NULL);
    if (!v) {
        CHECK_STR(err.message, want);
        CHECK_INT(err.offset, offset);
    }
}

static void test_malformed(void)
{
    check_error("", 0, "expected a value, found end of input at offset 0", 0);
    check_error("   ", 3, "expected a value, found end of input at offset 3", 3);
    check_error("{\"a\" 1}", 7, "expected ':' after object key, found '1' at offset 5", 5);
    check_error("{\"a\":1,}", 8, "expected string key in object, found '}' at offset 7", 7);
    check_error("{\"a\":1", 6, "expected ',' or '}' after object member, found end of input at offset 6", 6);
    check_error("[1,]", 4, "expected a value, found ']' at offset 3", 3);
    check_error("[1 2]", 5, "expected ',' or ']' after array element, found '2' at offset 3", 3);
    check_error("[", 1, "expected a value, found end of input at offset 1", 1);
    check_error("{1:2}", 5, "expected string key in object, found '1' at offset 1", 1);
    check_error("tru", 3, "invalid literal (expected true) at offset 0", 0);
    check_error("nul", 3, "invalid literal (expected null) at offset 0", 0);
    check_error("1 2", 3, "expected the end after the JSON value, found '2' at offset 2", 2);
    check_error("01", 2, "expected the end after the JSON value, found '1' at offset 1", 1);
    check_error("-", 1, "invalid number: expected a digit at offset 1", 1);
    check_error("1.", 2, "invalid number: expected a digit after '.' at offset 2", 2);
    check_error("1.e5", 4, "invalid number: expected a digit after '.' at offset 2", 2);
    check_error("1e", 2, "invalid number: expected a digit in exponent at offset 2", 2);
    check_error("+1", 2, "expected a value, found '+' at offset 0", 0);
    check_error(".5", 2, "expected a value, found '.' at offset 0", 0);
    check_error("NaN", 3, "expected a value, found 'N' at offset 0", 0);
    check_error("\"abc", 4, "unterminated string at offset 0", 0);
    check_error("\"abc\\\"", 6, "unterminated string at offset 0", 0);
    check_error("\"a\\x\"", 5, "invalid escape in string at offset 2", 2);
    check_error("\"\\u12\"", 6, "invalid \\u escape in string at offset 1", 1);
    check_error("\"\\u12G4\"", 8, "invalid \\u escape in string at offset 1", 1);
    check_error("\"\\ud800\"", 8, "high surrogate not followed by a low surrogate in string at offset 1", 1);
    check_error("\"\\ud800\\u0041\"", 14, "high surrogate not followed by a low surrogate in string at offset 1", 1);
    check_error("\"\\udc00\"", 8, "lone low surrogate in string at offset 1", 1);
    check_error("\"a\tb\"", 5, "control character in string at offset 2", 2);
    check_error("\"a\nb\"", 5, "control character in string at offset 2", 2);
    check_error("\"\xff\"", 3, "invalid UTF-8 in string at offset 1", 1);
    check_error("\"\xc0\xaf\"", 4, "invalid UTF-8 in string at offset 1", 1);             /* overlong '/' */
    check_error("\"\xe0\x80\xaf\"", 5, "invalid UTF-8 in string at offset 1", 1);         /* overlong */
    check_error("\"\xed\xa0\x80\"", 5, "invalid UTF-8 in string at offset 1", 1);         /* surrogate */
    check_error("\"\xf4\x90\x80\x80\"", 6, "invalid UTF-8 in string at offset 1", 1);     /* > U+10FFFF */
    check_error("\"\xe2\x82\"", 4, "invalid UTF-8 in string at offset 1", 1);             /* truncated */
    check_error("\"ok\" \xef\xbb\xbf", 8, "expected the end after the JSON value, found a byte order mark at offset 5", 5);
    check_error("\xef\xbb\xbf{}", 5, "expected a value, found a byte order mark at offset 0", 0);
    check_error("[1]\0", 4, "expected the end after the JSON value, found byte 0x00 at offset 3", 3);
    check_error("{\"a\":1}x", 8, "expected the end after the JSON value, found 'x' at offset 7", 7);
}

static void test_depth(void)
{
    char deep[2 * 600 + 1];
    for (int n = 512; n <= 513; n++) {
        memset(deep, '[', (size_t)n);
        memset(deep + n, ']', (size_t)n);
        json_error err;
        json_value *v = json_parse(arena, deep, 2 * (size_t)n, &err);
        if (n == 512) CHECK(v != NULL);
        else CHECK(v == NULL && strstr(err.message, "nesting deeper than 512") && err.offset == 512);
    }
    /* Far deeper than any stack would tolerate by recursion: still just an error. */
    size_t huge = 1 << 20;
    char *bomb = malloc(huge);
    memset(bomb, '[', huge);
    json_error err;
    CHECK(json_parse(arena, bomb, huge, &err) == NULL && strstr(err.message, "nesting"));
    memset(bomb, '{', huge);
    CHECK(json_parse(arena, bomb, huge, &err) == NULL);
    free(bomb);
}

static void test_numbers(void)
{
    json_value *v = parse("[0, -12, 3.25, 1e3, 9007199254740993, -9223372036854775808, 9223372036854775808, 2.0, 1e400]");
    CHECK(v && v->len == 9);
    if (!v || v->len != 9) return;
    int64_t i = 0;
    CHECK(json_is_integer(v->u.items[0], &i) && i == 0);
    CHECK(json_is_integer(v->u.items[1], &i) && i == -12);
    CHECK(!json_is_integer(v->u.items[2], &i));
    CHECK(v->u.items[2]->u.num.d == 3.25);
    CHECK(json_is_integer(v->u.items[3], &i) && i == 1000);
    CHECK(json_is_integer(v->u.items[4], &i) && i == 9007199254740993LL);         /* exact beyond 2^53 */
    CHECK(json_is_integer(v->u.items[5], &i) && i == INT64_MIN);
    CHECK(!json_is_integer(v->u.items[6], &i));                                    /* overflows int64 */
    CHECK(json_is_integer(v->u.items[7], &i) && i == 2);
    CHECK(!json_is_integer(v->u.items[8], &i));
    CHECK(!json_is_integer(v->u.items[0]->type == JSON_NUMBER ? NULL : v, &i));
}

static const char *write_value(const json_value *v)
{
    static json_buf out;
    json_buf_reset(&out);
    json_write(&out, v);
    return out.data;
}

static void test_builders(void)
{
    json_value *o = json_new_object(arena);
    CHECK(json_object_set(arena, o, "a", json_new_int(arena, -42)) == 0);
    CHECK(json_object_set(arena, o, "b", json_new_number(arena, 2.0)) == 0);
    CHECK(json_object_set(arena, o, "c", json_new_number(arena, 0.1)) == 0);
    CHECK(json_object_set(arena, o, "d", json_new_string(arena, "q\"\\\x01", 4)) == 0);
    CHECK(json_object_set(arena, o, "e", json_new_number(arena, 1.0 / 0.0)) == 0);
    json_value *arr = json_new_array(arena);
    for (int k = 0; k < 100; k++) CHECK(json_array_push(arena, arr, json_new_bool(arena, k % 2)) == 0);
    CHECK(json_object_set(arena, o, "f", arr) == 0);
    CHECK(json_object_set(arena, o, "a", json_new_null(arena)) == 0);      /* replaces */
    CHECK_INT(o->len, 6);
    CHECK(json_index(arr, 99) && json_index(arr, 99)->type == JSON_TRUE && !json_index(arr, 100));
    CHECK_INT(json_object_remove(o, "f"), 1);
    CHECK_INT(json_object_remove(o, "f"), 0);
    CHECK_STR(write_value(o), "{\"a\":null,\"b\":2,\"c\":0.1,\"d\":\"q\\\"\\\\\\u0001\",\"e\":null}");
    CHECK(json_object_set(arena, o, "g", json_new_number(arena, 1e300)) == 0);
    CHECK_STR(write_value(json_get(o, "g")), "1e+300");
    CHECK_STR(write_value(json_new_number(arena, -2.5)), "-2.5");
    CHECK_STR(write_value(json_new_int(arena, INT64_MIN)), "-9223372036854775808");

    /* Pushing onto parsed containers of every length keeps earlier items. */
    for (int n = 0; n < 10; n++) {
        char text[64] = "[";
        for (int k = 0; k < n; k++) snprintf(text + strlen(text), sizeof text - strlen(text), "%s%d", k ? "," : "", k);
        strcat(text, "]");
        json_value *a = parse(text);
        CHECK(a && json_array_push(arena, a, json_new_int(arena, n)) == 0);
        int64_t last = -1;
        CHECK(a && a->len == (size_t)n + 1 && json_is_integer(a->u.items[n], &last) && last == n);
        if (n > 0) CHECK(a && json_is_integer(a->u.items[0], &last) && last == 0);
    }
}

static void test_lookup(void)
{
    json_value *v = parse("{\"s\":\"x\",\"t\":true,\"f\":false,\"n\":1,\"a\":[1,2],\"s\":\"dup\"}");
    CHECK_STR(json_get_string(v, "s"), "x");                  /* first of duplicates wins */
    CHECK(json_get_string(v, "n") == NULL);
    CHECK(json_get_string(v, "missing") == NULL);
    CHECK(json_get_bool(v, "t", false) == true);
    CHECK(json_get_bool(v, "f", true) == false);
    CHECK(json_get_bool(v, "n", true) == true);
    CHECK(json_get(json_get(v, "a"), "x") == NULL);
    CHECK(json_index(json_get(v, "a"), 1) != NULL);
    CHECK(json_index(v, 0) == NULL);
    CHECK(json_get(NULL, "s") == NULL);
    CHECK_STR(json_serde_type(json_get(v, "s")), "string");
    CHECK_STR(json_serde_type(json_get(v, "t")), "boolean");
    CHECK_STR(json_serde_type(json_get(v, "f")), "boolean");
    CHECK_STR(json_serde_type(json_get(v, "n")), "number");
    CHECK_STR(json_serde_type(json_get(v, "a")), "sequence");
    CHECK_STR(json_serde_type(v), "map");
    CHECK_STR(json_serde_type(parse("null")), "null");
}

static void test_equal(void)
{
    CHECK(json_equal(parse("{\"a\":1,\"b\":[1,2]}"), parse("{\"b\":[1,2],\"a\":1}")));
    CHECK(!json_equal(parse("{\"a\":1,\"b\":[1,2]}"), parse("{\"b\":[2,1],\"a\":1}")));
    CHECK(!json_equal(parse("{\"a\":1}"), parse("{\"a\":1,\"b\":2}")));
    CHECK(json_equal(parse("1.0"), parse("1")));
    CHECK(json_equal(parse("100"), parse("1e2")));
    CHECK(!json_equal(parse("9007199254740993"), parse("9007199254740992")));
    CHECK(!json_equal(parse("\"a\""), parse("\"b\"")));
    CHECK(!json_equal(parse("null"), parse("false")));
    /* Duplicate keys: the first is the one json_get sees, so the one that counts. */
    CHECK(json_equal(parse("{\"a\":1,\"a\":2}"), parse("{\"a\":1}")));
    CHECK(json_equal(parse("{\"a\":1}"), parse("{\"a\":1,\"a\":2}")));
    CHECK(!json_equal(parse("{\"a\":1,\"a\":2}"), parse("{\"a\":2}")));
    CHECK(!json_equal(parse("{\"a\":1,\"a\":2}"), parse("{\"a\":1,\"b\":2}")));
    CHECK(json_equal(parse("{\"k\":1,\"a\":\"x\",\"k\":3}"), parse("{\"a\":\"x\",\"k\":1,\"k\":5}")));
}

static void test_buf(void)
{
    json_buf b;
    json_buf_init(&b);
    json_buf_printf(&b, "%d-%s", 42, "x");
    CHECK_STR(b.data, "42-x");
    char big[1000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    json_buf_printf(&b, "%s", big);
    CHECK_INT(b.len, 4 + 999);
    CHECK(b.data[b.len] == '\0' && b.data[4] == 'y');
    json_buf_reset(&b);
    CHECK_INT(b.len, 0);
    json_buf_puts(&b, "abc");
    CHECK_STR(b.data, "abc");
    CHECK(!b.oom);
    json_buf_free(&b);
}

/* After warming up, parse + reset cycles must not grow the arena. */
static void test_arena_reuse(void)
{
    json_arena *a = json_arena_new(0);
    const char *doc = "{\"request\":{\"uid\":\"1\",\"object\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":[1,2,3]}}}";
    for (int i = 0; i < 3; i++) {                             /* warm up */
        json_arena_reset(a);
        json_parse(a, doc, strlen(doc), NULL);
    }
    /* Warm: the same single block and the same scratch stack every time, so no malloc. */
    const void *block = a->head, *scratch = a->scratch;
    bool same = true;
    for (int i = 0; i < 1000; i++) {
        json_arena_reset(a);
        CHECK(json_parse(a, doc, strlen(doc), NULL) != NULL);
        same &= a->head == block && !a->head->next && a->scratch == scratch;
    }
    CHECK(same);
    /* A document far bigger than the first block: after one reset its blocks are
     * merged into one, and from then on the cycle is malloc-free as well. */
    json_buf big;
    json_buf_init(&big);
    json_buf_puts(&big, "[");
    for (int i = 0; i < 3000; i++) json_buf_printf(&big, "%s{\"name\":\"item-%d\",\"n\":%d,\"ok\":true}", i ? "," : "", i, i);
    json_buf_puts(&big, "]");
    json_parse(a, big.data, big.len, NULL);
    json_arena_reset(a);
    json_parse(a, big.data, big.len, NULL);
    block = a->head, scratch = a->scratch;
    same = !a->head->next;
    for (int i = 0; i < 20; i++) {
        json_arena_reset(a);
        CHECK(json_parse(a, big.data, big.len, NULL) != NULL);
        same &= a->head == block && !a->head->next && a->scratch == scratch;
    }
    CHECK(same);
    json_buf_free(&big);
    CHECK(json_arena_alloc(a, 1 << 20) != NULL);           /* bigger than a block */
    json_arena_reset(a);
    CHECK(json_arena_alloc(a, 1 << 19) != NULL);           /* fits the kept largest block */
    char *s = json_arena_strdup(a, "hello", 5);
    CHECK_STR(s, "hello");
    CHECK(((uintptr_t)json_arena_alloc(a, 3) & 7) == 0);
    CHECK(((uintptr_t)json_arena_alloc(a, 5) & 7) == 0);
    json_arena_free(a);
}

/* Random damage to valid documents: every result is an error or a document that
 * writes, re-parses to an equal value and writes identically again.  The YAML
 * reader gets the same bytes and must only succeed or fail. */
static void test_mutations(void)
{
    static const char *const seeds[] = {
        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u-1\","
        "\"object\":{\"metadata\":{\"name\":\"p\",\"labels\":{\"a\":\"b\"}},\"spec\":{\"containers\":"
        "[{\"name\":\"c\",\"image\":\"nginx\",\"securityContext\":{\"privileged\":true,\"runAsUser\":1000}}]}},"
        "\"dryRun\":false,\"oldObject\":null}}",
        "[1.5e-3,-0,\"\\u00e9\\ud83d\\ude00\\n\",\"h\xc3\xa9\",{},[],[[{\"k\":[true,false,null]}]]]",
    };
    uint64_t x = 88172645463325252ULL;
    json_buf once, twice;
    json_buf_init(&once);
    json_buf_init(&twice);
    int accepted = 0, consistent = 0;
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
            case 0: len = at; break;                                               /* truncate */
            case 1: doc[at] = (char)(x >> 40); break;                              /* overwrite */
            case 2: memmove(doc + at, doc + at + 1, len - at - 1); len--; break;   /* delete */
            default:                                                               /* duplicate */
                if (len < sizeof doc - 1) { memmove(doc + at + 1, doc + at, len - at); len++; }
            }
            if (len == 0) break;
        }
        json_arena_reset(a);
        json_value *v = json_parse(a, doc, len, NULL);
        json_parse_yaml(a, doc, len, NULL);
        if (!v) continue;
        accepted++;
        json_buf_reset(&once);
        json_buf_reset(&twice);
        json_write(&once, v);
        json_value *back = json_parse(a, once.data, once.len, NULL);
        if (back) json_write(&twice, back);
        consistent += back && json_equal(v, back) && once.len == twice.len && memcmp(once.data, twice.data, once.len) == 0;
    }
    CHECK(accepted > 100);
    CHECK_INT(consistent, accepted);
    json_arena_free(a);
    json_buf_free(&once);
    json_buf_free(&twice);
}

int main(void)
{
    arena = json_arena_new(1 << 16);
    test_valid();
    test_strings();
    test_malformed();
    test_depth();
    test_numbers();
    test_builders();
    test_lookup();
    test_equal();
    test_buf();
    test_arena_reuse();
    test_mutations();
    json_arena_free(arena);
    TEST_DONE();
}
