/*
 * test.h - the unit tests' few macros.  Each test file has a main() that runs
 * its cases and ends with TEST_DONE(), which prints "N passed, N failed" and
 * returns non-zero on any failure.  test_rand() drives the random tests.
 */
#ifndef TEST_H
#define TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int test_passed, test_failed;

#define CHECK(cond) do { \
        if (cond) test_passed++; \
        else { test_failed++; fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } \
    } while (0)

#define CHECK_STR(got, want) do { \
        const char *g_ = (got), *w_ = (want); \
        if (g_ && w_ && strcmp(g_, w_) == 0) test_passed++; \
        else { test_failed++; fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, \
                                      g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } \
    } while (0)

#define CHECK_INT(got, want) do { \
        long long g_ = (long long)(got), w_ = (long long)(want); \
        if (g_ == w_) test_passed++; \
        else { test_failed++; fprintf(stderr, "%s:%d: %s = %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_); } \
    } while (0)

/* A number in [0, n) from xorshift64 with a fixed seed: random tests see the
 * same sequence on every run, so a failure repeats. */
static inline uint32_t test_rand(uint32_t n)
{
    static uint64_t state = 0x9e3779b97f4a7c15ULL;
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (uint32_t)(state % n);
}

#define TEST_DONE() do { \
        printf("%d passed, %d failed\n", test_passed, test_failed); \
        return test_failed ? 1 : 0; \
    } while (0)

#endif
