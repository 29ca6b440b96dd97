/*
 * wapc_host.c - the native stand-in for the waPC host (see wapc_host.h).
 * Only what a policy unit test needs: one call at a time, tracing/log
 * captured, every other capability answered with an error.
 */
#include "wapc_host.h"
#include "../kw.h"
#include "../wapc_imports.h"

#include <stdlib.h>
#include <string.h>

static struct {
    const char *op, *payload;
    size_t op_len, len;
    char *response;          /* guest response or error, malloc'd */
    char *host_reply;        /* last host call's response or error */
    size_t host_reply_len;
    char *logs;
    size_t logs_len;
} call;

static char *dup_bytes(const char *p, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        abort();
    memcpy(d, p, n);
    d[n] = '\0';
    return d;
}

void wapc_guest_request(char *op, char *payload)
{
    memcpy(op, call.op, call.op_len);
    memcpy(payload, call.payload, call.len);
}

void wapc_guest_response(const char *p, size_t n)
{
    free(call.response);
    call.response = dup_bytes(p, n);
}

void wapc_guest_error(const char *p, size_t n) { wapc_guest_response(p, n); }

static void set_host_reply(const char *p, size_t n)
{
    free(call.host_reply);
    call.host_reply = dup_bytes(p, n);
    call.host_reply_len = n;
}

typedef struct canned_entry {
    const char *capability, *reply;
} canned_entry;

static canned_entry canned[8];   /* test-only stand-in state */
static size_t canned_count;

void kw_native_reply(const char *capability, const char *reply)
{
    if (canned_count < sizeof canned / sizeof canned[0])
        canned[canned_count++] = (canned_entry){ capability, reply };
}

void kw_native_clear_replies(void) { canned_count = 0; }

static const char *canned_reply(const char *ns, size_t ns_len, const char *op, size_t op_len)
{
    for (size_t i = 0; i < canned_count; i++) {
        const char *c = canned[i].capability;
        if (strlen(c) == ns_len + 1 + op_len && memcmp(c, ns, ns_len) == 0 && c[ns_len] == '/' &&
            memcmp(c + ns_len + 1, op, op_len) == 0)
            return canned[i].reply;
    }
    return NULL;
}

int wapc_host_call(const char *bd, size_t bd_len, const char *ns, size_t ns_len,
                   const char *op, size_t op_len, const char *p, size_t n)
{
    (void)bd;
    (void)bd_len;
    if (ns_len == 7 && memcmp(ns, "tracing", 7) == 0 && op_len == 3 && memcmp(op, "log", 3) == 0) {
        call.logs = realloc(call.logs, call.logs_len + n + 2);
        if (!call.logs)
            abort();
        memcpy(call.logs + call.logs_len, p, n);
        call.logs_len += n;
        call.logs[call.logs_len++] = '\n';
        call.logs[call.logs_len] = '\0';
        set_host_reply("", 0);
        return 1;
    }
    const char *reply = canned_reply(ns, ns_len, op, op_len);
    if (reply) {
        set_host_reply(reply, strlen(reply));
        return 1;
    }
    static const char unavailable[] = "host capability not available in native tests";
    set_host_reply(unavailable, sizeof unavailable - 1);
    return 0;
}

size_t wapc_host_response_len(void) { return call.host_reply_len; }
void wapc_host_response(char *p) { memcpy(p, call.host_reply, call.host_reply_len); }
size_t wapc_host_error_len(void) { return call.host_reply_len; }
void wapc_host_error(char *p) { memcpy(p, call.host_reply, call.host_reply_len); }

int kw_native_call(const char *op, const char *payload, size_t len, char **out)
{
    call.op = op;
    call.op_len = strlen(op);
    call.payload = payload;
    call.len = len;
    call.response = NULL;
    call.logs_len = 0;
    if (call.logs)
        call.logs[0] = '\0';
    /* the same path __guest_call takes: copy in, dispatch.  The payload gets
     * a buffer of exactly its size, so that a read past its end is caught by
     * the sanitizers. */
    char *op_buf = kw_alloc(call.op_len + 1);
    char *payload_buf = malloc(len ? len : 1);
    if (!payload_buf)
        abort();
    wapc_guest_request(op_buf, payload_buf);
    int ok = kw_dispatch(op_buf, call.op_len, payload_buf, len);
    free(payload_buf);
    free(call.host_reply);
    call.host_reply = NULL;
    call.host_reply_len = 0;
    *out = call.response ? call.response : dup_bytes("", 0);
    call.response = NULL;
    return ok;
}

const char *kw_native_logs(void) { return call.logs ? call.logs : ""; }
