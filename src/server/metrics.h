/*
 * metrics.h - evaluation metrics in the Prometheus text format (spec §1.12):
 * kubewarden_policy_evaluations_total (counter) and
 * kubewarden_policy_evaluation_latency_milliseconds (histogram, OpenTelemetry's
 * default buckets), with upstream's label sets.
 *
 * Each worker thread records into its own shard: a hash table of series it
 * alone writes.  Recording into an existing series is a lookup plus relaxed
 * atomic adds: no lock, no allocation.  Only the first sighting of a label set
 * allocates the series and takes the shard's mutex (which the scraper holds
 * while it reads that shard), so the table never changes under a reader.
 */
#ifndef SERVER_METRICS_H
#define SERVER_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "json.h"

typedef enum metrics_origin { METRICS_VALIDATE, METRICS_AUDIT, METRICS_RAW } metrics_origin;

typedef struct metrics_labels {
    const char *policy_name;
    bool monitor;                       /* policy_mode: monitor, else protect */
    metrics_origin origin;              /* METRICS_RAW: the raw label set */
    const char *resource_kind;          /* admission only; NULL written as "" */
    const char *operation;              /* admission only */
    const char *resource_namespace;     /* admission only; NULL: label absent */
    bool accepted, mutated;             /* the policy's own verdict */
    bool has_error_code;
    int error_code;
} metrics_labels;

typedef struct metrics metrics;
typedef struct metrics_shard metrics_shard;

metrics *metrics_new(void);
void metrics_free(metrics *m);          /* frees every shard too */

/* One shard per thread that records; thread-safe. */
metrics_shard *metrics_shard_new(metrics *m);

void metrics_record(metrics_shard *s, const metrics_labels *labels, uint64_t latency_ms);
/* The counter of a policy that failed to initialise (no latency). */
void metrics_record_init_error(metrics_shard *s, const char *policy_name, const char *error);

/* Appends the whole exposition text, series sorted, shards summed. */
void metrics_render(metrics *m, json_buf *out);

#endif
