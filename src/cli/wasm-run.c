/*
 * wasm-run - loads a WebAssembly module and calls one exported function.
 * FILE is a binary module, or a text module when its name ends in .wat.
 *
 *   wasm-run FILE.wasm                        lists the exported functions and their types
 *   wasm-run [-t MS] FILE.wasm FUNC [ARGS...] calls FUNC with i32/i64/f32/f64 arguments
 *                                             and prints its results, one per line
 *
 * No host imports are provided (no WASI): a module that imports anything fails
 * to instantiate with a message naming the import.  A call runs for at most MS
 * milliseconds (default 10000), then traps "interrupted".  Exit status: 0
 * success, 1 bad input (file, module, arguments), 2 the function trapped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasm.h"
#include "wat.h"

#define DEFAULT_TIMEOUT_MS 10000ull

static const char *valtype_name(uint8_t type)
{
    switch (type) {
    case WASM_I32: return "i32";
    case WASM_I64: return "i64";
    case WASM_F32: return "f32";
    case WASM_F64: return "f64";
    case WASM_FUNCREF: return "funcref";
    case WASM_EXTERNREF: return "externref";
    default: return "?";
    }
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t cap = 0, n = 0;
    if (!f)
        return NULL;
    for (;;) {
        if (n == cap) {
            cap = cap ? 2 * cap : 65536;
            uint8_t *bigger = realloc(data, cap);
            if (!bigger) {
                free(data);
                fclose(f);
                errno = ENOMEM;
                return NULL;
            }
            data = bigger;
        }
        size_t got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *len = n;
    return data;
}

static void print_signature(FILE *out, const char *name, const wasm_functype_info *type)
{
    fprintf(out, "%s(", name);
    for (uint32_t i = 0; i < type->nparams; i++)
        fprintf(out, "%s%s", i ? " " : "", valtype_name(type->params[i]));
    fprintf(out, ") -> (");
    for (uint32_t i = 0; i < type->nresults; i++)
        fprintf(out, "%s%s", i ? " " : "", valtype_name(type->results[i]));
    fprintf(out, ")\n");
}

static void list_exports(const wasm_module *module)
{
    uint32_t n = wasm_module_export_count(module);
    for (uint32_t i = 0; i < n; i++) {
        wasm_export_info info;
        wasm_module_export(module, i, &info);
        if (info.kind == WASM_EXTERN_FUNC)
            print_signature(stdout, info.name, &info.func);
    }
}

/* Integers: decimal or 0x hex, signed or unsigned, within the type's width. */
static int parse_int(const char *text, int bits, uint64_t *out)
{
    char *end;
    errno = 0;
    if (text[0] == '-') {
        long long v = strtoll(text, &end, 0);
        if (errno || *end || end == text || (bits == 32 && v < INT32_MIN))
            return -1;
        *out = bits == 32 ? (uint32_t)(int32_t)v : (uint64_t)v;
        return 0;
    }
    unsigned long long v = strtoull(text, &end, 0);
    if (errno || *end || end == text || (bits == 32 && v > UINT32_MAX))
        return -1;
    *out = v;
    return 0;
}

static int parse_arg(const char *text, uint8_t type, uint64_t *out)
{
    char *end;
    errno = 0;
    switch (type) {
    case WASM_I32: return parse_int(text, 32, out);
    case WASM_I64: return parse_int(text, 64, out);
    case WASM_F32: {
        float f = strtof(text, &end);
        uint32_t bits;
        if (*end || end == text)
            return -1;
        memcpy(&bits, &f, sizeof bits);
        *out = bits;
        return 0;
    }
    case WASM_F64: {
        double d = strtod(text, &end);
        if (*end || end == text)
            return -1;
        memcpy(out, &d, sizeof d);
        return 0;
    }
    default:
        return -1;      /* references cannot be written on a command line */
    }
}

static void print_result(uint8_t type, uint64_t bits)
{
    switch (type) {
    case WASM_I32: printf("%" PRId32 "\n", (int32_t)bits); break;
    case WASM_I64: printf("%" PRId64 "\n", (int64_t)bits); break;
    case WASM_F32: {
        uint32_t b = (uint32_t)bits;
        float f;
        memcpy(&f, &b, sizeof f);
        printf("%.9g\n", (double)f);
        break;
    }
    case WASM_F64: {
        double d;
        memcpy(&d, &bits, sizeof d);
        printf("%.17g\n", d);
        break;
    }
    default: printf("%s\n", bits ? "ref" : "null"); break;
    }
}

