/*
 * policies.h - the policies file (spec §1.3): a YAML or JSON mapping from policy
 * id to a policy or a policy group.  Parsing only: nothing is loaded here.
 * Every error names the policy id (and member) and the field at fault.
 */
#ifndef SERVER_POLICIES_H
#define SERVER_POLICIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "policy.h"

typedef enum policy_mode { POLICY_MODE_PROTECT, POLICY_MODE_MONITOR } policy_mode;

/* What is needed to load one module with one set of options: a policy, or a
 * member of a group. */
typedef struct policy_spec {
    const char *name;                   /* policy id, or member name */
    const char *module;                 /* as written in the file */
    const char *module_path;            /* the local file it resolves to; NULL if module_error */
    const char *module_error;           /* the source cannot be fetched (e.g. registry:// for now) */
    const json_value *settings;         /* NULL: {} */
    uint32_t timeout_ms;                /* timeoutEvalSeconds; 0: the global timeout */
    const char *const *host_capabilities;   /* NULL: key absent (deny all) */
    size_t n_host_capabilities;
    const policy_resource *context_aware_resources;
    size_t n_context_aware_resources;
} policy_spec;

typedef struct policy_entry {
    const char *id;                     /* the URL path segment */
    bool is_group;
    policy_mode mode;
    bool allowed_to_mutate;             /* always false for groups */
    const char *message;                /* custom rejection message (policy) or group message; may be NULL for a policy */
    policy_spec policy;                 /* !is_group */
    const char *expression;             /* is_group */
    policy_spec *members;               /* is_group, in file order */
    size_t n_members;
} policy_entry;

typedef struct policies_file {
    json_arena *arena;                  /* owns every string and value above */
    policy_entry *entries;              /* in file order */
    size_t n_entries;
} policies_file;

/* Parses `text` (YAML, or JSON, which is YAML too).  On error returns -1 with
 * `err` set and `out` left empty (nothing to free). */
int policies_file_parse(policies_file *out, const char *text, size_t len, char *err, size_t errlen);
/* Reads and parses the file at `path`; errors start with the path. */
int policies_file_load(policies_file *out, const char *path, char *err, size_t errlen);
void policies_file_free(policies_file *pf);

const policy_entry *policies_file_find(const policies_file *pf, const char *id);

#endif
