/*
 * opa.c - the OPA Wasm ABI (guest side) for C policies: see opa.h.
 *
 * A value's address points at its JSON text, NUL-terminated, with the text's
 * length in the 4 bytes before it, so opa_json_dump is the identity.
 * opa_malloc makes room for both: the host's bytes become a value in place
 * (opa_json_parse copies nothing).  The heap is one bump pointer over linear
 * memory from __heap_base: opa_malloc and kw_alloc take from it,
 * opa_heap_ptr_set moves it back (the host does so before each evaluation; a
 * fresh instance from the snapshot starts there anyway).
 */
#include "opa.h"
#include "arena.h"
#include "json_memo.h"

#include <stdint.h>
#include <string.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define IMPORT(name) __attribute__((import_module("env"), import_name(name)))

IMPORT("opa_abort") void opa_host_abort(const char *message);
IMPORT("opa_println") void opa_host_println(const char *message);
IMPORT("opa_builtin0") const char *opa_host_builtin0(int32_t id, uint32_t ctx);
IMPORT("opa_builtin1") const char *opa_host_builtin1(int32_t id, uint32_t ctx, const char *a);
IMPORT("opa_builtin2") const char *opa_host_builtin2(int32_t id, uint32_t ctx, const char *a, const char *b);
IMPORT("opa_builtin3") const char *opa_host_builtin3(int32_t id, uint32_t ctx, const char *a, const char *b,
                                                     const char *c);
IMPORT("opa_builtin4") const char *opa_host_builtin4(int32_t id, uint32_t ctx, const char *a, const char *b,
                                                     const char *c, const char *d);

/* ---- the heap (replaces sdk/arena.c) -------------------------------------- */

extern unsigned char __heap_base;
static uintptr_t heap_top = (uintptr_t)&__heap_base;

void *kw_alloc_uninit(size_t size)
{
    uintptr_t p = (heap_top + 15) & ~(uintptr_t)15;
    uintptr_t end = p + size;
    if (end < p)
        opa_fail("out of memory");
    size_t have = __builtin_wasm_memory_size(0) * 65536;
    if (end > have && __builtin_wasm_memory_grow(0, (end - have + 65535) / 65536) == (size_t)-1)
        opa_fail("out of memory");
    heap_top = end;
    return (void *)p;
}

void *kw_alloc(size_t size)
{
    void *p = kw_alloc_uninit(size);
    memset(p, 0, size);
    return p;
}

char *kw_strndup(const char *s, size_t n)
{
    char *d = kw_alloc_uninit(n + 1);
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void kw_arena_reset(void) { json_memo_forget(); }
void kw_arena_keep(void) {}

/* Room for `len` bytes of text, its length before it and a NUL after it. */
static char *value_space(uint32_t len)
{
    char *p = (char *)kw_alloc_uninit((size_t)len + 5) + 4;
    memcpy(p - 4, &len, 4);
    p[len] = '\0';
    return p;
}

EXPORT("opa_malloc") void *opa_malloc(uint32_t len) { return value_space(len); }
EXPORT("opa_heap_ptr_get") uint32_t opa_heap_ptr_get(void) { return (uint32_t)heap_top; }

EXPORT("opa_heap_ptr_set") void opa_heap_ptr_set(uint32_t addr)
{
    json_memo_forget();              /* it may remember text the heap is about to reuse */
    heap_top = addr;
}

/* ---- values ------------------------------------------------------------- */

/* A value: a copy of its JSON text. */
static const char *make_value(kw_val v)
{
    char *p = value_space((uint32_t)v.n);
    if (v.n)
        memcpy(p, v.p, v.n);
    return p;
}

static kw_val view(const char *value)
{
    uint32_t len = 0;
    if (value)
        memcpy(&len, value - 4, 4);
    return value ? kw_view(value, len) : KW_NONE;
}

/* The text the host wrote into opa_malloc(len) space, as a value in place.
 * Only its outer shape is checked (kw_view): the host writes JSON it produced
 * itself, and the kw_val reader is safe on any bytes anyway. */
EXPORT("opa_json_parse") const char *opa_json_parse(char *text, uint32_t len)
{
    kw_val v = kw_view(text, len);
    if (!kw_present(v))
        return NULL;
    uint32_t room;
    memcpy(&room, text - 4, 4);
    return room == len ? text : make_value(v);    /* not opa_malloc'd space of that size: copied */
}

EXPORT("opa_json_dump") const char *opa_json_dump(const char *value) { return value; }

EXPORT("builtins") const char *opa_builtins(void)
{
    return make_value(kw_view(opa_sdk_builtins, strlen(opa_sdk_builtins)));
}

EXPORT("entrypoints") const char *opa_entrypoints(void)
{
    kw_writer w = { 0 };
    kw_w_obj(&w);
    kw_w_key(&w, opa_sdk_entrypoint);
    kw_w_int(&w, 0);
    kw_w_end(&w);
    return kw_buf_cstr(&w.buf);
}

/* ---- the evaluation context ---------------------------------------------- */

typedef struct opa_eval_ctx {
    const char *input, *data, *result;
    int32_t entrypoint;
} opa_eval_ctx;

EXPORT("opa_eval_ctx_new") opa_eval_ctx *opa_eval_ctx_new(void) { return kw_alloc(sizeof(opa_eval_ctx)); }
EXPORT("opa_eval_ctx_set_input") void opa_eval_ctx_set_input(opa_eval_ctx *c, const char *v) { c->input = v; }
EXPORT("opa_eval_ctx_set_data") void opa_eval_ctx_set_data(opa_eval_ctx *c, const char *v) { c->data = v; }
EXPORT("opa_eval_ctx_set_entrypoint") void opa_eval_ctx_set_entrypoint(opa_eval_ctx *c, int32_t id)
{
    c->entrypoint = id;
}
EXPORT("opa_eval_ctx_get_result") const char *opa_eval_ctx_get_result(opa_eval_ctx *c) { return c->result; }

/* 0 on success, like OPA's opa_errc. */
EXPORT("eval") int32_t opa_eval(opa_eval_ctx *c)
{
    if (c->entrypoint != 0)
        opa_fail("unknown entrypoint");
    kw_val value = opa_sdk_eval(view(c->input), view(c->data));
    kw_buf set = { 0 };
    if (kw_present(value)) {
        kw_buf_puts(&set, "[{\"result\":");
        kw_buf_put(&set, value.p, value.n);
        kw_buf_puts(&set, "}]");
    } else {
        kw_buf_puts(&set, "[]");
    }
    c->result = kw_buf_cstr(&set);
    return 0;
}

/* ---- calls to the host ---------------------------------------------------- */

kw_val opa_builtin(int id, int nargs, const kw_val *args)
{
    const char *a[4] = { 0 };
    for (int i = 0; i < nargs && i < 4; i++)
        a[i] = make_value(args[i]);
    const char *r;
    switch (nargs) {
    case 0: r = opa_host_builtin0(id, 0); break;
    case 1: r = opa_host_builtin1(id, 0, a[0]); break;
    case 2: r = opa_host_builtin2(id, 0, a[0], a[1]); break;
    case 3: r = opa_host_builtin3(id, 0, a[0], a[1], a[2]); break;
    case 4: r = opa_host_builtin4(id, 0, a[0], a[1], a[2], a[3]); break;
    default: opa_fail("a builtin takes at most 4 arguments");
    }
    return view(r);
}

void opa_print(const char *message) { opa_host_println(message); }

_Noreturn void opa_fail(const char *message)
{
    opa_host_abort(message);
    __builtin_trap();                /* the host's opa_abort does not return */
}
