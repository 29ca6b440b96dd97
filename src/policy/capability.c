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

static int segment_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

/* The segments that may follow `prefix` ("" or ending in '/'), sorted, ", "-joined. */
static void next_segments(const char *prefix, char *out, size_t outlen)
{
    const char *segs[N_KNOWN];
    size_t lens[N_KNOWN], count = 0, n = strlen(prefix);
    for (size_t i = 0; i < N_KNOWN; i++) {
        if (strncmp(known_paths[i], prefix, n) != 0)
            continue;
        const char *seg = known_paths[i] + n;
        size_t len = strcspn(seg, "/"), j = 0;
        while (j < count && !(lens[j] == len && memcmp(segs[j], seg, len) == 0))
            j++;
        if (j < count)
            continue;                   /* already listed */
        for (j = count++; j > 0 && segment_cmp(segs[j - 1], lens[j - 1], seg, len) > 0; j--) {
            segs[j] = segs[j - 1];
            lens[j] = lens[j - 1];
        }
        segs[j] = seg;
        lens[j] = len;
    }
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < count && used < outlen; i++)
        used += (size_t)snprintf(out + used, outlen - used, "%s%.*s", i ? ", " : "", (int)lens[i], segs[i]);
}

/*
 * Validates one pattern against the tree of known capabilities, as upstream
 * does: a prefix pattern (`<path>/` then a star) must name an inner node,
 * anything else a leaf.  Returns 0, or -1 with the reason in `why`.
 */
static int pattern_check(const char *s, bool *prefix, char *why, size_t whylen)
{
    size_t n = strlen(s);
    const char *star = strchr(s, '*');
    *prefix = n >= 2 && strcmp(s + n - 2, "/*") == 0;
    if (n == 0 || n > 200) {
        snprintf(why, whylen, n ? "too long" : "a pattern cannot be empty");
        return -1;
    }
    if (star && !(*prefix && star == s + n - 1)) {
        snprintf(why, whylen, "the wildcard must be a whole last segment ('*' or '<prefix>/*')");
        return -1;
    }
    char walked[256] = "";              /* the segments accepted so far, each followed by '/' */
    size_t end = *prefix ? n - 2 : n;
    for (const char *seg = s;;) {
        const char *slash = memchr(seg, '/', (size_t)(s + end - seg));
        size_t len = slash ? (size_t)(slash - seg) : (size_t)(s + end - seg), at = strlen(walked);
        char options[160];
        next_segments(walked, options, sizeof options);
        snprintf(walked + at, sizeof walked - at, "%.*s", (int)len, seg);
        bool leaf = is_known_path(walked), last = !slash;
        snprintf(walked + at + len, sizeof walked - at - len, "/");
        if (!leaf && !is_inner_node(walked)) {
            snprintf(why, whylen, "unknown segment '%.*s' (valid: %s)", (int)len, seg, options);
            return -1;
        }
        if (leaf && (!last || *prefix)) {
            snprintf(why, whylen, "'%.*s' is a capability, nothing follows it", (int)(seg + len - s), s);
            return -1;
        }
        if (last && !leaf && !*prefix) {
            snprintf(why, whylen, "incomplete capability path: use '%s/*' to allow everything under it", s);
            return -1;
        }
        if (last)
            return 0;
        seg = slash + 1;
    }
}

/* Upstream trims each pattern; a trimmed copy, or NULL when out of memory. */
static char *trimmed(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    return strndup(s, n);
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
        char *s = trimmed(list[i] ? list[i] : ""), why[256];
        bool prefix = false;
        if (!s) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (strcmp(s, "*") == 0) {      /* allows everything: the rest is not even looked at */
            free(s);
            p->allow_all_capabilities = true;
            return 0;
        }
        if (pattern_check(s, &prefix, why, sizeof why) < 0) {
            snprintf(err, errlen, "invalid host capability pattern '%s': %s", s, why);
            free(s);
            return -1;
        }
        if (prefix)
            s[strlen(s) - 1] = '\0';    /* keep the "oci/v1/" of "oci/v1/" + star */
        p->patterns[p->n_patterns++] = (capability_pattern){ s, prefix };
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

/* The gating rules and the dispatch: 0 reply, -1 error text, -2 out of memory. */
static int gated_call(eval_ctx *e, const char *binding, size_t binding_len, const char *ns, size_t ns_len,
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

int capability_call(eval_ctx *e, wasm_instance *inst, const uint64_t *args, const char **out, size_t *out_len,
                    wasm_trap *trap)
{
    uint32_t bd_len = (uint32_t)args[1], ns_len = (uint32_t)args[3], op_len = (uint32_t)args[5];
    uint32_t len = (uint32_t)args[7];
    const char *bd = guest_string(e->arena, inst, (uint32_t)args[0], bd_len, "the host call binding", trap);
    const char *ns = bd ? guest_string(e->arena, inst, (uint32_t)args[2], ns_len, "the host call namespace", trap)
                        : NULL;
    const char *op = ns ? guest_string(e->arena, inst, (uint32_t)args[4], op_len, "the host call operation", trap)
                        : NULL;
    const char *payload = op ? guest_string(e->arena, inst, (uint32_t)args[6], len, NULL, trap) : NULL;
    if (!payload)
        return -1;
    int rc = gated_call(e, bd, bd_len, ns, ns_len, op, op_len, payload, len, out, out_len);
    if (rc == -2) {
        *trap = host_trap(inst, "out of memory in a host call");
        return -1;
    }
    return rc == 0 ? 0 : 1;
}
