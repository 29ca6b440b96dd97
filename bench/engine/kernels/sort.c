/*
 * sort.c - benchmark kernel: quicksort of 256K pseudo-random 32-bit ints.
 * run() refills the array (cheap next to the sort), sorts it, checks the order
 * and returns a checksum of a few elements.
 */
#include <stdint.h>

#define COUNT (256u * 1024u)

static int32_t values[COUNT];

static void quicksort(int32_t *a, int32_t lo, int32_t hi)
{
    while (lo < hi) {
        int32_t pivot = a[lo + (hi - lo) / 2], i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                int32_t t = a[i]; a[i] = a[j]; a[j] = t;
                i++; j--;
            }
        }
        /* Recurse into the smaller half, loop on the larger: depth stays O(log n). */
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
}

void setup(void)
{
}

uint32_t run(void)
{
    uint32_t x = 42;
    for (uint32_t i = 0; i < COUNT; i++) {
        x = x * 1664525u + 1013904223u;
        values[i] = (int32_t)x;
    }
    quicksort(values, 0, COUNT - 1);
    for (uint32_t i = 1; i < COUNT; i++)
        if (values[i - 1] > values[i])
            return 0;     /* not sorted: the driver sees a checksum mismatch */
    return (uint32_t)values[0] ^ (uint32_t)values[COUNT / 2] ^ (uint32_t)values[COUNT - 1] ^ COUNT;
}
