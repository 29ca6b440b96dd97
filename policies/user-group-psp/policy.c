/*
 * user-group-psp: controls the user and group IDs containers run with, like
 * the RunAsUser / RunAsGroup / SupplementalGroups strategies of the old PSP.
 *
 * Settings (each an object {rule, ranges: [{min, max}], overwrite}):
 *   run_as_user          MustRunAs | MustRunAsNonRoot | RunAsAny
 *   run_as_group         MustRunAs | MayRunAs | RunAsAny
 *   supplemental_groups  MustRunAs | MayRunAs | RunAsAny
 *   validate_only        reject instead of mutating (default false)
 *   validate_container_image_configuration  also check the USER of each
 *                        container image (host capability
 *                        oci/v1/oci_manifest_config) when the pod does not
 *                        set the IDs: root is rejected under
 *                        MustRunAsNonRoot, the group must be in the
 *                        MayRunAs ranges; Windows images are skipped, user
 *                        and group names are rejected
 * A missing strategy means RunAsAny.  MustRunAs and MayRunAs need at least
 * one range; MustRunAs defaults to the first range's min, and with overwrite
 * replaces whatever the request says.  MustRunAsNonRoot rejects user 0 and
 * sets runAsNonRoot when neither runAsNonRoot nor runAsUser is given.
 * Defaults are set in the pod-level securityContext.
 */
#include "kw.h"

#include <string.h>

typedef enum { RUN_AS_ANY, MUST_RUN_AS, MAY_RUN_AS, MUST_RUN_AS_NON_ROOT } rule;

typedef struct strategy {
    rule rule;
    kw_val ranges;
    bool overwrite;
} strategy;

typedef struct config {
    strategy user, group, supplemental;
    bool validate_only, check_images;
} config;

static rule parse_rule(kw_val v)
{
    if (kw_str_eq(v, "MustRunAs")) return MUST_RUN_AS;
    if (kw_str_eq(v, "MayRunAs")) return MAY_RUN_AS;
    if (kw_str_eq(v, "MustRunAsNonRoot")) return MUST_RUN_AS_NON_ROOT;
    return RUN_AS_ANY;
}

static strategy parse_strategy(kw_val v)
{
    return (strategy){ parse_rule(kw_get(v, "rule")), kw_get(v, "ranges"),
                       kw_bool(kw_get(v, "overwrite"), false) };
}

static config parse_config(kw_val settings)
{
    return (config){ parse_strategy(kw_get(settings, "run_as_user")),
                     parse_strategy(kw_get(settings, "run_as_group")),
                     parse_strategy(kw_get(settings, "supplemental_groups")),
                     kw_bool(kw_get(settings, "validate_only"), false),
                     kw_bool(kw_get(settings, "validate_container_image_configuration"), false) };
}

static bool in_ranges(int64_t id, kw_val ranges)
{
    kw_iter it = kw_iter_begin(ranges);
    kw_val r;
    while (kw_next(&it, &r)) {
        int64_t min, max;
        if (kw_int(kw_get(r, "min"), &min) && kw_int(kw_get(r, "max"), &max) && id >= min && id <= max)
            return true;
    }
    return false;
}

/* The default ID of a MustRunAs strategy: the first range's min, as JSON text. */
static const char *default_id(const strategy *s)
{
    kw_val min = kw_get(kw_at(s->ranges, 0), "min");
    return kw_strndup(min.p, min.n);
}

/* ---- edits of the pod-level securityContext --------------------------------
 * Several members may be set at once; when the securityContext does not exist
 * yet they must land in one new object, so they are collected first. */

typedef struct pod_edits {
    kw_val spec;
    kw_buf members;   /* "key":value,... for a new securityContext */
    kw_splice *sp;
} pod_edits;

static bool same_text(kw_val v, const char *json)
{
    return kw_present(v) && v.n == strlen(json) && memcmp(v.p, json, v.n) == 0;
}

static void pod_set(pod_edits *e, const char *key, const char *json)
{
    kw_val sc = kw_get(e->spec, "securityContext");
    if (same_text(kw_get(sc, key), json))
        return;
    if (kw_typeof(sc) == KW_OBJECT) {
        kw_splice_set(e->sp, sc, key, json);
        return;
    }
    if (e->members.len)
        kw_buf_putc(&e->members, ',');
    kw_buf_json_str(&e->members, key, strlen(key));
    kw_buf_putc(&e->members, ':');
    kw_buf_puts(&e->members, json);
}

