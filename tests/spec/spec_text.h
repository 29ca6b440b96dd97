/*
 * spec_text.h - the text-format side of the spec runner: modules taken out of
 * the .wast script itself and converted by our parser (wat.h) instead of the
 * .wasm files wast2json wrote.
 */
#ifndef SPEC_TEXT_H
#define SPEC_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A .wast script's text, to find module texts by line. */
typedef struct spec_source {
    char *text;
    size_t len;
} spec_source;

int spec_source_read(spec_source *src, const char *path);
void spec_source_free(spec_source *src);

/*
 * The first `(module ...)` at or after the start of `line` (1-based), skipping
 * comments and strings: sets *start and *len to its text.  -1 when there is none.
 */
int spec_source_module(const spec_source *src, int line, const char **start, size_t *len);

/*
 * Converts the module that starts at `line` with wat_to_wasm: 0 and a malloc'd
 * binary, or -1 with the parser's message in err.
 */
int spec_source_convert(const spec_source *src, int line, uint8_t **bin, size_t *bin_len, char *err, size_t errlen);

/* Converts a .wat file (a text assert_malformed module): 0 when it parses, -1 with the parser's
   message, -2 when the file cannot be read. */
int spec_wat_file_convert(const char *path, char *err, size_t errlen);

#endif
