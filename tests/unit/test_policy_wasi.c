/*
 * test_policy_wasi.c - Kubewarden WASI policies (spec §2.5) with
 * wasi_guest.wasm, a real wasi-libc command: argv, stdin/stdout protocol,
 * settings, stderr as the error, exit codes, traps, timeouts (including a
 * guest sleeping in poll_oneoff), host.call replies appended to stdin.
 */
#include <time.h>

#include "policy_fixture.h"
#include "test.h"

#define REQ(cmd) request_for(cmd, req, sizeof req)

static char req[1024], out[4096], err[512];

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void test_validate(policy *p)
{
    CHECK_STR(evaluate(p, REQ("accept"), NULL, out, sizeof out),
              "{\"uid\":\"accept\",\"allowed\":true,\"auditAnnotations\":null,\"warnings\":null}");
    CHECK_STR(evaluate(p, REQ("reject"), NULL, out, sizeof out),
              "{\"uid\":\"reject\",\"allowed\":false,\"status\":{\"message\":\"wasi says no\",\"code\":403},"
              "\"auditAnnotations\":null,\"warnings\":null}");
    CHECK(strstr(evaluate(p, REQ("mutate"), NULL, out, sizeof out), "\"patchType\":\"JSONPatch\",\"patch\":\""));
    /* failure: upstream's WasiEvaluation text, carrying the guest's stderr */
    CHECK_STR(evaluate(p, REQ("fail"), NULL, out, sizeof out),
              "{\"uid\":\"fail\",\"allowed\":false,\"status\":{\"message\":\"internal server error: program exited "
              "with code Some(2); stderr set to 'something broke', error: 'Exited with i32 exit status 2'\","
              "\"code\":500},\"auditAnnotations\":null,\"warnings\":null}");
    CHECK(strstr(evaluate(p, REQ("bad-output"), NULL, out, sizeof out),
                 "\"internal server error: Cannot deserialize policy validation response: "));
    CHECK_STR(evaluate(p, REQ("trap"), NULL, out, sizeof out),
              "{\"uid\":\"trap\",\"allowed\":false,\"status\":{\"message\":\"internal server error: program exited "
              "with code None; stderr set to '', error: 'wasm trap: unreachable'\",\"code\":500},"
              "\"auditAnnotations\":null,\"warnings\":null}");
    CHECK(strstr(evaluate(p, REQ("libc"), NULL, out, sizeof out), "\"message\":\"clocks=1 random=1 env=empty\""));
    /* stderr on success is logged as a warning */
    CHECK(strstr(evaluate(p, REQ("chatty"), NULL, out, sizeof out), "\"allowed\":true"));
    CHECK_STR(logs.message, "a warning on stderr");
    CHECK(logs.level == POLICY_LOG_WARN);
    CHECK_STR(logs.policy_id, "wasi-test");
}

static void test_host_call(policy *p)
{
    /* denied: host.call returns 1 and the error follows on stdin */
    CHECK_STR(evaluate(p, REQ("host"), NULL, out, sizeof out),
              "{\"uid\":\"host\",\"allowed\":false,\"status\":{\"message\":\"rc=1 Policy has not been granted access "
              "to the 'oci/v1/manifest_digest' host capability. The violation has been reported.\"},"
              "\"auditAnnotations\":null,\"warnings\":null}");
    CHECK(strstr(evaluate(p, REQ("log"), NULL, out, sizeof out), "\"allowed\":true"));
    CHECK_STR(logs.message, "wasi log");
    CHECK(logs.level == POLICY_LOG_INFO);
}

