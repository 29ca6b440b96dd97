/*
 * policyset.c - building a policy set from the policies file (spec §1.5):
 * load every unique module once, make one policy per id (and per group
 * member), validate every policy's settings, compile group expressions.
 */
#include "app.h"
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ERR_MAX = 1024 };

/* One module file, read and loaded once whatever the number of policies using it. */
typedef struct module_slot {
    const char *path;
    policy_module *module;              /* NULL when error */
    char *error;
} module_slot;

typedef struct builder {
    policy_runtime *rt;
    module_slot *modules;
    size_t n_modules, cap_modules;
    json_arena *scratch;                /* settings validation results */
} builder;

static char *format_alloc(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

static uint8_t *read_module_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    uint8_t *bytes = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size >= 0 && fseek(f, 0, SEEK_SET) == 0)
        bytes = malloc(size > 0 ? (size_t)size : 1);
    if (!bytes || fread(bytes, 1, (size_t)size, f) != (size_t)size) {
        snprintf(err, errlen, "cannot read %s: %s", path, size < 0 ? strerror(errno) : "read failed");
        free(bytes);
        bytes = NULL;
    }
    fclose(f);
    *len = (size_t)size;
    return bytes;
}

static module_slot *module_for(builder *b, const char *path)
{
    for (size_t i = 0; i < b->n_modules; i++)
        if (strcmp(b->modules[i].path, path) == 0)
            return &b->modules[i];
    if (b->n_modules == b->cap_modules) {
        size_t cap = b->cap_modules ? b->cap_modules * 2 : 8;
        module_slot *m = realloc(b->modules, cap * sizeof *m);
        if (!m)
            return NULL;
        b->modules = m;
        b->cap_modules = cap;
    }
    module_slot *slot = &b->modules[b->n_modules++];
    *slot = (module_slot){path, NULL, NULL};
    char err[ERR_MAX];
    size_t len = 0;
    uint8_t *bytes = read_module_file(path, &len, err, sizeof err);
    if (bytes) {
        slot->module = policy_module_load(b->rt, bytes, len, NULL, err, sizeof err);
        free(bytes);
    }
    if (!slot->module)
        slot->error = format_alloc("%s", err);
    return slot;
}

/* Makes the policy of one spec.  Returns NULL with *error set (malloc'd) for an
 * error of this policy; sets *fatal for errors --continue-on-errors must not
 * hide (bad host-capability patterns, out of memory). */
static policy *make_policy(builder *b, const policy_spec *spec, const char *id, char **error, bool *fatal)
{
    if (spec->module_error) {
        *error = format_alloc("%s", spec->module_error);
        return NULL;
    }
    module_slot *slot = module_for(b, spec->module_path);
    if (!slot) {
        *fatal = true;
        *error = format_alloc("out of memory");
        return NULL;
    }
    if (!slot->module) {
        *error = format_alloc("Error while loading policy '%s' from %s: %s", id, spec->module, slot->error);
        return NULL;
    }
    policy_options opts = {
        .id = id,
        .settings = spec->settings,
        .timeout_ms = spec->timeout_ms,
        .host_capabilities = spec->host_capabilities,
        .n_host_capabilities = spec->n_host_capabilities,
        .context_aware_resources = spec->context_aware_resources,
        .n_context_aware_resources = spec->n_context_aware_resources,
        .raw = -1,
    };
    char err[ERR_MAX];
    policy *p = policy_new(slot->module, &opts, err, sizeof err);
    if (!p) {
        *fatal = true;
        *error = format_alloc("%s", err);
        return NULL;
    }
    json_arena_reset(b->scratch);
    policy_settings_result result = {false, NULL};
    if (policy_validate_settings(p, b->scratch, &result)) {
        *fatal = true;
        *error = format_alloc("out of memory while validating settings");
    } else if (!result.valid) {
        *error = format_alloc("Policy settings are invalid: %s", result.message ? result.message : "");
    } else {
        return p;
    }
    policy_free(p);
    return NULL;
}

/* Joins member errors as "<group>/<member>: <error>, ..." (spec §2.7). */
static void append_member_error(char **joined, const char *group, const char *member, const char *error)
{
    char *next = *joined ? format_alloc("%s, %s/%s: %s", *joined, group, member, error)
                         : format_alloc("%s/%s: %s", group, member, error);
    free(*joined);
    *joined = next;
}

static int load_group(builder *b, loaded_policy *lp, bool *fatal)
{
    const policy_entry *e = lp->entry;
    lp->members = calloc(e->n_members, sizeof *lp->members);
    const char **names = calloc(e->n_members, sizeof *names);
    if (!lp->members || !names) {
        free(names);
        *fatal = true;
        lp->init_error = format_alloc("out of memory");
        return -1;
    }
    for (size_t i = 0; i < e->n_members && !*fatal; i++) {
        const policy_spec *m = &e->members[i];
        names[i] = m->name;
        char *member_id = format_alloc("%s/%s", e->id, m->name);
        char *error = NULL;
        lp->members[i] = member_id ? make_policy(b, m, member_id, &error, fatal) : NULL;
        if (!lp->members[i])
            append_member_error(&lp->init_error, e->id, m->name, error ? error : "out of memory");
        free(error);
        free(member_id);
    }
    char err[ERR_MAX];
    if (!*fatal) {
        lp->expr = group_expr_compile(e->expression, names, e->n_members, err, sizeof err);
        if (!lp->expr) {
            char *joined = lp->init_error
                               ? format_alloc("%s, invalid expression: %s", lp->init_error, err)
                               : format_alloc("invalid expression '%s': %s", e->expression, err);
            free(lp->init_error);
            lp->init_error = joined;
        }
    }
    free(names);
    return lp->init_error ? -1 : 0;
}

