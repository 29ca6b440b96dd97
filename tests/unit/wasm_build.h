/*
 * wasm_build.h - a tiny in-test builder for WebAssembly binaries.
 *
 *   wbuf mod = wasm_header();
 *   wbuf s = {0}; put_leb(&s, 1); ...; put_section(&mod, 5, &s);
 *
 * Buffers are fixed-size (tests build small modules); overflow aborts.
 */
#ifndef WASM_BUILD_H
#define WASM_BUILD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wasm.h"

typedef struct wbuf {
    uint8_t b[1 << 16];
    size_t n;
} wbuf;

static inline void put(wbuf *w, const void *p, size_t n)
{
    if (w->n + n > sizeof w->b) abort();
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static inline void put_u8(wbuf *w, uint8_t v) { put(w, &v, 1); }

static inline void put_leb(wbuf *w, uint64_t v)
{
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        put_u8(w, b | (v ? 0x80 : 0));
    } while (v);
}

static inline void put_sleb(wbuf *w, int64_t v)
{
    for (;;) {
        uint8_t b = v & 0x7f;
        v >>= 7;
        if ((v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40))) { put_u8(w, b); return; }
        put_u8(w, b | 0x80);
    }
}

static inline void put_str(wbuf *w, const char *s)
{
    put_leb(w, strlen(s));
    put(w, s, strlen(s));
}

/* Raw bytes written as a string literal ("\x01\x02"); `n` excludes the NUL. */
#define PUT_BYTES(w, lit) put((w), (lit), sizeof(lit) - 1)

static inline void put_section(wbuf *mod, uint8_t id, const wbuf *content)
{
    put_u8(mod, id);
    put_leb(mod, content->n);
    put(mod, content->b, content->n);
}

static inline wbuf *wasm_header(void)
{
    wbuf *w = calloc(1, sizeof *w);
    if (!w) abort();
    PUT_BYTES(w, "\0asm\1\0\0\0");
    return w;
}

static inline wbuf *wbuf_new(void)
{
    wbuf *w = calloc(1, sizeof *w);
    if (!w) abort();
    return w;
}

/*
 * Compiles WebAssembly text with wabt's wat2wasm (a declared dependency), with
 * extra `flags` for it (e.g. "--no-check": invalid bodies reach our validator).
 * Returns a malloc'd binary, or NULL when wat2wasm fails or is missing.
 */
static inline uint8_t *wat_to_wasm_flags(const char *text, const char *flags, size_t *len)
{
    char wat[] = "/tmp/kwc-test-XXXXXX.wat", out[64], cmd[256];
    int fd = mkstemps(wat, 4);
    if (fd < 0) return NULL;
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    snprintf(out, sizeof out, "%.*s.wasm", (int)(strlen(wat) - 4), wat);
    snprintf(cmd, sizeof cmd, "wat2wasm %s %s -o %s 2>&1", flags, wat, out);
    int rc = system(cmd);
    unlink(wat);
    uint8_t *bytes = NULL;
    f = rc == 0 ? fopen(out, "rb") : NULL;
    if (f) {
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        bytes = malloc(n > 0 ? (size_t)n : 1);
        if (bytes && fread(bytes, 1, (size_t)n, f) == (size_t)n) *len = (size_t)n;
        else { free(bytes); bytes = NULL; }
        fclose(f);
    }
    unlink(out);
    return bytes;
}

static inline uint8_t *wat_to_wasm(const char *text, size_t *len)
{
    return wat_to_wasm_flags(text, "", len);
}

/* For main(): false, after saying why and printing a failed count, when
 * wat2wasm is missing. */
static inline bool have_wat2wasm(void)
{
    size_t len;
    uint8_t *probe = wat_to_wasm("(module)", &len);
    if (!probe) {
        fprintf(stderr, "wat2wasm (Debian package wabt) is needed to build the test modules\n");
        printf("0 passed, 1 failed\n");
        return false;
    }
    free(probe);
    return true;
}

/* Loads a module from text; NULL (with a message on stderr) on failure. */
static inline wasm_module *load_wat(const char *text)
{
    size_t len = 0;
    uint8_t *bytes = wat_to_wasm(text, &len);
    if (!bytes) {
        fprintf(stderr, "wat2wasm failed on:\n%s\n", text);
        return NULL;
    }
    wasm_error err = {0};
    wasm_module *m = wasm_module_load(bytes, len, &err);
    free(bytes);
    if (!m) fprintf(stderr, "load failed: %s\n", err.message);
    return m;
}

/* Calls export `name` of inst with up to 3 arguments; the first result goes to
 * *out (if not NULL).  WASM_TRAP_HOST when there is no such export. */
static inline wasm_trap call_export(wasm_instance *inst, const char *name, uint64_t *out, int nargs, ...)
{
    uint64_t args[3] = {0}, res[4] = {0};
    va_list ap;
    va_start(ap, nargs);
    for (int i = 0; i < nargs && i < 3; i++) args[i] = va_arg(ap, uint64_t);
    va_end(ap);
    wasm_funcinst *f = wasm_instance_export_func(inst, name);
    if (!f) {
        fprintf(stderr, "no export %s\n", name);
        return WASM_TRAP_HOST;
    }
    wasm_trap t = wasm_call(inst, f, args, res);
    if (out) *out = res[0];
    return t;
}

#endif
