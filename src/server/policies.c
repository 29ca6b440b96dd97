/*
 * policies.c - parsing the policies file (see policies.h and spec §1.3).
 *
 * Top-level entries ignore unknown keys (the controller adds e.g.
 * `namespacedName`); group members reject them, as upstream does.
 */
#include "policies.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parse_ctx {
    json_arena *arena;
    char *err;
    size_t errlen;
    char where[320];          /* "policy 'x'" or "policy group 'g', member 'm'" */
} parse_ctx;

static int fail(parse_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = snprintf(c->err, c->errlen, "%s: ", c->where);
    if (n >= 0 && (size_t)n < c->errlen)
        vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static const char *type_name(const json_value *v)
{
    switch (v->type) {
    case JSON_NULL: return "null";
    case JSON_FALSE: case JSON_TRUE: return "a boolean";
    case JSON_NUMBER: return "a number";
    case JSON_STRING: return "a string";
    case JSON_ARRAY: return "a list";
    case JSON_OBJECT: return "a mapping";
    }
    return "?";
}

/* ---- module sources ------------------------------------------------------ */

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Local paths and file:// URIs load now.  registry://, https:// and http://
 * (and bare references, which mean registry://) cannot be fetched yet: like a
 * failed download upstream, that is an error of this policy at load time (so
 * --continue-on-errors can keep the others serving), recorded in module_error. */
static int resolve_module(parse_ctx *c, policy_spec *spec)
{
    static const char *remote[] = {"registry://", "https://", "http://"};
    const char *module = spec->module;
    char msg[512];
    if (has_prefix(module, "file://") && module[strlen("file://")]) {
        spec->module_path = module + strlen("file://");
        return 0;
    }
    if (module[0] == '/' || has_prefix(module, "./") || has_prefix(module, "../")) {
        spec->module_path = module;
        return 0;
    }
    if (has_prefix(module, "file://")) {
        snprintf(msg, sizeof msg, "'%s' has no path", module);
    } else if (strstr(module, "://")) {
        bool known = false;
        for (size_t i = 0; i < sizeof remote / sizeof remote[0]; i++)
            if (has_prefix(module, remote[i])) {
                snprintf(msg, sizeof msg, "%s sources are not supported yet (use a local path or a "
                         "file:// URI)", remote[i]);
                known = true;
            }
        if (!known)
            snprintf(msg, sizeof msg, "unknown scheme (expected file://, registry://, https:// or http://)");
    } else {
        snprintf(msg, sizeof msg, "a reference without a scheme means registry://, and registry sources "
                 "are not supported yet (use an absolute path, ./relative/path or a file:// URI)");
    }
    char full[800];
    snprintf(full, sizeof full, "Error while downloading policy '%s' from %s: %s", spec->name, module, msg);
    spec->module_error = json_arena_strdup(c->arena, full, strlen(full));
    return spec->module_error ? 0 : fail(c, "out of memory");
}

/* ---- fields shared by policies and group members ---------------------------- */

static int parse_module(parse_ctx *c, const json_value *entry, policy_spec *spec)
{
    const json_value *module = json_get(entry, "module");
    const json_value *url = json_get(entry, "url");
    if (module && url)
        return fail(c, "fields 'module' and 'url' are the same setting: give only 'module'");
    const char *field = module ? "module" : "url";
    if (!module)
        module = url;
    if (!module)
        return fail(c, "missing field 'module'");
    if (module->type != JSON_STRING || module->len == 0)
        return fail(c, "field '%s': expected a non-empty string, got %s", field, type_name(module));
    spec->module = module->u.str;
    return resolve_module(c, spec);
}

static int parse_settings(parse_ctx *c, const json_value *entry, policy_spec *spec)
{
    const json_value *settings = json_get(entry, "settings");
    if (!settings || settings->type == JSON_NULL)
        return 0;
    if (settings->type != JSON_OBJECT)
        return fail(c, "field 'settings': expected a mapping, got %s", type_name(settings));
    spec->settings = settings;
    return 0;
}

static int parse_timeout(parse_ctx *c, const json_value *entry, policy_spec *spec)
{
    const json_value *v = json_get(entry, "timeoutEvalSeconds");
    if (!v || v->type == JSON_NULL)
        return 0;
    int64_t seconds;
    if (!json_is_integer(v, &seconds) || seconds < 1 || seconds > 4294967)
        return fail(c, "field 'timeoutEvalSeconds': expected a whole number of seconds between 1 and "
                    "4294967, got %.*s", v->type == JSON_NUMBER ? (int)v->u.num.text_len : 64,
                    v->type == JSON_NUMBER ? v->u.num.text : type_name(v));
    spec->timeout_ms = (uint32_t)seconds * 1000u;
    return 0;
}

static int parse_host_capabilities(parse_ctx *c, const json_value *entry, policy_spec *spec)
{
    const json_value *v = json_get(entry, "hostCapabilities");
    if (!v || v->type == JSON_NULL)
        return 0;
    if (v->type != JSON_ARRAY)
        return fail(c, "field 'hostCapabilities': expected a list of strings, got %s", type_name(v));
    const char **caps = json_arena_alloc(c->arena, (v->len + 1) * sizeof *caps);
    if (!caps)
        return fail(c, "out of memory");
    for (size_t i = 0; i < v->len; i++) {
        const json_value *item = v->u.items[i];
        if (item->type != JSON_STRING)
            return fail(c, "field 'hostCapabilities': item %zu: expected a string, got %s", i,
                        type_name(item));
        caps[i] = item->u.str;
    }
    spec->host_capabilities = caps;
    spec->n_host_capabilities = v->len;
    return 0;
}

static int parse_context_aware(parse_ctx *c, const json_value *entry, policy_spec *spec)
{
    const json_value *v = json_get(entry, "contextAwareResources");
    if (!v || v->type == JSON_NULL)
        return 0;
    if (v->type != JSON_ARRAY)
        return fail(c, "field 'contextAwareResources': expected a list of {apiVersion, kind}, got %s",
                    type_name(v));
    policy_resource *res = json_arena_alloc(c->arena, (v->len + 1) * sizeof *res);
    if (!res)
        return fail(c, "out of memory");
    for (size_t i = 0; i < v->len; i++) {
        const json_value *item = v->u.items[i];
        const char *api_version = json_get_string(item, "apiVersion");
        const char *kind = json_get_string(item, "kind");
        if (!api_version || !kind)
            return fail(c, "field 'contextAwareResources': item %zu: expected a mapping with string "
                        "fields 'apiVersion' and 'kind'", i);
        res[i] = (policy_resource){api_version, kind};
    }
    spec->context_aware_resources = res;
    spec->n_context_aware_resources = v->len;
    return 0;
}

static int parse_spec(parse_ctx *c, const json_value *entry, const char *name, policy_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->name = name;
    if (parse_module(c, entry, spec) || parse_settings(c, entry, spec) || parse_timeout(c, entry, spec) ||
        parse_host_capabilities(c, entry, spec) || parse_context_aware(c, entry, spec))
        return -1;
    return 0;
}

static int parse_mode(parse_ctx *c, const json_value *entry, policy_mode *mode)
{
    const json_value *v = json_get(entry, "policyMode");
    *mode = POLICY_MODE_PROTECT;
    if (!v || v->type == JSON_NULL)
        return 0;
    if (v->type == JSON_STRING && strcmp(v->u.str, "protect") == 0)
        return 0;
    if (v->type == JSON_STRING && strcmp(v->u.str, "monitor") == 0) {
        *mode = POLICY_MODE_MONITOR;
        return 0;
    }
    if (v->type == JSON_STRING)
        return fail(c, "field 'policyMode': expected \"protect\" or \"monitor\", got \"%s\"", v->u.str);
    return fail(c, "field 'policyMode': expected \"protect\" or \"monitor\", got %s", type_name(v));
}

static int parse_optional_string(parse_ctx *c, const json_value *entry, const char *field, const char **out)
{
    const json_value *v = json_get(entry, field);
    *out = NULL;
    if (!v || v->type == JSON_NULL)
        return 0;
    if (v->type != JSON_STRING)
        return fail(c, "field '%s': expected a string, got %s", field, type_name(v));
    *out = v->u.str;
    return 0;
}

/* ---- policies and groups ---------------------------------------------------- */

static int parse_policy(parse_ctx *c, const json_value *v, policy_entry *e)
{
    const json_value *mutate = json_get(v, "allowedToMutate");
    if (mutate && mutate->type != JSON_NULL && mutate->type != JSON_TRUE && mutate->type != JSON_FALSE)
        return fail(c, "field 'allowedToMutate': expected true or false, got %s", type_name(mutate));
    e->allowed_to_mutate = mutate && mutate->type == JSON_TRUE;
    if (parse_mode(c, v, &e->mode) || parse_optional_string(c, v, "message", &e->message))
        return -1;
    return parse_spec(c, v, e->id, &e->policy);
}

static bool is_member_key(const char *key)
{
    static const char *known[] = {"module", "url", "settings", "contextAwareResources",
                                  "timeoutEvalSeconds", "hostCapabilities"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(key, known[i]) == 0)
            return true;
    return false;
}

static int parse_member(parse_ctx *c, const char *group_id, const json_member *m, policy_spec *spec)
{
    snprintf(c->where, sizeof c->where, "policy group '%s', member '%s'", group_id, m->key);
    if (strchr(m->key, '/'))
        return fail(c, "member name contains a '/' character");
    if (m->value->type != JSON_OBJECT)
        return fail(c, "expected a mapping, got %s", type_name(m->value));
    for (size_t i = 0; i < m->value->len; i++)
        if (!is_member_key(m->value->u.members[i].key))
            return fail(c, "unknown field '%s' (expected one of module, settings, contextAwareResources, "
                        "timeoutEvalSeconds, hostCapabilities)", m->value->u.members[i].key);
    return parse_spec(c, m->value, m->key, spec);
}

static int parse_group(parse_ctx *c, const json_value *v, policy_entry *e)
{
    e->is_group = true;
    const json_value *members = json_get(v, "policies");
    if (parse_mode(c, v, &e->mode) || parse_optional_string(c, v, "expression", &e->expression) ||
        parse_optional_string(c, v, "message", &e->message))
        return -1;
    if (!e->expression)
        return fail(c, "missing field 'expression'");
    if (!e->message)
        return fail(c, "missing field 'message'");
    if (!members)
        return fail(c, "missing field 'policies'");
    if (members->type != JSON_OBJECT || members->len == 0)
        return fail(c, "field 'policies': expected a non-empty mapping of member name to policy, got %s",
                    members->type == JSON_OBJECT ? "an empty mapping" : type_name(members));
    e->members = json_arena_alloc(c->arena, members->len * sizeof *e->members);
    if (!e->members)
        return fail(c, "out of memory");
    e->n_members = members->len;
    for (size_t i = 0; i < members->len; i++)
        if (parse_member(c, e->id, &members->u.members[i], &e->members[i]))
            return -1;
    return 0;
}

static int parse_entry(parse_ctx *c, const json_member *m, policy_entry *e)
{
    memset(e, 0, sizeof *e);
    e->id = m->key;
    snprintf(c->where, sizeof c->where, "policy '%s'", m->key);
    if (m->key_len == 0)
        return fail(c, "policy name is empty");
    if (strchr(m->key, '/'))
        return fail(c, "policy name '%s' contains a '/' character", m->key);
    if (m->value->type != JSON_OBJECT)
        return fail(c, "expected a mapping, got %s", type_name(m->value));
    if (json_get(m->value, "module") || json_get(m->value, "url"))
        return parse_policy(c, m->value, e);
    if (json_get(m->value, "policies") || json_get(m->value, "expression")) {
        snprintf(c->where, sizeof c->where, "policy group '%s'", m->key);
        return parse_group(c, m->value, e);
    }
    return fail(c, "missing field 'module' (or, for a policy group, 'policies', 'expression' and "
                "'message')");
}

static int check_unique_ids(parse_ctx *c, const json_value *root)
{
    for (size_t i = 0; i < root->len; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(root->u.members[i].key, root->u.members[j].key) == 0) {
                snprintf(c->where, sizeof c->where, "policy '%s'", root->u.members[i].key);
                return fail(c, "defined more than once");
            }
    return 0;
}

int policies_file_parse(policies_file *out, const char *text, size_t len, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    parse_ctx c = {.arena = json_arena_new(len * 4 + 4096), .err = err, .errlen = errlen};
    if (!c.arena) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    json_error jerr = {{0}, 0};
    const json_value *root = json_parse_yaml(c.arena, text, len, &jerr);
    if (!root) {
        snprintf(err, errlen, "invalid YAML/JSON: %s", jerr.message);   /* the message says where */
        json_arena_free(c.arena);
        return -1;
    }
    if (root->type != JSON_OBJECT && root->type != JSON_NULL) {
        snprintf(err, errlen, "expected a mapping of policy id to policy, got %s", type_name(root));
        json_arena_free(c.arena);
        return -1;
    }
    size_t n = root->type == JSON_OBJECT ? root->len : 0;
    policy_entry *entries = json_arena_alloc(c.arena, (n + 1) * sizeof *entries);
    int rc = entries ? check_unique_ids(&c, root) : -1;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = parse_entry(&c, &root->u.members[i], &entries[i]);
    if (rc) {
        if (!entries)
            snprintf(err, errlen, "out of memory");
        json_arena_free(c.arena);
        return -1;
    }
    *out = (policies_file){c.arena, entries, n};
    return 0;
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    bool failed = ferror(f);
    fclose(f);
    if (!buf || failed) {
        snprintf(err, errlen, "cannot read: %s", buf ? "I/O error" : "out of memory");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int policies_file_load(policies_file *out, const char *path, char *err, size_t errlen)
{
    char inner[1024];
    size_t len;
    memset(out, 0, sizeof *out);
    char *text = read_file(path, &len, inner, sizeof inner);
    int rc = text ? policies_file_parse(out, text, len, inner, sizeof inner) : -1;
    free(text);
    if (rc)
        snprintf(err, errlen, "policies file %s: %s", path, inner);
    return rc;
}

void policies_file_free(policies_file *pf)
{
    if (pf->arena)
        json_arena_free(pf->arena);
    memset(pf, 0, sizeof *pf);
}

const policy_entry *policies_file_find(const policies_file *pf, const char *id)
{
    for (size_t i = 0; i < pf->n_entries; i++)
        if (strcmp(pf->entries[i].id, id) == 0)
            return &pf->entries[i];
    return NULL;
}
