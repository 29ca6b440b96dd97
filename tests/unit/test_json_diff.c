/*
 * test_json_diff.c - json_diff and base64.
 *
 * The diff is checked as a property: for thousands of random document pairs
 * (a document and a random mutation of it, or two unrelated documents), the
 * patch applied to `from` by the small RFC 6902 applier below must give a
 * document equal to `to`.
 */
#include "json.h"
#include "test.h"

#include <stdlib.h>

static json_arena *arena;
/* ---- a test-only RFC 6902 applier ---------------------------------------- */

/* Decodes the RFC 6901 token [s, end) into buf. */
static void unescape_token(const char *s, const char *end, char *buf)
{
    char *o = buf;
    for (; s < end; s++) {
        if (*s == '~' && s + 1 < end && (s[1] == '0' || s[1] == '1')) *o++ = *++s == '0' ? '~' : '/';
        else *o++ = *s;
    }
    *o = '\0';
}

static json_value *child(json_value *v, const char *token)
{
    if (v->type == JSON_OBJECT) return (json_value *)json_get(v, token);
    if (v->type == JSON_ARRAY) return (json_value *)json_index(v, (size_t)strtoul(token, NULL, 10));
    return NULL;
}

static int array_insert(json_value *array, size_t at, json_value *item)
{
    if (at > array->len || json_array_push(arena, array, item) < 0) return -1;
    memmove(&array->u.items[at + 1], &array->u.items[at], (array->len - 1 - at) * sizeof item);
    array->u.items[at] = item;
    return 0;
}

static int apply_op(json_value **doc, const char *op, const char *path, json_value *value)
{
    if (!*path) {                                  /* the whole document */
        if (strcmp(op, "remove") == 0) return -1;
        *doc = value;
        return 0;
    }
    json_value *parent = *doc;
    char token[256];
    const char *p = path;
    for (;;) {
        if (*p != '/') return -1;
        const char *end = strchr(p + 1, '/');
        if (!end) end = p + strlen(p);
        unescape_token(p + 1, end, token);
        if (!*end) break;
        if (!(parent = child(parent, token))) return -1;
        p = end;
    }
    if (parent->type == JSON_OBJECT) {
        bool present = json_get(parent, token) != NULL;
        if (strcmp(op, "remove") == 0) return json_object_remove(parent, token) ? 0 : -1;
        if (strcmp(op, "replace") == 0 && !present) return -1;
        return json_object_set(arena, parent, token, value);
    }
    if (parent->type != JSON_ARRAY) return -1;
    size_t i = strcmp(token, "-") == 0 ? parent->len : (size_t)strtoul(token, NULL, 10);
    if (strcmp(op, "add") == 0) return array_insert(parent, i, value);
    if (i >= parent->len) return -1;
    if (strcmp(op, "replace") == 0) parent->u.items[i] = value;
    else {
        memmove(&parent->u.items[i], &parent->u.items[i + 1], (parent->len - i - 1) * sizeof value);
        parent->len--;
    }
    return 0;
}

static json_value *apply_patch(json_value *doc, const char *patch_text, size_t len)
{
    json_error err;
    json_value *patch = json_parse(arena, patch_text, len, &err);
    if (!patch || patch->type != JSON_ARRAY) return NULL;
    for (size_t i = 0; i < patch->len; i++) {
        json_value *op = patch->u.items[i];
        const char *name = json_get_string(op, "op"), *path = json_get_string(op, "path");
        if (!name || !path || apply_op(&doc, name, path, (json_value *)json_get(op, "value")) < 0) return NULL;
    }
    return doc;
}

/* ---- random documents ----------------------------------------------------- */

static const char *const keys[] = { "a", "b", "c", "metadata", "x/y", "t~1", "~", "/", "", "spec", "k\"q" };

static json_value *random_value(int depth)
{
    unsigned kind = depth == 0 ? 5 + test_rand(2) : test_rand(depth > 3 ? 5 : 7);
    switch (kind) {
    case 0: return json_new_null(arena);
    case 1: return json_new_bool(arena, test_rand(2));
    case 2: return json_new_int(arena, (int64_t)test_rand(5) - 2);
    case 3: return json_new_number(arena, test_rand(100) / 8.0);
    case 4: {
        char s[3] = { (char)('a' + test_rand(3)), (char)('a' + test_rand(3)), 0 };
        return json_new_string(arena, s, test_rand(3));
    }
    case 5: {
        json_value *a = json_new_array(arena);
        for (unsigned n = test_rand(5); n > 0; n--) json_array_push(arena, a, random_value(depth + 1));
        return a;
    }
    default: {
        json_value *o = json_new_object(arena);
        for (unsigned n = test_rand(5); n > 0; n--) {
            const char *key = keys[test_rand(sizeof keys / sizeof *keys)];
            json_object_set(arena, o, key, random_value(depth + 1));
        }
        return o;
    }
    }
}

