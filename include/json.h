/*
 * json.h - JSON (and YAML-to-JSON) for the host side: a fast DOM parser into an
 * arena, a writer, RFC 6902 diffs, base64.  A leaf layer: it depends on nothing
 * of ours.
 *
 * Memory: every value a parse or a constructor makes lives in a json_arena, a
 * bump allocator that is reset (not freed) between requests, so the hot path
 * makes no malloc calls once the arena has grown to its working size.
 */
#ifndef JSON_H
#define JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum json_type {
    JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT
} json_type;

typedef struct json_value json_value;

typedef struct json_member {
    const char *key;             /* unescaped, NUL-terminated */
    size_t key_len;
    json_value *value;
} json_member;

struct json_value {
    json_type type;
    bool lazy;                   /* an array or object json_parse_lazy left unbuilt: len 0, u.span its text */
    size_t len;                  /* string bytes, array items or object members */
    union {
        const char *str;         /* JSON_STRING: unescaped UTF-8, NUL-terminated */
        json_value **items;      /* JSON_ARRAY */
        json_member *members;    /* JSON_OBJECT, in document order */
        struct {                 /* JSON_NUMBER */
            double d;
            const char *text;    /* the literal as written (exact round trip of big integers) */
            size_t text_len;
        } num;
        struct {                 /* lazy: the value's compact text (not NUL-terminated) */
            const char *text;
            size_t len;
        } span;
    } u;
};

/* ---- arena --------------------------------------------------------------- */

typedef struct json_arena json_arena;
json_arena *json_arena_new(size_t initial_bytes);
void *json_arena_alloc(json_arena *arena, size_t bytes);      /* 8-byte aligned; NULL if out of memory */
char *json_arena_strdup(json_arena *arena, const char *s, size_t len);
void json_arena_reset(json_arena *arena);                     /* keeps one block, of the working size */
/* A reset that also gives the pages the last cycle used beyond keep_bytes of
 * its block back to the kernel: the block keeps its size, and an arena that
 * one big request grew stops pinning that memory (they refault when used). */
void json_arena_reset_trim(json_arena *arena, size_t keep_bytes);
void json_arena_free(json_arena *arena);

/* ---- parsing --------------------------------------------------------------- */

typedef struct json_error {
    char message[160];           /* e.g. "expected ',' or '}' after object member" */
    size_t offset;               /* byte offset of the failure in the input */
} json_error;

/* Strict RFC 8259, UTF-8 validated, nesting limited to 512.  NULL on error, with
 * err->message ending in "at offset N" (N = err->offset, in bytes). */
json_value *json_parse(json_arena *arena, const char *text, size_t len, json_error *err);

/* json_parse for a document that is mostly passed on as text: the same checks, errors
 * and offsets, but the arrays and objects at nesting depth `lazy_depth` (the top-level
 * value is at depth 0) are not built: they are kept as their text without the
 * insignificant whitespace (copied, not rewritten: string escapes stay as written),
 * in the arena.  Such a value keeps its type, has `lazy` set, len 0 and its text in
 * u.span.  json_write copies that text; json_diff expands what it meets; anything
 * else that reads inside must call json_expand first. */
json_value *json_parse_lazy(json_arena *arena, const char *text, size_t len, int lazy_depth, json_error *err);
/* The built value of a lazy one (`v` itself when not lazy); NULL out of memory. */
const json_value *json_expand(json_arena *arena, const json_value *v);

/* YAML (first document) to the same DOM, via libyaml, YAML 1.2 core schema for plain
 * scalars (null ~ true false, integers, floats; quoted scalars are strings).  Anchors and
 * aliases are resolved.  An empty document gives JSON null.  Errors: .inf/.nan (no JSON
 * equivalent), duplicate or non-scalar keys, nesting over 512; messages end with
 * "at line L column C" (docs/json.md). */
json_value *json_parse_yaml(json_arena *arena, const char *text, size_t len, json_error *err);
/* Every document of a YAML stream, as a JSON array. */
json_value *json_parse_yaml_all(json_arena *arena, const char *text, size_t len, json_error *err);

/* ---- reading ------------------------------------------------------------- */

const json_value *json_get(const json_value *object, const char *key);   /* NULL if absent or not an object */
const json_value *json_index(const json_value *array, size_t i);         /* NULL if out of range */
/* Convenience: NULL (or `dflt`) unless the value has the right type. */
const char *json_get_string(const json_value *object, const char *key);
bool json_get_bool(const json_value *object, const char *key, bool dflt);
bool json_is_integer(const json_value *v, int64_t *out);
bool json_equal(const json_value *a, const json_value *b);               /* deep; object key order ignored */
/* The type as serde names it in "invalid type: <name>, expected ..." errors:
 * null, boolean, number, string, sequence, map. */
const char *json_serde_type(const json_value *v);

/* ---- building ------------------------------------------------------------ */

json_value *json_new_null(json_arena *a);
json_value *json_new_bool(json_arena *a, bool b);
json_value *json_new_number(json_arena *a, double d);
json_value *json_new_int(json_arena *a, int64_t i);
json_value *json_new_string(json_arena *a, const char *s, size_t len);   /* copies */
json_value *json_new_array(json_arena *a);
json_value *json_new_object(json_arena *a);
int json_array_push(json_arena *a, json_value *array, json_value *item);
/* Replaces an existing member of that key, else appends. */
int json_object_set(json_arena *a, json_value *object, const char *key, json_value *value);
int json_object_remove(json_value *object, const char *key);            /* 1 removed, 0 absent */

/* ---- writing ------------------------------------------------------------- */

typedef struct json_buf {
    char *data;                  /* NUL-terminated when len > 0 */
    size_t len, cap;
    bool oom;                    /* sticky: an append failed */
} json_buf;

void json_buf_init(json_buf *b);
void json_buf_free(json_buf *b);
void json_buf_reset(json_buf *b);                                /* len = 0, keeps capacity */
void json_buf_append(json_buf *b, const void *data, size_t len);
void json_buf_puts(json_buf *b, const char *s);
void json_buf_printf(json_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void json_write(json_buf *b, const json_value *v);               /* compact, keys in order */
void json_write_string(json_buf *b, const char *s, size_t len);  /* quoted and escaped */
/* Appends `v` as one YAML document ("---" first, block style); strings that would
 * read back as another type are quoted.  0, or -1 if libyaml or memory failed. */
int json_write_yaml(json_buf *b, const json_value *v);

/* ---- RFC 6902 and base64 ------------------------------------------------- */

/* Appends to `out` a JSON Patch array that turns `from` into `to` (add/remove/replace,
 * paths escaped per RFC 6901).  "[]" when equal.  Returns 0, -1 out of memory. */
int json_diff(json_arena *a, const json_value *from, const json_value *to, json_buf *out);

void base64_encode(json_buf *out, const void *data, size_t len);          /* standard, padded */
/* Decoded bytes go to out; -1 on invalid input. */
int base64_decode(json_buf *out, const char *text, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* JSON_H */
