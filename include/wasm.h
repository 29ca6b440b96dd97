/*
 * wasm.h - the WebAssembly engine: decode, validate, compile, run, snapshot.
 *
 * Feature set: WebAssembly 2.0 without SIMD (MVP, sign-extension, non-trapping
 * float-to-int, multi-value, mutable-global import/export, bulk memory, reference
 * types).  Nothing here knows about Kubernetes, WASI or waPC: those are hosts that
 * register imports through a wasm_linker.
 *
 * Life cycle:
 *
 *   wasm_module   decoded, validated and compiled once; immutable afterwards and
 *                 shared by any number of threads without locks.
 *   wasm_linker   the embedder's imports (host functions, memories, tables,
 *                 globals, other instances' exports); resolved at instantiation.
 *   wasm_instance one sandbox: its own memory, tables, globals, stacks.  Used by one
 *                 thread at a time.
 *   wasm_snapshot the state of an initialised instance (after data/element
 *                 segments, the start function and whatever the embedder ran).
 *                 wasm_snapshot_instantiate() gives a fresh instance in that state
 *                 at a cost that grows with what the previous user touched, not
 *                 with the memory size.
 *
 * Values cross the API as 64-bit slots (uint64_t): i32 and f32 in the low 32
 * bits (floats as raw IEEE bits, so NaN payloads survive), i64 and f64 as all 64
 * bits, references as pointers (0 is null).
 *
 * Errors: functions that can fail take a wasm_error * (may be NULL) and return
 * NULL or -1; the message names what failed and where (function index, byte
 * offset, import name).  Execution failures are traps: values, never crashes.
 */
#ifndef WASM_H
#define WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Value types, numbered as in the binary format. */
typedef enum wasm_valtype {
    WASM_I32 = 0x7f,
    WASM_I64 = 0x7e,
    WASM_F32 = 0x7d,
    WASM_F64 = 0x7c,
    WASM_V128 = 0x7b,      /* never accepted: SIMD is not supported */
    WASM_FUNCREF = 0x70,
    WASM_EXTERNREF = 0x6f,
} wasm_valtype;

/* Kinds of imports and exports, numbered as in the binary format. */
typedef enum wasm_externkind {
    WASM_EXTERN_FUNC = 0,
    WASM_EXTERN_TABLE = 1,
    WASM_EXTERN_MEMORY = 2,
    WASM_EXTERN_GLOBAL = 3,
} wasm_externkind;

/* Why execution stopped.  WASM_OK means it did not. */
typedef enum wasm_trap {
    WASM_OK = 0,
    WASM_TRAP_UNREACHABLE,          /* "unreachable" */
    WASM_TRAP_MEMORY_OOB,           /* "out of bounds memory access" */
    WASM_TRAP_TABLE_OOB,            /* "out of bounds table access" */
    WASM_TRAP_DIV_ZERO,             /* "integer divide by zero" */
    WASM_TRAP_INT_OVERFLOW,         /* "integer overflow" */
    WASM_TRAP_INVALID_CONVERSION,   /* "invalid conversion to integer" */
    WASM_TRAP_INDIRECT_MISMATCH,    /* "indirect call type mismatch" */
    WASM_TRAP_UNDEFINED_ELEMENT,    /* "undefined element" */
    WASM_TRAP_UNINITIALIZED_ELEMENT,/* "uninitialized element" */
    WASM_TRAP_STACK_EXHAUSTED,      /* "call stack exhausted" */
    WASM_TRAP_INTERRUPTED,          /* "interrupted": flag or deadline */
    WASM_TRAP_EXIT,                 /* a host function asked to stop (e.g. WASI proc_exit) */
    WASM_TRAP_HOST,                 /* a host function failed; see wasm_instance_trap_message() */
    WASM_TRAP_COUNT
} wasm_trap;

/* The spec's text for a trap ("integer divide by zero", ...). */
const char *wasm_trap_string(wasm_trap trap);

typedef struct wasm_error {
    char message[512];
    wasm_trap trap;        /* set when instantiation failed because the start function trapped */
} wasm_error;

typedef struct wasm_module wasm_module;
typedef struct wasm_instance wasm_instance;
typedef struct wasm_linker wasm_linker;
typedef struct wasm_snapshot wasm_snapshot;
typedef struct wasm_funcinst wasm_funcinst;   /* a function: what a funcref points to */
typedef struct wasm_memory wasm_memory;
typedef struct wasm_table wasm_table;
typedef struct wasm_global wasm_global;

/* Per-instance limits.  Zero fields take the defaults noted. */
typedef struct wasm_limits {
    uint32_t max_memory_pages;   /* 64 KiB pages; default 16384 (1 GiB) */
    uint32_t max_table_elems;    /* default 1000000 */
    uint32_t max_call_depth;     /* wasm frames; default 10000 */
    uint32_t value_stack_slots;  /* 64-bit slots; default 1 << 20 */
    uint32_t start_timeout_ms;   /* budget of the start function in wasm_instantiate; 0 = none */
} wasm_limits;

