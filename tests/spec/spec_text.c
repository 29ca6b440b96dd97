/*
 * spec_text.c - finding module texts in a .wast script (just enough of the
 * script syntax: parentheses, strings, comments) and converting them.
 */
#include "spec_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wat.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = NULL;
    long size;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (data = malloc((size_t)size + 1))) {
        if (fread(data, 1, (size_t)size, f) != (size_t)size) {
            free(data);
            data = NULL;
        } else {
            data[size] = 0;
            *len = (size_t)size;
        }
    }
    fclose(f);
    return data;
}

int spec_source_read(spec_source *src, const char *path)
{
    src->text = slurp(path, &src->len);
    return src->text ? 0 : -1;
}

void spec_source_free(spec_source *src)
{
    free(src->text);
    src->text = NULL;
}

/* Past a comment or string starting at i, else i itself. */
static size_t skip_atom(const char *s, size_t n, size_t i)
{
    if (s[i] == ';' && i + 1 < n && s[i + 1] == ';') {
        while (i < n && s[i] != '\n')
            i++;
        return i;
    }
    if (s[i] == '(' && i + 1 < n && s[i + 1] == ';') {
        int depth = 0;
        while (i + 1 < n) {
            if (s[i] == '(' && s[i + 1] == ';')
                depth++, i += 2;
            else if (s[i] == ';' && s[i + 1] == ')') {
                i += 2;
                if (--depth == 0)
                    return i;
            } else
                i++;
        }
        return n;
    }
    if (s[i] == '"') {
        for (i++; i < n && s[i] != '"'; i++)
            if (s[i] == '\\')
                i++;
        return i < n ? i + 1 : n;
    }
    return i;
}

/* Past the parenthesised form starting at s[i] == '(' (n when unclosed). */
static size_t skip_form(const char *s, size_t n, size_t i)
{
    int depth = 0;
    while (i < n) {
        size_t j = skip_atom(s, n, i);
        if (j != i) {
            i = j;
            continue;
        }
        if (s[i] == '(')
            depth++;
        else if (s[i] == ')' && --depth == 0)
            return i + 1;
        i++;
    }
    return n;
}

/* Skips whitespace and comments. */
static size_t skip_space(const char *s, size_t n, size_t i)
{
    while (i < n) {
        size_t j = skip_atom(s, n, i);
        if (j != i && s[i] != '"')
            i = j;
        else if (strchr(" \t\r\n", s[i]))
            i++;
        else
            break;
    }
    return i;
}

static bool is_field(const char *s, size_t n, size_t i)
{
    static const char *fields[] = { "type", "import", "func", "table", "memory", "global", "export", "start",
                                    "elem", "data" };
    if (i >= n || s[i] != '(')
        return false;
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        size_t len = strlen(fields[k]);
        if (i + 1 + len < n && strncmp(s + i + 1, fields[k], len) == 0 && strchr(" \t\r\n()", s[i + 1 + len]))
            return true;
    }
    return false;
}

int spec_source_module(const spec_source *src, int line, const char **start, size_t *len)
{
    const char *s = src->text;
    size_t n = src->len, i = 0;
    for (int l = 1; l < line && i < n; i++)
        if (s[i] == '\n')
            l++;
    i = skip_space(s, n, i);
    if (is_field(s, n, i)) {
        /* a script that is a bare list of module fields (inline-module.wast) */
        size_t begin = i;
        while (is_field(s, n, i))
            i = skip_space(s, n, skip_form(s, n, i));
        *start = s + begin;
        *len = i - begin;
        return 0;
    }
    while (i < n) {
        size_t j = skip_atom(s, n, i);
        if (j != i) {
            i = j;
            continue;
        }
        if (strncmp(s + i, "(module", 7) == 0 && (i + 7 >= n || strchr(" \t\r\n()", s[i + 7])))
            break;
        i++;
    }
    if (i >= n)
        return -1;
    size_t begin = i;
    int depth = 0;
    while (i < n) {
        size_t j = skip_atom(s, n, i);
        if (j != i) {
            i = j;
            continue;
        }
        if (s[i] == '(')
            depth++;
        else if (s[i] == ')' && --depth == 0)
            break;
        i++;
    }
    if (i >= n)
        return -1;
    *start = s + begin;
    *len = i + 1 - begin;
    return 0;
}

int spec_source_convert(const spec_source *src, int line, uint8_t **bin, size_t *bin_len, char *err, size_t errlen)
{
    const char *text;
    size_t len;
    if (spec_source_module(src, line, &text, &len) != 0) {
        snprintf(err, errlen, "no (module ...) at line %d of the script", line);
        return -1;
    }
    return wat_to_wasm(text, len, bin, bin_len, err, errlen);
}

int spec_wat_file_convert(const char *path, char *err, size_t errlen)
{
    size_t len;
    char *text = slurp(path, &len);
    if (!text) {
        snprintf(err, errlen, "runner: cannot read %.400s", path);
        return -2;
    }
    uint8_t *bin = NULL;
    size_t bin_len;
    int status = wat_to_wasm(text, len, &bin, &bin_len, err, errlen);
    free(bin);
    free(text);
    return status;
}
