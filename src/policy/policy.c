/*
 * policy.c - a policy: one module plus one id's options, prepared once at load
 * (settings serialised, allow-lists parsed) and immutable afterwards, so any
 * number of threads evaluate it at once.  Also the per-run context.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opa_internal.h"

void eval_ctx_init(eval_ctx *e, policy_runtime *rt, const policy *p, json_arena *a)
{
    memset(e, 0, sizeof *e);
    wasi_ctx_init(&e->wasi);
    e->rt = rt;
    e->policy = p;
    e->arena = a;
}

void eval_ctx_free(eval_ctx *e)
{
    wasi_ctx_free(&e->wasi);
}

const char *eval_policy_id(const eval_ctx *e)
{
    return e->policy ? e->policy->id : "";
}

wasm_instance *eval_sandbox_new(eval_ctx *e, const policy_module *m, run_result *out)
{
    wasm_error werr = { { 0 }, WASM_OK };
    wasm_instance *inst = wasm_snapshot_instantiate(m->snapshot, &werr);
    if (!inst) {
        out->status = RUN_FAILED;
        out->failure = arena_printf(e->arena, "cannot create a sandbox: %s", werr.message);
        if (!out->failure)
            out->status = RUN_NO_MEMORY;
    }
    return inst;
}

void eval_arm_deadline(eval_ctx *e, wasm_instance *inst, uint64_t timeout_ns)
{
    uint64_t deadline = timeout_ns ? monotonic_ns() + timeout_ns : 0;
    e->wasi.deadline_ns = deadline;
    wasm_instance_clear_interrupt(inst);
    wasm_instance_set_deadline(inst, deadline);
}

static int serialise_settings(policy *p, const json_value *settings)
{
    if (!settings || settings->type == JSON_NULL) {
        p->settings = strdup("{}");
        p->settings_len = 2;
        return p->settings ? 0 : -1;
    }
    json_buf b;
    json_buf_init(&b);
    json_write(&b, settings);
    if (b.oom || b.len == 0) {
        json_buf_free(&b);
        return -1;
    }
    p->settings = b.data;                /* the buffer's allocation becomes ours */
    p->settings_len = b.len;
    return 0;
}

static int copy_resources(policy *p, const policy_resource *list, size_t n)
{
    if (n == 0)
        return 0;
    p->resources = calloc(n, sizeof *p->resources);
    if (!p->resources)
        return -1;
    for (size_t i = 0; i < n; i++) {
        p->n_resources = i + 1;          /* policy_free() frees what was copied */
        p->resources[i].api_version = strdup(list[i].api_version ? list[i].api_version : "");
        p->resources[i].kind = strdup(list[i].kind ? list[i].kind : "");
        if (!p->resources[i].api_version || !p->resources[i].kind)
            return -1;
    }
    return 0;
}

policy *policy_new(policy_module *m, const policy_options *opts, char *err, size_t errlen)
{
    static const policy_options none = { .raw = -1 };
    if (!opts)
        opts = &none;
    policy *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    policy_module_retain(m);
    p->module = m;
    p->id = strdup(opts->id ? opts->id : "");
    if (!p->id || serialise_settings(p, opts->settings) < 0 ||
        copy_resources(p, opts->context_aware_resources, opts->n_context_aware_resources) < 0) {
        snprintf(err, errlen, "out of memory");
        policy_free(p);
        return NULL;
    }
    if (capability_patterns_parse(p, opts->host_capabilities, opts->n_host_capabilities, err, errlen) < 0) {
        policy_free(p);
        return NULL;
    }
    p->timeout_ns = opts->timeout_ms ? (uint64_t)opts->timeout_ms * 1000000u : policy_default_timeout_ns(m->rt);
    p->raw = opts->raw < 0 ? m->meta.raw : opts->raw != 0;
    return p;
}

void policy_free(policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_patterns; i++)
        free(p->patterns[i].path);
    free(p->patterns);
    for (size_t i = 0; i < p->n_resources; i++) {
        free((char *)p->resources[i].api_version);
        free((char *)p->resources[i].kind);
    }
    free(p->resources);
    free(p->settings);
    free(p->id);
    policy_module_release(p->module);
    free(p);
}

const char *policy_id(const policy *p)
{
    return p->id;
}

bool policy_is_raw(const policy *p)
{
    return p->raw;
}

/* Runs one operation of the policy's protocol on a fresh sandbox. */
void policy_run(eval_ctx *e, const policy *p, bool settings_op, const char *input, size_t len, run_result *out)
{
    const policy_module *m = p->module;
    if (m->mode == POLICY_EXEC_WASI)
        wasi_policy_run(e, m, p->timeout_ns, settings_op ? "validate-settings" : "validate", input, len, out);
    else
        wapc_run(e, m, p->timeout_ns, settings_op ? "validate_settings" : "validate", input, len, out);
}

int policy_validate_raw(const policy *p, json_arena *a, const json_value *request,
                        const char *request_text, size_t request_text_len, policy_response *out)
{
    if (p->module->mode != POLICY_EXEC_GATEKEEPER)
        return policy_validate(p, a, request, request_text, request_text_len, out);
    memset(out, 0, sizeof *out);
    const char *uid = request ? json_get_string(request, "uid") : NULL;
    policy_response_reject(out, uid ? uid : "", OPA_MSG_GATEKEEPER_RAW, 500);
    return 0;
}