static void pod_edits_finish(pod_edits *e)
{
    if (!e->members.len)
        return;
    kw_buf obj = { 0 };
    kw_buf_putc(&obj, '{');
    kw_buf_put(&obj, e->members.data, e->members.len);
    kw_buf_putc(&obj, '}');
    kw_splice_set(e->sp, e->spec, "securityContext", kw_buf_cstr(&obj));
}

/* ---- checks ------------------------------------------------------------------ */

typedef struct check {
    const config *cfg;
    kw_val spec;
    pod_edits edits;
    const char *rejection;   /* first violation found */
} check;

static void reject(check *c, const char *message)
{
    if (!c->rejection)
        c->rejection = message;
}

/* Calls fn on the pod securityContext and on each container's. */
typedef void (*context_fn)(check *c, kw_val security_context, bool pod_level);

static void each_context(check *c, context_fn fn)
{
    static const char *const lists[] = { "containers", "initContainers", "ephemeralContainers" };
    fn(c, kw_get(c->spec, "securityContext"), true);
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        kw_iter it = kw_iter_begin(kw_get(c->spec, lists[i]));
        kw_val container;
        while (kw_next(&it, &container))
            fn(c, kw_get(container, "securityContext"), false);
    }
}

static void check_user_id(check *c, kw_val sc, bool pod_level)
{
    (void)pod_level;
    int64_t uid;
    if (!kw_int(kw_get(sc, "runAsUser"), &uid))
        return;
    if (c->cfg->user.rule == MUST_RUN_AS_NON_ROOT && uid == 0)
        reject(c, "Invalid user ID: cannot run container with root ID (0)");
    if (c->cfg->user.rule == MUST_RUN_AS && !c->cfg->user.overwrite && !in_ranges(uid, c->cfg->user.ranges))
        reject(c, "User ID outside defined ranges");
}

static void check_group_id(check *c, kw_val sc, bool pod_level)
{
    (void)pod_level;
    const strategy *g = &c->cfg->group;
    int64_t gid;
    if (kw_int(kw_get(sc, "runAsGroup"), &gid) && !(g->rule == MUST_RUN_AS && g->overwrite) &&
        !in_ranges(gid, g->ranges))
        reject(c, "Group ID is outside defined ranges");
}

static bool has_field(kw_val security_context, const char *field)
{
    kw_type t = kw_typeof(kw_get(security_context, field));
    return t != KW_ABSENT && t != KW_NULL;
}

/* True if the pod level, or every container, sets `field`. */
static bool user_given(kw_val spec, const char *field)
{
    if (has_field(kw_get(spec, "securityContext"), field))
        return true;
    kw_iter it = kw_iter_begin(kw_get(spec, "containers"));
    kw_val container;
    bool all = true, any = false;
    while (kw_next(&it, &container)) {
        all &= has_field(kw_get(container, "securityContext"), field);
        any = true;
    }
    return any && all;
}

/* A default or overwrite the policy would make: done unless validate_only. */
static void needs(check *c, const char *key, const char *json, const char *validate_only_message)
{
    if (c->cfg->validate_only)
        reject(c, validate_only_message);
    else
        pod_set(&c->edits, key, json);
}

/* With overwrite, container-level values are replaced too. */
static void overwrite_containers(check *c, const char *field, const char *json)
{
    static const char *const lists[] = { "containers", "initContainers", "ephemeralContainers" };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        kw_iter it = kw_iter_begin(kw_get(c->spec, lists[i]));
        kw_val container;
        while (kw_next(&it, &container)) {
            kw_val value = kw_get(kw_get(container, "securityContext"), field);
            if (kw_present(value) && !same_text(value, json))
                kw_splice_replace(c->edits.sp, value, json);
        }
    }
}

static void apply_user_rule(check *c)
{
    const strategy *u = &c->cfg->user;
    each_context(c, check_user_id);
    if (u->rule == MUST_RUN_AS_NON_ROOT && !user_given(c->spec, "runAsUser") &&
        !user_given(c->spec, "runAsNonRoot"))
        needs(c, "runAsNonRoot", "true",
              "RunAsNonRoot must be true or runAsUser must be set, and the policy only validates");
    if (u->rule == MUST_RUN_AS) {
        const char *id = default_id(u);
        if (u->overwrite && !c->cfg->validate_only) {
            pod_set(&c->edits, "runAsUser", id);
            overwrite_containers(c, "runAsUser", id);
        } else if (!user_given(c->spec, "runAsUser")) {
            needs(c, "runAsUser", id, "User ID outside defined ranges");
        }
    }
}

