/*
 * json_index.h - private to the SDK: where each value of a parsed document
 * ends.  kw_parse records it while validating; navigation uses it to step
 * over a value in one jump (guest code runs interpreted, so every byte not
 * scanned counts).
 */
#ifndef KW_JSON_INDEX_H
#define KW_JSON_INDEX_H

/* The byte after the value starting at p, or NULL if p is not in an indexed
 * document (the caller then scans).  p must be where a value or key starts. */
const char *json_index_end(const char *p);

/* Drops every index: they live in the arena, and kw_arena_reset calls this. */
void json_index_forget(void);

/* kw_alloc without the zeroing, for memory that is written before it is read. */
void *kw_alloc_uninit(size_t size);

#endif
