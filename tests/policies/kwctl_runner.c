/*
 * kwctl_runner.c - drives the real `kwctl run` over policy test cases.
 *
 *   policy-runner own <kwctl> <wasm-dir> <policies-dir> <name>...
 *       our own cases: <policies-dir>/<name>/tests.json (format: cases.h)
 *   policy-runner upstream <kwctl> <wasm-dir> <fixtures-dir> <name>...
 *       upstream expectations: <fixtures-dir>/<dir>/expectations.json, run
 *       exactly as their fields say; <dir> is <name>-policy or <name>
 *
 * Each kwctl run gets 30 s.  Prints one line per failure or skip and ends
 * with "N passed, N failed"; exit status 1 if anything failed.
 */
#include "cases.h"
#include "json_patch.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int passed, failed, skipped;

/* ---- running kwctl -------------------------------------------------------------- */

typedef struct run_result {
    int status;       /* exit code, or -1 if killed / not started */
    char *out, *err;  /* malloc'd */
} run_result;

static void append(char **buf, size_t *len, const char *p, size_t n)
{
    char *b = realloc(*buf, *len + n + 1);
    if (!b)
        abort();
    memcpy(b + *len, p, n);
    *len += n;
    b[*len] = '\0';
    *buf = b;
}

static run_result run(char *const argv[])
{
    run_result r = { -1, calloc(1, 1), calloc(1, 1) };
    size_t out_len = 0, err_len = 0;
    int out_pipe[2], err_pipe[2];
    if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0)
        return r;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        close(out_pipe[0]);
        close(err_pipe[0]);
        execv(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    struct pollfd fds[2] = { { out_pipe[0], POLLIN, 0 }, { err_pipe[0], POLLIN, 0 } };
    time_t deadline = time(NULL) + 30;
    int open_fds = 2;
    while (open_fds > 0 && time(NULL) < deadline) {
        if (poll(fds, 2, 1000) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
                continue;
            char buf[4096];
            ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            } else if (i == 0) {
                append(&r.out, &out_len, buf, (size_t)n);
            } else {
                append(&r.err, &err_len, buf, (size_t)n);
            }
        }
    }
    if (open_fds > 0) {
        kill(pid, SIGKILL);
        for (int i = 0; i < 2; i++)
            if (fds[i].fd >= 0)
                close(fds[i].fd);
    }
    int status;
    if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && open_fds == 0)
        r.status = WEXITSTATUS(status);
    return r;
}

static void free_result(run_result *r)
{
    free(r->out);
    free(r->err);
}

/* The AdmissionResponse kwctl printed: the last line of stdout that parses. */
static kw_val response_of(const run_result *r)
{
    const char *end = r->out + strlen(r->out);
    while (end > r->out) {
        const char *line_end = end;
        while (line_end > r->out && (line_end[-1] == '\n' || line_end[-1] == '\r'))
            line_end--;
        const char *start = line_end;
        while (start > r->out && start[-1] != '\n')
            start--;
        kw_val v;
        if (line_end > start && kw_parse(start, (size_t)(line_end - start), &v, NULL, 0) == 0)
            return v;
        end = start;
    }
    return KW_NONE;
}

/* ---- reporting --------------------------------------------------------------------- */

static void fail(const char *policy, const char *test, const char *why, const run_result *r)
{
    failed++;
    printf("FAIL %s: %s: %s\n", policy, test, why);
    if (r)
        printf("     exit %d, stdout: %.600s\n     stderr: %.600s\n", r->status, r->out, r->err);
}

/* ---- our own cases --------------------------------------------------------------- */

typedef struct args {
    char *v[24];
    int n;
} args;

static void arg(args *a, const char *s)
{
    if (a->n < (int)(sizeof a->v / sizeof a->v[0]) - 1)
        a->v[a->n++] = strdup(s);
    a->v[a->n] = NULL;
}

static void free_args(args *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->v[i]);
}

/* Whether applying the base64 JSON Patch to `original` gives the object in
 * the file `expected` (relative to dir). */
static bool patch_gives(const char *dir, kw_val expected_file, kw_val original, kw_val patch_b64)
{
    size_t len;
    char *text = base64_decode(patch_b64.p + 1, patch_b64.n - 2, &len);
    kw_val patch, expected;
    if (!text || kw_parse(text, len, &patch, NULL, 0) != 0)
        return false;
    char *path = join_path(dir, kw_str(expected_file));
    file_text f;
    bool ok = read_json(path, &f, &expected) && kw_equal(json_patch_apply(original, patch), expected);
    free(path);
    free(f.data);
    return ok;
}

