/*
 * policy.h - policy evaluation: load Kubewarden policy modules (waPC or WASI),
 * validate their settings, evaluate admission requests in a fresh sandbox each
 * time, build the AdmissionResponse and post-process it (monitor mode, mutation
 * gate, custom messages: spec §1.8).  Nothing here knows about HTTP: the
 * embedder (policy-server, kwctl) owns transport and logging.
 *
 * Objects, from long-lived to per-request:
 *
 *   policy_runtime  one per process: the embedder's log callback, the host
 *                   capability backends and the default timeout.  Thread-safe.
 *   policy_module   one per unique module (SHA-256 of the bytes): compiled once,
 *                   instantiated once with its init (`_start`, then `wapc_init`
 *                   for waPC) and snapshotted.  Loading the same bytes twice
 *                   returns the same module with a reference added.
 *   policy          one per policy id: a module plus that id's options
 *                   (settings serialised once, timeout, host-capability
 *                   allow-list, context-aware resources, raw).  Immutable;
 *                   evaluate it from any number of threads at once.
 *   policy_response what one evaluation answers: a plain struct the embedder may
 *                   edit before writing it with policy_response_write().
 *
 * Memory: every string and JSON value a call returns lives in the json_arena the
 * caller passes; nothing needs freeing but the arena (reset between requests).
 *
 * Errors: load-time functions take `char *err, size_t errlen` and return NULL or
 * -1 with a message naming what failed.  Evaluation never fails that way: guest
 * errors, traps and timeouts become rejections with code 500 (spec §2.3), so
 * policy_validate() only returns -1 when the host itself ran out of memory.
 */
#ifndef POLICY_H
#define POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- metadata (src/policy/metadata.c; spec §2.8) ------------------------ */

typedef enum { POLICY_EXEC_WAPC, POLICY_EXEC_WASI, POLICY_EXEC_OPA, POLICY_EXEC_GATEKEEPER } policy_exec_mode;

typedef struct policy_metadata {
    bool present;                       /* the module has an io.kubewarden.metadata section */
    policy_exec_mode execution_mode;    /* default POLICY_EXEC_WAPC */
    char protocol_version[16];          /* "v1", "Unknown" or "" */
    bool mutating, background_audit, raw;   /* raw: policyType raw */
    const json_value *doc;              /* the whole metadata JSON, in the caller's arena */
} policy_metadata;

/* Reads the metadata section straight from the module bytes (no engine needed).
 * A module without the section gives 0 with out->present = false. */
int policy_metadata_read(json_arena *a, const uint8_t *wasm, size_t len, policy_metadata *out,
                         char *err, size_t errlen);

#define POLICY_METADATA_SECTION "io.kubewarden.metadata"

/* "kubewarden-wapc", "wasi", "opa", "gatekeeper". */
const char *policy_exec_mode_name(policy_exec_mode mode);
/* A metadata executionMode, or kwctl -e's "kubewarden" for waPC; -1 if unknown. */
int policy_exec_mode_parse(const char *name, policy_exec_mode *out);
/* True when the module exports opa_* names (Rego built with `opa build -t wasm`). */
bool policy_module_is_rego(const uint8_t *wasm, size_t len);

/* For `kwctl annotate` (metadata.yml -> section):
 * normalize: the known fields in upstream's order with defaults filled in
 *   (annotations as a sorted string map, contextAwareResources a sorted set);
 * validate: spec §2.8 (rule lists non-empty, `*` alone, resource wildcards,
 *   known operations, waPC with protocolVersion Unknown refused), -1 with a
 *   message naming the field;
 * write: a copy of the module into `out` whose io.kubewarden.metadata sections
 *   are replaced by one holding `json`, with imports from `kubewarden:javy/host`
 *   renamed `host`. */
json_value *policy_metadata_normalize(json_arena *a, const json_value *doc, char *err, size_t errlen);
int policy_metadata_validate(const json_value *doc, char *err, size_t errlen);
int policy_metadata_write(const uint8_t *wasm, size_t len, const char *json, size_t json_len, json_buf *out,
                          char *err, size_t errlen);

/* ---- runtime: logging, host capabilities, defaults ---------------------- */

typedef enum {
    POLICY_LOG_TRACE, POLICY_LOG_DEBUG, POLICY_LOG_INFO, POLICY_LOG_WARN, POLICY_LOG_ERROR
} policy_log_level;

/*
 * Guest and evaluator log lines.  `policy_id` is the policy's id (or "" at module
 * load), `extra_json` the other fields of a guest `tracing/log` event as a JSON
 * object text, or NULL.  Called from evaluation threads: must be thread-safe.
 */
typedef void (*policy_log_fn)(void *ctx, policy_log_level level, const char *policy_id,
                              const char *message, const char *extra_json);

