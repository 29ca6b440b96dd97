/*
 * wapc_host.h - a stand-in waPC host for native unit tests of policies: the
 * policy's C sources and the SDK are compiled for the build machine and linked
 * with this instead of running in the engine.
 */
#ifndef KW_NATIVE_WAPC_HOST_H
#define KW_NATIVE_WAPC_HOST_H

#include <stddef.h>

/* Registers the policy's handlers (what wapc_init does in wasm). */
void kw_native_init(void);

/* Runs operation `op` with `payload`.  Returns 1 on success with the guest's
 * response in *out, or 0 with its error text in *out.  *out is a malloc'd,
 * NUL-terminated copy the caller frees. */
int kw_native_call(const char *op, const char *payload, size_t len, char **out);

/* Answers the host capability "<ns>/<op>" (e.g. "oci/v1/oci_manifest_config")
 * with `reply` until cleared with kw_native_clear_replies(); every other
 * capability but tracing/log fails.  Strings are not copied. */
void kw_native_reply(const char *capability, const char *reply);
void kw_native_clear_replies(void);

/* The log lines the guest sent through tracing/log since the last call to
 * kw_native_call (JSON payloads, one per line); owned by the host. */
const char *kw_native_logs(void);

#endif
