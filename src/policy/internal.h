/*
 * internal.h - what the policy layer's files share.
 *
 *   runtime.c      policy_runtime: config, the two linkers, the module cache, logging
 *   module.c       policy_module: compile, instantiate, init, snapshot; protocol_version
 *   policy.c       policy: options (settings, timeout, allow-lists); evaluation entry points
 *   wapc.c         the waPC host (`wapc` imports) and the __guest_call sequence
 *   wasi_policy.c  WASI command policies: argv, stdin/stdout, `host.call`
 *   capability.c   hostCapabilities patterns, gating rules and dispatch (spec §2.4)
 *   outcome.c      ValidationResponse / SettingsValidationResponse -> results
 *   response.c     policy_response helpers and the AdmissionResponse writer
 *   util.c         UTF-8 check, clocks, arena strings
 *   opa*.c         Rego policies (opa, gatekeeper modes): opa_internal.h
 */
#ifndef POLICY_INTERNAL_H
#define POLICY_INTERNAL_H

#include <pthread.h>

#include "policy.h"
#include "wasi.h"
#include "wasm.h"

#define POLICY_DEFAULT_TIMEOUT_MS 2000u

struct policy_runtime {
    policy_runtime_config cfg;
    wasm_linker *wapc_linker;        /* wapc.* + WASI preview1 */
    wasm_linker *wasi_linker;        /* WASI preview1 + host.call (and its Javy alias) */
    pthread_mutex_t lock;            /* guards `modules` and every module's refs */
    policy_module *modules;          /* loaded modules, for sharing identical bytes */
};

struct policy_module {
    policy_runtime *rt;
    policy_module *next;
    int refs;
    char digest[65];
    policy_exec_mode mode;
    json_arena *meta_arena;          /* holds meta.doc */
    policy_metadata meta;
    wasm_module *wasm;
    wasm_snapshot *snapshot;
    struct opa_module *opa;          /* opa and gatekeeper modes only (opa.c) */
};

typedef struct capability_pattern {
    char *path;                      /* "oci/v1/verify", or a prefix ending in '/' */
    bool prefix;
} capability_pattern;

struct policy {
    policy_module *module;
    char *id;
    char *settings;                  /* serialised once; "{}" when none */
    size_t settings_len;
    uint64_t timeout_ns;             /* 0: no deadline */
    bool allow_all_capabilities;
    capability_pattern *patterns;
    size_t n_patterns;
    policy_resource *resources;      /* contextAwareResources (owned copies) */
    size_t n_resources;
    bool raw;
};

/*
 * The state of one guest run, reachable from the instance's userdata.  Lives on
 * the evaluating thread's stack; every byte it keeps is in `arena`.
 */
typedef struct eval_ctx {
    wasi_ctx wasi;                   /* first: the WASI host finds it through userdata */
    policy_runtime *rt;
    const policy *policy;            /* NULL while a module initialises */
    json_arena *arena;
    /* the pending waPC invocation */
    const char *op;
    size_t op_len;
    const char *msg;
    size_t msg_len;
    /* what the guest and the host handed each other (waPC) */
    const char *guest_response, *guest_error, *host_response, *host_error;
    size_t guest_response_len, guest_error_len, host_response_len, host_error_len;
} eval_ctx;

void eval_ctx_init(eval_ctx *e, policy_runtime *rt, const policy *p, json_arena *a);
void eval_ctx_free(eval_ctx *e);
const char *eval_policy_id(const eval_ctx *e);

static inline bool exec_mode_is_rego(policy_exec_mode mode)
{
    return mode == POLICY_EXEC_OPA || mode == POLICY_EXEC_GATEKEEPER;
}

/* ---- opa.c (the rest is in opa_internal.h) ---- */
/* policy_validate() of a Rego policy (rego settings are always valid, spec §2.6). */
int opa_validate(const policy *p, json_arena *a, const json_value *request, const char *request_text,
                 size_t request_text_len, policy_response *out);

/* ---- module.c ---- */
void policy_module_retain(policy_module *m);

