/*
 * spec_script.c - one test script: the modules it instantiates, the names it
 * registers, and the checks of every assertion.
 *
 * Error and trap messages are compared by containment: the engine's text must
 * contain the script's expected text (the reference interpreter's wording).
 * Containment rather than prefix because the engine puts where the error is
 * (function index, byte offset, import name) around the reference wording.
 */
#include "spec_script.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "spec_value.h"
#include "spec_text.h"
#include "spectest.h"
#include "wasm.h"

typedef struct loaded {
    char *name;                  /* "$M" from the script, or NULL */
    wasm_module *module;
    wasm_instance *instance;     /* NULL when instantiation failed */
} loaded;

typedef struct script {
    const char *dir;             /* where the .wasm files are */
    const char *display;
    bool verbose;
    spec_tally *tally;
    wasm_linker *linker;
    spectest host;
    loaded *mods;                /* kept to the end: tables may point into any of them */
    size_t nmods, capmods;
    wasm_instance *current;      /* the latest module command's instance */
    int line;
    const char *wasm_file;       /* the command's module file, named in failures */
    bool from_text;              /* modules from the .wast through wat_to_wasm */
    spec_source source;          /* the .wast, with from_text */
} script;

/* What an action (invoke or get) did. */
typedef struct outcome {
    wasm_trap trap;
    const char *trap_message;
    uint32_t nresults;
    const uint8_t *result_types; /* NULL for a global: the expected type is used */
    uint64_t *slots;
    char problem[256];           /* set when the action could not be performed at all */
} outcome;

#define CALL_DEADLINE_NS (10ull * 1000000000ull)

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- reporting ----------------------------------------------------------- */

static void pass(script *s)
{
    s->tally->passed++;
}

static void fail(script *s, const char *what, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fail(script *s, const char *what, const char *fmt, ...)
{
    s->tally->failed++;
    if (!s->verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (s->wasm_file)
        printf("%s:%d (%s/%s): %s: ", s->display, s->line, s->dir, s->wasm_file, what);
    else
        printf("%s:%d: %s: ", s->display, s->line, what);
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
}

/*
 * Messages that stand for the expected one because of the text-to-binary
 * conversion, not the engine: wast2json writes no DataCount section for a
 * module without data segments, so a `data.drop 0` that the text script calls
 * invalid ("unknown data segment") is, as a binary, malformed with the
 * reference decoder's "data count section required" (memory_init.wast).
 * wast2json encodes `select (result)` (no types) as the untyped select, so the
 * binary for "invalid result arity" is byte for byte the one select.wast also
 * calls a "type mismatch" (select.wast:320 and :324).
 */
static const struct { const char *expected, *equivalent; } conversion_equivalents[] = {
    { "unknown data segment", "data count section required" },
    { "invalid result arity", "type mismatch" },
};

static bool message_matches(const char *got, const char *want)
{
    if (!got || !want)
        return false;
    if (strstr(got, want))
        return true;
    for (size_t i = 0; i < sizeof conversion_equivalents / sizeof conversion_equivalents[0]; i++)
        if (strcmp(want, conversion_equivalents[i].expected) == 0 && strstr(got, conversion_equivalents[i].equivalent))
            return true;
    return false;
}

/* ---- modules ------------------------------------------------------------- */

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *data = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size >= 0 && fseek(f, 0, SEEK_SET) == 0 && (data = malloc(size ? (size_t)size : 1))) {
            if (fread(data, 1, (size_t)size, f) != (size_t)size) {
                free(data);
                data = NULL;
            }
            *len = (size_t)size;
        }
    }
    fclose(f);
    return data;
}

/*
 * from_text: the module converted by our text parser from the script's text at
 * the command's line.  wast2json's binary is loaded too: whether the engine
 * takes both or neither is counted (text_alike / text_differ), and whether the
 * two binaries are the same bytes (text_identical).
 */
