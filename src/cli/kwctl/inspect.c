/*
 * inspect.c - `kwctl inspect POLICY.wasm [-o pretty|yaml]`: the policy's
 * metadata, read from its io.kubewarden.metadata section.  `pretty` lays out
 * the details, annotations, rules and usage as upstream does; `yaml` prints
 * the metadata document itself.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "kwctl.h"

static const char rule_line[] = "────────────────────────────────────────────────────────────";

static const char *annotation(const json_value *meta, const char *key)
{
    const char *v = json_get_string(json_get(meta, "annotations"), key);
    return v ? v : "";
}

static void print_details(const policy_metadata *m)
{
    static const struct { const char *label, *key; } fields[] = {
        { "title:", "io.kubewarden.policy.title" },     { "description:", "io.kubewarden.policy.description" },
        { "author:", "io.kubewarden.policy.author" },   { "url:", "io.kubewarden.policy.url" },
        { "source:", "io.kubewarden.policy.source" },   { "license:", "io.kubewarden.policy.license" },
    };
    printf("Details\n");
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        printf("%-21s%s\n", fields[i].label, annotation(m->doc, fields[i].key));
    const json_value *aware = json_get(m->doc, "contextAwareResources");
    printf("%-21s%s\n", "mutating:", m->mutating ? "true" : "false");
    printf("%-21s%s\n", "background audit:", m->background_audit ? "true" : "false");
    printf("%-21s%s\n", "context aware:", aware && aware->type == JSON_ARRAY && aware->len ? "true" : "false");
    printf("%-21s%s\n", "execution mode:", policy_exec_mode_name(m->execution_mode));
    printf("%-21s%s\n", "policy type:", m->raw ? "raw" : "kubernetes");
    printf("%-21s%s\n", "protocol version:", m->protocol_version[0] ? m->protocol_version : "unknown");
    const char *minimum = json_get_string(m->doc, "minimumKubewardenVersion");
    if (minimum) printf("%-21s%s\n", "minimum kubewarden:", minimum);
}

/* Annotations but the usage text, which gets its own section. */
static void print_annotations(const json_value *meta)
{
    const json_value *a = json_get(meta, "annotations");
    if (!a || a->type != JSON_OBJECT || !a->len) return;
    size_t width = 0;
    for (size_t i = 0; i < a->len; i++)
        if (a->u.members[i].key_len > width) width = a->u.members[i].key_len;
    printf("\nAnnotations\n");
    for (size_t i = 0; i < a->len; i++) {
        const json_member *kv = &a->u.members[i];
        if (strcmp(kv->key, "io.kubewarden.policy.usage") == 0 || kv->value->type != JSON_STRING) continue;
        printf("%-*s %s\n", (int)width, kv->key, kv->value->u.str);
    }
}

/* contextAwareResources and hostCapabilities, one per line, when declared. */
static void print_lists(const json_value *meta)
{
    const json_value *aware = json_get(meta, "contextAwareResources");
    if (aware && aware->type == JSON_ARRAY && aware->len) {
        printf("\nContext aware resources\n");
        for (size_t i = 0; i < aware->len; i++) {
            const char *version = json_get_string(aware->u.items[i], "apiVersion");
            const char *kind = json_get_string(aware->u.items[i], "kind");
            printf("%s/%s\n", version ? version : "?", kind ? kind : "?");
        }
    }
    const json_value *caps = json_get(meta, "hostCapabilities");
    if (caps && caps->type == JSON_ARRAY && caps->len) {
        printf("\nHost capabilities (declared)\n");
        for (size_t i = 0; i < caps->len; i++)
            if (caps->u.items[i]->type == JSON_STRING) printf("%s\n", caps->u.items[i]->u.str);
    }
}

static void print_yaml_block(const char *title, const json_value *v)
{
    json_buf yaml;
    json_buf_init(&yaml);
    json_write_yaml(&yaml, v);
    printf("\n%s\n%s\n%s%s\n", title, rule_line, yaml.data ? yaml.data : "", rule_line);
    json_buf_free(&yaml);
}

static int inspect(const char *path, bool yaml)
{
    char err[1024];
    json_buf wasm;
    json_buf_init(&wasm);
    json_arena *a = json_arena_new(1 << 16);
    policy_metadata m;
    int status = 0;
    if (kwctl_read_module(path, &wasm, err, sizeof err) < 0 ||
        policy_metadata_read(a, (const uint8_t *)wasm.data, wasm.len, &m, err, sizeof err) < 0) {
        status = kwctl_fail("%s", err);
    } else if (!m.present) {
        status = kwctl_fail("No Kubewarden metadata found inside of '%s'. Policies can be annotated with the "
                            "`kwctl annotate` command.", path);
    } else if (yaml) {
        json_buf out;
        json_buf_init(&out);
        json_write_yaml(&out, m.doc);
        fputs(out.data ? out.data : "", stdout);
        json_buf_free(&out);
    } else {
        print_details(&m);
        print_annotations(m.doc);
        print_lists(m.doc);
        const json_value *rules = json_get(m.doc, "rules");
        if (rules) print_yaml_block("Rules", rules);
        const char *usage = json_get_string(json_get(m.doc, "annotations"), "io.kubewarden.policy.usage");
        if (usage) printf("\nUsage\n%s\n", usage);
    }
    json_buf_free(&wasm);
    json_arena_free(a);
    return status;
}

static int usage(FILE *out)
{
    fputs("Usage: kwctl inspect <POLICY.wasm> [-o pretty|yaml]\n", out);
    return out == stdout ? 0 : 2;
}

int cmd_inspect(int argc, char **argv)
{
    static const struct option options[] = {
        { "output", required_argument, NULL, 'o' },
        { "show-signatures", no_argument, NULL, 'S' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    bool yaml = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
        switch (opt) {
        case 'o':
            if (strcmp(optarg, "yaml") != 0 && strcmp(optarg, "pretty") != 0)
                return kwctl_fail("unknown output format '%s' (expected pretty or yaml)", optarg);
            yaml = strcmp(optarg, "yaml") == 0;
            break;
        case 'S': return kwctl_fail("--show-signatures is not supported: signatures live in registries, "
                                    "and kwc reads local modules only");
        case 'h': return usage(stdout);
        default: return usage(stderr);
        }
    }
    if (optind >= argc) return kwctl_fail("missing the policy to inspect (a .wasm file)");
    if (optind + 1 < argc) return kwctl_fail("unexpected argument '%s'", argv[optind + 1]);
    return inspect(argv[optind], yaml);
}