/* ---- runtime.c ---- */
void policy_log(policy_runtime *rt, policy_log_level level, const char *policy_id,
                const char *message, const char *extra_json);
uint64_t policy_default_timeout_ns(const policy_runtime *rt);

/* ---- the outcome of one guest run ---- */
typedef enum run_status {
    RUN_OK,                          /* output holds the guest's answer */
    RUN_FAILED,                      /* failure holds the text (guest error, trap, stderr) */
    RUN_TIMEOUT,                     /* the deadline stopped it */
    RUN_NO_MEMORY,
} run_status;

typedef struct run_result {
    run_status status;
    const char *output;              /* NUL-terminated, in the arena */
    size_t output_len;
    const char *failure;             /* NUL-terminated, in the arena */
    uint64_t instantiate_ns, run_ns;
} run_result;

/* ---- policy.c ---- */
/* A fresh sandbox of `m` from its snapshot; NULL with out->status and out->failure set. */
wasm_instance *eval_sandbox_new(eval_ctx *e, const policy_module *m, run_result *out);
/* Arms the deadline for one guest entry (spec §1.10: before each init function and each call). */
void eval_arm_deadline(eval_ctx *e, wasm_instance *inst, uint64_t timeout_ns);
/* Runs validate (or the settings validation) of the policy's protocol on a fresh sandbox. */
void policy_run(eval_ctx *e, const policy *p, bool settings_op, const char *input, size_t len,
                run_result *out);

/* ---- wapc.c ---- */
int wapc_define(wasm_linker *linker);
/* Runs `_start` then `wapc_init` (when exported) on a new instance; err names the failure. */
int wapc_init_instance(eval_ctx *e, wasm_instance *inst, uint64_t timeout_ns, char *err, size_t errlen);
/* One __guest_call on a fresh sandbox of `m`. */
void wapc_run(eval_ctx *e, const policy_module *m, uint64_t timeout_ns, const char *op,
              const char *payload, size_t payload_len, run_result *out);

/* ---- wasi_policy.c ---- */
int wasi_policy_define(wasm_linker *linker);
/* One `_start` of a fresh sandbox with argv[1] = `command` and stdin = `input`. */
void wasi_policy_run(eval_ctx *e, const policy_module *m, uint64_t timeout_ns, const char *command,
                     const char *input, size_t input_len, run_result *out);

/* ---- capability.c ---- */
/* Parses and validates the hostCapabilities list into `p`.  -1 with a message. */
int capability_patterns_parse(policy *p, const char *const *list, size_t n, char *err, size_t errlen);
/*
 * One guest -> host call, from the eight i32 arguments both hosts share
 * (binding, namespace, operation and payload as pointer/length pairs), through
 * the gating rules to a reply.  Returns 0 with the reply or 1 with the error
 * text (both NUL-terminated, in e->arena), or -1 when the host function must
 * trap (bad guest pointer, name not UTF-8, out of memory) with *trap set.
 */
int capability_call(eval_ctx *e, wasm_instance *inst, const uint64_t *args, const char **out, size_t *out_len,
                    wasm_trap *trap);

/* ---- util.c ---- */
bool utf8_valid(const char *s, size_t len);
uint64_t monotonic_ns(void);
/* Arena copy with a terminating NUL (NULL out of memory). */
char *arena_strndup(json_arena *a, const char *s, size_t len);
/* printf into the arena (NULL out of memory). */
char *arena_printf(json_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Copies guest memory [ptr, ptr+len) into the arena with a NUL; NULL when out of bounds or no memory. */
char *guest_strndup(json_arena *a, wasm_instance *inst, uint32_t ptr, uint32_t len);
/* Sets the instance's trap message; returns WASM_TRAP_HOST for a host function to return. */
wasm_trap host_trap(wasm_instance *inst, const char *message);
/* guest_strndup() that also checks UTF-8 when `utf8_what` names the string; on
 * failure NULL, with *trap set to the trap a host function returns. */
char *guest_string(json_arena *a, wasm_instance *inst, uint32_t ptr, uint32_t len, const char *utf8_what,
                   wasm_trap *trap);

#endif
