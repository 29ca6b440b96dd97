/*
 * test_sdk.c - unit tests of the policy SDK compiled natively: JSON reader
 * (validation errors, navigation, strings), writer, splicing, regexps and
 * image references.
 */
#include "../../sdk/kw.h"
#include "../unit/test.h"

#include <stdint.h>

static kw_val parse(const char *text)
{
    kw_val v = KW_NONE;
    char err[96];
    if (kw_parse(text, strlen(text), &v, err, sizeof err) != 0)
        fprintf(stderr, "parse failed: %s: %s\n", text, err);
    return v;
}

static const char *parse_error(const char *text)
{
    static char err[96];
    kw_val v;
    if (kw_parse(text, strlen(text), &v, err, sizeof err) == 0)
        return "(parsed)";
    return err;
}

static void test_parse_errors(void)
{
    CHECK_STR(parse_error(""), "unexpected end of input at offset 0");
    CHECK_STR(parse_error("{\"a\" 1}"), "expected ':' after object key at offset 5");
    CHECK_STR(parse_error("[1,2"), "expected ',' or ']' at offset 4");
    CHECK_STR(parse_error("\"abc"), "unterminated string at offset 4");
    CHECK_STR(parse_error("\"\\x\""), "bad escape in string at offset 1");
    CHECK_STR(parse_error("\"\\ud800\""), "lone high surrogate at offset 7");
    CHECK_STR(parse_error("\"\xc3\x28\""), "invalid UTF-8 in string at offset 1");
    CHECK_STR(parse_error("01"), "trailing characters after JSON value at offset 1");
    CHECK_STR(parse_error("-"), "bad number at offset 1");
    CHECK_STR(parse_error("{} x"), "trailing characters after JSON value at offset 3");
    CHECK_STR(parse_error("tru"), "unexpected character at offset 0");
    char deep[601];
    memset(deep, '[', 300);
    memset(deep + 300, ']', 300);
    deep[600] = '\0';
    CHECK_STR(parse_error(deep), "nesting too deep at offset 256");
    CHECK_STR(parse_error(" {\"a\":[1,2.5e3,true,null,\"\\u00e9\\ud83d\\ude00\"]} "), "(parsed)");
    kw_val padded = parse(" [1, {}] \n");
    CHECK_INT(padded.n, 7);   /* the value, without the blanks around it */
    CHECK_INT(kw_len(padded), 2);
}

static void test_navigation(void)
{
    kw_val doc = parse("{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\",\"n\":-42}]},"
                       "\"k\\\"ey\":1,\"t\":true,\"f\":false,\"z\":null,\"big\":123456789012345678901}");
    CHECK(kw_typeof(doc) == KW_OBJECT);
    kw_val containers = kw_path(doc, "spec.containers");
    CHECK_INT(kw_len(containers), 2);
    CHECK(kw_str_eq(kw_path(doc, "spec.containers.1.name"), "b"));
    CHECK(!kw_present(kw_path(doc, "spec.containers.2.name")));
    CHECK(!kw_present(kw_get(doc, "missing")));
    CHECK(!kw_present(kw_get(containers, "name")));   /* not an object */
    CHECK(kw_present(kw_get(doc, "k\"ey")));
    int64_t n = 0;
    CHECK(kw_int(kw_path(doc, "spec.containers.1.n"), &n) && n == -42);
    CHECK(!kw_int(kw_get(doc, "big"), &n));
    CHECK(kw_bool(kw_get(doc, "t"), false) && !kw_bool(kw_get(doc, "f"), true));
    CHECK(kw_bool(kw_get(doc, "z"), true));
    CHECK(kw_typeof(kw_get(doc, "z")) == KW_NULL);
    kw_iter it = kw_iter_begin(doc);
    kw_val k, v;
    int members = 0;
    while (kw_next_member(&it, &k, &v))
        members++;
    CHECK_INT(members, 6);
}

