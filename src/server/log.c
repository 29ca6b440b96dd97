/*
 * log.c - text and JSON log lines (see log.h).
 */
#include "log.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { LOG_LINE_MAX = 8192 };

/* Set once by log_init() before threads start; read-only afterwards. */
static struct {
    server_log_level level;
    server_log_format format;
    int fd;
} log_settings = {SERVER_LOG_INFO, SERVER_LOG_TEXT, STDOUT_FILENO};

void log_init(server_log_level level, server_log_format format, int fd)
{
    log_settings.level = level;
    log_settings.format = format;
    log_settings.fd = fd;
}

bool log_enabled(server_log_level level)
{
    return level >= log_settings.level;
}

/* A bounded line under construction; appends past the end are dropped and
 * remembered so the line can be marked as truncated. */
typedef struct line {
    char *buf;
    size_t len, cap;          /* cap keeps room for "...\n" and the NUL */
    bool truncated;
} line;

static void put(line *l, const char *s, size_t n)
{
    if (n > l->cap - l->len) {
        n = l->cap - l->len;
        l->truncated = true;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static void puts_(line *l, const char *s)
{
    put(l, s, strlen(s));
}

static void put_json_string(line *l, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    put(l, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            put(l, esc, 2);
        } else if (c == '\n') {
            put(l, "\\n", 2);
        } else if (c == '\t') {
            put(l, "\\t", 2);
        } else if (c == '\r') {
            put(l, "\\r", 2);
        } else if (c < 0x20) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put(l, esc, 6);
        } else {
            put(l, (const char *)&s[i], 1);
        }
    }
    put(l, "\"", 1);
}

/* Text values are quoted when they contain spaces, quotes or control bytes. */
static void put_text_value(line *l, const char *s, size_t n)
{
    bool plain = n > 0;
    for (size_t i = 0; i < n && plain; i++)
        plain = (unsigned char)s[i] > ' ' && s[i] != '"' && s[i] != '=';
    if (plain)
        put(l, s, n);
    else
        put_json_string(l, s, n);
}

static const char *level_name(server_log_level level)
{
    static const char *names[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR"};
    return level <= SERVER_LOG_ERROR ? names[level] : "INFO";
}

static void now_rfc3339(char *out, size_t cap)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, cap - n, ".%06ldZ", ts.tv_nsec / 1000);
}

static size_t field_len(const log_field *f)
{
    return f->s_len == SIZE_MAX ? strlen(f->s) : f->s_len;
}

static void put_field_value(line *l, server_log_format format, const log_field *f)
{
    char num[32];
    switch (f->type) {
    case LOG_FIELD_STR:
        if (!f->s)
            puts_(l, "null");
        else if (format == SERVER_LOG_JSON)
            put_json_string(l, f->s, field_len(f));
        else
            put_text_value(l, f->s, field_len(f));
        break;
    case LOG_FIELD_INT:
        snprintf(num, sizeof num, "%lld", f->i);
        puts_(l, num);
        break;
    case LOG_FIELD_BOOL:
        puts_(l, f->b ? "true" : "false");
        break;
    case LOG_FIELD_JSON:
        put(l, f->s ? f->s : "null", f->s ? field_len(f) : 4);
        break;
    }
}

static void format_text(line *l, server_log_level level, const char *ts, const char *target,
                        const char *message, const log_field *fields, size_t n)
{
    char head[64];
    snprintf(head, sizeof head, "%s %5s ", ts, level_name(level));
    puts_(l, head);
    puts_(l, target);
    puts_(l, ": ");
    puts_(l, message);
    for (size_t i = 0; i < n; i++) {
        put(l, " ", 1);
        puts_(l, fields[i].key);
        put(l, "=", 1);
        put_field_value(l, SERVER_LOG_TEXT, &fields[i]);
    }
}

static void format_json(line *l, server_log_level level, const char *ts, const char *target,
                        const char *message, const log_field *fields, size_t n)
{
    puts_(l, "{\"timestamp\":\"");
    puts_(l, ts);
    puts_(l, "\",\"level\":\"");
    puts_(l, level_name(level));
    puts_(l, "\",\"fields\":{\"message\":");
    put_json_string(l, message, strlen(message));
    for (size_t i = 0; i < n; i++) {
        put(l, ",", 1);
        put_json_string(l, fields[i].key, strlen(fields[i].key));
        put(l, ":", 1);
        put_field_value(l, SERVER_LOG_JSON, &fields[i]);
    }
    puts_(l, "},\"target\":");
    put_json_string(l, target, strlen(target));
    puts_(l, "}");
}

size_t log_format_line(char *buf, size_t cap, server_log_format format, server_log_level level,
                       const char *timestamp, const char *target, const char *message,
                       const log_field *fields, size_t field_count)
{
    char ts[48];
    if (!timestamp) {
        now_rfc3339(ts, sizeof ts);
        timestamp = ts;
    }
    line l = {buf, 0, cap - 5, false};   /* room for "...\n" + NUL */
    if (format == SERVER_LOG_JSON)
        format_json(&l, level, timestamp, target, message, fields, field_count);
    else
        format_text(&l, level, timestamp, target, message, fields, field_count);
    if (l.truncated && format == SERVER_LOG_TEXT) {
        memcpy(buf + l.len, "...", 3);
        l.len += 3;
    } else if (l.truncated) {
        /* A cut JSON line cannot stay valid JSON: replace it with a short notice. */
        l.len = 0;
        l.cap = cap - 5;
        puts_(&l, "{\"timestamp\":\"");
        puts_(&l, timestamp);
        puts_(&l, "\",\"level\":\"");
        puts_(&l, level_name(level));
        puts_(&l, "\",\"fields\":{\"message\":\"log line too long, dropped\"},\"target\":");
        put_json_string(&l, target, strlen(target));
        puts_(&l, "}");
    }
    buf[l.len++] = '\n';
    buf[l.len] = '\0';
    return l.len;
}

void log_event(server_log_level level, const char *target, const char *message,
               const log_field *fields, size_t field_count)
{
    if (!log_enabled(level))
        return;
    char buf[LOG_LINE_MAX];
    size_t n = log_format_line(buf, sizeof buf, log_settings.format, level, NULL, target, message,
                               fields, field_count);
    ssize_t w = write(log_settings.fd, buf, n);
    (void)w;                   /* nowhere to report a failed log write */
}
