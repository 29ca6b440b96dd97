/*
 * test_http_tls.c - the transport over TLS on loopback: certificate chains,
 * ALPN (h2 / http/1.1) with an in-process OpenSSL client, curl and nghttp, a
 * chunked request one TLS record per byte with another pipelined after it,
 * mutual TLS with a comma-separated CA list, certificate hot reload (good and
 * bad new files) with a connection kept open across it, and start-up errors
 * naming the file.  Certificates come from tests/e2e/transport/make-certs.sh.
 */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include "http_test.h"

static char dir[64], buf[1 << 16];

static const char *file(const char *name)
{
    static char paths[8][160];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

static http_server *start_tls(const char *cert, const char *key, const char *cas)
{
    http_server_config cfg = test_config();
    cfg.cert_file = cert;
    cfg.key_file = key;
    cfg.client_ca_file = cas;
    char err[512];
    http_server *s = http_server_start(&cfg, err, sizeof err);
    if (!s)
        fprintf(stderr, "http_server_start: %s\n", err);
    CHECK(s != NULL);
    return s;
}

/* ---- an in-process TLS client ------------------------------------------------ */

typedef struct { int fd; SSL_CTX *ctx; SSL *ssl; } tls_client;

/* 0 when the handshake succeeded (the server may still refuse us right after). */
static int tls_open(tls_client *t, int port, const char *alpn, size_t alpn_len, const char *cert,
                    const char *key)
{
    *t = (tls_client){ .fd = -1 };
    t->ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(t->ctx, file("root.pem"), NULL);
    SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
    if (cert) {
        SSL_CTX_use_certificate_file(t->ctx, cert, SSL_FILETYPE_PEM);
        SSL_CTX_use_PrivateKey_file(t->ctx, key, SSL_FILETYPE_PEM);
    }
    if (alpn)
        SSL_CTX_set_alpn_protos(t->ctx, (const unsigned char *)alpn, (unsigned)alpn_len);
    t->fd = tcp_connect(port);
    t->ssl = SSL_new(t->ctx);
    SSL_set_fd(t->ssl, t->fd);
    SSL_set1_host(t->ssl, "127.0.0.1");
    int rc = SSL_connect(t->ssl) == 1 ? 0 : -1;
    ERR_clear_error();
    return rc;
}

static void tls_close(tls_client *t)
{
    SSL_free(t->ssl);
    SSL_CTX_free(t->ctx);
    if (t->fd >= 0)
        close(t->fd);
}

static void peer_cn(tls_client *t, char *cn, size_t len)
{
    X509 *x = SSL_get1_peer_certificate(t->ssl);
    cn[0] = 0;
    if (x) {
        X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, (int)len);
        X509_free(x);
    }
}

/* One HTTP/1.1 request on the TLS connection: the status, the response in buf. */
static int tls_request(tls_client *t, const char *req)
{
    buf[0] = 0;
    if (SSL_write(t->ssl, req, (int)strlen(req)) <= 0) {
        ERR_clear_error();
        return -1;
    }
    size_t len = 0;
    int count = 0;
    while (count < 1 && len + 1 < sizeof buf) {
        int n = SSL_read(t->ssl, buf + len, (int)(sizeof buf - 1 - len));
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = 0;
        complete_responses(buf, len, &count);
    }
    ERR_clear_error();
    buf[len] = 0;
    return status_of(buf);
}

/* ---- tests -------------------------------------------------------------------- */

