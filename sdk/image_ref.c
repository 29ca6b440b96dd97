/*
 * image_ref.c - container image references ("nginx", "ghcr.io/org/app:1.0",
 * "host:5000/app@sha256:...") read with the Docker distribution rules, as
 * Kubewarden's Rust policies read them (oci-spec's Reference):
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] path-component { "/" path-component }
 *   domain     := host-component { "." host-component } [ ":" digits ]
 *   host-component := [A-Za-z0-9] | [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]
 *   path-component := [a-z0-9]+ { ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ }
 *   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   digest     := algorithm ":" hex{32,}   (sha256/384/512 of their length)
 *
 * The first component is the registry when it has a '.' or a ':' or is
 * "localhost"; otherwise the registry is docker.io (index.docker.io is the
 * same) and a one-component repository gets "library/" in front.  Without a
 * tag and a digest the tag is "latest".  Differences from the Rust regex:
 * \w in tags is ASCII only here.
 */
#include "kw.h"

#include <string.h>

enum { REPOSITORY_MAX = 255, TAG_MAX = 128, DIGEST_HEX_MIN = 32 };

static const char INVALID_FORMAT[] = "invalid reference format";

static bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
static bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }
static bool is_word(char c) { return is_alnum(c) || c == '_'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* [a-z0-9]+ runs joined by ".", "_", "__" or one or more "-". */
static bool valid_path_component(const char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        size_t run = i;
        while (i < n && is_lower_alnum(s[i]))
            i++;
        if (i == run)
            return false;   /* empty, or a separator not followed by an alphanumeric */
        if (i == n)
            return true;
        if (s[i] == '.')
            i++;
        else if (s[i] == '_')
            i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
        else if (s[i] == '-')
            while (i < n && s[i] == '-')
                i++;
        else
            return false;
    }
}

/* host-components separated by '.', then an optional ":<digits>". */
static bool valid_domain(const char *s, size_t n)
{
    const char *colon = memchr(s, ':', n);
    size_t host_len = colon ? (size_t)(colon - s) : n;
    if (colon) {
        size_t port_len = n - host_len - 1;
        if (port_len == 0)
            return false;
        for (size_t i = host_len + 1; i < n; i++)
            if (!is_digit(s[i]))
                return false;
    }
    size_t start = 0;
    for (size_t i = 0; i <= host_len; i++) {
        if (i < host_len && s[i] != '.') {
            if (!is_alnum(s[i]) && s[i] != '-')
                return false;
            continue;
        }
        /* a component ends at i: non-empty, no leading or trailing '-' */
        if (i == start || s[start] == '-' || s[i - 1] == '-')
            return false;
        start = i + 1;
    }
    return true;
}

/* The whole name: every component a path component, except that the first
 * may also be a domain when there are others. */
static bool valid_name(const char *s, size_t n)
{
    const char *slash = memchr(s, '/', n);
    size_t first = slash ? (size_t)(slash - s) : n;
    if (!valid_path_component(s, first) && !(slash && valid_domain(s, first)))
        return false;
    size_t i = first;
    while (i < n) {
        size_t start = ++i;   /* past the '/' */
        while (i < n && s[i] != '/')
            i++;
        if (!valid_path_component(s + start, i - start))
            return false;
    }
    return true;
}

static bool valid_tag(const char *s, size_t n)
{
    if (n == 0 || n > TAG_MAX || !is_word(s[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!is_word(s[i]) && s[i] != '.' && s[i] != '-')
            return false;
    return true;
}

/* algorithm ":" hex{32,}, algorithm := [A-Za-z][A-Za-z0-9]* joined by [-_+.] */
static bool valid_digest_format(const char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        if (i == n || !is_alpha(s[i]))
            return false;
        while (i < n && is_alnum(s[i]))
            i++;
        if (i < n && (s[i] == '-' || s[i] == '_' || s[i] == '+' || s[i] == '.'))
            i++;
        else
            break;
    }
    if (i == n || s[i] != ':')
        return false;
    size_t hex = ++i;
    while (i < n && is_hex(s[i]))
        i++;
    return i == n && n - hex >= DIGEST_HEX_MIN;
}

/* Known algorithms must have their exact length. */
static const char *digest_error(const char *digest)
{
    static const struct {
        const char *algorithm;
        size_t hex_len;
    } known[] = { { "sha256", 64 }, { "sha384", 96 }, { "sha512", 128 } };
    const char *colon = strchr(digest, ':');
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        size_t alen = strlen(known[i].algorithm);
        if ((size_t)(colon - digest) == alen && memcmp(digest, known[i].algorithm, alen) == 0)
            return strlen(colon + 1) == known[i].hex_len ? NULL : "invalid checksum digest length";
    }
    return "unsupported digest algorithm";
}

