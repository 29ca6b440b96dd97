/*
 * certwatch.c - certificate hot reload.  inotify watches the directories of
 * the certificate, key and client CA files (a directory watch also sees the
 * atomic rename or symlink swap Kubernetes uses for mounted secrets); after a
 * quiet moment a complete new SSL_CTX is built and, only if it is good,
 * replaces the old one for new connections.  Connections already open keep
 * theirs (OpenSSL counts the references).
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "transport.h"

#define DEBOUNCE_MS 200
#define WATCH_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ATTRIB)

static int watch_dir_of(http_server *s, const char *file, char *err, size_t errlen)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", file);
    const char *dir = dirname(copy);
    if (inotify_add_watch(s->inotify_fd, dir, WATCH_EVENTS) < 0) {
        snprintf(err, errlen, "cannot watch %s for certificate changes: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

int certwatch_start(http_server *s, char *err, size_t errlen)
{
    s->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (s->inotify_fd < 0) {
        snprintf(err, errlen, "inotify: %s", strerror(errno));
        return -1;
    }
    if (watch_dir_of(s, s->cert_file, err, errlen) < 0 || watch_dir_of(s, s->key_file, err, errlen) < 0)
        return -1;
    for (const char *p = s->client_ca_file; p && *p;) {
        size_t n = strcspn(p, ",");
        char file[4096];
        snprintf(file, sizeof file, "%.*s", (int)n, p);
        if (watch_dir_of(s, file, err, errlen) < 0)
            return -1;
        p += n + (p[n] == ',');
    }
    return 0;
}

static bool is_base_name_of(const char *name, const char *path)
{
    const char *slash = strrchr(path, '/');
    return strcmp(name, slash ? slash + 1 : path) == 0;
}

/* One of our files, or Kubernetes' "..data" symlink swap of a secret volume. */
static bool relevant(const http_server *s, const char *name)
{
    if (strncmp(name, "..", 2) == 0 || is_base_name_of(name, s->cert_file) ||
        is_base_name_of(name, s->key_file))
        return true;
    for (const char *p = s->client_ca_file; p && *p;) {
        size_t n = strcspn(p, ",");
        char file[4096];
        snprintf(file, sizeof file, "%.*s", (int)n, p);
        if (is_base_name_of(name, file))
            return true;
        p += n + (p[n] == ',');
    }
    return false;
}

void certwatch_event(http_server *s)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;
    while ((n = read(s->inotify_fd, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            if (ev->len && relevant(s, ev->name))
                s->reload_at_ms = now_ms() + DEBOUNCE_MS;   /* writes come in bursts: wait */
            p += sizeof *ev + ev->len;
        }
    }
}

void certwatch_reload(http_server *s)
{
    s->reload_at_ms = 0;
    char err[512];
    SSL_CTX *fresh = tls_context_new(s->cert_file, s->key_file, s->client_ca_file, err, sizeof err);
    if (!fresh) {
        server_log(s, HTTP_LOG_WARN, "certificate reload refused, the current one keeps serving: %s",
                   err);
        return;
    }
    SSL_CTX_free(s->tls);
    s->tls = fresh;
    server_log(s, HTTP_LOG_INFO, "certificate reloaded from %s", s->cert_file);
}
