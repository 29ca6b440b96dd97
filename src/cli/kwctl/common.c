/*
 * common.c - kwctl's shared helpers: errors, files, modules, documents and the
 * policy runtime with its log sink.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kwctl.h"

bool kwctl_verbose;

int kwctl_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("Error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

int kwctl_read_file(const char *path, json_buf *out, char *err, size_t errlen)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
        return -1;
    }
    char chunk[65536];
    size_t n;
    errno = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) json_buf_append(out, chunk, n);
    int failed = ferror(f) ? (errno ? errno : EIO) : 0;
    if (!is_stdin) fclose(f);
    if (failed || out->oom) {
        snprintf(err, errlen, "cannot read '%s': %s", path, failed ? strerror(failed) : "out of memory");
        return -1;
    }
    return 0;
}

int kwctl_read_module(const char *path, json_buf *out, char *err, size_t errlen)
{
    if (strncmp(path, "file://", 7) == 0) path += 7;
    else if (strstr(path, "://")) {
        snprintf(err, errlen, "cannot use '%s': remote policies are not supported, download the module and "
                 "pass its path", path);
        return -1;
    }
    if (kwctl_read_file(path, out, err, errlen) < 0) return -1;
    if (out->len < 4 || memcmp(out->data, "\0asm", 4) != 0) {
        snprintf(err, errlen, "'%s' is not a WebAssembly module (bad magic number)", path);
        return -1;
    }
    if (out->len < 8) {
        snprintf(err, errlen, "'%s' is truncated (%zu bytes: no WebAssembly version)", path, out->len);
        return -1;
    }
    return 0;
}

json_value *kwctl_parse_document(json_arena *a, const char *what, const json_buf *text, bool yaml_ok,
                                 char *err, size_t errlen)
{
    json_error jerr;
    const char *data = text->data ? text->data : "";
    json_value *v = json_parse(a, data, text->len, &jerr);
    if (v) return v;
    if (yaml_ok) {
        /* Not JSON: YAML then, but report the JSON error when the text looked like JSON. */
        size_t i = strspn(data, " \t\r\n");
        bool looks_json = i < text->len && (data[i] == '{' || data[i] == '[');
        json_error yerr;
        if (!looks_json && (v = json_parse_yaml(a, data, text->len, &yerr))) return v;
        if (!looks_json) jerr = yerr;
    }
    snprintf(err, errlen, "malformed %s: %s", what, jerr.message);
    return NULL;
}

static void log_to_stderr(void *ctx, policy_log_level level, const char *policy_id, const char *message,
                          const char *extra_json)
{
    static const char *const names[] = { "TRACE", "DEBUG", "INFO", "WARN", "ERROR" };
    if (level < POLICY_LOG_INFO && !kwctl_verbose) return;
    fprintf(stderr, "%s %s: %s%s%s\n", names[level], policy_id && *policy_id ? policy_id : "kwctl", message,
            extra_json ? " " : "", extra_json ? extra_json : "");
}

policy_runtime *kwctl_runtime_new(bool timeout, char *err, size_t errlen)
{
    policy_runtime_config cfg = { .log = log_to_stderr, .disable_timeout = !timeout };
    return policy_runtime_new(&cfg, err, errlen);
}
