/*
 * spec_value.h - values of the test scripts' JSON (wast2json output) as engine
 * slots: parsing arguments, matching results against expectations (including
 * the nan:canonical / nan:arithmetic patterns), and printing both for reports.
 *
 * Integers and floats arrive as decimal strings of their bit patterns.
 * References: "null" is 0; `ref.extern N` becomes the host value N + 1 so that
 * null stays 0 and every extern reference is distinct and non-null.
 */
#ifndef SPEC_VALUE_H
#define SPEC_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "wasm.h"

typedef enum spec_pattern {
    SPEC_EXACT,          /* the bits must be equal */
    SPEC_NAN_CANONICAL,  /* any canonical NaN, either sign */
    SPEC_NAN_ARITHMETIC, /* any NaN with the quiet bit set */
    SPEC_ANY_REF,        /* any non-null reference of the type */
} spec_pattern;

typedef struct spec_value {
    wasm_valtype type;
    spec_pattern pattern;
    uint64_t bits;
} spec_value;

/* Parses {"type": ..., "value": ...}.  Returns 0, or -1 with a reason in `why`. */
int spec_value_parse(const json_value *v, spec_value *out, char *why, size_t why_len);

/* Does `got` (a slot of the expected type) satisfy `want`? */
bool spec_value_matches(const spec_value *want, uint64_t got);

/* "i32:42", "f32:nan:canonical", "externref:3", "funcref:null"... */
void spec_value_format(const spec_value *v, char *buf, size_t len);
/* A result slot of type `type`, formatted like spec_value_format. */
void spec_slot_format(wasm_valtype type, uint64_t bits, char *buf, size_t len);

const char *spec_valtype_name(wasm_valtype type);

#endif
