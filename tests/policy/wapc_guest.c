/*
 * wapc_guest.c - a waPC test guest for tests/unit/test_policy.c.  It does not
 * read JSON: the request's "uid" string names what to do ("accept", "reject",
 * "mutate", "error", "trap", "loop", "count", "cap:<binding>:<ns>:<op>:<payload>",
 * ...), so each test states the guest behaviour it needs in the request.
 * Built as a reactor: the host calls wapc_init once, before the snapshot.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WAPC(name) __attribute__((import_module("wapc"), import_name(name)))
WAPC("__guest_request") void guest_request(char *op, char *msg);
WAPC("__guest_response") void guest_response(const char *ptr, size_t len);
WAPC("__guest_error") void guest_error(const char *ptr, size_t len);
WAPC("__host_call") int host_call(const char *bd, size_t bd_len, const char *ns, size_t ns_len,
                                  const char *op, size_t op_len, const char *msg, size_t msg_len);
WAPC("__host_response_len") size_t host_response_len(void);
WAPC("__host_response") void host_response(char *ptr);
WAPC("__host_error_len") size_t host_error_len(void);
WAPC("__host_error") void host_error(char *ptr);
WAPC("__console_log") void console_log(const char *ptr, size_t len);

static int initialised;         /* set by wapc_init: captured by the snapshot */
static int calls;               /* counts evaluations: must be 1 in every fresh sandbox */

__attribute__((export_name("wapc_init"))) void wapc_init(void)
{
    initialised = 42;
}

static int respond(const char *s)
{
    guest_response(s, strlen(s));
    return 1;
}

static int fail(const char *s)
{
    guest_error(s, strlen(s));
    return 0;
}

/* Appends `s` to `out` as JSON string contents (escaping " \ and controls). */
static char *escape(char *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *out++ = '\\';
            *out++ = (char)c;
        } else if (c < 0x20) {
            memcpy(out, "\\u00", 4);
            out[4] = hex[c >> 4];
            out[5] = hex[c & 15];
            out += 6;
        } else {
            *out++ = (char)c;
        }
    }
    return out;
}

/* {"accepted":<accepted>,"message":"<prefix><text>"} */
static int respond_message(int accepted, const char *prefix, const char *text, size_t len)
{
    char *buf = malloc(64 + strlen(prefix) + 6 * len), *w = buf;
    w = stpcpy(w, accepted ? "{\"accepted\":true,\"message\":\"" : "{\"accepted\":false,\"message\":\"");
    w = escape(w, prefix, strlen(prefix));
    w = escape(w, text, len);
    w = stpcpy(w, "\"}");
    guest_response(buf, (size_t)(w - buf));
    return 1;
}

/* The value of the first "uid":"..." in the request (no escapes in the tests). */
static char *command_of(const char *msg)
{
    const char *p = strstr(msg, "\"uid\":\"");
    if (!p)
        return strdup("");
    p += 7;
    const char *end = strchr(p, '"');
    return strndup(p, end ? (size_t)(end - p) : 0);
}

static const char *payload_named(const char *name)
{
    if (strcmp(name, "ns") == 0)
        return "{\"api_version\":\"v1\",\"kind\":\"Namespace\",\"name\":\"default\",\"disable_cache\":false}";
    if (strcmp(name, "pod") == 0)
        return "{\"api_version\":\"v1\",\"kind\":\"Pod\",\"name\":\"p\",\"namespace\":\"default\"}";
    if (strcmp(name, "log") == 0)
        return "{\"level\":\"WARNING\",\"message\":\"hello from the guest\",\"line\":7}";
    if (strcmp(name, "badlevel") == 0)
        return "{\"level\":\"loud\",\"message\":\"x\"}";
    if (strcmp(name, "image") == 0)
        return "\"busybox:latest\"";
    if (strcmp(name, "bad") == 0)
        return "{not json";
    return "{}";
}

