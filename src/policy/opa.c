/*
 * opa.c - Rego policies compiled with `opa build -t wasm` (spec §2.6): the
 * host side of the OPA Wasm ABI for the opa and gatekeeper execution modes.
 *
 * Load: the module imports `env.memory` (the host creates it: 5 pages, no
 * maximum) and env.opa_abort/opa_println/opa_builtin0..4.  One template
 * instance runs the setup (builtins(), entrypoints(), `{}` pushed as the
 * initial data, base heap = opa_heap_ptr_get()) and is snapshotted; every
 * builtin the module lists must be one the host implements.
 *
 * Evaluate, on a fresh instance of the snapshot: reset the heap to the base,
 * push the data, push the input, make an eval context for entrypoint 0, eval,
 * dump the result set.  The guest is not trusted: every address it hands back
 * is checked, strings must end inside its memory, JSON it dumps must parse.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opa_internal.h"

#define OPA_MEMORY_PAGES 5u
#define OPA_MAX_BUILTIN_ID 4096u
/* Host -> guest -> host recursion through builtins costs C stack on the
 * evaluating thread; no honest module nests builtin calls at all. */
#define OPA_MAX_NESTING 4
/* A builtin's result as JSON text (yaml.unmarshal's aliases may share values). */
#define OPA_MAX_RESULT_BYTES (64u << 20)

/* The exports the host calls; all take and return i32 only. */
enum opa_export {
    X_BUILTINS, X_ENTRYPOINTS, X_HEAP_GET, X_HEAP_SET, X_CTX_NEW, X_SET_INPUT, X_SET_DATA,
    X_SET_ENTRYPOINT, X_EVAL, X_GET_RESULT, X_JSON_DUMP, X_MALLOC, X_JSON_PARSE, X_COUNT
};

static const struct {
    const char *name;
    uint32_t nparams, nresults;
} exports[X_COUNT] = {
    [X_BUILTINS] = { "builtins", 0, 1 },
    [X_ENTRYPOINTS] = { "entrypoints", 0, 1 },
    [X_HEAP_GET] = { "opa_heap_ptr_get", 0, 1 },
    [X_HEAP_SET] = { "opa_heap_ptr_set", 1, 0 },
    [X_CTX_NEW] = { "opa_eval_ctx_new", 0, 1 },
    [X_SET_INPUT] = { "opa_eval_ctx_set_input", 2, 0 },
    [X_SET_DATA] = { "opa_eval_ctx_set_data", 2, 0 },
    [X_SET_ENTRYPOINT] = { "opa_eval_ctx_set_entrypoint", 2, 0 },
    [X_EVAL] = { "eval", 1, 1 },
    [X_GET_RESULT] = { "opa_eval_ctx_get_result", 1, 1 },
    [X_JSON_DUMP] = { "opa_json_dump", 1, 1 },
    [X_MALLOC] = { "opa_malloc", 1, 1 },
    [X_JSON_PARSE] = { "opa_json_parse", 2, 1 },
};

/* One guest run (the setup, or one evaluation): the instance's userdata. */
typedef struct opa_run {
    eval_ctx *e;
    const struct opa_module *om;
    wasm_instance *inst;
    wasm_funcinst *fn[X_COUNT];
    const char *failure;             /* why the run failed (arena), NULL while it has not */
    int nesting;                     /* builtin calls in progress (a guest may call one from opa_json_dump) */
    wasm_trap trap;                  /* the trap of a failed guest call, WASM_OK for a host-side failure */
} opa_run;

/* ---- checks at load -------------------------------------------------------- */

static bool all_i32(const wasm_functype_info *t)
{
    for (uint32_t i = 0; i < t->nparams; i++)
        if (t->params[i] != WASM_I32)
            return false;
    for (uint32_t i = 0; i < t->nresults; i++)
        if (t->results[i] != WASM_I32)
            return false;
    return true;
}

