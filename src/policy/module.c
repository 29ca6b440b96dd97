/*
 * module.c - policy_module: one per unique module (SHA-256 of the bytes and the
 * execution mode).  Loading compiles the module, instantiates it once with the
 * mode's host functions, runs its init (`_start` then `wapc_init` for waPC,
 * the Rego setup of opa.c for opa/gatekeeper) and snapshots the result;
 * every evaluation then starts from that snapshot.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opa_internal.h"

static int sha256_hex(const uint8_t *bytes, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (!EVP_Digest(bytes, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
        return -1;
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

static void module_free(policy_module *m)
{
    if (m->snapshot)
        wasm_snapshot_free(m->snapshot);
    if (m->wasm)
        wasm_module_free(m->wasm);
    opa_module_free(m->opa);         /* after the snapshot: it uses the host functions */
    if (m->meta_arena)
        json_arena_free(m->meta_arena);
    free(m);
}

/* The exports the mode's protocol needs; -1 with a message naming the missing one. */
static int check_exports(const policy_module *m, char *err, size_t errlen)
{
    const char *entry = m->mode == POLICY_EXEC_WAPC ? "__guest_call" : "_start";
    if (wasm_module_find_export(m->wasm, entry, WASM_EXTERN_FUNC) < 0) {
        snprintf(err, errlen, "the module does not export the function '%s' a %s policy needs",
                 entry, policy_exec_mode_name(m->mode));
        return -1;
    }
    if (wasm_module_find_export(m->wasm, "memory", WASM_EXTERN_MEMORY) < 0) {
        snprintf(err, errlen, "the module does not export its linear memory as 'memory'");
        return -1;
    }
    return 0;
}

static int run_wapc_init(policy_module *m, wasm_instance *template, char *err, size_t errlen)
{
    json_arena *a = json_arena_new(4096);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    eval_ctx e;
    eval_ctx_init(&e, m->rt, NULL, a);
    int rc = wapc_init_instance(&e, template, policy_default_timeout_ns(m->rt), err, errlen);
    eval_ctx_free(&e);
    json_arena_free(a);
    return rc;
}

/* Compiles, instantiates, initialises and snapshots `m`. */
static int module_prepare(policy_module *m, const uint8_t *wasm, size_t len, char *err, size_t errlen)
{
    wasm_error werr = { { 0 }, WASM_OK };
    m->wasm = wasm_module_load(wasm, len, &werr);
    if (!m->wasm) {
        snprintf(err, errlen, "invalid module: %s", werr.message);
        return -1;
    }
    if (exec_mode_is_rego(m->mode)) {
        if (!policy_module_is_rego(wasm, len)) {
            snprintf(err, errlen, "execution mode %s needs a Rego policy built with `opa build -t wasm`, and this "
                     "module exports no opa_* functions", policy_exec_mode_name(m->mode));
            return -1;
        }
        return opa_module_prepare(m, err, errlen);
    }
    /* Rego modules export opa_* functions; run as waPC/WASI they would only fail later. */
    if (policy_module_is_rego(wasm, len)) {
        snprintf(err, errlen, "the module is a Rego policy (it exports opa_* functions), not a %s one: "
                 "use the opa or gatekeeper execution mode", policy_exec_mode_name(m->mode));
        return -1;
    }
    if (check_exports(m, err, errlen) < 0)
        return -1;
    const wasm_linker *linker = m->mode == POLICY_EXEC_WAPC ? m->rt->wapc_linker : m->rt->wasi_linker;
    /* The snapshot's instances inherit these limits; a wasm start function gets
     * the same budget as the init functions. */
    wasm_limits limits = {
        .max_memory_pages = m->rt->cfg.max_memory_mib * 16u,                      /* 64 KiB pages */
        .start_timeout_ms = (uint32_t)(policy_default_timeout_ns(m->rt) / 1000000u),
    };
    wasm_instance *template = wasm_instantiate(m->wasm, linker, &limits, &werr);
    if (!template) {
        if (werr.trap == WASM_TRAP_INTERRUPTED)     /* same text as an init timeout: the server maps it */
            snprintf(err, errlen, "Initialization failed: start function " POLICY_INIT_TIMEOUT_MARK);
        else
            snprintf(err, errlen, "cannot instantiate the module: %s", werr.message);
        return -1;
    }
    int rc = m->mode == POLICY_EXEC_WAPC ? run_wapc_init(m, template, err, errlen) : 0;
    if (rc == 0) {
        /* The snapshot copies what it needs: the template is not kept. */
        wasm_instance_set_userdata(template, NULL);
        m->snapshot = wasm_snapshot_take(template, &werr);
        if (!m->snapshot) {
            snprintf(err, errlen, "cannot snapshot the initialised module: %s", werr.message);
            rc = -1;
        }
    }
    wasm_instance_free(template);
    return rc;
}

