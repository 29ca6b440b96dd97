/*
 * run.c - `kwctl run`: evaluate one request against a local policy module and
 * print the AdmissionResponse as one line of JSON.  Also the preparation
 * `bench` shares: module, execution mode, settings, request.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kwctl.h"

int run_option(run_inputs *in, int opt, const char *arg)
{
    switch (opt) {
    case 'r': in->request_path = arg; return 1;
    case 's': in->settings_path = arg; return 1;
    case 'J': in->settings_json = arg; return 1;
    case 'e': in->execution_mode = arg; return 1;
    case 'R': in->raw = true; return 1;
    case 'C': in->allow_context_aware = true; return 1;
    case 'H': in->allowed_host_capabilities = arg; return 1;
    default: return 0;
    }
}

int run_inputs_finish(run_inputs *in, int argc, char **argv, int first_operand)
{
    if (first_operand >= argc) return kwctl_fail("missing the policy to run (a .wasm file)");
    if (first_operand + 1 < argc) return kwctl_fail("unexpected argument '%s'", argv[first_operand + 1]);
    in->policy_path = argv[first_operand];
    if (!in->request_path) return kwctl_fail("missing --request-path <FILE|->");
    if (in->settings_path && in->settings_json)
        return kwctl_fail("--settings-path and --settings-json cannot be used together");
    policy_exec_mode mode;
    if (in->execution_mode && policy_exec_mode_parse(in->execution_mode, &mode) < 0)
        return kwctl_fail("unknown execution mode '%s' (expected opa, gatekeeper, kubewarden or wasi)",
                          in->execution_mode);
    return 0;
}

/* The mode to run in: the metadata's, or -e's, or waPC; Rego must be told apart. */
static int choose_mode(const run_inputs *in, const policy_metadata *meta, bool rego, policy_exec_mode *mode)
{
    policy_exec_mode user = POLICY_EXEC_WAPC;
    bool has_user = in->execution_mode && policy_exec_mode_parse(in->execution_mode, &user) == 0;
    if (meta->present && has_user && user != meta->execution_mode)
        return kwctl_fail("The policy execution mode specified via CLI flag is different from the one reported "
                          "inside of policy's metadata. Metadata reports %s instead of %s",
                          policy_exec_mode_name(meta->execution_mode), policy_exec_mode_name(user));
    *mode = meta->present ? meta->execution_mode : has_user ? user : POLICY_EXEC_WAPC;
    bool rego_mode = *mode == POLICY_EXEC_OPA || *mode == POLICY_EXEC_GATEKEEPER;
    if (rego && !rego_mode)
        return kwctl_fail("the module is a Rego policy (it exports opa_* functions): run it with "
                          "--execution-mode opa or --execution-mode gatekeeper");
    if (!rego && rego_mode)
        return kwctl_fail("execution mode %s needs a Rego policy built with `opa build -t wasm`, and this module "
                          "exports no opa_* functions", policy_exec_mode_name(*mode));
    return 0;
}

/* Splits "a,b,c" into an arena array of strings. */
static const char **split_patterns(json_arena *a, const char *list, size_t *n)
{
    size_t count = 1;
    for (const char *p = list; *p; p++) count += *p == ',';
    const char **out = json_arena_alloc(a, count * sizeof *out);
    if (!out) return NULL;
    *n = 0;
    for (const char *p = list;;) {
        size_t len = strcspn(p, ",");
        if (len) out[(*n)++] = json_arena_strdup(a, p, len);
        if (!p[len]) break;
        p += len + 1;
    }
    return out;
}

/* A list of {apiVersion, kind}: the metadata's with --allow-context-aware, or a CR's. */
static policy_resource *context_aware(json_arena *a, const json_value *list, size_t *n)
{
    *n = 0;
    if (!list || list->type != JSON_ARRAY || !list->len) return NULL;
    policy_resource *out = json_arena_alloc(a, list->len * sizeof *out);
    for (size_t i = 0; out && i < list->len; i++) {
        const char *version = json_get_string(list->u.items[i], "apiVersion");
        const char *kind = json_get_string(list->u.items[i], "kind");
        if (version && kind) out[(*n)++] = (policy_resource){ .api_version = version, .kind = kind };
    }
    return out;
}

