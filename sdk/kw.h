/*
 * kw.h - the C policy SDK: everything a Kubewarden policy written in C needs.
 *
 * A policy is one or more C files compiled with this SDK to wasm32 (waPC
 * guest).  It defines two functions and names them with KW_POLICY():
 *
 *     static bool validate(kw_val request, kw_val settings);
 *     static bool validate_settings(kw_val settings);
 *     KW_POLICY(validate, validate_settings)
 *
 * and ends each of them with one of the response helpers below
 * (kw_accept, kw_reject, kw_mutate / kw_settings_valid, kw_settings_invalid).
 *
 * JSON is read in place: a kw_val is a view (pointer + length) into the
 * payload the host sent.  The payload is not validated as a whole (the host
 * wrote it); the reader is safe on any bytes instead: malformed parts read as
 * absent, lookups never copy and never read outside the view.  Memory comes from a
 * per-call arena (kw_alloc) that is released when the call returns: a policy
 * never frees anything.  See docs/sdk.md.
 */
#ifndef KW_H
#define KW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- memory ------------------------------------------------------------ */

/* Zeroed memory that lives until the current waPC call returns.  Never NULL
 * (out of memory traps the guest, which the host reports as an error). */
void *kw_alloc(size_t size);
char *kw_strndup(const char *s, size_t n);
/* Releases everything kw_alloc handed out since init (the waPC glue calls
 * it after each call). */
void kw_arena_reset(void);
/* Makes what was allocated so far permanent (the waPC glue calls it at the
 * end of wapc_init, so state built at init survives the resets). */
void kw_arena_keep(void);

/* ---- reading JSON -------------------------------------------------------- */

typedef enum {
    KW_ABSENT,   /* a lookup that found nothing */
    KW_NULL, KW_BOOL, KW_NUMBER, KW_STRING, KW_ARRAY, KW_OBJECT
} kw_type;

/* A JSON value inside some text: p points at its first byte, n is its
 * length.  p == NULL means "absent". */
typedef struct kw_val {
    const char *p;
    size_t n;
} kw_val;

#define KW_NONE ((kw_val){ NULL, 0 })

/* Checks that text[0..len) is exactly one JSON value (RFC 8259, UTF-8,
 * depth <= 256).  On success *out views it (without surrounding blanks) and 0
 * is returned; otherwise -1 and err holds "<what> at offset <n>".  For text
 * of unknown origin whose errors must be reported; reading does not need it. */
int kw_parse(const char *text, size_t len, kw_val *out, char *err, size_t errlen);

/* A view of text[0..len) as one JSON value, without validating it: blanks
 * around it dropped; KW_NONE when it is empty or its first and last bytes do
 * not open and close one value.  What is inside is checked as it is read. */
kw_val kw_view(const char *text, size_t len);

kw_type kw_typeof(kw_val v);
static inline bool kw_present(kw_val v) { return v.p != NULL; }
/* true for JSON true only */
bool kw_is_true(kw_val v);
/* the JSON value true/false, or dflt when v is absent, null or not a bool */
bool kw_bool(kw_val v, bool dflt);
/* integer value of a JSON number without fraction/exponent */
bool kw_int(kw_val v, int64_t *out);

/* Member `key` of an object (absent if v is not an object or has no such key). */
kw_val kw_get(kw_val obj, const char *key);
/* Several members of an object in one pass over it: out[i] = member keys[i]
 * (absent if missing), for up to KW_GET_MANY_MAX keys; returns how many were
 * found.  Prefer it to several kw_get calls on a large object: each kw_get of
 * a missing key reads the whole object. */
enum { KW_GET_MANY_MAX = 16 };
size_t kw_get_many(kw_val obj, const char *const *keys, size_t n, kw_val *out);
/* Dotted path of member names, e.g. "spec.template.spec"; a segment made of
 * digits indexes an array ("spec.containers.0.name"). */
kw_val kw_path(kw_val v, const char *path);
/* Element i of an array. */
kw_val kw_at(kw_val arr, size_t i);
/* Number of elements (array) or members (object); 0 otherwise. */
size_t kw_len(kw_val v);

/* Iteration over an array's elements or an object's members:
 *     kw_iter it = kw_iter_begin(arr); kw_val e;
 *     while (kw_next(&it, &e)) ...
 *     kw_iter it = kw_iter_begin(obj); kw_val k, v;
 *     while (kw_next_member(&it, &k, &v)) ...      (k is the key string value) */
typedef struct kw_iter {
    const char *p, *end;
    bool object;   /* kw_next walks arrays only, kw_next_member objects only */
} kw_iter;
kw_iter kw_iter_begin(kw_val container);
bool kw_next(kw_iter *it, kw_val *elem);
bool kw_next_member(kw_iter *it, kw_val *key, kw_val *value);