/* Host-capability namespaces a backend can serve (`tracing` is built in). */
typedef enum {
    POLICY_CAP_KUBERNETES, POLICY_CAP_OCI, POLICY_CAP_NET, POLICY_CAP_CRYPTO, POLICY_CAP_COUNT
} policy_capability;

typedef struct policy_host_call {
    const char *policy_id;
    const char *ns, *op;                /* e.g. "kubernetes", "get_resource" */
    const json_value *payload;          /* parsed payload (already validated as JSON) */
    const char *payload_text;           /* the payload bytes as the guest sent them */
    size_t payload_len;
} policy_host_call;

/*
 * A backend answers a call that passed the gating rules of spec §2.4.  Write the
 * JSON reply to `reply` and return 0, or write an error text to `reply` and return
 * -1 (the guest then receives "Callback evaluation failure: <text>").  `a` is the
 * evaluation's arena, for scratch values.  Runs on the evaluation thread.
 */
typedef int (*policy_backend_fn)(void *ctx, json_arena *a, const policy_host_call *call, json_buf *reply);

typedef struct policy_backend {
    policy_backend_fn fn;               /* NULL: the namespace answers "not available" */
    void *ctx;
} policy_backend;

typedef struct policy_runtime_config {
    policy_log_fn log;                  /* NULL: guest logs are dropped */
    void *log_ctx;
    policy_backend backends[POLICY_CAP_COUNT];
    uint32_t timeout_ms;                /* default per-evaluation timeout; 0 = 2000 ms */
    bool disable_timeout;               /* no deadline unless a policy sets its own timeout_ms */
    uint32_t max_memory_mib;            /* linear memory per sandbox; 0 = the engine's default (1 GiB) */
} policy_runtime_config;

typedef struct policy_runtime policy_runtime;

/* `cfg` is copied; NULL gives the defaults. */
policy_runtime *policy_runtime_new(const policy_runtime_config *cfg, char *err, size_t errlen);
/* Every module loaded from it must have been released first. */
void policy_runtime_free(policy_runtime *rt);

/* ---- modules -------------------------------------------------------------- */

typedef struct policy_module_options {
    bool force_mode;                    /* use `mode` instead of the metadata's (kwctl -e) */
    policy_exec_mode mode;
} policy_module_options;

typedef struct policy_module policy_module;

/*
 * Reads the metadata, compiles, instantiates with the mode's host imports, runs
 * the init functions under the runtime's default timeout and snapshots the
 * result.  `opts` may be NULL.  Identical bytes (with the same mode) give the same
 * module, with a reference added.  Errors name the step: "invalid module: ...",
 * "Initialization failed: wapc_init init interrupted, execution deadline
 * exceeded", "execution mode opa is not supported yet", ...
 */
policy_module *policy_module_load(policy_runtime *rt, const uint8_t *wasm, size_t len,
                                  const policy_module_options *opts, char *err, size_t errlen);
/* Drops a reference; the last one frees the module. */
void policy_module_release(policy_module *m);

/* The metadata read at load (present = false when the module has none). */
const policy_metadata *policy_module_metadata(const policy_module *m);
policy_exec_mode policy_module_mode(const policy_module *m);
/* "jit" when the module runs compiled to machine code, "interp" in the interpreter. */
const char *policy_module_engine_tier(const policy_module *m);
/* Lower-case hex SHA-256 of the module bytes (64 characters). */
const char *policy_module_digest(const policy_module *m);

/*
 * Calls the waPC `protocol_version` operation (kwctl annotate) on a fresh
 * sandbox.  Gives "v1" (or whatever JSON string the guest answered) in `out`; for
 * non-waPC modules gives "Unknown".  -1 with a message when the guest fails.
 */
int policy_module_protocol_version(policy_module *m, char *out, size_t outlen, char *err, size_t errlen);

/* ---- policies (a module + one id's options) ------------------------------ */

typedef struct policy_resource {
    const char *api_version, *kind;     /* exact match, e.g. "v1", "Namespace" */
} policy_resource;

typedef struct policy_options {
    const char *id;                     /* for logs and messages */
    const json_value *settings;         /* NULL: {} ; serialised once here */
    uint32_t timeout_ms;                /* 0: the runtime's */
    /* hostCapabilities (spec §2.4): NULL = absent = deny all but `tracing`;
     * patterns are validated here (an unknown path is an error). */
    const char *const *host_capabilities;
    size_t n_host_capabilities;
    const policy_resource *context_aware_resources;
    size_t n_context_aware_resources;
    int raw;                            /* -1: from metadata (policyType raw), 0/1: forced (kwctl --raw) */
} policy_options;

typedef struct policy policy;

