/*
 * labels: checks the label names (metadata.labels keys) of any object
 * against a list, with one of upstream's criteria:
 *
 *   containsAnyOf            at least one of `values`
 *   doesNotContainAnyOf      none of `values` (denylist)
 *   containsAllOf            all of `values`
 *   doesNotContainAllOf      not all of `values` together
 *   containsOtherThan        at least one label outside `values`
 *   doesNotContainOtherThan  only labels from `values` (allowlist)
 *
 * Settings: {"criteria": <one of the above>, "values": [label names]}; the
 * list must not be empty and its names must be valid Kubernetes label keys.
 * Messages are upstream's; the names they list are sorted, each once.
 */
#include "kw.h"

#include <string.h>

typedef enum {
    CONTAINS_ANY_OF,
    DOES_NOT_CONTAIN_ANY_OF,
    CONTAINS_ALL_OF,
    DOES_NOT_CONTAIN_ALL_OF,
    CONTAINS_OTHER_THAN,
    DOES_NOT_CONTAIN_OTHER_THAN,
} criterion;

/* Upstream's spelling, in its order (the "expected one of" list). */
static const char *const criterion_names[] = {
    [CONTAINS_ALL_OF] = "containsAllOf",
    [DOES_NOT_CONTAIN_ALL_OF] = "doesNotContainAllOf",
    [CONTAINS_ANY_OF] = "containsAnyOf",
    [DOES_NOT_CONTAIN_ANY_OF] = "doesNotContainAnyOf",
    [CONTAINS_OTHER_THAN] = "containsOtherThan",
    [DOES_NOT_CONTAIN_OTHER_THAN] = "doesNotContainOtherThan",
};
static const criterion upstream_order[] = {
    CONTAINS_ALL_OF, DOES_NOT_CONTAIN_ALL_OF, CONTAINS_ANY_OF,
    DOES_NOT_CONTAIN_ANY_OF, CONTAINS_OTHER_THAN, DOES_NOT_CONTAIN_OTHER_THAN,
};
enum { CRITERIA = sizeof upstream_order / sizeof upstream_order[0] };

/* The members of `from` that are (or are not) in `set`. */
static kw_names filter(const kw_names *from, const kw_names *set, bool in_set)
{
    kw_names out = { 0 };
    for (size_t i = 0; i < from->n; i++)
        if (kw_names_has(set, from->v[i]) == in_set)
            kw_names_add(&out, from->v[i]);
    return out;
}

/* ---- settings ------------------------------------------------------------- */

typedef struct settings {
    criterion criterion;
    kw_names values;
} settings;

static const char *unknown_criterion(const char *given)
{
    kw_buf b = { 0 };
    kw_buf_puts(&b, "unknown variant `");
    kw_buf_puts(&b, given);
    kw_buf_puts(&b, "`, expected one of ");
    for (size_t i = 0; i < CRITERIA; i++) {
        kw_buf_puts(&b, i ? ", `" : "`");
        kw_buf_puts(&b, criterion_names[upstream_order[i]]);
        kw_buf_putc(&b, '`');
    }
    return kw_buf_cstr(&b);
}

/* A DNS subdomain: labels of [a-z0-9-], not starting or ending with '-'. */
static bool valid_prefix(const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') {
            if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
                return false;
            continue;
        }
        if (i == start || s[start] == '-' || s[i - 1] == '-')
            return false;
        start = i + 1;
    }
    return true;
}

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* [A-Za-z0-9] at both ends, [A-Za-z0-9_.-] between (length checked apart). */
static bool valid_name(const char *s, size_t n)
{
    if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
        return false;
    for (size_t i = 1; i + 1 < n; i++)
        if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
            return false;
    return true;
}

/* What is wrong with a label key, as upstream lists it ("<key>" or
 * "<key> (prefix too long)"...), or NULL when it is valid. */
static const char *key_problem(const char *key)
{
    size_t n = strlen(key);
    const char *slash = strrchr(key, '/');
    const char *name = slash ? slash + 1 : key;
    size_t name_len = n - (size_t)(name - key);
    const char *why = NULL;
    if (slash && (size_t)(slash - key) > 253)
        why = " (prefix too long)";
    else if (name_len > 63)
        why = " (name too long)";
    else if (n > 253)
        why = " (key too long)";
    else if ((slash && !valid_prefix(key, (size_t)(slash - key))) || !valid_name(name, name_len))
        why = "";
    if (!why)
        return NULL;
    kw_buf b = { 0 };
    kw_buf_puts(&b, key);
    kw_buf_puts(&b, why);
    return kw_buf_cstr(&b);
}

