/*
 * opa_url.c - the urlquery.* Rego builtins, as Go's net/url does them:
 * QueryEscape (unreserved bytes kept, space as '+', the rest %XX),
 * QueryUnescape ('+' is a space; a bad escape is an error), Values.Encode
 * (keys sorted, k=v pairs joined by '&') and ParseQuery (pairs split on '&',
 * a ';' is an error, a key without '=' has the value "").
 */
#include <stdlib.h>
#include <string.h>

#include "opa_internal.h"

static void escape(json_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (c && strchr("-_.~", c))) {
            json_buf_append(b, &c, 1);
        } else if (c == ' ') {
            json_buf_puts(b, "+");
        } else {
            char esc[3] = { '%', hex[c >> 4], hex[c & 15] };
            json_buf_append(b, esc, 3);
        }
    }
}

/* Appends the unescaped s[0..n); NULL, or the error text. */
static const char *unescape(json_arena *a, json_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = i + 2 < n ? opa_hex_digit(s[i + 1]) : -1;
            int lo = hi >= 0 ? opa_hex_digit(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return arena_printf(a, "invalid URL escape \"%.*s\"", (int)(n - i < 3 ? n - i : 3), s + i);
            c = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        json_buf_append(b, &c, 1);
    }
    return NULL;
}

const char *opa_urlquery_encode(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    OPA_ARG_STRING(0, "text");
    json_buf b;
    json_buf_init(&b);
    escape(&b, args[0]->u.str, args[0]->len);
    return opa_string_result(env, &b, out);
}

const char *opa_urlquery_decode(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    OPA_ARG_STRING(0, "query text");
    json_buf b;
    json_buf_init(&b);
    const char *why = unescape(env->arena, &b, args[0]->u.str, args[0]->len);
    if (!why && !utf8_valid(b.data ? b.data : "", b.len))
        why = "the decoded bytes are not UTF-8 text";
    if (why) {
        json_buf_free(&b);
        return why;
    }
    return opa_string_result(env, &b, out);
}

static int by_key(const void *x, const void *y)
{
    const json_member *a = x, *b = y;
    return strcmp(a->key, b->key);
}

/* {"k": "v" | ["v", ...]} -> "k=v&k=v2", keys sorted. */
const char *opa_urlquery_encode_object(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    const json_value *obj = args[0];
    if (obj->type != JSON_OBJECT)
        return "operand 1 must be an object";
    json_member *sorted = json_arena_alloc(env->arena, (obj->len + 1) * sizeof *sorted);
    if (!sorted)
        return "out of memory";
    if (obj->len)
        memcpy(sorted, obj->u.members, obj->len * sizeof *sorted);
    qsort(sorted, obj->len, sizeof *sorted, by_key);
    json_buf b;
    json_buf_init(&b);
    for (size_t i = 0; i < obj->len; i++) {
        const json_value *v = sorted[i].value;
        size_t n = v->type == JSON_ARRAY ? v->len : 1;
        for (size_t k = 0; k < n; k++) {
            const json_value *item = v->type == JSON_ARRAY ? v->u.items[k] : v;
            if (item->type != JSON_STRING) {
                json_buf_free(&b);
                return arena_printf(env->arena, "the value of '%s' must be a string or an array of strings",
                                    sorted[i].key);
            }
            json_buf_puts(&b, b.len ? "&" : "");
            escape(&b, sorted[i].key, sorted[i].key_len);
            json_buf_puts(&b, "=");
            escape(&b, item->u.str, item->len);
        }
    }
    return opa_string_result(env, &b, out);
}

/* Appends the decoded value to the array of `key` in `obj`, creating it. */
static int add_value(json_arena *a, json_value *obj, const char *key, const char *value, size_t len)
{
    json_value *list = (json_value *)json_get(obj, key);
    if (!list) {
        if (!(list = json_new_array(a)) || json_object_set(a, obj, key, list) < 0)
            return -1;
    }
    return json_array_push(a, list, json_new_string(a, value, len));
}

/* "a=1&b=2&a=3" -> {"a": ["1", "3"], "b": ["2"]} */
const char *opa_urlquery_decode_object(const opa_builtin_env *env, const json_value *const *args, json_value **out)
{
    OPA_ARG_STRING(0, "query text");
    json_value *obj = json_new_object(env->arena);
    const char *s = args[0]->u.str, *end = s + args[0]->len;
    json_buf key, value;
    json_buf_init(&key);
    json_buf_init(&value);
    const char *why = obj ? NULL : "out of memory";
    while (!why && s < end) {
        size_t n = strcspn(s, "&");
        const char *pair = s;
        s += n + (s + n < end);
        if (n == 0)
            continue;
        if (memchr(pair, ';', n)) {
            why = "invalid semicolon separator in query";
            break;
        }
        const char *eq = memchr(pair, '=', n);
        size_t klen = eq ? (size_t)(eq - pair) : n;
        json_buf_reset(&key);
        json_buf_reset(&value);
        why = unescape(env->arena, &key, pair, klen);
        if (!why && eq)
            why = unescape(env->arena, &value, eq + 1, n - klen - 1);
        if (!why && (!utf8_valid(key.data ? key.data : "", key.len) ||
                     !utf8_valid(value.data ? value.data : "", value.len)))
            why = "the decoded bytes are not UTF-8 text";
        json_buf_append(&key, "", 1);            /* a NUL, for a key of no bytes */
        if (!why && (key.oom || value.oom || add_value(env->arena, obj, key.data, value.data ? value.data : "",
                                                       value.len) < 0))
            why = "out of memory";
    }
    json_buf_free(&key);
    json_buf_free(&value);
    *out = obj;
    return why;
}
