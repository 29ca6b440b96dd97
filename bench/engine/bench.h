/*
 * bench.h - shared helpers of the engine benchmark driver (bench_engine).
 */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "wasm.h"

uint64_t bench_now_ns(void);                 /* CLOCK_MONOTONIC */
double bench_median(double *values, size_t n);   /* sorts `values` */

/* Prints the instantiation table (plain wasm_instantiate vs snapshot).  0, or -1 on an engine failure. */
int bench_instantiation(void);
/* DIR/NAME.wasm, loaded; NULL (message printed) on failure. */
wasm_module *bench_load(const char *dir, const char *name);

/* Prints call costs and interrupt latency (guest: DIR/calls.wasm).  0, or -1 on an engine failure. */
int bench_calls(const char *dir);

#endif
