/*
 * log.h - the policy-server's log lines: text (tracing-subscriber's layout) or
 * one JSON object per line, written to stdout with a single write(2) each so
 * that lines from different threads never interleave.  No allocation: a line
 * is built in a stack buffer and truncated (with "...") if it does not fit.
 *
 * The level and format are set once by log_init() before any thread starts
 * and are read-only afterwards.
 */
#ifndef SERVER_LOG_H
#define SERVER_LOG_H

#include "server.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum log_field_type { LOG_FIELD_STR, LOG_FIELD_INT, LOG_FIELD_BOOL, LOG_FIELD_JSON } log_field_type;

/* One key=value of a log line.  LOG_FIELD_JSON: `s` is JSON text written as is
 * in JSON lines (and verbatim in text lines). */
typedef struct log_field {
    const char *key;
    log_field_type type;
    const char *s;
    size_t s_len;             /* for STR and JSON; SIZE_MAX: NUL-terminated */
    long long i;
    bool b;
} log_field;

#define LOG_STR(k, v) ((log_field){.key = (k), .type = LOG_FIELD_STR, .s = (v), .s_len = (size_t)-1})
#define LOG_STRN(k, v, n) ((log_field){.key = (k), .type = LOG_FIELD_STR, .s = (v), .s_len = (n)})
#define LOG_INT(k, v) ((log_field){.key = (k), .type = LOG_FIELD_INT, .i = (v)})
#define LOG_BOOL(k, v) ((log_field){.key = (k), .type = LOG_FIELD_BOOL, .b = (v)})
#define LOG_JSON(k, v, n) ((log_field){.key = (k), .type = LOG_FIELD_JSON, .s = (v), .s_len = (n)})

void log_init(server_log_level level, server_log_format format, int fd);
bool log_enabled(server_log_level level);

/* target: the module path shown (e.g. "policy_server", "policy_log"). */
void log_event(server_log_level level, const char *target, const char *message,
               const log_field *fields, size_t field_count);

/* Formats one line into buf (NUL-terminated, ending in '\n'); returns its length.
 * Exposed for the unit tests; `timestamp` NULL means now. */
size_t log_format_line(char *buf, size_t cap, server_log_format format, server_log_level level,
                       const char *timestamp, const char *target, const char *message,
                       const log_field *fields, size_t field_count);

#endif
