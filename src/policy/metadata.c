/*
 * metadata.c - Kubewarden policy metadata (spec §2.8): reading it from a
 * module's `io.kubewarden.metadata` custom section, checking it as `kwctl
 * annotate` does, and normalising a metadata.yml into the JSON the section
 * holds (upstream's field order and defaults; unknown fields are dropped, as
 * serde does).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metadata_internal.h"

static const struct { const char *name; policy_exec_mode mode; } exec_modes[] = {
    { "kubewarden-wapc", POLICY_EXEC_WAPC },
    { "wasi", POLICY_EXEC_WASI },
    { "opa", POLICY_EXEC_OPA },
    { "gatekeeper", POLICY_EXEC_GATEKEEPER },
};

const char *policy_exec_mode_name(policy_exec_mode mode)
{
    for (size_t i = 0; i < sizeof exec_modes / sizeof *exec_modes; i++)
        if (exec_modes[i].mode == mode) return exec_modes[i].name;
    return "unknown";
}

int policy_exec_mode_parse(const char *name, policy_exec_mode *out)
{
    if (strcmp(name, "kubewarden") == 0) name = "kubewarden-wapc";      /* kwctl -e spelling */
    for (size_t i = 0; i < sizeof exec_modes / sizeof *exec_modes; i++)
        if (strcmp(exec_modes[i].name, name) == 0) {
            *out = exec_modes[i].mode;
            return 0;
        }
    return -1;
}

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* An optional boolean member: absent or null gives `dflt`. */
static int read_bool(const json_value *doc, const char *key, bool dflt, bool *out, char *err, size_t errlen)
{
    const json_value *v = json_get(doc, key);
    if (!v || v->type == JSON_NULL) *out = dflt;
    else if (v->type == JSON_TRUE || v->type == JSON_FALSE) *out = v->type == JSON_TRUE;
    else return fail(err, errlen, "'%s' must be a boolean", key);
    return 0;
}

/* An optional string member: absent or null gives NULL. */
static int read_string(const json_value *doc, const char *key, const char **out, char *err, size_t errlen)
{
    const json_value *v = json_get(doc, key);
    *out = NULL;
    if (!v || v->type == JSON_NULL) return 0;
    if (v->type != JSON_STRING) return fail(err, errlen, "'%s' must be a string", key);
    *out = v->u.str;
    return 0;
}

/* Fills `out` from a metadata document (already parsed). */
static int interpret(const json_value *doc, policy_metadata *out, char *err, size_t errlen)
{
    if (doc->type != JSON_OBJECT) return fail(err, errlen, "metadata must be an object");
    const char *mode, *protocol, *type;
    if (read_string(doc, "executionMode", &mode, err, errlen) < 0 ||
        read_string(doc, "protocolVersion", &protocol, err, errlen) < 0 ||
        read_string(doc, "policyType", &type, err, errlen) < 0 ||
        read_bool(doc, "mutating", false, &out->mutating, err, errlen) < 0 ||
        read_bool(doc, "backgroundAudit", true, &out->background_audit, err, errlen) < 0)
        return -1;
    out->execution_mode = POLICY_EXEC_WAPC;
    if (mode && policy_exec_mode_parse(mode, &out->execution_mode) < 0)
        return fail(err, errlen, "unknown executionMode '%s' (expected kubewarden-wapc, opa, gatekeeper or wasi)",
                    mode);
    if (mode && strcmp(mode, "kubewarden") == 0)
        return fail(err, errlen, "unknown executionMode 'kubewarden' (the metadata name is kubewarden-wapc)");
    if (protocol && strlen(protocol) >= sizeof out->protocol_version)
        return fail(err, errlen, "protocolVersion '%.40s' is too long", protocol);
    snprintf(out->protocol_version, sizeof out->protocol_version, "%s", protocol ? protocol : "");
    if (type && strcmp(type, "kubernetes") != 0 && strcmp(type, "raw") != 0)
        return fail(err, errlen, "unknown policyType '%s' (expected kubernetes or raw)", type);
    out->raw = type && strcmp(type, "raw") == 0;
    out->doc = doc;
    out->present = true;
    return 0;
}