/* ---- modules ---------------------------------------------------------- */

/* Decodes, validates and compiles.  The bytes are copied; the caller may free them. */
wasm_module *wasm_module_load(const uint8_t *bytes, size_t len, wasm_error *err);
void wasm_module_free(wasm_module *module);
/* How the module's code runs: "jit" (compiled to machine code at load, on
 * x86-64 Linux) or "interp" (the interpreter: other machines, or the
 * environment variable KW_WASM_TIER=interp at load). */
const char *wasm_module_tier(const wasm_module *module);

typedef struct wasm_functype_info {
    uint32_t nparams, nresults;
    const uint8_t *params;      /* wasm_valtype bytes */
    const uint8_t *results;
} wasm_functype_info;

typedef struct wasm_import_info {
    const char *module, *name;
    wasm_externkind kind;
    wasm_functype_info func;    /* kind == WASM_EXTERN_FUNC */
    /* MEMORY: limits in 64 KiB pages; TABLE: elem type and limits in elements;
     * GLOBAL: value type and mutability.  What a host needs to create a
     * matching object (e.g. OPA's env.memory). */
    uint32_t min, max;
    bool has_max, mutable_;
    wasm_valtype type;
} wasm_import_info;

typedef struct wasm_export_info {
    const char *name;
    wasm_externkind kind;
    uint32_t index;
    wasm_functype_info func;    /* kind == WASM_EXTERN_FUNC */
} wasm_export_info;

uint32_t wasm_module_import_count(const wasm_module *module);
void wasm_module_import(const wasm_module *module, uint32_t i, wasm_import_info *out);
uint32_t wasm_module_export_count(const wasm_module *module);
void wasm_module_export(const wasm_module *module, uint32_t i, wasm_export_info *out);
/* -1 when there is no such export of that kind. */
int64_t wasm_module_find_export(const wasm_module *module, const char *name, wasm_externkind kind);
/* The same for a name of `len` bytes, which may contain NUL bytes. */
int64_t wasm_module_find_export_len(const wasm_module *module, const char *name, size_t len,
                                    wasm_externkind kind);

/* The first custom section called `name`, or NULL.  Points into the module. */
const uint8_t *wasm_module_custom_section(const wasm_module *module, const char *name, size_t *len);

/* ---- host objects and the linker -------------------------------------- */

/*
 * A host function.  `caller` is the instance that made the call (its memory is
 * what pointers in `args` refer to).  Write the results to `results` and return
 * WASM_OK, or return a trap: WASM_TRAP_EXIT (after wasm_instance_set_exit_code)
 * or WASM_TRAP_HOST (after wasm_instance_set_trap_message).
 */
typedef wasm_trap (*wasm_host_fn)(wasm_instance *caller, void *env,
                                  const uint64_t *args, uint64_t *results);

wasm_linker *wasm_linker_new(void);
void wasm_linker_free(wasm_linker *linker);

/* The latest definition of a (module, name) pair wins.  Return 0, or -1 when out of
 * memory or given a NULL function or object. */
int wasm_linker_define_func(wasm_linker *linker, const char *module, const char *name,
                            const wasm_valtype *params, uint32_t nparams,
                            const wasm_valtype *results, uint32_t nresults,
                            wasm_host_fn fn, void *env);
int wasm_linker_define_memory(wasm_linker *linker, const char *module, const char *name,
                              wasm_memory *memory);
int wasm_linker_define_table(wasm_linker *linker, const char *module, const char *name,
                             wasm_table *table);
int wasm_linker_define_global(wasm_linker *linker, const char *module, const char *name,
                              wasm_global *global);
/* Every export of `instance`, under module name `module` (the spec's `register`). */
int wasm_linker_define_instance(wasm_linker *linker, const char *module, wasm_instance *instance);

/* Host-created objects (OPA's env.memory, the spec tests' `spectest` module).
 * The caller frees them after every instance that imports them. */
wasm_memory *wasm_memory_new(uint32_t min_pages, uint32_t max_pages, bool has_max, wasm_error *err);
void wasm_memory_free(wasm_memory *memory);
wasm_table *wasm_table_new(wasm_valtype elem, uint32_t min, uint32_t max, bool has_max, wasm_error *err);
void wasm_table_free(wasm_table *table);
wasm_global *wasm_global_new(wasm_valtype type, bool mutable_, uint64_t value);
void wasm_global_free(wasm_global *global);
uint64_t wasm_global_get(const wasm_global *global);

/* ---- instances -------------------------------------------------------- */

