/*
 * wapc.c - the waPC guest side: the exported entry points, the operation
 * table, and the Kubewarden operations built on it (validate,
 * validate_settings, protocol_version) with their response helpers.
 *
 * The module is a "reactor": it has no _start; the host calls the exported
 * wapc_init once (it runs the C constructors, then the policy registers its
 * handlers) and snapshots the instance.  Every evaluation is then one
 * __guest_call on a fresh copy of that snapshot.
 */
#include "kw.h"
#include "arena.h"
#include "json_memo.h"
#include "wapc_imports.h"

#include <string.h>

enum { MAX_HANDLERS = 16 };

static struct {
    const char *operation;
    kw_handler_fn fn;
} handlers[MAX_HANDLERS];   /* filled once at init, read-only afterwards */
static size_t handler_count;
static kw_validate_fn validate_fn;
static kw_settings_fn settings_fn;

void kw_register(const char *operation, kw_handler_fn handler)
{
    for (size_t i = 0; i < handler_count; i++)
        if (strcmp(handlers[i].operation, operation) == 0) {
            handlers[i].fn = handler;
            return;
        }
    if (handler_count == MAX_HANDLERS)
        __builtin_trap();
    handlers[handler_count].operation = operation;
    handlers[handler_count].fn = handler;
    handler_count++;
}

bool kw_respond(const char *payload, size_t len)
{
    wapc_guest_response(payload, len);
    return true;
}

bool kw_fail(const char *message)
{
    wapc_guest_error(message, strlen(message));
    return false;
}

static bool respond_writer(kw_writer *w) { return kw_respond(w->buf.data, w->buf.len); }

/* ---- Kubewarden responses ---------------------------------------------- */

bool kw_accept(void)
{
    static const char accepted[] = "{\"accepted\":true}";
    return kw_respond(accepted, sizeof accepted - 1);
}

bool kw_reject(const char *message, int code)
{
    kw_writer w = { 0 };
    kw_w_obj(&w);
    kw_w_key(&w, "accepted");
    kw_w_bool(&w, false);
    if (message) {
        kw_w_key(&w, "message");
        kw_w_str(&w, message);
    }
    if (code) {
        kw_w_key(&w, "code");
        kw_w_int(&w, code);
    }
    kw_w_end(&w);
    return respond_writer(&w);
}

bool kw_mutate(kw_val mutated)
{
    if (!kw_present(mutated))
        return kw_fail("policy produced no mutated object");
    /* The object is spliced from the request, which was not validated: a
     * malformed request must give an error, not a malformed response. */
    kw_val checked;
    char err[96];
    if (kw_parse(mutated.p, mutated.n, &checked, err, sizeof err) != 0) {
        kw_buf b = { 0 };
        kw_buf_puts(&b, "invalid mutated object (is the request malformed?): ");
        kw_buf_puts(&b, err);
        return kw_fail(kw_buf_cstr(&b));
    }
    kw_writer w = { 0 };
    kw_w_obj(&w);
    kw_w_key(&w, "accepted");
    kw_w_bool(&w, true);
    kw_w_key(&w, "mutated_object");
    kw_w_val(&w, mutated);
    kw_w_end(&w);
    return respond_writer(&w);
}

bool kw_accept_with_warnings(const char *const *warnings, size_t n)
{
    kw_writer w = { 0 };
    kw_w_obj(&w);
    kw_w_key(&w, "accepted");
    kw_w_bool(&w, true);
    kw_w_key(&w, "warnings");
    kw_w_arr(&w);
    for (size_t i = 0; i < n; i++)
        kw_w_str(&w, warnings[i]);
    kw_w_end(&w);
    kw_w_end(&w);
    return respond_writer(&w);
}

bool kw_reject_invalid_settings(const char *error)
{
    kw_buf b = { 0 };
    kw_buf_puts(&b, "Provided settings are not valid: ");
    kw_buf_puts(&b, error);
    return kw_reject(kw_buf_cstr(&b), 0);
}

bool kw_settings_valid(void)
{
    static const char valid[] = "{\"valid\":true}";
    return kw_respond(valid, sizeof valid - 1);
}

bool kw_settings_invalid(const char *message)
{
    kw_writer w = { 0 };
    kw_w_obj(&w);
    kw_w_key(&w, "valid");
    kw_w_bool(&w, false);
    if (message) {
        kw_w_key(&w, "message");
        kw_w_str(&w, message);
    }
    kw_w_end(&w);
    return respond_writer(&w);
}

