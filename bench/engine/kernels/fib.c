/*
 * fib.c - benchmark kernel: recursive Fibonacci, fib(35).  Call-bound.
 */
#include <stdint.h>

static uint32_t fib(uint32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* The argument comes from a volatile so that no compiler folds the call away. */
static volatile uint32_t fib_n = 35;

void setup(void)
{
}

uint32_t run(void)
{
    return fib(fib_n);
}
