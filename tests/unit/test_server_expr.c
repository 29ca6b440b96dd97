/*
 * test_server_expr.c - policy-group expressions: grammar, precedence,
 * short-circuit, errors.
 */
#include "../../src/server/expr.h"
#include "test.h"

#include <string.h>

static const char *names[] = {"a", "b", "c", "reject_latest"};

typedef struct calls {
    int values[4];            /* what each member returns */
    int count[4];             /* how often it was called */
    char order[16];           /* members called, in order */
} calls;

static int call(void *ctx, size_t member)
{
    calls *c = ctx;
    c->count[member]++;
    size_t n = strlen(c->order);
    if (n + 1 < sizeof c->order)
        c->order[n] = (char)('a' + member);
    return c->values[member];
}

/* Evaluates `text` with members a,b,c,reject_latest = va,vb,vc,vd. */
static int eval(const char *text, int va, int vb, int vc, int vd, calls *c)
{
    char err[256];
    memset(c, 0, sizeof *c);
    c->values[0] = va, c->values[1] = vb, c->values[2] = vc, c->values[3] = vd;
    group_expr *e = group_expr_compile(text, names, 4, err, sizeof err);
    if (!e) {
        fprintf(stderr, "compile '%s': %s\n", text, err);
        return -2;
    }
    int v = group_expr_eval(e, call, c);
    group_expr_free(e);
    return v;
}

static void test_values(void)
{
    calls c;
    CHECK_INT(eval("a()", 1, 0, 0, 0, &c), 1);
    CHECK_INT(eval("!a()", 1, 0, 0, 0, &c), 0);
    CHECK_INT(eval("a() && b()", 1, 0, 0, 0, &c), 0);
    CHECK_INT(eval("a() || b()", 0, 1, 0, 0, &c), 1);
    CHECK_INT(eval("true", 0, 0, 0, 0, &c), 1);
    CHECK_INT(eval("false || !false", 0, 0, 0, 0, &c), 1);
    CHECK_INT(eval("  ( a() )  ", 1, 0, 0, 0, &c), 1);
    CHECK_INT(eval("!!a()", 1, 0, 0, 0, &c), 1);
    CHECK_INT(eval("reject_latest()", 0, 0, 0, 1, &c), 1);
    /* && binds tighter than || */
    CHECK_INT(eval("a() || b() && c()", 1, 0, 0, 0, &c), 1);
    CHECK_INT(eval("(a() || b()) && c()", 1, 0, 0, 0, &c), 0);
    CHECK_INT(eval("a() && b() || c()", 0, 0, 1, 0, &c), 1);
    /* ! binds tighter than && */
    CHECK_INT(eval("!a() && b()", 0, 1, 0, 0, &c), 1);
    CHECK_INT(eval("!(a() && b())", 1, 1, 0, 0, &c), 0);
}

static void test_short_circuit(void)
{
    calls c;
    CHECK_INT(eval("a() || (b() && !c())", 1, 1, 1, 0, &c), 1);
    CHECK_STR(c.order, "a");
    CHECK_INT(eval("a() || (b() && !c())", 0, 0, 1, 0, &c), 0);
    CHECK_STR(c.order, "ab");
    CHECK_INT(eval("a() || (b() && !c())", 0, 1, 0, 0, &c), 1);
    CHECK_STR(c.order, "abc");
    CHECK_INT(eval("false && a()", 1, 0, 0, 0, &c), 0);
    CHECK_INT(c.count[0], 0);
    /* a failing member stops evaluation */
    CHECK_INT(eval("a() || b()", -1, 1, 0, 0, &c), -1);
    CHECK_INT(c.count[1], 0);
    CHECK_INT(eval("!a()", -1, 0, 0, 0, &c), -1);
}

static void expect_compile_error(const char *text, const char *want)
{
    char err[256] = "";
    group_expr *e = group_expr_compile(text, names, 4, err, sizeof err);
    CHECK(e == NULL);
    if (!strstr(err, want))
        fprintf(stderr, "'%s': error '%s' lacks '%s'\n", text, err, want);
    CHECK(strstr(err, want) != NULL);
    group_expr_free(e);
}

static void test_errors(void)
{
    expect_compile_error("", "unexpected end");
    expect_compile_error("a() &&", "unexpected end");
    expect_compile_error("d()", "function 'd()' not found");
    expect_compile_error("a", "not a call");
    expect_compile_error("a(", "not a call");
    expect_compile_error("(a()", "expected ')'");
    expect_compile_error("a())", "unexpected ')'");
    expect_compile_error("a() & b()", "unexpected '&'");
    expect_compile_error("a() b()", "unexpected 'b'");
    expect_compile_error("a() == true", "unexpected '='");
    expect_compile_error("1", "unexpected character '1'");
    expect_compile_error("d()", "offset 0");
    char deep[400];
    memset(deep, '(', 200);
    strcpy(deep + 200, "a()");
    memset(deep + 203, ')', 150);
    deep[353] = '\0';
    expect_compile_error(deep, "nested too deeply");
    char bangs[300];
    memset(bangs, '!', 200);
    strcpy(bangs + 200, "a()");
    expect_compile_error(bangs, "nested too deeply");
}

int main(void)
{
    test_values();
    test_short_circuit();
    test_errors();
    TEST_DONE();
}