/* A module the engine refuses is reported as such; otherwise the metadata is at fault. */
static void describe_metadata_failure(const uint8_t *wasm, size_t len, const char *merr, char *err, size_t errlen)
{
    wasm_error werr = { { 0 }, WASM_OK };
    wasm_module *w = wasm_module_load(wasm, len, &werr);
    if (w) {
        wasm_module_free(w);
        snprintf(err, errlen, "invalid policy metadata: %s", merr);
    } else {
        snprintf(err, errlen, "invalid module: %s", werr.message);
    }
}

static policy_module *cache_find(policy_runtime *rt, const char *digest, policy_exec_mode mode)
{
    for (policy_module *m = rt->modules; m; m = m->next)
        if (m->mode == mode && strcmp(m->digest, digest) == 0)
            return m;
    return NULL;
}

policy_module *policy_module_load(policy_runtime *rt, const uint8_t *wasm, size_t len,
                                  const policy_module_options *opts, char *err, size_t errlen)
{
    policy_module *m = calloc(1, sizeof *m);
    if (!m || !(m->meta_arena = json_arena_new(4096)) || sha256_hex(wasm, len, m->digest) < 0) {
        snprintf(err, errlen, "out of memory");
        if (m)
            module_free(m);
        return NULL;
    }
    m->rt = rt;
    m->refs = 1;
    char merr[256];
    if (policy_metadata_read(m->meta_arena, wasm, len, &m->meta, merr, sizeof merr) < 0) {
        describe_metadata_failure(wasm, len, merr, err, errlen);
        module_free(m);
        return NULL;
    }
    m->mode = opts && opts->force_mode ? opts->mode
            : m->meta.present ? m->meta.execution_mode : POLICY_EXEC_WAPC;

    pthread_mutex_lock(&rt->lock);
    policy_module *same = cache_find(rt, m->digest, m->mode);
    if (same) {
        same->refs++;
        pthread_mutex_unlock(&rt->lock);
        module_free(m);
        return same;
    }
    if (module_prepare(m, wasm, len, err, errlen) < 0) {
        pthread_mutex_unlock(&rt->lock);
        module_free(m);
        return NULL;
    }
    m->next = rt->modules;
    rt->modules = m;
    pthread_mutex_unlock(&rt->lock);
    return m;
}

void policy_module_release(policy_module *m)
{
    if (!m)
        return;
    policy_runtime *rt = m->rt;
    pthread_mutex_lock(&rt->lock);
    bool last = --m->refs == 0;
    if (last) {
        for (policy_module **pp = &rt->modules; *pp; pp = &(*pp)->next)
            if (*pp == m) {
                *pp = m->next;
                break;
            }
    }
    pthread_mutex_unlock(&rt->lock);
    if (last)
        module_free(m);
}

/* A reference for a policy that uses the module. */
void policy_module_retain(policy_module *m)
{
    pthread_mutex_lock(&m->rt->lock);
    m->refs++;
    pthread_mutex_unlock(&m->rt->lock);
}

const policy_metadata *policy_module_metadata(const policy_module *m)
{
    return &m->meta;
}

policy_exec_mode policy_module_mode(const policy_module *m)
{
    return m->mode;
}

const char *policy_module_engine_tier(const policy_module *m)
{
    return wasm_module_tier(m->wasm);
}

const char *policy_module_digest(const policy_module *m)
{
    return m->digest;
}

/* Reads the JSON string the guest answered to protocol_version. */
static int parse_protocol_version(json_arena *a, const run_result *r, char *out, size_t outlen,
                                  char *err, size_t errlen)
{
    json_error jerr;
    json_value *v = json_parse(a, r->output, r->output_len, &jerr);
    if (!v || v->type != JSON_STRING) {
        snprintf(err, errlen, "invalid protocol_version answer from the policy: %s",
                 v ? "not a JSON string" : jerr.message);
        return -1;
    }
    snprintf(out, outlen, "%s", v->u.str);
    return 0;
}

int policy_module_protocol_version(policy_module *m, char *out, size_t outlen, char *err, size_t errlen)
{
    if (m->mode != POLICY_EXEC_WAPC) {
        snprintf(out, outlen, "Unknown");
        return 0;
    }
    json_arena *a = json_arena_new(4096);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    eval_ctx e;
    eval_ctx_init(&e, m->rt, NULL, a);
    run_result r;
    wapc_run(&e, m, policy_default_timeout_ns(m->rt), "protocol_version", "", 0, &r);
    int rc = -1;
    if (r.status == RUN_OK)
        rc = parse_protocol_version(a, &r, out, outlen, err, errlen);
    else if (r.status == RUN_TIMEOUT)
        snprintf(err, errlen, "Guest call failure: guest code interrupted, execution deadline exceeded");
    else
        snprintf(err, errlen, "Guest call failure: %s", r.failure ? r.failure : "out of memory");
    eval_ctx_free(&e);
    json_arena_free(a);
    return rc;
}
