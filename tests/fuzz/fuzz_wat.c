/*
 * fuzz_wat - libFuzzer target for the text parser (make fuzz-wat, mk/wat.mk).
 * Every input is converted; a binary that comes out is loaded by the engine
 * too.  A rejection must say where (line:column).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wasm.h"
#include "wat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *bin;
    size_t len;
    char err[256];
    if (wat_to_wasm((const char *)data, size, &bin, &len, err, sizeof err) != 0) {
        if (!isdigit((unsigned char)err[0]) && strcmp(err, "out of memory") != 0)
            abort();   /* a message without a position */
        return 0;
    }
    wasm_error werr;
    wasm_module *m = wasm_module_load(bin, len, &werr);
    if (m)
        wasm_module_free(m);
    free(bin);
    return 0;
}