/* cap:<binding>:<ns>:<op>:<payload name> -> one __host_call; the reply or error goes in the message. */
static int do_host_call(char *spec)
{
    char *fields[4] = { 0 };
    for (int i = 0; i < 4 && spec; i++) {
        fields[i] = spec;
        spec = strchr(spec, ':');
        if (spec)
            *spec++ = '\0';
    }
    if (!fields[3])
        return fail("bad cap command");
    const char *payload = payload_named(fields[3]);
    int ok = host_call(fields[0], strlen(fields[0]), fields[1], strlen(fields[1]), fields[2], strlen(fields[2]),
                       payload, strlen(payload));
    size_t len = ok ? host_response_len() : host_error_len();
    char *text = malloc(len + 1);
    if (ok)
        host_response(text);
    else
        host_error(text);
    return respond_message(ok, ok ? "ok:" : "err:", text, len);
}

static int validate(const char *msg)
{
    char *cmd = command_of(msg);
    calls++;
    if (strcmp(cmd, "accept") == 0)
        return respond("{\"accepted\":true}");
    if (strcmp(cmd, "reject") == 0)
        return respond("{\"accepted\":false,\"message\":\"rejected by the test guest\",\"code\":400}");
    if (strcmp(cmd, "code-only") == 0)
        return respond("{\"accepted\":true,\"code\":299}");
    if (strcmp(cmd, "mutate") == 0)
        return respond("{\"accepted\":true,\"mutated_object\":"
                       "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"labels\":{\"team\":\"a/b~c\"}}}}");
    if (strcmp(cmd, "same") == 0)
        return respond("{\"accepted\":true,\"mutated_object\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}}");
    if (strcmp(cmd, "extras") == 0)
        return respond("{\"accepted\":true,\"warnings\":[\"careful\"],\"audit_annotations\":{\"k\":\"v\"},"
                       "\"unknown_key\":1}");
    if (strcmp(cmd, "error") == 0)
        return fail("boom: the guest failed");
    if (strcmp(cmd, "error-silent") == 0)
        return 0;
    if (strcmp(cmd, "no-response") == 0)
        return 1;
    if (strcmp(cmd, "bad-json") == 0)
        return respond("this is not json");
    if (strcmp(cmd, "no-accepted") == 0)
        return respond("{\"message\":\"hi\"}");
    if (strcmp(cmd, "bad-code") == 0)
        return respond("{\"accepted\":false,\"code\":70000}");
    if (strcmp(cmd, "bad-utf8-error") == 0)
        return fail("\xff\xfe");
    if (strcmp(cmd, "trap") == 0)
        __builtin_trap();
    if (strcmp(cmd, "loop") == 0)
        for (volatile int spin = 0;; spin++)
            ;
    if (strcmp(cmd, "count") == 0) {
        char m[64] = "calls=0 init=00";
        m[6] = (char)('0' + calls % 10);
        m[13] = (char)('0' + initialised / 10);
        m[14] = (char)('0' + initialised % 10);
        return respond_message(1, "", m, strlen(m));
    }
    if (strcmp(cmd, "print") == 0) {
        write(1, "to stdout", 9);
        return respond("{\"accepted\":true}");
    }
    if (strcmp(cmd, "console") == 0) {
        console_log("console says hi", 15);
        return respond("{\"accepted\":true}");
    }
    if (strncmp(cmd, "cap:", 4) == 0)
        return do_host_call(cmd + 4);
    /* Echo the message back, to check what the host sent. */
    if (strcmp(cmd, "echo") == 0)
        return respond_message(1, "", msg, strlen(msg));
    return fail("unknown test command");
}

static int validate_settings(const char *msg)
{
    if (strstr(msg, "\"crash\""))
        return fail("settings exploded");
    if (strstr(msg, "\"quote\""))
        return fail("say \"hi\"\\\n");
    if (strstr(msg, "\"bad\""))
        return respond("{\"valid\":false,\"message\":\"the setting is bad\"}");
    if (strstr(msg, "\"garbage\""))
        return respond("[1,2");
    return respond("{\"valid\":true}");
}

__attribute__((export_name("__guest_call"))) int guest_call(size_t op_len, size_t msg_len)
{
    char *op = malloc(op_len + 1), *msg = malloc(msg_len + 1);
    guest_request(op, msg);
    op[op_len] = msg[msg_len] = '\0';
    if (strcmp(op, "validate") == 0)
        return validate(msg);
    if (strcmp(op, "validate_settings") == 0)
        return validate_settings(msg);
    if (strcmp(op, "protocol_version") == 0)
        return respond("\"v1\"");
    char err[128] = "No handler registered for function ";
    strncat(err, op, 64);
    return fail(err);
}