/* ---- the Kubewarden operations ------------------------------------------ */

static const kw_val empty_settings = { "{}", 2 };

static bool parse_payload(const char *payload, size_t len, const char *what, kw_val *out)
{
    char err[96];
    if (kw_parse(payload, len, out, err, sizeof err) == 0)
        return true;
    kw_buf b = { 0 };
    kw_buf_puts(&b, "invalid ");
    kw_buf_puts(&b, what);
    kw_buf_puts(&b, ": ");
    kw_buf_puts(&b, err);
    return kw_fail(kw_buf_cstr(&b));
}

/* The request and settings of a ValidationRequest, in one pass over it.
 * Stepping over the request there costs nothing extra: its extent is needed
 * anyway, and that step records the ends of its containers for the policy's
 * lookups (json_skip.c). */
static void validation_members(kw_val root, kw_val *request, kw_val *settings)
{
    static const char *const names[] = { "request", "settings" };
    kw_val found[2];
    kw_get_many(root, names, 2, found);
    *request = found[0];
    *settings = found[1];
}

/* The payload comes from the host's JSON writer and is not validated here:
 * the reader is safe on any bytes, and what is malformed reads as absent. */
static bool op_validate(const char *payload, size_t len)
{
    kw_val root = kw_view(payload, len);
    json_memo_start(payload, len);
    if (kw_typeof(root) != KW_OBJECT)
        return kw_fail("invalid ValidationRequest: not a JSON object");
    kw_val request, settings;
    validation_members(root, &request, &settings);
    if (!kw_present(request))
        return kw_fail("invalid ValidationRequest: missing field `request`");
    if (kw_typeof(settings) != KW_OBJECT)
        settings = empty_settings;
    return validate_fn(request, settings);
}

static bool op_validate_settings(const char *payload, size_t len)
{
    kw_val settings = empty_settings;
    if (len > 0 && !parse_payload(payload, len, "settings", &settings))
        return false;
    if (kw_typeof(settings) == KW_NULL)
        settings = empty_settings;
    if (kw_typeof(settings) != KW_OBJECT)
        return kw_settings_invalid("settings must be a JSON object");
    return settings_fn(settings);
}

static bool op_protocol_version(const char *payload, size_t len)
{
    (void)payload;
    (void)len;
    static const char v1[] = "\"v1\"";
    return kw_respond(v1, sizeof v1 - 1);
}

void kw_register_validate(kw_validate_fn fn)
{
    validate_fn = fn;
    kw_register("validate", op_validate);
}

void kw_register_settings(kw_settings_fn fn)
{
    settings_fn = fn;
    kw_register("validate_settings", op_validate_settings);
}

/* ---- entry points ------------------------------------------------------------- */

int kw_dispatch(const char *op, size_t op_len, const char *payload, size_t len)
{
    for (size_t i = 0; i < handler_count; i++) {
        if (strlen(handlers[i].operation) == op_len && memcmp(handlers[i].operation, op, op_len) == 0) {
            bool ok = handlers[i].fn(payload, len);
            kw_arena_reset();
            return ok ? 1 : 0;
        }
    }
    kw_buf b = { 0 };
    kw_buf_puts(&b, "No handler registered for function ");
    kw_buf_put(&b, op, op_len);
    kw_fail(kw_buf_cstr(&b));
    kw_arena_reset();
    return 0;
}

static void register_builtin_handlers(void)
{
    kw_register("protocol_version", op_protocol_version);
    kw_policy_init();
}

#ifdef __wasm__
extern void __wasm_call_ctors(void);

__attribute__((export_name("wapc_init"))) void wapc_init(void)
{
    __wasm_call_ctors();
    register_builtin_handlers();
    kw_arena_keep();
}

__attribute__((export_name("__guest_call"))) int guest_call(size_t op_len, size_t len)
{
    /* not zeroed: the host writes every byte (a terminator is added for
     * callers that like one) */
    char *op = kw_alloc_uninit(op_len + 1);
    char *payload = kw_alloc_uninit(len + 1);
    wapc_guest_request(op, payload);
    op[op_len] = '\0';
    payload[len] = '\0';
    return kw_dispatch(op, op_len, payload, len);
}
#else
/* Native builds (unit tests) call this instead of wapc_init. */
void kw_native_init(void)
{
    handler_count = 0;
    register_builtin_handlers();
}
#endif