static bool own_case(const char *kwctl, const char *wasm, const char *dir, const char *policy, kw_val tc)
{
    if (kw_present(kw_get(tc, "host_replies"))) {
        skipped++;
        printf("skipped: %s: %s: needs canned host capability answers (native suite only)\n", policy,
               kw_str(kw_get(tc, "name")));
        return true;
    }
    char *test = strdup(kw_str(kw_get(tc, "name")));
    char *request = join_path(dir, kw_str(kw_get(tc, "request")));
    kw_val settings = kw_get(tc, "settings");
    char *settings_json = kw_present(settings) ? strndup(settings.p, settings.n) : strdup("{}");
    args a = { 0 };
    arg(&a, kwctl);
    arg(&a, "run");
    arg(&a, "--request-path");
    arg(&a, request);
    arg(&a, "--settings-json");
    arg(&a, settings_json);
    if (kw_is_true(kw_get(tc, "raw")))
        arg(&a, "--raw");
    arg(&a, wasm);
    run_result r = run(a.v);
    free_args(&a);

    file_text doc_text = { NULL, 0 };
    kw_val doc = KW_NONE;
    read_json(request, &doc_text, &doc);
    bool raw = kw_is_true(kw_get(tc, "raw"));
    kw_val request_doc = admission_request(doc, raw);
    bool ok = true;
    kw_val want_error = kw_get(tc, "settings_error");
    if (kw_present(want_error)) {
        char want[1024];
        snprintf(want, sizeof want, "Provided settings are not valid: %s", kw_str(want_error));
        if (r.status == 0 || (!strstr(r.err, want) && !strstr(r.out, want))) {
            fail(policy, test, "expected a settings error", &r);
            ok = false;
        }
    } else {
        kw_val resp = response_of(&r);
        kw_val status = kw_get(resp, "status");
        kw_val want_patch = kw_get(tc, "mutated");
        bool patched = kw_present(kw_get(resp, "patch"));
        if (r.status != 0 || !kw_present(resp)) {
            fail(policy, test, "kwctl did not print an AdmissionResponse", &r);
            ok = false;
        } else if (kw_is_true(kw_get(resp, "allowed")) != kw_is_true(kw_get(tc, "allowed"))) {
            fail(policy, test, "wrong verdict", &r);
            ok = false;
        } else if (kw_present(kw_get(tc, "message")) && !kw_equal(kw_get(status, "message"), kw_get(tc, "message"))) {
            fail(policy, test, "wrong message", &r);
            ok = false;
        } else if (kw_is_true(kw_get(tc, "message_is_request")) && !message_is(kw_get(status, "message"), request_doc)) {
            fail(policy, test, "the message is not the request", &r);
            ok = false;
        } else if (kw_present(kw_get(tc, "code")) && !kw_equal(kw_get(status, "code"), kw_get(tc, "code"))) {
            fail(policy, test, "wrong code", &r);
            ok = false;
        } else if (kw_present(want_patch) && patched != !(kw_typeof(want_patch) == KW_BOOL && !kw_is_true(want_patch))) {
            fail(policy, test, patched ? "unexpected patch" : "expected a patch", &r);
            ok = false;
        } else if (patched && !kw_str_eq(kw_get(resp, "patchType"), "JSONPatch")) {
            fail(policy, test, "patch without patchType JSONPatch", &r);
            ok = false;
        } else if (patched && kw_typeof(want_patch) == KW_STRING &&
                   !patch_gives(dir, want_patch, raw ? request_doc : kw_get(request_doc, "object"), kw_get(resp, "patch"))) {
            fail(policy, test, "the patch does not turn the object into the expected one", &r);
            ok = false;
        }
    }
    if (ok)
        passed++;
    free_result(&r);
    free(doc_text.data);
    free(settings_json);
    free(request);
    free(test);
    return ok;
}

static void run_own(const char *kwctl, const char *wasm_dir, const char *policies_dir, int n, char **names)
{
    for (int i = 0; i < n; i++) {
        char *dir = join_path(policies_dir, names[i]);
        char *tests = join_path(dir, "tests.json");
        char wasm[4096];
        snprintf(wasm, sizeof wasm, "%s/%s.wasm", wasm_dir, names[i]);
        file_text f;
        kw_val cases;
        if (read_json(tests, &f, &cases)) {
            int before = failed;
            kw_iter it = kw_iter_begin(cases);
            kw_val tc;
            while (kw_next(&it, &tc)) {
                own_case(kwctl, wasm, dir, names[i], tc);
                kw_arena_reset();
            }
            printf("%s %s\n", failed == before ? "ok  " : "FAIL", names[i]);
            free(f.data);
        } else {
            fail(names[i], "tests.json", "cannot read the test cases", NULL);
        }
        free(tests);
        free(dir);
    }
}

/* ---- upstream expectations ------------------------------------------------------ */