static const char *invalid_keys(const kw_names *values)
{
    kw_buf b = { 0 };
    for (size_t i = 0; i < values->n; i++) {
        const char *problem = key_problem(values->v[i]);
        if (!problem)
            continue;
        /* upstream's text says "annotation" here, in the labels policy too */
        kw_buf_puts(&b, b.len ? ", " : "Invalid annotation names: ");
        kw_buf_puts(&b, problem);
    }
    return b.len ? kw_buf_cstr(&b) : NULL;
}

/* NULL when the settings can be read, else the message. */
static const char *read_settings(kw_val json, settings *out)
{
    memset(out, 0, sizeof *out);
    kw_val criteria = kw_get(json, "criteria"), values = kw_get(json, "values");
    if (!kw_present(criteria))
        return "missing field `criteria`";
    if (kw_typeof(criteria) != KW_STRING)
        return "criteria must be a string";
    size_t i = 0;
    while (i < CRITERIA && !kw_str_eq(criteria, criterion_names[upstream_order[i]]))
        i++;
    if (i == CRITERIA)
        return unknown_criterion(kw_str(criteria));
    out->criterion = upstream_order[i];
    if (!kw_present(values))
        return "missing field `values`";
    if (!kw_all_strings(values))
        return "values must be a list of strings";
    kw_iter it = kw_iter_begin(values);
    kw_val v;
    while (kw_next(&it, &v))
        kw_names_add(&out->values, kw_str(v));
    kw_names_sort_unique(&out->values);
    return NULL;
}

/* upstream's checks on settings that could be read */
static const char *check_settings(const settings *st)
{
    if (st->values.n == 0)
        return "Empty label list is not allowed";
    return invalid_keys(&st->values);
}

/* ---- validation ------------------------------------------------------------ */

static kw_names label_keys(kw_val request)
{
    kw_val labels = kw_labels(kw_request_object(request));
    kw_names out = { 0 };
    kw_iter it = kw_iter_begin(labels);
    kw_val key, value;
    while (kw_next_member(&it, &key, &value))
        kw_names_add(&out, kw_str(key));
    kw_names_sort_unique(&out);
    return out;
}

/* "<sentence> a, b" (upstream's "{} {}" with the names joined by ", "). */
static bool reject_with(const char *sentence, const kw_names *l)
{
    kw_buf b = { 0 };
    kw_buf_puts(&b, sentence);
    kw_buf_putc(&b, ' ');
    kw_buf_names(&b, l, ", ");
    return kw_reject(kw_buf_cstr(&b), 0);
}

static bool validate(kw_val request, kw_val settings_json)
{
    settings st;
    const char *err = read_settings(settings_json, &st);
    if (err)
        return kw_reject_invalid_settings(err);
    kw_names labels = label_keys(request);
    kw_names present = filter(&st.values, &labels, true);   /* values found on the object */
    kw_names others = filter(&labels, &st.values, false);   /* labels outside values */
    switch (st.criterion) {
    case CONTAINS_ANY_OF:
        if (present.n == 0)
            return reject_with("Resource must have at least one of the required labels specified by the "
                               "validation rule. None of the expected labels were found:", &st.values);
        break;
    case DOES_NOT_CONTAIN_ANY_OF:
        if (present.n)
            return reject_with("Resource must not have any of the labels specified in the validation rule. "
                               "The following invalid labels were found:", &present);
        break;
    case CONTAINS_ALL_OF:
        if (present.n < st.values.n) {
            kw_names missing = filter(&st.values, &labels, false);
            return reject_with("Resource is missing required labels as specified in the validation rules. "
                               "The following labels are missing:", &missing);
        }
        break;
    case DOES_NOT_CONTAIN_ALL_OF:
        if (present.n == st.values.n)
            return reject_with("Resource has conflicting labels set according to the validation rules. "
                               "The following labels should not be set together:", &st.values);
        break;
    case CONTAINS_OTHER_THAN:
        /* upstream lists the labels outside values here too: always none */
        if (others.n == 0)
            return reject_with("Resource must not have any labels other than those specified in the "
                               "validation rule. The following labels were found that should not be present:",
                               &others);
        break;
    case DOES_NOT_CONTAIN_OTHER_THAN:
        if (others.n)
            return reject_with("Resource must have only labels from the validation rule. The following labels "
                               "were found that should not be present:", &others);
        break;
    }
    return kw_accept();
}

static bool validate_settings(kw_val settings_json)
{
    settings st;
    const char *err = read_settings(settings_json, &st);
    if (!err)
        err = check_settings(&st);
    return err ? kw_settings_invalid(err) : kw_settings_valid();
}

KW_POLICY(validate, validate_settings)