static wasm_module *load_module_text(script *s, const json_value *cmd, wasm_error *err)
{
    const char *file = json_get_string(cmd, "filename");
    char path[4096];
    uint8_t *bin = NULL, *ref_bin;
    size_t len = 0, ref_len = 0;
    wasm_error ref_err = { .message = "runner: cannot read wast2json's binary" };
    snprintf(path, sizeof path, "%s/%s", s->dir, file ? file : "");
    ref_bin = read_file(path, &ref_len);
    wasm_module *reference = ref_bin ? wasm_module_load(ref_bin, ref_len, &ref_err) : NULL;
    wasm_module *module = NULL;
    memset(err, 0, sizeof *err);
    if (spec_source_convert(&s->source, s->line, &bin, &len, err->message, sizeof err->message) == 0) {
        module = wasm_module_load(bin, len, err);
        if (ref_bin && len == ref_len && memcmp(bin, ref_bin, len) == 0)
            s->tally->text_identical++;
    }
    if (!module && !err->message[0])
        snprintf(err->message, sizeof err->message, "text parser failed");
    if ((module != NULL) == (reference != NULL)) {
        s->tally->text_alike++;
    } else {
        s->tally->text_differ++;
        if (s->verbose)
            printf("%s:%d: from text: our binary %s (%s), wast2json's %s (%s)\n", s->display, s->line,
                   module ? "loads" : "does not load", module ? "" : err->message,
                   reference ? "loads" : "does not", reference ? "" : ref_err.message);
    }
    if (reference)
        wasm_module_free(reference);
    free(ref_bin);
    free(bin);
    return module;
}

/* Loads the command's "filename".  NULL with err->message set on failure. */
static wasm_module *load_module_file(script *s, const json_value *cmd, wasm_error *err)
{
    const char *file = json_get_string(cmd, "filename");
    char path[4096];
    size_t len = 0;
    memset(err, 0, sizeof *err);
    if (!file) {
        snprintf(err->message, sizeof err->message, "runner: command without \"filename\"");
        return NULL;
    }
    snprintf(path, sizeof path, "%s/%s", s->dir, file);
    uint8_t *bytes = read_file(path, &len);
    if (!bytes) {
        snprintf(err->message, sizeof err->message, "runner: cannot read %.400s", path);
        return NULL;
    }
    wasm_module *module = wasm_module_load(bytes, len, err);
    free(bytes);
    return module;
}

/* Loads the command's module: wast2json's .wasm file, or with from_text our parser's binary. */
static wasm_module *load_module(script *s, const json_value *cmd, wasm_error *err)
{
    return s->from_text ? load_module_text(s, cmd, err) : load_module_file(s, cmd, err);
}

/* Keeps a module (and its instance, if any) to the end of the script. */
static void keep(script *s, const char *name, wasm_module *module, wasm_instance *instance)
{
    if (s->nmods == s->capmods) {
        size_t cap = s->capmods ? 2 * s->capmods : 16;
        loaded *mods = realloc(s->mods, cap * sizeof *mods);
        if (!mods) {
            /* Nothing sensible to continue with; the parent reports the exit status. */
            fprintf(stderr, "%s:%d: runner out of memory\n", s->display, s->line);
            exit(4);
        }
        s->mods = mods;
        s->capmods = cap;
    }
    loaded *m = &s->mods[s->nmods++];
    m->name = name ? strdup(name) : NULL;
    m->module = module;
    m->instance = instance;
}

/* The instance a command names ("module": "$M"), else the current one. */
static wasm_instance *find_instance(script *s, const char *name)
{
    if (!name)
        return s->current;
    for (size_t i = s->nmods; i-- > 0;)
        if (s->mods[i].name && strcmp(s->mods[i].name, name) == 0)
            return s->mods[i].instance;
    return NULL;
}

/* The tier every module must run on: the compiler on x86-64 Linux unless
 * KW_WASM_TIER=interp, so that no module falls back to the interpreter unseen. */
static const char *expected_tier(void)
{
    const char *tier = getenv("KW_WASM_TIER");
    if (tier && strcmp(tier, "interp") == 0)
        return "interp";
#if defined(__x86_64__) && defined(__linux__)
    return "jit";
#else
    return "interp";
#endif
}

static void cmd_module(script *s, const json_value *cmd)
{
    wasm_error err;
    const char *name = json_get_string(cmd, "name");
    wasm_module *module = load_module(s, cmd, &err);
    s->current = NULL;      /* later actions must not silently use an older module */
    if (!module) {
        fail(s, "module", "load failed: %s", err.message);
        return;
    }
    if (strcmp(wasm_module_tier(module), expected_tier()) != 0)
        fail(s, "module", "runs on the %s tier, expected %s", wasm_module_tier(module), expected_tier());
    wasm_instance *inst = wasm_instantiate(module, s->linker, NULL, &err);
    keep(s, name, module, inst);
    if (!inst) {
        fail(s, "module", "instantiation failed: %s", err.message);
        return;
    }
    s->current = inst;
}

static void cmd_register(script *s, const json_value *cmd)
{
    const char *as = json_get_string(cmd, "as");
    wasm_instance *inst = find_instance(s, json_get_string(cmd, "name"));
    if (!as || !inst) {
        fail(s, "register", "no such module instance");
        return;
    }
    if (wasm_linker_define_instance(s->linker, as, inst) != 0)
        fail(s, "register", "wasm_linker_define_instance(\"%s\") failed", as);
}

