/*
 * arena.h - private to the SDK: arena memory that need not be zeroed.
 */
#ifndef KW_ARENA_H
#define KW_ARENA_H

#include <stddef.h>

/* kw_alloc without the zeroing, for memory that is written before it is read. */
void *kw_alloc_uninit(size_t size);

#endif
