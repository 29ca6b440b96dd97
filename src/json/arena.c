/*
 * arena.c - the bump allocator every JSON value lives in.
 *
 * An arena is a chain of blocks.  Allocation bumps a pointer in the newest
 * block and chains a bigger block when it runs out.  Reset frees every block
 * but one (merging them when there were several) and rewinds it, so a worker
 * that resets its arena between requests stops calling malloc once the arena
 * has reached its working size.
 *
 * The arena also owns the parser's scratch stack (see internal.h): it outlives
 * resets for the same reason.
 */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ARENA_MIN_BLOCK 4096

static size_t align_up(size_t n) { return (n + JSON_ARENA_ALIGN - 1) & ~(size_t)(JSON_ARENA_ALIGN - 1); }

static arena_block *block_new(size_t size)
{
    if (size > SIZE_MAX - sizeof(arena_block)) return NULL;
    arena_block *b = malloc(sizeof *b + size);
    if (!b) return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

json_arena *json_arena_new(size_t initial_bytes)
{
    json_arena *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->head = block_new(initial_bytes > ARENA_MIN_BLOCK ? align_up(initial_bytes) : ARENA_MIN_BLOCK);
    if (!a->head) {
        free(a);
        return NULL;
    }
    return a;
}

/* Out of room in the current block: chain one at least twice as big. */
void *json_arena_alloc_slow(json_arena *a, size_t bytes)
{
    size_t size = a->head->size * 2;
    if (size < bytes) size = bytes;
    arena_block *b = block_new(size);
    if (!b) return NULL;
    b->next = a->head;
    a->head = b;
    b->used = bytes;
    return b->data;
}

void *json_arena_alloc(json_arena *a, size_t bytes)
{
    return json_arena_bump(a, bytes);
}

char *json_arena_strdup(json_arena *a, const char *s, size_t len)
{
    char *p = json_arena_alloc(a, len + 1);
    if (!p) return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

/* Keeps one block.  When the last cycle needed several, they are merged into one
 * block of their total size, so the next cycle of the same size fits without malloc. */
void json_arena_reset(json_arena *a)
{
    size_t total = 0;
    arena_block *largest = a->head;
    for (arena_block *b = a->head; b; b = b->next) {
        total += b->size;
        if (b->size > largest->size) largest = b;
    }
    arena_block *merged = a->head->next ? block_new(total) : NULL;
    arena_block *keep = merged ? merged : largest;
    arena_block *b = a->head;
    while (b) {
        arena_block *next = b->next;
        if (b != keep) free(b);
        b = next;
    }
    keep->next = NULL;
    keep->used = 0;
    a->head = keep;
}

void json_arena_reset_trim(json_arena *a, size_t keep_bytes)
{
    arena_block *b = a->head;
    size_t used = b->next ? 0 : b->used;          /* several blocks: reset makes a fresh one */
    json_arena_reset(a);
    if (used <= keep_bytes) return;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t from = ((uintptr_t)b->data + keep_bytes + page - 1) & ~(uintptr_t)(page - 1);
    uintptr_t to = ((uintptr_t)b->data + used) & ~(uintptr_t)(page - 1);
    if (to > from) madvise((void *)from, to - from, MADV_DONTNEED);
}

void json_arena_free(json_arena *a)
{
    if (!a) return;
    arena_block *b = a->head;
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(a->scratch);
    free(a);
}

/* Makes room for `bytes` more on the scratch stack; the stack keeps its size across resets. */
int json_scratch_reserve(json_arena *a, size_t bytes)
{
    if (a->scratch_cap - a->scratch_len >= bytes) return 0;
    size_t cap = a->scratch_cap ? a->scratch_cap * 2 : 4096;
    while (cap - a->scratch_len < bytes) {
        if (cap > SIZE_MAX / 2) return -1;
        cap *= 2;
    }
    char *p = realloc(a->scratch, cap);
    if (!p) return -1;
    a->scratch = p;
    a->scratch_cap = cap;
    return 0;
}

void *json_scratch_pop(json_arena *a, size_t count, size_t size)
{
    if (count == 0) return NULL;
    size_t bytes = count * size;
    void *dst = json_arena_alloc(a, json_capacity_for(count) * size);
    if (dst) memcpy(dst, a->scratch + a->scratch_len - bytes, bytes);
    a->scratch_len -= bytes;
    return dst;
}
