/*
 * wasi.h - WASI preview 1 (`wasi_snapshot_preview1`) for guests, entirely in
 * memory: arguments, environment, clocks, random bytes, and stdin/stdout/stderr
 * as byte buffers.  There is no filesystem and no network, ever: fd 0-2 are
 * the only descriptors, there are no preopens, and every other preview1 import
 * links but answers ENOSYS (modules import functions they never call).
 *
 * Context: each instance's userdata (wasm_instance_set_userdata) must point to a
 * wasi_ctx, or to a larger struct whose FIRST member is a wasi_ctx.  The host
 * functions find their state there, so one linker serves every instance and
 * every thread.  A wasi_ctx is used by one instance at a time.  A call made
 * while the userdata is NULL (from a wasm start function) traps.
 *
 * Guest pointers are bounds-checked (EFAULT); writes into guest memory go through
 * wasm_memory_write() so snapshot restores see them.  proc_exit(code) stops the
 * guest with WASM_TRAP_EXIT and records the code (wasm_instance_exit_code).
 */
#ifndef WASI_H
#define WASI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* errno values of preview 1 that the host returns. */
enum {
    WASI_ESUCCESS = 0, WASI_EBADF = 8, WASI_EFAULT = 21, WASI_EINVAL = 28, WASI_EIO = 29,
    WASI_ENOSPC = 51, WASI_ENOSYS = 52, WASI_ENOTSUP = 58, WASI_ESPIPE = 70, WASI_ENOTCAPABLE = 76,
};

/* A growable byte buffer (malloc'd; data is NOT NUL-terminated). */
typedef struct wasi_buf {
    uint8_t *data;
    size_t len, cap;
} wasi_buf;

typedef struct wasi_ctx {
    const char *const *argv;    /* borrowed; argc strings */
    uint32_t argc;
    const char *const *envp;    /* borrowed; "KEY=value" strings */
    uint32_t envc;
    /* stdin = `in` (borrowed) followed by `in_more` (wasi_stdin_append) */
    const uint8_t *in;
    size_t in_len;
    wasi_buf in_more;
    size_t in_pos;              /* bytes of stdin consumed so far */
    wasi_buf out, err;          /* fd 1 and fd 2 */
    size_t max_output;          /* per stream; writes beyond it fail with ENOSPC; 0 = 16 MiB */
    uint64_t deadline_ns;       /* CLOCK_MONOTONIC; a sleep (poll_oneoff) that reaches it
                                   stops the guest with WASM_TRAP_INTERRUPTED; 0 = none */
} wasi_ctx;

/* Zeroes `c` (no stdin, no args). */
void wasi_ctx_init(wasi_ctx *c);
/* Frees the buffers. */
void wasi_ctx_free(wasi_ctx *c);

/* Appends bytes at the end of stdin (Kubewarden's WASI host.call replies).  -1 out of memory. */
int wasi_stdin_append(wasi_ctx *c, const void *data, size_t len);

/* Defines every preview1 import on `linker` under "wasi_snapshot_preview1".  -1 out of memory. */
int wasi_define(wasm_linker *linker);

#ifdef __cplusplus
}
#endif
#endif /* WASI_H */
