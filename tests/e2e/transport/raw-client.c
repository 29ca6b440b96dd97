/*
 * raw-client.c - sends the bytes of stdin to a server on loopback exactly as
 * they are, in pieces (each its own write, or its own TLS record), and prints
 * every byte that comes back.  For the transport's end-to-end tests: requests
 * a normal client would not send (bytes split anywhere, malformed framing).
 *
 *   raw-client [--tls CA_FILE] [--piece N] [--gap-us U] [--quiet-ms M] PORT < request
 *
 * --piece N   bytes per write (default: all at once); --gap-us U between them
 * --tls CA    TLS (ALPN http/1.1) verifying the server against CA for 127.0.0.1
 * --quiet-ms  stop reading after M ms without data (default 2000) or at EOF
 * Exit status: 0 when the request was sent, 1 otherwise (connection refused,
 * handshake failed, the server closed early), 2 on bad usage.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

typedef struct {
    int fd;
    SSL *ssl;
} link_t;

static int usage(void)
{
    fprintf(stderr, "usage: raw-client [--tls CA_FILE] [--piece N] [--gap-us U] [--quiet-ms M] PORT"
                    " < request\n");
    return 2;
}

static char *read_stdin(size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, stdin)) > 0) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger)
                free(buf);
            buf = bigger;
        }
    }
    *len = n;
    return buf;
}

static int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        perror("raw-client: connect");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static SSL *tls_connect(int fd, const char *ca_file)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx || SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) {
        fprintf(stderr, "raw-client: cannot load %s\n", ca_file);
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_alpn_protos(ctx, (const unsigned char *)"\x08http/1.1", 9);
    SSL *ssl = SSL_new(ctx);
    SSL_CTX_free(ctx);                       /* the SSL keeps its own reference */
    SSL_set_fd(ssl, fd);
    SSL_set1_host(ssl, "127.0.0.1");
    if (SSL_connect(ssl) != 1) {
        fprintf(stderr, "raw-client: TLS handshake failed\n");
        ERR_print_errors_fp(stderr);
        SSL_free(ssl);
        return NULL;
    }
    return ssl;
}

static int send_piece(link_t *l, const char *p, size_t n)
{
    while (n) {
        ssize_t w = l->ssl ? SSL_write(l->ssl, p, (int)n) : send(l->fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Copies what comes back to stdout until EOF or quiet_ms without data. */
static void relay_responses(link_t *l, int quiet_ms)
{
    char buf[16384];
    for (;;) {
        if (!(l->ssl && SSL_pending(l->ssl))) {
            struct pollfd p = { .fd = l->fd, .events = POLLIN };
            if (poll(&p, 1, quiet_ms) <= 0)
                return;
        }
        ssize_t n = l->ssl ? SSL_read(l->ssl, buf, sizeof buf) : recv(l->fd, buf, sizeof buf, 0);
        if (n <= 0)
            return;
        fwrite(buf, 1, (size_t)n, stdout);
    }
}

int main(int argc, char **argv)
{
    const char *ca_file = NULL;
    size_t piece = 0;
    long gap_us = 0;
    int quiet_ms = 2000, port = 0;
    for (int i = 1; i < argc; i++) {
        bool has_value = i + 1 < argc;
        if (strcmp(argv[i], "--tls") == 0 && has_value)
            ca_file = argv[++i];
        else if (strcmp(argv[i], "--piece") == 0 && has_value)
            piece = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--gap-us") == 0 && has_value)
            gap_us = atol(argv[++i]);
        else if (strcmp(argv[i], "--quiet-ms") == 0 && has_value)
            quiet_ms = atoi(argv[++i]);
        else if (argv[i][0] != '-' && !port)
            port = atoi(argv[i]);
        else
            return usage();
    }
    if (port <= 0 || port > 65535)
        return usage();
    size_t len;
    char *request = read_stdin(&len);
    if (!request)
        return 1;
    link_t l = { .fd = tcp_connect(port) };
    if (l.fd < 0 || (ca_file && !(l.ssl = tls_connect(l.fd, ca_file))))
        return 1;
    if (!piece)
        piece = len ? len : 1;
    int rc = 0;
    for (size_t at = 0; at < len && rc == 0; at += piece) {
        rc = send_piece(&l, request + at, len - at < piece ? len - at : piece);
        if (gap_us) {
            struct timespec ts = { gap_us / 1000000, (gap_us % 1000000) * 1000 };
            nanosleep(&ts, NULL);
        }
    }
    relay_responses(&l, quiet_ms);
    fflush(stdout);
    SSL_free(l.ssl);
    close(l.fd);
    free(request);
    return rc ? 1 : 0;
}
