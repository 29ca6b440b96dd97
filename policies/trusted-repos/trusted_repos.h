/*
 * trusted_repos.h - the trusted-repos policy's settings and the wildcard
 * matching its filters use.
 */
#ifndef TRUSTED_REPOS_H
#define TRUSTED_REPOS_H

#include "kw.h"

/* One entry of a filter list: matched literally, or as a wildcard pattern
 * when it has a '*' or a '?'. */
typedef struct matcher {
    const char *raw;      /* as written in the settings */
    bool pattern;
    kw_image_ref image;   /* image lists, literal entries: the parsed reference */
} matcher;

typedef struct matchers {
    matcher *v;
    size_t n;
} matchers;

typedef struct settings {
    matchers registries_allow, registries_reject;
    matchers tags_reject;
    matchers images_allow, images_reject;
} settings;

/* Reads the settings: NULL when they can be read, else the message.
 * settings_check then runs upstream's checks on what was read. */
const char *settings_read(kw_val json, settings *out);
const char *settings_check(const settings *st);
/* No filter has an entry: every image passes. */
bool settings_empty(const settings *st);

/* Whether s matches pattern, where '*' matches any run of characters
 * (including none) and '?' exactly one; everything else matches itself. */
bool wildcard_match(const char *pattern, const char *s);

#endif