static json_value *read_settings(const run_inputs *in, json_arena *a, char *err, size_t errlen)
{
    json_buf text;
    json_buf_init(&text);
    json_value *v = NULL;
    if (in->settings_json) {
        json_buf_puts(&text, in->settings_json);
        v = kwctl_parse_document(a, "--settings-json", &text, false, err, errlen);
    } else if (in->settings_path) {
        char what[300];
        snprintf(what, sizeof what, "settings file '%s'", in->settings_path);
        if (kwctl_read_file(in->settings_path, &text, err, errlen) == 0)
            v = kwctl_parse_document(a, what, &text, true, err, errlen);
    } else {
        v = json_new_object(a);
    }
    json_buf_free(&text);
    if (v && v->type == JSON_NULL) v = json_new_object(a);          /* an empty settings file */
    return v;
}

/* The request as the policy sees it: the AdmissionRequest (unwrapped from an
 * AdmissionReview) or, for raw policies, the whole document. */
static int read_request(const run_inputs *in, prepared *p, bool raw, char *err, size_t errlen)
{
    char what[300];
    snprintf(what, sizeof what, "request %s", strcmp(in->request_path, "-") == 0 ? "from stdin" : "file");
    if (strcmp(in->request_path, "-") != 0)
        snprintf(what, sizeof what, "request file '%s'", in->request_path);
    if (in->request_data) json_buf_append(&p->request_text, in->request_data->data, in->request_data->len);
    else if (kwctl_read_file(in->request_path, &p->request_text, err, errlen) < 0) return -1;
    const json_value *doc = kwctl_parse_document(p->arena, what, &p->request_text, false, err, errlen);
    if (!doc) return -1;
    p->request = doc;
    p->request_verbatim = p->request_text.data;
    p->request_verbatim_len = p->request_text.len;
    if (raw) return 0;                                       /* any JSON document */
    if (doc->type != JSON_OBJECT) {
        snprintf(err, errlen, "the %s must hold a JSON object (an AdmissionReview or an AdmissionRequest), "
                 "or use --raw", what);
        return -1;
    }
    const char *kind = json_get_string(doc, "kind");
    if (!kind || strcmp(kind, "AdmissionReview") != 0) return 0;
    p->request = json_get(doc, "request");
    p->request_verbatim = NULL;
    if (!p->request || p->request->type != JSON_OBJECT) {
        snprintf(err, errlen, "the AdmissionReview in %s has no 'request' object", what);
        return -1;
    }
    return 0;
}

static int make_policy(const run_inputs *in, prepared *p, const json_value *settings, char *err, size_t errlen)
{
    policy_options opts = { .id = in->policy_id ? in->policy_id : "kwctl", .settings = settings,
                            .raw = in->raw ? 1 : -1 };
    const policy_metadata *meta = policy_module_metadata(p->module);
    opts.host_capabilities = split_patterns(p->arena, in->allowed_host_capabilities ? in->allowed_host_capabilities
                                                                                     : "*",
                                            &opts.n_host_capabilities);
    const json_value *granted = in->context_aware_resources;
    if (!granted && in->allow_context_aware && meta->present) granted = json_get(meta->doc, "contextAwareResources");
    opts.context_aware_resources = context_aware(p->arena, granted, &opts.n_context_aware_resources);
    p->policy = policy_new(p->module, &opts, err, errlen);
    return p->policy ? 0 : -1;
}