/* Every export the protocol calls, with its exact type: a wrong arity would
 * otherwise make us pass the guest arguments it does not expect. */
static int check_exports(const policy_module *m, char *err, size_t errlen)
{
    for (int x = 0; x < X_COUNT; x++) {
        int64_t found = wasm_module_find_export(m->wasm, exports[x].name, WASM_EXTERN_FUNC);
        if (found < 0) {
            snprintf(err, errlen, "the module does not export the function '%s' a %s policy needs",
                     exports[x].name, policy_exec_mode_name(m->mode));
            return -1;
        }
        for (uint32_t i = 0; i < wasm_module_export_count(m->wasm); i++) {
            wasm_export_info info;
            wasm_module_export(m->wasm, i, &info);
            if (info.kind != WASM_EXTERN_FUNC || strcmp(info.name, exports[x].name) != 0)
                continue;
            if (info.func.nparams != exports[x].nparams || info.func.nresults != exports[x].nresults ||
                !all_i32(&info.func)) {
                snprintf(err, errlen, "the export '%s' has the wrong type: expected %u i32 parameter(s) and %u "
                         "i32 result(s)", exports[x].name, exports[x].nparams, exports[x].nresults);
                return -1;
            }
        }
    }
    return 0;
}

/* ---- failures ---------------------------------------------------------------- */

