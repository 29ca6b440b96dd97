/*
 * test_http_parse.c - the HTTP/1.1 parser (src/server/h1_parse.c) on byte
 * strings: finding the head at every cut, what a head says or why it is
 * refused (Host, Transfer-Encoding with or without Content-Length, folding,
 * whitespace before a colon, field count, Expect, HEAD, versions), and chunked
 * bodies decoded whole, cut at every offset and one byte at a time, with the
 * next pipelined request left intact after them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/server/h1_parse.h"
#include "test.h"

/* ---- heads ------------------------------------------------------------------ */

static void test_head_length_at_every_cut(void)
{
    static const char *const heads[] = {
        "POST /validate/a HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n",
        "GET / HTTP/1.1\nHost: a\n\n",
        "GET / HTTP/1.1\r\nHost: a\n\r\n",
    };
    for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) {
        char req[256];
        size_t head = strlen(heads[i]);
        int n = snprintf(req, sizeof req, "%shiGET / HTTP/1.1\r\n\r\n", heads[i]);
        int wrong = 0;
        for (size_t cut = 0; cut <= (size_t)n; cut++)
            wrong += h1_head_length(req, cut) != (cut < head ? 0 : head);
        CHECK_INT(wrong, 0);
    }
    CHECK_INT(h1_check_first_line("GET / HTTP/1.1\r\n", 16), 0);
    CHECK_INT(h1_check_first_line("GET", 3), 0);          /* not complete yet */
    CHECK_INT(h1_check_first_line("<html>\r\n", 8), 400);
    CHECK_INT(h1_check_first_line("\x16\x03\x01\n", 4), 400);
    char *line = malloc(H1_MAX_REQUEST_LINE);
    memset(line, 'a', H1_MAX_REQUEST_LINE);
    memcpy(line, "GET /", 5);
    CHECK_INT(h1_check_first_line(line, H1_MAX_REQUEST_LINE - 1), 0);
    CHECK_INT(h1_check_first_line(line, H1_MAX_REQUEST_LINE), 414);
    free(line);
}

/* Parses a copy of `text` (a whole head); the copy stays for the strings. */
static char copy[32768];

static int parse(const char *text, h1_head *h)
{
    size_t len = strlen(text);
    memcpy(copy, text, len + 1);
    CHECK_INT(h1_head_length(copy, len), len);
    return h1_parse_head(copy, len, h);
}

static void expect_refused(const char *text, int status, const char *why)
{
    h1_head h;
    int got = parse(text, &h);
    if (got != status || !h.error || !strstr(h.error, why))
        fprintf(stderr, "head %.60s...: %d (%s), want %d (%s)\n", text, got,
                h.error ? h.error : "-", status, why);
    CHECK_INT(got, status);
    CHECK(h.error && strstr(h.error, why));
}

