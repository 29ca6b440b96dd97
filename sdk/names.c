/*
 * names.c - lists of names for policy messages: policies collect the label
 * keys, registries or images at fault as they meet them, and report them
 * sorted and each once, so that a message does not depend on the order of a
 * JSON object's members.
 */
#include "kw.h"

#include <stdlib.h>
#include <string.h>

void kw_names_add(kw_names *l, const char *name)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        const char **v = kw_alloc(cap * sizeof *v);
        if (l->n)
            memcpy(v, l->v, l->n * sizeof *v);
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = name;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void kw_names_sort_unique(kw_names *l)
{
    if (l->n == 0)
        return;
    qsort(l->v, l->n, sizeof *l->v, by_name);
    size_t kept = 1;
    for (size_t i = 1; i < l->n; i++)
        if (strcmp(l->v[i], l->v[kept - 1]) != 0)
            l->v[kept++] = l->v[i];
    l->n = kept;
}

bool kw_names_has(const kw_names *l, const char *name)
{
    return l->n && bsearch(&name, l->v, l->n, sizeof *l->v, by_name) != NULL;
}

void kw_buf_names(kw_buf *b, const kw_names *l, const char *separator)
{
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            kw_buf_puts(b, separator);
        kw_buf_puts(b, l->v[i]);
    }
}
