/*
 * bench_wat - how fast wat_to_wasm converts text modules.
 *
 *   bench_wat FILE.wat...
 *
 * Per file: the size, the median time of one conversion over 7 rounds (each
 * round converts the file as often as fits in ~50 ms), the throughput, and
 * whether the engine loads the result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasm.h"
#include "wat.h"

#define ROUNDS 7

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    long size;
    if (f && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (data = malloc((size_t)size + 1)) && fread(data, 1, (size_t)size, f) == (size_t)size) {
        *len = (size_t)size;
    } else {
        free(data);
        data = NULL;
    }
    if (f)
        fclose(f);
    return data;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Seconds per conversion, median of ROUNDS; -1 when the text does not convert. */
static double time_conversion(const char *text, size_t len)
{
    double rounds[ROUNDS];
    char err[256];
    for (int r = 0; r < ROUNDS; r++) {
        int n = 0;
        double start = now_s(), elapsed;
        do {
            uint8_t *bin;
            size_t bin_len;
            if (wat_to_wasm(text, len, &bin, &bin_len, err, sizeof err) != 0) {
                fprintf(stderr, "bench_wat: %s\n", err);
                return -1;
            }
            free(bin);
            n++;
        } while ((elapsed = now_s() - start) < 0.05);
        rounds[r] = elapsed / n;
    }
    qsort(rounds, ROUNDS, sizeof rounds[0], compare_double);
    return rounds[ROUNDS / 2];
}

static const char *engine_verdict(const char *text, size_t len)
{
    uint8_t *bin;
    size_t bin_len;
    char err[256];
    wasm_error werr;
    if (wat_to_wasm(text, len, &bin, &bin_len, err, sizeof err) != 0)
        return "not converted";
    wasm_module *m = wasm_module_load(bin, bin_len, &werr);
    free(bin);
    if (!m)
        return "engine rejects it";
    wasm_module_free(m);
    return "engine loads it";
}

int main(int argc, char **argv)
{
    int status = 0;
    printf("%-44s %9s %10s %8s  %s\n", "file", "KiB", "ms", "MB/s", "result");
    for (int i = 1; i < argc; i++) {
        size_t len = 0;
        char *text = slurp(argv[i], &len);
        if (!text) {
            fprintf(stderr, "bench_wat: cannot read %s\n", argv[i]);
            status = 1;
            continue;
        }
        const char *name = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
        double t = time_conversion(text, len);
        if (t < 0)
            status = 1;
        else
            printf("%-44s %9.1f %10.3f %8.1f  %s\n", name, len / 1024.0, t * 1e3, len / t / 1e6,
                   engine_verdict(text, len));
        free(text);
    }
    return status;
}
