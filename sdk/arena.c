/*
 * arena.c - the per-call memory of a policy.  Every SDK allocation comes from
 * here and is released in one go when the waPC call returns, so policies never
 * free and a call cannot leak into the next (in the product each call also
 * runs in a fresh instance; native tests rely on the reset).
 */
#include "kw.h"

#include <stdlib.h>
#include <string.h>

typedef struct chunk {
    struct chunk *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
} chunk;

static chunk *arena_head;   /* touched only by the single guest thread */

enum { CHUNK_MIN = 16 * 1024 };

void *kw_alloc(size_t size)
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
    memset(p, 0, size);
    return p;
}

char *kw_strndup(const char *s, size_t n)
{
    char *d = kw_alloc(n + 1);
    memcpy(d, s, n);
    return d;
}

void kw_arena_reset(void)
{
    while (arena_head) {
        chunk *next = arena_head->next;
        free(arena_head);
        arena_head = next;
    }
}
