/*
 * capability.c - host capabilities (spec §2.4): the hostCapabilities allow-list
 * (patterns validated against the known tree), the gating rules applied to
 * every guest -> host call in their upstream order with their exact error
 * texts, the built-in `tracing/log`, and dispatch to the embedder's backends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/* Every capability path a policy can be granted (the leaves of the tree). */
static const char *const known_paths[] = {
    "kubernetes/list_resources_by_namespace", "kubernetes/list_resources_all",
    "kubernetes/get_resource", "kubernetes/can_i",
    "oci/v1/verify", "oci/v1/manifest_digest", "oci/v1/oci_manifest", "oci/v1/oci_manifest_config",
    "oci/v2/verify",
    "net/v1/dns_lookup_host",
    "crypto/v1/is_certificate_trusted",
};
#define N_KNOWN (sizeof known_paths / sizeof known_paths[0])

static const char *const namespaces[POLICY_CAP_COUNT] = {
    [POLICY_CAP_KUBERNETES] = "kubernetes", [POLICY_CAP_OCI] = "oci",
    [POLICY_CAP_NET] = "net", [POLICY_CAP_CRYPTO] = "crypto",
};

static bool is_known_path(const char *path)
{
    for (size_t i = 0; i < N_KNOWN; i++)
        if (strcmp(known_paths[i], path) == 0)
            return true;
    return false;
}

/* True when some capability lies strictly under `prefix` (which ends with '/'). */
static bool is_inner_node(const char *prefix)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; i < N_KNOWN; i++)
        if (strncmp(known_paths[i], prefix, n) == 0)
            return true;
    return false;
}

/* Checks one pattern; NULL when valid, else why not. */
static const char *pattern_problem(const char *s, bool *prefix)
{
    size_t n = strlen(s);
    *prefix = n >= 2 && strcmp(s + n - 2, "/*") == 0;
    const char *star = strchr(s, '*');
    if (star && !(*prefix && star == s + n - 1))
        return "a wildcard must be a whole last segment ('*' or '<prefix>/*')";
    if (*prefix) {
        char buf[256];
        if (n - 1 >= sizeof buf)
            return "unknown host capability";
        memcpy(buf, s, n - 1);
        buf[n - 1] = '\0';
        return is_inner_node(buf) ? NULL : "unknown host capability";
    }
    if (is_known_path(s))
        return NULL;
    char inner[256];
    if (snprintf(inner, sizeof inner, "%s/", s) < (int)sizeof inner && is_inner_node(inner))
        return "names a group of capabilities: add '/*' to grant all of them";
    return "unknown host capability";
}

int capability_patterns_parse(policy *p, const char *const *list, size_t n, char *err, size_t errlen)
{
    if (!list || n == 0)
        return 0;                       /* absent or []: deny all but tracing */
    p->patterns = calloc(n, sizeof *p->patterns);
    if (!p->patterns) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *s = list[i] ? list[i] : "";
        if (strcmp(s, "*") == 0) {
            p->allow_all_capabilities = true;
            continue;
        }
        bool prefix;
        const char *why = pattern_problem(s, &prefix);
        if (why) {
            snprintf(err, errlen, "invalid host capability pattern '%s': %s", s, why);
            return -1;
        }
        capability_pattern *pat = &p->patterns[p->n_patterns];
        pat->prefix = prefix;
        pat->path = prefix ? strndup(s, strlen(s) - 1) : strdup(s);
        if (!pat->path) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        p->n_patterns++;
    }
    return 0;
}

static bool capability_allowed(const policy *p, const char *path)
{
    if (p->allow_all_capabilities)
        return true;
    for (size_t i = 0; i < p->n_patterns; i++) {
        const capability_pattern *pat = &p->patterns[i];
        if (pat->prefix ? strncmp(path, pat->path, strlen(pat->path)) == 0 : strcmp(path, pat->path) == 0)
            return true;
    }
    return false;
}

/* ---- the call --------------------------------------------------------------- */

typedef struct call_reply {
    const char **out;
    size_t *out_len;
} call_reply;

