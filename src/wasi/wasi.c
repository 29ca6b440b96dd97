/*
 * wasi.c - the preview1 import table and the functions that are not about file
 * descriptors: arguments, environment, clocks, random bytes, exit.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "internal.h"

#define WASI_MODULE "wasi_snapshot_preview1"

/* ---- buffers and guest memory ----------------------------------------- */

int wasi_buf_append(wasi_buf *b, const void *data, size_t len)
{
    if (len > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < len) {
            if (cap > SIZE_MAX / 2)
                return -1;
            cap *= 2;
        }
        uint8_t *p = realloc(b->data, cap);
        if (!p)
            return -1;
        b->data = p;
        b->cap = cap;
    }
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

int wasi_store_u32(wasm_memory *mem, uint64_t addr, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    return wasm_memory_write(mem, addr, b, sizeof b);
}

int wasi_store_u64(wasm_memory *mem, uint64_t addr, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return wasm_memory_write(mem, addr, b, sizeof b);
}

int wasi_load_u32(const wasm_memory *mem, uint64_t addr, uint32_t *v)
{
    uint8_t b[4];
    if (wasm_memory_read(mem, addr, b, sizeof b) < 0)
        return -1;
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return 0;
}

/* ---- context ------------------------------------------------------------ */

void wasi_ctx_init(wasi_ctx *c)
{
    memset(c, 0, sizeof *c);
}

void wasi_ctx_free(wasi_ctx *c)
{
    free(c->in_more.data);
    free(c->out.data);
    free(c->err.data);
    wasi_ctx_init(c);
}

int wasi_stdin_append(wasi_ctx *c, const void *data, size_t len)
{
    return wasi_buf_append(&c->in_more, data, len);
}

wasm_trap wasi_no_ctx(wasm_instance *caller)
{
    wasm_instance_set_trap_message(caller, "WASI function called before the host attached a context");
    return WASM_TRAP_HOST;
}

/* ---- args and environ ----------------------------------------------------- */

static wasm_trap errno_result(uint64_t *results, uint32_t err)
{
    results[0] = err;
    return WASM_OK;
}

/* Sizes of a string list: count and total bytes with NULs. */
static void strings_sizes(const char *const *list, uint32_t n, uint32_t *bytes)
{
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        total += strlen(list[i]) + 1;
    *bytes = (uint32_t)total;
}

/* Writes the pointer array at `ptrs` and the strings at `buf` (args_get, environ_get). */
static uint32_t strings_get(wasm_instance *caller, const char *const *list, uint32_t n,
                            uint32_t ptrs, uint32_t buf)
{
    wasm_memory *mem = wasm_instance_memory(caller);
    if (!mem)
        return WASI_EFAULT;
    uint64_t at = buf;
    for (uint32_t i = 0; i < n; i++) {
        size_t len = strlen(list[i]) + 1;
        if (wasi_store_u32(mem, (uint64_t)ptrs + 4u * i, (uint32_t)at) < 0 ||
            wasm_memory_write(mem, at, list[i], len) < 0)
            return WASI_EFAULT;
        at += len;
    }
    return WASI_ESUCCESS;
}

static uint32_t sizes_put(wasm_instance *caller, uint32_t count_out, uint32_t count,
                          uint32_t size_out, uint32_t size)
{
    wasm_memory *mem = wasm_instance_memory(caller);
    if (!mem || wasi_store_u32(mem, count_out, count) < 0 || wasi_store_u32(mem, size_out, size) < 0)
        return WASI_EFAULT;
    return WASI_ESUCCESS;
}

static wasm_trap args_sizes_get(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    WASI_CTX(c, caller);
    uint32_t bytes;
    strings_sizes(c->argv, c->argc, &bytes);
    return errno_result(results, sizes_put(caller, (uint32_t)args[0], c->argc, (uint32_t)args[1], bytes));
}

static wasm_trap args_get(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    WASI_CTX(c, caller);
    return errno_result(results, strings_get(caller, c->argv, c->argc, (uint32_t)args[0], (uint32_t)args[1]));
}

static wasm_trap environ_sizes_get(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    WASI_CTX(c, caller);
    uint32_t bytes;
    strings_sizes(c->envp, c->envc, &bytes);
    return errno_result(results, sizes_put(caller, (uint32_t)args[0], c->envc, (uint32_t)args[1], bytes));
}

static wasm_trap environ_get(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    WASI_CTX(c, caller);
    return errno_result(results, strings_get(caller, c->envp, c->envc, (uint32_t)args[0], (uint32_t)args[1]));
}

/* ---- clocks, random, exit -------------------------------------------------- */

static bool clock_of(uint64_t id, clockid_t *out)
{
    static const clockid_t ids[] = {
        CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID
    };
    if ((uint32_t)id >= sizeof ids / sizeof ids[0])
        return false;
    *out = ids[(uint32_t)id];
    return true;
}

static wasm_trap clock_res_get(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    clockid_t id;
    struct timespec ts;
    if (!clock_of(args[0], &id) || clock_getres(id, &ts) != 0)
        return errno_result(results, WASI_EINVAL);
    uint64_t ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    wasm_memory *mem = wasm_instance_memory(caller);
    if (!mem || wasi_store_u64(mem, (uint32_t)args[1], ns) < 0)
        return errno_result(results, WASI_EFAULT);
    return errno_result(results, WASI_ESUCCESS);
}

