/*
 * expr.c - recursive-descent compiler and evaluator of group expressions
 * (see expr.h).  The tree is a flat array of nodes referring to each other by
 * index; depth is limited so that hostile input cannot exhaust the stack.
 */
#include "expr.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXPR_MAX_DEPTH = 64, EXPR_MAX_NODES = 4096 };

typedef enum node_kind { NODE_CONST, NODE_CALL, NODE_NOT, NODE_AND, NODE_OR } node_kind;

typedef struct node {
    node_kind kind;
    int value;                /* NODE_CONST: 0/1; NODE_CALL: member index */
    int left, right;          /* child node indices (NOT uses left) */
} node;

struct group_expr {
    node *nodes;
    int root;
};

typedef struct parser {
    const char *text;
    size_t pos;
    const char *const *names;
    size_t name_count;
    node *nodes;
    int count, cap;
    int depth;
    char *err;
    size_t errlen;
    bool failed;
} parser;

static int fail(parser *p, const char *fmt, ...)
{
    if (!p->failed) {
        p->failed = true;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(p->err, p->errlen, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < p->errlen)
            snprintf(p->err + n, p->errlen - (size_t)n, " (at offset %zu)", p->pos);
    }
    return -1;
}

static void skip_space(parser *p)
{
    while (isspace((unsigned char)p->text[p->pos]))
        p->pos++;
}

static bool accept(parser *p, const char *token)
{
    skip_space(p);
    size_t n = strlen(token);
    if (strncmp(p->text + p->pos, token, n) != 0)
        return false;
    p->pos += n;
    return true;
}

static int add_node(parser *p, node_kind kind, int value, int left, int right)
{
    if (p->failed)
        return -1;
    if (p->count == p->cap) {
        if (p->cap >= EXPR_MAX_NODES)
            return fail(p, "expression too long");
        int cap = p->cap ? p->cap * 2 : 16;
        node *nodes = realloc(p->nodes, (size_t)cap * sizeof *nodes);
        if (!nodes)
            return fail(p, "out of memory");
        p->nodes = nodes;
        p->cap = cap;
    }
    p->nodes[p->count] = (node){kind, value, left, right};
    return p->count++;
}

static int parse_or(parser *p);

static int find_member(parser *p, const char *name, size_t len)
{
    for (size_t i = 0; i < p->name_count; i++)
        if (strlen(p->names[i]) == len && strncmp(p->names[i], name, len) == 0)
            return (int)i;
    return -1;
}

static int parse_identifier(parser *p)
{
    size_t start = p->pos;
    while (isalnum((unsigned char)p->text[p->pos]) || p->text[p->pos] == '_')
        p->pos++;
    const char *name = p->text + start;
    size_t len = p->pos - start;
    if (len == 4 && strncmp(name, "true", 4) == 0)
        return add_node(p, NODE_CONST, 1, -1, -1);
    if (len == 5 && strncmp(name, "false", 5) == 0)
        return add_node(p, NODE_CONST, 0, -1, -1);
    if (!accept(p, "(") || !accept(p, ")")) {
        p->pos = start;
        return fail(p, "'%.*s' is not a call: group members are called as '%.*s()'",
                    (int)len, name, (int)len, name);
    }
    int member = find_member(p, name, len);
    if (member < 0) {
        p->pos = start;
        return fail(p, "function '%.*s()' not found: it is not a member of this group", (int)len, name);
    }
    return add_node(p, NODE_CALL, member, -1, -1);
}

static int parse_primary(parser *p)
{
    skip_space(p);
    char c = p->text[p->pos];
    if (c == '(') {
        p->pos++;
        int inner = parse_or(p);
        if (inner < 0)
            return -1;
        if (!accept(p, ")"))
            return fail(p, "expected ')'");
        return inner;
    }
    if (isalpha((unsigned char)c) || c == '_')
        return parse_identifier(p);
    if (c == '\0')
        return fail(p, "unexpected end of expression");
    return fail(p, "unexpected character '%c'", c);
}

static int parse_unary(parser *p)
{
    if (++p->depth > EXPR_MAX_DEPTH)
        return fail(p, "expression nested too deeply");
    int result;
    skip_space(p);
    if (p->text[p->pos] == '!' && p->text[p->pos + 1] != '=') {
        p->pos++;
        int operand = parse_unary(p);
        result = operand < 0 ? -1 : add_node(p, NODE_NOT, 0, operand, -1);
    } else {
        result = parse_primary(p);
    }
    p->depth--;
    return result;
}

static int parse_and(parser *p)
{
    int left = parse_unary(p);
    while (left >= 0 && accept(p, "&&")) {
        int right = parse_unary(p);
        left = right < 0 ? -1 : add_node(p, NODE_AND, 0, left, right);
    }
    return left;
}

static int parse_or(parser *p)
{
    if (++p->depth > EXPR_MAX_DEPTH)
        return fail(p, "expression nested too deeply");
    int left = parse_and(p);
    while (left >= 0 && accept(p, "||")) {
        int right = parse_and(p);
        left = right < 0 ? -1 : add_node(p, NODE_OR, 0, left, right);
    }
    p->depth--;
    return left;
}

group_expr *group_expr_compile(const char *text, const char *const *member_names, size_t member_count,
                               char *err, size_t errlen)
{
    parser p = {.text = text, .names = member_names, .name_count = member_count, .err = err,
                .errlen = errlen};
    int root = parse_or(&p);
    skip_space(&p);
    if (root >= 0 && p.text[p.pos] != '\0')
        root = fail(&p, "unexpected '%c' after a complete expression", p.text[p.pos]);
    group_expr *expr = root >= 0 ? malloc(sizeof *expr) : NULL;
    if (!expr) {
        if (root >= 0)
            snprintf(err, errlen, "out of memory");
        free(p.nodes);
        return NULL;
    }
    expr->nodes = p.nodes;
    expr->root = root;
    return expr;
}

static int eval_node(const group_expr *e, int index, group_member_call call, void *ctx)
{
    const node *n = &e->nodes[index];
    int v;
    switch (n->kind) {
    case NODE_CONST:
        return n->value;
    case NODE_CALL:
        return call(ctx, (size_t)n->value);
    case NODE_NOT:
        v = eval_node(e, n->left, call, ctx);
        return v < 0 ? v : !v;
    case NODE_AND:
        v = eval_node(e, n->left, call, ctx);
        return v <= 0 ? v : eval_node(e, n->right, call, ctx);
    case NODE_OR:
        v = eval_node(e, n->left, call, ctx);
        return v != 0 ? v : eval_node(e, n->right, call, ctx);
    }
    return -1;
}

int group_expr_eval(const group_expr *expr, group_member_call call, void *ctx)
{
    return eval_node(expr, expr->root, call, ctx);
}

void group_expr_free(group_expr *expr)
{
    if (!expr)
        return;
    free(expr->nodes);
    free(expr);
}