static int reply_text(eval_ctx *e, call_reply r, int rc, const char *text)
{
    if (!text)
        return -2;
    *r.out = text;
    *r.out_len = strlen(text);
    return rc;
}

static int namespace_index(const char *ns)
{
    for (int i = 0; i < POLICY_CAP_COUNT; i++)
        if (strcmp(namespaces[i], ns) == 0)
            return i;
    return -1;
}

/* Rule 3: the namespace, then the operation, must exist. */
static const char *unknown_target(eval_ctx *e, const char *ns, const char *op, const char *path)
{
    if (strcmp(ns, "tracing") == 0)
        return strcmp(op, "log") == 0 ? NULL : arena_printf(e->arena, "unknown operation: %s", op);
    if (namespace_index(ns) < 0)
        return arena_printf(e->arena, "unknown namespace: %s", ns);
    return is_known_path(path) ? NULL : arena_printf(e->arena, "unknown operation: %s", op);
}

/* Rule 5: Kubernetes reads are limited to the policy's contextAwareResources. */
static const char *resource_denied(eval_ctx *e, const char *op, const json_value *payload)
{
    if (strcmp(op, "can_i") == 0)
        return NULL;
    const char *api_version = json_get_string(payload, "api_version");
    const char *kind = json_get_string(payload, "kind");
    if (!api_version || !kind)
        return arena_printf(e->arena, "missing field `%s`", api_version ? "kind" : "api_version");
    const policy *p = e->policy;
    for (size_t i = 0; p && i < p->n_resources; i++)
        if (strcmp(p->resources[i].api_version, api_version) == 0 && strcmp(p->resources[i].kind, kind) == 0)
            return NULL;
    char *extra = arena_printf(e->arena, "{\"resource_requested\":\"%s/%s\"}", api_version, kind);
    policy_log(e->rt, POLICY_LOG_ERROR, eval_policy_id(e),
               "Policy tried to access a Kubernetes resource it doesn't have access to", extra);
    return arena_printf(e->arena, "Policy has not been granted access to Kubernetes %s/%s resources. "
                        "The violation has been reported.", api_version, kind);
}

static bool level_of(const char *s, policy_log_level *out)
{
    static const struct { const char *name; policy_log_level level; } levels[] = {
        { "trace", POLICY_LOG_TRACE }, { "debug", POLICY_LOG_DEBUG }, { "info", POLICY_LOG_INFO },
        { "warning", POLICY_LOG_WARN }, { "error", POLICY_LOG_ERROR },
    };
    for (size_t i = 0; s && i < sizeof levels / sizeof levels[0]; i++)
        if (strcasecmp(levels[i].name, s) == 0) {
            *out = levels[i].level;
            return true;
        }
    return false;
}

/* Upstream never fails a log call: a bad event is reported by the host instead. */
static int bad_log_event(eval_ctx *e, const char *payload, const char *why, call_reply r)
{
    json_buf b;
    json_buf_init(&b);
    json_buf_puts(&b, "{\"payload\":");
    json_write_string(&b, payload, strlen(payload));
    json_buf_puts(&b, ",\"error\":");
    json_write_string(&b, why, strlen(why));
    json_buf_puts(&b, "}");
    if (!b.oom)
        policy_log(e->rt, POLICY_LOG_ERROR, eval_policy_id(e), "Cannot log event", b.data);
    json_buf_free(&b);
    return reply_text(e, r, 0, "");
}

/* tracing/log: {"level":..,"message":.., other fields...} -> the embedder's log callback. */
static int tracing_log(eval_ctx *e, const char *text, const json_value *payload, call_reply r)
{
    policy_log_level level;
    if (!payload || payload->type != JSON_OBJECT)
        return bad_log_event(e, text, "expected a JSON object", r);
    const char *name = json_get_string(payload, "level");
    if (!level_of(name, &level)) {
        const char *why = name ? arena_printf(e->arena, "unknown log level %s", name) : "missing field `level`";
        return why ? bad_log_event(e, text, why, r) : -2;
    }
    const char *message = json_get_string(payload, "message");
    json_buf extra;
    json_buf_init(&extra);
    json_buf_puts(&extra, "{");
    bool first = true;
    for (size_t i = 0; i < payload->len; i++) {
        const json_member *mb = &payload->u.members[i];
        if (strcmp(mb->key, "level") == 0 || strcmp(mb->key, "message") == 0)
            continue;
        if (!first)
            json_buf_puts(&extra, ",");
        first = false;
        json_write_string(&extra, mb->key, mb->key_len);
        json_buf_puts(&extra, ":");
        json_write(&extra, mb->value);
    }
    json_buf_puts(&extra, "}");
    if (!extra.oom)
        policy_log(e->rt, level, eval_policy_id(e), message ? message : "", first ? NULL : extra.data);
    bool oom = extra.oom;
    json_buf_free(&extra);
    return oom ? -2 : reply_text(e, r, 0, "");
}

