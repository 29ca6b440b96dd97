/*
 * loop.c - the server object and its I/O thread: listeners, accept, the epoll
 * loop, completions coming back from workers, timeouts, stop and drain.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "transport.h"

/* epoll tags of the server's own descriptors; connections use their pointer. */
enum { TAG_LISTEN_API = 1, TAG_LISTEN_PROBE, TAG_WAKE, TAG_STOP, TAG_INOTIFY, TAG_LAST };

#define SWEEP_MS 250
#define QUIET_TRIM_MS 2000    /* quiet this long after traffic: give freed memory back */
#define ACCEPT_PAUSE_MS 100

uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void server_log(http_server *s, int level, const char *fmt, ...)
{
    if (!s->cfg.log)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    s->cfg.log(s->cfg.app, level, "%s", line);
}

static int epoll_add(int epfd, int fd, uint64_t tag)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* ---- listeners ------------------------------------------------------------ */

static int listen_on(const char *addr, int port, int *bound_port, char *err, size_t errlen)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *ai;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    int rc = getaddrinfo(addr, service, &hints, &ai);
    if (rc) {
        snprintf(err, errlen, "cannot resolve listen address %s: %s", addr, gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", addr, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    *bound_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                  : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

/* Out of descriptors: the listeners would stay readable and spin the loop, so
 * they leave epoll for a moment (connections closing meanwhile free some). */
static void pause_accepting(http_server *s, int err)
{
    if (s->accept_paused_until_ms)
        return;
    server_log(s, HTTP_LOG_WARN, "accept: %s; not accepting for %d ms", strerror(err), ACCEPT_PAUSE_MS);
    for (int i = 0; i < 2; i++)
        if (s->listen_fd[i] >= 0)
            epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->listen_fd[i], NULL);
    s->accept_paused_until_ms = now_ms() + ACCEPT_PAUSE_MS;
}

static void resume_accepting(http_server *s)
{
    s->accept_paused_until_ms = 0;
    for (int i = 0; i < 2; i++)
        if (s->listen_fd[i] >= 0)
            epoll_add(s->epfd, s->listen_fd[i], i == HTTP_LISTENER_API ? TAG_LISTEN_API : TAG_LISTEN_PROBE);
}

static void accept_all(http_server *s, http_listener which)
{
    for (;;) {
        int fd = accept4(s->listen_fd[which], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                pause_accepting(s, errno);
            return;                         /* EAGAIN, or a transient error: epoll tells us again */
        }
        if (s->n_conns >= MAX_CONNECTIONS) {
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conn *c = conn_new(s, fd, which);
        if (!c) {
            close(fd);
            continue;
        }
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
        c->events = EPOLLIN;
        if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
            conn_close(c);
    }
}

static void close_listeners(http_server *s)
{
    for (int i = 0; i < 2; i++) {
        if (s->listen_fd[i] >= 0) {
            epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->listen_fd[i], NULL);   /* ENOENT when paused */
            close(s->listen_fd[i]);
            s->listen_fd[i] = -1;
        }
    }
}

/* ---- the I/O thread --------------------------------------------------------- */

static void take_completions(http_server *s)
{
    uint64_t n;
    while (read(s->wake_fd, &n, sizeof n) < 0 && errno == EINTR)
        ;
    http_job *job = workers_take_done(s->pool);
    while (job) {
        http_job *next = job->next;
        conn_job_done(job->conn, job);
        job = next;
    }
}

static void begin_drain(http_server *s)
{
    uint64_t n;
    while (read(s->stop_fd, &n, sizeof n) < 0 && errno == EINTR)
        ;
    if (s->draining)
        return;
    s->draining = true;
    accept_all(s, HTTP_LISTENER_API);        /* connections in the backlog are served too */
    if (s->listen_fd[HTTP_LISTENER_PROBE] >= 0)
        accept_all(s, HTTP_LISTENER_PROBE);
    close_listeners(s);
    server_log(s, HTTP_LOG_INFO, "stopping: draining %d connection(s)", s->n_conns);
    conn *c = s->conns;
    while (c) {
        conn *next = c->next;                /* conn_begin_drain may free c */
        conn_begin_drain(c);
        c = next;
    }
}

static void sweep_timeouts(http_server *s, uint64_t now)
{
    conn *c = s->conns;
    while (c) {
        conn *next = c->next;
        if (c->fd >= 0 && c->deadline_ms && now >= c->deadline_ms)
            conn_timeout(c);
        c = next;
    }
}

static int wait_timeout(http_server *s, uint64_t now)
{
    int t = s->accept_paused_until_ms ? ACCEPT_PAUSE_MS : SWEEP_MS;
    if (s->reload_at_ms) {
        uint64_t left = s->reload_at_ms > now ? s->reload_at_ms - now : 0;
        if (left < (uint64_t)t)
            t = (int)left;
    }
    return t;
}

/* glibc keeps what a burst freed (TLS handshakes of many new connections,
 * big bodies) in its heaps; once traffic stops for a while, hand it back to
 * the OS so that RSS returns to its idle level.  Only when quiet: it costs a
 * walk over the heaps. */
static void trim_when_quiet(http_server *s, uint64_t now)
{
    if (s->traffic_since_trim && now - s->last_traffic_ms >= QUIET_TRIM_MS) {
        malloc_trim(0);
        s->traffic_since_trim = false;
    }
}

static void handle_event(http_server *s, struct epoll_event *ev)
{
    switch (ev->data.u64) {
    case TAG_LISTEN_API:   accept_all(s, HTTP_LISTENER_API); break;
    case TAG_LISTEN_PROBE: accept_all(s, HTTP_LISTENER_PROBE); break;
    case TAG_WAKE:         take_completions(s); break;
    case TAG_STOP:         begin_drain(s); break;
    case TAG_INOTIFY:      certwatch_event(s); break;
    default:               conn_handle_io(ev->data.ptr, ev->events); break;
    }
}

static void *io_main(void *arg)
{
    http_server *s = arg;
    struct epoll_event events[64];
    uint64_t next_sweep = now_ms() + SWEEP_MS;
    while (!(s->draining && s->n_conns == 0)) {
        int n = epoll_wait(s->epfd, events, 64, wait_timeout(s, now_ms()));
        for (int i = 0; i < n; i++)
            handle_event(s, &events[i]);
        workers_flush(s->pool);
        conn_reap(s);
        uint64_t now = now_ms();
        if (n > 0) {
            s->last_traffic_ms = now;
            s->traffic_since_trim = true;
        }
        if (s->reload_at_ms && now >= s->reload_at_ms)
            certwatch_reload(s);
        if (s->accept_paused_until_ms && now >= s->accept_paused_until_ms && !s->draining)
            resume_accepting(s);
        if (now >= next_sweep) {
            sweep_timeouts(s, now);
            workers_flush(s->pool);
            conn_reap(s);
            trim_when_quiet(s, now);
            next_sweep = now + SWEEP_MS;
        }
    }
    return NULL;
}

/* ---- lifecycle ------------------------------------------------------------ */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int copy_config(http_server *s, const http_server_config *cfg, char *err, size_t errlen)
{
    s->cfg = *cfg;
    s->addr = strdup(cfg->addr ? cfg->addr : "0.0.0.0");
    s->cert_file = dup_or_null(cfg->cert_file);
    s->key_file = dup_or_null(cfg->key_file);
    s->client_ca_file = dup_or_null(cfg->client_ca_file);
    s->cfg.addr = s->addr;
    s->cfg.cert_file = s->cert_file;
    s->cfg.key_file = s->key_file;
    s->cfg.client_ca_file = s->client_ca_file;
    if (!s->cfg.max_body)
        s->cfg.max_body = HTTP_DEFAULT_MAX_BODY;
    if (!s->cfg.idle_timeout_ms)
        s->cfg.idle_timeout_ms = 60000;
    if (!s->cfg.request_timeout_ms)
        s->cfg.request_timeout_ms = 10000;
    if (s->cfg.workers <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        s->cfg.workers = n > 0 ? (int)n : 1;
    }
    if (!cfg->handler) {
        snprintf(err, errlen, "no request handler given");
        return -1;
    }
    if (!s->cert_file != !s->key_file) {
        snprintf(err, errlen, "TLS needs both a certificate file and a key file");
        return -1;
    }
    if (s->client_ca_file && !s->cert_file) {
        snprintf(err, errlen, "a client CA file needs TLS (a certificate and a key file)");
        return -1;
    }
    return 0;
}

static int make_contexts(http_server *s, char *err, size_t errlen)
{
    s->n_workers = s->cfg.workers;
    s->contexts = calloc((size_t)s->n_workers + 1, sizeof *s->contexts);
    if (!s->contexts) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (!s->cfg.worker_init)
        return 0;
    for (int i = 0; i <= s->n_workers; i++) {
        int index = i < s->n_workers ? i : HTTP_PROBE_WORKER;
        s->contexts[i] = s->cfg.worker_init(index, s->cfg.app);
        if (!s->contexts[i]) {
            snprintf(err, errlen, "cannot initialise the context of worker %d", index);
            return -1;
        }
    }
    return 0;
}

static int open_fds(http_server *s, char *err, size_t errlen)
{
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    s->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (s->epfd < 0 || s->wake_fd < 0 || s->stop_fd < 0) {
        snprintf(err, errlen, "cannot create the event loop: %s", strerror(errno));
        return -1;
    }
    epoll_add(s->epfd, s->wake_fd, TAG_WAKE);
    epoll_add(s->epfd, s->stop_fd, TAG_STOP);
    if (s->inotify_fd >= 0)
        epoll_add(s->epfd, s->inotify_fd, TAG_INOTIFY);
    s->listen_fd[HTTP_LISTENER_API] = listen_on(s->addr, s->cfg.port, &s->port[0], err, errlen);
    if (s->listen_fd[0] < 0)
        return -1;
    epoll_add(s->epfd, s->listen_fd[0], TAG_LISTEN_API);
    if (s->cfg.probe_port >= 0) {
        s->listen_fd[1] = listen_on(s->addr, s->cfg.probe_port, &s->port[1], err, errlen);
        if (s->listen_fd[1] < 0)
            return -1;
        epoll_add(s->epfd, s->listen_fd[1], TAG_LISTEN_PROBE);
    }
    return 0;
}

/* Our threads leave every signal to the application's threads (SIGTERM and
 * SIGHUP to main; SIGPIPE stays blocked here so a write to a closed peer just
 * fails with EPIPE). */
static int start_threads(http_server *s, char *err, size_t errlen)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = 0;
    s->pool = workers_start(s->n_workers, s->cfg.handler, s->contexts, s->wake_fd, err, errlen);
    if (!s->pool)
        rc = -1;
    else if ((rc = pthread_create(&s->io_thread, NULL, io_main, s)) != 0) {
        snprintf(err, errlen, "cannot start the I/O thread: %s", strerror(rc));
        rc = -1;
    } else
        s->io_started = true;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

http_server *http_server_start(const http_server_config *cfg, char *err, size_t errlen)
{
    http_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->epfd = s->wake_fd = s->stop_fd = s->inotify_fd = -1;
    s->listen_fd[0] = s->listen_fd[1] = -1;
    s->port[0] = s->port[1] = -1;
    if (copy_config(s, cfg, err, errlen) < 0)
        goto fail;
    if (s->cert_file) {
        s->tls = tls_context_new(s->cert_file, s->key_file, s->client_ca_file, err, errlen);
        if (!s->tls || certwatch_start(s, err, errlen) < 0)
            goto fail;
    }
    if (open_fds(s, err, errlen) < 0 || make_contexts(s, err, errlen) < 0 ||
        start_threads(s, err, errlen) < 0)
        goto fail;
    server_log(s, HTTP_LOG_INFO, "listening on %s:%d (%s, %d workers)%s", s->addr, s->port[0],
               s->tls ? "HTTPS, HTTP/2 and HTTP/1.1" : "HTTP/1.1 and h2c", s->n_workers,
               s->port[1] >= 0 ? "" : ", no probe listener");
    return s;
fail:
    http_server_free(s);
    return NULL;
}

int http_server_port(const http_server *s, http_listener which)
{
    return s->port[which];
}

void http_server_set_ready(http_server *s, bool ready)
{
    atomic_store(&s->ready, ready);
}

void http_server_stop(http_server *s)
{
    if (!s || s->stopped)
        return;
    s->stopped = true;
    if (s->io_started) {
        uint64_t one = 1;
        while (write(s->stop_fd, &one, sizeof one) < 0 && errno == EINTR)
            ;
        pthread_join(s->io_thread, NULL);
        s->io_started = false;
    }
    workers_stop(s->pool);
    s->pool = NULL;
    server_log(s, HTTP_LOG_INFO, "stopped");
}

void http_server_free(http_server *s)
{
    if (!s)
        return;
    http_server_stop(s);
    close_listeners(s);
    if (s->contexts && s->cfg.worker_fini)
        for (int i = 0; i <= s->n_workers; i++)
            if (s->contexts[i])
                s->cfg.worker_fini(s->contexts[i], s->cfg.app);
    free(s->contexts);
    int fds[] = { s->epfd, s->wake_fd, s->stop_fd, s->inotify_fd };
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    SSL_CTX_free(s->tls);
    free(s->addr);
    free(s->cert_file);
    free(s->key_file);
    free(s->client_ca_file);
    free(s);
}
