/*
 * metadata_internal.h - the Wasm section walker shared by metadata.c and
 * metadata_section.c (no engine: metadata is read from the module bytes).
 */
#ifndef POLICY_METADATA_INTERNAL_H
#define POLICY_METADATA_INTERNAL_H

#include "policy.h"

typedef struct wasm_reader {
    const uint8_t *p, *end;
    const uint8_t *start;        /* of the module, for offsets in messages */
} wasm_reader;

typedef struct wasm_section {
    uint8_t id;
    const uint8_t *start;        /* the id byte */
    size_t total_len;            /* id, size and body */
    const uint8_t *body;
    size_t body_len;
    const uint8_t *name;         /* custom sections: name and payload */
    uint32_t name_len;
    const uint8_t *payload;
    size_t payload_len;
} wasm_section;

int wasm_read_u32(wasm_reader *r, uint32_t *out);
/* Checks the magic number and version; -1 with a message if it is not Wasm 1. */
int wasm_sections_begin(wasm_reader *r, const uint8_t *wasm, size_t len, char *err, size_t errlen);
/* 1 with the next section in *s, 0 at the end, -1 (message set) if truncated. */
int wasm_next_section(wasm_reader *r, wasm_section *s, char *err, size_t errlen);
bool wasm_section_is(const wasm_section *s, const char *custom_name);
/* 1 and the payload of the first custom section called `name`, 0 if none, -1 if malformed. */
int wasm_find_custom_section(const uint8_t *wasm, size_t len, const char *name, const uint8_t **payload,
                             size_t *payload_len, char *err, size_t errlen);

#endif
