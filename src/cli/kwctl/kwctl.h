/*
 * kwctl.h - what kwctl's commands share: the inputs of `run` and `bench`, the
 * policy they prepare, and file helpers.  Each command lives in its own file
 * (run.c, bench.c, annotate.c, inspect.c); src/cli/kwctl.c dispatches.
 *
 * Conventions: commands return the process exit status; every error is one
 * line on stderr starting with "Error: ", and stdout carries only results.
 */
#ifndef KWCTL_H
#define KWCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "policy.h"

#define KWCTL_VERSION "0.1.0"

extern bool kwctl_verbose;

/* Prints "Error: <message>" to stderr and returns 1 (the exit status). */
int kwctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads a whole file ("-" = stdin) into `out`; -1 with a message naming the file. */
int kwctl_read_file(const char *path, json_buf *out, char *err, size_t errlen);

/* Reads a Wasm module from a path (or file:// URI): -1 with a message if it is
 * missing, remote or not WebAssembly. */
int kwctl_read_module(const char *path, json_buf *out, char *err, size_t errlen);

/* Parses JSON, or YAML when `yaml_ok` and the text is not JSON; `what` names the
 * input in the message, which carries the byte offset (JSON) or line (YAML). */
json_value *kwctl_parse_document(json_arena *a, const char *what, const json_buf *text, bool yaml_ok,
                                 char *err, size_t errlen);

/* A runtime whose guest logs go to stderr; timeouts off unless `timeout`. */
policy_runtime *kwctl_runtime_new(bool timeout, char *err, size_t errlen);

/* ---- run and bench --------------------------------------------------------- */

typedef struct run_inputs {
    const char *policy_path;
    const char *request_path;                  /* file or "-" */
    const char *settings_path, *settings_json;
    const char *execution_mode;                /* -e, NULL = from metadata */
    const char *allowed_host_capabilities;     /* comma-separated patterns; default "*" */
    bool raw, allow_context_aware;
    /* Set by `run` on a file of CRs (crds.c): */
    const json_buf *request_data;              /* the request already read, else NULL */
    const json_value *context_aware_resources; /* granted as given, else NULL */
    const char *policy_id;                     /* for messages, default "kwctl" */
} run_inputs;

/* Everything `run` and `bench` evaluate; kwctl_prepared_free releases it. */
typedef struct prepared {
    json_arena *arena;                         /* metadata, settings, request */
    json_buf module_bytes, request_text;
    policy_runtime *rt;
    policy_module *module;
    policy *policy;
    const json_value *request;                 /* what policy_validate gets */
    const char *request_verbatim;              /* its text when it is the whole file, else NULL */
    size_t request_verbatim_len;
} prepared;

/* Loads the module, checks the mode, validates the settings ("Provided settings
 * are not valid: ...") and reads the request.  Returns 0 or an exit status. */
int kwctl_prepare(const run_inputs *in, prepared *out);
void kwctl_prepared_free(prepared *p);

/* The getopt_long options `run` and `bench` share (bench adds its own). */
#define RUN_SHORT_OPTIONS "r:s:e:h"
#define RUN_LONG_OPTIONS                                                    \
    { "request-path", required_argument, NULL, 'r' },                       \
    { "settings-path", required_argument, NULL, 's' },                      \
    { "settings-json", required_argument, NULL, 'J' },                      \
    { "execution-mode", required_argument, NULL, 'e' },                     \
    { "raw", no_argument, NULL, 'R' },                                      \
    { "allow-context-aware", no_argument, NULL, 'C' },                      \
    { "allowed-host-capabilities", required_argument, NULL, 'H' },          \
    { "help", no_argument, NULL, 'h' }

/* Applies one shared option: 1 if it was one, 0 if not. */
int run_option(run_inputs *in, int opt, const char *arg);
/* After getopt: takes the policy operand and checks the required options.
 * 0, or an exit status after printing the error. */
int run_inputs_finish(run_inputs *in, int argc, char **argv, int optind_now);

/* `run` on a YAML file of Kubewarden policy CRs: each one in turn, one line each. */
bool kwctl_is_crd_file(const char *path);
int kwctl_run_crds(const run_inputs *in);

/* Evaluates the prepared request and prints the response line; `post` (may be
 * NULL) edits the response first. */
typedef int (*response_hook)(json_arena *a, policy_response *r, void *ctx);
int kwctl_evaluate_and_print(prepared *p, response_hook post, void *ctx);

int cmd_run(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_annotate(int argc, char **argv);
int cmd_inspect(int argc, char **argv);

#endif
