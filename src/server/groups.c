/*
 * groups.c - policy-group evaluation (spec §2.7): the expression calls members
 * on demand (short-circuit), each member's verdict is its `allowed`, a member
 * that tries to mutate counts as false, and each member that said false adds a
 * cause to the group's rejection.
 */
#include "app.h"

#include <stdio.h>
#include <string.h>

#define MSG_GROUP_MUTATION "mutation is not allowed inside of policy group"

typedef struct group_call {
    const loaded_policy *lp;
    json_arena *a;
    const json_value *request;
    const char *request_text;
    size_t request_text_len;
    bool raw;
    policy_status_cause *causes;        /* one per member at most: each is called at most once */
    size_t n_causes;
    bool *called, *results;
} group_call;

static int add_cause(group_call *g, size_t member, const char *message)
{
    char field[512];
    int n = snprintf(field, sizeof field, "spec.policies.%s", g->lp->entry->members[member].name);
    const char *f = json_arena_strdup(g->a, field, n < (int)sizeof field ? (size_t)n : sizeof field - 1);
    if (!f)
        return -1;
    g->causes[g->n_causes++] = (policy_status_cause){NULL, message, f};
    return 0;
}

/* A member is a pure function of the request, so a second call in the same
 * expression (e.g. `a() || (b() && a())`) reuses the first verdict. */
static int call_member(void *ctx, size_t member)
{
    group_call *g = ctx;
    if (g->called[member])
        return g->results[member];
    policy_response r;
    memset(&r, 0, sizeof r);
    int (*validate)(const policy *, json_arena *, const json_value *, const char *, size_t, policy_response *) =
        g->raw ? policy_validate_raw : policy_validate;
    if (validate(g->lp->members[member], g->a, g->request, g->request_text, g->request_text_len, &r))
        return -1;
    bool ok = r.allowed && !r.patch;
    const char *message = r.patch ? MSG_GROUP_MUTATION : (r.has_status ? r.status.message : NULL);
    if (!ok && add_cause(g, member, message))
        return -1;
    g->called[member] = true;
    g->results[member] = ok;
    return ok;
}

int group_evaluate(const loaded_policy *lp, json_arena *a, const json_value *request,
                   const char *request_text, size_t request_text_len, const char *uid,
                   bool raw, policy_response *out)
{
    size_t n = lp->entry->n_members;
    group_call g = {
        .lp = lp, .a = a, .request = request, .request_text = request_text,
        .request_text_len = request_text_len, .raw = raw,
        .causes = json_arena_alloc(a, n * sizeof *g.causes),
        .called = json_arena_alloc(a, n * sizeof *g.called),
        .results = json_arena_alloc(a, n * sizeof *g.results),
    };
    if (!g.causes || !g.called || !g.results)
        return -1;
    memset(g.called, 0, n * sizeof *g.called);
    int verdict = group_expr_eval(lp->expr, call_member, &g);
    memset(out, 0, sizeof *out);
    out->uid = uid;
    if (verdict < 0) {
        policy_response_reject(out, uid, "error evaluating policy group expression: a member could not be "
                               "evaluated (out of memory)", 500);
        return 0;
    }
    out->allowed = verdict == 1;
    if (!out->allowed) {
        out->has_status = true;
        out->status.message = lp->entry->message;
        out->status.causes = g.causes;
        out->status.n_causes = g.n_causes;
    }
    return 0;
}
