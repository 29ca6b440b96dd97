/*
 * runtime.c - the process-wide part of the policy layer: the embedder's
 * configuration, the two linkers every module of a mode shares (host functions
 * find their per-run state through the instance's userdata, so one linker
 * serves all threads), and the list of loaded modules used to share identical
 * bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static wasm_linker *new_linker(int (*define_mode)(wasm_linker *))
{
    wasm_linker *l = wasm_linker_new();
    if (!l)
        return NULL;
    if (wasi_define(l) < 0 || define_mode(l) < 0) {
        wasm_linker_free(l);
        return NULL;
    }
    return l;
}

policy_runtime *policy_runtime_new(const policy_runtime_config *cfg, char *err, size_t errlen)
{
    policy_runtime *rt = calloc(1, sizeof *rt);
    if (!rt) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (cfg)
        rt->cfg = *cfg;
    pthread_mutex_init(&rt->lock, NULL);
    rt->wapc_linker = new_linker(wapc_define);
    rt->wasi_linker = new_linker(wasi_policy_define);
    if (!rt->wapc_linker || !rt->wasi_linker) {
        snprintf(err, errlen, "out of memory while defining the host functions");
        policy_runtime_free(rt);
        return NULL;
    }
    return rt;
}

void policy_runtime_free(policy_runtime *rt)
{
    if (!rt)
        return;
    if (rt->wapc_linker)
        wasm_linker_free(rt->wapc_linker);
    if (rt->wasi_linker)
        wasm_linker_free(rt->wasi_linker);
    pthread_mutex_destroy(&rt->lock);
    free(rt);
}

void policy_log(policy_runtime *rt, policy_log_level level, const char *policy_id,
                const char *message, const char *extra_json)
{
    if (rt->cfg.log)
        rt->cfg.log(rt->cfg.log_ctx, level, policy_id ? policy_id : "", message, extra_json);
}

uint64_t policy_default_timeout_ns(const policy_runtime *rt)
{
    if (rt->cfg.disable_timeout)
        return 0;
    uint32_t ms = rt->cfg.timeout_ms ? rt->cfg.timeout_ms : POLICY_DEFAULT_TIMEOUT_MS;
    return (uint64_t)ms * 1000000u;
}
