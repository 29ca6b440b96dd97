/*
 * fuzz_policies.c - libFuzzer target for what an operator writes: the
 * policies file (src/server/policies.c, YAML or JSON) and the group
 * expressions in it (src/server/expr.c).
 *
 * Any bytes must parse or fail with a message; a parsed file must hold what
 * the server relies on (an id per entry, a module or the reason it cannot be
 * fetched, members for groups); every group expression must compile or fail
 * with a message, and a compiled one must evaluate to 0 or 1 whatever its
 * members answer, stop at the first failing member (-1), and call only
 * members of the group.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/server/expr.h"
#include "../../src/server/policies.h"

#define REQUIRE(cond) do { if (!(cond)) abort(); } while (0)

typedef struct answers {
    const uint8_t *bits;
    size_t n, next, members;
    int fail_at;                   /* the call that fails, -1: none */
    int calls;
} answers;

static int member_call(void *ctx, size_t member)
{
    answers *a = ctx;
    REQUIRE(member < a->members);
    REQUIRE(a->fail_at < 0 || a->calls <= a->fail_at);   /* nothing after a failure */
    if (a->calls++ == a->fail_at)
        return -1;
    uint8_t b = a->n ? a->bits[a->next++ % a->n] : 0;
    return (b >> (member % 8)) & 1;
}

static void check_spec(const policy_spec *s)
{
    REQUIRE(s->name && s->module);
    REQUIRE((s->module_path != NULL) != (s->module_error != NULL));
}

static void check_group(const policy_entry *e, const uint8_t *data, size_t size)
{
    REQUIRE(e->expression && e->n_members > 0);
    const char **names = malloc(e->n_members * sizeof *names);
    REQUIRE(names);
    for (size_t i = 0; i < e->n_members; i++) {
        check_spec(&e->members[i]);
        names[i] = e->members[i].name;
    }
    char err[512] = "";
    group_expr *x = group_expr_compile(e->expression, names, e->n_members, err, sizeof err);
    if (!x) {
        REQUIRE(err[0]);
    } else {
        for (int fail_at = -1; fail_at < 3; fail_at++) {
            answers a = { data, size, 0, e->n_members, fail_at, 0 };
            int r = group_expr_eval(x, member_call, &a);
            bool failed = fail_at >= 0 && a.calls > fail_at;
            REQUIRE(failed ? r == -1 : (r == 0 || r == 1));
        }
        group_expr_free(x);
    }
    free(names);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    policies_file pf;
    char err[1024] = "";
    if (policies_file_parse(&pf, (const char *)data, size, err, sizeof err) != 0) {
        REQUIRE(err[0]);
        return 0;
    }
    for (size_t i = 0; i < pf.n_entries; i++) {
        const policy_entry *e = &pf.entries[i];
        REQUIRE(e->id && policies_file_find(&pf, e->id));
        if (e->is_group)
            check_group(e, data, size);
        else
            check_spec(&e->policy);
    }
    policies_file_free(&pf);
    return 0;
}
