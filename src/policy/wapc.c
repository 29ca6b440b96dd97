/*
 * wapc.c - the waPC host (spec §2.2): the nine `wapc` imports, the module's
 * init sequence (`_start`, then `wapc_init`) and the __guest_call sequence on
 * a fresh sandbox taken from the module's snapshot.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define I32 WASM_I32

/* The run's state, or NULL when the guest calls us before the host set it up
 * (from a start function, which waPC modules do not use). */
static eval_ctx *ctx_of(wasm_instance *inst)
{
    return (eval_ctx *)wasm_instance_userdata(inst);
}

#define CTX_OR_TRAP(e, inst) \
    eval_ctx *e = ctx_of(inst); \
    if (!e) return host_trap(inst, "waPC host function called outside of a guest call")

static wasm_trap put_bytes(wasm_instance *inst, uint32_t ptr, const char *data, size_t len)
{
    wasm_memory *mem = wasm_instance_memory(inst);
    if (len && (!mem || wasm_memory_write(mem, ptr, data, len) < 0))
        return host_trap(inst, "out of bounds memory access");
    return WASM_OK;
}

static wasm_trap guest_request(wasm_instance *inst, void *env, const uint64_t *args, uint64_t *results)
{
    CTX_OR_TRAP(e, inst);
    wasm_trap t = put_bytes(inst, (uint32_t)args[0], e->op, e->op_len);
    return t != WASM_OK ? t : put_bytes(inst, (uint32_t)args[1], e->msg, e->msg_len);
}

static wasm_trap guest_response(wasm_instance *inst, void *env, const uint64_t *args, uint64_t *results)
{
    CTX_OR_TRAP(e, inst);
    wasm_trap t = WASM_OK;
    char *s = guest_string(e->arena, inst, (uint32_t)args[0], (uint32_t)args[1], NULL, &t);
    if (!s)
        return t;
    e->guest_response = s;
    e->guest_response_len = (uint32_t)args[1];
    return WASM_OK;
}

static wasm_trap guest_error(wasm_instance *inst, void *env, const uint64_t *args, uint64_t *results)
{
    CTX_OR_TRAP(e, inst);
    wasm_trap t = WASM_OK;
    char *s = guest_string(e->arena, inst, (uint32_t)args[0], (uint32_t)args[1], "the guest error message", &t);
    if (!s)
        return t;
    e->guest_error = s;
    e->guest_error_len = (uint32_t)args[1];
    return WASM_OK;
}

static wasm_trap host_call(wasm_instance *inst, void *env, const uint64_t *args, uint64_t *results)
{
    CTX_OR_TRAP(e, inst);
    e->host_response = e->host_error = NULL;
    e->host_response_len = e->host_error_len = 0;
    const char *reply;
    size_t reply_len;
    wasm_trap t = WASM_OK;
    int rc = capability_call(e, inst, args, &reply, &reply_len, &t);
    if (rc < 0)
        return t;
    if (rc == 0) {
        e->host_response = reply;
        e->host_response_len = reply_len;
    } else {
        e->host_error = reply;
        e->host_error_len = reply_len;
    }
    results[0] = rc == 0 ? 1 : 0;       /* waPC: 1 is success */
    return WASM_OK;
}

static wasm_trap host_response_len(wasm_instance *inst, void *env, const uint64_t *args, uint64_t *results)
{
    CTX_OR_TRAP(e, inst);
    results[0] = (uint32_t)e->host_response_len;
    return WASM_OK;
}

static wasm_trap host_response(wasm_instance *inst, void *env, const uint64_t *args, uint64_t *results)
{
    CTX_OR_TRAP(e, inst);
    return put_bytes(inst, (uint32_t)args[0], e->host_response, e->host_response_len);
}

static wasm_trap host_error_len(wasm_instance *inst, void *env, const uint64_t *args, uint64_t *results)
{
    CTX_OR_TRAP(e, inst);
    results[0] = (uint32_t)e->host_error_len;
    return WASM_OK;
}

static wasm_trap host_error(wasm_instance *inst, void *env, const uint64_t *args, uint64_t *results)
{
    CTX_OR_TRAP(e, inst);
    return put_bytes(inst, (uint32_t)args[0], e->host_error, e->host_error_len);
}

static wasm_trap console_log(wasm_instance *inst, void *env, const uint64_t *args, uint64_t *results)
{
    CTX_OR_TRAP(e, inst);
    wasm_trap t = WASM_OK;
    char *s = guest_string(e->arena, inst, (uint32_t)args[0], (uint32_t)args[1], "the console_log message", &t);
    if (!s)
        return t;
    policy_log(e->rt, POLICY_LOG_INFO, eval_policy_id(e), s, NULL);
    return WASM_OK;
}

