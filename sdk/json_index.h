/*
 * json_index.h - private to the SDK: where each value of a parsed document
 * ends.  kw_parse records it while validating; navigation uses it to step
 * over a value in one jump (guest code runs interpreted, so every byte not
 * scanned counts).
 */
#ifndef KW_JSON_INDEX_H
#define KW_JSON_INDEX_H

#include <stddef.h>
#include <stdint.h>

/* One indexed document: for every value (and key) the length, stored at the
 * offset where it starts; LONG_VALUE means "64 KiB or more, look it up in
 * long_starts/long_lens".  Only offsets where a value starts are written. */
enum { JSON_LONG_VALUE = 0xffff };

typedef struct json_doc_index {
    const char *text, *text_end;
    uint16_t *len_at;
    uint32_t *long_starts, *long_lens;
    size_t long_n, long_cap;
} json_doc_index;

/* The byte after the value starting at p, or NULL if p is not in an indexed
 * document (the caller then scans).  p must be where a value or key starts. */
const char *json_index_end(const char *p);

/* The document of the last successful lookup (NULL after json_index_forget). */
extern const json_doc_index *json_index_last;

/* json_index_end with the common case inlined: p in the same document as the
 * previous lookup, value shorter than 64 KiB. */
static inline const char *json_index_end_fast(const char *p)
{
    const json_doc_index *ix = json_index_last;
    if (ix && p >= ix->text && p < ix->text_end) {
        uint16_t len = ix->len_at[p - ix->text];
        if (len != JSON_LONG_VALUE && len > 0 && p + len <= ix->text_end)
            return p + len;
    }
    return json_index_end(p);
}

/* Drops every index: they live in the arena, and kw_arena_reset calls this. */
void json_index_forget(void);

/* kw_alloc without the zeroing, for memory that is written before it is read. */
void *kw_alloc_uninit(size_t size);

#endif
