/*
 * bench_policy.c - fresh-sandbox evaluation cost of one policy on one request.
 *
 *   bench_policy [-n N] [-s SETTINGS_JSON] [-e wasi] POLICY.wasm REQUEST.json
 *
 * REQUEST.json is an AdmissionReview (its "request" is used) or a bare request.
 * Each evaluation is what the server does per request: policy_validate() =
 * a fresh instance from the module's snapshot, the guest's validate, the
 * response conversion, the instance freed.  The request is parsed once; its
 * text is re-serialised once (as the server does) and reused.  Prints the
 * median, p10, p90 and p99 of the whole evaluation, and the median of its two
 * parts (sandbox from the snapshot; guest run + response).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(uint64_t *v, size_t n, double p)
{
    return (double)v[(size_t)(p * (double)(n - 1))] / 1000.0;
}

int main(int argc, char **argv)
{
    int n = 20000;
    const char *settings_text = NULL;
    policy_module_options mopts = { false, POLICY_EXEC_WAPC };
    int i = 1;
    for (; i < argc - 2; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc - 2)
            n = atoi(argv[++i]);
        else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc - 2)
            settings_text = argv[++i];
        else if (strcmp(argv[i], "-e") == 0 && i + 1 < argc - 2 && strcmp(argv[++i], "wasi") == 0)
            mopts = (policy_module_options){ true, POLICY_EXEC_WASI };
        else
            break;
    }
    if (argc - i != 2 || n < 1) {
        fprintf(stderr, "usage: bench_policy [-n N] [-s SETTINGS_JSON] [-e wasi] POLICY.wasm REQUEST.json\n");
        return 2;
    }
    size_t wasm_len, req_len;
    char *wasm = slurp(argv[i], &wasm_len), *req_text = slurp(argv[i + 1], &req_len);
    if (!wasm || !req_text) {
        fprintf(stderr, "cannot read %s\n", !wasm ? argv[i] : argv[i + 1]);
        return 1;
    }
    char err[512];
    json_arena *keep = json_arena_new(1 << 16);
    json_error jerr;
    json_value *doc = json_parse(keep, req_text, req_len, &jerr);
    json_value *settings = settings_text ? json_parse(keep, settings_text, strlen(settings_text), &jerr) : NULL;
    if (!doc || (settings_text && !settings)) {
        fprintf(stderr, "bad JSON: %s\n", jerr.message);
        return 1;
    }
    const json_value *request = json_get(doc, "request") ? json_get(doc, "request") : doc;
    json_buf text;
    json_buf_init(&text);
    json_write(&text, request);

    policy_runtime *rt = policy_runtime_new(NULL, err, sizeof err);
    policy_module *m = rt ? policy_module_load(rt, (const uint8_t *)wasm, wasm_len, &mopts, err, sizeof err) : NULL;
    policy_options o = { .id = "bench", .settings = settings, .raw = -1 };
    policy *p = m ? policy_new(m, &o, err, sizeof err) : NULL;
    if (!p) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    uint64_t *total = calloc((size_t)n, sizeof *total), *inst = calloc((size_t)n, sizeof *inst);
    uint64_t *run = calloc((size_t)n, sizeof *run);
    json_arena *a = json_arena_new(1 << 16);
    policy_response r;
    for (int k = 0; k < n / 10 + 1; k++) {          /* warm-up: pools, arena, caches */
        json_arena_reset(a);
        policy_validate(p, a, request, text.data, text.len, &r);
    }
    for (int k = 0; k < n; k++) {
        json_arena_reset(a);
        uint64_t t0 = now_ns();
        policy_validate(p, a, request, text.data, text.len, &r);
        total[k] = now_ns() - t0;
        inst[k] = r.instantiate_ns;
        run[k] = total[k] - r.instantiate_ns;
    }
    json_buf out;
    json_buf_init(&out);
    policy_response_write(&out, &r);
    qsort(total, (size_t)n, sizeof *total, cmp_u64);
    qsort(inst, (size_t)n, sizeof *inst, cmp_u64);
    qsort(run, (size_t)n, sizeof *run, cmp_u64);
    printf("response: %s\n", out.data);
    printf("request: %zu bytes, %d evaluations\n", text.len, n);
    printf("evaluation us: median %.2f  p10 %.2f  p90 %.2f  p99 %.2f\n",
           pct(total, (size_t)n, 0.5), pct(total, (size_t)n, 0.1), pct(total, (size_t)n, 0.9),
           pct(total, (size_t)n, 0.99));
    printf("  sandbox from snapshot: median %.2f us; guest + response: median %.2f us\n",
           pct(inst, (size_t)n, 0.5), pct(run, (size_t)n, 0.5));
    json_buf_free(&out);
    json_buf_free(&text);
    json_arena_free(a);
    json_arena_free(keep);
    free(total), free(inst), free(run);
    policy_free(p);
    policy_module_release(m);
    policy_runtime_free(rt);
    free(wasm), free(req_text);
    return 0;
}
