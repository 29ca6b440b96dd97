/*
 * wasi_policy.c - Kubewarden's "plain WASI" policies (spec §2.5): a WASI
 * command run once per evaluation with argv ["policy.wasm", <command>], the
 * input JSON on stdin and the answer on stdout.  Host capabilities come through
 * the import `host`.`call` (also `kubewarden:javy/host`.`call`), which returns
 * 0 on success, 1 on failure, and appends the reply or the error to stdin.
 */
#include <string.h>

#include "internal.h"

static wasm_trap host_call(wasm_instance *inst, void *env, const uint64_t *args, uint64_t *results)
{
    eval_ctx *e = (eval_ctx *)wasm_instance_userdata(inst);
    if (!e)
        return host_trap(inst, "host.call called outside of a policy run");
    const char *reply;
    size_t reply_len;
    wasm_trap t = WASM_OK;
    int rc = capability_call(e, inst, args, &reply, &reply_len, &t);
    if (rc < 0)
        return t;
    if (wasi_stdin_append(&e->wasi, reply, reply_len) < 0)
        return host_trap(inst, "out of memory in a host call");
    results[0] = (uint32_t)rc;          /* WASI: 0 is success, 1 failure */
    return WASM_OK;
}

int wasi_policy_define(wasm_linker *l)
{
    static const wasm_valtype i32x8[8] = { WASM_I32, WASM_I32, WASM_I32, WASM_I32,
                                           WASM_I32, WASM_I32, WASM_I32, WASM_I32 };
    if (wasm_linker_define_func(l, "host", "call", i32x8, 8, i32x8, 1, host_call, NULL) < 0 ||
        wasm_linker_define_func(l, "kubewarden:javy/host", "call", i32x8, 8, i32x8, 1, host_call, NULL) < 0)
        return -1;
    return 0;
}

/* Copies a captured stream into the arena as a NUL-terminated string (NULL: not UTF-8 or no memory). */
static char *stream_text(eval_ctx *e, const wasi_buf *b)
{
    if (!utf8_valid((const char *)b->data, b->len))
        return NULL;
    return arena_strndup(e->arena, b->len ? (const char *)b->data : "", b->len);
}

/* Upstream's text for a run that did not succeed (its WasiEvaluation error). */
static const char *failure_text(eval_ctx *e, wasm_instance *inst, wasm_trap t, const char *err)
{
    if (t == WASM_TRAP_EXIT) {
        int code = wasm_instance_exit_code(inst);
        return arena_printf(e->arena, "program exited with code Some(%d); stderr set to '%s', error: "
                            "'Exited with i32 exit status %d'", code, err, code);
    }
    return arena_printf(e->arena, "program exited with code None; stderr set to '%s', error: 'wasm trap: %s'",
                        err, wasm_instance_trap_message(inst));
}

static void run_outcome(eval_ctx *e, wasm_instance *inst, wasm_trap t, run_result *out)
{
    bool success = t == WASM_OK || (t == WASM_TRAP_EXIT && wasm_instance_exit_code(inst) == 0);
    if (t == WASM_TRAP_INTERRUPTED) {
        out->status = RUN_TIMEOUT;
        return;
    }
    out->status = RUN_FAILED;
    char *err = stream_text(e, &e->wasi.err);
    if (!err) {
        out->failure = "stderr pipe conversion error: invalid utf-8 sequence";
        return;
    }
    if (!success) {
        out->failure = failure_text(e, inst, t, err);
        if (!out->failure)
            out->status = RUN_NO_MEMORY;
        return;
    }
    if (e->wasi.err.len)
        policy_log(e->rt, POLICY_LOG_WARN, eval_policy_id(e), err, NULL);
    char *text = stream_text(e, &e->wasi.out);
    if (!text) {
        out->failure = "stdout pipe conversion error: invalid utf-8 sequence";
        return;
    }
    out->status = RUN_OK;
    out->output = text;
    out->output_len = e->wasi.out.len;
}

void wasi_policy_run(eval_ctx *e, const policy_module *m, uint64_t timeout_ns, const char *command,
                     const char *input, size_t input_len, run_result *out)
{
    memset(out, 0, sizeof *out);
    uint64_t t0 = monotonic_ns();
    wasm_instance *inst = eval_sandbox_new(e, m, out);
    if (!inst)
        return;
    const char *argv[2] = { "policy.wasm", command };
    e->wasi.argv = argv;
    e->wasi.argc = 2;
    e->wasi.in = (const uint8_t *)input;
    e->wasi.in_len = input_len;
    wasm_instance_set_userdata(inst, e);
    wasm_funcinst *start = wasm_instance_export_func(inst, "_start");
    uint64_t t1 = monotonic_ns();

    eval_arm_deadline(e, inst, timeout_ns);
    wasm_trap t = wasm_call(inst, start, NULL, NULL);
    run_outcome(e, inst, t, out);

    wasm_instance_set_userdata(inst, NULL);
    wasm_instance_free(inst);
    e->wasi.argv = NULL;
    e->wasi.argc = 0;
    out->instantiate_ns = t1 - t0;
    out->run_ns = monotonic_ns() - t1;
}