/* Upstream fixtures that cannot hold as written, with the reason.  They are
 * reported as skipped, never as passed. */
static const struct {
    const char *dir, *test, *reason;
} fixture_defects[] = {
    { "hostpaths-psp-policy", "reject because /data is not in settings",
      "settings_json is \"'{\", the first line of a multi-line shell argument cut at extraction" },
    { "hostpaths-psp-policy", "accept because /var/local has precedence over /var",
      "settings_json is \"'{\", the first line of a multi-line shell argument cut at extraction" },
    { "user-group-psp-policy", "RunAsAny should accept empty runAsUser, runAsGroup and supplementalGroups",
      "negated assertions of the upstream test (patch and messages must be ABSENT) were extracted as positive ones" },
    { "user-group-psp-policy",
      "MustRunAsNonRoot should not mutate request when runAsUser is not defined and policy is configured to validate only",
      "the 'no patch' assertion of the upstream test was extracted as expect_patch: true" },
};

/* Upstream fixture folders without a C port in this repository. */
static const struct {
    const char *dir, *reason;
} not_ported[] = {
    { "verify-image-signatures", "not in the seeds' policy set (needs sigstore/OCI host capabilities)" },
};

static const char *defect_reason(const char *dir, const char *test)
{
    for (size_t i = 0; i < sizeof fixture_defects / sizeof fixture_defects[0]; i++)
        if (strcmp(fixture_defects[i].dir, dir) == 0 && strcmp(fixture_defects[i].test, test) == 0)
            return fixture_defects[i].reason;
    return NULL;
}

/* expect_output_patterns come from `expr "$output" : '.*<pattern>'` in the
 * upstream tests: POSIX basic regular expressions, searched in stdout+stderr.
 * A pattern that is not a valid BRE is searched for literally. */
static bool output_matches(const char *pattern, const char *output)
{
    regex_t re;
    if (regcomp(&re, pattern, REG_NOSUB) != 0)
        return strstr(output, pattern) != NULL;
    bool m = regexec(&re, output, 0, NULL, 0) == 0;
    regfree(&re);
    return m;
}

static void upstream_case(const char *kwctl, const char *wasm, const char *fixdir, const char *dir, kw_val e)
{
    char *test = strdup(kw_str(kw_get(e, "test")));
    const char *defect = defect_reason(dir, test);
    if (defect) {
        skipped++;
        printf("skipped: %s: %s: fixture defect: %s\n", dir, test, defect);
        free(test);
        return;
    }
    /* Cases written for upstream's Rego module run against our Rego build of
     * the policy, <name>.<mode>.wasm beside the waPC one, when there is one. */
    char rego_wasm[4096];
    if (kw_str_eq(kw_get(e, "execution_mode"), "gatekeeper") || kw_str_eq(kw_get(e, "execution_mode"), "opa")) {
        const char *mode = kw_str(kw_get(e, "execution_mode"));
        snprintf(rego_wasm, sizeof rego_wasm, "%.*s.%s.wasm", (int)(strlen(wasm) - 5), wasm, mode);
        if (access(rego_wasm, R_OK) != 0) {
            skipped++;
            printf("skipped: %s: %s: written for the upstream Rego module (execution_mode %s) and %s is not "
                   "built\n", dir, test, mode, rego_wasm);
            free(test);
            return;
        }
        wasm = rego_wasm;
    }
    args a = { 0 };
    arg(&a, kwctl);
    arg(&a, "run");
    char *request = join_path(fixdir, kw_str(kw_get(e, "request")));
    arg(&a, "--request-path");
    arg(&a, request);
    free(request);
    if (kw_typeof(kw_get(e, "settings_json")) == KW_STRING) {
        arg(&a, "--settings-json");
        arg(&a, kw_str(kw_get(e, "settings_json")));
    }
    if (kw_typeof(kw_get(e, "settings_path")) == KW_STRING) {
        char *p = join_path(fixdir, kw_str(kw_get(e, "settings_path")));
        arg(&a, "--settings-path");
        arg(&a, p);
        free(p);
    }
    if (kw_typeof(kw_get(e, "execution_mode")) == KW_STRING) {
        arg(&a, "--execution-mode");
        arg(&a, kw_str(kw_get(e, "execution_mode")));
    }
    if (kw_typeof(kw_get(e, "replay_session")) == KW_STRING) {
        char *p = join_path(fixdir, kw_str(kw_get(e, "replay_session")));
        arg(&a, "--replay-host-capabilities-interactions");
        arg(&a, p);
        free(p);
    }
    if (kw_is_true(kw_get(e, "raw")))
        arg(&a, "--raw");
    if (kw_is_true(kw_get(e, "allow_context_aware")))
        arg(&a, "--allow-context-aware");
    arg(&a, wasm);
    run_result r = run(a.v);
    free_args(&a);

    size_t out_len = strlen(r.out), err_len = strlen(r.err);
    char *output = malloc(out_len + err_len + 2);
    if (!output)
        abort();
    memcpy(output, r.out, out_len);
    output[out_len] = '\n';
    memcpy(output + out_len + 1, r.err, err_len + 1);

    kw_val resp = response_of(&r);
    const char *why = NULL;
    bool want_nonzero = kw_is_true(kw_get(e, "expect_status_nonzero"));
    kw_val want_allowed = kw_get(e, "expect_allowed");
    if (want_nonzero != (r.status != 0))
        why = want_nonzero ? "expected kwctl to fail" : "kwctl failed";
    else if (kw_typeof(want_allowed) == KW_STRING &&
             kw_is_true(kw_get(resp, "allowed")) != kw_str_eq(want_allowed, "true"))
        why = "wrong verdict";
    else if (kw_is_true(kw_get(e, "expect_patch")) && !kw_present(kw_get(resp, "patch")))
        why = "expected a patch";   /* false means "not asserted" upstream, not "no patch" */
    kw_iter it = kw_iter_begin(kw_get(e, "expect_output_patterns"));
    kw_val pattern;
    while (!why && kw_next(&it, &pattern))
        if (!output_matches(kw_str(pattern), output))
            why = "output does not match an expected pattern";
    if (why)
        fail(dir, test, why, &r);
    else
        passed++;
    free(output);
    free_result(&r);
    free(test);
}