/* Strings: compare or copy the decoded text of a JSON string value. */
bool kw_str_eq(kw_val s, const char *lit);
bool kw_str_eqn(kw_val s, const char *lit, size_t n);
/* Decoded, NUL-terminated copy (arena); "" when v is not a string. */
char *kw_str(kw_val s);
/* Length of the decoded string (0 when v is not a string). */
size_t kw_str_len(kw_val s);
/* Structural equality (object member order ignored, numbers compared by text;
 * values nested deeper than 256 levels compare unequal). */
bool kw_equal(kw_val a, kw_val b);

/* Whether array `arr` has an element equal to v / to the string s. */
bool kw_contains(kw_val arr, kw_val v);
bool kw_contains_str(kw_val arr, const char *s);
/* true if v is an array of strings */
bool kw_all_strings(kw_val v);

/* ---- writing JSON -------------------------------------------------------- */

/* A growable byte buffer on the arena. */
typedef struct kw_buf {
    char *data;
    size_t len, cap;
} kw_buf;

void kw_buf_put(kw_buf *b, const char *s, size_t n);
void kw_buf_puts(kw_buf *b, const char *s);
void kw_buf_putc(kw_buf *b, char c);
void kw_buf_int(kw_buf *b, int64_t v);
/* s[0..n) as a quoted, escaped JSON string */
void kw_buf_json_str(kw_buf *b, const char *s, size_t n);
/* NUL-terminated contents (the terminator is not counted in len) */
const char *kw_buf_cstr(kw_buf *b);

/* A list of names on the arena (label keys, registries, ...): collected as
 * found, then sorted for a message.  Zero-initialised is empty. */
typedef struct kw_names {
    const char **v;
    size_t n, cap;
} kw_names;

void kw_names_add(kw_names *l, const char *name);
/* Sorts (strcmp order) and keeps each name once. */
void kw_names_sort_unique(kw_names *l);
/* Whether `name` is in a list that kw_names_sort_unique has sorted. */
bool kw_names_has(const kw_names *l, const char *name);
/* The names, `separator` between them. */
void kw_buf_names(kw_buf *b, const kw_names *l, const char *separator);

/* A JSON writer that places the commas:
 *     kw_writer w = {0};
 *     kw_w_obj(&w); kw_w_key(&w, "valid"); kw_w_bool(&w, true); kw_w_end(&w);
 * kw_w_end closes the innermost object or array. */
typedef struct kw_writer {
    kw_buf buf;
    int depth;
    bool need_comma[64];   /* per open container: a value was written */
    char closer[64];       /* per open container: '}' or ']' */
    bool after_key;
} kw_writer;

void kw_w_obj(kw_writer *w);
void kw_w_arr(kw_writer *w);
void kw_w_end(kw_writer *w);
void kw_w_key(kw_writer *w, const char *key);
void kw_w_str(kw_writer *w, const char *s);
void kw_w_strn(kw_writer *w, const char *s, size_t n);
void kw_w_int(kw_writer *w, int64_t v);
void kw_w_bool(kw_writer *w, bool v);
void kw_w_null(kw_writer *w);
/* an existing JSON value, copied verbatim */
void kw_w_val(kw_writer *w, kw_val v);

/* ---- mutating by splicing ----------------------------------------------- */

/* Builds an edited copy of a document without re-serialising it: edits are
 * byte ranges of the original text replaced by new JSON text.  Edits must not
 * overlap (edit a container, or something inside it, not both).  Edits of
 * something that is not an object (set) / array (append) / present (replace)
 * are ignored, so a mistyped request cannot produce broken JSON. */
typedef struct kw_edit {
    size_t at, del;
    const char *ins;
    size_t ins_len;
    size_t seq;
} kw_edit;

typedef struct kw_splice {
    kw_val doc;
    kw_edit *edits;
    size_t n, cap;
} kw_splice;

void kw_splice_init(kw_splice *s, kw_val doc);
/* replace value `old` (inside doc) by json */
void kw_splice_replace(kw_splice *s, kw_val old, const char *json);
/* set member `key` of object `obj` to json: replaces the value if the key
 * exists, adds the member otherwise */
void kw_splice_set(kw_splice *s, kw_val obj, const char *key, const char *json);
/* set a dotted path of members below object `obj` ("securityContext.runAsUser"),
 * creating the missing objects on the way */
void kw_splice_set_path(kw_splice *s, kw_val obj, const char *path, const char *json);
/* append an element to array `arr` */
void kw_splice_append(kw_splice *s, kw_val arr, const char *json);
/* remove member `key` of object `obj` / element i of array `arr` (at most one
 * removal per container in one splice: neighbours share their comma) */
void kw_splice_remove_member(kw_splice *s, kw_val obj, const char *key);
void kw_splice_remove_at(kw_splice *s, kw_val arr, size_t i);
/* insert json before element i of `arr` (appends when i is past the end) */
void kw_splice_insert_at(kw_splice *s, kw_val arr, size_t i, const char *json);
bool kw_splice_changed(const kw_splice *s);
/* The edited document (arena), or KW_NONE if edits overlap. */
kw_val kw_splice_apply(kw_splice *s);

/* ---- responses ------------------------------------------------------------
 * Each returns true so a handler can end with `return kw_accept();`. */

