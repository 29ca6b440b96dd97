/*
 * load.c - a small HTTP/1.1 load generator for the memory end-to-end test:
 * CONNECTIONS keep-alive connections to 127.0.0.1:PORT, each on its own
 * thread, POST request after request for SECONDS, cycling through PATH=FILE
 * pairs (each connection starting at a different one, so the mix is even).
 *
 *   load [--tls] PORT SECONDS CONNECTIONS PATH=FILE...
 *
 * --tls: HTTPS (ALPN http/1.1), like the API server's clients; the server's
 * certificate is not checked (loopback, a load generator).
 * Prints "requests N errors E" (an error: a status other than 200, a
 * malformed or short response, a failed connection).  Exit status 0 when
 * every request got a 200, 1 otherwise, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

enum { MAX_PAIRS = 256, RESPONSE_MAX = 1 << 20 };

typedef struct request {
    char *bytes;                    /* the whole HTTP request */
    size_t len;
} request;

typedef struct load {
    int port;
    SSL_CTX *tls;                   /* NULL: plain HTTP */
    double until;                   /* CLOCK_MONOTONIC seconds */
    request requests[MAX_PAIRS];
    int nrequests;
} load;

typedef struct connection {
    const load *load;
    int first;
    long done, errors;
} connection;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *data = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len == cap) {
            char *bigger = realloc(data, cap = cap ? cap * 2 : 4096);
            if (!bigger) break;
            data = bigger;
        }
        size_t n = fread(data + *len, 1, cap - *len, f);
        if (n == 0) break;
        *len += n;
    }
    fclose(f);
    return data;
}

/* "PATH=FILE" -> a complete POST request. */
static int make_request(request *r, const char *pair)
{
    const char *eq = strchr(pair, '=');
    size_t body_len;
    char *body = eq ? read_file(eq + 1, &body_len) : NULL;
    if (!body) {
        fprintf(stderr, "load: %s: want PATH=FILE with a readable FILE\n", pair);
        return -1;
    }
    int path_len = (int)(eq - pair);
    size_t cap = body_len + (size_t)path_len + 200;
    r->bytes = malloc(cap);
    if (!r->bytes) return -1;
    int head = snprintf(r->bytes, cap,
                        "POST %.*s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        "Content-Length: %zu\r\n\r\n", path_len, pair, body_len);
    memcpy(r->bytes + head, body, body_len);
    r->len = (size_t)head + body_len;
    free(body);
    return 0;
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    if (fd < 0) return -1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* A connection's socket, and its TLS session when the load is over TLS. */
typedef struct stream {
    int fd;
    SSL *ssl;
} stream;

static void stream_close(stream *s)
{
    if (s->ssl) SSL_free(s->ssl);
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
    s->ssl = NULL;
}

static int stream_open(stream *s, const load *l)
{
    s->ssl = NULL;
    s->fd = connect_to(l->port);
    if (s->fd < 0 || !l->tls) return s->fd < 0 ? -1 : 0;
    s->ssl = SSL_new(l->tls);
    if (!s->ssl || !SSL_set_fd(s->ssl, s->fd) || SSL_connect(s->ssl) != 1) {
        stream_close(s);
        return -1;
    }
    return 0;
}

static ssize_t stream_read(stream *s, char *p, size_t n)
{
    if (!s->ssl) return read(s->fd, p, n);
    int r = SSL_read(s->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
    return r > 0 ? r : -1;
}

static int send_all(stream *s, const char *p, size_t n)
{
    while (n) {
        ssize_t w = s->ssl ? SSL_write(s->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n) : write(s->fd, p, n);
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads one response into buf; returns its status, or -1. */
static int read_response(stream *fd, char *buf)
{
    size_t have = 0;
    char *end = NULL;
    while (!end) {
        if (have == RESPONSE_MAX - 1) return -1;
        ssize_t r = stream_read(fd, buf + have, RESPONSE_MAX - 1 - have);
        if (r <= 0) return -1;
        have += (size_t)r;
        buf[have] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    int status = 0;
    if (sscanf(buf, "HTTP/1.1 %d", &status) != 1) return -1;
    const char *cl = strcasestr(buf, "\r\ncontent-length:");
    if (!cl || cl > end) return -1;
    size_t body = strtoul(cl + 17, NULL, 10), want = (size_t)(end + 4 - buf) + body;
    if (want >= RESPONSE_MAX) return -1;
    while (have < want) {
        ssize_t r = stream_read(fd, buf + have, want - have);
        if (r <= 0) return -1;
        have += (size_t)r;
    }
    return status;
}

static void *run_connection(void *arg)
{
    connection *c = arg;
    const load *l = c->load;
    char *buf = malloc(RESPONSE_MAX);
    stream s = { -1, NULL };
    if (buf) stream_open(&s, l);
    for (int i = c->first; s.fd >= 0 && now_s() < l->until; i = (i + 1) % l->nrequests) {
        const request *r = &l->requests[i];
        int status = send_all(&s, r->bytes, r->len) == 0 ? read_response(&s, buf) : -1;
        c->done++;
        if (status == 200) continue;
        c->errors++;
        if (status < 0) {           /* the connection is unusable: a new one */
            stream_close(&s);
            stream_open(&s, l);
        }
    }
    if (s.fd < 0) c->errors++;
    stream_close(&s);
    free(buf);
    return NULL;
}

int main(int argc, char **argv)
{
    static load l;
    if (argc > 1 && strcmp(argv[1], "--tls") == 0) {
        static const unsigned char alpn[] = "\x08http/1.1";
        l.tls = SSL_CTX_new(TLS_client_method());
        if (!l.tls || SSL_CTX_set_alpn_protos(l.tls, alpn, sizeof alpn - 1) != 0) return 2;
        SSL_CTX_set_verify(l.tls, SSL_VERIFY_NONE, NULL);
        argv++, argc--;
    }
    if (argc < 5 || argc - 4 > MAX_PAIRS) {
        fprintf(stderr, "usage: load [--tls] PORT SECONDS CONNECTIONS PATH=FILE... (at most %d pairs)\n",
                MAX_PAIRS);
        return 2;
    }
    l.port = atoi(argv[1]);
    double seconds = atof(argv[2]);
    int nconn = atoi(argv[3]);
    if (l.port <= 0 || seconds <= 0 || nconn <= 0 || nconn > 1024) {
        fprintf(stderr, "load: bad PORT, SECONDS or CONNECTIONS\n");
        return 2;
    }
    for (int i = 4; i < argc; i++)
        if (make_request(&l.requests[l.nrequests++], argv[i]) < 0) return 2;
    l.until = now_s() + seconds;
    connection *c = calloc((size_t)nconn, sizeof *c);
    pthread_t *th = calloc((size_t)nconn, sizeof *th);
    if (!c || !th) return 2;
    for (int i = 0; i < nconn; i++) {
        c[i] = (connection){ .load = &l, .first = i % l.nrequests };
        if (pthread_create(&th[i], NULL, run_connection, &c[i]) != 0) c[i].errors = 1, th[i] = 0;
    }
    long done = 0, errors = 0;
    for (int i = 0; i < nconn; i++) {
        if (th[i]) pthread_join(th[i], NULL);
        done += c[i].done;
        errors += c[i].errors;
    }
    printf("requests %ld errors %ld\n", done, errors);
    for (int i = 0; i < l.nrequests; i++) free(l.requests[i].bytes);
    free(c);
    free(th);
    SSL_CTX_free(l.tls);
    return errors ? 1 : 0;
}
