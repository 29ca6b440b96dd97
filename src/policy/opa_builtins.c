/*
 * opa_builtins.c - the Rego builtins the host implements (the ones `opa build
 * -t wasm` leaves to the host; spec §2.6, docs/policy.md for the list and the
 * differences from Go).  A module that needs a builtin missing from `table`
 * fails to load with "Missing Rego builtins: <names>".
 *
 * Each builtin gets its arguments as JSON values and answers one, or an error
 * text, which fails the evaluation (a 500 rejection naming the builtin).
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opa_internal.h"

const char *opa_string_result(const opa_builtin_env *env, json_buf *b, json_value **out)
{
    *out = b->oom ? NULL : json_new_string(env->arena, b->len ? b->data : "", b->len);
    json_buf_free(b);
    return *out ? NULL : "out of memory";
}

static const char *bool_result(const opa_builtin_env *env, bool v, json_value **out)
{
    *out = json_new_bool(env->arena, v);
    return *out ? NULL : "out of memory";
}

/* ---- trace ------------------------------------------------------------------ */

static const char *b_trace(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    OPA_ARG_STRING(0, "note");
    policy_log(env->rt, POLICY_LOG_INFO, env->policy_id, args[0]->u.str, "{\"source\":\"rego trace\"}");
    return bool_result(env, true, out);
}

/* ---- JSON and YAML ---------------------------------------------------------- */

static const char *b_json_is_valid(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    json_error jerr;
    bool ok = args[0]->type == JSON_STRING && json_parse(env->arena, args[0]->u.str, args[0]->len, &jerr);
    return bool_result(env, ok, out);
}

static const char *b_yaml_is_valid(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    json_error jerr;
    bool ok = args[0]->type == JSON_STRING && json_parse_yaml(env->arena, args[0]->u.str, args[0]->len, &jerr);
    return bool_result(env, ok, out);
}

static const char *b_yaml_unmarshal(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    OPA_ARG_STRING(0, "YAML text");
    json_error jerr;
    *out = json_parse_yaml(env->arena, args[0]->u.str, args[0]->len, &jerr);
    return *out ? NULL : arena_printf(env->arena, "%s", jerr.message);
}

/* Go's yaml.Marshal writes no document marker: drop ours. */
static const char *b_yaml_marshal(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    json_buf b;
    json_buf_init(&b);
    if (json_write_yaml(&b, args[0]) < 0) {
        json_buf_free(&b);
        return "cannot write YAML";
    }
    size_t skip = 0;
    if (b.len >= 4 && memcmp(b.data, "---\n", 4) == 0)
        skip = 4;
    else if (b.len >= 4 && memcmp(b.data, "--- ", 4) == 0)
        skip = 4;
    *out = b.oom ? NULL : json_new_string(env->arena, b.data + skip, b.len - skip);
    json_buf_free(&b);
    return *out ? NULL : "out of memory";
}

static const char *b_json_patch(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    if (args[1]->type != JSON_ARRAY)
        return "operand 2 must be an array of patch operations";
    const char *why = NULL;
    *out = opa_json_patch_apply(env->arena, args[0], args[1], &why);
    return *out ? NULL : why;
}

static const char *b_sprintf(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    OPA_ARG_STRING(0, "format");
    if (args[1]->type != JSON_ARRAY)
        return "operand 2 must be an array of values";
    const char *why = NULL;
    const char *s = opa_sprintf(env->arena, args[0]->u.str, args[1], &why);
    if (!s)
        return why;
    *out = json_new_string(env->arena, s, strlen(s));
    return *out ? NULL : "out of memory";
}

/* ---- encodings ---------------------------------------------------------------- */

static const char hexdigits[] = "0123456789abcdef";

static const char *b_hex_encode(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    OPA_ARG_STRING(0, "text");
    json_buf b;
    json_buf_init(&b);
    for (size_t i = 0; i < args[0]->len; i++) {
        unsigned char c = (unsigned char)args[0]->u.str[i];
        char pair[2] = { hexdigits[c >> 4], hexdigits[c & 15] };
        json_buf_append(&b, pair, 2);
    }
    return opa_string_result(env, &b, out);
}

int opa_hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static const char *b_hex_decode(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    OPA_ARG_STRING(0, "hex text");
    const char *s = args[0]->u.str;
    if (args[0]->len % 2)
        return "odd length hex string";
    json_buf b;
    json_buf_init(&b);
    for (size_t i = 0; i < args[0]->len; i += 2) {
        int hi = opa_hex_digit(s[i]), lo = opa_hex_digit(s[i + 1]);
        if (hi < 0 || lo < 0) {
            json_buf_free(&b);
            return arena_printf(env->arena, "invalid byte at offset %zu", hi < 0 ? i : i + 1);
        }
        char c = (char)(hi << 4 | lo);
        json_buf_append(&b, &c, 1);
    }
    if (!utf8_valid(b.data ? b.data : "", b.len)) {
        json_buf_free(&b);
        return "the decoded bytes are not UTF-8 text";
    }
    return opa_string_result(env, &b, out);
}