static int call_backend(eval_ctx *e, int cap, const char *ns, const char *op, const json_value *payload,
                        const char *text, size_t len, call_reply r)
{
    const policy_backend *b = &e->rt->cfg.backends[cap];
    if (!b->fn) {
        if (cap == POLICY_CAP_KUBERNETES)
            return reply_text(e, r, -1, "Callback evaluation failure: kube::Client was not initialized properly");
        return reply_text(e, r, -1, arena_printf(e->arena, "Callback evaluation failure: the %s host "
                                                 "capabilities are not available in this build", ns));
    }
    policy_host_call call = { eval_policy_id(e), ns, op, payload, text, len };
    json_buf reply;
    json_buf_init(&reply);
    int rc = b->fn(b->ctx, e->arena, &call, &reply);
    const char *body = reply.len ? reply.data : "";
    char *out = reply.oom ? NULL
              : rc == 0 ? arena_strndup(e->arena, body, reply.len)
              : arena_printf(e->arena, "Callback evaluation failure: %s", body);
    size_t out_len = rc == 0 ? reply.len : (out ? strlen(out) : 0);
    json_buf_free(&reply);
    if (!out)
        return -2;
    *r.out = out;
    *r.out_len = out_len;
    return rc == 0 ? 0 : -1;
}

int capability_call(eval_ctx *e, const char *binding, size_t binding_len, const char *ns, size_t ns_len,
                    const char *op, size_t op_len, const char *payload, size_t payload_len,
                    const char **out, size_t *out_len)
{
    call_reply r = { out, out_len };
    if (binding_len != 10 || memcmp(binding, "kubewarden", 10) != 0)
        return reply_text(e, r, -1, arena_printf(e->arena, "unknown binding: %s", binding));
    if (strlen(ns) != ns_len || strlen(op) != op_len)     /* an embedded NUL names nothing we know */
        return reply_text(e, r, -1, arena_printf(e->arena, "unknown namespace: %s", ns));
    char *path = arena_printf(e->arena, "%s/%s", ns, op);
    if (!path)
        return -2;
    bool tracing = strcmp(ns, "tracing") == 0;
    if (!tracing && !(e->policy && capability_allowed(e->policy, path))) {
        char *extra = arena_printf(e->arena, "{\"capability\":\"%s\"}", path);
        policy_log(e->rt, POLICY_LOG_ERROR, eval_policy_id(e),
                   "Policy tried to use a host capability it doesn't have access to", extra);
        return reply_text(e, r, -1, arena_printf(e->arena, "Policy has not been granted access to the '%s' host "
                                                 "capability. The violation has been reported.", path));
    }
    const char *unknown = unknown_target(e, ns, op, path);
    if (unknown)
        return reply_text(e, r, -1, unknown);
    json_error jerr;
    const json_value *doc = json_parse(e->arena, payload, payload_len, &jerr);
    if (tracing)
        return doc ? tracing_log(e, payload, doc, r) : bad_log_event(e, payload, jerr.message, r);
    if (!doc)
        return reply_text(e, r, -1, arena_printf(e->arena, "%s", jerr.message));
    int cap = namespace_index(ns);
    if (cap == POLICY_CAP_KUBERNETES) {
        const char *denied = resource_denied(e, op, doc);
        if (denied)
            return reply_text(e, r, -1, denied);
    }
    return call_backend(e, cap, ns, op, doc, payload, payload_len, r);
}
