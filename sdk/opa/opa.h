/*
 * opa.h - the C SDK's glue for Rego-ABI policies: a C policy built with it is
 * a module the host runs in the `opa` or `gatekeeper` execution mode, exactly
 * as it runs what `opa build -t wasm` produces (spec §2.6, docs/sdk.md).
 *
 * The policy evaluates entrypoint 0 and answers the entrypoint's value as JSON
 * text; the glue exports the OPA ABI around it (builtins, entrypoints,
 * opa_malloc, opa_json_parse/dump, the eval context, eval) and wraps the value
 * into the result set [{"result": <value>}]:
 *
 *     static kw_val violation(kw_val input, kw_val data) { ... }
 *     OPA_POLICY("policy/violation", "{}", violation)
 *
 * The second argument is the builtins() map, {"<builtin name>": id, ...}: the
 * host refuses to load a module listing a builtin it does not implement, and
 * opa_builtin(id, ...) calls one.  Values are kept as JSON text (the kw_val
 * reader of kw.h works on them); the heap is a bump pointer the host may reset
 * (opa_heap_ptr_set), and kw_alloc() allocates from it.
 *
 * Build: clang --target=wasm32-wasi -nostartfiles -Wl,--no-entry
 * -Wl,--import-memory with sdk/opa/opa.c and sdk/json_{read,skip,check,write}.c
 * (not sdk/arena.c, sdk/wapc.c, sdk/host.c: this file replaces them).
 */
#ifndef KW_OPA_H
#define KW_OPA_H

#include "kw.h"

/* The policy: the value of entrypoint 0, or KW_NONE when it is undefined (an empty result set). */
typedef kw_val (*opa_eval_fn)(kw_val input, kw_val data);

/* Defined by OPA_POLICY. */
extern const char *const opa_sdk_entrypoint, *const opa_sdk_builtins;
kw_val opa_sdk_eval(kw_val input, kw_val data);

#define OPA_POLICY(entrypoint, builtins_json, eval_fn)                        \
    const char *const opa_sdk_entrypoint = entrypoint;                       \
    const char *const opa_sdk_builtins = builtins_json;                      \
    kw_val opa_sdk_eval(kw_val input, kw_val data) { return eval_fn(input, data); }

/* Calls host builtin `id` with 0 to 4 JSON arguments; its JSON result. */
kw_val opa_builtin(int id, int nargs, const kw_val *args);

/* The host's opa_println (logged at INFO) and opa_abort (fails the evaluation). */
void opa_print(const char *message);
_Noreturn void opa_fail(const char *message);

#endif