/* Registry and repository of a valid name. */
static void split_domain(const char *name, size_t n, kw_image_ref *ref)
{
    const char *slash = memchr(name, '/', n);
    const char *remainder = name;
    size_t remainder_len = n;
    ref->registry = "docker.io";
    if (slash) {
        size_t left = (size_t)(slash - name);
        bool is_domain = memchr(name, '.', left) || memchr(name, ':', left) ||
                         (left == 9 && memcmp(name, "localhost", 9) == 0);
        if (is_domain) {
            bool legacy_hub = left == 15 && memcmp(name, "index.docker.io", 15) == 0;
            ref->registry = legacy_hub ? "docker.io" : kw_strndup(name, left);
            remainder = slash + 1;
            remainder_len = n - left - 1;
        }
    }
    bool official = strcmp(ref->registry, "docker.io") == 0 && !memchr(remainder, '/', remainder_len);
    if (official) {
        char *repo = kw_alloc(remainder_len + 9);
        memcpy(repo, "library/", 8);
        memcpy(repo + 8, remainder, remainder_len);
        ref->repository = repo;
    } else {
        ref->repository = kw_strndup(remainder, remainder_len);
    }
}

const char *kw_image_ref_parse(const char *s, size_t n, kw_image_ref *ref)
{
    memset(ref, 0, sizeof *ref);
    if (n == 0)
        return "repository name must have at least one component";
    const char *at = memchr(s, '@', n);
    size_t name_tag_len = at ? (size_t)(at - s) : n;
    if (at) {
        size_t digest_len = n - name_tag_len - 1;
        if (!valid_digest_format(at + 1, digest_len))
            return INVALID_FORMAT;
        ref->digest = kw_strndup(at + 1, digest_len);
    }
    /* a ':' after the last '/' starts the tag (a registry's port is followed by a '/') */
    size_t name_len = name_tag_len;
    for (size_t i = name_tag_len; i-- > 0 && s[i] != '/';)
        if (s[i] == ':') {
            name_len = i;
            break;
        }
    if (name_len < name_tag_len) {
        if (!valid_tag(s + name_len + 1, name_tag_len - name_len - 1))
            return INVALID_FORMAT;
        ref->tag = kw_strndup(s + name_len + 1, name_tag_len - name_len - 1);
    }
    if (name_len == 0 || !valid_name(s, name_len))
        return INVALID_FORMAT;
    if (!ref->tag && !ref->digest)
        ref->tag = "latest";
    split_domain(s, name_len, ref);
    if (strlen(ref->repository) > REPOSITORY_MAX)
        return "repository name must not be more than 255 characters";
    if (ref->digest)
        return digest_error(ref->digest);
    return NULL;
}

char *kw_image_ref_whole(const kw_image_ref *ref)
{
    kw_buf b = { 0 };
    kw_buf_puts(&b, ref->registry);
    kw_buf_putc(&b, '/');
    kw_buf_puts(&b, ref->repository);
    if (ref->tag) {
        kw_buf_putc(&b, ':');
        kw_buf_puts(&b, ref->tag);
    }
    if (ref->digest) {
        kw_buf_putc(&b, '@');
        kw_buf_puts(&b, ref->digest);
    }
    return (char *)kw_buf_cstr(&b);
}

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

bool kw_image_ref_equal(const kw_image_ref *a, const kw_image_ref *b)
{
    return same_text(a->registry, b->registry) && same_text(a->repository, b->repository) &&
           same_text(a->tag, b->tag) && same_text(a->digest, b->digest);
}
