/*
 * policy-server - Kubernetes admission webhooks evaluating Kubewarden policies.
 * Flags and KUBEWARDEN_* variables: `policy-server --help`, docs/configuration.md.
 */
#include "server.h"

#include <stdio.h>

extern char **environ;

int main(int argc, char **argv)
{
    static server_config cfg;           /* static: it is large (startup warnings) */
    char err[512];
    int rc = server_config_parse(&cfg, argc, argv, environ, stdout, err, sizeof err);
    if (rc == SERVER_CONFIG_EXIT)
        return 0;
    if (rc == SERVER_CONFIG_ERROR) {
        fprintf(stderr, "error: %s\n", err);
        return 2;
    }
    return server_run(&cfg);
}