static wasm_trap clock_time_get(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    clockid_t id;
    struct timespec ts;
    if (!clock_of(args[0], &id) || clock_gettime(id, &ts) != 0)
        return errno_result(results, WASI_EINVAL);
    uint64_t ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    wasm_memory *mem = wasm_instance_memory(caller);
    if (!mem || wasi_store_u64(mem, (uint32_t)args[2], ns) < 0)
        return errno_result(results, WASI_EFAULT);
    return errno_result(results, WASI_ESUCCESS);
}

static wasm_trap random_get(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    wasm_memory *mem = wasm_instance_memory(caller);
    uint64_t at = (uint32_t)args[0], len = (uint32_t)args[1];
    if (!mem || at + len > wasm_memory_size(mem))
        return errno_result(results, WASI_EFAULT);
    uint8_t chunk[256];
    while (len > 0) {
        size_t n = len < sizeof chunk ? (size_t)len : sizeof chunk;
        ssize_t got = getrandom(chunk, n, 0);
        if (got <= 0)
            return errno_result(results, WASI_EIO);
        wasm_memory_write(mem, at, chunk, (size_t)got);
        at += (uint64_t)got;
        len -= (uint64_t)got;
    }
    return errno_result(results, WASI_ESUCCESS);
}

static wasm_trap proc_exit(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    wasm_instance_set_exit_code(caller, (int)(uint32_t)args[0]);
    return WASM_TRAP_EXIT;
}

static wasm_trap sched_yield_(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    return errno_result(results, WASI_ESUCCESS);
}

static wasm_trap enosys(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    return errno_result(results, WASI_ENOSYS);
}

/* ---- the table ------------------------------------------------------------- */

typedef struct wasi_entry {
    const char *name;
    const char *params;         /* one letter per parameter: 'i' i32, 'I' i64 */
    wasm_host_fn fn;
} wasi_entry;

/* Signatures: wasm-engine-notes §6.2.  Every function returns an i32 errno except proc_exit. */
static const wasi_entry wasi_table[] = {
    { "args_get", "ii", args_get },
    { "args_sizes_get", "ii", args_sizes_get },
    { "environ_get", "ii", environ_get },
    { "environ_sizes_get", "ii", environ_sizes_get },
    { "clock_res_get", "ii", clock_res_get },
    { "clock_time_get", "iIi", clock_time_get },
    { "fd_advise", "iIIi", enosys },
    { "fd_allocate", "iII", enosys },
    { "fd_close", "i", wasi_fd_close },
    { "fd_datasync", "i", enosys },
    { "fd_fdstat_get", "ii", wasi_fd_fdstat_get },
    { "fd_fdstat_set_flags", "ii", wasi_fd_fdstat_set_flags },
    { "fd_fdstat_set_rights", "iII", enosys },
    { "fd_filestat_get", "ii", wasi_fd_filestat_get },
    { "fd_filestat_set_size", "iI", enosys },
    { "fd_filestat_set_times", "iIIi", enosys },
    { "fd_pread", "iiiIi", enosys },
    { "fd_prestat_get", "ii", wasi_fd_badf },
    { "fd_prestat_dir_name", "iii", wasi_fd_badf },
    { "fd_pwrite", "iiiIi", enosys },
    { "fd_read", "iiii", wasi_fd_read },
    { "fd_readdir", "iiiIi", enosys },
    { "fd_renumber", "ii", enosys },
    { "fd_seek", "iIii", wasi_fd_seek },
    { "fd_sync", "i", enosys },
    { "fd_tell", "ii", wasi_fd_tell },
    { "fd_write", "iiii", wasi_fd_write },
    { "path_create_directory", "iii", enosys },
    { "path_filestat_get", "iiiii", enosys },
    { "path_filestat_set_times", "iiiiIIi", enosys },
    { "path_link", "iiiiiii", enosys },
    { "path_open", "iiiiiIIii", wasi_fd_badf },
    { "path_readlink", "iiiiii", enosys },
    { "path_remove_directory", "iii", enosys },
    { "path_rename", "iiiiii", enosys },
    { "path_symlink", "iiiii", enosys },
    { "path_unlink_file", "iii", enosys },
    { "poll_oneoff", "iiii", wasi_poll_oneoff },
    { "proc_exit", "i", proc_exit },
    { "proc_raise", "i", enosys },
    { "sched_yield", "", sched_yield_ },
    { "random_get", "ii", random_get },
    { "sock_accept", "iii", enosys },
    { "sock_recv", "iiiiii", enosys },
    { "sock_send", "iiiii", enosys },
    { "sock_shutdown", "ii", enosys },
};

#define WASI_NFUNCS (sizeof wasi_table / sizeof wasi_table[0])

int wasi_define(wasm_linker *linker)
{
    static const wasm_valtype i32 = WASM_I32;
    for (size_t i = 0; i < WASI_NFUNCS; i++) {
        const wasi_entry *e = &wasi_table[i];
        wasm_valtype params[12];
        uint32_t n = 0;
        for (const char *p = e->params; *p; p++)
            params[n++] = *p == 'I' ? WASM_I64 : WASM_I32;
        bool no_result = strcmp(e->name, "proc_exit") == 0;
        if (wasm_linker_define_func(linker, WASI_MODULE, e->name, params, n,
                                    &i32, no_result ? 0 : 1, e->fn, NULL) < 0)
            return -1;
    }
    return 0;
}
