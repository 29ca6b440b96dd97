/*
 * kwctl.c - main() of kwctl: global flags and the command dispatch.  The
 * commands are in src/cli/kwctl/ (run, bench, annotate, inspect); see
 * docs/kwctl.md.
 */
#include <stdio.h>
#include <string.h>

#include "kwctl/kwctl.h"

static const struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} commands[] = {
    { "run", cmd_run, "evaluate a request with a local policy and print the AdmissionResponse" },
    { "bench", cmd_bench, "evaluate a request repeatedly and print timings" },
    { "annotate", cmd_annotate, "write metadata (from metadata.yml) into a policy module" },
    { "inspect", cmd_inspect, "print the metadata of a policy module" },
};

static int usage(FILE *out)
{
    fprintf(out, "Usage: kwctl [-v|--verbose] [--no-color] <COMMAND> [OPTIONS]\n\nCommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n`kwctl <COMMAND> --help` describes a command's options.\n");
    return out == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) kwctl_verbose = true;
        else if (strcmp(argv[i], "--no-color") == 0) continue;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) return usage(stdout);
        else if (strcmp(argv[i], "-V") == 0 || strcmp(argv[i], "--version") == 0) {
            printf("kwctl %s (kwc)\n", KWCTL_VERSION);
            return 0;
        } else {
            kwctl_fail("unknown option '%s'", argv[i]);
            return usage(stderr);
        }
    }
    if (i >= argc) return usage(stderr);
    for (size_t c = 0; c < sizeof commands / sizeof *commands; c++)
        if (strcmp(argv[i], commands[c].name) == 0) return commands[c].fn(argc - i, argv + i);
    kwctl_fail("unknown command '%s'", argv[i]);
    return usage(stderr);
}
