/*
 * spec_script.h - runs one converted test script (wast2json's JSON plus its .wasm
 * files) against the engine, command by command, and counts the assertions.
 */
#ifndef SPEC_SCRIPT_H
#define SPEC_SCRIPT_H

#include <stdbool.h>

/*
 * The tally of one script.  It lives in memory shared with the parent process,
 * so that when the engine crashes the parent still knows how far the script got.
 */
typedef struct spec_tally {
    int passed;       /* assertions that held */
    int failed;       /* assertions that did not, plus failing module/register/action commands */
    int assertions;   /* assertions in the script, known once it is parsed */
    int line;         /* .wast line of the command being run */
    int text_alike;   /* from_text: modules our parser's binary and wast2json's load (or fail) alike */
    int text_differ;  /* ... and modules where they do not */
    int text_identical; /* ... and modules where the two binaries are the same bytes */
} spec_tally;

/*
 * Runs `json_path` (whose .wasm files sit beside it).  `display` names the
 * script in messages ("i32.wast").  With `verbose`, prints every failure as
 * display:line: what was expected, what happened.  With `from_text`, every
 * module is taken from the .wast script and converted by our text parser
 * instead of read from wast2json's .wasm (which is loaded too, to compare).
 * Returns 0 when the script ran to its end (whatever the counts), -1 when it
 * could not be read.
 */
int spec_script_run(const char *json_path, const char *display, bool verbose, bool from_text, spec_tally *tally);

#endif