static void apply_group_rule(check *c)
{
    const strategy *g = &c->cfg->group;
    if (g->rule == RUN_AS_ANY)
        return;
    each_context(c, check_group_id);
    if (g->rule != MUST_RUN_AS)
        return;
    const char *id = default_id(g);
    if (g->overwrite && !c->cfg->validate_only) {
        pod_set(&c->edits, "runAsGroup", id);
        overwrite_containers(c, "runAsGroup", id);
    } else if (!user_given(c->spec, "runAsGroup")) {
        needs(c, "runAsGroup", id, "Group ID is outside defined ranges");
    }
}

static void apply_supplemental_rule(check *c)
{
    const strategy *s = &c->cfg->supplemental;
    if (s->rule == RUN_AS_ANY)
        return;
    kw_val groups = kw_path(c->spec, "securityContext.supplementalGroups");
    bool overwrite = s->rule == MUST_RUN_AS && s->overwrite && !c->cfg->validate_only;
    kw_iter it = kw_iter_begin(groups);
    kw_val g;
    while (kw_next(&it, &g)) {
        int64_t gid;
        if (!overwrite && (!kw_int(g, &gid) || !in_ranges(gid, s->ranges)))
            reject(c, "Group ID is outside defined ranges");
    }
    if (s->rule != MUST_RUN_AS || (kw_len(groups) > 0 && !overwrite))
        return;
    kw_buf list = { 0 };
    kw_buf_putc(&list, '[');
    kw_buf_puts(&list, default_id(s));
    kw_buf_putc(&list, ']');
    if (overwrite && kw_len(groups) == 1 && kw_equal(kw_at(groups, 0), (kw_val){ list.data + 1, list.len - 2 }))
        return;
    needs(c, "supplementalGroups", kw_buf_cstr(&list), "Group ID is outside defined ranges");
}

/* ---- the images' USER -------------------------------------------------------- */

/* Parses a decimal ID; false for names or garbage. */
static bool parse_id(const char *s, size_t n, int64_t *out)
{
    if (n == 0 || n > 10)
        return false;
    *out = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        *out = *out * 10 + (s[i] - '0');
    }
    return true;
}

static void reject_with(check *c, const char *a, const char *b, const char *d)
{
    kw_buf msg = { 0 };
    kw_buf_puts(&msg, a);
    kw_buf_puts(&msg, b);
    kw_buf_puts(&msg, d);
    reject(c, kw_buf_cstr(&msg));
}

/* Checks the USER directive of one container's image against the rules,
 * for the IDs neither the container nor the pod sets. */
static void check_image_user(check *c, kw_val container)
{
    kw_val sc = kw_get(container, "securityContext"), pod_sc = kw_get(c->spec, "securityContext");
    bool user_unset = !has_field(sc, "runAsUser") && !has_field(pod_sc, "runAsUser");
    bool group_unset = !has_field(sc, "runAsGroup") && !has_field(pod_sc, "runAsGroup");
    bool check_user = user_unset && c->cfg->user.rule == MUST_RUN_AS_NON_ROOT;
    bool check_group = group_unset && c->cfg->group.rule == MAY_RUN_AS;
    if (!check_user && !check_group)
        return;
    kw_val image = kw_get(container, "image");
    const char *name = kw_str(image);
    kw_buf reply;
    if (!kw_host_call("oci", "v1/oci_manifest_config", image.p, image.n, &reply)) {
        kw_buf msg = { 0 };
        kw_buf_puts(&msg, "Cannot fetch the configuration of image ");
        kw_buf_puts(&msg, name);
        kw_buf_puts(&msg, ": ");
        kw_buf_put(&msg, reply.data, reply.len);
        return reject(c, kw_buf_cstr(&msg));
    }
    kw_val doc;
    if (kw_parse(reply.data, reply.len, &doc, NULL, 0) != 0)
        return reject_with(c, "The registry sent an invalid configuration for image ", name, "");
    if (kw_str_eq(kw_path(doc, "config.os"), "windows"))
        return;
    const char *user = kw_str(kw_path(doc, "config.config.User"));
    const char *colon = strchr(user, ':');
    size_t user_len = colon ? (size_t)(colon - user) : strlen(user);
    int64_t uid = 0, gid = 0;
    if (user_len > 0 && !parse_id(user, user_len, &uid))
        return reject_with(c, "The image ", name, " names its user: only numeric user and group IDs can be validated");
    if (colon && !parse_id(colon + 1, strlen(colon + 1), &gid))
        return reject_with(c, "The image ", name, " names its group: only numeric user and group IDs can be validated");
    if (check_user && uid == 0)
        reject(c, "Invalid user ID: cannot run container with root ID (0)");
    if (check_group && colon && !in_ranges(gid, c->cfg->group.ranges))
        reject(c, "Group ID is outside defined ranges");
}

