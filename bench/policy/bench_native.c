/*
 * bench_native.c - the same policy compiled for the build machine, for
 * comparison with bench_policy (the policy in the engine).  Linked with a
 * policy's C sources, the SDK and the SDK's native waPC stand-in
 * (sdk/native/wapc_host.c); see `make bench-policy`.
 *
 *   bench_native [-n N] REQUEST.json
 *
 * Builds the same ValidationRequest as the policy layer ({"request":<compact
 * request>,"settings":{}}) and calls the policy's validate N times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "native/wapc_host.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* {"request":<the review's request, compact>,"settings":{}} */
static int validation_request(const char *path, json_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    json_buf text;
    json_buf_init(&text);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        json_buf_append(&text, chunk, n);
    fclose(f);
    json_arena *a = json_arena_new(1 << 16);
    json_error err;
    const json_value *doc = text.len ? json_parse(a, text.data, text.len, &err) : NULL;
    const json_value *request = doc && json_get(doc, "request") ? json_get(doc, "request") : doc;
    if (request) {
        json_buf_puts(out, "{\"request\":");
        json_write(out, request);
        json_buf_puts(out, ",\"settings\":{}}");
    }
    json_arena_free(a);
    json_buf_free(&text);
    return request ? 0 : -1;
}

int main(int argc, char **argv)
{
    int n = 20000;
    if (argc == 4 && strcmp(argv[1], "-n") == 0)
        n = atoi(argv[2]);
    if ((argc != 2 && argc != 4) || n < 1) {
        fprintf(stderr, "usage: bench_native [-n N] REQUEST.json\n");
        return 2;
    }
    json_buf payload;
    json_buf_init(&payload);
    if (validation_request(argv[argc - 1], &payload) < 0) {
        fprintf(stderr, "cannot read a request from %s\n", argv[argc - 1]);
        return 1;
    }
    kw_native_init();
    char *out;
    kw_native_call("validate", payload.data, payload.len, &out);
    printf("response: %s\n", out);
    free(out);
    uint64_t *t = calloc((size_t)n, sizeof *t);
    for (int i = 0; i < n; i++) {
        uint64_t t0 = now_ns();
        kw_native_call("validate", payload.data, payload.len, &out);
        t[i] = now_ns() - t0;
        free(out);
    }
    qsort(t, (size_t)n, sizeof *t, cmp_u64);
    printf("native validate: %zu-byte payload, %d calls, median %.2f us, p10 %.2f us\n", payload.len, n,
           (double)t[n / 2] / 1000.0, (double)t[n / 10] / 1000.0);
    free(t);
    json_buf_free(&payload);
    return 0;
}