static void test_strings(void)
{
    kw_val s = parse("\"caf\\u00e9 \\\"q\\\" \\ud83d\\ude00\\n\"");
    CHECK_STR(kw_str(s), "caf\xc3\xa9 \"q\" \xf0\x9f\x98\x80\n");
    CHECK(kw_str_eq(s, "caf\xc3\xa9 \"q\" \xf0\x9f\x98\x80\n"));
    CHECK(!kw_str_eq(s, "caf"));
    CHECK_INT(kw_str_len(s), 15);
    CHECK(kw_equal(parse("{\"a\":[1,\"x\"],\"b\":null}"), parse("{\"b\":null,\"a\":[1,\"\\u0078\"]}")));
    CHECK(!kw_equal(parse("{\"a\":1}"), parse("{\"a\":1,\"b\":2}")));
    CHECK(kw_contains_str(parse("[\"x\",\"y\"]"), "y"));
    CHECK(!kw_contains_str(parse("[\"x\",\"y\"]"), "z"));
}

/* Reading without validation: malformed text reads as absent, never past the view. */
static kw_val view_of(const char *text) { return (kw_val){ text, strlen(text) }; }

static void test_unvalidated(void)
{
    CHECK_INT(kw_view(" {\"a\":1} \n", 10).n, 7);
    CHECK(!kw_present(kw_view("{\"a\":", 5)));
    CHECK(!kw_present(kw_view("", 0)));
    CHECK(!kw_present(kw_view("tru", 3)));
    static const char *const broken[] = {
        "{\"a\":[1,2", "{\"a\" 1}", "{\"a\":\"x}", "{\"a\":tru}", "{\"a\":1,,\"b\":2}", "{a:1}", "[1,{\"x\":]",
        "{\"a\":\"\\\"}", "{\"\\", "{\"a\":-}",
    };
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        kw_val v = view_of(broken[i]);
        kw_val k, e;
        kw_iter it = kw_iter_begin(v);
        size_t n = 0;
        while (kw_next_member(&it, &k, &e) || kw_next(&it, &e))
            CHECK(++n < 10 && e.p >= v.p && e.p + e.n <= v.p + v.n);
        CHECK(!kw_present(kw_get(v, "b")));
    }
    kw_val doc = view_of("{\"x\":{\"a\":[1,\"]\"]},\"y\":2,\"x\":3,\"z\":\"s\"}");
    static const char *const keys[] = { "z", "x", "missing" };
    kw_val out[3];
    CHECK_INT(kw_get_many(doc, keys, 3, out), 2);
    CHECK(kw_str_eq(out[0], "s") && kw_typeof(out[1]) == KW_OBJECT && !kw_present(out[2]));
    CHECK_INT(kw_len(kw_path(out[1], "a")), 2);   /* the ']' inside the string is not a bracket */
    CHECK_STR(kw_str(view_of("\"a\\xb\"")), "a");                   /* stops at a bad escape */
    CHECK(!kw_str_eq(view_of("\"a\\xb\""), "axb"));
    CHECK_STR(kw_str(view_of("\"\\ud800x\"")), "\xef\xbf\xbdx");      /* lone surrogate: U+FFFD */
    CHECK_STR(kw_str(view_of("\"\\u12\"")), "");                      /* short \u escape */
    char deep[2001];
    memset(deep, '[', 1000);
    memset(deep + 1000, ']', 1000);
    deep[2000] = '\0';
    CHECK(!kw_equal(view_of(deep), view_of(deep)));   /* too deep to compare, no crash */
    kw_writer w = { 0 };
    kw_w_str(&w, "ok \xc3\xa9 bad \xff\xc3 end");
    CHECK_STR(kw_buf_cstr(&w.buf), "\"ok \xc3\xa9 bad \xef\xbf\xbd\xef\xbf\xbd end\"");
}

static void test_writer(void)
{
    kw_writer w = { 0 };
    kw_w_obj(&w);
    kw_w_key(&w, "s");
    kw_w_str(&w, "a\"b\\c\n\x01");
    kw_w_key(&w, "list");
    kw_w_arr(&w);
    kw_w_int(&w, INT64_MIN);
    kw_w_bool(&w, true);
    kw_w_null(&w);
    kw_w_val(&w, parse("{\"x\":[]}"));
    kw_w_end(&w);
    kw_w_end(&w);
    CHECK_STR(kw_buf_cstr(&w.buf),
              "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"list\":[-9223372036854775808,true,null,{\"x\":[]}]}");
}

