/*
 * policy_fixture.h - helpers shared by the policy layer's unit tests: finding
 * the test guests (built beside the test binary, in <dir>/policy/), reading
 * files, capturing the runtime's log lines, and evaluating a request given as
 * JSON text down to the AdmissionResponse JSON.
 */
#ifndef POLICY_FIXTURE_H
#define POLICY_FIXTURE_H

#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

/* Not every test uses every helper. */
#define FIXTURE static __attribute__((unused))

static char fixture_dir[4096];

/* Call first with argv[0]: the guests are in <dir of the binary>/policy/. */
FIXTURE void fixture_init(const char *argv0)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", argv0);
    snprintf(fixture_dir, sizeof fixture_dir, "%s/policy", dirname(tmp));
}

FIXTURE uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

FIXTURE uint8_t *read_guest(const char *name, size_t *len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", fixture_dir, name);
    uint8_t *bytes = read_file(path, len);
    if (!bytes)
        fprintf(stderr, "cannot read test guest %s\n", path);
    return bytes;
}

/* The log lines the runtime reported, newest last. */
typedef struct log_capture {
    pthread_mutex_t lock;
    int count;
    policy_log_level level;
    char policy_id[64], message[512], extra[512];
} log_capture;

FIXTURE void capture_log(void *ctx, policy_log_level level, const char *policy_id, const char *message,
                        const char *extra_json)
{
    log_capture *c = ctx;
    pthread_mutex_lock(&c->lock);
    c->count++;
    c->level = level;
    snprintf(c->policy_id, sizeof c->policy_id, "%s", policy_id);
    snprintf(c->message, sizeof c->message, "%s", message);
    snprintf(c->extra, sizeof c->extra, "%s", extra_json ? extra_json : "");
    pthread_mutex_unlock(&c->lock);
}

static log_capture logs = { PTHREAD_MUTEX_INITIALIZER, 0, 0, "", "", "" };

FIXTURE policy_runtime *new_runtime(uint32_t timeout_ms)
{
    policy_runtime_config cfg = { .log = capture_log, .log_ctx = &logs, .timeout_ms = timeout_ms };
    char err[256];
    policy_runtime *rt = policy_runtime_new(&cfg, err, sizeof err);
    if (!rt)
        fprintf(stderr, "policy_runtime_new: %s\n", err);
    return rt;
}

/* Loads a test guest; `err` receives the failure text.  forced < 0: the metadata's mode. */
FIXTURE policy_module *load_guest(policy_runtime *rt, const char *name, int forced, char *err, size_t errlen)
{
    size_t len;
    uint8_t *bytes = read_guest(name, &len);
    if (!bytes) {
        snprintf(err, errlen, "missing guest");
        return NULL;
    }
    policy_module_options o = { forced >= 0, forced >= 0 ? (policy_exec_mode)forced : POLICY_EXEC_WAPC };
    policy_module *m = policy_module_load(rt, bytes, len, &o, err, errlen);
    free(bytes);
    return m;
}

/* Parses `settings_json` (NULL: none) and makes a policy with the other options. */
FIXTURE policy *make_policy(policy_module *m, const char *id, const char *settings_json, policy_options *o,
                           char *err, size_t errlen)
{
    policy_options dflt = { .raw = -1 };
    policy_options opts = o ? *o : dflt;
    json_arena *a = json_arena_new(1024);
    opts.id = id;
    if (settings_json) {
        json_error jerr;
        opts.settings = json_parse(a, settings_json, strlen(settings_json), &jerr);
    }
    policy *p = policy_new(m, &opts, err, errlen);
    json_arena_free(a);
    return p;
}

/* Evaluates `request_json` and writes the AdmissionResponse JSON into `out` (or "ERROR ..."). */
FIXTURE const char *evaluate(const policy *p, const char *request_json, policy_response *r, char *out, size_t outlen)
{
    json_arena *a = json_arena_new(4096);
    json_error jerr;
    policy_response local;
    if (!r)
        r = &local;
    json_value *req = json_parse(a, request_json, strlen(request_json), &jerr);
    if (!req) {
        snprintf(out, outlen, "ERROR bad test request: %s", jerr.message);
    } else if (policy_validate(p, a, req, request_json, strlen(request_json), r) < 0) {
        snprintf(out, outlen, "ERROR policy_validate failed");
    } else {
        json_buf b;
        json_buf_init(&b);
        policy_response_write(&b, r);
        snprintf(out, outlen, "%s", b.data ? b.data : "");
        json_buf_free(&b);
    }
    json_arena_free(a);
    return out;
}

/* A request whose uid tells the test guests what to do. */
FIXTURE const char *request_for(const char *cmd, char *buf, size_t len)
{
    snprintf(buf, len, "{\"uid\":\"%s\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
             "\"operation\":\"CREATE\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}}", cmd);
    return buf;
}

#endif
