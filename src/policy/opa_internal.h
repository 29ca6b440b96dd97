/*
 * opa_internal.h - what the Rego (OPA / Gatekeeper) files of the policy layer
 * share (spec §2.6; docs/policy.md "Rego policies").
 *
 *   opa.c           the module: host imports, setup, snapshot; one evaluation
 *   opa_result.c    the result set -> policy_response (OPA and Gatekeeper)
 *   opa_builtins.c  the builtins the host implements, by name (the table)
 *   opa_url.c       urlquery.* builtins
 *   opa_time.c      time.* builtins
 *   opa_patch.c     RFC 6902 apply (the json.patch builtin)
 *   opa_sprintf.c   Go fmt for the sprintf builtin
 */
#ifndef POLICY_OPA_INTERNAL_H
#define POLICY_OPA_INTERNAL_H

#include "internal.h"

#define OPA_MSG_GATEKEEPER_RAW "internal server error: Gatekeeper does not support raw validation requests"

/* The builtins a host function may run: what they need besides their arguments. */
typedef struct opa_builtin_env {
    json_arena *arena;               /* results and scratch */
    policy_runtime *rt;              /* for trace */
    const char *policy_id;
} opa_builtin_env;

/*
 * A builtin: `args` has the definition's arity.  Returns NULL with *out set, or
 * an error text (in the arena or static) that fails the evaluation.
 */
typedef const char *(*opa_builtin_fn)(const opa_builtin_env *env, const json_value *const *args,
                                      json_value **out);

typedef struct opa_builtin_def {
    const char *name;
    uint32_t arity;
    opa_builtin_fn fn;
} opa_builtin_def;

/* The host's implementation of a builtin, or NULL. */
const opa_builtin_def *opa_builtin_find(const char *name);

/* For the builtins: fail unless argument i is a string (OPA numbers operands from 1). */
#define OPA_ARG_STRING(i, what) \
    if (args[i]->type != JSON_STRING) return arena_printf(env->arena, "operand %d must be a string (%s)", i + 1, what)
/* The buffer as a JSON string result (the buffer is freed). */
const char *opa_string_result(const opa_builtin_env *env, json_buf *b, json_value **out);
/* 0-15 for a hex digit, else -1. */
int opa_hex_digit(char c);

/* opa_url.c: urlquery.encode, .decode, .encode_object, .decode_object (Go's net/url) */
const char *opa_urlquery_encode(const opa_builtin_env *env, const json_value *const *args, json_value **out);
const char *opa_urlquery_decode(const opa_builtin_env *env, const json_value *const *args, json_value **out);
const char *opa_urlquery_encode_object(const opa_builtin_env *env, const json_value *const *args, json_value **out);
const char *opa_urlquery_decode_object(const opa_builtin_env *env, const json_value *const *args, json_value **out);
/* opa_time.c: time.now_ns, time.parse_rfc3339_ns, time.date */
const char *opa_time_now_ns(const opa_builtin_env *env, const json_value *const *args, json_value **out);
const char *opa_time_parse_rfc3339_ns(const opa_builtin_env *env, const json_value *const *args, json_value **out);
const char *opa_time_date(const opa_builtin_env *env, const json_value *const *args, json_value **out);

/* Per module: what the setup learnt (builtin ids -> host definitions). */
struct opa_module {
    wasm_linker *linker;             /* env.opa_* host functions + env.memory */
    wasm_memory *memory;             /* the template's memory (the snapshot copies it) */
    const opa_builtin_def **builtins;/* by builtin id; NULL for ids the module does not use */
    uint32_t n_builtins;
    uint32_t base_heap;              /* opa_heap_ptr_get() after setup */
};

/* ---- opa.c ---- */
/* Compiles nothing: m->wasm is loaded; instantiates, runs the setup, snapshots. */
int opa_module_prepare(policy_module *m, char *err, size_t errlen);
void opa_module_free(struct opa_module *om);

/* ---- opa_result.c ---- */
/* Interprets the result set text of eval; fills `out` (uid already set).  -1 out of memory. */
int opa_result_interpret(const policy *p, json_arena *a, const char *result_set, size_t len,
                         policy_response *out);

/* ---- opa_patch.c ---- */
/* Applies an RFC 6902 patch (array of operations) to a copy of `doc`; NULL with *why on failure. */
json_value *opa_json_patch_apply(json_arena *a, const json_value *doc, const json_value *patch, const char **why);

/* ---- opa_sprintf.c ---- */
/* Go's fmt.Sprintf for Rego values; NULL with *why on a bad format or argument. */
const char *opa_sprintf(json_arena *a, const char *format, const json_value *args, const char **why);

#endif