static int load_entry(builder *b, loaded_policy *lp, bool *fatal)
{
    if (lp->entry->is_group)
        return load_group(b, lp, fatal);
    lp->single = make_policy(b, &lp->entry->policy, lp->entry->id, &lp->init_error, fatal);
    return lp->single ? 0 : -1;
}

static uint64_t hash_id(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int build_index(policy_set *set)
{
    size_t cap = 16;
    while (cap < set->n_policies * 2)
        cap *= 2;
    set->index = calloc(cap, sizeof *set->index);
    if (!set->index)
        return -1;
    set->index_cap = cap;
    for (size_t i = 0; i < set->n_policies; i++) {
        size_t slot = hash_id(set->policies[i].entry->id) & (cap - 1);
        while (set->index[slot])
            slot = (slot + 1) & (cap - 1);
        set->index[slot] = i + 1;
    }
    return 0;
}

const loaded_policy *policy_set_find(const policy_set *set, const char *id)
{
    for (size_t slot = hash_id(id) & (set->index_cap - 1);; slot = (slot + 1) & (set->index_cap - 1)) {
        size_t i = set->index[slot];
        if (!i)
            return NULL;
        if (strcmp(set->policies[i - 1].entry->id, id) == 0)
            return &set->policies[i - 1];
    }
}

/* Distinct modules (different paths with identical bytes share one module),
 * and how many of them the interpreter runs. */
static size_t count_distinct_modules(const builder *b, size_t *interpreted)
{
    size_t n = 0;
    *interpreted = 0;
    for (size_t i = 0; i < b->n_modules; i++) {
        bool seen = !b->modules[i].module;
        for (size_t j = 0; j < i && !seen; j++)
            seen = b->modules[j].module == b->modules[i].module;
        n += !seen;
        if (!seen && strcmp(policy_module_engine_tier(b->modules[i].module), "interp") == 0)
            ++*interpreted;
    }
    return n;
}

static void builder_release(builder *b)
{
    for (size_t i = 0; i < b->n_modules; i++) {
        if (b->modules[i].module)
            policy_module_release(b->modules[i].module);   /* the policies keep their own references */
        free(b->modules[i].error);
    }
    free(b->modules);
    json_arena_free(b->scratch);
}

static int load_all(builder *b, policy_set *set, bool continue_on_errors, char *err, size_t errlen)
{
    for (size_t i = 0; i < set->n_policies; i++) {
        loaded_policy *lp = &set->policies[i];
        bool fatal = false;
        if (load_entry(b, lp, &fatal) == 0)
            continue;
        if (!lp->init_error)
            fatal = true;           /* out of memory even for the message: cannot serve it */
        if (fatal || !continue_on_errors) {
            snprintf(err, errlen, "%s '%s': %s", lp->entry->is_group ? "policy group" : "policy",
                     lp->entry->id, lp->init_error ? lp->init_error : "out of memory");
            return -1;
        }
        log_event(SERVER_LOG_ERROR, "policy_server", "policy failed to load; it will reject every request",
                  (log_field[]){LOG_STR("policy_id", lp->entry->id),
                                LOG_STR("error", lp->init_error ? lp->init_error : "out of memory")}, 2);
    }
    return 0;
}

policy_set *policy_set_build(policy_runtime *rt, const char *path, bool continue_on_errors,
                             char *err, size_t errlen)
{
    policy_set *set = calloc(1, sizeof *set);
    builder b = {.rt = rt, .scratch = json_arena_new(64 << 10)};
    if (!set || !b.scratch) {
        snprintf(err, errlen, "out of memory");
        free(set);
        json_arena_free(b.scratch);
        return NULL;
    }
    int rc = policies_file_load(&set->file, path, err, errlen);
    if (rc == 0) {
        set->n_policies = set->file.n_entries;
        set->policies = calloc(set->n_policies + 1, sizeof *set->policies);
        rc = set->policies ? 0 : -1;
        for (size_t i = 0; rc == 0 && i < set->n_policies; i++)
            set->policies[i].entry = &set->file.entries[i];
        if (rc)
            snprintf(err, errlen, "out of memory");
    }
    if (rc == 0)
        rc = load_all(&b, set, continue_on_errors, err, errlen);
    if (rc == 0 && build_index(set)) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    set->n_modules = count_distinct_modules(&b, &set->n_interpreted);
    builder_release(&b);
    if (rc) {
        policy_set_free(set);
        return NULL;
    }
    return set;
}

void policy_set_free(policy_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n_policies; i++) {
        loaded_policy *lp = &set->policies[i];
        if (lp->single)
            policy_free(lp->single);
        for (size_t m = 0; lp->members && m < lp->entry->n_members; m++)
            if (lp->members[m])
                policy_free(lp->members[m]);
        free(lp->members);
        group_expr_free(lp->expr);
        free(lp->init_error);
    }
    free(set->policies);
    free(set->index);
    policies_file_free(&set->file);
    free(set);
}