int policy_metadata_read(json_arena *a, const uint8_t *wasm, size_t len, policy_metadata *out, char *err,
                         size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->execution_mode = POLICY_EXEC_WAPC;
    out->background_audit = true;
    const uint8_t *payload;
    size_t payload_len;
    int found = wasm_find_custom_section(wasm, len, POLICY_METADATA_SECTION, &payload, &payload_len, err, errlen);
    if (found <= 0) return found;
    json_error jerr;
    const json_value *doc = json_parse(a, (const char *)payload, payload_len, &jerr);
    if (!doc) return fail(err, errlen, "the %s section is not valid JSON: %s", POLICY_METADATA_SECTION, jerr.message);
    char why[200];
    if (interpret(doc, out, why, sizeof why) < 0) {
        memset(out, 0, sizeof *out);
        return fail(err, errlen, "the %s section: %s", POLICY_METADATA_SECTION, why);
    }
    return 0;
}

/* ---- validation (kwctl annotate) ----------------------------------------- */

static bool contains(const json_value *list, const char *s)
{
    for (size_t i = 0; i < list->len; i++)
        if (strcmp(list->u.items[i]->u.str, s) == 0) return true;
    return false;
}

/* A non-empty array of strings, with `*` only on its own. */
static int check_string_list(const json_value *rule, const char *key, size_t index, bool star_alone, char *err,
                             size_t errlen)
{
    const json_value *list = json_get(rule, key);
    if (!list || list->type != JSON_ARRAY) return fail(err, errlen, "rules[%zu].%s: must be a list", index, key);
    if (list->len == 0) return fail(err, errlen, "rules[%zu].%s: must not be empty", index, key);
    for (size_t i = 0; i < list->len; i++)
        if (list->u.items[i]->type != JSON_STRING)
            return fail(err, errlen, "rules[%zu].%s[%zu]: must be a string", index, key, i);
    if (star_alone && list->len > 1 && contains(list, "*"))
        return fail(err, errlen, "rules[%zu].%s: no other elements can be defined when '*' is used", index, key);
    return 0;
}

static int check_operations(const json_value *ops, size_t index, char *err, size_t errlen)
{
    static const char *const known[] = { "CREATE", "UPDATE", "DELETE", "CONNECT", "*" };
    for (size_t i = 0; i < ops->len; i++) {
        bool ok = false;
        for (size_t k = 0; k < sizeof known / sizeof *known; k++) ok |= strcmp(ops->u.items[i]->u.str, known[k]) == 0;
        if (!ok)
            return fail(err, errlen, "rules[%zu].operations: unknown operation '%s' "
                        "(expected CREATE, UPDATE, DELETE, CONNECT or *)", index, ops->u.items[i]->u.str);
    }
    return 0;
}

/* Does `list` hold `res` with a wildcard subresource, or `sub` under a wildcard
 * resource?  (The patterns are spelt out in check_resources.) */
static bool has_split(const json_value *list, const char *res, const char *sub)
{
    for (size_t i = 0; i < list->len; i++) {
        const char *s = list->u.items[i]->u.str, *slash = strchr(s, '/');
        if (!slash) continue;
        if (res && (size_t)(slash - s) == strlen(res) && strncmp(s, res, strlen(res)) == 0 && strcmp(slash + 1, "*") == 0)
            return true;
        if (sub && strncmp(s, "*/", 2) == 0 && strcmp(slash + 1, sub) == 0) return true;
    }
    return false;
}

/* Kubernetes' resource/subresource wildcard rules, as upstream transposes them. */
static int check_resources(const json_value *list, size_t index, char *err, size_t errlen)
{
    bool single = false, bare = false;
    for (size_t i = 0; i < list->len; i++) {
        const char *s = list->u.items[i]->u.str, *slash = strchr(s, '/');
        if (!*s) return fail(err, errlen, "rules[%zu].resources: empty resource is not allowed", index);
        if (strcmp(s, "*/*") == 0 && list->len > 1)
            return fail(err, errlen, "rules[%zu].resources: if '*/*' is present, must not specify other resources",
                        index);
        if (strcmp(s, "*") == 0) single = true;
        if (!slash) {
            bare |= strcmp(s, "*") != 0;
            continue;
        }
        char res[256];
        snprintf(res, sizeof res, "%.*s", (int)(slash - s), s);
        if (strcmp(slash + 1, "*") != 0 && has_split(list, res, NULL))
            return fail(err, errlen, "rules[%zu].resources: if '%s/*' is present, must not specify %s", index, res, s);
        if (strcmp(res, "*") != 0 && has_split(list, NULL, slash + 1))
            return fail(err, errlen, "rules[%zu].resources: if '*/%s' is present, must not specify %s", index,
                        slash + 1, s);
    }
    if (single && bare)
        return fail(err, errlen,
                    "rules[%zu].resources: if '*' is present, must not specify other resources without subresources",
                    index);
    return 0;
}