static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Calls `name` with the command-line arguments; returns the exit status. */
static int call_export(wasm_instance *inst, uint64_t timeout_ms, const char *name, int argc, char **argv)
{
    wasm_funcinst *func = wasm_instance_export_func(inst, name);
    wasm_functype_info type;
    if (!func) {
        fprintf(stderr, "wasm-run: no exported function \"%s\" (run without FUNC to list them)\n", name);
        return 1;
    }
    wasm_funcinst_type(func, &type);
    if ((uint32_t)argc != type.nparams) {
        fprintf(stderr, "wasm-run: %s takes %u argument%s, %d given: ", name, type.nparams,
                type.nparams == 1 ? "" : "s", argc);
        print_signature(stderr, name, &type);
        return 1;
    }
    uint32_t nslots = type.nparams > type.nresults ? type.nparams : type.nresults;
    uint64_t *slots = calloc(nslots ? nslots : 1, sizeof *slots);
    if (!slots) {
        fprintf(stderr, "wasm-run: out of memory\n");
        return 1;
    }
    for (int i = 0; i < argc; i++) {
        if (parse_arg(argv[i], type.params[i], &slots[i]) != 0) {
            fprintf(stderr, "wasm-run: argument %d (\"%s\") is not a valid %s\n", i + 1, argv[i],
                    valtype_name(type.params[i]));
            free(slots);
            return 1;
        }
    }
    wasm_instance_set_deadline(inst, monotonic_ns() + timeout_ms * 1000000ull);
    wasm_trap trap = wasm_call(inst, func, slots, slots);
    int status = 0;
    if (trap != WASM_OK) {
        fprintf(stderr, "wasm-run: %s trapped: %s\n", name, wasm_instance_trap_message(inst));
        status = 2;
    } else {
        for (uint32_t i = 0; i < type.nresults; i++)
            print_result(type.results[i], slots[i]);
    }
    free(slots);
    return status;
}

/* FILE.wat: the text converted to a binary in place of *bytes.  0, or -1 after printing why. */
static int convert_text(const char *path, uint8_t **bytes, size_t *len)
{
    size_t n = strlen(path);
    if (n < 4 || strcmp(path + n - 4, ".wat") != 0)
        return 0;
    uint8_t *bin;
    char why[512];
    int status = wat_to_wasm((const char *)*bytes, *len, &bin, len, why, sizeof why);
    free(*bytes);
    *bytes = status == 0 ? bin : NULL;
    if (status != 0)
        fprintf(stderr, "wasm-run: %s:%s\n", path, why);
    return status;
}

static int run(const char *path, uint64_t timeout_ms, int argc, char **argv)
{
    size_t len = 0;
    wasm_error err = { 0 };
    uint8_t *bytes = read_file(path, &len);
    if (!bytes) {
        fprintf(stderr, "wasm-run: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (convert_text(path, &bytes, &len) != 0)
        return 1;
    wasm_module *module = wasm_module_load(bytes, len, &err);
    free(bytes);
    if (!module) {
        fprintf(stderr, "wasm-run: %s: %s\n", path, err.message);
        return 1;
    }
    int status = 1;
    wasm_linker *linker = wasm_linker_new();
    wasm_instance *inst = linker ? wasm_instantiate(module, linker, NULL, &err) : NULL;
    if (!inst)
        fprintf(stderr, "wasm-run: %s: %s\n", path, linker ? err.message : "out of memory");
    else if (argc == 0) {
        list_exports(module);
        status = 0;
    } else
        status = call_export(inst, timeout_ms, argv[0], argc - 1, argv + 1);
    if (inst)
        wasm_instance_free(inst);
    if (linker)
        wasm_linker_free(linker);
    wasm_module_free(module);
    return status;
}

static int usage(int status)
{
    fprintf(stderr, "usage: wasm-run [-t MS] FILE.wasm [FUNC [ARGS...]]\n"
                    "  without FUNC: lists the exported functions and their types\n"
                    "  -t MS: a call may run MS milliseconds (default %llu)\n", DEFAULT_TIMEOUT_MS);
    return status;
}

int main(int argc, char **argv)
{
    uint64_t timeout_ms = DEFAULT_TIMEOUT_MS;
    int first = 1;
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
        return usage(0);
    /* Only a leading -t is an option: later arguments may be negative numbers. */
    if (argc >= 2 && strcmp(argv[1], "-t") == 0) {
        char *end;
        errno = 0;
        timeout_ms = argc >= 3 ? strtoull(argv[2], &end, 10) : 0;
        if (argc < 3 || errno || *end || end == argv[2] || timeout_ms == 0 || timeout_ms > 86400000) {
            fprintf(stderr, "wasm-run: -t wants milliseconds, 1..86400000\n");
            return 1;
        }
        first = 3;
    }
    if (argc <= first)
        return usage(1);
    return run(argv[first], timeout_ms, argc - first - 1, argv + first + 1);
}