static const char *spliced(kw_splice *sp)
{
    kw_val v = kw_splice_apply(sp);
    return v.p ? kw_strndup(v.p, v.n) : "(overlap)";
}

static void test_splice(void)
{
    kw_val doc = parse("{\"a\":{},\"b\":[],\"c\":{\"x\":1},\"d\":[1]}");
    kw_splice sp;
    kw_splice_init(&sp, doc);
    kw_splice_set(&sp, kw_get(doc, "a"), "k1", "1");
    kw_splice_set(&sp, kw_get(doc, "a"), "k2", "2");
    kw_splice_append(&sp, kw_get(doc, "b"), "\"p\"");
    kw_splice_append(&sp, kw_get(doc, "b"), "\"q\"");
    kw_splice_set(&sp, kw_get(doc, "c"), "x", "{\"new\":true}");
    kw_splice_set(&sp, kw_get(doc, "c"), "y", "3");
    kw_splice_append(&sp, kw_get(doc, "d"), "2");
    CHECK_STR(spliced(&sp), "{\"a\":{\"k1\":1,\"k2\":2},\"b\":[\"p\",\"q\"],\"c\":{\"y\":3,\"x\":{\"new\":true}},\"d\":[1,2]}");
    CHECK(kw_present(parse(spliced(&sp))));

    kw_val pod = parse("{\"spec\":{\"containers\":[{\"name\":\"a\",\"securityContext\":null}]}}");
    kw_val c = kw_path(pod, "spec.containers.0");
    kw_splice_init(&sp, pod);
    kw_splice_set_path(&sp, c, "securityContext.capabilities.drop", "[\"ALL\"]");
    CHECK_STR(spliced(&sp), "{\"spec\":{\"containers\":[{\"name\":\"a\",\"securityContext\":"
                            "{\"capabilities\":{\"drop\":[\"ALL\"]}}}]}}");

    kw_val obj = parse("{\"a\":1, \"b\":[1,2,3],\"c\":3}");
    kw_splice_init(&sp, obj);
    kw_splice_remove_member(&sp, obj, "a");
    kw_splice_remove_at(&sp, kw_get(obj, "b"), 2);
    CHECK_STR(spliced(&sp), "{ \"b\":[1,2],\"c\":3}");
    kw_splice_init(&sp, obj);
    kw_splice_remove_member(&sp, obj, "c");
    kw_splice_insert_at(&sp, kw_get(obj, "b"), 0, "0");
    kw_splice_insert_at(&sp, kw_get(obj, "b"), 3, "4");
    CHECK_STR(spliced(&sp), "{\"a\":1, \"b\":[0,1,2,3,4]}");
    kw_val one = parse("{\"only\":[7]}");
    kw_splice_init(&sp, one);
    kw_splice_remove_at(&sp, kw_get(one, "only"), 0);
    CHECK_STR(spliced(&sp), "{\"only\":[]}");
    kw_splice_init(&sp, one);
    kw_splice_remove_member(&sp, one, "only");
    CHECK_STR(spliced(&sp), "{}");

    kw_splice_init(&sp, pod);
    kw_splice_replace(&sp, kw_get(pod, "spec"), "{}");
    kw_splice_replace(&sp, c, "{}");
    CHECK_STR(spliced(&sp), "(overlap)");
}

static bool matches(const char *pattern, const char *text)
{
    char err[128];
    kw_regex *re = kw_regex_compile(pattern, err, sizeof err);
    if (!re) {
        fprintf(stderr, "%s: %s\n", pattern, err);
        return false;
    }
    return kw_regex_match(re, text, strlen(text));
}

static const char *regex_error(const char *pattern)
{
    static char err[128];
    if (kw_regex_compile(pattern, err, sizeof err))
        return "(compiled)";
    return err;
}