static const char *b_base64url_encode_no_pad(const opa_builtin_env *env, const json_value *const *args,
                                             json_value **out)
{
    OPA_ARG_STRING(0, "text");
    json_buf b;
    json_buf_init(&b);
    base64_encode(&b, args[0]->u.str, args[0]->len);
    while (b.len && b.data[b.len - 1] == '=')
        b.data[--b.len] = '\0';
    for (size_t i = 0; i < b.len; i++)
        b.data[i] = b.data[i] == '+' ? '-' : b.data[i] == '/' ? '_' : b.data[i];
    return opa_string_result(env, &b, out);
}

/* gobwas/glob's QuoteMeta: a backslash before each of * ? \ [ ] { }. */
static const char *b_glob_quote_meta(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    OPA_ARG_STRING(0, "pattern");
    json_buf b;
    json_buf_init(&b);
    for (size_t i = 0; i < args[0]->len; i++) {
        char c = args[0]->u.str[i];
        if (c && strchr("*?\\[]{}", c))
            json_buf_puts(&b, "\\");
        json_buf_append(&b, &c, 1);
    }
    return opa_string_result(env, &b, out);
}

/* ---- semantic versions (semver.org 2.0.0) --------------------------------------- */

typedef struct semver {
    unsigned long long major, minor, patch;
    const char *pre;                 /* after '-', up to '+' or the end; NULL when none */
    size_t pre_len;
} semver;