/* Records a host-side failure (the first one wins); returns -1. */
static int run_fail(opa_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int run_fail(opa_run *r, const char *fmt, ...)
{
    if (r->failure)
        return -1;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->failure = arena_strndup(r->e->arena, msg, strlen(msg));
    if (!r->failure)
        r->failure = "out of memory";
    return -1;
}

/* What a host function returns after a failed step: the guest call's own trap
 * (an interruption must stay one), or a host trap with the failure text. */
static wasm_trap run_trap(opa_run *r)
{
    if (r->trap != WASM_OK)
        return r->trap;
    return host_trap(r->inst, r->failure ? r->failure : "Rego host failure");
}

static int run_call(opa_run *r, enum opa_export x, const uint64_t *args, uint32_t *result)
{
    uint64_t res[1] = { 0 };
    wasm_trap t = wasm_call(r->inst, r->fn[x], args, res);
    if (t != WASM_OK) {
        r->trap = t;
        return run_fail(r, "%s: %s", exports[x].name, wasm_instance_trap_message(r->inst));
    }
    if (result)
        *result = (uint32_t)res[0];
    return 0;
}

/* ---- moving JSON across ------------------------------------------------------ */

/* The NUL-terminated string at `addr`, copied into the arena. */
static const char *guest_cstring(opa_run *r, uint32_t addr, size_t *len, const char *what)
{
    wasm_memory *mem = wasm_instance_memory(r->inst);
    uint64_t size = mem ? wasm_memory_size(mem) : 0;
    if (addr >= size) {
        run_fail(r, "%s: address %u is outside the guest memory (%llu bytes)", what, addr,
                 (unsigned long long)size);
        return NULL;
    }
    const char *start = (const char *)wasm_memory_data(mem) + addr;
    const char *nul = memchr(start, '\0', size - addr);
    if (!nul) {
        run_fail(r, "%s: the string at address %u is not NUL-terminated", what, addr);
        return NULL;
    }
    *len = (size_t)(nul - start);
    const char *copy = arena_strndup(r->e->arena, start, *len);
    if (!copy)
        run_fail(r, "out of memory");
    return copy;
}

/* opa_json_dump(value) as text. */
static const char *pull_text(opa_run *r, uint32_t value, size_t *len, const char *what)
{
    uint64_t arg = value;
    uint32_t str;
    if (run_call(r, X_JSON_DUMP, &arg, &str) < 0)
        return NULL;
    return guest_cstring(r, str, len, what);
}

static json_value *pull_json(opa_run *r, uint32_t value, const char *what)
{
    size_t len;
    const char *text = pull_text(r, value, &len, what);
    if (!text)
        return NULL;
    json_error jerr;
    json_value *v = json_parse(r->e->arena, text, len, &jerr);
    if (!v)
        run_fail(r, "%s: opa_json_dump gave invalid JSON: %s", what, jerr.message);
    return v;
}

/* a = opa_malloc(len); write; v = opa_json_parse(a, len). */
static int push_json(opa_run *r, const char *text, size_t len, uint32_t *value, const char *what)
{
    if (len > UINT32_MAX)
        return run_fail(r, "%s: %zu bytes are more than a 32-bit guest can take", what, len);
    uint64_t arg = len;
    uint32_t addr;
    if (run_call(r, X_MALLOC, &arg, &addr) < 0)
        return -1;
    wasm_memory *mem = wasm_instance_memory(r->inst);
    if (!mem || wasm_memory_write(mem, addr, text, len) < 0)
        return run_fail(r, "%s: opa_malloc(%zu) returned %u, outside the guest memory", what, len, addr);
    uint64_t args[2] = { addr, len };
    if (run_call(r, X_JSON_PARSE, args, value) < 0)
        return -1;
    if (*value == 0)
        return run_fail(r, "%s: opa_json_parse could not parse it", what);
    return 0;
}

/* ---- host imports ------------------------------------------------------------ */

static opa_run *run_of(wasm_instance *inst)
{
    return (opa_run *)wasm_instance_userdata(inst);
}

static wasm_trap opa_abort(wasm_instance *inst, void *env, const uint64_t *args, uint64_t *results)
{
    opa_run *r = run_of(inst);
    if (!r)
        return host_trap(inst, "opa_abort called outside of an evaluation");
    size_t len;
    const char *msg = guest_cstring(r, (uint32_t)args[0], &len, "opa_abort message");
    if (!msg)
        return run_trap(r);
    policy_log(r->e->rt, POLICY_LOG_ERROR, eval_policy_id(r->e), msg, "{\"source\":\"opa_abort\"}");
    run_fail(r, "opa_abort: %s", msg);
    return host_trap(inst, r->failure);
}

static wasm_trap opa_println(wasm_instance *inst, void *env, const uint64_t *args, uint64_t *results)
{
    opa_run *r = run_of(inst);
    if (!r)
        return host_trap(inst, "opa_println called outside of an evaluation");
    size_t len;
    const char *msg = guest_cstring(r, (uint32_t)args[0], &len, "opa_println message");
    if (!msg)
        return run_trap(r);
    policy_log(r->e->rt, POLICY_LOG_INFO, eval_policy_id(r->e), msg, "{\"source\":\"opa_println\"}");
    return WASM_OK;
}

/* Whether json_write(v) stays within *budget bytes, roughly (values shared in the
 * DOM, as YAML aliases are, count each time they are written).  Stops early. */
static bool fits(const json_value *v, size_t *budget)
{
    size_t self = v->lazy ? v->u.span.len : v->type == JSON_STRING ? v->len + 2
                : v->type == JSON_NUMBER ? v->u.num.text_len + 1 : 8;
    if (self > *budget)
        return false;
    *budget -= self;
    if (v->lazy || (v->type != JSON_ARRAY && v->type != JSON_OBJECT))
        return true;
    for (size_t i = 0; i < v->len; i++) {
        bool object = v->type == JSON_OBJECT;
        size_t key = object ? v->u.members[i].key_len + 4 : 1;
        if (key > *budget)
            return false;
        *budget -= key;
        if (!fits(object ? v->u.members[i].value : v->u.items[i], budget))
            return false;
    }
    return true;
}

static wasm_trap run_builtin(opa_run *r, const uint64_t *args, uint32_t n, uint64_t *results);

/* opa_builtinN(id, ctx, a1..aN): the five imports share this function, `env` is N. */
static wasm_trap opa_builtin(wasm_instance *inst, void *env, const uint64_t *args, uint64_t *results)
{
    uint32_t n = (uint32_t)(uintptr_t)env;
    opa_run *r = run_of(inst);
    if (!r)
        return host_trap(inst, "Rego builtin called outside of an evaluation");
    if (r->nesting >= OPA_MAX_NESTING) {
        run_fail(r, "Rego builtin calls nested more than %d deep (a builtin called while the host reads an "
                 "argument)", OPA_MAX_NESTING);
        return run_trap(r);
    }
    r->nesting++;
    wasm_trap t = run_builtin(r, args, n, results);
    r->nesting--;
    return t;
}

/* Pulls the arguments, runs the host's implementation, pushes the result and answers its address. */
static wasm_trap run_builtin(opa_run *r, const uint64_t *args, uint32_t n, uint64_t *results)
{
    uint32_t id = (uint32_t)args[0];
    const opa_builtin_def *def = id < r->om->n_builtins ? r->om->builtins[id] : NULL;
    if (!def) {
        run_fail(r, "the policy called Rego builtin id %u, which its builtins() did not list", id);
        return run_trap(r);
    }
    if (def->arity != n) {
        run_fail(r, "Rego builtin %s takes %u argument(s), the policy called it with %u", def->name, def->arity, n);
        return run_trap(r);
    }
    const json_value *values[4];
    for (uint32_t i = 0; i < n; i++) {
        char what[96];
        snprintf(what, sizeof what, "argument %u of %s", i + 1, def->name);
        if (!(values[i] = pull_json(r, (uint32_t)args[2 + i], what)))
            return run_trap(r);
    }
    opa_builtin_env env = { r->e->arena, r->e->rt, eval_policy_id(r->e) };
    json_value *result = NULL;
    const char *why = def->fn(&env, values, &result);
    if (why) {
        run_fail(r, "%s: %s", def->name, why);
        return run_trap(r);
    }
    size_t budget = OPA_MAX_RESULT_BYTES;
    if (!fits(result, &budget)) {
        run_fail(r, "%s: the result is larger than %u MiB", def->name, OPA_MAX_RESULT_BYTES >> 20);
        return run_trap(r);
    }
    json_buf b;
    json_buf_init(&b);
    json_write(&b, result);
    uint32_t value = 0;
    int rc = b.oom ? run_fail(r, "out of memory") : push_json(r, b.data, b.len, &value, def->name);
    json_buf_free(&b);
    if (rc < 0)
        return run_trap(r);
    results[0] = value;
    return WASM_OK;
}

static int define_imports(struct opa_module *om, char *err, size_t errlen)
{
    static const wasm_valtype i32x6[6] = { WASM_I32, WASM_I32, WASM_I32, WASM_I32, WASM_I32, WASM_I32 };
    static const struct {
        const char *name;
        uint32_t nparams, nresults;
        wasm_host_fn fn;
        uintptr_t env;
    } imports[] = {
        { "opa_abort", 1, 0, opa_abort, 0 },      { "opa_println", 1, 0, opa_println, 0 },
        { "opa_builtin0", 2, 1, opa_builtin, 0 }, { "opa_builtin1", 3, 1, opa_builtin, 1 },
        { "opa_builtin2", 4, 1, opa_builtin, 2 }, { "opa_builtin3", 5, 1, opa_builtin, 3 },
        { "opa_builtin4", 6, 1, opa_builtin, 4 },
    };
    wasm_error werr = { { 0 }, WASM_OK };
    om->linker = wasm_linker_new();
    om->memory = wasm_memory_new(OPA_MEMORY_PAGES, 0, false, &werr);
    if (!om->linker || !om->memory || wasm_linker_define_memory(om->linker, "env", "memory", om->memory) < 0) {
        snprintf(err, errlen, "cannot create the Rego host memory: %s", om->memory ? "out of memory" : werr.message);
        return -1;
    }
    for (size_t i = 0; i < sizeof imports / sizeof imports[0]; i++)
        if (wasm_linker_define_func(om->linker, "env", imports[i].name, i32x6, imports[i].nparams, i32x6,
                                    imports[i].nresults, imports[i].fn, (void *)imports[i].env) < 0) {
            snprintf(err, errlen, "out of memory while defining the Rego host functions");
            return -1;
        }
    return 0;
}

/* ---- setup ------------------------------------------------------------------- */

static void run_begin(opa_run *r, eval_ctx *e, const struct opa_module *om, wasm_instance *inst)
{
    memset(r, 0, sizeof *r);
    r->e = e;
    r->om = om;
    r->inst = inst;
    for (int x = 0; x < X_COUNT; x++)
        r->fn[x] = wasm_instance_export_func(inst, exports[x].name);
    wasm_instance_set_userdata(inst, r);
}

/* builtins() -> {"name": id}: the table by id; the names the host lacks go to `missing`. */
static int map_builtins(opa_run *r, struct opa_module *om, json_buf *missing)
{
    uint32_t addr;
    if (run_call(r, X_BUILTINS, NULL, &addr) < 0)
        return -1;
    const json_value *map = pull_json(r, addr, "builtins()");
    if (!map)
        return -1;
    if (map->type != JSON_OBJECT)
        return run_fail(r, "builtins() did not give a JSON object");
    uint32_t max = 0;
    for (size_t i = 0; i < map->len; i++) {
        int64_t id;
        if (!json_is_integer(map->u.members[i].value, &id) || id < 0 || id >= OPA_MAX_BUILTIN_ID)
            return run_fail(r, "builtins(): the id of '%s' is not an integer in [0, %u)", map->u.members[i].key,
                            OPA_MAX_BUILTIN_ID);
        if ((uint32_t)id + 1 > max)
            max = (uint32_t)id + 1;
    }
    om->builtins = calloc(max + 1, sizeof *om->builtins);
    if (!om->builtins)
        return run_fail(r, "out of memory");
    om->n_builtins = max;
    for (size_t i = 0; i < map->len; i++) {
        int64_t id;
        json_is_integer(map->u.members[i].value, &id);
        om->builtins[id] = opa_builtin_find(map->u.members[i].key);
        if (!om->builtins[id]) {
            json_buf_puts(missing, missing->len ? ", " : "");
            json_buf_puts(missing, map->u.members[i].key);
        }
    }
    return 0;
}

static int run_setup(opa_run *r, struct opa_module *om, json_buf *missing)
{
    if (map_builtins(r, om, missing) < 0)
        return -1;
    uint32_t addr, value;
    if (run_call(r, X_ENTRYPOINTS, NULL, &addr) < 0)
        return -1;
    const json_value *entrypoints = pull_json(r, addr, "entrypoints()");
    if (!entrypoints)
        return -1;
    if (entrypoints->type != JSON_OBJECT || entrypoints->len == 0)
        return run_fail(r, "entrypoints() did not give a non-empty JSON object");
    if (push_json(r, "{}", 2, &value, "the initial data") < 0 || run_call(r, X_HEAP_GET, NULL, &om->base_heap) < 0)
        return -1;
    return 0;
}

static int setup_template(policy_module *m, wasm_instance *template, char *err, size_t errlen)
{
    json_arena *a = json_arena_new(4096);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    eval_ctx e;
    eval_ctx_init(&e, m->rt, NULL, a);
    opa_run r;
    run_begin(&r, &e, m->opa, template);
    json_buf missing;
    json_buf_init(&missing);
    eval_arm_deadline(&e, template, policy_default_timeout_ns(m->rt));
    int rc = run_setup(&r, m->opa, &missing);
    wasm_instance_set_deadline(template, 0);
    wasm_instance_set_userdata(template, NULL);
    if (rc < 0 && r.trap == WASM_TRAP_INTERRUPTED)
        snprintf(err, errlen, "Initialization failed: Rego setup " POLICY_INIT_TIMEOUT_MARK);
    else if (rc < 0)
        snprintf(err, errlen, "Initialization failed: %s", r.failure);
    else if (missing.len) {
        snprintf(err, errlen, "Missing Rego builtins: %s", missing.oom ? "(out of memory)" : missing.data);
        rc = -1;
    }
    json_buf_free(&missing);
    eval_ctx_free(&e);
    json_arena_free(a);
    return rc;
}

int opa_module_prepare(policy_module *m, char *err, size_t errlen)
{
    if (check_exports(m, err, errlen) < 0)
        return -1;
    if (!(m->opa = calloc(1, sizeof *m->opa))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (define_imports(m->opa, err, errlen) < 0)
        return -1;
    wasm_limits limits = {
        .max_memory_pages = m->rt->cfg.max_memory_mib * 16u,
        .start_timeout_ms = (uint32_t)(policy_default_timeout_ns(m->rt) / 1000000u),
    };
    wasm_error werr = { { 0 }, WASM_OK };
    wasm_instance *template = wasm_instantiate(m->wasm, m->opa->linker, &limits, &werr);
    if (!template) {
        if (werr.trap == WASM_TRAP_INTERRUPTED)
            snprintf(err, errlen, "Initialization failed: start function " POLICY_INIT_TIMEOUT_MARK);
        else
            snprintf(err, errlen, "cannot instantiate the module: %s", werr.message);
        return -1;
    }
    int rc = -1;
    if (!wasm_instance_memory(template))
        snprintf(err, errlen, "the module has no linear memory (a Rego module imports env.memory)");
    else
        rc = setup_template(m, template, err, errlen);
    if (rc == 0 && !(m->snapshot = wasm_snapshot_take(template, &werr))) {
        snprintf(err, errlen, "cannot snapshot the initialised module: %s", werr.message);
        rc = -1;
    }
    wasm_instance_free(template);
    return rc;
}

void opa_module_free(struct opa_module *om)
{
    if (!om)
        return;
    if (om->linker)
        wasm_linker_free(om->linker);
    if (om->memory)
        wasm_memory_free(om->memory);
    free(om->builtins);
    free(om);
}

/* ---- evaluation -------------------------------------------------------------- */

/* The spec's evaluate sequence; the result set's text in *out. */
static int run_evaluate(opa_run *r, const char *data, size_t data_len, const char *input, size_t input_len,
                        const char **out, size_t *out_len)
{
    uint64_t arg = r->om->base_heap;
    uint32_t data_value, data_heap, input_value, ctx, rc, result;
    if (run_call(r, X_HEAP_SET, &arg, NULL) < 0 || push_json(r, data, data_len, &data_value, "the data") < 0 ||
        run_call(r, X_HEAP_GET, NULL, &data_heap) < 0)
        return -1;
    arg = data_heap;
    if (run_call(r, X_HEAP_SET, &arg, NULL) < 0 || push_json(r, input, input_len, &input_value, "the input") < 0 ||
        run_call(r, X_CTX_NEW, NULL, &ctx) < 0)
        return -1;
    uint64_t set_input[2] = { ctx, input_value }, set_data[2] = { ctx, data_value }, set_entry[2] = { ctx, 0 };
    if (run_call(r, X_SET_INPUT, set_input, NULL) < 0 || run_call(r, X_SET_DATA, set_data, NULL) < 0 ||
        run_call(r, X_SET_ENTRYPOINT, set_entry, NULL) < 0)
        return -1;
    arg = ctx;
    if (run_call(r, X_EVAL, &arg, &rc) < 0)
        return -1;
    if (rc != 0)
        return run_fail(r, "eval returned error code %u", rc);
    if (run_call(r, X_GET_RESULT, &arg, &result) < 0)
        return -1;
    *out = pull_text(r, result, out_len, "the result set");
    return *out ? 0 : -1;
}

/*
 * data: OPA gets the settings, Gatekeeper {}.  Context-aware resources
 * (data.kubernetes for OPA, data.inventory for Gatekeeper) would be merged here
 * once the Kubernetes backend exists (docs/policy.md).
 */
static const char *build_data(const policy *p, size_t *len)
{
    if (p->module->mode == POLICY_EXEC_GATEKEEPER) {
        *len = 2;
        return "{}";
    }
    *len = p->settings_len;
    return p->settings;
}

/* OPA: {"request": <request>}; Gatekeeper: {"parameters": <settings>, "review": <request>}. */
static const char *build_input(const policy *p, json_arena *a, const char *request, size_t request_len, size_t *len)
{
    bool gatekeeper = p->module->mode == POLICY_EXEC_GATEKEEPER;
    json_buf b;
    json_buf_init(&b);
    if (gatekeeper) {
        json_buf_puts(&b, "{\"parameters\":");
        json_buf_append(&b, p->settings, p->settings_len);
        json_buf_puts(&b, ",\"review\":");
    } else {
        json_buf_puts(&b, "{\"request\":");
    }
    json_buf_append(&b, request, request_len);
    json_buf_puts(&b, "}");
    const char *out = b.oom ? NULL : arena_strndup(a, b.data, b.len);
    *len = b.len;
    json_buf_free(&b);
    return out;
}

static const char *request_text_of(json_arena *a, const json_value *request, const char *text, size_t *len)
{
    if (text)
        return text;
    json_buf b;
    json_buf_init(&b);
    json_write(&b, request);
    const char *out = b.oom ? NULL : arena_strndup(a, b.data, b.len);
    *len = b.len;
    json_buf_free(&b);
    return out;
}

/* A rejection with code 500 whose message is printf'd into the arena; -1 out of memory. */
static int reject_500(policy_response *out, json_arena *a, const char *prefix, const char *why)
{
    const char *msg = arena_printf(a, "%s%s", prefix, why);
    if (!msg)
        return -1;
    policy_response_reject(out, out->uid, msg, 500);
    return 0;
}

int opa_validate(const policy *p, json_arena *a, const json_value *request, const char *request_text,
                 size_t request_text_len, policy_response *out)
{
    if (p->module->mode == POLICY_EXEC_GATEKEEPER && p->raw) {
        policy_response_reject(out, out->uid, OPA_MSG_GATEKEEPER_RAW, 500);
        return 0;
    }
    size_t req_len = request_text_len, data_len, input_len;
    const char *req = request_text_of(a, request, request_text, &req_len);
    const char *input = req ? build_input(p, a, req, req_len, &input_len) : NULL;
    const char *data = build_data(p, &data_len);
    if (!input)
        return -1;

    uint64_t t0 = monotonic_ns();
    run_result none;
    eval_ctx e;
    eval_ctx_init(&e, p->module->rt, p, a);
    wasm_instance *inst = eval_sandbox_new(&e, p->module, &none);
    if (!inst) {
        eval_ctx_free(&e);
        return none.status == RUN_NO_MEMORY ? -1 : reject_500(out, a, "internal server error: ", none.failure);
    }
    opa_run r;
    run_begin(&r, &e, p->module->opa, inst);
    uint64_t t1 = monotonic_ns();
    eval_arm_deadline(&e, inst, p->timeout_ns);
    const char *result = NULL;
    size_t result_len = 0;
    int rc = run_evaluate(&r, data, data_len, input, input_len, &result, &result_len);
    wasm_instance_set_userdata(inst, NULL);
    wasm_instance_free(inst);
    eval_ctx_free(&e);
    uint64_t run_ns = monotonic_ns() - t1;

    if (rc == 0)
        rc = opa_result_interpret(p, a, result, result_len, out);
    else if (r.trap == WASM_TRAP_INTERRUPTED)
        policy_response_reject(out, out->uid, POLICY_MSG_TIMEOUT, 500), rc = 0;
    else
        rc = reject_500(out, a, "internal server error: ", r.failure);
    out->instantiate_ns = t1 - t0;
    out->run_ns = run_ns;
    return rc;
}
