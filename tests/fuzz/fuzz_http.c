/*
 * fuzz_http.c - libFuzzer target for the HTTP/1.1 request framing of the
 * transport (src/server/h1_parse.c): heads, pipelined requests and chunked
 * bodies on arbitrary bytes.
 *
 * Input: byte 0 picks the body limit, byte 1 where a chunked body is cut in
 * two deliveries; the rest is what a client sent.  Besides "no crash, no
 * sanitizer report", it checks what the parser promises: offsets inside the
 * head and NUL-terminated strings there, a refusal always with a reason, a
 * decoded body never over the limit nor longer than its raw bytes, and the
 * same outcome (status, decoded bytes, end) whether a chunked body arrives
 * at once or cut anywhere.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/server/h1_parse.h"

static const size_t limits[] = { 0, 1, 16, 1024, 1 << 20 };

#define REQUIRE(cond) do { if (!(cond)) abort(); } while (0)

/* A string at `at` inside a head of `len` bytes ends within it. */
static void require_string(const char *head, size_t len, size_t at)
{
    REQUIRE(at < len);
    REQUIRE(memchr(head + at, '\0', len - at) != NULL);
}

typedef struct decoded {
    int status;
    size_t body_len, end;
    char *body;
} decoded;

/* Decodes raw[0, n) delivered as raw[0, cut) then the rest, the way http1.c
 * feeds the decoder: after H1_MORE the consumed raw bytes are dropped and
 * what comes next is appended after the decoded ones. */
static decoded decode(const char *raw, size_t n, size_t cut, size_t max_body)
{
    decoded out = { 0, 0, 0, malloc(n + 1) };
    REQUIRE(out.body);
    h1_chunked d;
    memset(&d, 0, sizeof d);
    if (cut > n) cut = n;
    memcpy(out.body, raw, cut);
    int rc = h1_chunked_decode(&d, out.body, cut, max_body);
    size_t shift = 0;   /* raw offset = offset in the buffer of the last call + shift */
    if (rc == H1_MORE && cut < n) {
        REQUIRE(d.body_len <= cut);
        shift = cut - d.body_len;
        memcpy(out.body + d.body_len, raw + cut, n - cut);
        rc = h1_chunked_decode(&d, out.body, d.body_len + (n - cut), max_body);
    }
    if (rc == H1_DONE) {
        REQUIRE(d.body_len <= max_body);
        REQUIRE(d.end >= d.body_len);
        out.end = d.end + shift;
        REQUIRE(out.end <= n);
    } else if (rc != H1_MORE) {
        REQUIRE(d.error != NULL);
    }
    out.status = rc;
    out.body_len = d.body_len;
    return out;
}

static void check_chunked(const char *raw, size_t n, size_t cut, size_t max_body)
{
    decoded whole = decode(raw, n, n, max_body);
    decoded split = decode(raw, n, cut, max_body);
    /* refusals may be found at different bytes, but never one way only */
    REQUIRE((whole.status == H1_DONE) == (split.status == H1_DONE));
    REQUIRE((whole.status == H1_MORE) == (split.status == H1_MORE));
    if (whole.status == H1_DONE) {
        REQUIRE(whole.body_len == split.body_len);
        REQUIRE(memcmp(whole.body, split.body, whole.body_len) == 0);
        REQUIRE(whole.end == split.end);
    }
    free(whole.body);
    free(split.body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t max_body = limits[data[0] % (sizeof limits / sizeof limits[0])];
    size_t cut = data[1];
    size_t len = size - 2;
    char *buf = malloc(len + 1);
    REQUIRE(buf);
    memcpy(buf, data + 2, len);
    char *p = buf;
    for (int requests = 0; requests < 8 && len > 0; requests++) {
        if (h1_check_first_line(p, len) != 0)
            break;
        size_t hl = h1_head_length(p, len);
        if (hl == 0)
            break;
        REQUIRE(hl <= len);
        h1_head h;
        memset(&h, 0, sizeof h);
        if (h1_parse_head(p, hl, &h) != 0) {
            REQUIRE(h.error != NULL);
            break;
        }
        require_string(p, hl, h.method_at);
        require_string(p, hl, h.path_at);
        if (h.ctype_at)
            require_string(p, hl, h.ctype_at);
        REQUIRE(!(h.chunked && h.has_length));   /* both: refused (smuggling) */
        p += hl;
        len -= hl;
        size_t body_raw;
        if (h.chunked) {
            check_chunked(p, len, cut, max_body);
            decoded d = decode(p, len, len, max_body);
            free(d.body);
            if (d.status != H1_DONE)
                break;
            body_raw = d.end;
        } else {
            body_raw = h.has_length ? h.content_length : 0;
            if (body_raw > len)
                break;
        }
        p += body_raw;
        len -= body_raw;
    }
    free(buf);
    return 0;
}
