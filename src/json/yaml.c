/*
 * yaml.c - YAML to the JSON DOM, through libyaml's event parser.
 *
 * Plain scalars follow the YAML 1.2 core schema, as Kubewarden's own
 * serde_yaml reads policies.yml and metadata.yml:
 *   null, Null, NULL, ~ and the empty scalar   -> null
 *   true/True/TRUE, false/False/FALSE          -> booleans (yes/no/on/off stay strings)
 *   [-+]?[0-9]+, 0o[0-7]+, 0x[0-9a-fA-F]+      -> integers, written in decimal
 *   [-+]?(.[0-9]+|[0-9]+(.[0-9]*)?)([eE][-+]?[0-9]+)?  -> numbers
 *   .inf, -.inf, .nan and their spellings      -> an error: JSON has no such numbers
 *   anything else                              -> string
 * Quoted and block scalars, and scalars tagged !!str, are strings.  Anchors and
 * aliases are resolved by sharing the anchored value; the expanded size is
 * bounded, so alias "bombs" fail instead of exploding later writers.
 * Duplicate mapping keys and non-scalar keys are errors ("<<" is an ordinary
 * key: merge keys are YAML 1.1).
 */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define YAML_MAX_NODES (1u << 22)    /* values after alias expansion */

/* Anchors by name, in a chained hash table (a document may hold many anchors
 * and many aliases: a list would make their resolution quadratic). */
typedef struct anchor {
    struct anchor *next;         /* same bucket */
    const char *name;
    json_value *value;           /* of its latest definition */
    size_t nodes;                /* its expanded size */
} anchor;

typedef struct anchor_table {
    anchor **buckets;
    size_t nbuckets, count;      /* nbuckets: a power of two, or 0 before the first anchor */
} anchor_table;

typedef struct yreader {
    yaml_parser_t parser;
    json_arena *arena;
    json_error *err;
    anchor_table anchors;
    size_t nodes;
    int depth;
    bool failed;
} yreader;

static json_value *build_node(yreader *r, yaml_event_t *ev);

