/*
 * wat.h - the WebAssembly text format (WebAssembly 2.0 without SIMD) to the
 * binary format.  The result is not validated: load it with wasm_module_load.
 */
#ifndef WAT_H
#define WAT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses a WebAssembly text module (the `(module ...)` form, or a bare list of
 * module fields) and encodes it as a binary module.  Returns 0 and a malloc'd
 * buffer in *out (the caller frees it), or -1 with a message in err saying what
 * and where ("line:column: ...").  `(module binary ...)` yields its bytes as
 * they are; `(module quote ...)` parses its strings as text.
 */
int wat_to_wasm(const char *text, size_t len, uint8_t **out, size_t *out_len, char *err, size_t errlen);

#endif