static int check_rules(const json_value *rules, char *err, size_t errlen)
{
    if (!rules || rules->type == JSON_NULL) return 0;
    if (rules->type != JSON_ARRAY) return fail(err, errlen, "'rules' must be a list");
    for (size_t i = 0; i < rules->len; i++) {
        const json_value *rule = rules->u.items[i];
        if (rule->type != JSON_OBJECT) return fail(err, errlen, "rules[%zu]: must be a mapping", i);
        if (check_string_list(rule, "apiGroups", i, true, err, errlen) < 0 ||
            check_string_list(rule, "apiVersions", i, true, err, errlen) < 0 ||
            check_string_list(rule, "resources", i, false, err, errlen) < 0 ||
            check_string_list(rule, "operations", i, true, err, errlen) < 0 ||
            check_operations(json_get(rule, "operations"), i, err, errlen) < 0 ||
            check_resources(json_get(rule, "resources"), i, err, errlen) < 0)
            return -1;
    }
    return 0;
}

static int check_context_aware(const json_value *list, char *err, size_t errlen)
{
    if (!list || list->type == JSON_NULL) return 0;
    if (list->type != JSON_ARRAY) return fail(err, errlen, "'contextAwareResources' must be a list");
    for (size_t i = 0; i < list->len; i++)
        if (!json_get_string(list->u.items[i], "apiVersion") || !json_get_string(list->u.items[i], "kind"))
            return fail(err, errlen, "contextAwareResources[%zu]: needs string 'apiVersion' and 'kind'", i);
    return 0;
}

static int check_string_array(const json_value *doc, const char *key, char *err, size_t errlen)
{
    const json_value *list = json_get(doc, key);
    if (!list || list->type == JSON_NULL) return 0;
    if (list->type != JSON_ARRAY) return fail(err, errlen, "'%s' must be a list", key);
    for (size_t i = 0; i < list->len; i++)
        if (list->u.items[i]->type != JSON_STRING) return fail(err, errlen, "%s[%zu]: must be a string", key, i);
    return 0;
}

/* "x.y.z" with an optional -pre / +build suffix. */
static bool is_semver(const char *s)
{
    for (int part = 0; part < 3; part++) {
        if (*s < '0' || *s > '9') return false;
        if (*s == '0' && s[1] >= '0' && s[1] <= '9') return false;
        while (*s >= '0' && *s <= '9') s++;
        if (part < 2 && *s++ != '.') return false;
    }
    return *s == '\0' || *s == '-' || *s == '+';
}

int policy_metadata_validate(const json_value *doc, char *err, size_t errlen)
{
    policy_metadata m;
    const char *version;
    if (interpret(doc, &m, err, errlen) < 0 || check_rules(json_get(doc, "rules"), err, errlen) < 0 ||
        check_context_aware(json_get(doc, "contextAwareResources"), err, errlen) < 0 ||
        check_string_array(doc, "hostCapabilities", err, errlen) < 0 ||
        read_string(doc, "minimumKubewardenVersion", &version, err, errlen) < 0)
        return -1;
    const json_value *annotations = json_get(doc, "annotations");
    if (annotations && annotations->type != JSON_NULL && annotations->type != JSON_OBJECT)
        return fail(err, errlen, "'annotations' must be a mapping");
    for (size_t i = 0; annotations && annotations->type == JSON_OBJECT && i < annotations->len; i++)
        if (annotations->u.members[i].value->type != JSON_STRING)
            return fail(err, errlen, "annotation '%s' must be a string", annotations->u.members[i].key);
    if (version && !is_semver(version))
        return fail(err, errlen, "minimumKubewardenVersion '%s' is not a semantic version", version);
    if (m.protocol_version[0] && strcmp(m.protocol_version, "v1") != 0 && strcmp(m.protocol_version, "Unknown") != 0)
        return fail(err, errlen, "unknown protocolVersion '%s' (expected v1 or Unknown)", m.protocol_version);
    if (m.execution_mode == POLICY_EXEC_WAPC && strcmp(m.protocol_version, "Unknown") == 0)
        return fail(err, errlen, "Must specify a valid protocol version (a kubewarden-wapc policy cannot be 'Unknown')");
    return 0;
}

/* ---- normalisation (kwctl annotate) --------------------------------------- */

static int compare_members(const void *x, const void *y)
{
    const json_member *a = x, *b = y;
    return strcmp(a->key, b->key);
}

