/*
 * numeric.h - the helpers the statements of interp_ops.h use (bit views of
 * floats, rounding, min/max, saturating truncation), shared by the interpreter
 * (interp.c) and the compiler's out-of-line operations (jit_ops.c), so both
 * tiers compute every operator with the same code.
 */
#ifndef WASM_NUMERIC_H
#define WASM_NUMERIC_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float f32(uint32_t u) { float f; memcpy(&f, &u, sizeof f); return f; }
static inline uint32_t bf32(float f) { uint32_t u; memcpy(&u, &f, sizeof u); return u; }
static inline double f64(uint64_t u) { double d; memcpy(&d, &u, sizeof d); return d; }
static inline uint64_t bf64(double d) { uint64_t u; memcpy(&u, &d, sizeof u); return u; }

/* Rounding: libm may hand a signalling NaN back unchanged; wasm wants it quieted. */
static inline float f32_round(float (*round)(float), float x) { return x != x ? x + x : round(x); }
static inline double f64_round(double (*round)(double), double x) { return x != x ? x + x : round(x); }

/*
 * The NaN a binary operator returns when an operand is one: the first NaN
 * operand, quieted.  The C expression alone leaves the choice to the
 * instruction the compiler picks (x86 keeps the NaN of the operand that went
 * first, and two compilations of `a * b` may order them differently), so the
 * interpreter and the compiled tier's out-of-line operators could disagree.
 * Quieting keeps a canonical NaN canonical and makes any other arithmetic, as
 * the spec asks.  A NaN made from numbers (inf - inf) is `r` as computed.
 */
static inline uint32_t f32_nan_of(uint32_t a, uint32_t b, uint32_t r)
{
    if ((a & 0x7fffffffu) > 0x7f800000u) return a | 0x00400000u;
    if ((b & 0x7fffffffu) > 0x7f800000u) return b | 0x00400000u;
    return r;
}

static inline uint64_t f64_nan_of(uint64_t a, uint64_t b, uint64_t r)
{
    if ((a & 0x7fffffffffffffffull) > 0x7ff0000000000000ull) return a | 0x0008000000000000ull;
    if ((b & 0x7fffffffffffffffull) > 0x7ff0000000000000ull) return b | 0x0008000000000000ull;
    return r;
}

/* The result of a binary float operator on a and b, NaNs chosen as above. */
static inline uint32_t f32_arith(float r, uint32_t a, uint32_t b) { return r == r ? bf32(r) : f32_nan_of(a, b, bf32(r)); }
static inline uint64_t f64_arith(double r, uint64_t a, uint64_t b) { return r == r ? bf64(r) : f64_nan_of(a, b, bf64(r)); }

/* min/max: NaN in, NaN out (the first one, quieted); -0 < +0. */
static inline uint32_t f32_min(uint32_t a, uint32_t b)
{
    float x = f32(a), y = f32(b);
    if (x != x || y != y) return f32_nan_of(a, b, 0);
    if (x == y) return a | b;
    return x < y ? a : b;
}

static inline uint32_t f32_max(uint32_t a, uint32_t b)
{
    float x = f32(a), y = f32(b);
    if (x != x || y != y) return f32_nan_of(a, b, 0);
    if (x == y) return a & b;
    return x > y ? a : b;
}

static inline uint64_t f64_min(uint64_t a, uint64_t b)
{
    double x = f64(a), y = f64(b);
    if (x != x || y != y) return f64_nan_of(a, b, 0);
    if (x == y) return a | b;
    return x < y ? a : b;
}

static inline uint64_t f64_max(uint64_t a, uint64_t b)
{
    double x = f64(a), y = f64(b);
    if (x != x || y != y) return f64_nan_of(a, b, 0);
    if (x == y) return a & b;
    return x > y ? a : b;
}

/* Saturating truncations (f32 operands are promoted to double exactly). */
static inline int32_t sat_s32(double x)
{
    if (x != x) return 0;
    if (x <= -2147483649.0) return INT32_MIN;
    if (x >= 2147483648.0) return INT32_MAX;
    return (int32_t)x;
}

static inline uint32_t sat_u32(double x)
{
    if (x != x || x <= -1.0) return 0;
    if (x >= 4294967296.0) return UINT32_MAX;
    return (uint32_t)x;
}

static inline int64_t sat_s64(double x)
{
    if (x != x) return 0;
    if (x < -9223372036854775808.0) return INT64_MIN;
    if (x >= 9223372036854775808.0) return INT64_MAX;
    return (int64_t)x;
}

static inline uint64_t sat_u64(double x)
{
    if (x != x || x <= -1.0) return 0;
    if (x >= 18446744073709551616.0) return UINT64_MAX;
    return (uint64_t)x;
}

/* Operand types as stored in slots, and how immediates of each type are encoded. */
#define CT_I32 uint32_t
#define CT_F32 uint32_t
#define CT_I64 uint64_t
#define CT_F64 uint64_t
#define ST_I32 int32_t       /* signed view, for sign-extending loads */
#define ST_F32 int32_t
#define ST_I64 int64_t
#define ST_F64 int64_t
#define IMMW_I32 1
#define IMMW_F32 1
#define IMMW_I64 2
#define IMMW_F64 2
#define IMM_I32(w) (w)[0]
#define IMM_F32(w) (w)[0]
#define IMM_I64(w) ((uint64_t)(w)[0] | (uint64_t)(w)[1] << 32)
#define IMM_F64(w) IMM_I64(w)

/* The traps inside statements; TRAP(code) is the includer's (a jump to the
 * interpreter's unwind, a return from an out-of-line operator). */
#define TRUNC(x, lo, hi) do { \
        if ((x) != (x)) TRAP(INVALID_CONVERSION); \
        if (!((x) > (lo) && (x) < (hi))) TRAP(INT_OVERFLOW); \
    } while (0)
#define DIV_CHECK(b, overflow) do { \
        if ((b) == 0) TRAP(DIV_ZERO); \
        if (overflow) TRAP(INT_OVERFLOW); \
    } while (0)

#endif /* WASM_NUMERIC_H */
