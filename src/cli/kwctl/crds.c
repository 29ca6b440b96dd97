/*
 * crds.c - `kwctl run` on a YAML file of Kubewarden policy CRs
 * (ClusterAdmissionPolicy, AdmissionPolicy): each CR is run in turn on the
 * same request, one response line each.  From a CR only spec.module,
 * settings, contextAwareResources, mode, mutating and message count; the
 * --settings-* and --raw flags are ignored.  The response then goes through
 * the policy-server's validate post-processing (spec §1.8 5a-5c): monitor
 * mode, the mutation gate, the custom message.  Policy groups are refused.
 */
#include <stdio.h>
#include <string.h>

#include "kwctl.h"

typedef struct cr_policy {
    const char *name, *module, *message;
    const json_value *settings, *context_aware;
    bool monitor, mutating;
} cr_policy;

bool kwctl_is_crd_file(const char *path)
{
    size_t n = strlen(path);
    return (n > 4 && strcmp(path + n - 4, ".yml") == 0) || (n > 5 && strcmp(path + n - 5, ".yaml") == 0);
}

/* spec §1.8 5a-5c on a response of this CR, as the policy-server does. */
static int postprocess(json_arena *a, policy_response *r, void *ctx)
{
    const cr_policy *cr = ctx;
    policy_postprocess how = {
        .policy_id = cr->name,
        .monitor = cr->monitor,
        .allowed_to_mutate = cr->mutating,
        .custom_message = cr->message,
    };
    return policy_response_postprocess(a, r, &how);
}

/* Reads one CR: 0, or the exit status after printing the error. */
static int read_cr(const json_value *doc, size_t index, cr_policy *cr)
{
    const char *kind = json_get_string(doc, "kind");
    const json_value *spec = json_get(doc, "spec");
    memset(cr, 0, sizeof *cr);
    cr->name = json_get_string(json_get(doc, "metadata"), "name");
    if (!cr->name) cr->name = "(unnamed)";
    if (!kind) return kwctl_fail("document %zu of the CR file has no kind", index + 1);
    if (strstr(kind, "PolicyGroup"))
        return kwctl_fail("%s '%s': policy groups are not supported by kwctl run", kind, cr->name);
    if (strcmp(kind, "ClusterAdmissionPolicy") != 0 && strcmp(kind, "AdmissionPolicy") != 0)
        return kwctl_fail("document %zu of the CR file: unsupported kind '%s' (expected ClusterAdmissionPolicy "
                          "or AdmissionPolicy)", index + 1, kind);
    if (!(cr->module = json_get_string(spec, "module")))
        return kwctl_fail("%s '%s': spec.module is missing", kind, cr->name);
    const char *mode = json_get_string(spec, "mode");
    if (mode && strcmp(mode, "monitor") != 0 && strcmp(mode, "protect") != 0)
        return kwctl_fail("%s '%s': unknown spec.mode '%s' (expected protect or monitor)", kind, cr->name, mode);
    cr->monitor = mode && strcmp(mode, "monitor") == 0;
    cr->mutating = json_get_bool(spec, "mutating", false);
    cr->message = json_get_string(spec, "message");
    cr->settings = json_get(spec, "settings");
    cr->context_aware = json_get(spec, "contextAwareResources");
    return 0;
}

static int run_one(const run_inputs *base, const json_buf *request, cr_policy *cr)
{
    run_inputs in = *base;
    json_buf settings;
    json_buf_init(&settings);
    if (cr->settings && cr->settings->type != JSON_NULL) json_write(&settings, cr->settings);
    in.policy_path = cr->module;
    in.settings_path = NULL;
    in.settings_json = settings.len ? settings.data : NULL;
    in.raw = false;
    in.request_data = request;
    in.context_aware_resources = cr->context_aware;
    in.policy_id = cr->name;
    prepared p;
    int status = kwctl_prepare(&in, &p);
    if (status == 0) status = kwctl_evaluate_and_print(&p, postprocess, cr);
    kwctl_prepared_free(&p);
    json_buf_free(&settings);
    return status;
}

int kwctl_run_crds(const run_inputs *in)
{
    char err[1024], what[300];
    json_buf text, request;
    json_buf_init(&text);
    json_buf_init(&request);
    json_arena *a = json_arena_new(1 << 16);
    int status = 0;
    json_error jerr;
    const json_value *docs = NULL;
    if (kwctl_read_file(in->policy_path, &text, err, sizeof err) < 0 ||
        kwctl_read_file(in->request_path, &request, err, sizeof err) < 0)     /* once: it may be stdin */
        status = kwctl_fail("%s", err);
    else if (!(docs = json_parse_yaml_all(a, text.data ? text.data : "", text.len, &jerr))) {
        snprintf(what, sizeof what, "malformed CR file '%s': %s", in->policy_path, jerr.message);
        status = kwctl_fail("%s", what);
    }
    size_t ran = 0;
    for (size_t i = 0; docs && status == 0 && i < docs->len; i++) {
        cr_policy cr;
        if (docs->u.items[i]->type == JSON_NULL) continue;            /* an empty document */
        status = read_cr(docs->u.items[i], i, &cr);
        if (status == 0) status = run_one(in, &request, &cr);
        ran++;
    }
    if (docs && status == 0 && ran == 0) status = kwctl_fail("'%s' holds no policy CR", in->policy_path);
    json_arena_free(a);
    json_buf_free(&text);
    json_buf_free(&request);
    return status;
}
