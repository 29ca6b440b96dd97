/*
 * test_wasi.c - the WASI preview1 host on its own, through wasi_all.wasm (a
 * module importing all 46 functions and exporting a wrapper of each): every
 * import links, the implemented ones behave, bad guest pointers give EFAULT
 * (never a crash), the rest answer ENOSYS, proc_exit unwinds with its code.
 */
#include <time.h>

#include "policy_fixture.h"
#include "test.h"
#include "wasi.h"

static wasm_instance *inst;
static wasm_memory *mem;
static wasi_ctx ctx;

/* Calls the wrapper `name` with up to 9 arguments; returns the errno (or -1000 - trap). */
static int64_t call(const char *name, int n, const uint64_t *args)
{
    wasm_funcinst *f = wasm_instance_export_func(inst, name);
    if (!f)
        return -999;
    uint64_t a[9] = { 0 };
    memcpy(a, args, (size_t)n * sizeof *a);
    wasm_trap t = wasm_call(inst, f, a, a);
    return t == WASM_OK ? (int64_t)(uint32_t)a[0] : -1000 - (int64_t)t;
}

#define CALL(name, ...) call(name, (int)(sizeof((uint64_t[]){ __VA_ARGS__ }) / sizeof(uint64_t)), \
                             (uint64_t[]){ __VA_ARGS__ })

static uint32_t load32(uint32_t at)
{
    uint32_t v = 0;
    wasm_memory_read(mem, at, &v, 4);
    return v;
}

static void store32(uint32_t at, uint32_t v)
{
    wasm_memory_write(mem, at, &v, 4);
}

static void test_args_environ(void)
{
    static const char *const argv[] = { "policy.wasm", "validate" };
    static const char *const envp[] = { "A=1" };
    ctx.argv = argv;
    ctx.argc = 2;
    ctx.envp = envp;
    ctx.envc = 1;
    CHECK_INT(CALL("args_sizes_get", 100, 104), 0);
    CHECK_INT(load32(100), 2);
    CHECK_INT(load32(104), 21);          /* "policy.wasm\0validate\0" */
    CHECK_INT(CALL("args_get", 200, 300), 0);
    char buf[32] = { 0 };
    wasm_memory_read(mem, load32(204), buf, 9);
    CHECK_STR(buf, "validate");
    CHECK_INT(load32(200), 300);
    CHECK_INT(CALL("environ_sizes_get", 100, 104), 0);
    CHECK_INT(load32(100), 1);
    CHECK_INT(CALL("environ_get", 200, 300), 0);
    memset(buf, 0, sizeof buf);
    wasm_memory_read(mem, 300, buf, 4);
    CHECK_STR(buf, "A=1");
    CHECK_INT(CALL("args_get", 65534, 300), WASI_EFAULT);
    CHECK_INT(CALL("args_sizes_get", 0xfffffff0u, 0), WASI_EFAULT);
}

