/*
 * fuzz_json.c - libFuzzer target for the JSON layer: the bytes go to the JSON
 * parser, the YAML readers and, when they parse as JSON, through the writers.
 * A parsed document must write, re-parse to an equal value and write the same
 * bytes again (abort otherwise); everything else must merely not crash.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_arena *a;
    if (!a) a = json_arena_new(1 << 16);
    json_arena_reset(a);
    const char *text = (const char *)data;
    json_value *v = json_parse(a, text, size, NULL);
    if (v) check_round_trip(a, v);
    json_parse_yaml_all(a, text, size, NULL);
    json_buf b64;
    json_buf_init(&b64);
    base64_decode(&b64, text, size);
    json_buf_free(&b64);
    return 0;
}
