/*
 * load_time.c - what loading a policy module costs, once per module at
 * policy-server start-up (kwctl bench measures only the per-request part).
 *
 *   compat-load-time [-n N] POLICY.wasm
 *
 * Prints the median over N rounds of:
 *   compile      wasm_module_load(): decode, validate, compile
 *   policy load  policy_module_load(): the same, plus linking the waPC and WASI
 *                imports, instantiating, running _start/wapc_init and taking
 *                the snapshot every evaluation then starts from
 * Each round loads the bytes anew (the module is released first, so the
 * policy layer's cache by digest does not answer).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy.h"
#include "wasm.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static uint64_t median(uint64_t *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_u64);
    return v[n / 2];
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *buf = NULL;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n > 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n)) && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n > 0 ? (size_t)n : 0;
    return buf;
}

static int time_compile(const uint8_t *wasm, size_t len, uint64_t *ns)
{
    wasm_error err = { 0 };
    uint64_t t0 = now_ns();
    wasm_module *m = wasm_module_load(wasm, len, &err);
    *ns = now_ns() - t0;
    if (!m) {
        fprintf(stderr, "compat-load-time: compile failed: %s\n", err.message);
        return -1;
    }
    wasm_module_free(m);
    return 0;
}

static int time_policy_load(policy_runtime *rt, const uint8_t *wasm, size_t len, uint64_t *ns)
{
    char err[512];
    uint64_t t0 = now_ns();
    policy_module *m = policy_module_load(rt, wasm, len, NULL, err, sizeof err);
    *ns = now_ns() - t0;
    if (!m) {
        fprintf(stderr, "compat-load-time: policy load failed: %s\n", err);
        return -1;
    }
    policy_module_release(m);
    return 0;
}

int main(int argc, char **argv)
{
    int n = 9;
    if (argc == 4 && strcmp(argv[1], "-n") == 0) {
        n = atoi(argv[2]);
        argv += 2;
        argc -= 2;
    }
    if (argc != 2 || n < 1 || n > 10000) {
        fprintf(stderr, "usage: compat-load-time [-n N (1-10000)] POLICY.wasm\n");
        return 2;
    }
    size_t len;
    uint8_t *wasm = read_file(argv[1], &len);
    if (!wasm) {
        fprintf(stderr, "compat-load-time: cannot read '%s'\n", argv[1]);
        return 1;
    }
    char err[512];
    policy_runtime *rt = policy_runtime_new(NULL, err, sizeof err);
    uint64_t *compile = calloc((size_t)n, sizeof *compile), *load = calloc((size_t)n, sizeof *load);
    int status = rt && compile && load ? 0 : 1;
    for (int i = 0; i < n && status == 0; i++)
        if (time_compile(wasm, len, &compile[i]) || time_policy_load(rt, wasm, len, &load[i])) status = 1;
    if (status == 0) {
        printf("module %zu bytes, %d rounds\n", len, n);
        printf("compile median %.1f us\n", median(compile, n) / 1e3);
        printf("policy load median %.1f us\n", median(load, n) / 1e3);
    }
    free(compile);
    free(load);
    free(wasm);
    if (rt) policy_runtime_free(rt);
    return status;
}
