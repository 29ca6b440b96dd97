/*
 * metrics.c - per-thread metric shards and their Prometheus rendering (see
 * metrics.h).  A series is identified by its label text, already in exposition
 * form ("policy_name=\"x\",..."), so rendering needs no further formatting and
 * merging shards is a string comparison.
 */
#include "metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* OpenTelemetry SDK's default explicit bucket boundaries, in ms. */
static const uint64_t bucket_bounds[] = {0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000};
enum { BUCKETS = sizeof bucket_bounds / sizeof bucket_bounds[0], LABELS_MAX = 2048 };

typedef struct series {
    char *labels;
    size_t labels_len;
    uint64_t hash;
    bool is_init_error;                 /* counter only */
    _Atomic uint64_t count, sum_ms;
    _Atomic uint64_t buckets[BUCKETS];  /* non-cumulative: observations <= bound[i] and > bound[i-1] */
} series;

struct metrics_shard {
    pthread_mutex_t lock;               /* held to change the table, and by the scraper */
    series **slots;                     /* open addressing, power-of-two capacity */
    size_t cap, count;
    metrics_shard *next;
    char scratch[LABELS_MAX];           /* label text of the series being recorded */
};

struct metrics {
    pthread_mutex_t lock;               /* guards the shard list */
    metrics_shard *shards;
};

metrics *metrics_new(void)
{
    metrics *m = calloc(1, sizeof *m);
    if (m)
        pthread_mutex_init(&m->lock, NULL);
    return m;
}

metrics_shard *metrics_shard_new(metrics *m)
{
    metrics_shard *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_lock(&m->lock);
    s->next = m->shards;
    m->shards = s;
    pthread_mutex_unlock(&m->lock);
    return s;
}

void metrics_free(metrics *m)
{
    if (!m)
        return;
    for (metrics_shard *s = m->shards, *next; s; s = next) {
        next = s->next;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i]) {
                free(s->slots[i]->labels);
                free(s->slots[i]);
            }
        free(s->slots);
        pthread_mutex_destroy(&s->lock);
        free(s);
    }
    pthread_mutex_destroy(&m->lock);
    free(m);
}

/* ---- label text ------------------------------------------------------------- */

typedef struct label_writer {
    char *buf;
    size_t len, cap;
} label_writer;

static void lw_put(label_writer *w, const char *s, size_t n)
{
    if (n > w->cap - w->len)
        n = w->cap - w->len;          /* oversized values are cut, never overflow */
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

/* name="value" with the exposition format's escapes (\\, \", \n). */
static void lw_label(label_writer *w, const char *name, const char *value)
{
    if (w->len)
        lw_put(w, ",", 1);
    lw_put(w, name, strlen(name));
    lw_put(w, "=\"", 2);
    for (const char *p = value ? value : ""; *p; p++) {
        if (*p == '\\' || *p == '"')
            lw_put(w, "\\", 1);
        if (*p == '\n')
            lw_put(w, "\\n", 2);
        else
            lw_put(w, p, 1);
    }
    lw_put(w, "\"", 1);
}

static size_t format_labels(char *buf, size_t cap, const metrics_labels *l)
{
    label_writer w = {buf, 0, cap};
    char code[16];
    lw_label(&w, "policy_name", l->policy_name);
    lw_label(&w, "policy_mode", l->monitor ? "monitor" : "protect");
    if (l->origin != METRICS_RAW) {
        lw_label(&w, "request_origin", l->origin == METRICS_AUDIT ? "audit" : "validate");
        lw_label(&w, "resource_kind", l->resource_kind);
        lw_label(&w, "resource_request_operation", l->operation);
        if (l->resource_namespace)
            lw_label(&w, "resource_namespace", l->resource_namespace);
    }
    lw_label(&w, "accepted", l->accepted ? "true" : "false");
    lw_label(&w, "mutated", l->mutated ? "true" : "false");
    if (l->has_error_code) {
        snprintf(code, sizeof code, "%d", l->error_code);
        lw_label(&w, "error_code", code);
    }
    return w.len;
}

/* ---- the shard's table ---------------------------------------------------------- */

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;      /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static series *find(const metrics_shard *s, const char *labels, size_t len, uint64_t hash)
{
    if (!s->cap)
        return NULL;
    for (size_t i = hash & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        series *x = s->slots[i];
        if (!x)
            return NULL;
        if (x->hash == hash && x->labels_len == len && memcmp(x->labels, labels, len) == 0)
            return x;
    }
}

static void place(series **slots, size_t cap, series *x)
{
    size_t i = x->hash & (cap - 1);
    while (slots[i])
        i = (i + 1) & (cap - 1);
    slots[i] = x;
}

/* Called with the shard locked.  Keeps the load factor under 1/2. */
static int grow_if_needed(metrics_shard *s)
{
    if ((s->count + 1) * 2 <= s->cap)
        return 0;
    size_t cap = s->cap ? s->cap * 2 : 64;
    series **slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i])
            place(slots, cap, s->slots[i]);
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return 0;
}

/* The slow path: a label set this shard has not seen yet. */
static series *insert(metrics_shard *s, const char *labels, size_t len, uint64_t hash, bool init_error)
{
    series *x = calloc(1, sizeof *x);
    char *copy = malloc(len + 1);
    if (!x || !copy) {
        free(x);
        free(copy);
        return NULL;
    }
    memcpy(copy, labels, len);
    copy[len] = '\0';
    *x = (series){.labels = copy, .labels_len = len, .hash = hash, .is_init_error = init_error};
    pthread_mutex_lock(&s->lock);
    int rc = grow_if_needed(s);
    if (rc == 0) {
        place(s->slots, s->cap, x);
        s->count++;
    }
    pthread_mutex_unlock(&s->lock);
    if (rc) {
        free(copy);
        free(x);
        return NULL;
    }
    return x;
}