static void apply_image_rules(check *c)
{
    static const char *const lists[] = { "containers", "initContainers" };
    if (!c->cfg->check_images)
        return;
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        kw_iter it = kw_iter_begin(kw_get(c->spec, lists[i]));
        kw_val container;
        while (kw_next(&it, &container) && !c->rejection)
            check_image_user(c, container);
    }
}

static bool validate(kw_val request, kw_val settings)
{
    config cfg = parse_config(settings);
    kw_val spec = kw_pod_spec(request);
    if (!kw_present(spec))
        return kw_accept();
    kw_splice sp;
    kw_splice_init(&sp, kw_request_object(request));
    check c = { &cfg, spec, { spec, { 0 }, &sp }, NULL };
    apply_user_rule(&c);
    apply_group_rule(&c);
    apply_supplemental_rule(&c);
    apply_image_rules(&c);
    if (c.rejection)
        return kw_reject(c.rejection, 0);
    pod_edits_finish(&c.edits);
    if (!kw_splice_changed(&sp))
        return kw_accept();
    return kw_mutate(kw_splice_apply(&sp));
}

/* ---- settings ----------------------------------------------------------------- */

static const char *check_strategy(kw_val v, const char *name, const char *const *rules, size_t nrules,
                                  bool validate_only, kw_buf *msg)
{
    if (!kw_present(v) || kw_typeof(v) == KW_NULL)
        return NULL;
    kw_buf_puts(msg, name);
    kw_val r = kw_get(v, "rule");
    bool known = false;
    for (size_t i = 0; i < nrules; i++)
        known |= kw_str_eq(r, rules[i]);
    if (kw_typeof(v) != KW_OBJECT || !known) {
        kw_buf_puts(msg, ": rule must be one of ");
        for (size_t i = 0; i < nrules; i++) {
            kw_buf_puts(msg, i ? ", " : "");
            kw_buf_puts(msg, rules[i]);
        }
        return kw_buf_cstr(msg);
    }
    rule rl = parse_rule(r);
    kw_val ranges = kw_get(v, "ranges");
    if ((rl == MUST_RUN_AS || rl == MAY_RUN_AS) && kw_len(ranges) == 0) {
        kw_buf_puts(msg, ": the rule requires at least one range");
        return kw_buf_cstr(msg);
    }
    kw_iter it = kw_iter_begin(ranges);
    kw_val range;
    while (kw_next(&it, &range)) {
        int64_t min, max;
        if (!kw_int(kw_get(range, "min"), &min) || !kw_int(kw_get(range, "max"), &max) || min < 0) {
            kw_buf_puts(msg, ": ranges need non-negative integer min and max");
            return kw_buf_cstr(msg);
        }
        if (min > max) {
            kw_buf_puts(msg, ": min cannot be greater than max");
            return kw_buf_cstr(msg);
        }
    }
    bool overwrite = kw_bool(kw_get(v, "overwrite"), false);
    if (overwrite && rl != MUST_RUN_AS) {
        kw_buf_puts(msg, ": overwrite is only valid with the MustRunAs rule");
        return kw_buf_cstr(msg);
    }
    if (overwrite && validate_only) {
        kw_buf_puts(msg, ": overwrite and validate_only cannot both be true");
        return kw_buf_cstr(msg);
    }
    msg->len = 0;
    return NULL;
}

static bool validate_settings(kw_val settings)
{
    static const char *const user_rules[] = { "MustRunAs", "MustRunAsNonRoot", "RunAsAny" };
    static const char *const group_rules[] = { "MustRunAs", "MayRunAs", "RunAsAny" };
    bool validate_only = kw_bool(kw_get(settings, "validate_only"), false);
    kw_type images = kw_typeof(kw_get(settings, "validate_container_image_configuration"));
    if (images != KW_ABSENT && images != KW_NULL && images != KW_BOOL)
        return kw_settings_invalid("validate_container_image_configuration must be a boolean");
    kw_buf msg = { 0 };
    const char *err = check_strategy(kw_get(settings, "run_as_user"), "run_as_user", user_rules, 3, validate_only, &msg);
    if (!err)
        err = check_strategy(kw_get(settings, "run_as_group"), "run_as_group", group_rules, 3, validate_only, &msg);
    if (!err)
        err = check_strategy(kw_get(settings, "supplemental_groups"), "supplemental_groups", group_rules, 3,
                             validate_only, &msg);
    return err ? kw_settings_invalid(err) : kw_settings_valid();
}

KW_POLICY(validate, validate_settings)