static void test_chain_alpn_keep_alive(void)
{
    http_server *s = start_tls(file("one.pem"), file("one.key"), NULL);
    int port = http_server_port(s, HTTP_LISTENER_API);
    tls_client t;
    char cn[64];

    CHECK(tls_open(&t, port, NULL, 0, NULL, NULL) == 0);  /* verified with the root only: chain served */
    peer_cn(&t, cn, sizeof cn);
    CHECK_STR(cn, "one");
    for (int i = 0; i < 3; i++) {
        CHECK_INT(tls_request(&t, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nping"), 200);
        CHECK(strstr(buf, "POST /echo - 1 4\nping") != NULL);
    }
    tls_close(&t);

    const unsigned char *proto;
    unsigned proto_len;
    CHECK(tls_open(&t, port, "\x08http/1.1\x02h2", 12, NULL, NULL) == 0);
    SSL_get0_alpn_selected(t.ssl, &proto, &proto_len);
    CHECK(proto_len == 2 && memcmp(proto, "h2", 2) == 0);   /* the server prefers h2 */
    tls_close(&t);
    CHECK(tls_open(&t, port, "\x08http/1.1", 9, NULL, NULL) == 0);
    SSL_get0_alpn_selected(t.ssl, &proto, &proto_len);
    CHECK(proto_len == 8 && memcmp(proto, "http/1.1", 8) == 0);
    CHECK_INT(tls_request(&t, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n"), 200);
    tls_close(&t);

    /* the probe listener stays plain HTTP */
    http_server_set_ready(s, true);
    CHECK_INT(one_request(http_server_port(s, HTTP_LISTENER_PROBE), "GET /readiness HTTP/1.1\r\nHost: a\r\n\r\n",
                          buf, sizeof buf), 200);
    /* plain HTTP on the TLS port: the handshake fails, the server lives on */
    one_request(port, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n", buf, sizeof buf);
    CHECK(status_of(buf) != 200);
    CHECK(tls_open(&t, port, NULL, 0, NULL, NULL) == 0);
    CHECK_INT(tls_request(&t, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n"), 200);
    tls_close(&t);
    http_server_free(s);
}

/* A chunked request one TLS record per byte (the server's reads end inside
 * every piece of framing), a Content-Length one pipelined after it, then HEAD. */
static void test_chunked_bytewise(void)
{
    http_server *s = start_tls(file("one.pem"), file("one.key"), NULL);
    tls_client t;
    CHECK(tls_open(&t, http_server_port(s, HTTP_LISTENER_API), "\x08http/1.1", 9, NULL, NULL) == 0);
    static const char two[] = "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "4;x=y\r\nping\r\n2\r\n!!\r\n0\r\nT: t\r\n\r\n"
                              "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\npong";
    bool sent = true;
    for (size_t i = 0; i < sizeof two - 1 && sent; i++) {
        sent = SSL_write(t.ssl, two + i, 1) == 1;
        struct timespec ts = { 0, 200000 };
        nanosleep(&ts, NULL);
    }
    CHECK(sent);
    size_t len = 0;
    int count = 0;
    while (count < 2 && len + 1 < sizeof buf) {
        int n = SSL_read(t.ssl, buf + len, (int)(sizeof buf - 1 - len));
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = 0;
        complete_responses(buf, len, &count);
    }
    CHECK_INT(count, 2);
    CHECK(strstr(buf, "POST /echo - 1 6\nping!!HTTP/1.1 200 OK\r\n") != NULL);
    CHECK(strstr(buf, "POST /echo - 1 4\npong") != NULL);
    CHECK_INT(tls_request(&t, "HEAD /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"), 200);
    CHECK(strstr(buf, "Content-Length: 16\r\n") != NULL);
    CHECK(strlen(buf) >= 4 && strcmp(buf + strlen(buf) - 4, "\r\n\r\n") == 0);
    tls_close(&t);
    ERR_clear_error();
    http_server_free(s);
}

static void test_curl_and_nghttp(void)
{
    http_server *s = start_tls(file("one.pem"), file("one.key"), NULL);
    int port = http_server_port(s, HTTP_LISTENER_API);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "printf '{\"a\":1}' | curl -s --cacert %s --http2 -H 'Content-Type: application/json' "
             "--data-binary @- -w ' %%{http_code} %%{http_version}' https://127.0.0.1:%d/echo",
             file("root.pem"), port);
    CHECK_INT(run_capture(cmd, buf, sizeof buf), 0);
    CHECK_STR(buf, "POST /echo application/json 2 7\n{\"a\":1} 200 2");
    snprintf(cmd, sizeof cmd,
             "curl -s --cacert %s --http1.1 -w ' %%{http_code} %%{http_version}' "
             "https://127.0.0.1:%d/echo https://127.0.0.1:%d/status/418",
             file("root.pem"), port, port);
    CHECK_INT(run_capture(cmd, buf, sizeof buf), 0);
    CHECK_STR(buf, "GET /echo - 1 0\n 200 1.1{\"status\":418} 418 1.1");
    /* HTTP/2: 900 KB each way, across many flow-control windows and TLS records */
    snprintf(cmd, sizeof cmd,
             "head -c 900000 /dev/zero | tr '\\0' b | curl -s --cacert %s --http2 -H 'Content-Type: x/y' "
             "--data-binary @- -o /dev/null -w '%%{http_code} %%{size_download}' https://127.0.0.1:%d/echo",
             file("root.pem"), port);
    CHECK_INT(run_capture(cmd, buf, sizeof buf), 0);
    CHECK_STR(buf, "200 900024");                    /* "POST /echo x/y 2 900000\n" + body */
    snprintf(cmd, sizeof cmd,
             "head -c 900000 /dev/zero | tr '\\0' b | curl -s --cacert %s --http1.1 -H 'Content-Type: x/y' "
             "--data-binary @- -o /dev/null -w '%%{http_code} %%{size_download}' https://127.0.0.1:%d/echo",
             file("root.pem"), port);
    CHECK_INT(run_capture(cmd, buf, sizeof buf), 0);
    CHECK_STR(buf, "200 900024");
    /* HTTP/2: a body over the limit is refused with 413 */
    snprintf(cmd, sizeof cmd,
             "head -c 1100000 /dev/zero | curl -s --cacert %s --http2 --data-binary @- "
             "-w ' %%{http_code} %%{http_version}' https://127.0.0.1:%d/echo",
             file("root.pem"), port);
    run_capture(cmd, buf, sizeof buf);
    CHECK(strstr(buf, "request body too large") != NULL && strstr(buf, " 413 2") != NULL);
    /* nghttp: several concurrent streams, one slow, on one connection */
    snprintf(cmd, sizeof cmd,
             "printf hello > %s && nghttp -n -s -d %s https://127.0.0.1:%d/echo "
             "https://127.0.0.1:%d/slow/200 https://127.0.0.1:%d/status/201 2>&1",
             file("body.txt"), file("body.txt"), port, port, port);
    CHECK_INT(run_capture(cmd, buf, sizeof buf), 0);
    CHECK(strstr(buf, "/echo") && strstr(buf, "/slow/200") && strstr(buf, "/status/201"));
    /* clients giving up while their request runs: the server stays healthy */
    snprintf(cmd, sizeof cmd,
             "curl -s --cacert %s --http2 --max-time 0.2 https://127.0.0.1:%d/slow/600 "
             "https://127.0.0.1:%d/slow/600; curl -s --cacert %s --http1.1 --max-time 0.2 "
             "https://127.0.0.1:%d/slow/600", file("root.pem"), port, port, file("root.pem"), port);
    CHECK(run_capture(cmd, buf, sizeof buf) != 0);
    snprintf(cmd, sizeof cmd, "nghttp -d %s https://127.0.0.1:%d/echo 2>/dev/null", file("body.txt"), port);
    CHECK_INT(run_capture(cmd, buf, sizeof buf), 0);
    CHECK_STR(buf, "POST /echo - 2 5\nhello");
    /* openssl s_client sees h2 selected by ALPN */
    snprintf(cmd, sizeof cmd,
             "openssl s_client -connect 127.0.0.1:%d -alpn h2,http/1.1 -CAfile %s </dev/null 2>&1",
             port, file("root.pem"));
    run_capture(cmd, buf, sizeof buf);
    CHECK(strstr(buf, "ALPN protocol: h2") != NULL);
    CHECK(strstr(buf, "Verify return code: 0 (ok)") != NULL);
    http_server_free(s);
}

static void test_mutual_tls(void)
{
    char cas[400];
    snprintf(cas, sizeof cas, "%s,%s", file("otherca.pem"), file("clientca.pem"));
    http_server *s = start_tls(file("one.pem"), file("one.key"), cas);
    int port = http_server_port(s, HTTP_LISTENER_API);
    tls_client t;

    CHECK(tls_open(&t, port, NULL, 0, file("client.pem"), file("client.key")) == 0);
    CHECK_INT(tls_request(&t, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n"), 200);
    tls_close(&t);

    tls_open(&t, port, NULL, 0, NULL, NULL);      /* no client certificate */
    CHECK(tls_request(&t, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n") != 200);
    tls_close(&t);

    tls_open(&t, port, NULL, 0, file("rogue.pem"), file("rogue.key"));   /* untrusted issuer */
    CHECK(tls_request(&t, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n") != 200);
    tls_close(&t);

    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "curl -s --cacert %s --cert %s --key %s --http2 -w ' %%{http_code} %%{http_version}' "
             "https://127.0.0.1:%d/echo", file("root.pem"), file("client.pem"), file("client.key"), port);
    CHECK_INT(run_capture(cmd, buf, sizeof buf), 0);
    CHECK_STR(buf, "GET /echo - 2 0\n 200 2");
    snprintf(cmd, sizeof cmd, "curl -s --cacert %s https://127.0.0.1:%d/echo", file("root.pem"), port);
    CHECK(run_capture(cmd, buf, sizeof buf) != 0);
    http_server_free(s);
}

/* Replaces `to` by a copy of `from` the way secret volumes do: write aside, rename. */
static void replace_file(const char *from, const char *to)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "cp %s %s.tmp && mv %s.tmp %s", from, to, to, to);
    CHECK(system(cmd) == 0);
}

static void expect_cn(int port, const char *want)
{
    tls_client t;
    char cn[64] = "";
    if (tls_open(&t, port, NULL, 0, NULL, NULL) == 0)
        peer_cn(&t, cn, sizeof cn);
    tls_close(&t);
    CHECK_STR(cn, want);
}

static void test_hot_reload(void)
{
    char live[128];
    snprintf(live, sizeof live, "%s/live", dir);
    mkdir(live, 0700);
    char crt[160], key[160];                       /* file()'s buffers are recycled */
    snprintf(crt, sizeof crt, "%s", file("live/tls.crt"));
    snprintf(key, sizeof key, "%s", file("live/tls.key"));
    replace_file(file("one.pem"), crt);
    replace_file(file("one.key"), key);
    http_server *s = start_tls(crt, key, NULL);
    int port = http_server_port(s, HTTP_LISTENER_API);
    expect_cn(port, "one");

    tls_client kept;                               /* a keep-alive connection across reloads */
    CHECK(tls_open(&kept, port, NULL, 0, NULL, NULL) == 0);
    CHECK_INT(tls_request(&kept, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n"), 200);

    replace_file(file("two.pem"), crt);
    replace_file(file("two.key"), key);
    test_sleep_ms(600);
    expect_cn(port, "two");
    CHECK_INT(tls_request(&kept, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n"), 200);

    /* a broken certificate is refused: "two" keeps serving */
    FILE *f = fopen(crt, "w");
    fputs("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", f);
    fclose(f);
    test_sleep_ms(600);
    expect_cn(port, "two");
    /* a certificate without its key (mismatch) is refused too */
    replace_file(file("one.pem"), crt);
    test_sleep_ms(600);
    expect_cn(port, "two");
    /* then the key arrives: "one" again */
    replace_file(file("one.key"), key);
    test_sleep_ms(600);
    expect_cn(port, "one");
    CHECK_INT(tls_request(&kept, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n"), 200);
    tls_close(&kept);
    http_server_free(s);
}

/* The client CA file changes: the new CA decides from then on. */
static void test_ca_reload(void)
{
    char live[128], ca[160];
    snprintf(live, sizeof live, "%s/live-ca", dir);
    mkdir(live, 0700);
    snprintf(ca, sizeof ca, "%s/ca.pem", live);
    replace_file(file("clientca.pem"), ca);
    http_server *s = start_tls(file("one.pem"), file("one.key"), ca);
    int port = http_server_port(s, HTTP_LISTENER_API);
    tls_client t;
    tls_open(&t, port, NULL, 0, file("client.pem"), file("client.key"));
    CHECK_INT(tls_request(&t, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n"), 200);
    tls_close(&t);
    tls_open(&t, port, NULL, 0, file("rogue.pem"), file("rogue.key"));
    CHECK(tls_request(&t, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n") != 200);
    tls_close(&t);

    replace_file(file("rogueca.pem"), ca);
    test_sleep_ms(600);
    tls_open(&t, port, NULL, 0, file("rogue.pem"), file("rogue.key"));
    CHECK_INT(tls_request(&t, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n"), 200);
    tls_close(&t);
    tls_open(&t, port, NULL, 0, file("client.pem"), file("client.key"));
    CHECK(tls_request(&t, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n") != 200);
    tls_close(&t);
    http_server_free(s);
}

static void test_start_errors(void)
{
    http_server_config cfg = test_config();
    char err[512];
    cfg.cert_file = file("missing.pem");
    cfg.key_file = file("one.key");
    CHECK(http_server_start(&cfg, err, sizeof err) == NULL);
    CHECK(strstr(err, "cannot load certificate chain from") && strstr(err, "missing.pem: No such file"));

    cfg.cert_file = file("one.pem");
    cfg.key_file = file("root.pem");               /* a certificate, not a key */
    CHECK(http_server_start(&cfg, err, sizeof err) == NULL);
    CHECK(strstr(err, "cannot load private key from") && strstr(err, "root.pem"));

    cfg.key_file = file("two.key");
    CHECK(http_server_start(&cfg, err, sizeof err) == NULL);
    CHECK(strstr(err, "does not match certificate") && strstr(err, "two.key"));

    /* an encrypted key is refused at once, no passphrase prompt */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "openssl pkey -in %s -aes256 -passout pass:secret -out %s",
             file("one.key"), file("encrypted.key"));
    CHECK(system(cmd) == 0);
    cfg.key_file = file("encrypted.key");
    CHECK(http_server_start(&cfg, err, sizeof err) == NULL);
    CHECK(strstr(err, "cannot load private key from") && strstr(err, "encrypted.key"));

    cfg.key_file = file("one.key");
    cfg.client_ca_file = file("nope.pem");
    CHECK(http_server_start(&cfg, err, sizeof err) == NULL);
    CHECK(strstr(err, "client CA") && strstr(err, "nope.pem"));
    cfg.client_ca_file = ",";
    CHECK(http_server_start(&cfg, err, sizeof err) == NULL);
    CHECK(strstr(err, "bad client CA file list") != NULL);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/kwc-tls-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char cmd[256];
    snprintf(cmd, sizeof cmd, "tests/e2e/transport/make-certs.sh %s", dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot make the test certificates (run from the repository root)\n");
        return 1;
    }
    test_chain_alpn_keep_alive();
    test_chunked_bytewise();
    test_curl_and_nghttp();
    test_mutual_tls();
    test_hot_reload();
    test_ca_reload();
    test_start_errors();
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    TEST_DONE();
}