static void test_heads(void)
{
    h1_head h;
    CHECK_INT(parse("POST /validate/x?timeout=10s HTTP/1.1\r\nHost: svc:8443\r\nContent-Length: 5\r\n"
                    "Content-Type: application/json\r\n\r\n", &h), 0);
    CHECK_STR(copy + h.method_at, "POST");
    CHECK_STR(copy + h.path_at, "/validate/x");
    CHECK_STR(copy + h.ctype_at, "application/json");
    CHECK(h.has_length && h.content_length == 5 && !h.chunked && h.keep_alive && !h.http10);
    CHECK(!h.expect_continue && !h.is_head);

    CHECK_INT(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n", &h), 0);
    CHECK(h.chunked && !h.has_length);
    CHECK_INT(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked ,\r\n\r\n", &h), 0);
    CHECK(h.chunked);
    CHECK_INT(parse("HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n", &h), 0);
    CHECK(h.is_head);
    CHECK_INT(parse("GET http://a:1/echo?q HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n", &h), 0);
    CHECK_STR(copy + h.path_at, "/echo");
    CHECK_INT(parse("OPTIONS * HTTP/1.1\r\nHost: \r\n\r\n", &h), 0);   /* an empty Host is allowed */
    CHECK_STR(copy + h.path_at, "*");
    CHECK_INT(parse("GET / HTTP/1.1\nHost: a\nConnection: Keep-Alive, close\n\n", &h), 0);
    CHECK(!h.keep_alive);                    /* close wins, bare LF lines are fine */
    CHECK_INT(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n", &h), 0);
    CHECK(!h.keep_alive);
    CHECK_INT(parse("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n", &h), 0);
    CHECK(h.expect_continue);

    /* HTTP/1.0: no Host needed, keep-alive only when asked, Expect ignored */
    CHECK_INT(parse("GET / HTTP/1.0\r\n\r\n", &h), 0);
    CHECK(h.http10 && !h.keep_alive);
    CHECK_INT(parse("POST / HTTP/1.0\r\nConnection: keep-alive\r\nExpect: 100-continue\r\n"
                    "Content-Length: 1\r\n\r\n", &h), 0);
    CHECK(h.http10 && h.keep_alive && !h.expect_continue);

    /* exactly H1_MAX_HEADER_FIELDS fields, then one more */
    static char many[8192];
    int n = snprintf(many, sizeof many, "GET / HTTP/1.1\r\nHost: a\r\n");
    for (int i = 1; i < H1_MAX_HEADER_FIELDS; i++)
        n += snprintf(many + n, sizeof many - (size_t)n, "X-%d: %d\r\n", i, i);
    snprintf(many + n, sizeof many - (size_t)n, "\r\n");
    CHECK_INT(parse(many, &h), 0);
    snprintf(many + n, sizeof many - (size_t)n, "X-Last: 1\r\n\r\n");
    expect_refused(many, 431, "too many header fields");
}

static void test_refused_heads(void)
{
    expect_refused("GET / HTTP/1.1\r\n\r\n", 400, "without a Host");
    expect_refused("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400, "more than one Host");
    expect_refused("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", 400, "more than one Host");
    expect_refused("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "malformed Host");
    expect_refused("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "malformed Host");
    expect_refused("GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", 400, "malformed Host");
    /* framing (RFC 9112 6.1, 6.3): ambiguity is refused, not guessed */
    expect_refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                   400, "both Content-Length and Transfer-Encoding");
    expect_refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
                   400, "both Content-Length and Transfer-Encoding");
    expect_refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "transfer coding");
    expect_refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501,
                   "transfer coding");
    expect_refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 501, "transfer coding");
    expect_refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;x=1\r\n\r\n", 501,
                   "transfer coding");
    expect_refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400,
                   "after chunked");
    expect_refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
                   400, "after chunked");
    expect_refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n", 400, "empty Transfer-Encoding");
    expect_refused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "HTTP/1.0");
    expect_refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400,
                   "conflicting Content-Length");
    expect_refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n", 400, "malformed Content-Length");
    expect_refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 400, "malformed Content-Length");
    /* field syntax */
    expect_refused("GET / HTTP/1.1\r\nHost: a\r\nName : v\r\n\r\n", 400, "whitespace before");
    expect_refused("GET / HTTP/1.1\r\nHost: a\r\nName\t: v\r\n\r\n", 400, "whitespace before");
    expect_refused("GET / HTTP/1.1\r\nHost: a\r\nA: b\r\n folded\r\n\r\n", 400, "folding");
    expect_refused("GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400, "folding");
    expect_refused("GET / HTTP/1.1\r\nHost: a\r\nA: b\rc\r\n\r\n", 400, "control character");
    expect_refused("GET / HTTP/1.1\r\nHost: a\r\nA: b\x7f\r\n\r\n", 400, "control character");
    static const char nul[] = "GET / HTTP/1.1\r\nHost: a\0b\r\nX: y\r\n\r\n";   /* a NUL inside */
    memcpy(copy, nul, sizeof nul);
    h1_head h;
    CHECK_INT(h1_parse_head(copy, h1_head_length(copy, sizeof nul - 1), &h), 400);
    expect_refused("GET / HTTP/1.1\r\nHost: a\r\n\rContent-Length: 5\r\n\r\n", 400, "malformed header line");
    expect_refused("GET / HTTP/1.1\r\nHost: a\r\nNo colon\r\n\r\n", 400, "malformed header line");
    expect_refused("GET / HTTP/1.1\r\nHost: a\r\n: empty name\r\n\r\n", 400, "malformed header line");
    expect_refused("POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", 417, "Expect");
    /* the request line */
    expect_refused("GET / HTTP/2.0\r\n\r\n", 505, "version");
    expect_refused("GET / HTTP/1.1x\r\n\r\n", 400, "request line");
    expect_refused("GET / HTTP/1.1\r\r\n\r\n", 400, "request line");
    expect_refused("GET  / HTTP/1.1\r\n\r\n", 400, "request line");
    expect_refused("GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400, "request target");
    expect_refused("GET nopath HTTP/1.1\r\nHost: a\r\n\r\n", 400, "request target");
    expect_refused("GET http://nopath HTTP/1.1\r\nHost: a\r\n\r\n", 400, "request target");
}

/* ---- chunked bodies -------------------------------------------------------------- */

static const char next_request[] = "GET /next HTTP/1.1\r\nHost: a\r\n\r\n";

/* Feeds raw (then the next request) in pieces of `piece` bytes, as a
 * connection does: the decoded body stays at the front, the framing read so
 * far is dropped after each H1_MORE.  The result, the body in *out (*out_len),
 * and whether what followed the body was exactly the next request. */
static int decode_in_pieces(const char *raw, size_t raw_len, size_t piece, size_t max_body, char *out,
                            size_t *out_len, bool *rest_ok)
{
    size_t total = raw_len + sizeof next_request - 1;
    char *all = malloc(total), *buf = malloc(total);
    memcpy(all, raw, raw_len);
    memcpy(all + raw_len, next_request, sizeof next_request - 1);
    h1_chunked d = { 0 };
    size_t have = 0, fed = 0;
    int status = H1_MORE;
    *rest_ok = false;
    while (fed < total && status == H1_MORE) {
        size_t n = total - fed < piece ? total - fed : piece;
        memcpy(buf + have, all + fed, n);
        have += n;
        fed += n;
        status = h1_chunked_decode(&d, buf, have, max_body);
        if (status == H1_MORE)
            have = d.body_len;
    }
    if (status == H1_DONE) {
        size_t left = have - d.end;          /* the next request: what is buffered, then the rest */
        *rest_ok = left + (total - fed) == sizeof next_request - 1 &&
                   memcmp(buf + d.end, next_request, left) == 0 &&
                   memcmp(all + fed, next_request + left, total - fed) == 0;
    }
    if (status != H1_MORE && status != H1_DONE)
        CHECK(d.error != NULL);
    memcpy(out, buf, d.body_len);
    *out_len = d.body_len;
    free(all);
    free(buf);
    return status;
}

/* Whole, cut once at every offset, and one byte at a time: always the same
 * answer.  want_body NULL: a refusal with that status is expected. */
static void expect_chunked(const char *raw, size_t max_body, int want_status, const char *want_body)
{
    size_t raw_len = strlen(raw);
    char *out = malloc(raw_len + sizeof next_request);
    int bad = 0;
    for (size_t piece = 1; piece <= raw_len + sizeof next_request; piece++) {
        size_t len;
        bool rest_ok;
        int status = decode_in_pieces(raw, raw_len, piece, max_body, out, &len, &rest_ok);
        bool ok = status == want_status;
        if (ok && want_body)
            ok = rest_ok && len == strlen(want_body) && memcmp(out, want_body, len) == 0;
        if (!ok && bad++ == 0)
            fprintf(stderr, "chunked %.40s... in pieces of %zu: %d, want %d\n", raw, piece, status,
                    want_status);
    }
    CHECK_INT(bad, 0);
    free(out);
}

/* Cut once at every offset: a first piece, then all the rest. */
static void expect_chunked_cuts(const char *raw, const char *want_body)
{
    size_t raw_len = strlen(raw), total = raw_len + sizeof next_request - 1;
    char *all = malloc(total), *buf = malloc(total);
    memcpy(all, raw, raw_len);
    memcpy(all + raw_len, next_request, sizeof next_request - 1);
    int bad = 0;
    for (size_t cut = 0; cut <= total; cut++) {
        h1_chunked d = { 0 };
        memcpy(buf, all, cut);
        size_t have = cut, unread = total - cut;
        int status = h1_chunked_decode(&d, buf, have, 1 << 20);
        if (status == H1_MORE) {
            have = d.body_len;
            memcpy(buf + have, all + cut, unread);
            have += unread;
            unread = 0;
            status = h1_chunked_decode(&d, buf, have, 1 << 20);
        }
        size_t left = status == H1_DONE ? have - d.end : 0;   /* the next request, buffered part */
        bad += !(status == H1_DONE && d.body_len == strlen(want_body) &&
                 memcmp(buf, want_body, d.body_len) == 0 && left + unread == sizeof next_request - 1 &&
                 memcmp(buf + d.end, next_request, left) == 0);
    }
    CHECK_INT(bad, 0);
    free(all);
    free(buf);
}

#define CHUNKED_OK(raw, body) expect_chunked(raw, 1 << 20, H1_DONE, body)
#define CHUNKED_BAD(raw, max, status) expect_chunked(raw, max, status, NULL)

static void test_chunked(void)
{
    CHUNKED_OK("5\r\nhello\r\n0\r\n\r\n", "hello");
    CHUNKED_OK("0\r\n\r\n", "");
    CHUNKED_OK("5;ext=1\r\nhello\r\n6 ; a=\"b c\";d\r\n world\r\n0;last\r\n\r\n", "hello world");
    CHUNKED_OK("A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n", "0123456789abcdefghij");
    CHUNKED_OK("0005\r\nhello\r\n000\r\n\r\n", "hello");
    CHUNKED_OK("3\r\nabc\r\n0\r\nX-Trailer: 1\r\nChecksum: abc\r\n\r\n", "abc");
    CHUNKED_OK("1\r\n\r\r\n1\r\n\n\r\n0\r\n\r\n", "\r\n");   /* CR and LF as data are data */
    expect_chunked_cuts("5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nT: v\r\n\r\n", "hello world");

    /* the body limit counts decoded bytes: exactly max is fine */
    expect_chunked("5\r\n12345\r\n5\r\n67890\r\n0\r\n\r\n", 10, H1_DONE, "1234567890");
    CHUNKED_BAD("5\r\n12345\r\n6\r\n678901\r\n0\r\n\r\n", 10, 413);
    CHUNKED_BAD("b\r\n", 10, 413);                           /* refused from the size alone */
    CHUNKED_BAD("FFFFFFFFFFFFFFFF\r\n", 1 << 20, 413);
    CHUNKED_BAD("00000000000000001\r\nx\r\n0\r\n\r\n", 1 << 20, 400);   /* 17 digits */

    /* framing */
    CHUNKED_BAD("x\r\n", 100, 400);
    CHUNKED_BAD("\r\n", 100, 400);
    CHUNKED_BAD(";ext\r\n", 100, 400);
    CHUNKED_BAD("-1\r\n", 100, 400);
    CHUNKED_BAD("5\nhello\r\n0\r\n\r\n", 100, 400);         /* bare LF after the size */
    CHUNKED_BAD("5\r\r\nhello\r\n0\r\n\r\n", 100, 400);
    CHUNKED_BAD("5\r\nhelloX\r\n0\r\n\r\n", 100, 400);      /* data longer than its size */
    CHUNKED_BAD("5\r\nhello\n0\r\n\r\n", 100, 400);         /* bare LF after the data */
    CHUNKED_BAD("5\r\nhello\r0\r\n\r\n", 100, 400);
    CHUNKED_BAD("0\r\n\n", 100, 400);                       /* bare LF at the end */
    CHUNKED_BAD("0\r\n\rX", 100, 400);
    CHUNKED_BAD("1;a\x01\r\nx\r\n0\r\n\r\n", 100, 400);     /* control character in an extension */
    CHUNKED_BAD("1;a\nx\r\n0\r\n\r\n", 100, 400);
    CHUNKED_BAD("0\r\nA: b\r\n folded\r\n\r\n", 100, 400);
    CHUNKED_BAD("0\r\nA: b\nC: d\r\n\r\n", 100, 400);
    CHUNKED_BAD("0\r\nA: b\x01\r\n\r\n", 100, 400);
    CHUNKED_BAD("0\r\nNo colon\r\n\r\n", 100, 400);     /* trailers are fields */
    CHUNKED_BAD("0\r\nNoColon\r\n\r\n", 100, 400);
    CHUNKED_BAD("0\r\n: v\r\n\r\n", 100, 400);
    CHUNKED_BAD("0\r\nA : v\r\n\r\n", 100, 400);

    /* extensions and trailers are bounded */
    size_t big = H1_MAX_CHUNK_FRAMING + 100;
    char *raw = malloc(big + 32);
    int n = sprintf(raw, "1;");
    memset(raw + n, 'e', big);
    n += (int)big;
    n += sprintf(raw + n, "\r\nx\r\n0\r\n\r\n");
    h1_chunked d = { 0 };
    CHECK_INT(h1_chunked_decode(&d, raw, (size_t)n, 100), 400);
    CHECK(d.error && strstr(d.error, "extensions too long"));
    n = sprintf(raw, "0\r\nT: ");
    memset(raw + n, 't', big);
    n += (int)big;
    n += sprintf(raw + n, "\r\n\r\n");
    d = (h1_chunked){ 0 };
    CHECK_INT(h1_chunked_decode(&d, raw, (size_t)n, 100), 431);
    CHECK(d.error && strstr(d.error, "trailers too large"));
    free(raw);
}

/* Mutated requests and chunked bodies (bytes flipped, inserted, cut; under
 * ASan in test-san): every answer is one of the documented ones and stays
 * within the bytes given. */
static void test_mutations(void)
{
    static const char head[] = "POST /validate/x?y HTTP/1.1\r\nHost: a:1\r\nContent-Type: application/json\r\n"
                               "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\nExpect: 100-continue\r\n\r\n";
    static const char body[] = "5;e=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nT: v\r\n\r\n";
    unsigned seed = 2026;
    int odd = 0;
    for (int round = 0; round < 20000; round++) {
        bool is_head = round % 2 == 0;
        const char *src = is_head ? head : body;
        size_t len = is_head ? sizeof head - 1 : sizeof body - 1;
        char *m = malloc(len + 8);
        memcpy(m, src, len);
        for (int k = 0, edits = 1 + rand_r(&seed) % 3; k < edits; k++) {
            size_t at = (size_t)rand_r(&seed) % len;
            switch (rand_r(&seed) % 3) {
            case 0: m[at] = (char)rand_r(&seed); break;
            case 1: m[at] = "\r\n :;0aF\t"[rand_r(&seed) % 9]; break;
            default: len = at + 1; break;   /* cut */
            }
        }
        if (is_head) {
            size_t hl = h1_head_length(m, len);
            h1_head h;
            int status = hl ? h1_parse_head(m, hl, &h) : 0;
            odd += hl > len || (status && (!h.error || (status != 400 && status != 417 && status != 431 &&
                                                       status != 501 && status != 505)));
        } else {
            h1_chunked d = { 0 };
            int status = h1_chunked_decode(&d, m, len, 64);
            odd += d.body_len > 64 || (status == H1_DONE && (d.end > len || d.body_len > d.end));
            odd += status != H1_MORE && status != H1_DONE && status != 400 && status != 413 && status != 431;
        }
        free(m);
    }
    CHECK_INT(odd, 0);
}

int main(void)
{
    test_head_length_at_every_cut();
    test_heads();
    test_refused_heads();
    test_chunked();
    test_mutations();
    TEST_DONE();
}