static const char *not_ported_reason(const char *dir)
{
    for (size_t i = 0; i < sizeof not_ported / sizeof not_ported[0]; i++)
        if (strcmp(not_ported[i].dir, dir) == 0)
            return not_ported[i].reason;
    return "no C port of this policy";
}

/* Our policy name for an upstream fixture folder, or NULL. */
static const char *ported_name(const char *dir, int n, char **names)
{
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        if (strncmp(dir, names[i], len) == 0 && (dir[len] == '\0' || strcmp(dir + len, "-policy") == 0))
            return names[i];
    }
    return NULL;
}

static void run_upstream(const char *kwctl, const char *wasm_dir, const char *fixtures, int n, char **names)
{
    struct dirent **entries;
    int count = scandir(fixtures, &entries, NULL, alphasort);
    if (count < 0) {
        printf("skipped: %s is absent (set SHARED=<path to the shared folder>)\n", fixtures);
        return;
    }
    for (int k = 0; k < count; k++) {
        struct dirent *ent = entries[k];
        if (ent->d_name[0] == '.') {
            free(ent);
            continue;
        }
        char *fixdir = join_path(fixtures, ent->d_name);
        char *expectations = join_path(fixdir, "expectations.json");
        const char *name = ported_name(ent->d_name, n, names);
        struct stat st;
        if (stat(expectations, &st) != 0) {
            /* not a fixture folder */
        } else if (!name) {
            printf("skipped: %s: %s\n", ent->d_name, not_ported_reason(ent->d_name));
        } else {
            char wasm[4096];
            snprintf(wasm, sizeof wasm, "%s/%s.wasm", wasm_dir, name);
            file_text f;
            kw_val list;
            if (read_json(expectations, &f, &list)) {
                int before_pass = passed, before_fail = failed;
                kw_iter it = kw_iter_begin(list);
                kw_val e;
                while (kw_next(&it, &e)) {
                    upstream_case(kwctl, wasm, fixdir, ent->d_name, e);
                    kw_arena_reset();
                }
                printf("%s %s: %d passed, %d failed\n", failed == before_fail ? "ok  " : "FAIL", ent->d_name,
                       passed - before_pass, failed - before_fail);
                free(f.data);
            } else {
                fail(ent->d_name, "expectations.json", "cannot read", NULL);
            }
        }
        free(expectations);
        free(fixdir);
        free(ent);
    }
    free(entries);
}

int main(int argc, char **argv)
{
    if (argc < 5 || (strcmp(argv[1], "own") != 0 && strcmp(argv[1], "upstream") != 0)) {
        fprintf(stderr, "usage: %s own|upstream <kwctl> <wasm-dir> <cases-dir> <policy>...\n", argv[0]);
        return 2;
    }
    if (access(argv[2], X_OK) != 0) {
        printf("%s is not built: cannot run policies\n0 passed, 1 failed\n", argv[2]);
        return 1;
    }
    if (strcmp(argv[1], "own") == 0)
        run_own(argv[2], argv[3], argv[4], argc - 5, argv + 5);
    else
        run_upstream(argv[2], argv[3], argv[4], argc - 5, argv + 5);
    kw_arena_reset();
    if (skipped)
        printf("(%d skipped, see above)\n", skipped);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