/* Adds a reference to `m`.  Errors: "invalid host capability pattern '<p>': ..." */
policy *policy_new(policy_module *m, const policy_options *opts, char *err, size_t errlen);
void policy_free(policy *p);
const char *policy_id(const policy *p);
bool policy_is_raw(const policy *p);

/* ---- results ------------------------------------------------------------- */

typedef struct policy_settings_result {
    bool valid;
    const char *message;                /* NULL when the guest gave none */
} policy_settings_result;

/*
 * Runs `validate_settings` (waPC) or `validate-settings` (WASI) with the policy's
 * settings.  Guest failures give valid = false with the spec's message
 * ("Error invoking settings validation callback: ...").  -1 only out of memory.
 */
int policy_validate_settings(const policy *p, json_arena *a, policy_settings_result *out);

typedef struct policy_status_cause {
    const char *reason, *message, *field;   /* NULL is written as null */
} policy_status_cause;

/*
 * The AdmissionResponse of spec §1.7.  NULL pointers / false flags are "absent".
 * patchType is written as "JSONPatch" whenever `patch` is set.
 */
typedef struct policy_response {
    const char *uid;
    bool allowed;
    const char *patch;                  /* base64 (standard, padded) of the RFC 6902 patch */
    bool has_status;                    /* status object written at all */
    struct {
        const char *message;
        bool has_code;
        int code;
        policy_status_cause *causes;    /* status.details.causes, written when n_causes > 0 */
        size_t n_causes;
    } status;
    const json_value *audit_annotations;/* object; NULL -> "auditAnnotations":null */
    const json_value *warnings;         /* array of strings; NULL -> "warnings":null */
    /* diagnostics, never written: time to get the fresh sandbox and to run the guest */
    uint64_t instantiate_ns, run_ns;
} policy_response;

/*
 * Evaluates one request in a fresh sandbox.  `request` is the AdmissionRequest
 * (or, for a raw policy, the whole raw document).  When `request_text` is given
 * it must be the JSON text of `request` and is passed to the guest verbatim;
 * otherwise `request` is serialised.  `request` may hold lazy values
 * (json_parse_lazy): the diff of a mutation expands them.  Results live in `a`.
 * Returns 0; -1 only when the host ran out of memory (or `request` is NULL).
 */
int policy_validate(const policy *p, json_arena *a, const json_value *request,
                    const char *request_text, size_t request_text_len, policy_response *out);
/* policy_validate() of a document that came through the raw endpoint
 * (/validate_raw): the same, except that a Gatekeeper policy refuses it with
 * "internal server error: Gatekeeper does not support raw validation requests"
 * (spec §2.6). */
int policy_validate_raw(const policy *p, json_arena *a, const json_value *request,
                        const char *request_text, size_t request_text_len, policy_response *out);

/* Fills `r` with a rejection {uid, allowed:false, status:{message, code}}; code 0 = no code. */
void policy_response_reject(policy_response *r, const char *uid, const char *message, int code);
/* Appends a cause to status.details.causes (sets has_status).  -1 out of memory. */
int policy_response_add_cause(json_arena *a, policy_response *r, const char *reason,
                              const char *message, const char *field);
/* Writes the response object ({"uid":..,"allowed":..,...}) exactly as spec §1.7. */
void policy_response_write(json_buf *b, const policy_response *r);
/* Writes {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{...}}. */
void policy_review_write(json_buf *b, const policy_response *r);

/*
 * Spec §1.8 step 5, what the policy-server applies to a /validate (and
 * /validate_raw) verdict and kwctl to a policy of a CR file, in this order:
 *   a. monitor: allowed, no patch, no status (warnings and auditAnnotations kept);
 *   b. not allowed to mutate and a patch: a rejection without code, "Request
 *      rejected by policy <policy_id>. The policy attempted to mutate ...";
 *   c. rejected and a custom message: that message, the previous one (or "")
 *      appended as a cause, code and other causes kept.
 * Logs nothing (a monitor-mode caller logs the would-be response first).
 * -1 out of memory.
 */
typedef struct policy_postprocess {
    const char *policy_id;              /* named in the mutation-gate message */
    bool monitor;                       /* policyMode monitor */
    bool allowed_to_mutate;
    const char *custom_message;         /* NULL: none */
} policy_postprocess;

int policy_response_postprocess(json_arena *a, policy_response *r, const policy_postprocess *how);

/* The rejection texts embedders also need (spec §1.8, §1.10). */
#define POLICY_MSG_TIMEOUT "Policy execution interrupted because it exceeded the allowed execution time"
#define POLICY_INIT_TIMEOUT_MARK "init interrupted, execution deadline exceeded"

#ifdef __cplusplus
}
#endif
#endif /* POLICY_H */