static void test_settings(policy_module *m)
{
    json_arena *a = json_arena_new(1024);
    policy_settings_result s;
    policy *p = make_policy(m, "wasi-settings", "{\"v\":\"fine\"}", NULL, err, sizeof err);
    CHECK(policy_validate_settings(p, a, &s) == 0 && s.valid);
    policy_free(p);
    p = make_policy(m, "wasi-settings", "{\"v\":\"bad\"}", NULL, err, sizeof err);
    CHECK(policy_validate_settings(p, a, &s) == 0 && !s.valid);
    CHECK_STR(s.message, "wasi: bad settings");
    policy_free(p);
    p = make_policy(m, "wasi-settings", "{\"v\":\"garbage\"}", NULL, err, sizeof err);
    CHECK(policy_validate_settings(p, a, &s) == 0 && !s.valid);
    CHECK(s.message && strncmp(s.message, "Cannot deserialize settings validation response: ", 49) == 0);
    policy_free(p);
    p = make_policy(m, "wasi-settings", "{\"v\":\"crash\"}", NULL, err, sizeof err);
    CHECK(policy_validate_settings(p, a, &s) == 0 && !s.valid);
    CHECK_STR(s.message, "program exited with code Some(3); stderr set to 'settings crashed', error: "
              "'Exited with i32 exit status 3'");
    policy_free(p);
    json_arena_free(a);
    char v[32];
    CHECK(policy_module_protocol_version(m, v, sizeof v, err, sizeof err) == 0);
    CHECK_STR(v, "Unknown");
}

static void test_timeouts(policy_module *m)
{
    policy_options o = { .raw = -1, .timeout_ms = 200 };
    policy *p = make_policy(m, "wasi-slow", NULL, &o, err, sizeof err);
    static const char *const cmds[] = { "loop", "sleep" };
    for (int i = 0; i < 2; i++) {
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        CHECK(strstr(evaluate(p, REQ(cmds[i]), NULL, out, sizeof out),
                     "\"allowed\":false,\"status\":{\"message\":\"Policy execution interrupted because it exceeded "
                     "the allowed execution time\",\"code\":500}"));
        double took = seconds_since(&t0);
        CHECK(took >= 0.19 && took < 1.5);
    }
    CHECK(strstr(evaluate(p, REQ("accept"), NULL, out, sizeof out), "\"allowed\":true"));
    policy_free(p);
}

int main(int argc, char **argv)
{
    fixture_init(argv[0]);
    policy_runtime *rt = new_runtime(2000);
    policy_module *m = rt ? load_guest(rt, "wasi_guest.wasm", POLICY_EXEC_WASI, err, sizeof err) : NULL;
    if (!m)
        fprintf(stderr, "cannot load wasi_guest.wasm: %s\n", err);
    CHECK(m != NULL);
    if (m) {
        CHECK(policy_module_mode(m) == POLICY_EXEC_WASI);
        policy *p = make_policy(m, "wasi-test", NULL, NULL, err, sizeof err);
        test_validate(p);
        test_host_call(p);
        policy_free(p);
        test_settings(m);
        test_timeouts(m);
        policy_module_release(m);
    }
    /* Javy's import module name for host.call */
    policy_module *javy = rt ? load_guest(rt, "wasi_javy.wasm", POLICY_EXEC_WASI, err, sizeof err) : NULL;
    CHECK(javy != NULL);
    if (javy) {
        policy *p = make_policy(javy, "javy", NULL, NULL, err, sizeof err);
        CHECK(strstr(evaluate(p, REQ("x"), NULL, out, sizeof out), "\"allowed\":true"));
        CHECK_STR(logs.message, "javy");
        CHECK_STR(logs.policy_id, "javy");
        policy_free(p);
        policy_module_release(javy);
    }
    /* WASI called from a wasm start function, before any context exists */
    for (int mode = 0; mode < 2; mode++) {
        CHECK(rt && load_guest(rt, "start_section.wasm", mode ? POLICY_EXEC_WASI : POLICY_EXEC_WAPC, err,
                               sizeof err) == NULL);
        CHECK(strstr(err, "cannot instantiate the module: "));
    }
    /* a WASI policy needs _start */
    CHECK(rt && load_guest(rt, "wapc_nocall.wasm", POLICY_EXEC_WASI, err, sizeof err) == NULL);
    CHECK_STR(err, "the module does not export the function '_start' a wasi policy needs");
    policy_runtime_free(rt);
    TEST_DONE();
}
