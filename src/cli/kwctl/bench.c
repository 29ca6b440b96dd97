/*
 * bench.c - `kwctl bench`: the inputs of `run`, evaluated over and over, each
 * time in a fresh sandbox, after a warm-up.  Prints min / median / p99 of a
 * whole evaluation and, separately, of getting the fresh sandbox (snapshot
 * instantiation) and of running the guest, as the policy layer measures them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kwctl.h"

typedef struct bench_options {
    double warm_up_s, measurement_s;
    long max_samples;
    const char *dump_path;
} bench_options;

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

/* Sorts `v` and prints its min / median / p99 in microseconds. */
static void print_stats(const char *what, uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u64);
    size_t p99 = (n * 99 + 99) / 100;
    printf("%-30s min %9.2f us   median %9.2f us   p99 %9.2f us\n", what, v[0] / 1e3, v[n / 2] / 1e3,
           v[(p99 ? p99 : 1) - 1] / 1e3);
}

/* One evaluation in a fresh sandbox, its results in `a` (reset first, as a server worker does). */
static int evaluate(prepared *p, json_arena *a, policy_response *r)
{
    json_arena_reset(a);
    return policy_validate(p->policy, a, p->request, p->request_verbatim, p->request_verbatim_len, r);
}

static int dump_samples(const char *path, const uint64_t *total, const uint64_t *inst, const uint64_t *run, size_t n)
{
    FILE *f = fopen(path, "w");
    if (!f) return kwctl_fail("cannot write '%s'", path);
    fprintf(f, "total_ns,instantiate_ns,run_ns\n");
    for (size_t i = 0; i < n; i++) fprintf(f, "%llu,%llu,%llu\n", (unsigned long long)total[i],
                                           (unsigned long long)inst[i], (unsigned long long)run[i]);
    fclose(f);
    return 0;
}

static int measure(prepared *p, const bench_options *o)
{
    policy_response r;
    json_arena *a = json_arena_new(1 << 16);
    if (!a) return kwctl_fail("out of memory");
    /* The request's compact text, made once as the server makes it once per
     * HTTP request: the figures are the policy's, not those of re-serialising
     * an AdmissionReview's request on every evaluation. */
    json_buf text;
    json_buf_init(&text);
    if (!p->request_verbatim) {
        json_write(&text, p->request);
        if (text.oom) return kwctl_fail("out of memory");
        p->request_verbatim = text.data;
        p->request_verbatim_len = text.len;
    }
    uint64_t start = now_ns(), warm_end = start + (uint64_t)(o->warm_up_s * 1e9);
    long warm = 0;
    do {
        if (evaluate(p, a, &r) < 0) return kwctl_fail("out of memory");
        warm++;
    } while (now_ns() < warm_end);
    size_t cap = (size_t)o->max_samples;
    uint64_t *total = calloc(cap, sizeof *total), *inst = calloc(cap, sizeof *inst), *run = calloc(cap, sizeof *run);
    if (!total || !inst || !run) return kwctl_fail("out of memory");
    size_t n = 0;
    uint64_t end = now_ns() + (uint64_t)(o->measurement_s * 1e9);
    do {
        uint64_t t0 = now_ns();
        if (evaluate(p, a, &r) < 0) return kwctl_fail("out of memory");
        total[n] = now_ns() - t0;
        inst[n] = r.instantiate_ns;
        run[n] = r.run_ns;
        n++;
    } while (n < cap && now_ns() < end);
    json_buf out;
    json_buf_init(&out);
    policy_response_write(&out, &r);
    printf("response: %s\n", out.data);
    printf("%zu evaluations measured after %ld warm-up ones, each in a fresh sandbox (engine: %s)\n", n, warm,
           strcmp(policy_module_engine_tier(p->module), "jit") == 0 ? "compiled to machine code"
                                                                    : "interpreter");
    int status = o->dump_path ? dump_samples(o->dump_path, total, inst, run, n) : 0;
    print_stats("evaluation (kwctl's clock)", total, n);
    print_stats("  sandbox instantiation", inst, n);
    print_stats("  guest run", run, n);
    json_buf_free(&out);
    if (p->request_verbatim == text.data) p->request_verbatim = NULL;
    json_buf_free(&text);
    free(total);
    free(inst);
    free(run);
    json_arena_free(a);
    return status;
}

static int usage(FILE *out)
{
    fputs("Usage: kwctl bench [RUN OPTIONS] [BENCH OPTIONS] --request-path <FILE|-> <POLICY.wasm>\n"
          "  run options: as `kwctl run --help`\n"
          "      --warm-up-time <SECONDS>        default 1\n"
          "      --measurement-time <SECONDS>    default 3\n"
          "      --num-samples <N>               stop after N evaluations (default 1000000)\n"
          "      --dump-results-to-disk <FILE>   write every sample as CSV\n", out);
    return out == stdout ? 0 : 2;
}

static int positive_number(const char *flag, const char *text, double *out)
{
    char *end;
    *out = strtod(text, &end);
    if (*end || !(*out >= 0) || *out > 3600) return kwctl_fail("%s: '%s' is not a number of seconds (0-3600)", flag, text);
    return 0;
}

int cmd_bench(int argc, char **argv)
{
    static const struct option options[] = {
        RUN_LONG_OPTIONS,
        { "warm-up-time", required_argument, NULL, 'W' },
        { "measurement-time", required_argument, NULL, 'M' },
        { "num-samples", required_argument, NULL, 'N' },
        { "dump-results-to-disk", required_argument, NULL, 'D' },
        { NULL, 0, NULL, 0 },
    };
    run_inputs in = { 0 };
    bench_options o = { .warm_up_s = 1, .measurement_s = 3, .max_samples = 1000000 };
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, RUN_SHORT_OPTIONS, options, NULL)) != -1) {
        if (run_option(&in, opt, optarg)) continue;
        char *end;
        switch (opt) {
        case 'h': return usage(stdout);
        case 'W': if (positive_number("--warm-up-time", optarg, &o.warm_up_s)) return 1; break;
        case 'M': if (positive_number("--measurement-time", optarg, &o.measurement_s)) return 1; break;
        case 'D': o.dump_path = optarg; break;
        case 'N':
            o.max_samples = strtol(optarg, &end, 10);
            if (*end || o.max_samples < 1 || o.max_samples > 100000000)
                return kwctl_fail("--num-samples: '%s' is not a count (1-100000000)", optarg);
            break;
        default: return usage(stderr);
        }
    }
    int status = run_inputs_finish(&in, argc, argv, optind);
    if (status) return status;
    prepared p;
    status = kwctl_prepare(&in, &p);
    if (status == 0) status = measure(&p, &o);
    kwctl_prepared_free(&p);
    return status;
}
