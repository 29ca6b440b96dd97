/*
 * arena.c - the per-call memory of a policy.  Every SDK allocation comes from
 * here and is released in one go when the waPC call returns, so policies never
 * free and a call cannot leak into the next (in the product each call also
 * runs in a fresh instance; native tests rely on the reset).
 */
#include "kw.h"
#include "arena.h"
#include "json_memo.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __wasm__
/* In the guest the arena is a bump pointer over linear memory: no malloc
 * (dlmalloc alone would be a third of the module), nothing to free.  Memory
 * past the floor is reused by the next call; the floor is raised at init so
 * that whatever init allocates survives (kw_arena_keep). */
extern unsigned char __heap_base;
static uintptr_t heap_top = (uintptr_t)&__heap_base;
static uintptr_t heap_floor = (uintptr_t)&__heap_base;

void *kw_alloc_uninit(size_t size)
{
    size = (size + 15) & ~(size_t)15;
    uintptr_t p = (heap_top + 15) & ~(uintptr_t)15;
    uintptr_t end = p + size;
    if (end < p)
        __builtin_trap();
    size_t have = __builtin_wasm_memory_size(0) * 65536;
    if (end > have) {
        size_t pages = (end - have + 65535) / 65536;
        if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1)
            __builtin_trap();   /* out of memory: the host reports the trap */
    }
    heap_top = end;
    return (void *)p;
}

void *kw_alloc(size_t size)
{
    void *p = kw_alloc_uninit(size);
    memset(p, 0, size);
    return p;
}

void kw_arena_reset(void)
{
    json_memo_forget();
    heap_top = heap_floor;
}

void kw_arena_keep(void) { heap_floor = heap_top; }

#else
/* Native builds (unit tests): chunks from malloc, all freed on reset, so the
 * sanitizers see every call's memory come back. */
typedef struct chunk {
    struct chunk *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
} chunk;

static chunk *arena_head;   /* touched only by the single guest thread */

enum { CHUNK_MIN = 16 * 1024 };

void *kw_alloc_uninit(size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (size == 0)
        size = 16;
    if (!arena_head || arena_head->size - arena_head->used < size) {
        size_t want = size > CHUNK_MIN ? size : CHUNK_MIN;
        chunk *c = malloc(sizeof(chunk) + want);
        if (!c)
            __builtin_trap();
        c->next = arena_head;
        c->used = 0;
        c->size = want;
        arena_head = c;
    }
    void *p = arena_head->data + arena_head->used;
    arena_head->used += size;
    return p;
}

void *kw_alloc(size_t size)
{
    void *p = kw_alloc_uninit(size);
    memset(p, 0, size);
    return p;
}

void kw_arena_reset(void)
{
    json_memo_forget();
    while (arena_head) {
        chunk *next = arena_head->next;
        free(arena_head);
        arena_head = next;
    }
}

void kw_arena_keep(void) {}
#endif

char *kw_strndup(const char *s, size_t n)
{
    char *d = kw_alloc(n + 1);
    if (n)   /* s may be the NULL of an absent value */
        memcpy(d, s, n);
    return d;
}
