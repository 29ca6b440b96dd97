/*
 * tls.c - building the server's SSL_CTX: certificate chain + key, optional
 * client CAs (client certificates then required), ALPN "h2" before "http/1.1".
 * A new context is built for every (re)load and swapped in whole, so a
 * connection keeps the context it was accepted with.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509err.h>

#include "transport.h"

static const unsigned char alpn_protos[] = "\x02h2\x08http/1.1";

/* Server preference: h2 whenever the client offers it. */
static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    unsigned char *selected;
    if (SSL_select_next_proto(&selected, outlen, alpn_protos, sizeof alpn_protos - 1, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;          /* no ALPN agreement: HTTP/1.1 */
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

/* Encrypted keys are refused: OpenSSL's default would prompt on the terminal
 * (and block the I/O thread during a reload). */
static int no_passphrase(char *buf, int size, int rwflag, void *userdata)
{
    return 0;
}

/* A missing or unreadable file gets the system's word for it, not OpenSSL's. */
static bool readable(const char *file, const char *what, char *err, size_t errlen)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        snprintf(err, errlen, "%s %s: %s", what, file, strerror(errno));
        return false;
    }
    fclose(f);
    return true;
}

/* "<what> <file>: <OpenSSL's reason>" */
static void tls_error(char *err, size_t errlen, const char *what, const char *file)
{
    unsigned long e = ERR_peek_last_error();
    const char *reason = e ? ERR_reason_error_string(e) : NULL;
    if (ERR_GET_LIB(e) == ERR_LIB_PEM || ERR_GET_LIB(e) == ERR_LIB_ASN1 ||
        (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == ERR_R_PEM_LIB))
        reason = "not a readable PEM file of that kind";
    snprintf(err, errlen, "%s %s: %s", what, file, reason ? reason : "unknown error");
    ERR_clear_error();
}

static int load_client_cas(SSL_CTX *ctx, const char *list, char *err, size_t errlen)
{
    STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();
    char file[4096];
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n == 0 || n >= sizeof file) {
            snprintf(err, errlen, "bad client CA file list \"%s\"", list);
            goto fail;
        }
        memcpy(file, p, n);
        file[n] = 0;
        if (!readable(file, "cannot load client CA file", err, errlen))
            goto fail;
        if (SSL_CTX_load_verify_locations(ctx, file, NULL) != 1) {
            tls_error(err, errlen, "cannot load client CA file", file);
            goto fail;
        }
        if (SSL_add_file_cert_subjects_to_stack(names, file) != 1) {
            tls_error(err, errlen, "no certificate in client CA file", file);
            goto fail;
        }
        p += n + (p[n] == ',');
    }
    SSL_CTX_set_client_CA_list(ctx, names);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    return 0;
fail:
    sk_X509_NAME_pop_free(names, X509_NAME_free);
    return -1;
}

SSL_CTX *tls_context_new(const char *cert_file, const char *key_file, const char *client_ca_files,
                         char *err, size_t errlen)
{
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        snprintf(err, errlen, "cannot create a TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* Idle keep-alive connections give their record buffers back; `out` may
     * grow (move) between the retries of a partial write. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                              SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* One read() per burst of records instead of two per record (header,
     * body); conn.c checks SSL_has_pending for what was read ahead. */
    SSL_CTX_set_read_ahead(ctx, 1);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
    if (!readable(cert_file, "cannot load certificate chain from", err, errlen) ||
        !readable(key_file, "cannot load private key from", err, errlen))
        goto fail;
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
        tls_error(err, errlen, "cannot load certificate chain from", cert_file);
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
        if (ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH) {
            tls_error(err, errlen, "cannot load private key from", key_file);
            goto fail;
        }
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        ERR_clear_error();
        snprintf(err, errlen, "private key %s does not match certificate %s", key_file, cert_file);
        goto fail;
    }
    if (client_ca_files && *client_ca_files && load_client_cas(ctx, client_ca_files, err, errlen) < 0)
        goto fail;
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, NULL);
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}
