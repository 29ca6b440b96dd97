/*
 * cases.h - the policies' own test cases (policies/<name>/tests.json), shared
 * by the native runner and the kwctl runner.  Built on the SDK's JSON reader
 * compiled natively.
 *
 * tests.json is an array of cases:
 *   name            what the case shows
 *   request         file, relative to the policy folder: an AdmissionRequest,
 *                   an AdmissionReview, or (raw) any document
 *   raw             optional, the whole document is the request
 *   settings        optional settings object (default {})
 *   settings_error  optional: settings must be rejected with exactly this message
 *   allowed         expected verdict
 *   message, code   optional expected rejection message / code
 *   message_is_request  optional: the message is the request itself, as JSON
 *   log             optional (native runner only): text the policy must log
 *                   through tracing/log
 *   host_replies    optional (native runner only; the kwctl runner skips
 *                   the case): {"<ns>/<op>": reply} canned host answers
 *   mutated         optional: file holding the expected mutated object, or
 *                   false when the policy must not mutate
 */
#ifndef POLICY_CASES_H
#define POLICY_CASES_H

#include "../../sdk/kw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct file_text {
    char *data;
    size_t len;
} file_text;

/* Reads a whole file (malloc'd, NUL-terminated); data NULL on failure. */
static inline file_text read_file(const char *path)
{
    file_text f = { NULL, 0 };
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return f;
    size_t cap = 4096;
    f.data = malloc(cap);
    size_t n;
    while (f.data && (n = fread(f.data + f.len, 1, cap - f.len - 1, fp)) > 0) {
        f.len += n;
        if (cap - f.len - 1 == 0) {
            cap *= 2;
            char *d = realloc(f.data, cap);
            if (!d) {
                free(f.data);
                f.data = NULL;
            }
            f.data = d;
        }
    }
    fclose(fp);
    if (f.data)
        f.data[f.len] = '\0';
    return f;
}

/* Reads and validates a JSON file; on error prints why and returns false. */
static inline bool read_json(const char *path, file_text *f, kw_val *v)
{
    char err[128];
    *f = read_file(path);
    if (!f->data) {
        fprintf(stderr, "cannot read %s\n", path);
        return false;
    }
    if (kw_parse(f->data, f->len, v, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", path, err);
        free(f->data);
        f->data = NULL;
        return false;
    }
    return true;
}

/* The AdmissionRequest inside a request file, as kwctl picks it. */
static inline kw_val admission_request(kw_val doc, bool raw)
{
    if (!raw && kw_str_eq(kw_get(doc, "kind"), "AdmissionReview") && kw_present(kw_get(doc, "request")))
        return kw_get(doc, "request");
    return doc;
}

/* Whether message (a JSON string value) holds JSON equal to `request`. */
static inline bool message_is(kw_val message, kw_val request)
{
    char *text = kw_str(message);
    kw_val parsed;
    return kw_parse(text, strlen(text), &parsed, NULL, 0) == 0 && kw_equal(parsed, request);
}

static inline char *join_path(const char *dir, const char *file)
{
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = malloc(n);
    if (!p)
        abort();
    snprintf(p, n, "%s/%s", dir, file);
    return p;
}

#endif