static series *lookup_or_insert(metrics_shard *s, size_t len, bool init_error)
{
    uint64_t hash = hash_bytes(s->scratch, len);
    series *x = find(s, s->scratch, len, hash);
    return x ? x : insert(s, s->scratch, len, hash, init_error);
}

void metrics_record(metrics_shard *s, const metrics_labels *labels, uint64_t latency_ms)
{
    series *x = lookup_or_insert(s, format_labels(s->scratch, sizeof s->scratch, labels), false);
    if (!x)
        return;                         /* out of memory: the observation is lost, nothing else */
    size_t b = 0;
    while (b < BUCKETS && latency_ms > bucket_bounds[b])
        b++;
    atomic_fetch_add_explicit(&x->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&x->sum_ms, latency_ms, memory_order_relaxed);
    if (b < BUCKETS)
        atomic_fetch_add_explicit(&x->buckets[b], 1, memory_order_relaxed);
}

void metrics_record_init_error(metrics_shard *s, const char *policy_name, const char *error)
{
    label_writer w = {s->scratch, 0, sizeof s->scratch};
    lw_label(&w, "policy_name", policy_name);
    lw_label(&w, "initialization_error", error);
    series *x = lookup_or_insert(s, w.len, true);
    if (x)
        atomic_fetch_add_explicit(&x->count, 1, memory_order_relaxed);
}

/* ---- rendering -------------------------------------------------------------- */

typedef struct merged {
    const char *labels;                 /* points into a shard's series (shards outlive the render) */
    bool is_init_error;
    uint64_t count, sum_ms, buckets[BUCKETS];
} merged;

typedef struct merged_set {
    merged *items;
    size_t len, cap;
} merged_set;

static merged *merged_add(merged_set *set, const series *x)
{
    if (set->len == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 64;
        merged *items = realloc(set->items, cap * sizeof *items);
        if (!items)
            return NULL;
        set->items = items;
        set->cap = cap;
    }
    merged *m = &set->items[set->len++];
    memset(m, 0, sizeof *m);
    m->labels = x->labels;
    m->is_init_error = x->is_init_error;
    return m;
}

/* Copies one shard's series (the same label set may also be in other shards). */
static void collect_shard(merged_set *set, metrics_shard *s)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->cap; i++) {
        const series *x = s->slots[i];
        merged *m = x ? merged_add(set, x) : NULL;
        if (!m)
            continue;
        m->count = atomic_load_explicit(&x->count, memory_order_relaxed);
        m->sum_ms = atomic_load_explicit(&x->sum_ms, memory_order_relaxed);
        for (size_t b = 0; b < BUCKETS; b++)
            m->buckets[b] = atomic_load_explicit(&x->buckets[b], memory_order_relaxed);
    }
    pthread_mutex_unlock(&s->lock);
}

static int compare_merged(const void *a, const void *b)
{
    return strcmp(((const merged *)a)->labels, ((const merged *)b)->labels);
}

/* Sorts by label text and sums neighbours with equal labels. */
static void sum_equal_series(merged_set *set)
{
    if (!set->len)
        return;
    qsort(set->items, set->len, sizeof *set->items, compare_merged);
    size_t out = 0;
    for (size_t i = 1; i < set->len; i++) {
        merged *dst = &set->items[out], *src = &set->items[i];
        if (strcmp(dst->labels, src->labels) != 0) {
            set->items[++out] = *src;
            continue;
        }
        dst->count += src->count;
        dst->sum_ms += src->sum_ms;
        for (size_t b = 0; b < BUCKETS; b++)
            dst->buckets[b] += src->buckets[b];
    }
    set->len = out + 1;
}

static void render_histogram(json_buf *out, const merged *m)
{
    static const char name[] = "kubewarden_policy_evaluation_latency_milliseconds";
    uint64_t cumulative = 0;
    for (size_t b = 0; b < BUCKETS; b++) {
        cumulative += m->buckets[b];
        json_buf_printf(out, "%s_bucket{%s,le=\"%llu\"} %llu\n", name, m->labels,
                        (unsigned long long)bucket_bounds[b], (unsigned long long)cumulative);
    }
    json_buf_printf(out, "%s_bucket{%s,le=\"+Inf\"} %llu\n", name, m->labels, (unsigned long long)m->count);
    json_buf_printf(out, "%s_sum{%s} %llu\n", name, m->labels, (unsigned long long)m->sum_ms);
    json_buf_printf(out, "%s_count{%s} %llu\n", name, m->labels, (unsigned long long)m->count);
}

void metrics_render(metrics *m, json_buf *out)
{
    merged_set set = {NULL, 0, 0};
    pthread_mutex_lock(&m->lock);
    for (metrics_shard *s = m->shards; s; s = s->next)
        collect_shard(&set, s);
    pthread_mutex_unlock(&m->lock);
    sum_equal_series(&set);

    json_buf_puts(out, "# HELP kubewarden_policy_evaluations_total Policy evaluations, by verdict\n"
                       "# TYPE kubewarden_policy_evaluations_total counter\n");
    for (size_t i = 0; i < set.len; i++)
        json_buf_printf(out, "kubewarden_policy_evaluations_total{%s} %llu\n", set.items[i].labels,
                        (unsigned long long)set.items[i].count);
    json_buf_puts(out, "# HELP kubewarden_policy_evaluation_latency_milliseconds Evaluation latency "
                       "(instantiation included), in whole milliseconds\n"
                       "# TYPE kubewarden_policy_evaluation_latency_milliseconds histogram\n");
    for (size_t i = 0; i < set.len; i++)
        if (!set.items[i].is_init_error)
            render_histogram(out, &set.items[i]);
    free(set.items);
}
