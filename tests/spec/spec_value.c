/*
 * spec_value.c - JSON values of the test scripts <-> engine slots.
 */
#include "spec_value.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F32_EXP_MASK   0x7f800000u
#define F32_QUIET_BIT  0x00400000u
#define F32_ABS_MASK   0x7fffffffu
#define F64_EXP_MASK   0x7ff0000000000000ull
#define F64_QUIET_BIT  0x0008000000000000ull
#define F64_ABS_MASK   0x7fffffffffffffffull

static const struct { const char *name; wasm_valtype type; } type_names[] = {
    { "i32", WASM_I32 }, { "i64", WASM_I64 }, { "f32", WASM_F32 }, { "f64", WASM_F64 },
    { "funcref", WASM_FUNCREF }, { "externref", WASM_EXTERNREF }, { "v128", WASM_V128 },
};

const char *spec_valtype_name(wasm_valtype type)
{
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (type_names[i].type == type)
            return type_names[i].name;
    return "?";
}

static int parse_type(const char *name, wasm_valtype *out)
{
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (strcmp(type_names[i].name, name) == 0) {
            *out = type_names[i].type;
            return 0;
        }
    return -1;
}

/* A decimal string of at most `max`; wast2json writes every bit pattern as unsigned. */
static int parse_unsigned(const char *text, uint64_t max, uint64_t *out)
{
    char *end;
    if (text[0] < '0' || text[0] > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_reference(const char *text, wasm_valtype type, uint64_t *out)
{
    if (strcmp(text, "null") == 0) {
        *out = 0;
        return 0;
    }
    /* Only extern references have literal values in scripts; N -> N + 1 keeps null at 0. */
    if (type != WASM_EXTERNREF || parse_unsigned(text, UINT64_MAX - 1, out) != 0)
        return -1;
    *out += 1;
    return 0;
}

static int parse_bits(spec_value *out, const char *text)
{
    bool is_float = out->type == WASM_F32 || out->type == WASM_F64;
    if (is_float && strcmp(text, "nan:canonical") == 0) {
        out->pattern = SPEC_NAN_CANONICAL;
        return 0;
    }
    if (is_float && strcmp(text, "nan:arithmetic") == 0) {
        out->pattern = SPEC_NAN_ARITHMETIC;
        return 0;
    }
    switch (out->type) {
    case WASM_I32: case WASM_F32: return parse_unsigned(text, UINT32_MAX, &out->bits);
    case WASM_I64: case WASM_F64: return parse_unsigned(text, UINT64_MAX, &out->bits);
    case WASM_FUNCREF: case WASM_EXTERNREF: return parse_reference(text, out->type, &out->bits);
    default: return -1;
    }
}

int spec_value_parse(const json_value *v, spec_value *out, char *why, size_t why_len)
{
    const char *type = json_get_string(v, "type");
    const char *text = json_get_string(v, "value");
    memset(out, 0, sizeof *out);
    if (!type || parse_type(type, &out->type) != 0) {
        snprintf(why, why_len, "unknown value type \"%s\"", type ? type : "(none)");
        return -1;
    }
    if (out->type == WASM_V128) {
        snprintf(why, why_len, "v128 values are not supported");
        return -1;
    }
    if (!text) {
        /* A bare reference type is the pattern "any non-null reference". */
        if (out->type == WASM_FUNCREF || out->type == WASM_EXTERNREF) {
            out->pattern = SPEC_ANY_REF;
            return 0;
        }
        snprintf(why, why_len, "%s value without \"value\"", type);
        return -1;
    }
    if (parse_bits(out, text) != 0) {
        snprintf(why, why_len, "bad %s value \"%s\"", type, text);
        return -1;
    }
    return 0;
}

static bool nan_matches(wasm_valtype type, spec_pattern pattern, uint64_t got)
{
    if (type == WASM_F32) {
        uint32_t b = (uint32_t)got;
        if (pattern == SPEC_NAN_CANONICAL)
            return (b & F32_ABS_MASK) == (F32_EXP_MASK | F32_QUIET_BIT);
        return (b & (F32_EXP_MASK | F32_QUIET_BIT)) == (F32_EXP_MASK | F32_QUIET_BIT);
    }
    if (pattern == SPEC_NAN_CANONICAL)
        return (got & F64_ABS_MASK) == (F64_EXP_MASK | F64_QUIET_BIT);
    return (got & (F64_EXP_MASK | F64_QUIET_BIT)) == (F64_EXP_MASK | F64_QUIET_BIT);
}

bool spec_value_matches(const spec_value *want, uint64_t got)
{
    switch (want->pattern) {
    case SPEC_NAN_CANONICAL:
    case SPEC_NAN_ARITHMETIC:
        return nan_matches(want->type, want->pattern, got);
    case SPEC_ANY_REF:
        return got != 0;
    case SPEC_EXACT:
        break;
    }
    if (want->type == WASM_I32 || want->type == WASM_F32)
        return (uint32_t)got == (uint32_t)want->bits;
    return got == want->bits;
}

void spec_slot_format(wasm_valtype type, uint64_t bits, char *buf, size_t len)
{
    const char *name = spec_valtype_name(type);
    switch (type) {
    case WASM_I32:
        snprintf(buf, len, "%s:%" PRIu32 " (%" PRId32 ")", name, (uint32_t)bits, (int32_t)bits);
        break;
    case WASM_I64:
        snprintf(buf, len, "%s:%" PRIu64 " (%" PRId64 ")", name, bits, (int64_t)bits);
        break;
    case WASM_F32: {
        float f;
        uint32_t b = (uint32_t)bits;
        memcpy(&f, &b, sizeof f);
        snprintf(buf, len, "%s:0x%08" PRIx32 " (%.9g)", name, b, (double)f);
        break;
    }
    case WASM_F64: {
        double d;
        memcpy(&d, &bits, sizeof d);
        snprintf(buf, len, "%s:0x%016" PRIx64 " (%.17g)", name, bits, d);
        break;
    }
    default:
        if (bits == 0)
            snprintf(buf, len, "%s:null", name);
        else if (type == WASM_EXTERNREF)
            snprintf(buf, len, "%s:%" PRIu64, name, bits - 1);
        else
            snprintf(buf, len, "%s:%p", name, (void *)(uintptr_t)bits);
    }
}

void spec_value_format(const spec_value *v, char *buf, size_t len)
{
    const char *name = spec_valtype_name(v->type);
    switch (v->pattern) {
    case SPEC_NAN_CANONICAL: snprintf(buf, len, "%s:nan:canonical", name); break;
    case SPEC_NAN_ARITHMETIC: snprintf(buf, len, "%s:nan:arithmetic", name); break;
    case SPEC_ANY_REF: snprintf(buf, len, "%s:non-null", name); break;
    case SPEC_EXACT: spec_slot_format(v->type, v->bits, buf, len); break;
    }
}
