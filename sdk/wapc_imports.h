/*
 * wapc_imports.h - the waPC host functions a guest imports (module "wapc").
 * In the wasm32 build they are real imports; a native build links them from
 * sdk/native/wapc_host.c, a stand-in host used by the unit tests.
 */
#ifndef KW_WAPC_IMPORTS_H
#define KW_WAPC_IMPORTS_H

#include <stddef.h>

#ifdef __wasm__
#define WAPC_IMPORT(name) __attribute__((import_module("wapc"), import_name(name)))
#else
#define WAPC_IMPORT(name)
#endif

WAPC_IMPORT("__guest_request") void wapc_guest_request(char *op, char *payload);
WAPC_IMPORT("__guest_response") void wapc_guest_response(const char *p, size_t n);
WAPC_IMPORT("__guest_error") void wapc_guest_error(const char *p, size_t n);
WAPC_IMPORT("__host_call")
int wapc_host_call(const char *bd, size_t bd_len, const char *ns, size_t ns_len,
                   const char *op, size_t op_len, const char *p, size_t n);
WAPC_IMPORT("__host_response_len") size_t wapc_host_response_len(void);
WAPC_IMPORT("__host_response") void wapc_host_response(char *p);
WAPC_IMPORT("__host_error_len") size_t wapc_host_error_len(void);
WAPC_IMPORT("__host_error") void wapc_host_error(char *p);

#endif