static void *fail_at(yreader *r, yaml_mark_t mark, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void *fail_at(yreader *r, yaml_mark_t mark, const char *fmt, ...)
{
    if (r->failed) return NULL;
    r->failed = true;
    if (r->err) {
        char what[100];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        r->err->offset = mark.index;
        snprintf(r->err->message, sizeof r->err->message, "YAML: %s at line %zu column %zu", what,
                 mark.line + 1, mark.column + 1);
    }
    return NULL;
}

static int next_event(yreader *r, yaml_event_t *ev)
{
    if (yaml_parser_parse(&r->parser, ev)) return 0;
    const char *problem = r->parser.problem ? r->parser.problem : "malformed input";
    if (r->parser.context)
        fail_at(r, r->parser.problem_mark, "%s %s", problem, r->parser.context);
    else
        fail_at(r, r->parser.problem_mark, "%s", problem);
    return -1;
}

static int count_node(yreader *r, size_t n, yaml_mark_t mark)
{
    r->nodes += n;
    if (r->nodes <= YAML_MAX_NODES) return 0;
    fail_at(r, mark, "document too large after alias expansion (more than %u values)", YAML_MAX_NODES);
    return -1;
}

static size_t hash_name(const char *s)
{
    size_t h = 14695981039346656037u;         /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static anchor *find_anchor(const anchor_table *t, const char *name)
{
    if (!t->nbuckets) return NULL;
    for (anchor *an = t->buckets[hash_name(name) & (t->nbuckets - 1)]; an; an = an->next)
        if (strcmp(an->name, name) == 0) return an;
    return NULL;
}

/* Doubles the bucket array (from the arena) when the chains grow long. */
static int grow_anchors(json_arena *a, anchor_table *t)
{
    size_t n = t->nbuckets ? t->nbuckets * 2 : 64;
    anchor **buckets = json_arena_alloc(a, n * sizeof *buckets);
    if (!buckets) return -1;
    memset(buckets, 0, n * sizeof *buckets);
    for (size_t i = 0; i < t->nbuckets; i++)
        for (anchor *an = t->buckets[i], *next; an; an = next) {
            next = an->next;
            size_t b = hash_name(an->name) & (n - 1);
            an->next = buckets[b];
            buckets[b] = an;
        }
    t->buckets = buckets;
    t->nbuckets = n;
    return 0;
}

/* Records (or redefines: the latest definition wins) the anchor of a value. */
static int remember_anchor(yreader *r, const yaml_char_t *name, json_value *v, size_t nodes_before)
{
    if (!name) return 0;
    anchor_table *t = &r->anchors;
    anchor *an = find_anchor(t, (const char *)name);
    if (!an) {
        if (t->count >= t->nbuckets * 2 && grow_anchors(r->arena, t) < 0) return -1;
        an = json_arena_alloc(r->arena, sizeof *an);
        const char *copy = json_arena_strdup(r->arena, (const char *)name, strlen((const char *)name));
        if (!an || !copy) return -1;
        size_t b = hash_name(copy) & (t->nbuckets - 1);
        *an = (anchor){ .next = t->buckets[b], .name = copy };
        t->buckets[b] = an;
        t->count++;
    }
    an->value = v;
    an->nodes = r->nodes - nodes_before;
    return 0;
}

static json_value *resolve_alias(yreader *r, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    const anchor *an = find_anchor(&r->anchors, name);
    if (!an) return fail_at(r, ev->start_mark, "unknown anchor '%s'", name);
    return count_node(r, an->nodes, ev->start_mark) < 0 ? NULL : an->value;
}

/* ---- scalars ------------------------------------------------------------- */

static bool is_one_of(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (strcmp(s, *words) == 0) return true;
    return false;
}

static bool all_in(const char *s, const char *set)
{
    if (!*s) return false;
    for (; *s; s++)
        if (!strchr(set, *s)) return false;
    return true;
}

/* [-+]?(.[0-9]+|[0-9]+(.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool is_core_float(const char *s)
{
    if (*s == '-' || *s == '+') s++;
    size_t whole = strspn(s, "0123456789");
    s += whole;
    size_t frac = 0;
    if (*s == '.') {
        s++;
        frac = strspn(s, "0123456789");
        s += frac;
    }
    if (!whole && !frac) return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+') s++;
        if (!all_in(s, "0123456789")) return false;
        return true;
    }
    return *s == '\0';
}

static json_value *number_from_text(yreader *r, const char *text, yaml_mark_t mark)
{
    json_value *v = json_number_from_text(r->arena, text, strlen(text));
    return v ? v : fail_at(r, mark, "out of memory");
}

/* Decimal integers keep all their digits (no range limit), minus '+' and leading zeros. */
static json_value *decimal_integer(yreader *r, const char *s, yaml_mark_t mark)
{
    bool neg = *s == '-';
    if (*s == '-' || *s == '+') s++;
    while (s[0] == '0' && s[1]) s++;
    size_t n = strlen(s);
    char *text = json_arena_alloc(r->arena, n + 2);
    if (!text) return fail_at(r, mark, "out of memory");
    snprintf(text, n + 2, "%s%s", neg ? "-" : "", s);
    return number_from_text(r, text, mark);
}

static json_value *radix_integer(yreader *r, const char *digits, int base, yaml_mark_t mark)
{
    errno = 0;
    char *end;
    unsigned long long n = strtoull(digits, &end, base);
    if (errno || *end || n > INT64_MAX) return fail_at(r, mark, "integer '%s' out of range", digits - 2);
    return json_new_int(r->arena, (int64_t)n);
}

/* A float the core schema accepts but JSON does not ("1.", ".5", "+1e3"): normalise. */
static json_value *core_float(yreader *r, const char *s, yaml_mark_t mark)
{
    const char *why, *body = s + (*s == '+');
    if (json_scan_number(body, body + strlen(body), &why) == body + strlen(body) && !why)
        return number_from_text(r, body, mark);
    json_value *v = json_new_number(r->arena, strtod(s, NULL));
    if (v && v->type != JSON_NUMBER) return fail_at(r, mark, "number '%s' out of range", s);
    return v ? v : fail_at(r, mark, "out of memory");
}

/* What the core schema makes of a plain scalar. */
typedef enum { PLAIN_NULL, PLAIN_TRUE, PLAIN_FALSE, PLAIN_SPECIAL_FLOAT, PLAIN_DECIMAL, PLAIN_OCTAL, PLAIN_HEX,
               PLAIN_FLOAT, PLAIN_STRING } plain_kind;

static plain_kind classify_plain(const char *s)
{
    static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
    static const char *const trues[] = { "true", "True", "TRUE", NULL };
    static const char *const falses[] = { "false", "False", "FALSE", NULL };
    static const char *const specials[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
                                            "-.Inf", "-.INF", ".nan", ".NaN", ".NAN", NULL };
    if (is_one_of(s, nulls)) return PLAIN_NULL;
    if (is_one_of(s, trues)) return PLAIN_TRUE;
    if (is_one_of(s, falses)) return PLAIN_FALSE;
    if (is_one_of(s, specials)) return PLAIN_SPECIAL_FLOAT;
    if (all_in(s + (*s == '-' || *s == '+'), "0123456789")) return PLAIN_DECIMAL;
    if (strncmp(s, "0o", 2) == 0 && all_in(s + 2, "01234567")) return PLAIN_OCTAL;
    if (strncmp(s, "0x", 2) == 0 && all_in(s + 2, "0123456789abcdefABCDEF")) return PLAIN_HEX;
    if (is_core_float(s)) return PLAIN_FLOAT;
    return PLAIN_STRING;
}

bool json_yaml_plain_is_string(const char *s, size_t len)
{
    return strlen(s) == len && classify_plain(s) == PLAIN_STRING;
}

static json_value *plain_scalar(yreader *r, const char *s, size_t len, yaml_mark_t mark)
{
    switch (classify_plain(s)) {
    case PLAIN_NULL: return json_new_null(r->arena);
    case PLAIN_TRUE: return json_new_bool(r->arena, true);
    case PLAIN_FALSE: return json_new_bool(r->arena, false);
    case PLAIN_SPECIAL_FLOAT: return fail_at(r, mark, "'%s' has no JSON equivalent (quote it to get a string)", s);
    case PLAIN_DECIMAL: return decimal_integer(r, s, mark);
    case PLAIN_OCTAL: return radix_integer(r, s + 2, 8, mark);
    case PLAIN_HEX: return radix_integer(r, s + 2, 16, mark);
    case PLAIN_FLOAT: return core_float(r, s, mark);
    case PLAIN_STRING: break;
    }
    return json_new_string(r->arena, s, len);
}

static json_value *build_scalar(yreader *r, const yaml_event_t *ev)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    bool as_string = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || (tag && strcmp(tag, YAML_STR_TAG) == 0);
    /* A NUL inside a scalar would cut the C string the resolver reads: keep it a string. */
    if (!as_string && strlen(s) != len) as_string = true;
    json_value *v = as_string ? json_new_string(r->arena, s, len) : plain_scalar(r, s, len, ev->start_mark);
    return v || r->failed ? v : fail_at(r, ev->start_mark, "out of memory");
}

/* ---- collections --------------------------------------------------------- */

static bool enter(yreader *r, yaml_mark_t mark)
{
    if (++r->depth <= JSON_MAX_DEPTH) return true;
    fail_at(r, mark, "nesting deeper than %d", JSON_MAX_DEPTH);
    return false;
}

static json_value *build_sequence(yreader *r, const yaml_event_t *start)
{
    json_value *array = json_new_array(r->arena);
    if (!array) return fail_at(r, start->start_mark, "out of memory");
    if (!enter(r, start->start_mark)) return NULL;
    for (;;) {
        yaml_event_t ev;
        if (next_event(r, &ev) < 0) return NULL;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        json_value *item = build_node(r, &ev);
        if (!item) return NULL;
        if (json_array_push(r->arena, array, item) < 0) return fail_at(r, start->start_mark, "out of memory");
    }
    r->depth--;
    return array;
}

/* The key of a mapping entry: a scalar's text, whatever it would resolve to. */
static const char *build_key(yreader *r, yaml_event_t *ev, size_t *len)
{
    const char *key = NULL;
    if (ev->type == YAML_SCALAR_EVENT) {
        *len = ev->data.scalar.length;
        key = json_arena_strdup(r->arena, (const char *)ev->data.scalar.value, *len);
        if (!key) fail_at(r, ev->start_mark, "out of memory");
        else if (remember_anchor(r, ev->data.scalar.anchor, json_new_string(r->arena, key, *len), r->nodes) < 0)
            key = fail_at(r, ev->start_mark, "out of memory");
    } else if (ev->type == YAML_ALIAS_EVENT) {
        const json_value *v = resolve_alias(r, ev);
        if (v && v->type != JSON_STRING) fail_at(r, ev->start_mark, "mapping key alias must name a string");
        else if (v) {
            *len = v->len;
            key = v->u.str;
        }
    } else {
        fail_at(r, ev->start_mark, "mapping keys must be scalars");
    }
    yaml_event_delete(ev);
    return key;
}

/* A mapping entry waiting on the scratch stack for its mapping to end. */
typedef struct pending_member {
    json_member member;
    yaml_mark_t mark;            /* of the key, for the duplicate-key error */
} pending_member;

static int compare_pending(const void *x, const void *y)
{
    const pending_member *a = *(const pending_member *const *)x, *b = *(const pending_member *const *)y;
    size_t n = a->member.key_len < b->member.key_len ? a->member.key_len : b->member.key_len;
    int c = memcmp(a->member.key, b->member.key, n);
    if (c) return c;
    if (a->member.key_len != b->member.key_len) return a->member.key_len < b->member.key_len ? -1 : 1;
    return a < b ? -1 : a > b;               /* document order among equal keys */
}

/* The first entry whose key repeats an earlier one, or NULL.  Sorting keeps a
 * mapping of many keys at n log n (a scan per key would be quadratic). */
static const pending_member *find_duplicate(yreader *r, const pending_member *e, size_t n)
{
    if (n <= 16) {
        for (size_t i = 1; i < n; i++)
            for (size_t k = 0; k < i; k++)
                if (e[i].member.key_len == e[k].member.key_len &&
                    memcmp(e[i].member.key, e[k].member.key, e[i].member.key_len) == 0)
                    return &e[i];
        return NULL;
    }
    const pending_member **sorted = json_arena_alloc(r->arena, n * sizeof *sorted);
    if (!sorted) return NULL;
    for (size_t i = 0; i < n; i++) sorted[i] = &e[i];
    qsort(sorted, n, sizeof *sorted, compare_pending);
    const pending_member *first = NULL;
    for (size_t i = 1; i < n; i++)
        if (sorted[i]->member.key_len == sorted[i - 1]->member.key_len &&
            memcmp(sorted[i]->member.key, sorted[i - 1]->member.key, sorted[i]->member.key_len) == 0 &&
            (!first || sorted[i] < first))
            first = sorted[i];
    return first;
}

/* Moves the entries from `base` on the scratch stack into the object's members. */
static json_value *finish_mapping(yreader *r, size_t base, const yaml_event_t *start)
{
    json_arena *a = r->arena;
    size_t n = (a->scratch_len - base) / sizeof(pending_member);
    /* An empty mapping may come before anything was ever pushed: scratch is still NULL. */
    const pending_member *e = n ? (const pending_member *)(a->scratch + base) : NULL;
    const pending_member *dup = find_duplicate(r, e, n);
    if (dup) return fail_at(r, dup->mark, "duplicate mapping key '%s'", dup->member.key);
    json_value *object = json_new_object(a);
    json_member *members = n ? json_arena_alloc(a, json_capacity_for(n) * sizeof *members) : NULL;
    if (!object || (n && !members)) return fail_at(r, start->start_mark, "out of memory");
    for (size_t i = 0; i < n; i++) members[i] = e[i].member;
    object->u.members = members;
    object->len = n;
    a->scratch_len = base;
    return object;
}

static json_value *build_mapping(yreader *r, const yaml_event_t *start)
{
    if (!enter(r, start->start_mark)) return NULL;
    size_t base = r->arena->scratch_len;
    for (;;) {
        yaml_event_t ev;
        if (next_event(r, &ev) < 0) return NULL;
        if (ev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        pending_member e = { .mark = ev.start_mark };
        e.member.key = build_key(r, &ev, &e.member.key_len);
        if (!e.member.key) return NULL;
        if (strlen(e.member.key) != e.member.key_len) return fail_at(r, e.mark, "NUL character in mapping key");
        if (next_event(r, &ev) < 0) return NULL;
        if (!(e.member.value = build_node(r, &ev))) return NULL;
        if (json_scratch_push(r->arena, &e, sizeof e) < 0) return fail_at(r, e.mark, "out of memory");
    }
    r->depth--;
    return finish_mapping(r, base, start);
}

/* Builds the value that starts with `ev` (consumed), reading the events of its children. */
static json_value *build_node(yreader *r, yaml_event_t *ev)
{
    size_t nodes_before = r->nodes;
    json_value *v = NULL;
    const yaml_char_t *anchor_name = NULL;
    if (ev->type == YAML_ALIAS_EVENT) {
        v = resolve_alias(r, ev);    /* counted by its expanded size */
        goto done;
    }
    if (count_node(r, 1, ev->start_mark) < 0) goto done;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        v = build_scalar(r, ev);
        anchor_name = ev->data.scalar.anchor;
        break;
    case YAML_SEQUENCE_START_EVENT:
        v = build_sequence(r, ev);
        anchor_name = ev->data.sequence_start.anchor;
        break;
    case YAML_MAPPING_START_EVENT:
        v = build_mapping(r, ev);
        anchor_name = ev->data.mapping_start.anchor;
        break;
    default:
        fail_at(r, ev->start_mark, "unexpected YAML event");
        break;
    }
    if (v && remember_anchor(r, anchor_name, v, nodes_before) < 0) v = fail_at(r, ev->start_mark, "out of memory");
done:
    yaml_event_delete(ev);
    return v;
}

/* ---- documents ----------------------------------------------------------- */

/* Reads the next document into *out; returns 1 when done, 0 at the end of the stream, -1 on error. */
static int next_document(yreader *r, json_value **out)
{
    yaml_event_t ev;
    do {                                     /* skip STREAM-START */
        if (next_event(r, &ev) < 0) return -1;
        if (ev.type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            return 0;
        }
        bool is_start = ev.type == YAML_DOCUMENT_START_EVENT;
        yaml_event_delete(&ev);
        if (is_start) break;
    } while (1);
    r->anchors = (anchor_table){ 0 };        /* anchors do not cross documents */
    if (next_event(r, &ev) < 0) return -1;
    if (!(*out = build_node(r, &ev))) return -1;
    if (next_event(r, &ev) < 0) return -1;   /* DOCUMENT-END */
    yaml_event_delete(&ev);
    return 1;
}

static json_value *parse_stream(json_arena *arena, const char *text, size_t len, json_error *err, bool all)
{
    yreader r = { .arena = arena, .err = err };
    if (err) {
        err->message[0] = '\0';
        err->offset = 0;
    }
    if (!yaml_parser_initialize(&r.parser)) {
        if (err) snprintf(err->message, sizeof err->message, "YAML: out of memory");
        return NULL;
    }
    yaml_parser_set_input_string(&r.parser, (const unsigned char *)text, len);
    size_t scratch_mark = arena->scratch_len;          /* a failure leaves entries behind */
    json_value *result = all ? json_new_array(arena) : json_new_null(arena);
    json_value *doc;
    int more;
    while (result && (more = next_document(&r, &doc)) != 0) {
        if (more < 0) result = NULL;
        else if (!all) break;
        else if (json_array_push(arena, result, doc) < 0) result = fail_at(&r, r.parser.mark, "out of memory");
    }
    if (result && !all && more > 0) result = doc;
    yaml_parser_delete(&r.parser);
    arena->scratch_len = scratch_mark;
    if (!result && err && !err->message[0]) snprintf(err->message, sizeof err->message, "YAML: out of memory");
    return result;
}

json_value *json_parse_yaml(json_arena *arena, const char *text, size_t len, json_error *err)
{
    return parse_stream(arena, text, len, err, false);
}

json_value *json_parse_yaml_all(json_arena *arena, const char *text, size_t len, json_error *err)
{
    return parse_stream(arena, text, len, err, true);
}
