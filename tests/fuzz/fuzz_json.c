/*
 * fuzz_json.c - libFuzzer target for the JSON layer: the bytes go to the JSON
 * parser, the YAML readers and, when they parse as JSON, through the writers.
 * A parsed document must write, re-parse to an equal value and write the same
 * bytes again (abort otherwise); json_parse_lazy must fail exactly where
 * json_parse does, or write text that reads back as the same document;
 * everything else must merely not crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static void check_round_trip(json_arena *a, const json_value *v)
{
    json_buf once, twice, yaml;
    json_buf_init(&once);
    json_buf_init(&twice);
    json_buf_init(&yaml);
    json_write(&once, v);
    const json_value *back = json_parse(a, once.data, once.len, NULL);
    if (!back || !json_equal(v, back)) abort();
    json_write(&twice, back);
    if (once.len != twice.len || memcmp(once.data, twice.data, once.len) != 0) abort();
    if (json_write_yaml(&yaml, v) == 0) json_parse_yaml(a, yaml.data, yaml.len, NULL);
    json_buf diff;
    json_buf_init(&diff);
    if (json_diff(a, v, back, &diff) < 0 || strcmp(diff.data, "[]") != 0) abort();
    json_buf_free(&diff);
    json_buf_free(&once);
    json_buf_free(&twice);
    json_buf_free(&yaml);
}

static void check_lazy(json_arena *a, const char *text, size_t size, const json_value *full,
                       const json_error *full_err)
{
    json_error err;
    int depth = size ? (unsigned char)text[0] % 4 : 0;
    const json_value *lazy = json_parse_lazy(a, text, size, depth, &err);
    if (!full || !lazy) {
        if (full || lazy || err.offset != full_err->offset || strcmp(err.message, full_err->message) != 0) abort();
        return;
    }
    json_buf out;
    json_buf_init(&out);
    json_write(&out, lazy);
    const json_value *back = json_parse(a, out.data, out.len, NULL);
    if (!back || !json_equal(full, back)) abort();
    json_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_arena *a;
    if (!a) a = json_arena_new(1 << 16);
    json_arena_reset(a);
    const char *text = (const char *)data;
    json_error err;
    json_value *v = json_parse(a, text, size, &err);
    if (v) check_round_trip(a, v);
    check_lazy(a, text, size, v, &err);
    json_parse_yaml_all(a, text, size, NULL);
    json_buf b64;
    json_buf_init(&b64);
    base64_decode(&b64, text, size);
    json_buf_free(&b64);
    return 0;
}