static bool numeric_part(const char *s, size_t n)
{
    if (n == 0 || (n > 1 && s[0] == '0'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Dot-separated identifiers of [0-9A-Za-z-], none empty; numeric ones without leading zeros (pre-release). */
static bool identifiers(const char *s, size_t n, bool pre)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') {
            char c = s[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'))
                return false;
            continue;
        }
        size_t len = i - start;
        if (len == 0)
            return false;
        bool digits = strspn(s + start, "0123456789") >= len;
        if (pre && digits && len > 1 && s[start] == '0')
            return false;
        start = i + 1;
    }
    return true;
}

static bool semver_parse(const char *s, size_t n, semver *v)
{
    const char *end = s + n, *p = s;
    unsigned long long *parts[3] = { &v->major, &v->minor, &v->patch };
    for (int k = 0; k < 3; k++) {
        const char *q = p;
        while (q < end && *q >= '0' && *q <= '9')
            q++;
        if (!numeric_part(p, (size_t)(q - p)) || q - p > 18)
            return false;
        *parts[k] = strtoull(p, NULL, 10);
        p = q;
        if (k < 2) {
            if (p >= end || *p != '.')
                return false;
            p++;
        }
    }
    v->pre = NULL;
    v->pre_len = 0;
    const char *plus = memchr(p, '+', (size_t)(end - p));
    const char *pre_end = plus ? plus : end;
    if (p < pre_end) {
        if (*p != '-' || !identifiers(p + 1, (size_t)(pre_end - p - 1), true))
            return false;
        v->pre = p + 1;
        v->pre_len = (size_t)(pre_end - p - 1);
    }
    return !plus || identifiers(plus + 1, (size_t)(end - plus - 1), false);
}

static int cmp_ull(unsigned long long a, unsigned long long b) { return a < b ? -1 : a > b; }

/* Pre-release precedence: identifier by identifier, numbers below strings. */
static int cmp_pre(const semver *a, const semver *b)
{
    if (!a->pre || !b->pre)
        return a->pre ? -1 : b->pre ? 1 : 0;
    const char *p = a->pre, *pe = a->pre + a->pre_len, *q = b->pre, *qe = b->pre + b->pre_len;
    while (p < pe && q < qe) {
        size_t ln = strcspn(p, "."), lq = strcspn(q, ".");
        if (p + ln > pe) ln = (size_t)(pe - p);
        if (q + lq > qe) lq = (size_t)(qe - q);
        bool np = strspn(p, "0123456789") >= ln, nq = strspn(q, "0123456789") >= lq;
        int c;
        if (np && nq)
            c = ln != lq ? (ln < lq ? -1 : 1) : memcmp(p, q, ln);
        else if (np != nq)
            c = np ? -1 : 1;
        else {
            c = memcmp(p, q, ln < lq ? ln : lq);
            if (c == 0)
                c = ln < lq ? -1 : ln > lq;
        }
        if (c)
            return c < 0 ? -1 : 1;
        p += ln + 1;
        q += lq + 1;
    }
    return p < pe ? 1 : q < qe ? -1 : 0;
}

static const char *b_semver_is_valid(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    semver v;
    return bool_result(env, args[0]->type == JSON_STRING && semver_parse(args[0]->u.str, args[0]->len, &v), out);
}

static const char *b_semver_compare(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    semver a, b;
    for (int i = 0; i < 2; i++)
        if (args[i]->type != JSON_STRING || !semver_parse(args[i]->u.str, args[i]->len, i ? &b : &a))
            return arena_printf(env->arena, "operand %d is not a valid semantic version", i + 1);
    int c = cmp_ull(a.major, b.major);
    if (!c) c = cmp_ull(a.minor, b.minor);
    if (!c) c = cmp_ull(a.patch, b.patch);
    if (!c) c = cmp_pre(&a, &b);
    *out = json_new_int(env->arena, c);
    return *out ? NULL : "out of memory";
}

/* ---- regular expressions (POSIX extended, see docs/policy.md) -------------------- */

/* Back-references are refused, as RE2 refuses them: they are also what makes
 * glibc's matcher exponential, and a host function cannot be interrupted. */
static const char *compile_regex(const opa_builtin_env *env, const json_value *pattern, regex_t *re)
{
    for (const char *p = pattern->u.str; *p; p++) {
        if (*p == '\\' && p[1] >= '1' && p[1] <= '9')
            return arena_printf(env->arena, "error parsing regexp: invalid escape sequence: `\\%c`", p[1]);
        if (*p == '\\' && p[1])
            p++;
    }
    int rc = regcomp(re, pattern->u.str, REG_EXTENDED);
    if (rc == 0)
        return NULL;
    char msg[128];
    regerror(rc, re, msg, sizeof msg);
    return arena_printf(env->arena, "error parsing regexp: %s: `%s`", msg, pattern->u.str);
}

/* Go's FindAllStringIndex: up to `max` (-1: all) matches, left to right; an
 * empty match right after the previous match is skipped.  Offsets in *spans
 * (pairs, arena); -1 out of memory. */
static int find_all(json_arena *a, regex_t *re, const char *s, size_t len, int64_t max, size_t **spans,
                    size_t *count)
{
    size_t cap = 8, n = 0, pos = 0;
    long long prev_end = -1;
    size_t *out = json_arena_alloc(a, cap * 2 * sizeof *out);
    while (out && (max < 0 || (int64_t)n < max) && pos <= len) {
        regmatch_t m;
        if (regexec(re, s + pos, 1, &m, pos ? REG_NOTBOL : 0) != 0)
            break;
        size_t from = pos + (size_t)m.rm_so, to = pos + (size_t)m.rm_eo;
        bool accept = !(to == from && (long long)from == prev_end);
        pos = to > from ? to : to + 1;
        prev_end = (long long)to;
        if (!accept)
            continue;
        if (n == cap) {
            size_t *bigger = json_arena_alloc(a, cap * 4 * sizeof *out);
            if (!bigger)
                return -1;
            memcpy(bigger, out, cap * 2 * sizeof *out);
            out = bigger;
            cap *= 2;
        }
        out[2 * n] = from;
        out[2 * n + 1] = to;
        n++;
    }
    *spans = out;
    *count = n;
    return out ? 0 : -1;
}

static const char *b_regex_find_n(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    OPA_ARG_STRING(0, "pattern");
    OPA_ARG_STRING(1, "text");
    int64_t max;
    if (!json_is_integer(args[2], &max))
        return "operand 3 must be an integer";
    regex_t re;
    const char *why = compile_regex(env, args[0], &re);
    if (why)
        return why;
    size_t *spans, n = 0;
    const char *s = args[1]->u.str;
    json_value *list = json_new_array(env->arena);
    int rc = list ? find_all(env->arena, &re, s, args[1]->len, max, &spans, &n) : -1;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = json_array_push(env->arena, list, json_new_string(env->arena, s + spans[2 * i],
                                                                spans[2 * i + 1] - spans[2 * i]));
    regfree(&re);
    *out = list;
    return rc < 0 ? "out of memory" : NULL;
}

/* Go's Regexp.Split(s, -1): the pieces between the matches, as Go cuts them
 * (a match ending at offset 0 cuts nothing; the rest after the last match is a
 * piece unless that match started at the end). */
static const char *b_regex_split(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    OPA_ARG_STRING(0, "pattern");
    OPA_ARG_STRING(1, "text");
    regex_t re;
    const char *why = compile_regex(env, args[0], &re);
    if (why)
        return why;
    const char *s = args[1]->u.str;
    size_t len = args[1]->len, *spans, n = 0, beg = 0, end = 0;
    json_value *list = json_new_array(env->arena);
    int rc = list ? find_all(env->arena, &re, s, len, -1, &spans, &n) : -1;
    if (rc == 0 && len == 0 && args[0]->len > 0)
        n = 0;                                    /* Go: [""] for an empty text */
    for (size_t i = 0; rc == 0 && i < n; i++) {
        end = spans[2 * i];
        if (spans[2 * i + 1] != 0)
            rc = json_array_push(env->arena, list, json_new_string(env->arena, s + beg, end - beg));
        beg = spans[2 * i + 1];
    }
    if (rc == 0 && (end != len || n == 0))
        rc = json_array_push(env->arena, list, json_new_string(env->arena, s + beg, len - beg));
    regfree(&re);
    *out = list;
    return rc < 0 ? "out of memory" : NULL;
}

/* regex.template_match(template, value, start, end): the parts of the template
 * between the delimiters are regular expressions, the rest is literal; the
 * whole value must match.  Delimiters nest (counted), as OPA's parser does. */
static const char *template_regex(json_arena *a, const char *t, char open, char close, json_buf *re)
{
    json_buf_puts(re, "^");
    for (const char *p = t; *p;) {
        if (*p == close)
            return arena_printf(a, "unbalanced '%c' in template at offset %zu", close, (size_t)(p - t));
        if (*p != open) {
            if (strchr("\\^$.|?*+()[]{}", *p))
                json_buf_puts(re, "\\");
            json_buf_append(re, p++, 1);
            continue;
        }
        const char *start = ++p;
        int depth = 1;
        while (*p && (depth += (*p == open) - (*p == close)) > 0)
            p++;
        if (!*p)
            return arena_printf(a, "unbalanced '%c' in template at offset %zu", open, (size_t)(start - 1 - t));
        json_buf_puts(re, "(");
        json_buf_append(re, start, (size_t)(p - start));
        json_buf_puts(re, ")");
        p++;
    }
    json_buf_puts(re, "$");
    return NULL;
}

static const char *b_regex_template_match(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    OPA_ARG_STRING(0, "template");
    OPA_ARG_STRING(1, "value");
    OPA_ARG_STRING(2, "start delimiter");
    OPA_ARG_STRING(3, "end delimiter");
    if (args[2]->len != 1 || args[3]->len != 1)
        return "the delimiters must be one character each";
    json_buf text;
    json_buf_init(&text);
    const char *why = template_regex(env->arena, args[0]->u.str, args[2]->u.str[0], args[3]->u.str[0], &text);
    json_value pattern = { .type = JSON_STRING };
    pattern.u.str = text.data ? text.data : "";
    regex_t re;
    if (!why && text.oom)
        why = "out of memory";
    if (!why && !(why = compile_regex(env, &pattern, &re))) {
        bool match = regexec(&re, args[1]->u.str, 0, NULL, 0) == 0;
        regfree(&re);
        why = bool_result(env, match, out);
    }
    json_buf_free(&text);
    return why;
}

/* ---- the table ------------------------------------------------------------------ */

static const opa_builtin_def table[] = {
    { "base64url.encode_no_pad", 1, b_base64url_encode_no_pad },
    { "glob.quote_meta", 1, b_glob_quote_meta },
    { "hex.decode", 1, b_hex_decode },
    { "hex.encode", 1, b_hex_encode },
    { "json.is_valid", 1, b_json_is_valid },
    { "json.patch", 2, b_json_patch },
    { "regex.find_n", 3, b_regex_find_n },
    { "regex.split", 2, b_regex_split },
    { "regex.template_match", 4, b_regex_template_match },
    { "semver.compare", 2, b_semver_compare },
    { "semver.is_valid", 1, b_semver_is_valid },
    { "sprintf", 2, b_sprintf },
    { "time.date", 1, opa_time_date },
    { "time.now_ns", 0, opa_time_now_ns },
    { "time.parse_rfc3339_ns", 1, opa_time_parse_rfc3339_ns },
    { "trace", 1, b_trace },
    { "urlquery.decode", 1, opa_urlquery_decode },
    { "urlquery.decode_object", 1, opa_urlquery_decode_object },
    { "urlquery.encode", 1, opa_urlquery_encode },
    { "urlquery.encode_object", 1, opa_urlquery_encode_object },
    { "yaml.is_valid", 1, b_yaml_is_valid },
    { "yaml.marshal", 1, b_yaml_marshal },
    { "yaml.unmarshal", 1, b_yaml_unmarshal },
};

const opa_builtin_def *opa_builtin_find(const char *name)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}
