/*
 * expr.h - policy-group expressions: `a() || (b() && !c())`, where every member
 * of the group is a function without arguments returning a bool.  Grammar:
 *
 *     expr    := and ( "||" and )*
 *     and     := unary ( "&&" unary )*
 *     unary   := "!" unary | primary
 *     primary := "(" expr ")" | "true" | "false" | member "(" ")"
 *
 * Compiled once at load time (an unknown member name is a compile error, so
 * a typo cannot wait for the first request to show up) and evaluated with
 * short-circuit: members whose value is not needed are not called.
 */
#ifndef SERVER_EXPR_H
#define SERVER_EXPR_H

#include <stddef.h>

typedef struct group_expr group_expr;

/* NULL on error, with a message that says what and at which offset. */
group_expr *group_expr_compile(const char *text, const char *const *member_names, size_t member_count,
                               char *err, size_t errlen);

/* call(ctx, member_index): 1 true, 0 false, -1 failed (evaluation stops).
 * Returns 1, 0 or -1 likewise. */
typedef int (*group_member_call)(void *ctx, size_t member_index);
int group_expr_eval(const group_expr *expr, group_member_call call, void *ctx);

void group_expr_free(group_expr *expr);

#endif