/* ---- actions ------------------------------------------------------------- */

static int parse_args(const json_value *args, const wasm_functype_info *type, uint64_t *slots, char *why,
                      size_t why_len)
{
    size_t n = args ? args->len : 0;
    if (n != type->nparams) {
        snprintf(why, why_len, "%zu arguments given, the function takes %u", n, type->nparams);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        spec_value v;
        if (spec_value_parse(json_index(args, i), &v, why, why_len) != 0)
            return -1;
        if (v.type != type->params[i] || v.pattern != SPEC_EXACT) {
            snprintf(why, why_len, "argument %zu is %s, the function takes %s", i,
                     spec_valtype_name(v.type), spec_valtype_name(type->params[i]));
            return -1;
        }
        slots[i] = v.bits;
    }
    return 0;
}

static int invoke(wasm_instance *inst, const json_value *action, outcome *out)
{
    /* Export names may hold NUL bytes (names.wast): look them up by length. */
    const json_value *name = json_get(action, "field");
    const char *field = name && name->type == JSON_STRING ? name->u.str : NULL;
    wasm_funcinst *func = field ? wasm_instance_export_func_len(inst, field, name->len) : NULL;
    wasm_functype_info type;
    if (!func) {
        snprintf(out->problem, sizeof out->problem, "no exported function \"%s\"", field ? field : "");
        return -1;
    }
    wasm_funcinst_type(func, &type);
    uint32_t nslots = type.nparams > type.nresults ? type.nparams : type.nresults;
    out->slots = calloc(nslots ? nslots : 1, sizeof *out->slots);
    if (!out->slots) {
        snprintf(out->problem, sizeof out->problem, "out of memory");
        return -1;
    }
    if (parse_args(json_get(action, "args"), &type, out->slots, out->problem, sizeof out->problem) != 0)
        return -1;
    /* No spec test runs long: a call that does is an engine bug, reported as a trap, not a hang. */
    wasm_instance_set_deadline(inst, now_ns() + CALL_DEADLINE_NS);
    out->trap = wasm_call(inst, func, out->slots, out->slots);
    wasm_instance_set_deadline(inst, 0);
    out->nresults = type.nresults;
    out->result_types = type.results;
    if (out->trap != WASM_OK) {
        const char *msg = wasm_instance_trap_message(inst);
        out->trap_message = msg && msg[0] ? msg : wasm_trap_string(out->trap);
    }
    return 0;
}

static int get_global(wasm_instance *inst, const json_value *action, outcome *out)
{
    const char *field = json_get_string(action, "field");
    wasm_global *global = field ? wasm_instance_export_global(inst, field) : NULL;
    if (!global) {
        snprintf(out->problem, sizeof out->problem, "no exported global \"%s\"", field ? field : "");
        return -1;
    }
    out->slots = malloc(sizeof *out->slots);
    if (!out->slots) {
        snprintf(out->problem, sizeof out->problem, "out of memory");
        return -1;
    }
    out->slots[0] = wasm_global_get(global);
    out->nresults = 1;
    return 0;
}

/* Performs the command's action.  Returns -1 (with out->problem) when it could not. */
static int perform(script *s, const json_value *cmd, outcome *out)
{
    const json_value *action = json_get(cmd, "action");
    const char *type = json_get_string(action, "type");
    const char *module = json_get_string(action, "module");
    memset(out, 0, sizeof *out);
    wasm_instance *inst = find_instance(s, module);
    if (!inst) {
        snprintf(out->problem, sizeof out->problem, "no module instance %s", module ? module : "(current)");
        return -1;
    }
    if (type && strcmp(type, "invoke") == 0)
        return invoke(inst, action, out);
    if (type && strcmp(type, "get") == 0)
        return get_global(inst, action, out);
    snprintf(out->problem, sizeof out->problem, "unknown action type \"%s\"", type ? type : "");
    return -1;
}

static const char *action_name(const json_value *cmd)
{
    const char *field = json_get_string(json_get(cmd, "action"), "field");
    return field ? field : "?";
}

/* ---- assertions on actions ----------------------------------------------- */

