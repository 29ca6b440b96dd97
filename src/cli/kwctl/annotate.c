/*
 * annotate.c - `kwctl annotate POLICY.wasm -m metadata.yml -o OUT.wasm [-u README.md]`:
 * reads the metadata, detects the protocol (Rego by its opa_* exports; waPC by
 * calling the policy's protocol_version; WASI is "Unknown"), adds the kwctl
 * and usage annotations, validates, and writes the module with the
 * io.kubewarden.metadata section (see policy_metadata_write).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kwctl.h"

typedef struct annotate_args {
    const char *policy_path, *metadata_path, *output_path, *usage_path;
} annotate_args;

/* The protocolVersion to record: from the module itself. */
static int detect_protocol(const uint8_t *wasm, size_t len, policy_exec_mode mode, char *out, size_t outlen,
                           char *err, size_t errlen)
{
    bool rego = policy_module_is_rego(wasm, len);
    bool rego_mode = mode == POLICY_EXEC_OPA || mode == POLICY_EXEC_GATEKEEPER;
    if (rego != rego_mode) {
        snprintf(err, errlen, rego ? "the module is a Rego policy (it exports opa_* functions): set executionMode "
                                     "to opa or gatekeeper in the metadata"
                                   : "executionMode %s needs a Rego policy, and this module exports no opa_* "
                                     "functions", policy_exec_mode_name(mode));
        return -1;
    }
    if (mode != POLICY_EXEC_WAPC) {
        snprintf(out, outlen, "Unknown");
        return 0;
    }
    policy_runtime *rt = kwctl_runtime_new(true, err, errlen);
    if (!rt) return -1;
    policy_module_options opts = { .force_mode = true, .mode = POLICY_EXEC_WAPC };
    policy_module *m = policy_module_load(rt, wasm, len, &opts, err, errlen);
    char why[768] = "";
    int rc = m ? policy_module_protocol_version(m, out, outlen, why, sizeof why) : -1;
    if (m) policy_module_release(m);
    policy_runtime_free(rt);
    if (rc < 0 && m) snprintf(err, errlen, "cannot detect the policy's protocol version: %s", why);
    return rc;
}

static int set_annotation(json_arena *a, json_value *meta, const char *key, const char *value, size_t len)
{
    json_value *annotations = (json_value *)json_get(meta, "annotations");
    return json_object_set(a, annotations, key, json_new_string(a, value, len));
}

/* Writes through a temporary file, so a failure never leaves a half-written module. */
static int write_output(const char *path, const json_buf *bytes, char *err, size_t errlen)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f || fwrite(bytes->data, 1, bytes->len, f) != bytes->len || fclose(f) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        if (f) unlink(tmp);
        return -1;
    }
    return 0;
}

static int annotate(const annotate_args *args)
{
    char err[1024], what[300], protocol[32];
    json_arena *a = json_arena_new(1 << 16);
    json_buf wasm, text, out;
    json_buf_init(&wasm);
    json_buf_init(&text);
    json_buf_init(&out);
    int status = 1;
    snprintf(what, sizeof what, "metadata file '%s'", args->metadata_path);
    json_value *doc, *meta;
    if (kwctl_read_module(args->policy_path, &wasm, err, sizeof err) < 0 ||
        kwctl_read_file(args->metadata_path, &text, err, sizeof err) < 0 ||
        !(doc = kwctl_parse_document(a, what, &text, true, err, sizeof err)) ||
        !(meta = policy_metadata_normalize(a, doc, err, sizeof err))) {
        kwctl_fail("%s", err);
        goto done;
    }
    policy_exec_mode mode = POLICY_EXEC_WAPC;                   /* normalize wrote a known name */
    policy_exec_mode_parse(json_get_string(meta, "executionMode"), &mode);
    if (detect_protocol((const uint8_t *)wasm.data, wasm.len, mode, protocol, sizeof protocol, err, sizeof err) < 0) {
        kwctl_fail("%s", err);
        goto done;
    }
    json_object_set(a, meta, "protocolVersion", json_new_string(a, protocol, strlen(protocol)));
    set_annotation(a, meta, "io.kubewarden.kwctl", KWCTL_VERSION, strlen(KWCTL_VERSION));
    if (args->usage_path) {
        json_buf usage;
        json_buf_init(&usage);
        int rc = kwctl_read_file(args->usage_path, &usage, err, sizeof err);
        if (rc == 0) set_annotation(a, meta, "io.kubewarden.policy.usage", usage.data ? usage.data : "", usage.len);
        json_buf_free(&usage);
        if (rc < 0) {
            kwctl_fail("%s", err);
            goto done;
        }
    }
    if (!(meta = policy_metadata_normalize(a, meta, err, sizeof err))) {      /* back in upstream's order */
        kwctl_fail("%s", err);
        goto done;
    }
    if (policy_metadata_validate(meta, err, sizeof err) < 0) {
        kwctl_fail("invalid metadata in '%s': %s", args->metadata_path, err);
        goto done;
    }
    json_buf_reset(&text);
    json_write(&text, meta);
    if (policy_metadata_write((const uint8_t *)wasm.data, wasm.len, text.data, text.len, &out, err, sizeof err) < 0 ||
        write_output(args->output_path, &out, err, sizeof err) < 0) {
        kwctl_fail("%s", err);
        goto done;
    }
    status = 0;
done:
    json_buf_free(&wasm);
    json_buf_free(&text);
    json_buf_free(&out);
    json_arena_free(a);
    return status;
}

static int usage(FILE *out)
{
    fputs("Usage: kwctl annotate <POLICY.wasm> -m <metadata.yml> -o <OUT.wasm> [-u <README.md>]\n"
          "  -m, --metadata-path <FILE>   policy metadata, YAML\n"
          "  -o, --output-path <FILE>     the annotated module\n"
          "  -u, --usage-path <FILE>      README stored as io.kubewarden.policy.usage\n", out);
    return out == stdout ? 0 : 2;
}

int cmd_annotate(int argc, char **argv)
{
    static const struct option options[] = {
        { "metadata-path", required_argument, NULL, 'm' },
        { "output-path", required_argument, NULL, 'o' },
        { "usage-path", required_argument, NULL, 'u' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    annotate_args args = { 0 };
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "m:o:u:h", options, NULL)) != -1) {
        switch (opt) {
        case 'm': args.metadata_path = optarg; break;
        case 'o': args.output_path = optarg; break;
        case 'u': args.usage_path = optarg; break;
        case 'h': return usage(stdout);
        default: return usage(stderr);
        }
    }
    if (optind >= argc) return kwctl_fail("missing the policy to annotate (a .wasm file)");
    if (optind + 1 < argc) return kwctl_fail("unexpected argument '%s'", argv[optind + 1]);
    args.policy_path = argv[optind];
    if (!args.metadata_path) return kwctl_fail("missing --metadata-path <FILE>");
    if (!args.output_path) return kwctl_fail("missing --output-path <FILE>");
    return annotate(&args);
}