/* A copy of v with random edits at every level. */
static json_value *mutate(const json_value *v, int depth)
{
    if (test_rand(8) == 0) return random_value(depth);
    if (v->type == JSON_OBJECT) {
        json_value *o = json_new_object(arena);
        for (size_t i = 0; i < v->len; i++)
            if (test_rand(5)) json_object_set(arena, o, v->u.members[i].key, mutate(v->u.members[i].value, depth + 1));
        if (test_rand(3) == 0) {
            const char *key = keys[test_rand(sizeof keys / sizeof *keys)];
            json_object_set(arena, o, key, random_value(depth + 1));
        }
        return o;
    }
    if (v->type == JSON_ARRAY) {
        json_value *a = json_new_array(arena);
        size_t keep = test_rand(3) ? v->len : test_rand((unsigned)v->len + 1);
        for (size_t i = 0; i < keep; i++) json_array_push(arena, a, mutate(v->u.items[i], depth + 1));
        for (unsigned n = test_rand(3) == 0 ? test_rand(3) : 0; n > 0; n--) json_array_push(arena, a, random_value(depth + 1));
        return a;
    }
    return (json_value *)v;
}

static json_value *deep_copy(const json_value *v)
{
    json_buf b;
    json_buf_init(&b);
    json_write(&b, v);
    json_value *copy = json_parse(arena, b.data, b.len, NULL);
    json_buf_free(&b);
    return copy;
}

static void test_diff_property(void)
{
    json_buf patch;
    json_buf_init(&patch);
    int ok = 0, total = 5000;
    size_t ops_total = 0;
    for (int i = 0; i < total; i++) {
        json_arena_reset(arena);
        json_value *from = random_value(0);
        json_value *to = test_rand(4) ? mutate(from, 0) : random_value(0);
        json_buf_reset(&patch);
        if (json_diff(arena, from, to, &patch) < 0) break;
        json_value *patched = apply_patch(deep_copy(from), patch.data, patch.len);
        if (patched && json_equal(patched, to)) ok++;
        else if (ok + 3 > i) {
            json_buf b;
            json_buf_init(&b);
            json_write(&b, from);
            json_buf_puts(&b, "  ->  ");
            json_write(&b, to);
            fprintf(stderr, "diff failed: %s\n  patch %s\n", b.data, patch.data);
            json_buf_free(&b);
        }
        if (json_equal(from, to)) CHECK_STR(patch.data, "[]");
        for (size_t k = 0; k < patch.len; k++) ops_total += patch.data[k] == '{' && strncmp(patch.data + k, "{\"op\"", 5) == 0;
    }
    CHECK_INT(ok, total);
    printf("diff property: %d/%d pairs, %zu operations\n", ok, total, ops_total);
    json_buf_free(&patch);
}

/* Objects with thousands of keys (indexed lookups in json_diff), duplicates included. */
static void test_diff_big_objects(void)
{
    json_arena_reset(arena);
    json_value *from = json_new_object(arena), *to = json_new_object(arena);
    char key[32];
    for (int i = 0; i < 10000; i++) {
        snprintf(key, sizeof key, "k%d", (i * 7919) % 10000);
        json_object_set(arena, from, key, json_new_int(arena, i));
        if (i % 10 == 3) continue;                                          /* removed */
        json_object_set(arena, to, key, json_new_int(arena, i % 10 == 5 ? -i : i));    /* replaced */
    }
    for (int i = 0; i < 1000; i++) {                                        /* added */
        snprintf(key, sizeof key, "new%d", i);
        json_object_set(arena, to, key, json_new_bool(arena, true));
    }
    json_buf patch;
    json_buf_init(&patch);
    CHECK_INT(json_diff(arena, from, to, &patch), 0);
    json_value *patched = apply_patch(deep_copy(from), patch.data, patch.len);
    CHECK(patched && json_equal(patched, to));
    int ops = 0;
    for (size_t k = 0; k + 5 < patch.len; k++) ops += strncmp(patch.data + k, "{\"op\"", 5) == 0;
    CHECK_INT(ops, 1000 + 1000 + 1000);
    /* A duplicate key in a large object: the first occurrence is the one compared. */
    const char *dup_from_text = "{\"a0\":1,\"a1\":1,\"a2\":1,\"a3\":1,\"a4\":1,\"a5\":1,\"a6\":1,\"a7\":1,\"a8\":1,\"a9\":1,"
        "\"b0\":1,\"b1\":1,\"b2\":1,\"b3\":1,\"b4\":1,\"b5\":1,\"b6\":1,\"b7\":1,\"b8\":1,\"b9\":1,"
        "\"c0\":1,\"c1\":1,\"c2\":1,\"c3\":1,\"c4\":1,\"c5\":1,\"c6\":1,\"c7\":1,\"c8\":1,\"c9\":1,"
        "\"d0\":1,\"d1\":1,\"d2\":1,\"a0\":7}";
    json_value *dup = json_parse(arena, dup_from_text, strlen(dup_from_text), NULL);
    json_buf_reset(&patch);
    CHECK_INT(json_diff(arena, dup, dup, &patch), 0);
    CHECK_STR(patch.data, "[]");
    /* json_equal on indexed objects sees the same first occurrences. */
    json_value *plain = deep_copy(dup);
    CHECK(plain && json_object_remove(plain, "a0") == 1);                /* drops the first a0 */
    CHECK(plain && !json_equal(dup, plain));                             /* now a0 is 7 */
    CHECK(json_object_set(arena, plain, "a0", json_new_int(arena, 1)) == 0);
    CHECK(json_equal(dup, plain) && json_equal(plain, dup));
    json_buf_free(&patch);
}

