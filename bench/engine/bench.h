/*
 * bench.h - shared helpers of the engine benchmark driver (bench_engine).
 */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>

uint64_t bench_now_ns(void);                 /* CLOCK_MONOTONIC */
double bench_median(double *values, size_t n);   /* sorts `values` */

/* Prints the instantiation table (plain wasm_instantiate vs snapshot).  0, or -1 on an engine failure. */
int bench_instantiation(void);
/* Prints the host->wasm and wasm->host call costs.  0, or -1 on an engine failure. */
int bench_calls(void);

#endif