int kwctl_prepare(const run_inputs *in, prepared *p)
{
    char err[1024];
    memset(p, 0, sizeof *p);
    json_buf_init(&p->module_bytes);
    json_buf_init(&p->request_text);
    if (!(p->arena = json_arena_new(1 << 16))) return kwctl_fail("out of memory");
    if (kwctl_read_module(in->policy_path, &p->module_bytes, err, sizeof err) < 0) return kwctl_fail("%s", err);
    const uint8_t *wasm = (const uint8_t *)p->module_bytes.data;
    size_t len = p->module_bytes.len;
    policy_metadata meta;
    if (policy_metadata_read(p->arena, wasm, len, &meta, err, sizeof err) < 0)
        return kwctl_fail("invalid policy metadata in '%s': %s", in->policy_path, err);
    policy_module_options mopts = { .force_mode = true };
    int status = choose_mode(in, &meta, policy_module_is_rego(wasm, len), &mopts.mode);
    if (status) return status;
    json_value *settings = read_settings(in, p->arena, err, sizeof err);
    if (!settings) return kwctl_fail("%s", err);
    if (!(p->rt = kwctl_runtime_new(false, err, sizeof err))) return kwctl_fail("%s", err);
    if (!(p->module = policy_module_load(p->rt, wasm, len, &mopts, err, sizeof err)))
        return kwctl_fail("cannot load policy '%s': %s", in->policy_path, err);
    if (make_policy(in, p, settings, err, sizeof err) < 0) return kwctl_fail("%s", err);
    policy_settings_result valid;
    if (policy_validate_settings(p->policy, p->arena, &valid) < 0) return kwctl_fail("out of memory");
    if (!valid.valid) return kwctl_fail("Provided settings are not valid: %s", valid.message ? valid.message : "");
    if (read_request(in, p, policy_is_raw(p->policy), err, sizeof err) < 0) return kwctl_fail("%s", err);
    return 0;
}

void kwctl_prepared_free(prepared *p)
{
    if (p->policy) policy_free(p->policy);
    if (p->module) policy_module_release(p->module);
    if (p->rt) policy_runtime_free(p->rt);
    json_arena_free(p->arena);
    json_buf_free(&p->module_bytes);
    json_buf_free(&p->request_text);
}

int kwctl_evaluate_and_print(prepared *p, response_hook post, void *ctx)
{
    policy_response response;
    if (policy_validate(p->policy, p->arena, p->request, p->request_verbatim, p->request_verbatim_len, &response) < 0 ||
        (post && post(p->arena, &response, ctx) < 0))
        return kwctl_fail("out of memory");
    json_buf out;
    json_buf_init(&out);
    policy_response_write(&out, &response);
    printf("%s\n", out.data);
    fflush(stdout);
    json_buf_free(&out);
    return 0;
}

static int usage(FILE *out)
{
    fputs("Usage: kwctl run [OPTIONS] --request-path <FILE|-> <POLICY.wasm | CRs.yaml>\n"
          "  -r, --request-path <FILE|->          AdmissionReview or AdmissionRequest JSON (- = stdin)\n"
          "  -s, --settings-path <FILE>           settings, YAML or JSON\n"
          "      --settings-json <JSON>           settings inline\n"
          "  -e, --execution-mode <MODE>          opa, gatekeeper, kubewarden or wasi\n"
          "      --raw                            the request is a raw JSON document\n"
          "      --allow-context-aware            grant the metadata's contextAwareResources\n"
          "      --allowed-host-capabilities <P>  comma-separated patterns (default '*')\n", out);
    return out == stdout ? 0 : 2;
}

int cmd_run(int argc, char **argv)
{
    static const struct option options[] = { RUN_LONG_OPTIONS, { NULL, 0, NULL, 0 } };
    run_inputs in = { 0 };
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, RUN_SHORT_OPTIONS, options, NULL)) != -1) {
        if (opt == 'h') return usage(stdout);
        if (!run_option(&in, opt, optarg)) return usage(stderr);
    }
    int status = run_inputs_finish(&in, argc, argv, optind);
    if (status) return status;
    if (kwctl_is_crd_file(in.policy_path)) return kwctl_run_crds(&in);
    prepared p;
    status = kwctl_prepare(&in, &p);
    if (status == 0) status = kwctl_evaluate_and_print(&p, NULL, NULL);
    kwctl_prepared_free(&p);
    return status;
}
