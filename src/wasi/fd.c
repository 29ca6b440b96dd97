/*
 * fd.c - the only three descriptors a guest has: 0 (stdin, read from the
 * context's input), 1 and 2 (stdout, stderr, captured into buffers).  Anything
 * else is EBADF: there are no files, no preopens and no sockets.
 */
#include <string.h>

#include "internal.h"

#define FILETYPE_CHARACTER_DEVICE 2
#define RIGHT_FD_READ (1u << 1)
#define RIGHT_FD_WRITE (1u << 6)
#define RIGHT_POLL_FD_READWRITE (1u << 27)
#define DEFAULT_MAX_OUTPUT (16u << 20)

static wasm_trap errno_result(uint64_t *results, uint32_t err)
{
    results[0] = err;
    return WASM_OK;
}

static bool is_stdio(uint64_t fd)
{
    return (uint32_t)fd <= 2;
}

/* The bounds of an iovec array: {buf u32, len u32} each, all inside memory. */
static bool iovecs_in_bounds(const wasm_memory *mem, uint32_t iovs, uint32_t n)
{
    return (uint64_t)iovs + 8u * (uint64_t)n <= wasm_memory_size(mem);
}

static bool range_in_bounds(const wasm_memory *mem, uint32_t at, uint32_t len)
{
    return (uint64_t)at + len <= wasm_memory_size(mem);
}

wasm_trap wasi_fd_write(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    WASI_CTX(c, caller);
    uint32_t fd = (uint32_t)args[0], iovs = (uint32_t)args[1], n = (uint32_t)args[2];
    if (fd != 1 && fd != 2)
        return errno_result(results, WASI_EBADF);
    wasm_memory *mem = wasm_instance_memory(caller);
    if (!mem || !iovecs_in_bounds(mem, iovs, n))
        return errno_result(results, WASI_EFAULT);
    wasi_buf *dst = fd == 1 ? &c->out : &c->err;
    size_t limit = c->max_output ? c->max_output : DEFAULT_MAX_OUTPUT;
    const uint8_t *data = wasm_memory_data(mem);
    uint64_t written = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t buf, len;
        wasi_load_u32(mem, (uint64_t)iovs + 8u * i, &buf);
        wasi_load_u32(mem, (uint64_t)iovs + 8u * i + 4, &len);
        if (!range_in_bounds(mem, buf, len))
            return errno_result(results, WASI_EFAULT);
        if (len > limit - dst->len)
            return errno_result(results, WASI_ENOSPC);
        if (wasi_buf_append(dst, data + buf, len) < 0)
            return errno_result(results, WASI_EIO);
        written += len;
    }
    if (wasi_store_u32(mem, (uint32_t)args[3], (uint32_t)written) < 0)
        return errno_result(results, WASI_EFAULT);
    return errno_result(results, WASI_ESUCCESS);
}

/* Copies up to `len` unread stdin bytes to guest memory at `at`; returns the count. */
static size_t stdin_read(wasi_ctx *c, wasm_memory *mem, uint32_t at, uint32_t len)
{
    size_t done = 0;
    while (done < len) {
        const uint8_t *src;
        size_t avail;
        if (c->in_pos < c->in_len) {
            src = c->in + c->in_pos;
            avail = c->in_len - c->in_pos;
        } else {
            size_t more_pos = c->in_pos - c->in_len;
            if (more_pos >= c->in_more.len)
                break;
            src = c->in_more.data + more_pos;
            avail = c->in_more.len - more_pos;
        }
        size_t n = len - done < avail ? len - done : avail;
        wasm_memory_write(mem, (uint64_t)at + done, src, n);
        done += n;
        c->in_pos += n;
    }
    return done;
}

wasm_trap wasi_fd_read(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    WASI_CTX(c, caller);
    uint32_t fd = (uint32_t)args[0], iovs = (uint32_t)args[1], n = (uint32_t)args[2];
    if (fd != 0)
        return errno_result(results, WASI_EBADF);
    wasm_memory *mem = wasm_instance_memory(caller);
    if (!mem || !iovecs_in_bounds(mem, iovs, n))
        return errno_result(results, WASI_EFAULT);
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t buf, len;
        wasi_load_u32(mem, (uint64_t)iovs + 8u * i, &buf);
        wasi_load_u32(mem, (uint64_t)iovs + 8u * i + 4, &len);
        if (!range_in_bounds(mem, buf, len))
            return errno_result(results, WASI_EFAULT);
        size_t got = stdin_read(c, mem, buf, len);
        total += got;
        if (got < len)
            break;
    }
    if (wasi_store_u32(mem, (uint32_t)args[3], (uint32_t)total) < 0)
        return errno_result(results, WASI_EFAULT);
    return errno_result(results, WASI_ESUCCESS);
}

wasm_trap wasi_fd_fdstat_get(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    uint64_t fd = args[0];
    if (!is_stdio(fd))
        return errno_result(results, WASI_EBADF);
    uint8_t st[24] = { 0 };
    st[0] = FILETYPE_CHARACTER_DEVICE;
    uint32_t rights = RIGHT_POLL_FD_READWRITE | ((uint32_t)fd == 0 ? RIGHT_FD_READ : RIGHT_FD_WRITE);
    memcpy(st + 8, &(uint64_t){ rights }, 8);      /* wasm is little-endian, so is the host */
    wasm_memory *mem = wasm_instance_memory(caller);
    if (!mem || wasm_memory_write(mem, (uint32_t)args[1], st, sizeof st) < 0)
        return errno_result(results, WASI_EFAULT);
    return errno_result(results, WASI_ESUCCESS);
}

wasm_trap wasi_fd_filestat_get(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    if (!is_stdio(args[0]))
        return errno_result(results, WASI_EBADF);
    uint8_t st[64] = { 0 };
    st[16] = FILETYPE_CHARACTER_DEVICE;
    wasm_memory *mem = wasm_instance_memory(caller);
    if (!mem || wasm_memory_write(mem, (uint32_t)args[1], st, sizeof st) < 0)
        return errno_result(results, WASI_EFAULT);
    return errno_result(results, WASI_ESUCCESS);
}

/* Go's runtime sets O_NONBLOCK on stdio: accepted and ignored (memory never blocks). */
wasm_trap wasi_fd_fdstat_set_flags(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    return errno_result(results, is_stdio(args[0]) ? WASI_ESUCCESS : WASI_EBADF);
}

/* Closing stdio is accepted and changes nothing: the buffers belong to the host. */
wasm_trap wasi_fd_close(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    return errno_result(results, is_stdio(args[0]) ? WASI_ESUCCESS : WASI_EBADF);
}

wasm_trap wasi_fd_seek(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    return errno_result(results, is_stdio(args[0]) ? WASI_ESPIPE : WASI_EBADF);
}

wasm_trap wasi_fd_tell(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    return errno_result(results, is_stdio(args[0]) ? WASI_ESPIPE : WASI_EBADF);
}

/* fd_prestat_get (ends wasi-libc's preopen scan), fd_prestat_dir_name, path_open. */
wasm_trap wasi_fd_badf(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    return errno_result(results, WASI_EBADF);
}