static void test_stdio(void)
{
    /* fd_write: two iovecs to stdout, one to stderr */
    wasm_memory_write(mem, 1000, "hello world", 11);
    store32(900, 1000), store32(904, 5), store32(908, 1005), store32(912, 6);
    CHECK_INT(CALL("fd_write", 1, 900, 2, 920), 0);
    CHECK_INT(load32(920), 11);
    CHECK_INT(CALL("fd_write", 2, 900, 1, 920), 0);
    CHECK(ctx.out.len == 11 && memcmp(ctx.out.data, "hello world", 11) == 0);
    CHECK(ctx.err.len == 5 && memcmp(ctx.err.data, "hello", 5) == 0);
    CHECK_INT(CALL("fd_write", 0, 900, 1, 920), WASI_EBADF);
    CHECK_INT(CALL("fd_write", 7, 900, 1, 920), WASI_EBADF);
    store32(904, 0x7fffffff);            /* an iovec past the end of memory */
    CHECK_INT(CALL("fd_write", 1, 900, 1, 920), WASI_EFAULT);
    CHECK_INT(CALL("fd_write", 1, 65530, 2, 920), WASI_EFAULT);
    ctx.max_output = 12;
    store32(904, 5);
    CHECK_INT(CALL("fd_write", 1, 900, 1, 920), WASI_ENOSPC);
    ctx.max_output = 0;

    /* fd_read: stdin is `in` then whatever was appended */
    ctx.in = (const uint8_t *)"abcdef";
    ctx.in_len = 6;
    CHECK(wasi_stdin_append(&ctx, "XYZ", 3) == 0);
    store32(900, 2000), store32(904, 4);
    CHECK_INT(CALL("fd_read", 0, 900, 1, 920), 0);
    CHECK_INT(load32(920), 4);
    store32(900, 2004), store32(904, 100);
    CHECK_INT(CALL("fd_read", 0, 900, 1, 920), 0);
    CHECK_INT(load32(920), 5);
    char buf[16] = { 0 };
    wasm_memory_read(mem, 2000, buf, 9);
    CHECK_STR(buf, "abcdefXYZ");
    CHECK_INT(CALL("fd_read", 0, 900, 1, 920), 0);
    CHECK_INT(load32(920), 0);           /* EOF */
    CHECK_INT(CALL("fd_read", 1, 900, 1, 920), WASI_EBADF);
    store32(900, 65535), store32(904, 2);
    CHECK_INT(CALL("fd_read", 0, 900, 1, 920), WASI_EFAULT);

    /* descriptors: stdio are character devices, nothing else exists */
    CHECK_INT(CALL("fd_fdstat_get", 0, 3000), 0);
    uint8_t st[24];
    wasm_memory_read(mem, 3000, st, sizeof st);
    CHECK_INT(st[0], 2);
    CHECK_INT(CALL("fd_fdstat_get", 3, 3000), WASI_EBADF);
    CHECK_INT(CALL("fd_fdstat_get", 1, 65530), WASI_EFAULT);
    CHECK_INT(CALL("fd_filestat_get", 2, 3000), 0);
    CHECK_INT(CALL("fd_fdstat_set_flags", 0, 4), 0);
    CHECK_INT(CALL("fd_fdstat_set_flags", 4, 4), WASI_EBADF);
    CHECK_INT(CALL("fd_prestat_get", 3, 3000), WASI_EBADF);
    CHECK_INT(CALL("fd_prestat_dir_name", 3, 3000, 10), WASI_EBADF);
    CHECK_INT(CALL("fd_seek", 1, 0, 0, 3000), WASI_ESPIPE);
    CHECK_INT(CALL("fd_seek", 5, 0, 0, 3000), WASI_EBADF);
    CHECK_INT(CALL("fd_tell", 0, 3000), WASI_ESPIPE);
    CHECK_INT(CALL("fd_close", 1), 0);
    CHECK_INT(CALL("fd_close", 9), WASI_EBADF);
    CHECK_INT(CALL("path_open", 3, 0, 1000, 5, 0, 0, 0, 0, 3000), WASI_EBADF);
}

static void test_clocks_random(void)
{
    uint64_t t = 0;
    CHECK_INT(CALL("clock_time_get", 1, 1, 4000), 0);
    wasm_memory_read(mem, 4000, &t, 8);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    CHECK(t > 0 && t <= now && now - t < 1000000000u);
    CHECK_INT(CALL("clock_time_get", 0, 1, 4000), 0);
    wasm_memory_read(mem, 4000, &t, 8);
    CHECK(t > 1600000000ull * 1000000000ull);   /* realtime: after 2020 */
    CHECK_INT(CALL("clock_time_get", 9, 1, 4000), WASI_EINVAL);
    CHECK_INT(CALL("clock_time_get", 1, 1, 65535), WASI_EFAULT);
    CHECK_INT(CALL("clock_res_get", 1, 4000), 0);
    uint8_t zero[64] = { 0 }, got[64];
    wasm_memory_write(mem, 5000, zero, sizeof zero);
    CHECK_INT(CALL("random_get", 5000, 64), 0);
    wasm_memory_read(mem, 5000, got, sizeof got);
    CHECK(memcmp(got, zero, sizeof got) != 0);
    CHECK_INT(CALL("random_get", 65500, 100), WASI_EFAULT);
    CHECK_INT(CALL("sched_yield"), 0);
}

