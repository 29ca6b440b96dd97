/*
 * capabilities-psp: controls the Linux capabilities containers and init
 * containers add, and mutates them to add defaults and drop required ones.
 *
 * Settings (lists of capability names without the CAP_ prefix):
 *   allowed_capabilities        may be added ("*" = any); the runtime's default
 *                               set and default_add_capabilities are implicit
 *   required_drop_capabilities  must be dropped, so never added
 *   default_add_capabilities    added to every container by mutation
 */
#include "kw.h"

static const char *const lists[] = {
    "allowed_capabilities", "required_drop_capabilities", "default_add_capabilities",
};

/* Appends to msg every capability in `added` that fails `bad`. */
typedef bool (*cap_test)(kw_val cap, kw_val settings);

static void collect(kw_buf *msg, kw_val added, kw_val settings, cap_test bad)
{
    kw_iter it = kw_iter_begin(added);
    kw_val cap;
    while (kw_next(&it, &cap)) {
        if (!bad(cap, settings))
            continue;
        if (msg->len)
            kw_buf_puts(msg, ", ");
        kw_buf_puts(msg, kw_str(cap));
    }
}

static bool must_be_dropped(kw_val cap, kw_val settings)
{
    return kw_contains(kw_get(settings, "required_drop_capabilities"), cap);
}

static bool not_allowed(kw_val cap, kw_val settings)
{
    kw_val allowed = kw_get(settings, "allowed_capabilities");
    if (kw_contains_str(allowed, "*") || must_be_dropped(cap, settings))
        return false;   /* the latter is reported on its own */
    return !kw_contains(allowed, cap) && !kw_contains(kw_get(settings, "default_add_capabilities"), cap);
}

/* Checks every container of one list; returns false after rejecting. */
static bool check_containers(kw_val containers, kw_val settings, bool *rejected)
{
    kw_iter it = kw_iter_begin(containers);
    kw_val c;
    while (kw_next(&it, &c)) {
        kw_val added = kw_path(c, "securityContext.capabilities.add");
        kw_buf msg = { 0 };
        collect(&msg, added, settings, must_be_dropped);
        if (msg.len) {
            kw_buf full = { 0 };
            kw_buf_puts(&full, "PSP capabilities policies doesn't allow these capabilities to be added, they must be dropped: ");
            kw_buf_put(&full, msg.data, msg.len);
            *rejected = true;
            return kw_reject(kw_buf_cstr(&full), 0);
        }
        collect(&msg, added, settings, not_allowed);
        if (msg.len) {
            kw_buf full = { 0 };
            kw_buf_puts(&full, "PSP capabilities policies doesn't allow these capabilities to be added: ");
            kw_buf_put(&full, msg.data, msg.len);
            *rejected = true;
            return kw_reject(kw_buf_cstr(&full), 0);
        }
    }
    return true;
}

/* Writes list `key` of the new capabilities object: the container's current
 * entries followed by those of `wanted` it lacks.  Returns true if it grew. */
static bool merged_list(kw_writer *w, kw_val caps, const char *key, kw_val wanted)
{
    kw_val current = kw_get(caps, key);
    if (!kw_present(current) && kw_len(wanted) == 0)
        return false;
    bool grew = false;
    kw_w_key(w, key);
    kw_w_arr(w);
    kw_iter it = kw_iter_begin(current);
    kw_val cap;
    while (kw_next(&it, &cap))
        kw_w_val(w, cap);
    it = kw_iter_begin(wanted);
    while (kw_next(&it, &cap)) {
        if (!kw_contains(current, cap)) {
            kw_w_val(w, cap);
            grew = true;
        }
    }
    kw_w_end(w);
    return grew;
}

/* Rewrites each container's securityContext.capabilities (one edit per
 * container) when defaults must be added or required drops are missing. */
static void mutate_containers(kw_splice *sp, kw_val containers, kw_val settings)
{
    kw_iter it = kw_iter_begin(containers);
    kw_val c;
    while (kw_next(&it, &c)) {
        kw_val caps = kw_path(c, "securityContext.capabilities");
        kw_writer w = { 0 };
        kw_w_obj(&w);
        kw_iter members = kw_iter_begin(caps);
        kw_val key, value;
        while (kw_next_member(&members, &key, &value)) {
            if (kw_str_eq(key, "add") || kw_str_eq(key, "drop"))
                continue;
            kw_w_key(&w, kw_str(key));
            kw_w_val(&w, value);
        }
        bool changed = merged_list(&w, caps, "add", kw_get(settings, "default_add_capabilities"));
        changed |= merged_list(&w, caps, "drop", kw_get(settings, "required_drop_capabilities"));
        kw_w_end(&w);
        if (changed)
            kw_splice_set_path(sp, c, "securityContext.capabilities", kw_buf_cstr(&w.buf));
    }
}

static bool validate(kw_val request, kw_val settings)
{
    kw_val spec = kw_pod_spec(request);
    if (!kw_present(spec))
        return kw_accept();
    bool rejected = false;
    check_containers(kw_get(spec, "containers"), settings, &rejected);
    if (!rejected)
        check_containers(kw_get(spec, "initContainers"), settings, &rejected);
    if (rejected)
        return true;

    kw_splice sp;
    kw_splice_init(&sp, kw_request_object(request));
    mutate_containers(&sp, kw_get(spec, "containers"), settings);
    mutate_containers(&sp, kw_get(spec, "initContainers"), settings);
    if (!kw_splice_changed(&sp))
        return kw_accept();
    return kw_mutate(kw_splice_apply(&sp));
}

/* Lists the members of `a` also in `b` into msg; true if there are any. */
static bool common(kw_val a, kw_val b, kw_buf *msg)
{
    kw_iter it = kw_iter_begin(a);
    kw_val e;
    while (kw_next(&it, &e)) {
        if (!kw_contains(b, e))
            continue;
        if (msg->len)
            kw_buf_puts(msg, ", ");
        kw_buf_puts(msg, kw_str(e));
    }
    return msg->len > 0;
}

static bool validate_settings(kw_val settings)
{
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        kw_val v = kw_get(settings, lists[i]);
        if (kw_present(v) && kw_typeof(v) != KW_NULL && !kw_all_strings(v)) {
            kw_buf b = { 0 };
            kw_buf_puts(&b, lists[i]);
            kw_buf_puts(&b, " must be a list of capability names");
            return kw_settings_invalid(kw_buf_cstr(&b));
        }
    }
    kw_val drop = kw_get(settings, "required_drop_capabilities");
    kw_buf names = { 0 };
    if (common(drop, kw_get(settings, "allowed_capabilities"), &names)) {
        kw_buf b = { 0 };
        kw_buf_puts(&b, "These capabilities cannot be allowed and required to be dropped at the same time: ");
        kw_buf_put(&b, names.data, names.len);
        return kw_settings_invalid(kw_buf_cstr(&b));
    }
    if (common(drop, kw_get(settings, "default_add_capabilities"), &names)) {
        kw_buf b = { 0 };
        kw_buf_puts(&b, "These capabilities cannot be added by default and required to be dropped at the same time: ");
        kw_buf_put(&b, names.data, names.len);
        return kw_settings_invalid(kw_buf_cstr(&b));
    }
    return kw_settings_valid();
}

KW_POLICY(validate, validate_settings)