static void test_regex(void)
{
    CHECK(matches("^cc-\\d+$", "cc-1234"));
    CHECK(!matches("^cc-\\d+$", "cc-1234a"));
    CHECK(matches("team-", "the team-infra"));
    CHECK(!matches("^team-", "the team-infra"));
    CHECK(matches("^(gold|silver)$", "silver"));
    CHECK(!matches("^(gold|silver)$", "bronze"));
    CHECK(matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "my-label-1"));
    CHECK(!matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "my-label-"));
    CHECK(matches("^a{2,3}$", "aaa") && !matches("^a{2,3}$", "aaaa") && !matches("^a{2,3}$", "a"));
    CHECK(matches("^x{2}$", "xx") && matches("^a{,2}$", "a{,2}"));
    CHECK(matches("^[[:upper:]]+\\.[^.]*$", "ABC.def") && !matches("^[[:upper:]]+$", "AbC"));
    CHECK(matches("\\bword\\b", "a word here") && !matches("\\bword\\b", "swordfish"));
    CHECK(matches("^(a*)*$", "aaaa") && matches("^(a|)+$", "aa"));
    CHECK(matches("^.*?x", "abcx") && matches("^\\.\\*$", ".*"));
    CHECK(matches("", "anything"));
    CHECK(!matches("^(a+)+$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"));   /* bounded, no hang */
    CHECK_STR(regex_error("^cc-[12$"), "error parsing regexp: missing closing ]: `[12$`");
    CHECK_STR(regex_error("(ab"), "error parsing regexp: missing closing ): `(ab`");
    CHECK_STR(regex_error("ab)"), "error parsing regexp: unexpected ): `ab)`");
    CHECK_STR(regex_error("*a"), "error parsing regexp: missing argument to repetition operator: `*`");
    CHECK_STR(regex_error("a**"), "error parsing regexp: invalid nested repetition operator: `**`");
    CHECK_STR(regex_error("\\q"), "error parsing regexp: invalid escape sequence: `\\q`");
    CHECK_STR(regex_error("[z-a]"), "error parsing regexp: invalid character class range: `z-a`");
    CHECK_STR(regex_error("a\\"), "error parsing regexp: trailing backslash at end of expression: ``");
    CHECK_STR(regex_error("a{2,1}"), "error parsing regexp: invalid repeat count: `{2,1}`");
}

/* "<whole>" of a reference, or "error: <text>" */
static const char *image(const char *s)
{
    kw_image_ref ref;
    const char *err = kw_image_ref_parse(s, strlen(s), &ref);
    if (!err)
        return kw_image_ref_whole(&ref);
    kw_buf b = { 0 };
    kw_buf_puts(&b, "error: ");
    kw_buf_puts(&b, err);
    return kw_buf_cstr(&b);
}

