/*
 * bench_json.c - parse and write throughput of the JSON layer on realistic
 * AdmissionReviews, reported as the median of several runs, in ns per document
 * and ns per KB.  When Debian's libjansson4 or libjson-c5 is installed, the same
 * documents go through them too (loaded with dlopen, so neither is a build
 * dependency); their columns are skipped otherwise.
 *
 *   make bench-json            (see mk/json.mk)
 *   build/bench/json/bench_json [-r RUNS] FILE...
 *   build/bench/json/bench_json -c N parse|write FILE
 *
 * The -c form repeats one operation N times on the compact form of FILE and
 * prints nothing: run it under `valgrind --tool=cachegrind` with two values of
 * N to count instructions per document, a figure the machine's load does not
 * change.
 */
#include "json.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_RUNS 31

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct subject {
    const char *name;
    void (*once)(struct subject *s);   /* one operation on the document */
    const char *text;
    size_t len;
    json_arena *arena;
    json_buf out;
    const json_value *doc;             /* for the write-only subject */
    void *lib;                         /* dlopen handle for the other libraries */
    void *(*load)(const char *, size_t, size_t, void *);      /* jansson's json_loadb */
    void *(*parse)(const char *);                             /* json-c's json_tokener_parse */
    char *(*dump)(const void *, size_t);
    void (*release)(void *);
} subject;

static void ours_parse(subject *s)
{
    json_arena_reset(s->arena);
    if (!json_parse(s->arena, s->text, s->len, NULL)) abort();
}

static void ours_write(subject *s)
{
    json_buf_reset(&s->out);
    json_write(&s->out, s->doc);
}

static void ours_parse_write(subject *s)
{
    json_arena_reset(s->arena);
    const json_value *v = json_parse(s->arena, s->text, s->len, NULL);
    if (!v) abort();
    json_buf_reset(&s->out);
    json_write(&s->out, v);
}

/* jansson: json_loadb(buffer, len, flags, error) / json_dumps(json, JSON_COMPACT) / json_delete. */
static void jansson_parse_write(subject *s)
{
    char error[256];
    void *v = s->load(s->text, s->len, 0, error);
    if (!v) abort();
    free(s->dump(v, 0x20 /* JSON_COMPACT */));
    s->release(v);
}

/* json-c: json_tokener_parse needs a NUL-terminated string (our buffer is). */
static void jsonc_parse_write(subject *s)
{
    void *v = s->parse(s->text);
    if (!v) abort();
    s->dump(v, 0);                     /* JSON_C_TO_STRING_PLAIN; owned by the object */
    s->release(v);
}

/* Median over `runs` runs of the ns one operation takes. */
static double measure(subject *s, int runs)
{
    int iters = 1;
    for (double t = 0; t < 2e7; iters *= 2) {          /* calibrate to ~20 ms per run */
        double t0 = now_ns();
        for (int i = 0; i < iters; i++) s->once(s);
        t = now_ns() - t0;
        if (t >= 2e7) break;
    }
    double per_op[MAX_RUNS];
    for (int r = 0; r < runs; r++) {
        double t0 = now_ns();
        for (int i = 0; i < iters; i++) s->once(s);
        per_op[r] = (now_ns() - t0) / iters;
    }
    qsort(per_op, (size_t)runs, sizeof *per_op, cmp_double);
    return per_op[runs / 2];
}

static int read_file(const char *path, json_buf *out, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s", path);
        return -1;
    }
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) json_buf_append(out, chunk, n);
    fclose(f);
    json_error jerr;
    json_arena *a = json_arena_new(0);
    bool ok = json_parse(a, out->data, out->len, &jerr) != NULL;
    json_arena_free(a);
    if (!ok) snprintf(err, errlen, "%s: %s", path, jerr.message);
    return ok ? 0 : -1;
}

static void report(const char *file, const char *what, double ns, size_t len)
{
    printf("%-36s %-22s %10.0f ns/doc %8.0f ns/KB %8.1f MB/s\n", file, what, ns, ns * 1024 / len, len / ns * 1e3);
}