int wapc_define(wasm_linker *l)
{
    static const wasm_valtype i32x8[8] = { I32, I32, I32, I32, I32, I32, I32, I32 };
    static const struct {
        const char *name;
        uint32_t nparams, nresults;
        wasm_host_fn fn;
    } imports[] = {
        { "__guest_request", 2, 0, guest_request },
        { "__guest_response", 2, 0, guest_response },
        { "__guest_error", 2, 0, guest_error },
        { "__host_call", 8, 1, host_call },
        { "__host_response_len", 0, 1, host_response_len },
        { "__host_response", 1, 0, host_response },
        { "__host_error_len", 0, 1, host_error_len },
        { "__host_error", 1, 0, host_error },
        { "__console_log", 2, 0, console_log },
    };
    for (size_t i = 0; i < sizeof imports / sizeof imports[0]; i++)
        if (wasm_linker_define_func(l, "wapc", imports[i].name, i32x8, imports[i].nparams,
                                    i32x8, imports[i].nresults, imports[i].fn, NULL) < 0)
            return -1;
    return 0;
}

int wapc_init_instance(eval_ctx *e, wasm_instance *inst, uint64_t timeout_ns, char *err, size_t errlen)
{
    static const char *const init_fns[] = { "_start", "wapc_init" };
    wasm_instance_set_userdata(inst, e);
    for (size_t i = 0; i < 2; i++) {
        wasm_funcinst *fn = wasm_instance_export_func(inst, init_fns[i]);
        if (!fn)
            continue;
        eval_arm_deadline(e, inst, timeout_ns);
        wasm_trap t = wasm_call(inst, fn, NULL, NULL);
        wasm_instance_set_deadline(inst, 0);
        if (t == WASM_OK || (t == WASM_TRAP_EXIT && wasm_instance_exit_code(inst) == 0))
            continue;
        if (t == WASM_TRAP_INTERRUPTED)
            snprintf(err, errlen, "Initialization failed: %s " POLICY_INIT_TIMEOUT_MARK, init_fns[i]);
        else if (t == WASM_TRAP_EXIT)
            snprintf(err, errlen, "Initialization failed: %s exited with code %d", init_fns[i],
                     wasm_instance_exit_code(inst));
        else
            snprintf(err, errlen, "Initialization failed: %s: %s", init_fns[i], wasm_instance_trap_message(inst));
        return -1;
    }
    return 0;
}

/* Turns what __guest_call left into the result (spec §2.2, step 6). */
static void guest_call_outcome(eval_ctx *e, wasm_instance *inst, wasm_trap t, uint32_t rc, run_result *out)
{
    if (t == WASM_TRAP_INTERRUPTED) {
        out->status = RUN_TIMEOUT;
        return;
    }
    out->status = RUN_FAILED;
    if (t == WASM_TRAP_EXIT)
        out->failure = arena_printf(e->arena, "Exited with i32 exit status %d", wasm_instance_exit_code(inst));
    else if (t != WASM_OK)
        out->failure = arena_printf(e->arena, "%s", wasm_instance_trap_message(inst));
    else if (rc == 0)
        out->failure = e->guest_error ? e->guest_error : "No error message set for call failure";
    else if (!e->guest_response)
        out->failure = "No error message OR response set for call success";
    else {
        out->status = RUN_OK;
        out->output = e->guest_response;
        out->output_len = e->guest_response_len;
        return;
    }
    if (!out->failure)
        out->status = RUN_NO_MEMORY;
}

/* waPC guests have no use for stdio, but what they print is not dropped silently. */
static void log_guest_output(eval_ctx *e)
{
    const wasi_buf *streams[2] = { &e->wasi.out, &e->wasi.err };
    for (int i = 0; i < 2; i++) {
        if (streams[i]->len == 0)
            continue;
        char *text = arena_strndup(e->arena, (const char *)streams[i]->data, streams[i]->len);
        if (text)
            policy_log(e->rt, POLICY_LOG_DEBUG, eval_policy_id(e), text,
                       i == 0 ? "{\"stream\":\"stdout\"}" : "{\"stream\":\"stderr\"}");
    }
}

void wapc_run(eval_ctx *e, const policy_module *m, uint64_t timeout_ns, const char *op,
              const char *payload, size_t payload_len, run_result *out)
{
    memset(out, 0, sizeof *out);
    uint64_t t0 = monotonic_ns();
    wasm_instance *inst = eval_sandbox_new(e, m, out);
    if (!inst)
        return;
    wasm_instance_set_userdata(inst, e);
    e->op = op;
    e->op_len = strlen(op);
    e->msg = payload;
    e->msg_len = payload_len;
    e->guest_response = e->guest_error = e->host_response = e->host_error = NULL;
    e->guest_response_len = e->guest_error_len = e->host_response_len = e->host_error_len = 0;
    wasm_funcinst *fn = wasm_instance_export_func(inst, "__guest_call");
    uint64_t t1 = monotonic_ns();

    uint64_t args[2] = { (uint32_t)e->op_len, (uint32_t)payload_len }, res[1] = { 0 };
    eval_arm_deadline(e, inst, timeout_ns);
    wasm_trap t = wasm_call(inst, fn, args, res);
    guest_call_outcome(e, inst, t, (uint32_t)res[0], out);
    log_guest_output(e);

    wasm_instance_set_userdata(inst, NULL);
    wasm_instance_free(inst);
    out->instantiate_ns = t1 - t0;
    out->run_ns = monotonic_ns() - t1;
}