/* Compares the results with "expected"; on a mismatch writes why into `why`. */
static bool results_match(const json_value *expected, const outcome *out, char *why, size_t why_len)
{
    size_t n = expected ? expected->len : 0;
    if (n != out->nresults) {
        snprintf(why, why_len, "%zu results expected, the function returns %u", n, out->nresults);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        spec_value want;
        char w[96], g[96];
        if (spec_value_parse(json_index(expected, i), &want, why, why_len) != 0)
            return false;
        wasm_valtype got_type = out->result_types ? (wasm_valtype)out->result_types[i] : want.type;
        if (got_type == want.type && spec_value_matches(&want, out->slots[i]))
            continue;
        spec_value_format(&want, w, sizeof w);
        spec_slot_format(got_type, out->slots[i], g, sizeof g);
        snprintf(why, why_len, "result %zu: expected %s, got %s", i, w, g);
        return false;
    }
    return true;
}

static void cmd_assert_return(script *s, const json_value *cmd)
{
    outcome out;
    char why[512];
    if (perform(s, cmd, &out) != 0)
        fail(s, "assert_return", "\"%s\": %s", action_name(cmd), out.problem);
    else if (out.trap != WASM_OK)
        fail(s, "assert_return", "\"%s\": trapped: %s", action_name(cmd), out.trap_message);
    else if (!results_match(json_get(cmd, "expected"), &out, why, sizeof why))
        fail(s, "assert_return", "\"%s\": %s", action_name(cmd), why);
    else
        pass(s);
    free(out.slots);
}

/* assert_trap and assert_exhaustion: the action must trap with the expected text. */
static void cmd_assert_trap(script *s, const json_value *cmd, const char *what)
{
    outcome out;
    const char *text = json_get_string(cmd, "text");
    if (perform(s, cmd, &out) != 0)
        fail(s, what, "\"%s\": %s", action_name(cmd), out.problem);
    else if (out.trap == WASM_OK)
        fail(s, what, "\"%s\": returned, expected trap \"%s\"", action_name(cmd), text);
    else if (!message_matches(out.trap_message, text))
        fail(s, what, "\"%s\": expected trap \"%s\", got \"%s\"", action_name(cmd), text, out.trap_message);
    else
        pass(s);
    free(out.slots);
}

static void cmd_action(script *s, const json_value *cmd)
{
    outcome out;
    if (perform(s, cmd, &out) != 0)
        fail(s, "action", "\"%s\": %s", action_name(cmd), out.problem);
    else if (out.trap != WASM_OK)
        fail(s, "action", "\"%s\": trapped: %s", action_name(cmd), out.trap_message);
    free(out.slots);
}

/* ---- assertions on modules ----------------------------------------------- */

/*
 * A text module (wast2json wrote it as a .wat file): our text parser must
 * reject it.  Only whether it does is checked, not the wording.
 */
static void cmd_text_rejected(script *s, const json_value *cmd, const char *what)
{
    const char *file = json_get_string(cmd, "filename");
    char path[4096], why[512];
    snprintf(path, sizeof path, "%s/%s", s->dir, file ? file : "");
    int status = spec_wat_file_convert(path, why, sizeof why);
    if (status == -1)
        pass(s);
    else if (status == 0)
        fail(s, what, "text module parsed, expected \"%s\"", json_get_string(cmd, "text"));
    else
        fail(s, what, "%s", why);
}

/* assert_invalid and assert_malformed: loading must fail with the expected text. */
static void cmd_assert_rejected(script *s, const json_value *cmd, const char *what)
{
    const char *text = json_get_string(cmd, "text");
    const char *kind = json_get_string(cmd, "module_type");
    wasm_error err;
    if (kind && strcmp(kind, "binary") != 0) {
        cmd_text_rejected(s, cmd, what);
        return;
    }
    wasm_module *module = load_module(s, cmd, &err);
    if (module) {
        fail(s, what, "module loaded, expected \"%s\"", text);
        wasm_module_free(module);
    } else if (!message_matches(err.message, text)) {
        fail(s, what, "expected \"%s\", got \"%s\"", text, err.message);
    } else {
        pass(s);
    }
}

/*
 * assert_unlinkable (`want_trap` false) and assert_uninstantiable (true): the
 * module loads, and instantiation fails with the text; uninstantiable ones by
 * a trap (a segment out of bounds, the start function).
 */
static void cmd_assert_not_instantiated(script *s, const json_value *cmd, const char *what, bool want_trap)
{
    const char *text = json_get_string(cmd, "text");
    wasm_error err;
    wasm_module *module = load_module(s, cmd, &err);
    if (!module) {
        fail(s, what, "load failed: %s", err.message);
        return;
    }
    wasm_instance *inst = wasm_instantiate(module, s->linker, NULL, &err);
    keep(s, NULL, module, inst);
    const char *trap_text = err.trap != WASM_OK ? wasm_trap_string(err.trap) : "";
    if (inst)
        fail(s, what, "instantiated, expected \"%s\"", text);
    else if (want_trap != (err.trap != WASM_OK))
        fail(s, what, "expected %s \"%s\", got \"%s\"", want_trap ? "a trap" : "a link error", text, err.message);
    else if (!message_matches(err.message, text) && !message_matches(trap_text, text))
        fail(s, what, "expected \"%s\", got \"%s\"", text, err.message);
    else
        pass(s);
}

