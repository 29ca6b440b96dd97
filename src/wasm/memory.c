/*
 * memory.c - linear memories.
 *
 * Each memory reserves address space for its maximum once (PROT_NONE,
 * MAP_NORESERVE) and makes [0, size) readable and writable, so growing never
 * moves the base and compiled code may keep it in a register across calls.
 * Accesses are bounds-checked explicitly by the interpreter; the reservation
 * is not a guard region.  A byte per 4 KiB granule records what was written
 * (wasm_mark_dirty), which is what a snapshot restore copies back.  That map
 * is mapped on its own, like the memory, so that both can be given back to
 * the kernel page by page (wasm_memory_release_pages).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

#define DEFAULT_MAX_PAGES 16384u

static size_t granules_of(uint32_t pages) { return (size_t)pages << (16 - WASM_DIRTY_SHIFT); }

/* One byte per granule, and one spare: wasm_mark_dirty may touch the byte past the end. */
static size_t dirty_map_bytes(const wasm_memory *m) { return granules_of(m->max_pages) + 1; }

/* Makes [0, bytes) accessible; pages above `committed` are fresh zeroes. */
static int commit(wasm_memory *m, uint64_t bytes)
{
    if (bytes <= m->committed) return 0;
    if (mprotect(m->base + m->committed, bytes - m->committed, PROT_READ | PROT_WRITE) != 0) return -1;
    m->committed = bytes;
    return 0;
}

wasm_memory *wasm_memory_create(uint32_t pages, uint32_t max_pages, bool has_max,
                                uint32_t declared_max, wasm_error *err)
{
    if (pages > max_pages) {
        wasm_fail(err, "memory of %u pages exceeds the limit of %u pages", pages, max_pages);
        return NULL;
    }
    wasm_memory *m = calloc(1, sizeof *m);
    if (!m) goto oom;
    m->reserved = max_pages ? (size_t)max_pages * WASM_PAGE_SIZE : WASM_PAGE_SIZE;
    void *base = mmap(NULL, m->reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) {
        free(m);
        wasm_fail(err, "cannot reserve %zu bytes of address space for a memory", (size_t)max_pages * WASM_PAGE_SIZE);
        return NULL;
    }
    m->base = base;
    m->max_pages = max_pages;
    void *dirty = mmap(NULL, dirty_map_bytes(m), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    m->dirty = dirty == MAP_FAILED ? NULL : dirty;
    m->has_max = has_max;
    m->declared_max = declared_max;
    if (!m->dirty || commit(m, (uint64_t)pages * WASM_PAGE_SIZE) != 0) {
        wasm_memory_destroy(m);
        free(m);
        goto oom;
    }
    m->pages = m->peak_pages = pages;
    m->size = (uint64_t)pages * WASM_PAGE_SIZE;
    return m;
oom:
    wasm_fail(err, "out of memory creating a memory of %u pages", pages);
    return NULL;
}

void wasm_memory_destroy(wasm_memory *m)
{
    if (m->base) munmap(m->base, m->reserved);
    if (m->dirty) munmap(m->dirty, dirty_map_bytes(m));
    m->base = NULL;
    m->dirty = NULL;
}

wasm_memory *wasm_memory_new(uint32_t min_pages, uint32_t max_pages, bool has_max, wasm_error *err)
{
    if (min_pages > 65536 || (has_max && (max_pages > 65536 || max_pages < min_pages))) {
        wasm_fail(err, "invalid memory limits %u..%u", min_pages, max_pages);
        return NULL;
    }
    uint32_t cap = has_max ? max_pages : DEFAULT_MAX_PAGES;
    if (cap < min_pages) cap = min_pages;
    return wasm_memory_create(min_pages, cap, has_max, max_pages, err);
}

void wasm_memory_free(wasm_memory *m)
{
    if (!m) return;
    wasm_memory_destroy(m);
    free(m);
}

int wasm_memory_release_pages(wasm_memory *m)
{
    if (m->committed && madvise(m->base, m->committed, MADV_DONTNEED) != 0) return -1;
    return madvise(m->dirty, dirty_map_bytes(m), MADV_DONTNEED);
}

uint8_t *wasm_memory_data(const wasm_memory *m) { return m->base; }
uint64_t wasm_memory_size(const wasm_memory *m) { return m->size; }

int64_t wasm_memory_grow(wasm_memory *m, uint32_t delta)
{
    uint32_t old = m->pages;
    if (delta > m->max_pages - old) return -1;
    uint64_t bytes = (uint64_t)(old + delta) * WASM_PAGE_SIZE;
    if (commit(m, bytes) != 0) return -1;
    m->pages = old + delta;
    m->size = bytes;
    if (m->pages > m->peak_pages) m->peak_pages = m->pages;
    return old;
}

static bool in_bounds(const wasm_memory *m, uint64_t offset, size_t len)
{
    return offset <= m->size && len <= m->size - offset;
}

int wasm_memory_read(const wasm_memory *m, uint64_t offset, void *dst, size_t len)
{
    if (!in_bounds(m, offset, len)) return -1;
    if (len) memcpy(dst, m->base + offset, len);
    return 0;
}

int wasm_memory_write(wasm_memory *m, uint64_t offset, const void *src, size_t len)
{
    if (!in_bounds(m, offset, len)) return -1;
    if (len) {
        memcpy(m->base + offset, src, len);
        wasm_mark_dirty(m, offset, len);
    }
    return 0;
}

void wasm_memory_mark_dirty(wasm_memory *m, uint64_t offset, size_t len)
{
    if (!in_bounds(m, offset, len)) {     /* clamp: marking never faults */
        if (offset >= m->size) return;
        len = (size_t)(m->size - offset);
    }
    wasm_mark_dirty(m, offset, len);
}
