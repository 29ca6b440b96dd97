/*
 * internal.h - the engine's private data structures, shared by its files.
 *
 *   decode.c    bytes -> wasm_module (sections, module-level validation)
 *   compile.c   one function body -> validated internal code (wasm_code)
 *   interp.c    runs internal code
 *   instance.c  linking, instantiation, memories, tables, globals, segments
 *   snapshot.c  capture and restore of instance state, instance pools
 *
 * Ownership: decode.c/instance.c/snapshot.c own the module and runtime structs;
 * compile.c/interp.c own struct wasm_code and the fields marked "interp".
 */
#ifndef WASM_INTERNAL_H
#define WASM_INTERNAL_H

#include <stdatomic.h>
#include <time.h>
#include "wasm.h"

#define WASM_PAGE_SIZE 65536u
#define WASM_DIRTY_SHIFT 12          /* dirty tracking granule: 4 KiB */
#define WASM_POLL_INTERVAL 1024      /* polls (back-edges, calls) between looks at the clock */

/* CLOCK_MONOTONIC in nanoseconds: deadlines and polls. */
static inline uint64_t wasm_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Formats a message into err (if not NULL) and returns -1. */
int wasm_fail(wasm_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- module (immutable after wasm_module_load) ------------------------- */

typedef struct wasm_functype {
    uint32_t nparams, nresults;
    uint8_t *params, *results;   /* wasm_valtype bytes */
    uint32_t canon;              /* process-wide structural id: equal types, equal ids */
} wasm_functype;

/* Interns a type and returns its process-wide id (thread-safe, load time only). */
uint32_t wasm_functype_canon(const uint8_t *params, uint32_t nparams,
                             const uint8_t *results, uint32_t nresults);

typedef struct wasm_limits_decl {
    uint32_t min, max;
    bool has_max;
} wasm_limits_decl;

/* A constant expression, as used by global initialisers and segment offsets. */
typedef enum wasm_constop {
    WASM_CONST_I32, WASM_CONST_I64, WASM_CONST_F32, WASM_CONST_F64,
    WASM_CONST_GLOBAL_GET, WASM_CONST_REF_NULL, WASM_CONST_REF_FUNC,
} wasm_constop;

typedef struct wasm_constexpr {
    wasm_constop op;
    uint64_t value;              /* the constant's bits */
    uint32_t index;              /* global or function index */
} wasm_constexpr;

typedef struct wasm_code wasm_code;   /* compiled body: private to compile.c/interp.c */

typedef struct wasm_func {
    uint32_t type_idx;
    const wasm_functype *type;
    bool imported;
    /* defined functions only */
    uint32_t nlocals;            /* declared locals, excluding parameters */
    uint8_t *local_types;
    const uint8_t *body;         /* the expression after the locals, up to and including the final end */
    size_t body_len;
    size_t body_offset;          /* byte offset of body in the module file, for messages */
    wasm_code *code;             /* set by wasm_compile_func() */
} wasm_func;

typedef struct wasm_tabletype {
    uint8_t elem;                /* WASM_FUNCREF or WASM_EXTERNREF */
    wasm_limits_decl limits;
} wasm_tabletype;

typedef struct wasm_globaltype {
    uint8_t type;
    bool mutable_;
} wasm_globaltype;

typedef struct wasm_global_decl {
    wasm_globaltype type;
    wasm_constexpr init;         /* defined globals only */
} wasm_global_decl;

typedef struct wasm_import {
    char *module, *name;
    uint32_t module_len, name_len;   /* names may contain NUL bytes */
    wasm_externkind kind;
    uint32_t index;              /* index in the func/table/memory/global space */
} wasm_import;

typedef struct wasm_export {
    char *name;
    uint32_t name_len;           /* names may contain NUL bytes */
    wasm_externkind kind;
    uint32_t index;
} wasm_export;

typedef enum wasm_segmode { WASM_SEG_ACTIVE, WASM_SEG_PASSIVE, WASM_SEG_DECLARATIVE } wasm_segmode;

typedef struct wasm_elem_seg {
    wasm_segmode mode;
    uint32_t table;
    wasm_constexpr offset;
    uint8_t elem;                /* reference type */
    uint32_t count;
    wasm_constexpr *items;       /* ref.func / ref.null / global.get */
} wasm_elem_seg;

typedef struct wasm_data_seg {
    wasm_segmode mode;
    uint32_t memory;
    wasm_constexpr offset;
    const uint8_t *bytes;        /* points into module->bytes */
    uint32_t len;
} wasm_data_seg;

typedef struct wasm_custom {
    char *name;
    const uint8_t *data;         /* points into module->bytes */
    size_t len;
} wasm_custom;

struct wasm_module {
    uint8_t *bytes;              /* owned copy of the binary */
    size_t len;

    wasm_functype *types;   uint32_t ntypes;
    wasm_import *imports;   uint32_t nimports;
    wasm_func *funcs;       uint32_t nfuncs, nfunc_imports;     /* imports first */
    wasm_tabletype *tables; uint32_t ntables, ntable_imports;
    wasm_limits_decl *mems; uint32_t nmems, nmem_imports;
    wasm_global_decl *globals; uint32_t nglobals, nglobal_imports;
    wasm_export *exports;   uint32_t nexports;
    wasm_elem_seg *elems;   uint32_t nelems;
    wasm_data_seg *datas;   uint32_t ndatas;
    bool has_datacount;     uint32_t datacount;
    int64_t start;               /* function index, or -1 */
    wasm_custom *customs;   uint32_t ncustoms;
    bool *func_refable;          /* per function: named in an element segment, export or
                                    global init, so ref.func may take it (spec C.refs) */
    void *jit_region;            /* the module's machine code (jit.h), or NULL: interpreted */
    size_t jit_size;
    const void *jit_enter;       /* the entry trampoline at the start of jit_region */
};

/* Decodes m->bytes into m and validates everything but function bodies (decode.c). */
int wasm_decode(wasm_module *m, wasm_error *err);

/* ---- compiler and interpreter (compile.c / interp.c) -------------------- */

/* Validates function `idx` of `module` and compiles it; sets module->funcs[idx].code.
 * The message names the function index and the byte offset of the failure. */
int wasm_compile_func(wasm_module *module, uint32_t idx, wasm_error *err);
void wasm_code_free(wasm_code *code);

/* Runs `func` on `inst`'s stacks; args in, results out of `slots`. */
wasm_trap wasm_interp_call(wasm_instance *inst, wasm_funcinst *func, uint64_t *slots);

/* ---- runtime objects ----------------------------------------------------- */

struct wasm_memory {
    uint8_t *base;               /* reserved region: never moves, so grow needs no reload */
    uint64_t size;               /* accessible bytes = pages * 64 KiB */
    uint32_t pages, max_pages;   /* max_pages: min(declared max, limit) */
    size_t reserved;             /* bytes of address space reserved at base */
    uint8_t *dirty;              /* one byte per 4 KiB granule of [0, max_pages*64K); set by stores */
    bool has_max;                /* declared max, for import matching */
    uint32_t declared_max;
    uint32_t peak_pages;         /* highest page count since the last snapshot restore */
    uint64_t committed;          /* bytes of [base, ...) already readable and writable */
};

/* Marks [ea, ea+n) dirty: the interpreter's store path, bulk ops and host writes. */
static inline void wasm_mark_dirty(wasm_memory *m, uint64_t ea, uint64_t n)
{
    uint64_t first = ea >> WASM_DIRTY_SHIFT, last = (ea + n - 1) >> WASM_DIRTY_SHIFT;
    if (n == 0) return;
    for (uint64_t g = first; g <= last; g++) m->dirty[g] = 1;
}

/* A failed instantiation kept alive by a table that may hold its functions. */
typedef struct wasm_retained {
    wasm_instance *inst;
    struct wasm_retained *next;
} wasm_retained;

struct wasm_table {
    uint8_t elem;
    uint32_t size, max;          /* max: min(declared max, limit) */
    bool has_max;
    uint32_t declared_max;
    uint64_t *elems;             /* funcref: wasm_funcinst *; externref: host value; 0 = null */
    struct wasm_retained *retained;  /* failed instantiations whose functions it may hold */
    uint64_t *pristine;          /* snapshot instances: the contents to restore, translated */
};

struct wasm_global {
    wasm_globaltype type;
    uint64_t value;
};

struct wasm_funcinst {
    const wasm_functype *type;   /* compare type->canon for call_indirect */
    wasm_instance *inst;         /* owning instance; NULL for host functions */
    const wasm_func *func;       /* defined function; NULL for host functions */
    wasm_host_fn host;
    void *host_env;
};

struct wasm_instance {
    const wasm_module *module;
    wasm_funcinst **funcs;       /* function index space (imports first) */
    wasm_funcinst *own_funcs;    /* storage for this module's defined functions */
    wasm_table **tables;
    wasm_memory **mems;
    wasm_memory *mem0;           /* mems[0] or NULL */
    wasm_global **globals;
    uint8_t *elem_dropped;       /* per element segment */
    uint8_t *data_dropped;       /* per data segment */
    wasm_limits limits;

    /* interp: execution state, reused across calls */
    uint64_t *stack;             /* value stack, limits.value_stack_slots slots */
    void *frames;                /* call frames, limits.max_call_depth of them */
    uint32_t depth;              /* current wasm call depth (includes nested instances) */
    atomic_int interrupt;        /* nonzero: stop at the next loop back-edge or call */
    uint64_t deadline_ns;        /* CLOCK_MONOTONIC; 0 = none */
    size_t stack_top;            /* interp: first free stack slot while a host function runs */
    uintptr_t jit_stack_limit;   /* while compiled code runs: the machine stack it may use down to */

    void *userdata;
    int exit_code;
    char trap_message[256];

    wasm_snapshot *pool_owner;   /* snapshot whose pool this instance returns to */
    wasm_instance *pool_next;

    wasm_trap last_trap;         /* of the last wasm_call, for wasm_instance_trap_message */
    wasm_funcinst *host_funcs;   /* copies of imported host functions (the linker may go first) */
    wasm_global *own_globals;    /* storage for this module's defined globals */
    wasm_memory *own_mem;        /* defined memory, freed with the instance */
    wasm_table *own_tables;      /* storage for this module's defined tables */
    uint32_t nown_tables;        /* so that freeing needs no module (it may be gone) */
    uint32_t retain_count;       /* tables retaining this failed instantiation */
};

/* The slow half of a poll, in both tiers: the interrupt flag is up or the
 * deadline (if any) has passed. */
static inline bool wasm_must_stop(wasm_instance *root)
{
    return atomic_load_explicit(&root->interrupt, memory_order_relaxed) ||
           (root->deadline_ns && wasm_now_ns() >= root->deadline_ns);
}

/* ---- runtime helpers (memory.c, table.c, instance.c) --------------------- */

/* A memory of `pages` pages that may grow to `max_pages`; address space for
 * max_pages is reserved up front so the base never moves. */
wasm_memory *wasm_memory_create(uint32_t pages, uint32_t max_pages, bool has_max,
                                uint32_t declared_max, wasm_error *err);
void wasm_memory_destroy(wasm_memory *memory);     /* frees the mapping, not the struct */
/* Gives the pages of the memory and of its dirty map back to the kernel: all
 * read as zero again.  Size and contents are the caller's to set.  -1 on
 * failure, after which neither is in a known state. */
int wasm_memory_release_pages(wasm_memory *memory);

/* Table storage: create into *t, destroy its elements; grow returns the old
 * size or -1 (new elements are `init`). */
int wasm_table_init_storage(wasm_table *t, uint8_t elem, uint32_t size, uint32_t max,
                            bool has_max, uint32_t declared_max, wasm_error *err);
int64_t wasm_table_grow(wasm_table *t, uint32_t delta, uint64_t init);
/* Frees a table's elements and the instances it retained. */
void wasm_table_destroy(wasm_table *t);

/* The value of a constant expression in `inst` (global.get reads inst's globals). */
uint64_t wasm_const_value(const wasm_instance *inst, const wasm_constexpr *c);

/* table.init and memory.init with the spec's bounds checks; usable by the interpreter. */
wasm_trap wasm_table_init_seg(wasm_instance *inst, uint32_t table, uint32_t seg,
                              uint32_t dst, uint32_t src, uint32_t n);
wasm_trap wasm_memory_init_seg(wasm_instance *inst, uint32_t seg,
                               uint32_t dst, uint32_t src, uint32_t n);

#endif /* WASM_INTERNAL_H */