static const char *diff(const char *from, const char *to)
{
    static json_buf out;
    json_buf_reset(&out);
    json_value *a = json_parse(arena, from, strlen(from), NULL), *b = json_parse(arena, to, strlen(to), NULL);
    if (!a || !b || json_diff(arena, a, b, &out) < 0) return "(error)";
    return out.data;
}

static void test_diff_examples(void)
{
    CHECK_STR(diff("{\"a\":1}", "{\"a\":1}"), "[]");
    CHECK_STR(diff("1", "2"), "[{\"op\":\"replace\",\"path\":\"\",\"value\":2}]");
    CHECK_STR(diff("1", "1.0"), "[]");
    CHECK_STR(diff("{\"a\":1,\"b\":2}", "{\"b\":3,\"c\":4}"),
              "[{\"op\":\"remove\",\"path\":\"/a\"},{\"op\":\"replace\",\"path\":\"/b\",\"value\":3},"
              "{\"op\":\"add\",\"path\":\"/c\",\"value\":4}]");
    CHECK_STR(diff("[1,2,3]", "[1]"), "[{\"op\":\"remove\",\"path\":\"/2\"},{\"op\":\"remove\",\"path\":\"/1\"}]");
    CHECK_STR(diff("[1]", "[1,[2],3]"),
              "[{\"op\":\"add\",\"path\":\"/1\",\"value\":[2]},{\"op\":\"add\",\"path\":\"/2\",\"value\":3}]");
    CHECK_STR(diff("{\"a/b\":{\"c~d\":1}}", "{\"a/b\":{\"c~d\":2}}"),
              "[{\"op\":\"replace\",\"path\":\"/a~1b/c~0d\",\"value\":2}]");
    CHECK_STR(diff("{\"metadata\":{\"labels\":{}}}", "{\"metadata\":{\"labels\":{\"owner\":\"me\"}}}"),
              "[{\"op\":\"add\",\"path\":\"/metadata/labels/owner\",\"value\":\"me\"}]");
    CHECK_STR(diff("{\"a\":[1]}", "{\"a\":{\"0\":1}}"), "[{\"op\":\"replace\",\"path\":\"/a\",\"value\":{\"0\":1}}]");
}

/* ---- base64 --------------------------------------------------------------- */

static const char *b64(const char *data, size_t len)
{
    static json_buf out;
    json_buf_reset(&out);
    base64_encode(&out, data, len);
    return out.len ? out.data : "";
}

static const char *unb64(const char *text)
{
    static json_buf out;
    json_buf_reset(&out);
    if (base64_decode(&out, text, strlen(text)) < 0) return "(invalid)";
    return out.len ? out.data : "";
}

static void test_base64(void)
{
    /* RFC 4648 section 10 vectors. */
    const char *plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    const char *coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
    for (int i = 0; i < 7; i++) {
        CHECK_STR(b64(plain[i], strlen(plain[i])), coded[i]);
        CHECK_STR(unb64(coded[i]), plain[i]);
    }
    CHECK_STR(b64("\xfb\xff\xfe", 3), "+//+");
    const char *bad[] = { "Zg=", "Zg", "Z===", "Zm9v!A==", "Zh==", "Zm9=", "Zg==Zg==", "=Zg=", "Zm 9v", "Zm9v\n" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) CHECK_STR(unb64(bad[i]), "(invalid)");
    /* Every byte value round-trips, at every length modulo 3. */
    unsigned char all[256];
    for (int i = 0; i < 256; i++) all[i] = (unsigned char)i;
    for (size_t len = 253; len <= 256; len++) {
        json_buf enc, dec;
        json_buf_init(&enc);
        json_buf_init(&dec);
        base64_encode(&enc, all, len);
        CHECK(base64_decode(&dec, enc.data, enc.len) == 0 && dec.len == len && memcmp(dec.data, all, len) == 0);
        json_buf_free(&enc);
        json_buf_free(&dec);
    }
}

int main(void)
{
    arena = json_arena_new(1 << 16);
    test_diff_examples();
    test_diff_property();
    test_diff_big_objects();
    test_base64();
    json_arena_free(arena);
    TEST_DONE();
}
