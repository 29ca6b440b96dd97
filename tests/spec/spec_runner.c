/*
 * spec_runner - runs the official WebAssembly test suite, converted by
 * wast2json, against the engine.
 *
 *   spec_runner [-v] [-s] [-T] [-t SECONDS] DIR/NAME.json...
 *
 * Each script runs in a child process, so that an engine crash or hang costs
 * one script (reported with the line it reached), not the whole run.  Scripts
 * named simd_* are reported as skipped: the engine has no SIMD.
 *
 * Prints one row per script and closes with
 *   "N passed, N failed, N SIMD scripts skipped"
 * and exits non-zero when anything failed.
 *
 *   -v   print every failure: script:line: command: expected, got
 *   -s   run the scripts in this process (for a debugger)
 *   -t   seconds a script may take (default 120)
 *   -T   from text: modules come from the .wast through our text parser (wat.h),
 *        each compared with wast2json's binary (loads alike or not); adds the line
 *        "from text: N modules load alike ..., N differ; N byte-identical" before the closing one
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spec_script.h"

typedef struct options {
    bool verbose, in_process, from_text;
    unsigned timeout;
} options;

typedef struct totals {
    int passed, failed, simd_scripts, broken_scripts, text_alike, text_differ, text_identical;
} totals;

/* "dir/i32.json" -> "i32.wast" */
static void display_name(const char *path, char *out, size_t len)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".json") == 0)
        n -= 5;
    snprintf(out, len, "%.*s.wast", (int)n, base);
}

/* Runs the script in a child; `tally` is shared memory the child fills in as it goes. */
static int run_in_child(const char *path, const char *display, const options *opt, spec_tally *tally,
                        char *why, size_t why_len)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, why_len, "fork failed");
        return -1;
    }
    if (pid == 0) {
        alarm(opt->timeout);
        int status = spec_script_run(path, display, opt->verbose, opt->from_text, tally);
        fflush(stdout);
        exit(status == 0 ? 0 : 3);    /* exit(), not _exit(): LeakSanitizer checks at exit */
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        snprintf(why, why_len, "timed out after %us at line %d", opt->timeout, tally->line);
    else if (WIFSIGNALED(status))
        snprintf(why, why_len, "crashed (signal %d) at line %d", WTERMSIG(status), tally->line);
    else if (WEXITSTATUS(status) == 3)
        snprintf(why, why_len, "could not be read");
    else
        snprintf(why, why_len, "exited with status %d at line %d (sanitizer report?)", WEXITSTATUS(status),
                 tally->line);
    return -1;
}

static void run_script(const char *path, const options *opt, spec_tally *tally, totals *t)
{
    char display[256], why[160] = "";
    display_name(path, display, sizeof display);
    if (strncmp(display, "simd_", 5) == 0) {
        printf("  %-32s %7s %7s  SIMD: not supported\n", display, "-", "-");
        t->simd_scripts++;
        return;
    }
    memset(tally, 0, sizeof *tally);
    int status = opt->in_process ? spec_script_run(path, display, opt->verbose, opt->from_text, tally)
                                 : run_in_child(path, display, opt, tally, why, sizeof why);
    if (status != 0) {
        /* Whatever the script did not get to counts as failed. */
        int unreached = tally->assertions - tally->passed - tally->failed;
        tally->failed += unreached > 0 ? unreached : 1;
        t->broken_scripts++;
        if (!why[0])
            snprintf(why, sizeof why, "could not be read");
    }
    printf("  %-32s %7d %7d  %s\n", display, tally->passed, tally->failed, why);
    t->passed += tally->passed;
    t->failed += tally->failed;
    t->text_alike += tally->text_alike;
    t->text_differ += tally->text_differ;
    t->text_identical += tally->text_identical;
}

static int usage(void)
{
    fprintf(stderr, "usage: spec_runner [-v] [-s] [-T] [-t SECONDS] SCRIPT.json...\n");
    return 2;
}

int main(int argc, char **argv)
{
    options opt = { .timeout = 120 };
    int c;
    while ((c = getopt(argc, argv, "vsTt:")) != -1) {
        switch (c) {
        case 'v': opt.verbose = true; break;
        case 's': opt.in_process = true; break;
        case 'T': opt.from_text = true; break;
        case 't': opt.timeout = (unsigned)strtoul(optarg, NULL, 10); break;
        default: return usage();
        }
    }
    if (optind >= argc)
        return usage();

    /* Shared with the children, so a crash still leaves the counts up to the crash. */
    spec_tally *tally = mmap(NULL, sizeof *tally, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (tally == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    totals t = { 0 };
    printf("  %-32s %7s %7s\n", "script", "passed", "failed");
    for (int i = optind; i < argc; i++)
        run_script(argv[i], &opt, tally, &t);
    munmap(tally, sizeof *tally);

    if (t.broken_scripts)
        printf("%d scripts crashed, hung or could not be read\n", t.broken_scripts);
    if (opt.from_text)
        printf("from text: %d modules load alike from our binary and wast2json's, %d differ; %d byte-identical\n",
               t.text_alike, t.text_differ, t.text_identical);
    printf("%d passed, %d failed, %d SIMD scripts skipped\n", t.passed, t.failed + t.text_differ, t.simd_scripts);
    return t.failed || t.text_differ ? 1 : 0;
}