/* Annotations as a sorted map of strings (YAML may have read `1.0` as a number). */
static json_value *normalize_annotations(json_arena *a, const json_value *in, char *err, size_t errlen)
{
    json_value *out = json_new_object(a);
    if (!out || !in || in->type == JSON_NULL) return out;
    if (in->type != JSON_OBJECT) return fail(err, errlen, "'annotations' must be a mapping"), NULL;
    for (size_t i = 0; i < in->len; i++) {
        const json_value *v = in->u.members[i].value;
        json_value *text = v->type == JSON_STRING ? (json_value *)v
                         : v->type == JSON_NUMBER ? json_new_string(a, v->u.num.text, v->u.num.text_len)
                         : v->type == JSON_TRUE ? json_new_string(a, "true", 4)
                         : v->type == JSON_FALSE ? json_new_string(a, "false", 5) : NULL;
        if (!text) return fail(err, errlen, "annotation '%s' must be a string", in->u.members[i].key), NULL;
        if (json_object_set(a, out, in->u.members[i].key, text) < 0) return NULL;
    }
    qsort(out->u.members, out->len, sizeof *out->u.members, compare_members);
    return out;
}

static int compare_resources(const void *x, const void *y)
{
    const json_value *a = *(json_value *const *)x, *b = *(json_value *const *)y;
    int c = strcmp(json_get_string(a, "apiVersion"), json_get_string(b, "apiVersion"));
    return c ? c : strcmp(json_get_string(a, "kind"), json_get_string(b, "kind"));
}

/* contextAwareResources as upstream keeps them: a sorted set of {apiVersion, kind}. */
static json_value *normalize_resources(json_arena *a, const json_value *in, char *err, size_t errlen)
{
    if (check_context_aware(in, err, errlen) < 0) return NULL;
    json_value *out = json_new_array(a);
    for (size_t i = 0; out && in && in->type == JSON_ARRAY && i < in->len; i++) {
        json_value *r = json_new_object(a);
        const json_value *item = in->u.items[i];
        if (!r || json_object_set(a, r, "apiVersion", (json_value *)json_get(item, "apiVersion")) < 0 ||
            json_object_set(a, r, "kind", (json_value *)json_get(item, "kind")) < 0 || json_array_push(a, out, r) < 0)
            return NULL;
    }
    if (!out || out->len < 2) return out;
    qsort(out->u.items, out->len, sizeof *out->u.items, compare_resources);
    size_t kept = 1;
    for (size_t i = 1; i < out->len; i++)
        if (compare_resources(&out->u.items[i], &out->u.items[kept - 1]) != 0) out->u.items[kept++] = out->u.items[i];
    out->len = kept;
    return out;
}

json_value *policy_metadata_normalize(json_arena *a, const json_value *doc, char *err, size_t errlen)
{
    policy_metadata m;
    if (!doc || interpret(doc, &m, err, errlen) < 0) {
        if (!doc) fail(err, errlen, "metadata must be a mapping");
        return NULL;
    }
    const json_value *rules = json_get(doc, "rules");
    json_value *out = json_new_object(a);
    json_value *annotations = normalize_annotations(a, json_get(doc, "annotations"), err, errlen);
    json_value *resources = normalize_resources(a, json_get(doc, "contextAwareResources"), err, errlen);
    if (!out || !annotations || !resources) return NULL;
    bool ok = true;
    if (m.protocol_version[0])
        ok &= json_object_set(a, out, "protocolVersion", json_new_string(a, m.protocol_version,
                                                                          strlen(m.protocol_version))) == 0;
    ok &= json_object_set(a, out, "rules", rules && rules->type != JSON_NULL ? (json_value *)rules
                                                                             : json_new_array(a)) == 0;
    ok &= json_object_set(a, out, "annotations", annotations) == 0;
    ok &= json_object_set(a, out, "mutating", json_new_bool(a, m.mutating)) == 0;
    ok &= json_object_set(a, out, "backgroundAudit", json_new_bool(a, m.background_audit)) == 0;
    ok &= json_object_set(a, out, "contextAwareResources", resources) == 0;
    const char *mode = policy_exec_mode_name(m.execution_mode);
    ok &= json_object_set(a, out, "executionMode", json_new_string(a, mode, strlen(mode))) == 0;
    ok &= json_object_set(a, out, "policyType", json_new_string(a, m.raw ? "raw" : "kubernetes",
                                                                 m.raw ? 3 : 10)) == 0;
    static const char *const optional[] = { "minimumKubewardenVersion", "hostCapabilities" };
    for (size_t i = 0; i < sizeof optional / sizeof *optional; i++) {
        const json_value *v = json_get(doc, optional[i]);
        if (v && v->type != JSON_NULL) ok &= json_object_set(a, out, optional[i], (json_value *)v) == 0;
    }
    if (!ok) fail(err, errlen, "out of memory");
    return ok ? out : NULL;
}
