/*
 * safe-labels: validates the labels of any Kubernetes object.
 *
 * Settings:
 *   denied_labels       labels that must not be present
 *   mandatory_labels    labels that must be present
 *   constrained_labels  label -> regular expression (Go syntax) its value
 *                       must match when the label is present
 * A label cannot be both denied and constrained, nor denied and mandatory.
 * Violations are reported together: denied, then constraints, then missing
 * mandatory labels, each list sorted.
 */
#include "kw.h"

#include <string.h>

/* Appends "<prefix><a>,<b>..." to msg when l is not empty, after ". " if msg
 * already holds a sentence. */
static void report(kw_buf *msg, const char *prefix, kw_names *l, const char *separator)
{
    if (l->n == 0)
        return;
    kw_names_sort_unique(l);
    if (msg->len)
        kw_buf_puts(msg, ". ");
    kw_buf_puts(msg, prefix);
    kw_buf_names(msg, l, separator);
}

static bool validate(kw_val request, kw_val settings)
{
    kw_val labels = kw_labels(kw_request_object(request));
    kw_val denied = kw_get(settings, "denied_labels");
    kw_val constrained = kw_get(settings, "constrained_labels");
    kw_names bad_denied = { 0 }, bad_constraint = { 0 }, missing = { 0 };

    kw_iter it = kw_iter_begin(labels);
    kw_val key, value;
    while (kw_next_member(&it, &key, &value)) {
        if (kw_contains(denied, key))
            kw_names_add(&bad_denied, kw_str(key));
        const char *label = kw_str(key);
        kw_val pattern = kw_get(constrained, label);
        if (!kw_present(pattern))
            continue;
        /* settings were validated, so the pattern compiles */
        kw_regex *re = kw_regex_compile(kw_str(pattern), NULL, 0);
        const char *text = kw_str(value);
        if (!re || kw_typeof(value) != KW_STRING || !kw_regex_match(re, text, strlen(text)))
            kw_names_add(&bad_constraint, label);
    }
    kw_iter mi = kw_iter_begin(kw_get(settings, "mandatory_labels"));
    kw_val m;
    while (kw_next(&mi, &m))
        if (!kw_present(kw_get(labels, kw_str(m))))
            kw_names_add(&missing, kw_str(m));

    kw_buf msg = { 0 };
    report(&msg, "The following labels are denied: ", &bad_denied, ",");
    report(&msg, "The following labels are violating user constraints: ", &bad_constraint, ",");
    report(&msg, "The following mandatory labels are missing: ", &missing, ",");
    if (msg.len)
        return kw_reject(kw_buf_cstr(&msg), 0);
    return kw_accept();
}

static bool invalid_with_names(const char *prefix, kw_names *l)
{
    kw_buf msg = { 0 };
    report(&msg, prefix, l, ", ");
    return kw_settings_invalid(kw_buf_cstr(&msg));
}

static bool validate_settings(kw_val settings)
{
    kw_val denied = kw_get(settings, "denied_labels");
    kw_val mandatory = kw_get(settings, "mandatory_labels");
    kw_val constrained = kw_get(settings, "constrained_labels");
    if (kw_present(denied) && kw_typeof(denied) != KW_NULL && !kw_all_strings(denied))
        return kw_settings_invalid("denied_labels must be a list of label names");
    if (kw_present(mandatory) && kw_typeof(mandatory) != KW_NULL && !kw_all_strings(mandatory))
        return kw_settings_invalid("mandatory_labels must be a list of label names");
    kw_type ct = kw_typeof(constrained);
    if (ct != KW_ABSENT && ct != KW_NULL && ct != KW_OBJECT)
        return kw_settings_invalid("constrained_labels must map label names to regular expressions");

    kw_names both = { 0 };
    kw_iter it = kw_iter_begin(constrained);
    kw_val key, pattern;
    while (kw_next_member(&it, &key, &pattern)) {
        char err[256];
        if (kw_typeof(pattern) != KW_STRING)
            return kw_settings_invalid("constrained_labels must map label names to regular expressions");
        if (!kw_regex_compile(kw_str(pattern), err, sizeof err))
            return kw_settings_invalid(err);
        if (kw_contains(denied, key))
            kw_names_add(&both, kw_str(key));
    }
    if (both.n)
        return invalid_with_names("These labels cannot be constrained and denied at the same time: ", &both);
    kw_iter mi = kw_iter_begin(mandatory);
    kw_val m;
    while (kw_next(&mi, &m))
        if (kw_contains(denied, m))
            kw_names_add(&both, kw_str(m));
    if (both.n)
        return invalid_with_names("These labels cannot be mandatory and denied at the same time: ", &both);
    return kw_settings_valid();
}

KW_POLICY(validate, validate_settings)
