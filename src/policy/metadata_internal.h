/*
 * metadata_internal.h - what metadata.c needs of metadata_section.c: a custom
 * section found in the module bytes (no engine).
 */
#ifndef POLICY_METADATA_INTERNAL_H
#define POLICY_METADATA_INTERNAL_H

#include "policy.h"

/* 1 and the payload of the first custom section called `name`, 0 if none, -1 if malformed. */
int wasm_find_custom_section(const uint8_t *wasm, size_t len, const char *name, const uint8_t **payload,
                             size_t *payload_len, char *err, size_t errlen);

#endif
