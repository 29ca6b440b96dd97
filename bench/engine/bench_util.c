/*
 * bench_util.c - clock, median and module loading for the engine benchmarks.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *values, size_t n)
{
    if (n == 0)
        return 0;
    qsort(values, n, sizeof *values, compare_doubles);
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size > 0 && fseek(f, 0, SEEK_SET) == 0 && (data = malloc((size_t)size))) {
            if (fread(data, 1, (size_t)size, f) != (size_t)size) {
                free(data);
                data = NULL;
            }
            *len = (size_t)size;
        }
    }
    fclose(f);
    return data;
}

wasm_module *bench_load(const char *dir, const char *name)
{
    char path[4096];
    size_t len = 0;
    wasm_error err = { 0 };
    snprintf(path, sizeof path, "%s/%s.wasm", dir, name);
    uint8_t *bytes = read_file(path, &len);
    if (!bytes) {
        fprintf(stderr, "bench_engine: cannot read %s\n", path);
        return NULL;
    }
    wasm_module *module = wasm_module_load(bytes, len, &err);
    free(bytes);
    if (!module)
        fprintf(stderr, "bench_engine: %s: %s\n", path, err.message);
    return module;
}