/* ---- the script ---------------------------------------------------------- */

static void run_command(script *s, const json_value *cmd)
{
    const char *type = json_get_string(cmd, "type");
    int64_t line = 0;
    json_is_integer(json_get(cmd, "line"), &line);
    s->line = s->tally->line = (int)line;
    s->wasm_file = json_get_string(cmd, "filename");
    if (!type)
        fail(s, "command", "without \"type\"");
    else if (strcmp(type, "module") == 0)
        cmd_module(s, cmd);
    else if (strcmp(type, "register") == 0)
        cmd_register(s, cmd);
    else if (strcmp(type, "action") == 0)
        cmd_action(s, cmd);
    else if (strcmp(type, "assert_return") == 0)
        cmd_assert_return(s, cmd);
    else if (strcmp(type, "assert_trap") == 0 || strcmp(type, "assert_exhaustion") == 0)
        cmd_assert_trap(s, cmd, type);
    else if (strcmp(type, "assert_invalid") == 0 || strcmp(type, "assert_malformed") == 0)
        cmd_assert_rejected(s, cmd, type);
    else if (strcmp(type, "assert_unlinkable") == 0)
        cmd_assert_not_instantiated(s, cmd, type, false);
    else if (strcmp(type, "assert_uninstantiable") == 0)
        cmd_assert_not_instantiated(s, cmd, type, true);
    else
        fail(s, "command", "unknown command type \"%s\"", type);
}

static int count_assertions(const json_value *commands)
{
    int n = 0;
    for (size_t i = 0; i < commands->len; i++) {
        const char *type = json_get_string(json_index(commands, i), "type");
        if (type && strncmp(type, "assert_", 7) == 0)
            n++;
    }
    return n;
}

static void script_free(script *s)
{
    /* The linker refers to registered instances; instances to modules and host objects. */
    if (s->linker)
        wasm_linker_free(s->linker);
    for (size_t i = s->nmods; i-- > 0;)
        if (s->mods[i].instance)
            wasm_instance_free(s->mods[i].instance);
    for (size_t i = s->nmods; i-- > 0;) {
        wasm_module_free(s->mods[i].module);
        free(s->mods[i].name);
    }
    free(s->mods);
    spectest_free(&s->host);
}

static void run_commands(script *s, const json_value *commands)
{
    wasm_error err;
    s->linker = wasm_linker_new();
    if (!s->linker || spectest_init(&s->host, s->linker, &err) != 0) {
        fail(s, "setup", "cannot create the spectest module");
        return;
    }
    for (size_t i = 0; i < commands->len; i++)
        run_command(s, json_index(commands, i));
}

int spec_script_run(const char *json_path, const char *display, bool verbose, bool from_text, spec_tally *tally)
{
    size_t len = 0;
    char *text = (char *)read_file(json_path, &len);
    json_arena *arena = json_arena_new(1 << 20);
    json_error jerr;
    char dir[4096];
    const char *slash = strrchr(json_path, '/');
    int status = -1;

    memset(tally, 0, sizeof *tally);
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - json_path) : 1, slash ? json_path : ".");
    const json_value *doc = text && arena ? json_parse(arena, text, len, &jerr) : NULL;
    const json_value *commands = json_get(doc, "commands");
    if (!text)
        fprintf(stderr, "%s: cannot read\n", json_path);
    else if (!doc)
        fprintf(stderr, "%s: offset %zu: %s\n", json_path, jerr.offset, jerr.message);
    else if (!commands || commands->type != JSON_ARRAY)
        fprintf(stderr, "%s: no \"commands\" array\n", json_path);
    else {
        script s = { .dir = dir, .display = display, .verbose = verbose, .tally = tally, .from_text = from_text };
        const char *wast = json_get_string(doc, "source_filename");
        tally->assertions = count_assertions(commands);
        if (from_text && (!wast || spec_source_read(&s.source, wast) != 0)) {
            fprintf(stderr, "%s: cannot read the script %s\n", json_path, wast ? wast : "(no source_filename)");
        } else {
            run_commands(&s, commands);
            status = 0;
        }
        spec_source_free(&s.source);
        script_free(&s);
    }
    if (arena)
        json_arena_free(arena);
    free(text);
    return status;
}
