/*
 * wildcard.c - '*' and '?' patterns, as upstream's settings use them
 * (case-sensitive; '?' is one UTF-8 character).  Linear backtracking: on a
 * mismatch only the last '*' is retried one character further, which is
 * enough because a later '*' can absorb whatever an earlier one could.
 */
#include "trusted_repos.h"

/* Length of the UTF-8 character starting at s (1 for stray bytes). */
static size_t char_len(const char *s)
{
    unsigned char c = (unsigned char)*s;
    size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    for (size_t i = 1; i < n; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            return 1;
    return n;
}

bool wildcard_match(const char *pattern, const char *s)
{
    const char *p = pattern;
    const char *star = NULL, *star_s = NULL;   /* last '*' seen, and where its match ends */
    while (*s) {
        if (*p == '*') {
            star = ++p;
            star_s = s;
        } else if (*p == '?') {
            p++;
            s += char_len(s);
        } else if (*p && *p == *s) {
            p++;
            s++;
        } else if (star) {
            star_s += char_len(star_s);
            s = star_s;
            p = star;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}
