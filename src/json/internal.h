/*
 * internal.h - what the JSON layer's files share and nobody else sees.
 */
#ifndef JSON_INTERNAL_H
#define JSON_INTERNAL_H

#include "json.h"

#include <string.h>

typedef struct arena_block {
    struct arena_block *next;    /* older block */
    size_t size, used;           /* bytes of data[] */
    max_align_t data[];
} arena_block;

struct json_arena {
    arena_block *head;           /* newest block, the one being bumped */
    /* Scratch stack for the parsers: children of the open arrays and objects wait
     * here until their container closes and learns its size.  Heap, not arena:
     * it is reused across resets, and it survives a parse that fails. */
    char *scratch;
    size_t scratch_len, scratch_cap;
};

int json_scratch_reserve(json_arena *a, size_t bytes);

/* Pushes `bytes` bytes onto the scratch stack; -1 out of memory. */
static inline int json_scratch_push(json_arena *a, const void *data, size_t bytes)
{
    if (a->scratch_cap - a->scratch_len < bytes && json_scratch_reserve(a, bytes) < 0) return -1;
    memcpy(a->scratch + a->scratch_len, data, bytes);
    a->scratch_len += bytes;
    return 0;
}

#define JSON_ARENA_ALIGN 8

/* `bytes` (already rounded up to JSON_ARENA_ALIGN, > 0) from a new block. */
void *json_arena_alloc_slow(json_arena *a, size_t bytes);

/* json_arena_alloc, inlined into the parser: the common case is a bump. */
static inline void *json_arena_bump(json_arena *a, size_t bytes)
{
    if (bytes > SIZE_MAX / 2) return NULL;
    bytes = bytes ? (bytes + JSON_ARENA_ALIGN - 1) & ~(size_t)(JSON_ARENA_ALIGN - 1) : JSON_ARENA_ALIGN;
    arena_block *b = a->head;
    if (b->size - b->used >= bytes) {
        void *p = (char *)b->data + b->used;
        b->used += bytes;
        return p;
    }
    return json_arena_alloc_slow(a, bytes);
}

/* Arrays and objects have no capacity field: a container of length n is taken to
 * have room for the next power of two >= n items.  Everything that allocates
 * items or members (parsers, builders) sizes them with this. */
static inline size_t json_capacity_for(size_t n)
{
    size_t cap = 1;
    while (cap < n) cap <<= 1;
    return n ? cap : 0;
}

/* Moves the `count` elements of `size` bytes on top of the scratch stack into a
 * fresh arena array (sized by json_capacity_for) and pops them.  NULL if out of
 * memory; also NULL (and no allocation) when count is 0. */
void *json_scratch_pop(json_arena *a, size_t count, size_t size);

/* Scans the JSON number at p: returns its end with *why NULL, or where it goes
 * wrong with *why saying how. */
const char *json_scan_number(const char *p, const char *end, const char **why);

/* json_get for a key of known length (keys may hold NUL bytes). */
const json_value *json_get_n(const json_value *object, const char *key, size_t len);

/* Lookup of an object's members by key: a scan, or binary search over a sorted
 * array of member pointers (`storage`, object->len entries, caller-provided)
 * for objects of JSON_KEY_INDEX_MIN keys or more.  With duplicate keys the first
 * one is found, as json_get does. */
typedef struct json_key_index {
    const json_value *object;
    const json_member **sorted;  /* NULL: scan */
} json_key_index;

#define JSON_KEY_INDEX_MIN 32

void json_key_index_init(json_key_index *ix, const json_value *object, const json_member **storage);
const json_value *json_key_index_get(const json_key_index *ix, const char *key, size_t len);

/* A number value from its literal: text must be a valid JSON number. */
json_value *json_number_from_text(json_arena *a, const char *text, size_t len);

/* Would this text, written as a plain YAML scalar, read back as a string (and
 * not as null, a boolean or a number)?  Shared by the YAML reader and writer. */
bool json_yaml_plain_is_string(const char *s, size_t len);

#define JSON_MAX_DEPTH 512

/* ---- SWAR: eight bytes at a time (parser and writer scans) ---------------- */

static inline uint64_t json_load8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

#define JSON_BYTES(c) (0x0101010101010101ULL * (uint8_t)(c))

/* Marks (high bit of each byte) the bytes of w equal to c; bytes below 0x20.
 * The lowest mark is exact: a borrow only leaves a byte that is marked itself. */
static inline uint64_t json_marks_byte(uint64_t w, char c)
{
    uint64_t x = w ^ JSON_BYTES(c);
    return (x - JSON_BYTES(1)) & ~x & JSON_BYTES(0x80);
}

static inline uint64_t json_marks_control(uint64_t w)
{
    return (w - JSON_BYTES(0x20)) & ~w & JSON_BYTES(0x80);
}

/* Index of the lowest marked byte (little-endian words). */
static inline unsigned json_first_mark(uint64_t marks) { return (unsigned)__builtin_ctzll(marks) >> 3; }

/* The scans need little-endian words to find the first mark; else byte loops. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define JSON_SWAR 1
#else
#define JSON_SWAR 0
#endif

#endif
