/*
 * test_json_arena_trim - json_arena_reset_trim: after a cycle that used more
 * than keep_bytes of the arena's block, the pages beyond go back to the kernel
 * (mincore says they are not resident), the first keep_bytes stay, and the
 * arena works as before; a small cycle or a cycle of several blocks changes
 * nothing but the reset.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "json.h"
#include "test.h"

enum { BLOCK = 256 << 10, KEEP = 16 << 10 };

/* Resident pages among the whole pages of [p, p + len). */
static long resident(const void *p, size_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t from = ((uintptr_t)p + page - 1) & ~(uintptr_t)(page - 1);
    uintptr_t to = ((uintptr_t)p + len) & ~(uintptr_t)(page - 1);
    unsigned char vec[128];
    size_t n = (to - from) / page;
    if (to <= from) return 0;
    if (n > sizeof vec || mincore((void *)from, to - from, vec) != 0) return -1;
    long count = 0;
    for (size_t i = 0; i < n; i++) count += vec[i] & 1;
    return count;
}

static void test_big_cycle_given_back(void)
{
    json_arena *a = json_arena_new(BLOCK);
    char *p = json_arena_alloc(a, 200 << 10);
    CHECK(p != NULL);
    if (!p) return;
    memset(p, 0x5a, 200 << 10);
    CHECK(resident(p + KEEP, (200 << 10) - KEEP) > 40);
    json_arena_reset_trim(a, KEEP);
    CHECK_INT(resident(p + KEEP + 4096, (200 << 10) - KEEP - 4096), 0);   /* given back */
    CHECK(resident(p, KEEP - 4096) > 0);                                   /* kept */
    CHECK(p[0] == 0x5a);
    /* the same block serves the next cycle, and the pages come back on use */
    char *q = json_arena_alloc(a, 200 << 10);
    CHECK(q == p);
    memset(q, 0x33, 200 << 10);
    CHECK(q[(200 << 10) - 1] == 0x33 && q[100 << 10] == 0x33);
    json_arena_free(a);
}

static void test_small_cycle_kept(void)
{
    json_arena *a = json_arena_new(BLOCK);
    char *p = json_arena_alloc(a, 12 << 10);
    memset(p, 1, 12 << 10);
    json_arena_reset_trim(a, KEEP);
    CHECK(resident(p, 12 << 10) >= 2);                                    /* its whole pages, kept */
    char *q = json_arena_alloc(a, 8);
    CHECK(q == p);
    json_arena_free(a);
}

/* A cycle that chained blocks is merged by the reset: nothing to give back, nothing breaks. */
static void test_chained_cycle(void)
{
    json_arena *a = json_arena_new(4096);
    for (int i = 0; i < 100; i++) {
        char *p = json_arena_alloc(a, 3000);
        CHECK(p != NULL);
        if (p) memset(p, i, 3000);
    }
    json_arena_reset_trim(a, 1024);
    char *p = json_arena_alloc(a, 250000);   /* fits the merged block */
    CHECK(p != NULL);
    if (p) memset(p, 7, 250000);
    json_arena_reset_trim(a, 1024);
    json_value *v = json_parse(a, "{\"a\":[1,2,3]}", 13, NULL);
    CHECK(v != NULL && v->type == JSON_OBJECT);
    json_arena_free(a);
}

int main(void)
{
    test_big_cycle_given_back();
    test_small_cycle_kept();
    test_chained_cycle();
    TEST_DONE();
}