static void test_poll(void)
{
    /* one relative clock subscription of 20 ms */
    uint8_t sub[48] = { 0 };
    uint64_t userdata = 77, timeout = 20000000;
    memcpy(sub, &userdata, 8);
    sub[8] = 0;                          /* clock */
    uint32_t monotonic = 1;
    memcpy(sub + 16, &monotonic, 4);
    memcpy(sub + 24, &timeout, 8);
    wasm_memory_write(mem, 6000, sub, sizeof sub);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_INT(CALL("poll_oneoff", 6000, 7000, 1, 7100), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    CHECK(ms >= 19 && ms < 500);
    CHECK_INT(load32(7100), 1);
    uint64_t ud = 0;
    wasm_memory_read(mem, 7000, &ud, 8);
    CHECK_INT(ud, 77);
    /* a sleep past the deadline stops the guest at the deadline */
    timeout = 10ull * 1000000000u;
    memcpy(sub + 24, &timeout, 8);
    wasm_memory_write(mem, 6000, sub, sizeof sub);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ctx.deadline_ns = (uint64_t)t0.tv_sec * 1000000000u + (uint64_t)t0.tv_nsec + 50000000u;
    CHECK_INT(CALL("poll_oneoff", 6000, 7000, 1, 7100), -1000 - WASM_TRAP_INTERRUPTED);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    CHECK(ms >= 45 && ms < 1000);
    ctx.deadline_ns = 0;
    /* stdin readiness answers at once */
    sub[8] = 1;                          /* fd_read */
    memset(sub + 16, 0, 4);
    wasm_memory_write(mem, 6000, sub, sizeof sub);
    CHECK_INT(CALL("poll_oneoff", 6000, 7000, 1, 7100), 0);
    CHECK_INT(load32(7100), 1);
    CHECK_INT(CALL("poll_oneoff", 6000, 7000, 0, 7100), WASI_EINVAL);
    CHECK_INT(CALL("poll_oneoff", 65500, 7000, 1, 7100), WASI_EFAULT);
}

/* Every import with hostile arguments: out-of-range pointers, huge lengths,
 * unknown descriptors.  Nothing may crash (ASan/UBSan watch the host side);
 * each call answers an errno or stops with a trap. */
static void test_hostile_arguments(void)
{
    static const char *const names[] = {
        "args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get", "clock_time_get",
        "fd_advise", "fd_allocate", "fd_close", "fd_datasync", "fd_fdstat_get", "fd_fdstat_set_flags",
        "fd_fdstat_set_rights", "fd_filestat_get", "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread",
        "fd_prestat_get", "fd_prestat_dir_name", "fd_pwrite", "fd_read", "fd_readdir", "fd_renumber", "fd_seek",
        "fd_sync", "fd_tell", "fd_write", "path_create_directory", "path_filestat_get", "path_filestat_set_times",
        "path_link", "path_open", "path_readlink", "path_remove_directory", "path_rename", "path_symlink",
        "path_unlink_file", "poll_oneoff", "proc_raise", "sched_yield", "random_get", "sock_accept", "sock_recv",
        "sock_send", "sock_shutdown",
    };
    static const uint64_t values[] = { 0, 1, 2, 3, 8, 24, 65535, 65528, 65536, 0x7fffffff, 0xfffffff8, 0xffffffff };
    uint64_t seed = 42;
    int answered = 0, calls = 0;
    struct timespec now;
    for (size_t f = 0; f < sizeof names / sizeof names[0]; f++) {
        for (int round = 0; round < 200; round++) {
            uint64_t args[9];
            for (int i = 0; i < 9; i++) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                args[i] = (seed >> 33) % 3 ? values[(seed >> 40) % (sizeof values / sizeof values[0])]
                                           : (seed >> 20) & 0xffff;
            }
            clock_gettime(CLOCK_MONOTONIC, &now);
            ctx.deadline_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec + 1000000u;
            int64_t r = call(names[f], 9, args);
            calls++;
            answered += r >= 0 || r == -1000 - WASM_TRAP_INTERRUPTED;
        }
    }
    ctx.deadline_ns = 0;
    CHECK_INT(answered, calls);
    CHECK(wasm_memory_size(mem) == 65536);
}

static void test_unimplemented_and_exit(void)
{
    CHECK_INT(CALL("sock_send", 3, 0, 0, 0, 0), WASI_ENOSYS);
    CHECK_INT(CALL("path_unlink_file", 3, 0, 0), WASI_ENOSYS);
    CHECK_INT(CALL("fd_pwrite", 1, 0, 0, 0, 0), WASI_ENOSYS);
    CHECK_INT(CALL("proc_raise", 9), WASI_ENOSYS);
    CHECK_INT(CALL("proc_exit", 7), -1000 - WASM_TRAP_EXIT);
    CHECK_INT(wasm_instance_exit_code(inst), 7);
}

int main(int argc, char **argv)
{
    fixture_init(argv[0]);
    size_t len;
    uint8_t *bytes = read_guest("wasi_all.wasm", &len);
    wasm_error e = { { 0 }, WASM_OK };
    wasm_module *m = bytes ? wasm_module_load(bytes, len, &e) : NULL;
    free(bytes);
    wasm_linker *l = wasm_linker_new();
    CHECK(wasi_define(l) == 0);
    inst = m ? wasm_instantiate(m, l, NULL, &e) : NULL;
    if (!inst)
        fprintf(stderr, "wasi_all.wasm: %s\n", e.message);
    CHECK(inst != NULL);              /* all 46 imports link */
    if (inst) {
        wasi_ctx_init(&ctx);
        wasm_instance_set_userdata(inst, &ctx);
        mem = wasm_instance_memory(inst);
        test_args_environ();
        test_stdio();
        test_clocks_random();
        test_poll();
        test_hostile_arguments();
        test_unimplemented_and_exit();
        wasi_ctx_free(&ctx);
        wasm_instance_free(inst);
    }
    wasm_linker_free(l);
    if (m)
        wasm_module_free(m);
    TEST_DONE();
}