bool kw_accept(void);
/* message may be NULL; code 0 means "no code" */
bool kw_reject(const char *message, int code);
/* accept, with `mutated` as the full desired object */
bool kw_mutate(kw_val mutated);
/* accept with warnings (array of n strings) */
bool kw_accept_with_warnings(const char *const *warnings, size_t n);
bool kw_settings_valid(void);
bool kw_settings_invalid(const char *message);
/* In validate, for settings the host should have refused: the rejection
 * "Provided settings are not valid: <error>" (fail closed, not a guest error). */
bool kw_reject_invalid_settings(const char *error);
/* A failed call (the host reports "Guest call failure: <message>"). */
bool kw_fail(const char *message);

/* ---- host capabilities ------------------------------------------------------ */

typedef enum { KW_LOG_TRACE, KW_LOG_DEBUG, KW_LOG_INFO, KW_LOG_WARN, KW_LOG_ERROR } kw_log_level;

/* Logs through the host's `tracing/log` capability. */
void kw_log(kw_log_level level, const char *message);

/* Generic host call (binding "kubewarden").  On success returns true and
 * *response views the reply (arena); on failure returns false and *response
 * holds the host's error text. */
bool kw_host_call(const char *ns, const char *op, const char *payload, size_t len, kw_buf *response);

/* ---- Kubernetes helpers --------------------------------------------------- */

/* request.object, request.oldObject, request.operation, request.kind.kind */
kw_val kw_request_object(kw_val request);
/* The PodSpec inside request.object, whatever the workload kind: Pod,
 * Deployment, ReplicaSet, StatefulSet, DaemonSet, ReplicationController, Job
 * (spec.template.spec) or CronJob (spec.jobTemplate.spec.template.spec).
 * Absent for other kinds or when there is no object (DELETE). */
kw_val kw_pod_spec(kw_val request);
/* The object holding that PodSpec and its pod metadata: the Pod itself or the
 * workload's pod template. */
kw_val kw_pod_template(kw_val request);
/* The object's metadata.labels / metadata.annotations (may be absent). */
kw_val kw_labels(kw_val object);
kw_val kw_annotations(kw_val object);

/* ---- regular expressions (Go RE2 syntax subset) --------------------------- */

typedef struct kw_regex kw_regex;
/* NULL on error, with err holding Go's message, e.g.
 * "error parsing regexp: missing closing ]: `[12$`". */
kw_regex *kw_regex_compile(const char *pattern, char *err, size_t errlen);
/* true if the regex matches anywhere in s[0..n) (use ^...$ to anchor). */
bool kw_regex_match(const kw_regex *re, const char *s, size_t n);

/* ---- container image references (image_ref.c) ------------------------------ */

/* An image reference read with the Docker distribution rules, as upstream's
 * Rust policies read it: "nginx" is docker.io / library/nginx : latest;
 * "host:5000/app@sha256:<64 hex>" has a registry with a port and a digest. */
typedef struct kw_image_ref {
    const char *registry;    /* "docker.io" when the reference names none */
    const char *repository;  /* "library/nginx" for "nginx" */
    const char *tag;         /* "latest" without tag and digest; NULL with a digest only */
    const char *digest;      /* "sha256:<hex>" or NULL */
} kw_image_ref;
/* Parses s[0..n): NULL on success (strings on the arena), else upstream's
 * error text: "invalid reference format", "repository name must have at least
 * one component", "invalid checksum digest length", ... */
const char *kw_image_ref_parse(const char *s, size_t n, kw_image_ref *ref);
/* registry/repository[:tag][@digest] (arena) */
char *kw_image_ref_whole(const kw_image_ref *ref);
/* all four parts equal */
bool kw_image_ref_equal(const kw_image_ref *a, const kw_image_ref *b);

/* ---- waPC glue -------------------------------------------------------------- */

typedef bool (*kw_validate_fn)(kw_val request, kw_val settings);
typedef bool (*kw_settings_fn)(kw_val settings);
/* A raw waPC operation handler: payload in, ends with kw_respond or kw_fail. */
typedef bool (*kw_handler_fn)(const char *payload, size_t len);

/* Registers a waPC operation (at init time, from kw_policy_init). */
void kw_register(const char *operation, kw_handler_fn handler);
void kw_register_validate(kw_validate_fn fn);
void kw_register_settings(kw_settings_fn fn);
/* Hands a successful payload back to the host. */
bool kw_respond(const char *payload, size_t len);

/* Defined by every policy (KW_POLICY does it): registers its handlers. */
void kw_policy_init(void);

#define KW_POLICY(validate_fn, settings_fn)                  \
    void kw_policy_init(void)                                \
    {                                                        \
        kw_register_validate(validate_fn);                   \
        kw_register_settings(settings_fn);                   \
    }

/* Runs one waPC call as the host would (op + payload); used by the wasm
 * export __guest_call and by native tests.  Returns 1 on success, 0 on failure. */
int kw_dispatch(const char *op, size_t op_len, const char *payload, size_t len);

#endif
