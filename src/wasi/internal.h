/*
 * internal.h - what the WASI files share.
 *
 *   wasi.c   the import table, linking, args/environ, clocks, random, proc_exit
 *   fd.c     the three stdio descriptors: read, write, fdstat, seek, close
 *   poll.c   poll_oneoff (clock sleeps bounded by the deadline, stdio readiness)
 */
#ifndef WASI_INTERNAL_H
#define WASI_INTERNAL_H

#include "wasi.h"

/* The context of the calling instance (its userdata starts with a wasi_ctx). */
static inline wasi_ctx *wasi_ctx_of(wasm_instance *caller)
{
    return (wasi_ctx *)wasm_instance_userdata(caller);
}

/* Traps a call made before the host attached a context (from a start function). */
wasm_trap wasi_no_ctx(wasm_instance *caller);

/* Declares `c`, the caller's context, or returns the trap when there is none. */
#define WASI_CTX(c, caller) \
    wasi_ctx *c = wasi_ctx_of(caller); \
    if (!c) return wasi_no_ctx(caller)

/* Little-endian stores of host values into guest memory; -1 out of bounds. */
int wasi_store_u32(wasm_memory *mem, uint64_t addr, uint32_t v);
int wasi_store_u64(wasm_memory *mem, uint64_t addr, uint64_t v);
/* Little-endian load; -1 out of bounds. */
int wasi_load_u32(const wasm_memory *mem, uint64_t addr, uint32_t *v);

int wasi_buf_append(wasi_buf *b, const void *data, size_t len);

/* Host functions (wasm_host_fn) implemented outside wasi.c. */
wasm_trap wasi_fd_read(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results);
wasm_trap wasi_fd_write(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results);
wasm_trap wasi_fd_fdstat_get(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results);
wasm_trap wasi_fd_fdstat_set_flags(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results);
wasm_trap wasi_fd_filestat_get(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results);
wasm_trap wasi_fd_close(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results);
wasm_trap wasi_fd_seek(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results);
wasm_trap wasi_fd_tell(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results);
wasm_trap wasi_fd_badf(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results);
wasm_trap wasi_poll_oneoff(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results);

#endif
