/*
 * host.c - calls from the policy to the host: the generic waPC __host_call
 * (binding "kubewarden") and logging through the `tracing/log` capability.
 */
#include "kw.h"
#include "wapc_imports.h"

#include <string.h>

static const char binding[] = "kubewarden";

bool kw_host_call(const char *ns, const char *op, const char *payload, size_t len, kw_buf *response)
{
    *response = (kw_buf){ 0 };
    int ok = wapc_host_call(binding, sizeof binding - 1, ns, strlen(ns), op, strlen(op), payload, len);
    size_t n = ok ? wapc_host_response_len() : wapc_host_error_len();
    char *data = kw_alloc(n + 1);
    if (ok)
        wapc_host_response(data);
    else
        wapc_host_error(data);
    response->data = data;
    response->len = n;
    response->cap = n + 1;
    return ok != 0;
}

void kw_log(kw_log_level level, const char *message)
{
    static const char *const names[] = { "trace", "debug", "info", "warning", "error" };
    kw_writer w = { 0 };
    kw_w_obj(&w);
    kw_w_key(&w, "level");
    kw_w_str(&w, names[level]);
    kw_w_key(&w, "message");
    kw_w_str(&w, message);
    kw_w_end(&w);
    kw_buf reply;
    kw_host_call("tracing", "log", w.buf.data, w.buf.len, &reply);   /* best effort */
}
