/*
 * poll.c - poll_oneoff.  Guests use it to sleep (a clock subscription: Go's
 * time.Sleep, usleep) or to wait on stdio.  Stdio is always ready (it is
 * memory), so fd subscriptions answer at once; a sleep never outlasts the
 * context's deadline: one that reaches it stops the guest with
 * WASM_TRAP_INTERRUPTED, exactly like the engine's own deadline check.
 *
 * Layouts (preview1): subscription 48 bytes {userdata u64 @0, tag u8 @8,
 * clock: id u32 @16, timeout u64 @24, precision u64 @32, flags u16 @40 | fd u32 @16};
 * event 32 bytes {userdata u64 @0, error u16 @8, type u8 @10, nbytes u64 @16, flags u16 @24}.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define SUB_SIZE 48
#define EVENT_SIZE 32
#define TAG_CLOCK 0
#define TAG_FD_READ 1
#define TAG_FD_WRITE 2
#define SUBCLOCK_ABSTIME 1

static wasm_trap errno_result(uint64_t *results, uint32_t err)
{
    results[0] = err;
    return WASM_OK;
}

static uint64_t now_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef struct subscription {
    uint64_t userdata;
    uint8_t tag;
    uint32_t clock_or_fd;
    uint64_t timeout;
    uint16_t flags;
} subscription;

static int load_sub(const wasm_memory *mem, uint64_t at, subscription *s)
{
    uint8_t b[SUB_SIZE];
    if (wasm_memory_read(mem, at, b, sizeof b) < 0)
        return -1;
    memcpy(&s->userdata, b, 8);
    s->tag = b[8];
    memcpy(&s->clock_or_fd, b + 16, 4);
    memcpy(&s->timeout, b + 24, 8);
    memcpy(&s->flags, b + 40, 2);
    return 0;
}

static int store_event(wasm_memory *mem, uint64_t at, const subscription *s, uint16_t error, uint64_t nbytes)
{
    uint8_t b[EVENT_SIZE] = { 0 };
    memcpy(b, &s->userdata, 8);
    memcpy(b + 8, &error, 2);
    b[10] = s->tag;
    memcpy(b + 16, &nbytes, 8);
    return wasm_memory_write(mem, at, b, sizeof b);
}

/* The instants poll_oneoff started at, on both clocks a subscription may name. */
typedef struct poll_start {
    uint64_t mono, real;
} poll_start;

/* The monotonic instant a clock subscription fires at. */
static uint64_t clock_due(const subscription *s, const poll_start *t)
{
    uint64_t now = s->clock_or_fd == 0 ? t->real : t->mono;
    uint64_t wait = s->flags & SUBCLOCK_ABSTIME ? (s->timeout > now ? s->timeout - now : 0) : s->timeout;
    return wait > UINT64_MAX - t->mono ? UINT64_MAX : t->mono + wait;
}

static void sleep_until(uint64_t mono_ns)
{
    struct timespec ts = { (time_t)(mono_ns / 1000000000u), (long)(mono_ns % 1000000000u) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static size_t stdin_unread(const wasi_ctx *c)
{
    return c->in_len + c->in_more.len - c->in_pos;
}

wasm_trap wasi_poll_oneoff(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    WASI_CTX(c, caller);
    wasm_memory *mem = wasm_instance_memory(caller);
    uint32_t in = (uint32_t)args[0], out = (uint32_t)args[1], n = (uint32_t)args[2];
    if (n == 0)
        return errno_result(results, WASI_EINVAL);
    if (!mem || (uint64_t)in + (uint64_t)n * SUB_SIZE > wasm_memory_size(mem) ||
        (uint64_t)out + (uint64_t)n * EVENT_SIZE > wasm_memory_size(mem))
        return errno_result(results, WASI_EFAULT);

    poll_start t0 = { now_ns(CLOCK_MONOTONIC), now_ns(CLOCK_REALTIME) };
    /* First pass: descriptors are ready now; otherwise find the earliest clock. */
    uint32_t nevents = 0;
    uint64_t earliest = UINT64_MAX;
    for (uint32_t i = 0; i < n; i++) {
        subscription s = { 0 };
        load_sub(mem, (uint64_t)in + (uint64_t)i * SUB_SIZE, &s);
        if (s.tag == TAG_CLOCK) {
            uint64_t due = clock_due(&s, &t0);
            earliest = due < earliest ? due : earliest;
        } else if (s.tag == TAG_FD_READ || s.tag == TAG_FD_WRITE) {
            bool ok = s.tag == TAG_FD_READ ? s.clock_or_fd == 0 : (s.clock_or_fd == 1 || s.clock_or_fd == 2);
            uint64_t nbytes = s.tag == TAG_FD_READ ? stdin_unread(c) : 0;
            store_event(mem, (uint64_t)out + (uint64_t)nevents++ * EVENT_SIZE, &s,
                        ok ? WASI_ESUCCESS : WASI_EBADF, ok ? nbytes : 0);
        } else {
            return errno_result(results, WASI_EINVAL);
        }
    }
    if (nevents == 0 && earliest != UINT64_MAX) {
        uint64_t until = earliest;
        if (c->deadline_ns && c->deadline_ns < until)
            until = c->deadline_ns;
        sleep_until(until);
        uint64_t now = now_ns(CLOCK_MONOTONIC);
        if (c->deadline_ns && now >= c->deadline_ns)
            return WASM_TRAP_INTERRUPTED;      /* as if the engine had caught it running */
        for (uint32_t i = 0; i < n; i++) {
            subscription s = { 0 };
            load_sub(mem, (uint64_t)in + (uint64_t)i * SUB_SIZE, &s);
            if (s.tag == TAG_CLOCK && (clock_due(&s, &t0) <= now || nevents == 0))
                store_event(mem, (uint64_t)out + (uint64_t)nevents++ * EVENT_SIZE, &s, WASI_ESUCCESS, 0);
        }
    }
    if (wasi_store_u32(mem, (uint32_t)args[3], nevents) < 0)
        return errno_result(results, WASI_EFAULT);
    return errno_result(results, WASI_ESUCCESS);
}