/*
 * Resolves imports (a missing or mistyped import fails with a message naming it),
 * creates memories/tables/globals, applies element and data segments and runs the
 * start function.  `limits` may be NULL.  If the start function traps the
 * instance is not created and err->trap says why.
 */
wasm_instance *wasm_instantiate(const wasm_module *module, const wasm_linker *linker,
                                const wasm_limits *limits, wasm_error *err);
/* Frees an instance; one made from a snapshot goes back to the snapshot's pool. */
void wasm_instance_free(wasm_instance *instance);

const wasm_module *wasm_instance_module(const wasm_instance *instance);
void wasm_instance_set_userdata(wasm_instance *instance, void *userdata);
void *wasm_instance_userdata(const wasm_instance *instance);

/* Exports by name; NULL when missing or of another kind. */
wasm_funcinst *wasm_instance_export_func(const wasm_instance *instance, const char *name);
wasm_memory *wasm_instance_export_memory(const wasm_instance *instance, const char *name);
wasm_table *wasm_instance_export_table(const wasm_instance *instance, const char *name);
wasm_global *wasm_instance_export_global(const wasm_instance *instance, const char *name);
/* A function export whose name (of `len` bytes) may contain NUL bytes. */
wasm_funcinst *wasm_instance_export_func_len(const wasm_instance *instance, const char *name, size_t len);

void wasm_funcinst_type(const wasm_funcinst *func, wasm_functype_info *out);

/*
 * Calls a function.  `args` holds the parameters; on WASM_OK `results` holds the
 * results (either may be NULL when the count is zero; they may alias).  Any trap
 * leaves the process and every other instance intact; after a trap other than
 * WASM_TRAP_EXIT the instance's state is whatever the guest left.
 */
wasm_trap wasm_call(wasm_instance *instance, wasm_funcinst *func,
                    const uint64_t *args, uint64_t *results);

/* Text for the last trap of this instance (the spec text, or a host's message). */
const char *wasm_instance_trap_message(const wasm_instance *instance);
void wasm_instance_set_trap_message(wasm_instance *instance, const char *message);
void wasm_instance_set_exit_code(wasm_instance *instance, int code);
int wasm_instance_exit_code(const wasm_instance *instance);

/*
 * Interruption.  wasm_instance_interrupt() may be called from any thread (or a
 * signal handler); the running code stops with WASM_TRAP_INTERRUPTED within a
 * millisecond, even in `loop br 0` or deep recursion.  The flag stays set until
 * cleared.  A deadline (CLOCK_MONOTONIC nanoseconds, 0 = none) does the same
 * without another thread.
 */
void wasm_instance_interrupt(wasm_instance *instance);
void wasm_instance_clear_interrupt(wasm_instance *instance);
void wasm_instance_set_deadline(wasm_instance *instance, uint64_t monotonic_ns);

/* ---- memory access for hosts ------------------------------------------ */

/* Memory 0 of the instance (defined or imported), or NULL. */
wasm_memory *wasm_instance_memory(const wasm_instance *instance);
uint8_t *wasm_memory_data(const wasm_memory *memory);
uint64_t wasm_memory_size(const wasm_memory *memory);          /* bytes */
/* Old size in pages, or -1 when the limits refuse. */
int64_t wasm_memory_grow(wasm_memory *memory, uint32_t delta_pages);

/*
 * Bounds-checked copies between host and guest memory.  Return 0, or -1 when
 * [offset, offset+len) is outside the memory.  Hosts must write through
 * wasm_memory_write() (or call wasm_memory_mark_dirty() after writing through the
 * data pointer) so that snapshot restores see the write.
 */
int wasm_memory_read(const wasm_memory *memory, uint64_t offset, void *dst, size_t len);
int wasm_memory_write(wasm_memory *memory, uint64_t offset, const void *src, size_t len);
void wasm_memory_mark_dirty(wasm_memory *memory, uint64_t offset, size_t len);

/* ---- tables and globals for hosts ------------------------------------- */

uint32_t wasm_table_size(const wasm_table *table);
/* 0, or -1 out of bounds. */
int wasm_table_get(const wasm_table *table, uint32_t index, uint64_t *ref);

/* ---- snapshots -------------------------------------------------------- */

/*
 * Captures memory, globals, tables and segment state of an instance that has
 * defined (not imported) tables.  The instance stays usable.  Instances made
 * from the snapshot share its imports (host functions, globals), except an
 * imported memory: each instance gets a private copy of it.
 */
wasm_snapshot *wasm_snapshot_take(wasm_instance *instance, wasm_error *err);
wasm_instance *wasm_snapshot_instantiate(wasm_snapshot *snapshot, wasm_error *err);
/* Frees the snapshot and its pooled instances; live instances must be freed first. */
void wasm_snapshot_free(wasm_snapshot *snapshot);

#ifdef __cplusplus
}
#endif
#endif /* WASM_H */