static void test_image_ref(void)
{
    const char *hex64 = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    char with_digest[160], bad_length[160], unknown_alg[160], long_repo[300];
    snprintf(with_digest, sizeof with_digest, "test:5000/repo:tag@sha256:%s", hex64);
    snprintf(bad_length, sizeof bad_length, "repo@sha256:%.40s", hex64);
    snprintf(unknown_alg, sizeof unknown_alg, "repo@md5:%.40s", hex64);
    memset(long_repo, 'a', 256);
    long_repo[256] = '\0';

    CHECK_STR(image("busybox"), "docker.io/library/busybox:latest");
    CHECK_STR(image("nginx:1.21"), "docker.io/library/nginx:1.21");
    CHECK_STR(image("opensuse/leap:15.3"), "docker.io/opensuse/leap:15.3");
    CHECK_STR(image("index.docker.io/nginx"), "docker.io/library/nginx:latest");
    CHECK_STR(image("test.com:5000"), "docker.io/library/test.com:5000");      /* a tag, not a port */
    CHECK_STR(image("test:5000/repo"), "test:5000/repo:latest");
    CHECK_STR(image("localhost/app"), "localhost/app:latest");
    CHECK_STR(image("lowercase:Uppercase"), "docker.io/library/lowercase:Uppercase");
    CHECK_STR(image("sub-dom1.foo.com/bar/baz/quux:some-long-tag"), "sub-dom1.foo.com/bar/baz/quux:some-long-tag");
    CHECK_STR(image("b.gcr.io/test.example.com/my-app:test.example.com"),
              "b.gcr.io/test.example.com/my-app:test.example.com");
    CHECK_STR(image("foo/foo_bar.com:8080"), "docker.io/foo/foo_bar.com:8080");
    CHECK_STR(image("a__b/c-----d"), "docker.io/a__b/c-----d:latest");
    CHECK_STR(image(with_digest), with_digest);
    kw_image_ref ref;
    char digest_only[160];
    snprintf(digest_only, sizeof digest_only, "repo@sha256:%s", hex64);
    CHECK(kw_image_ref_parse(digest_only, strlen(digest_only), &ref) == NULL);
    CHECK_STR(ref.registry, "docker.io");
    CHECK_STR(ref.repository, "library/repo");
    CHECK(ref.tag == NULL && ref.digest && strncmp(ref.digest, "sha256:", 7) == 0);

    CHECK_STR(image(""), "error: repository name must have at least one component");
    CHECK_STR(image("Uppercase:tag"), "error: invalid reference format");
    CHECK_STR(image("not-a-valid-image-tag:1.0.0+rc1"), "error: invalid reference format");
    CHECK_STR(image("a..b"), "error: invalid reference format");
    CHECK_STR(image("a___b"), "error: invalid reference format");
    CHECK_STR(image("-a"), "error: invalid reference format");
    CHECK_STR(image("repo/"), "error: invalid reference format");
    CHECK_STR(image(":tag"), "error: invalid reference format");
    CHECK_STR(image("repo:"), "error: invalid reference format");
    CHECK_STR(image("-host.com/repo"), "error: invalid reference format");
    CHECK_STR(image("host.com:/repo"), "error: invalid reference format");
    CHECK_STR(image("host.com:5x/repo"), "error: invalid reference format");
    CHECK_STR(image("registry.com/image@sha256"), "error: invalid reference format");
    CHECK_STR(image("repo@sha256:abc"), "error: invalid reference format");      /* fewer than 32 hex digits */
    CHECK_STR(image(bad_length), "error: invalid checksum digest length");
    CHECK_STR(image(unknown_alg), "error: unsupported digest algorithm");
    CHECK_STR(image(long_repo), "error: repository name must not be more than 255 characters");

    kw_image_ref a, b;
    kw_image_ref_parse("nginx", 5, &a);
    kw_image_ref_parse("docker.io/library/nginx:latest", 30, &b);
    CHECK(kw_image_ref_equal(&a, &b));
    kw_image_ref_parse("nginx:1.0", 9, &b);
    CHECK(!kw_image_ref_equal(&a, &b));
}

static void test_names(void)
{
    kw_names l = { 0 };
    CHECK(!kw_names_has(&l, "a"));
    static const char *const in[] = { "b", "a", "c", "a", "b", "d", "e", "f", "g", "h", "a" };
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)   /* more than the first capacity of 8 */
        kw_names_add(&l, in[i]);
    CHECK(l.n == 11);
    kw_names_sort_unique(&l);
    kw_buf b = { 0 };
    kw_buf_names(&b, &l, ", ");
    CHECK(strcmp(kw_buf_cstr(&b), "a, b, c, d, e, f, g, h") == 0);
    CHECK(kw_names_has(&l, "a") && kw_names_has(&l, "h") && !kw_names_has(&l, "ab"));
    kw_names empty = { 0 };
    kw_names_sort_unique(&empty);
    kw_buf e = { 0 };
    kw_buf_names(&e, &empty, ", ");
    CHECK(e.len == 0);
}

int main(void)
{
    test_parse_errors();
    test_navigation();
    test_strings();
    test_unvalidated();
    test_writer();
    test_splice();
    test_regex();
    test_image_ref();
    test_names();
    kw_arena_reset();
    TEST_DONE();
}