static void bench_other(subject *s, const char *soname, const char *load, const char *dump, const char *release,
                        void (*once)(subject *), const char *file, int runs)
{
    void *lib = dlopen(soname, RTLD_NOW);
    if (!lib) {
        printf("%-36s %-22s skipped (%s not installed)\n", file, s->name, soname);
        return;
    }
    s->load = (void *(*)(const char *, size_t, size_t, void *))dlsym(lib, load);
    s->parse = (void *(*)(const char *))dlsym(lib, load);
    s->dump = (char *(*)(const void *, size_t))dlsym(lib, dump);
    s->release = (void (*)(void *))dlsym(lib, release);
    if (s->load && s->parse && s->dump && s->release) {
        s->once = once;
        report(file, s->name, measure(s, runs), s->len);
    }
    dlclose(lib);
}

/* Every subject on one document. */
static void bench_document(const char *file, const char *text, size_t len, int runs)
{
    subject s = { .arena = json_arena_new(1 << 16), .text = text, .len = len };
    json_buf_init(&s.out);
    printf("%s: %zu bytes\n", file, len);
    s.name = "kwc parse", s.once = ours_parse;
    report(file, s.name, measure(&s, runs), s.len);
    json_arena *keep = json_arena_new(1 << 16);
    s.doc = json_parse(keep, s.text, s.len, NULL);
    s.name = "kwc write", s.once = ours_write;
    report(file, s.name, measure(&s, runs), s.len);
    s.name = "kwc parse+write", s.once = ours_parse_write;
    report(file, s.name, measure(&s, runs), s.len);
    s.name = "jansson parse+write";
    bench_other(&s, "libjansson.so.4", "json_loadb", "json_dumps", "json_delete", jansson_parse_write, file, runs);
    s.name = "json-c parse+write";
    bench_other(&s, "libjson-c.so.5", "json_tokener_parse", "json_object_to_json_string_ext", "json_object_put",
                jsonc_parse_write, file, runs);
    json_arena_free(keep);
    json_arena_free(s.arena);
    json_buf_free(&s.out);
}

/* -c N parse|write FILE: the operation N times on the compact document, silently. */
static int count_mode(long n, const char *op, const char *path)
{
    json_buf text, compact, out;
    json_buf_init(&text);
    json_buf_init(&compact);
    json_buf_init(&out);
    char err[256];
    if (read_file(path, &text, err, sizeof err) < 0) {
        fprintf(stderr, "bench_json: %s\n", err);
        return 1;
    }
    json_arena *a = json_arena_new(1 << 16);
    const json_value *doc = json_parse(a, text.data, text.len, NULL);
    json_write(&compact, doc);
    json_arena *work = json_arena_new(1 << 16);
    bool parse = strcmp(op, "parse") == 0;
    for (long i = 0; i < n; i++) {
        if (parse) {
            json_arena_reset(work);
            json_parse(work, compact.data, compact.len, NULL);
        } else {
            json_buf_reset(&out);
            json_write(&out, doc);
        }
    }
    json_arena_free(a);
    json_arena_free(work);
    json_buf_free(&text);
    json_buf_free(&compact);
    json_buf_free(&out);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "-c") == 0 && (strcmp(argv[3], "parse") == 0 || strcmp(argv[3], "write") == 0))
        return count_mode(atol(argv[2]), argv[3], argv[4]);
    int runs = 11, first = 1;
    if (argc > 2 && strcmp(argv[1], "-r") == 0) {
        runs = atoi(argv[2]);
        first = 3;
    }
    if (runs < 1 || runs > MAX_RUNS || first >= argc) {
        fprintf(stderr, "usage: bench_json [-r RUNS(1-%d)] FILE... | -c N parse|write FILE\n", MAX_RUNS);
        return 2;
    }
    for (int i = first; i < argc; i++) {
        json_buf text;
        json_buf_init(&text);
        char err[256];
        if (read_file(argv[i], &text, err, sizeof err) < 0) {
            fprintf(stderr, "bench_json: %s\n", err);
            return 1;
        }
        const char *base = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
        /* The file as written, then compact as the API server sends it. */
        json_arena *a = json_arena_new(1 << 16);
        json_buf compact;
        json_buf_init(&compact);
        json_write(&compact, json_parse(a, text.data, text.len, NULL));
        char label[300];
        snprintf(label, sizeof label, "%s", base);
        bench_document(label, text.data, text.len, runs);
        snprintf(label, sizeof label, "%s (compact)", base);
        bench_document(label, compact.data, compact.len, runs);
        json_arena_free(a);
        json_buf_free(&compact);
        json_buf_free(&text);
    }
    return 0;
}
