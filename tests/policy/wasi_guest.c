/*
 * wasi_guest.c - a Kubewarden WASI-policy test guest (a WASI command on
 * wasi-libc): argv[1] is "validate" or "validate-settings", the input is on
 * stdin, the answer goes to stdout.  Like wapc_guest.c, the request's "uid"
 * names the behaviour under test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

__attribute__((import_module("host"), import_name("call")))
int host_call(const char *bd, size_t bd_len, const char *ns, size_t ns_len,
              const char *op, size_t op_len, const char *msg, size_t msg_len);

static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2)
            buf = realloc(buf, cap *= 2);
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static char *command_of(const char *msg)
{
    const char *p = strstr(msg, "\"uid\":\"");
    if (!p)
        return strdup("");
    p += 7;
    const char *end = strchr(p, '"');
    return strndup(p, end ? (size_t)(end - p) : 0);
}

/* Calls a denied capability, then reads the error the host appended to stdin. */
static int denied_host_call(void)
{
    const char *payload = "\"busybox:latest\"";
    int rc = host_call("kubewarden", 10, "oci", 3, "v1/manifest_digest", 18, payload, strlen(payload));
    clearerr(stdin);                    /* the first read hit EOF; the reply comes after it */
    size_t len;
    char *reply = read_all(stdin, &len);
    printf("{\"accepted\":false,\"message\":\"rc=%d ", rc);
    for (size_t i = 0; i < len; i++)
        printf(reply[i] == '"' || reply[i] == '\\' ? "\\%c" : "%c", reply[i]);
    printf("\"}");
    return 0;
}

static int validate(const char *cmd)
{
    if (strcmp(cmd, "accept") == 0)
        printf("{\"accepted\":true}");
    else if (strcmp(cmd, "reject") == 0)
        printf("{\"accepted\":false,\"message\":\"wasi says no\",\"code\":403}");
    else if (strcmp(cmd, "mutate") == 0)
        printf("{\"accepted\":true,\"mutated_object\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"q\"}}}");
    else if (strcmp(cmd, "fail") == 0) {
        fprintf(stderr, "something broke");
        return 2;
    } else if (strcmp(cmd, "chatty") == 0) {
        fprintf(stderr, "a warning on stderr");
        printf("{\"accepted\":true}");
    } else if (strcmp(cmd, "libc") == 0) {
        /* what wasi-libc programs do on their own: clocks, entropy, environment */
        struct timespec rt, mono;
        unsigned char entropy[16] = { 0 }, none[16] = { 0 };
        int clocks = clock_gettime(CLOCK_REALTIME, &rt) == 0 && clock_gettime(CLOCK_MONOTONIC, &mono) == 0 &&
                     rt.tv_sec > 1600000000;
        int random = getentropy(entropy, sizeof entropy) == 0 && memcmp(entropy, none, sizeof none) != 0;
        printf("{\"accepted\":true,\"message\":\"clocks=%d random=%d env=%s\"}", clocks, random,
               getenv("HOME") ? "set" : "empty");
    } else if (strcmp(cmd, "bad-output") == 0)
        printf("garbage");
    else if (strcmp(cmd, "trap") == 0)
        __builtin_trap();
    else if (strcmp(cmd, "loop") == 0)
        for (volatile int spin = 0;; spin++)
            ;
    else if (strcmp(cmd, "sleep") == 0) {
        struct timespec ts = { 10, 0 };
        nanosleep(&ts, NULL);
        printf("{\"accepted\":true}");
    } else if (strcmp(cmd, "host") == 0)
        return denied_host_call();
    else if (strcmp(cmd, "log") == 0) {
        const char *payload = "{\"level\":\"info\",\"message\":\"wasi log\"}";
        int rc = host_call("kubewarden", 10, "tracing", 7, "log", 3, payload, strlen(payload));
        printf("{\"accepted\":%s}", rc == 0 ? "true" : "false");
    } else {
        fprintf(stderr, "unknown test command");
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: policy validate|validate-settings");
        return 1;
    }
    size_t len;
    char *input = read_all(stdin, &len);
    if (strcmp(argv[1], "validate-settings") == 0) {
        if (strstr(input, "\"crash\"")) {
            fprintf(stderr, "settings crashed");
            return 3;
        }
        if (strstr(input, "\"garbage\""))
            printf("{\"valid\":");
        else if (strstr(input, "\"bad\""))
            printf("{\"valid\":false,\"message\":\"wasi: bad settings\"}");
        else
            printf("{\"valid\":true}");
        return 0;
    }
    if (strcmp(argv[1], "validate") == 0)
        return validate(command_of(input));
    fprintf(stderr, "unknown command %s", argv[1]);
    return 1;
}
