/*
 * test_wasm_exec - the validating compiler and the interpreter: numeric edge
 * cases, traps, calls (host, indirect, other instances, re-entry), deep
 * recursion, interruption from another thread and by deadline, dirty-page
 * marking, and validation errors with their function index and byte offset.
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <time.h>

#include "wasm.h"
#include "test.h"
#include "wasm_build.h"
#include "../../src/wasm/internal.h"
#include "../../src/wasm/interp_ops.h"

static bool starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* An instance of `text` with no imports, or NULL. */
static wasm_instance *instance_of(const char *text, wasm_module **mod, const wasm_limits *limits)
{
    *mod = load_wat(text);
    if (!*mod) return NULL;
    wasm_error err = {0};
    wasm_instance *inst = wasm_instantiate(*mod, NULL, limits, &err);
    if (!inst) fprintf(stderr, "instantiate: %s\n", err.message);
    return inst;
}

static uint64_t f32b(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static uint64_t f64b(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

/* ---- numbers -------------------------------------------------------------- */

static const char numeric_wat[] =
    "(module"
    " (func (export \"div_s\") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))"
    " (func (export \"rem_s\") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))"
    " (func (export \"div_u64\") (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1)))"
    " (func (export \"div_s64\") (param i64 i64) (result i64) (i64.div_s (local.get 0) (local.get 1)))"
    " (func (export \"rem_s64\") (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))"
    " (func (export \"shl\") (param i32 i32) (result i32) (i32.shl (local.get 0) (local.get 1)))"
    " (func (export \"shr_s\") (param i32 i32) (result i32) (i32.shr_s (local.get 0) (local.get 1)))"
    " (func (export \"rotl\") (param i32 i32) (result i32) (i32.rotl (local.get 0) (local.get 1)))"
    " (func (export \"rotr64\") (param i64 i64) (result i64) (i64.rotr (local.get 0) (local.get 1)))"
    " (func (export \"clz\") (param i32) (result i32) (i32.clz (local.get 0)))"
    " (func (export \"ctz64\") (param i64) (result i64) (i64.ctz (local.get 0)))"
    " (func (export \"ext8\") (param i32) (result i32) (i32.extend8_s (local.get 0)))"
    " (func (export \"ext32\") (param i64) (result i64) (i64.extend32_s (local.get 0)))"
    " (func (export \"sub_imm\") (param i32) (result i32) (i32.sub (i32.const 10) (local.get 0)))"
    " (func (export \"add_imm64\") (param i64) (result i64) (i64.add (local.get 0) (i64.const 0x100000000)))"
    " (func (export \"fmin\") (param f32 f32) (result f32) (f32.min (local.get 0) (local.get 1)))"
    " (func (export \"fmax\") (param f64 f64) (result f64) (f64.max (local.get 0) (local.get 1)))"
    " (func (export \"nearest\") (param f32) (result f32) (f32.nearest (local.get 0)))"
    " (func (export \"nearest64\") (param f64) (result f64) (f64.nearest (local.get 0)))"
    " (func (export \"neg\") (param f32) (result f32) (f32.neg (local.get 0)))"
    " (func (export \"copysign\") (param f64 f64) (result f64) (f64.copysign (local.get 0) (local.get 1)))"
    " (func (export \"floor\") (param f32) (result f32) (f32.floor (local.get 0)))"
    " (func (export \"trunc_s\") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))"
    " (func (export \"trunc_u64\") (param f64) (result i64) (i64.trunc_f64_u (local.get 0)))"
    " (func (export \"sat_s\") (param f64) (result i32) (i32.trunc_sat_f64_s (local.get 0)))"
    " (func (export \"sat_u64\") (param f32) (result i64) (i64.trunc_sat_f32_u (local.get 0)))"
    " (func (export \"cvt_u64\") (param i64) (result f32) (f32.convert_i64_u (local.get 0)))"
    " (func (export \"demote\") (param f64) (result f32) (f32.demote_f64 (local.get 0)))"
    " (func (export \"reinterp\") (param i32) (result i32) (i32.reinterpret_f32 (f32.reinterpret_i32 (local.get 0))))"
    ")";

static void test_integers(wasm_instance *inst)
{
    uint64_t r;
    CHECK_INT(call_export(inst, "div_s", &r, 2, (uint64_t)(uint32_t)-7, (uint64_t)2), WASM_OK);
    CHECK_INT((int32_t)r, -3);
    CHECK_INT(call_export(inst, "div_s", &r, 2, (uint64_t)1, (uint64_t)0), WASM_TRAP_DIV_ZERO);
    CHECK_INT(call_export(inst, "div_s", &r, 2, (uint64_t)0x80000000u, (uint64_t)0xffffffffu), WASM_TRAP_INT_OVERFLOW);
    CHECK_STR(wasm_instance_trap_message(inst), "integer overflow");
    CHECK_INT(call_export(inst, "rem_s", &r, 2, (uint64_t)0x80000000u, (uint64_t)0xffffffffu), WASM_OK);
    CHECK_INT(r, 0);
    CHECK_INT(call_export(inst, "rem_s", &r, 2, (uint64_t)(uint32_t)-7, (uint64_t)2), WASM_OK);
    CHECK_INT((int32_t)r, -1);
    CHECK_INT(call_export(inst, "rem_s", &r, 2, (uint64_t)5, (uint64_t)0), WASM_TRAP_DIV_ZERO);
    CHECK_INT(call_export(inst, "div_u64", &r, 2, ~0ull, 2ull), WASM_OK);
    CHECK(r == 0x7fffffffffffffffull);
    CHECK_INT(call_export(inst, "div_s64", &r, 2, 0x8000000000000000ull, ~0ull), WASM_TRAP_INT_OVERFLOW);
    CHECK_INT(call_export(inst, "rem_s64", &r, 2, 0x8000000000000000ull, ~0ull), WASM_OK);
    CHECK_INT(r, 0);
    CHECK_INT(call_export(inst, "shl", &r, 2, (uint64_t)1, (uint64_t)33), WASM_OK);
    CHECK_INT(r, 2);                                    /* count masked to 5 bits */
    CHECK_INT(call_export(inst, "shr_s", &r, 2, (uint64_t)0x80000000u, (uint64_t)31), WASM_OK);
    CHECK(r == 0xffffffffu);
    CHECK_INT(call_export(inst, "rotl", &r, 2, (uint64_t)0x80000001u, (uint64_t)1), WASM_OK);
    CHECK_INT(r, 3);
    CHECK_INT(call_export(inst, "rotr64", &r, 2, 1ull, 65ull), WASM_OK);
    CHECK(r == 0x8000000000000000ull);
    CHECK_INT(call_export(inst, "clz", &r, 1, (uint64_t)0), WASM_OK);
    CHECK_INT(r, 32);
    CHECK_INT(call_export(inst, "ctz64", &r, 1, 0ull), WASM_OK);
    CHECK_INT(r, 64);
    CHECK_INT(call_export(inst, "ext8", &r, 1, (uint64_t)0x180), WASM_OK);
    CHECK(r == 0xffffff80u);                            /* i32 results are zero-extended in the slot */
    CHECK_INT(call_export(inst, "ext32", &r, 1, 0x80000000ull), WASM_OK);
    CHECK(r == 0xffffffff80000000ull);
    CHECK_INT(call_export(inst, "sub_imm", &r, 1, (uint64_t)3), WASM_OK);
    CHECK_INT(r, 7);
    CHECK_INT(call_export(inst, "add_imm64", &r, 1, 5ull), WASM_OK);
    CHECK(r == 0x100000005ull);
}

static void test_floats(wasm_instance *inst)
{
    uint64_t r;
    CHECK_INT(call_export(inst, "fmin", &r, 2, f32b(0.0f), f32b(-0.0f)), WASM_OK);
    CHECK(r == 0x80000000u);
    CHECK_INT(call_export(inst, "fmin", &r, 2, f32b(1.0f), (uint64_t)0x7fa00000u), WASM_OK);
    CHECK((r & 0x7fc00000u) == 0x7fc00000u);            /* NaN, quieted */
    CHECK_INT(call_export(inst, "fmax", &r, 2, f64b(-0.0), f64b(0.0)), WASM_OK);
    CHECK(r == 0);
    CHECK_INT(call_export(inst, "nearest", &r, 1, f32b(2.5f)), WASM_OK);
    CHECK(r == f32b(2.0f));
    CHECK_INT(call_export(inst, "nearest", &r, 1, f32b(3.5f)), WASM_OK);
    CHECK(r == f32b(4.0f));
    CHECK_INT(call_export(inst, "nearest64", &r, 1, f64b(-0.5)), WASM_OK);
    CHECK(r == f64b(-0.0));
    CHECK_INT(call_export(inst, "neg", &r, 1, (uint64_t)0x7fa00001u), WASM_OK);
    CHECK(r == 0xffa00001u);                            /* a bit flip: the NaN payload survives */
    CHECK_INT(call_export(inst, "copysign", &r, 2, f64b(2.0), 0xfff8000000000000ull), WASM_OK);
    CHECK(r == f64b(-2.0));
    CHECK_INT(call_export(inst, "floor", &r, 1, (uint64_t)0x7fa00000u), WASM_OK);
    CHECK(r == 0x7fe00000u);                            /* signalling NaN comes back quiet */
    CHECK_INT(call_export(inst, "trunc_s", &r, 1, f32b(-2147483648.0f)), WASM_OK);
    CHECK(r == 0x80000000u);
    CHECK_INT(call_export(inst, "trunc_s", &r, 1, f32b(2147483648.0f)), WASM_TRAP_INT_OVERFLOW);
    CHECK_INT(call_export(inst, "trunc_s", &r, 1, (uint64_t)0x7fc00000u), WASM_TRAP_INVALID_CONVERSION);
    CHECK_STR(wasm_instance_trap_message(inst), "invalid conversion to integer");
    CHECK_INT(call_export(inst, "trunc_u64", &r, 1, f64b(-0.9)), WASM_OK);
    CHECK_INT(r, 0);
    CHECK_INT(call_export(inst, "trunc_u64", &r, 1, f64b(-1.0)), WASM_TRAP_INT_OVERFLOW);
    CHECK_INT(call_export(inst, "trunc_u64", &r, 1, f64b(18446744073709549568.0)), WASM_OK);
    CHECK(r == 18446744073709549568ull);
    CHECK_INT(call_export(inst, "sat_s", &r, 1, f64b(1e300)), WASM_OK);
    CHECK(r == 0x7fffffffu);
    CHECK_INT(call_export(inst, "sat_s", &r, 1, f64b(NAN)), WASM_OK);
    CHECK_INT(r, 0);
    CHECK_INT(call_export(inst, "sat_u64", &r, 1, f32b(-5.0f)), WASM_OK);
    CHECK_INT(r, 0);
    CHECK_INT(call_export(inst, "cvt_u64", &r, 1, 0xffffffffffffffffull), WASM_OK);
    CHECK(r == f32b(18446744073709551616.0f));
    CHECK_INT(call_export(inst, "cvt_u64", &r, 1, 0x8000008000000001ull), WASM_OK);
    CHECK(r == 0x5f000001u);                            /* rounds up past the halfway point */
    CHECK_INT(call_export(inst, "demote", &r, 1, f64b(1e300)), WASM_OK);
    CHECK(r == 0x7f800000u);
    CHECK_INT(call_export(inst, "reinterp", &r, 1, (uint64_t)0x7f800001u), WASM_OK);
    CHECK(r == 0x7f800001u);                            /* signalling NaN bits unchanged */
}

static void test_numbers(void)
{
    wasm_module *m;
    wasm_instance *inst = instance_of(numeric_wat, &m, NULL);
    CHECK(inst != NULL);
    if (!inst) return;
    test_integers(inst);
    test_floats(inst);
    wasm_instance_free(inst);
    wasm_module_free(m);
}

/* ---- control flow and the compiler's peepholes ----------------------------- */

static const char control_wat[] =
    "(module"
    " (type $pair (func (param i32) (result i32 i32)))"
    /* local.get 0 is still on the stack when local 0 changes: it must keep the old value */
    " (func (export \"keep_old\") (param i32) (result i32)"
    "   (local.get 0) (local.set 0 (i32.add (local.get 0) (i32.const 1))) (local.get 0) (i32.sub))"
    " (func (export \"tee\") (param i32) (result i32) (local i32)"
    "   (i32.add (local.tee 1 (i32.mul (local.get 0) (i32.const 3))) (local.get 1)))"
    " (func (export \"swap\") (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))"
    " (func (export \"multi\") (param i32) (result i32)"
    "   (local.get 0) (block $b (type $pair) (i32.const 7) (br_if $b (local.get 0)) (drop) (drop) (i32.const 0) (i32.const 9))"
    "   (i32.sub))"
    " (func (export \"table\") (param i32) (result i32)"
    "   (block $d (result i32) (block $c (result i32) (block $a (result i32)"
    "     (i32.const 100) (br_table $a $c $d (local.get 0)))"
    "     (i32.const 1) (i32.add)) (i32.const 10) (i32.add)))"
    " (func (export \"sum\") (param i32) (result i32) (local i32)"
    "   (loop $l (local.set 1 (i32.add (local.get 1) (local.get 0)))"
    "     (br_if $l (i32.gt_s (local.tee 0 (i32.sub (local.get 0) (i32.const 1))) (i32.const 0))))"
    "   (local.get 1))"
    " (func (export \"sel\") (param i32) (result i64) (select (i64.const 1) (i64.const -1) (local.get 0)))"
    " (func (export \"ifelse\") (param i32) (result i32)"
    "   (if (result i32) (i32.lt_u (local.get 0) (i32.const 10)) (then (i32.const 1)) (else (i32.const 2))))"
    " (func (export \"lt64\") (param i64) (result i32)"
    "   (if (result i32) (i64.lt_s (local.get 0) (i64.const -5)) (then (i32.const 1)) (else (i32.const 0))))"
    " (func (export \"wide64\") (param i64) (result i32)"
    "   (if (result i32) (i64.lt_u (local.get 0) (i64.const 0x100000000)) (then (i32.const 1)) (else (i32.const 0))))"
    " (func (export \"eqz64\") (param i64) (result i32)"
    "   (block (result i32) (i32.const 1) (br_if 0 (i64.eqz (local.get 0))) (drop) (i32.const 0)))"
    /* i32.eqz of a comparison or an eqz is folded into it (negated) */
    " (func (export \"ne64\") (param i64) (result i32)"
    "   (block (result i32) (i32.const 1) (br_if 0 (i32.eqz (i64.eqz (local.get 0)))) (drop) (i32.const 0)))"
    " (func (export \"not_lt\") (param i32 i32) (result i32)"
    "   (if (result i32) (i32.eqz (i32.lt_s (local.get 0) (local.get 1))) (then (i32.const 1)) (else (i32.const 0))))"
    " (func (export \"not_not_gtu\") (param i32) (result i32)"
    "   (i32.eqz (i32.eqz (i32.gt_u (local.get 0) (i32.const 7)))))"
    " (func (export \"not_eqz\") (param i32) (result i32) (i32.eqz (i32.eqz (local.get 0))))"
    /* br_if out; br loop: rotated into a negated branch back and a br out */
    " (func (export \"rotate\") (param i32) (result i32) (local i32)"
    "   (block $out (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 2)))"
    "     (br_if $out (i32.ge_u (local.get 1) (local.get 0))) (br $l)))"
    "   (local.get 1))"
    " (func (export \"rotate_plain\") (param i32) (result i32) (local i32 i32)"
    "   (block $out (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1)))"
    "     (local.set 2 (i32.eq (local.get 1) (local.get 0)))"
    "     (br_if $out (local.get 2)) (br $l)))"
    "   (local.get 1))"
    /* (x + c1) + c2 folds into one add; it wraps the same */
    " (func (export \"add_chain\") (param i32) (result i32)"
    "   (i32.add (i32.add (i32.add (local.get 0) (i32.const 0x7fffffff)) (i32.const 0x7fffffff)) (i32.const 3)))"
    " (func (export \"add_chain64\") (param i64) (result i64)"
    "   (i64.add (i64.add (local.get 0) (i64.const 0x7fffffffffffffff)) (i64.const 0x7fffffffffffffff)))"
    /* the word-at-a-time quote search of C string code: (w ^ k1) + k2 and
     * (a & b) & k fuse; a tee of the intermediate value must not */
    " (func (export \"swar\") (param i64) (result i64)"
    "   (i64.and (i64.and (i64.xor (local.get 0) (i64.const -1))"
    "                     (i64.add (i64.xor (local.get 0) (i64.const 0x2222222222222222))"
    "                              (i64.const 0xfefefefefefefeff)))"
    "            (i64.const 0x8080808080808080)))"
    " (func (export \"swar_tee\") (param i64) (result i64) (local i64 i64)"
    "   (local.set 2 (i64.add (local.tee 1 (i64.xor (local.get 0) (i64.const 0x2222222222222222)))"
    "                         (i64.const 0xfefefefefefefeff)))"
    "   (i64.add (local.get 1) (i64.and (i64.and (local.get 2) (local.get 0)) (i64.const 0xff00))))"
    " (func $fib (export \"fib\") (param i32) (result i32)"
    "   (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))"
    "     (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))"
    "                    (call $fib (i32.sub (local.get 0) (i32.const 2)))))))"
    ")";

static void test_control(void)
{
    wasm_module *m;
    wasm_instance *inst = instance_of(control_wat, &m, NULL);
    CHECK(inst != NULL);
    if (!inst) return;
    uint64_t r, two[2];
    CHECK_INT(call_export(inst, "keep_old", &r, 1, (uint64_t)5), WASM_OK);
    CHECK_INT((int32_t)r, -1);
    CHECK_INT(call_export(inst, "tee", &r, 1, (uint64_t)4), WASM_OK);
    CHECK_INT(r, 24);
    uint64_t args[2] = { 1, 2 };
    CHECK_INT(wasm_call(inst, wasm_instance_export_func(inst, "swap"), args, two), WASM_OK);
    CHECK(two[0] == 2 && two[1] == 1);
    CHECK_INT(call_export(inst, "multi", &r, 1, (uint64_t)3), WASM_OK);
    CHECK_INT((int32_t)r, 3 - 7);                       /* branch taken with both values */
    CHECK_INT(call_export(inst, "multi", &r, 1, (uint64_t)0), WASM_OK);
    CHECK_INT((int32_t)r, -9);
    CHECK_INT(call_export(inst, "table", &r, 1, (uint64_t)0), WASM_OK);
    CHECK_INT(r, 111);
    CHECK_INT(call_export(inst, "table", &r, 1, (uint64_t)1), WASM_OK);
    CHECK_INT(r, 110);
    CHECK_INT(call_export(inst, "table", &r, 1, (uint64_t)99), WASM_OK);
    CHECK_INT(r, 100);                                  /* out of range: the default */
    CHECK_INT(call_export(inst, "sum", &r, 1, (uint64_t)100), WASM_OK);
    CHECK_INT(r, 5050);
    CHECK_INT(call_export(inst, "sel", &r, 1, (uint64_t)0), WASM_OK);
    CHECK(r == ~0ull);
    CHECK_INT(call_export(inst, "ifelse", &r, 1, (uint64_t)3), WASM_OK);
    CHECK_INT(r, 1);
    CHECK_INT(call_export(inst, "ifelse", &r, 1, (uint64_t)10), WASM_OK);
    CHECK_INT(r, 2);
    /* i64 compare-and-branch: sign-extended small immediates, wide ones, 64-bit eqz */
    CHECK_INT(call_export(inst, "lt64", &r, 1, (uint64_t)-6), WASM_OK);
    CHECK_INT(r, 1);
    CHECK_INT(call_export(inst, "lt64", &r, 1, (uint64_t)-5), WASM_OK);
    CHECK_INT(r, 0);
    CHECK_INT(call_export(inst, "lt64", &r, 1, 0x7fffffffffffffffull), WASM_OK);
    CHECK_INT(r, 0);
    CHECK_INT(call_export(inst, "wide64", &r, 1, 0xffffffffull), WASM_OK);
    CHECK_INT(r, 1);
    CHECK_INT(call_export(inst, "wide64", &r, 1, 0x100000000ull), WASM_OK);
    CHECK_INT(r, 0);
    CHECK_INT(call_export(inst, "eqz64", &r, 1, 0x100000000ull), WASM_OK);
    CHECK_INT(r, 0);
    CHECK_INT(call_export(inst, "eqz64", &r, 1, 0ull), WASM_OK);
    CHECK_INT(r, 1);
    CHECK_INT(call_export(inst, "ne64", &r, 1, 0x100000000ull), WASM_OK);
    CHECK_INT(r, 1);
    CHECK_INT(call_export(inst, "ne64", &r, 1, 0ull), WASM_OK);
    CHECK_INT(r, 0);
    CHECK_INT(call_export(inst, "not_lt", &r, 2, (uint64_t)-3, (uint64_t)2), WASM_OK);
    CHECK_INT(r, 0);
    CHECK_INT(call_export(inst, "not_lt", &r, 2, (uint64_t)2, (uint64_t)-3), WASM_OK);
    CHECK_INT(r, 1);
    CHECK_INT(call_export(inst, "not_not_gtu", &r, 1, (uint64_t)8), WASM_OK);
    CHECK_INT(r, 1);
    CHECK_INT(call_export(inst, "not_not_gtu", &r, 1, (uint64_t)7), WASM_OK);
    CHECK_INT(r, 0);
    CHECK_INT(call_export(inst, "not_eqz", &r, 1, (uint64_t)0x80000000u), WASM_OK);
    CHECK_INT(r, 1);
    CHECK_INT(call_export(inst, "not_eqz", &r, 1, (uint64_t)0), WASM_OK);
    CHECK_INT(r, 0);
    CHECK_INT(call_export(inst, "rotate", &r, 1, (uint64_t)10), WASM_OK);
    CHECK_INT(r, 10);
    CHECK_INT(call_export(inst, "rotate", &r, 1, (uint64_t)11), WASM_OK);
    CHECK_INT(r, 12);
    CHECK_INT(call_export(inst, "rotate", &r, 1, (uint64_t)0), WASM_OK);
    CHECK_INT(r, 2);
    CHECK_INT(call_export(inst, "rotate_plain", &r, 1, (uint64_t)7), WASM_OK);
    CHECK_INT(r, 7);
    CHECK_INT(call_export(inst, "add_chain", &r, 1, (uint64_t)5), WASM_OK);
    CHECK_INT(r, 6);                                    /* 5 + 2^32 - 2 + 3, mod 2^32 */
    CHECK_INT(call_export(inst, "add_chain64", &r, 1, (uint64_t)5), WASM_OK);
    CHECK(r == 3);
    static const uint64_t words[] = {
        0, ~0ull, 0x2222222222222222ull, 0x6162632264656667ull, 0x2200000000000000ull, 0x8022a2ff00112233ull,
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        uint64_t w = words[i], t = w ^ 0x2222222222222222ull;
        CHECK_INT(call_export(inst, "swar", &r, 1, w), WASM_OK);
        CHECK(r == ((t + 0xfefefefefefefeffull) & ~w & 0x8080808080808080ull));
        CHECK_INT(call_export(inst, "swar_tee", &r, 1, w), WASM_OK);
        CHECK(r == t + ((t + 0xfefefefefefefeffull) & w & 0xff00));
    }
    CHECK_INT(call_export(inst, "fib", &r, 1, (uint64_t)20), WASM_OK);
    CHECK_INT(r, 6765);
    wasm_instance_free(inst);
    wasm_module_free(m);
}

/* ---- memory, traps and dirty pages --------------------------------------------- */

static const char memory_wat[] =
    "(module (memory 1 3)"
    " (data (i32.const 0) \"\\01\\02\\03\\04\")"
    " (func (export \"load\") (param i32) (result i32) (i32.load offset=1 (local.get 0)))"
    " (func (export \"load16_s\") (param i32) (result i32) (i32.load16_s (local.get 0)))"
    " (func (export \"wrap\") (param i32) (result i32) (i32.load8_u offset=1 (i32.add (local.get 0) (i32.const 1))))"
    " (func (export \"index\") (param i32 i32) (result i64) (i64.load16_s offset=1 (i32.add (local.get 0) (local.get 1))))"
    /* a branch on a loaded value that nothing else uses takes the load */
    " (func (export \"br_load\") (param i32) (result i32)"
    "   (block (result i32) (i32.const 1) (br_if 0 (i32.load (local.get 0))) (drop) (i32.const 0)))"
    " (func (export \"br_load8_add\") (param i32) (result i32)"
    "   (block (result i32) (i32.const 1) (br_if 0 (i32.load8_u offset=1 (i32.add (local.get 0) (i32.const 1))))"
    "     (drop) (i32.const 0)))"
    " (func (export \"if_load_add\") (param i32) (result i32)"
    "   (if (result i32) (i32.load offset=2 (i32.add (local.get 0) (i32.const 1))) (then (i32.const 1)) (else (i32.const 0))))"
    " (func (export \"abs\") (result i32) (i32.load16_u offset=1 (i32.const 1)))"
    " (func (export \"abs_end\") (result i32) (i32.load16_u offset=65534 (i32.const 1)))"
    " (func (export \"abs_wide\") (result i32) (i32.load8_u offset=0xffffffff (i32.const 0xffffffff)))"
    " (func (export \"wrap_store\") (param i32) (i32.store8 offset=100 (i32.add (local.get 0) (i32.const 1)) (i32.const 0x55)))"
    " (func (export \"store_k\") (param i32) (i32.store offset=1 (local.get 0) (i32.const 0x11223344)))"
    " (func (export \"store8_k\") (param i32) (i32.store8 (local.get 0) (i32.const 0x1ff)))"
    " (func (export \"store64\") (param i32 i64) (i64.store (local.get 0) (local.get 1)))"
    " (func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0)))"
    " (func (export \"size\") (result i32) (memory.size))"
    " (func (export \"fill\") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))"
    " (func (export \"copy\") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))"
    " (func (export \"crash\") unreachable)"
    ")";

static void test_memory(void)
{
    wasm_module *m;
    wasm_instance *inst = instance_of(memory_wat, &m, NULL);
    CHECK(inst != NULL);
    if (!inst) return;
    wasm_memory *mem = wasm_instance_memory(inst);
    uint64_t r;
    CHECK_INT(call_export(inst, "load", &r, 1, (uint64_t)0), WASM_OK);
    CHECK(r == 0x00040302u);                            /* little-endian, unaligned */
    CHECK_INT(call_export(inst, "load", &r, 1, (uint64_t)65531), WASM_OK);
    CHECK_INT(call_export(inst, "load", &r, 1, (uint64_t)65532), WASM_TRAP_MEMORY_OOB);
    CHECK_STR(wasm_instance_trap_message(inst), "out of bounds memory access");
    /* address + offset must not wrap at 32 bits */
    CHECK_INT(call_export(inst, "load", &r, 1, (uint64_t)0xffffffffu), WASM_TRAP_MEMORY_OOB);
    CHECK_INT(call_export(inst, "load16_s", &r, 1, (uint64_t)65535), WASM_TRAP_MEMORY_OOB);
    /* base + constant wraps at 32 bits before the offset is added (the fused load form) */
    CHECK_INT(call_export(inst, "wrap", &r, 1, (uint64_t)0xffffffffu), WASM_OK);
    CHECK_INT(r, 2);
    CHECK_INT(call_export(inst, "wrap", &r, 1, (uint64_t)65534), WASM_TRAP_MEMORY_OOB);
    /* base + index (the _idx load form) wraps at 32 bits too; sign extension to i64 */
    CHECK_INT(call_export(inst, "index", &r, 2, (uint64_t)0xffffffffu, (uint64_t)2), WASM_OK);
    CHECK(r == 0x0403u);
    CHECK_INT(call_export(inst, "index", &r, 2, (uint64_t)65533, (uint64_t)0), WASM_OK);
    CHECK_INT(call_export(inst, "index", &r, 2, (uint64_t)65533, (uint64_t)1), WASM_TRAP_MEMORY_OOB);
    CHECK_INT(call_export(inst, "br_load", &r, 1, (uint64_t)0), WASM_OK);
    CHECK_INT(r, 1);
    CHECK_INT(call_export(inst, "br_load", &r, 1, (uint64_t)200), WASM_OK);
    CHECK_INT(r, 0);
    CHECK_INT(call_export(inst, "br_load", &r, 1, (uint64_t)65533), WASM_TRAP_MEMORY_OOB);
    CHECK_INT(call_export(inst, "br_load8_add", &r, 1, (uint64_t)0), WASM_OK);
    CHECK_INT(r, 1);                                    /* byte 2 = 0x03 */
    CHECK_INT(call_export(inst, "br_load8_add", &r, 1, (uint64_t)300), WASM_OK);
    CHECK_INT(r, 0);
    CHECK_INT(call_export(inst, "br_load8_add", &r, 1, (uint64_t)0xffffffffu), WASM_OK);
    CHECK_INT(r, 1);                                    /* wraps to 0, + offset 1: byte 1 */
    CHECK_INT(call_export(inst, "br_load8_add", &r, 1, (uint64_t)65534), WASM_TRAP_MEMORY_OOB);
    CHECK_INT(call_export(inst, "if_load_add", &r, 1, (uint64_t)0), WASM_OK);
    CHECK_INT(r, 1);
    CHECK_INT(call_export(inst, "if_load_add", &r, 1, (uint64_t)400), WASM_OK);
    CHECK_INT(r, 0);
    /* a constant address (the _abs form): address + offset in 64 bits */
    CHECK_INT(call_export(inst, "abs", &r, 0), WASM_OK);
    CHECK_INT(r, 0x0403);
    CHECK_INT(call_export(inst, "abs_end", &r, 0), WASM_TRAP_MEMORY_OOB);
    CHECK_INT(call_export(inst, "abs_wide", &r, 0), WASM_TRAP_MEMORY_OOB);
    CHECK_INT(call_export(inst, "wrap_store", NULL, 1, (uint64_t)0xffffffffu), WASM_OK);
    CHECK(wasm_memory_data(mem)[100] == 0x55);
    CHECK_INT(call_export(inst, "wrap_store", NULL, 1, (uint64_t)65435), WASM_TRAP_MEMORY_OOB);
    /* a stored constant is an immediate of the store */
    CHECK_INT(call_export(inst, "store_k", NULL, 1, (uint64_t)199), WASM_OK);
    CHECK(memcmp(wasm_memory_data(mem) + 200, "\x44\x33\x22\x11", 4) == 0);
    CHECK_INT(call_export(inst, "store_k", NULL, 1, (uint64_t)65532), WASM_TRAP_MEMORY_OOB);
    CHECK_INT(call_export(inst, "store8_k", NULL, 1, (uint64_t)210), WASM_OK);
    CHECK(wasm_memory_data(mem)[210] == 0xff && wasm_memory_data(mem)[211] == 0);
    CHECK_INT(call_export(inst, "store8_k", NULL, 1, (uint64_t)65536), WASM_TRAP_MEMORY_OOB);

    memset(mem->dirty, 0, 3 * WASM_PAGE_SIZE >> WASM_DIRTY_SHIFT);
    CHECK_INT(call_export(inst, "store64", NULL, 2, (uint64_t)4092, 0x1122334455667788ull), WASM_OK);
    CHECK(mem->dirty[0] == 1 && mem->dirty[1] == 1 && mem->dirty[2] == 0);   /* straddles two granules */
    CHECK_INT(call_export(inst, "store64", NULL, 2, (uint64_t)65529, 1ull), WASM_TRAP_MEMORY_OOB);
    CHECK_INT(call_export(inst, "grow", &r, 1, (uint64_t)1), WASM_OK);
    CHECK_INT(r, 1);
    CHECK_INT(call_export(inst, "grow", &r, 1, (uint64_t)5), WASM_OK);
    CHECK(r == 0xffffffffu);                            /* refused: max is 3 */
    CHECK_INT(call_export(inst, "size", &r, 0), WASM_OK);
    CHECK_INT(r, 2);
    CHECK_INT(call_export(inst, "store64", NULL, 2, (uint64_t)65536 + 8, 7ull), WASM_OK);   /* in the new page */
    CHECK(mem->dirty[16] == 1);
    CHECK_INT(call_export(inst, "fill", NULL, 3, (uint64_t)20000, (uint64_t)0xab, (uint64_t)10000), WASM_OK);
    CHECK(mem->dirty[4] && mem->dirty[5] && mem->dirty[7] && !mem->dirty[8]);
    CHECK(wasm_memory_data(mem)[29999] == 0xab && wasm_memory_data(mem)[30000] == 0);
    CHECK_INT(call_export(inst, "copy", NULL, 3, (uint64_t)40960, (uint64_t)0, (uint64_t)4), WASM_OK);
    CHECK(mem->dirty[10] == 1 && wasm_memory_data(mem)[40962] == 3);
    CHECK_INT(call_export(inst, "fill", NULL, 3, (uint64_t)131000, (uint64_t)0, (uint64_t)1000), WASM_TRAP_MEMORY_OOB);
    CHECK_INT(call_export(inst, "crash", NULL, 0), WASM_TRAP_UNREACHABLE);
    CHECK_STR(wasm_instance_trap_message(inst), "unreachable");
    CHECK_INT(call_export(inst, "size", &r, 0), WASM_OK);       /* usable after a trap */
    wasm_instance_free(inst);
    wasm_module_free(m);
}

/* ---- calls ----------------------------------------------------------------------- */

static const char indirect_wat[] =
    "(module (type $i (func (result i32))) (type $ii (func (param i32) (result i32)))"
    " (table 4 funcref) (elem (i32.const 0) $one $inc)"
    " (func $one (result i32) (i32.const 1))"
    " (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))"
    " (func (export \"call0\") (param i32) (result i32) (call_indirect (type $i) (local.get 0)))"
    " (func $deep (export \"deep\") (param i32) (result i32)"
    "   (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))"
    "     (else (i32.add (call $deep (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))"
    " (func $forever (export \"forever\") (call $forever))"
    ")";

static void test_calls(void)
{
    wasm_module *m;
    wasm_instance *inst = instance_of(indirect_wat, &m, NULL);
    CHECK(inst != NULL);
    if (!inst) return;
    uint64_t r;
    CHECK_INT(call_export(inst, "call0", &r, 1, (uint64_t)0), WASM_OK);
    CHECK_INT(r, 1);
    CHECK_INT(call_export(inst, "call0", &r, 1, (uint64_t)1), WASM_TRAP_INDIRECT_MISMATCH);
    CHECK_INT(call_export(inst, "call0", &r, 1, (uint64_t)2), WASM_TRAP_UNINITIALIZED_ELEMENT);
    CHECK(starts_with(wasm_instance_trap_message(inst), "uninitialized element"));
    CHECK_INT(call_export(inst, "call0", &r, 1, (uint64_t)4), WASM_TRAP_UNDEFINED_ELEMENT);
    CHECK(starts_with(wasm_instance_trap_message(inst), "undefined element"));
    /* Deep but within the default limit (10000 frames), then beyond it. */
    CHECK_INT(call_export(inst, "deep", &r, 1, (uint64_t)9000), WASM_OK);
    CHECK_INT(r, 9000);
    CHECK_INT(call_export(inst, "deep", &r, 1, (uint64_t)20000), WASM_TRAP_STACK_EXHAUSTED);
    CHECK_INT(call_export(inst, "forever", NULL, 0), WASM_TRAP_STACK_EXHAUSTED);
    CHECK_STR(wasm_instance_trap_message(inst), "call stack exhausted");
    CHECK_INT(call_export(inst, "deep", &r, 1, (uint64_t)10), WASM_OK);
    CHECK_INT(r, 10);
    wasm_instance_free(inst);

    /* The interpreter: a million frames, no C recursion, only the configured
     * limits.  Compiled code recurses on the machine stack, 16 bytes a frame and
     * at most 1 MiB of it (65,536 frames; wasmtime's default is 512 KiB): a
     * deeper recursion ends in "call stack exhausted" whatever the limit says. */
    wasm_limits big = { .max_call_depth = 2000000, .value_stack_slots = 1u << 24 };
    wasm_error err = {0};
    inst = wasm_instantiate(m, NULL, &big, &err);
    CHECK(inst != NULL);
    if (inst && strcmp(wasm_module_tier(m), "jit") == 0) {
        CHECK_INT(call_export(inst, "deep", &r, 1, (uint64_t)60000), WASM_OK);
        CHECK_INT(r, 60000);
        CHECK_INT(call_export(inst, "deep", &r, 1, (uint64_t)1000000), WASM_TRAP_STACK_EXHAUSTED);
        CHECK_INT(call_export(inst, "deep", &r, 1, (uint64_t)10), WASM_OK);
        wasm_instance_free(inst);
    } else if (inst) {
        CHECK_INT(call_export(inst, "deep", &r, 1, (uint64_t)1000000), WASM_OK);
        CHECK_INT(r, 1000000);
        wasm_instance_free(inst);
    }
    wasm_module_free(m);
}

/* A host function that calls back into the instance that called it. */
static wasm_trap host_reenter(wasm_instance *caller, void *env, const uint64_t *args, uint64_t *results)
{
    uint64_t a = args[0] * 10;
    if (args[0] == 0) {
        results[0] = 0;
        return WASM_OK;
    }
    uint64_t inner = args[0] - 1, out = 0;
    wasm_trap t = wasm_call(caller, wasm_instance_export_func(caller, "down"), &inner, &out);
    results[0] = (uint32_t)(a + out);
    return t;
}

static const wasm_valtype one_i32[] = { WASM_I32 };

static void test_host_reentry_and_instances(void)
{
    wasm_linker *l = wasm_linker_new();
    wasm_linker_define_func(l, "env", "reenter", one_i32, 1, one_i32, 1, host_reenter, NULL);
    wasm_module *ma = load_wat(
        "(module (import \"env\" \"reenter\" (func $r (param i32) (result i32)))"
        " (memory (export \"mem\") 1) (global $g (export \"g\") (mut i32) (i32.const 5))"
        " (func (export \"down\") (param i32) (result i32)"
        "   (i32.add (call $r (local.get 0)) (i32.const 1)))"
        " (func (export \"poke\") (param i32) (result i32)"
        "   (i32.store (i32.const 8) (local.get 0)) (global.set $g (local.get 0)) (i32.load (i32.const 8))))");
    wasm_module *mb = load_wat(
        "(module (import \"a\" \"poke\" (func $poke (param i32) (result i32)))"
        " (memory 1)"
        " (func (export \"run\") (param i32) (result i32)"
        "   (i32.store (i32.const 8) (i32.const 77))"
        "   (i32.add (call $poke (local.get 0)) (i32.load (i32.const 8)))))");
    CHECK(ma && mb);
    if (!ma || !mb) return;
    wasm_error err = {0};
    wasm_instance *a = wasm_instantiate(ma, l, NULL, &err);
    CHECK(a != NULL);
    uint64_t r;
    /* down(3) = reenter(3)+1 = 30 + down(2) + 1 = ... = 30+20+10+0 + 4 */
    CHECK_INT(call_export(a, "down", &r, 1, (uint64_t)3), WASM_OK);
    CHECK_INT(r, 64);
    CHECK_INT(a->depth, 0);
    wasm_linker_define_instance(l, "a", a);
    wasm_instance *b = wasm_instantiate(mb, l, NULL, &err);
    CHECK(b != NULL);
    if (b) {
        /* poke runs on a's memory and globals; b's memory is untouched and used again after. */
        CHECK_INT(call_export(b, "run", &r, 1, (uint64_t)5), WASM_OK);
        CHECK_INT(r, 5 + 77);
        CHECK_INT(wasm_global_get(wasm_instance_export_global(a, "g")), 5);
        uint32_t in_a;
        wasm_memory_read(wasm_instance_memory(a), 8, &in_a, 4);
        CHECK_INT(in_a, 5);
        wasm_instance_free(b);
    }
    wasm_instance_free(a);
    wasm_module_free(ma);
    wasm_module_free(mb);
    wasm_linker_free(l);
}

/* ---- interruption -------------------------------------------------------------------- */

typedef struct stopper {
    wasm_instance *inst;
    uint64_t at_ns;
} stopper;

static void *interrupt_soon(void *arg)
{
    stopper *s = arg;
    struct timespec d = { 0, 20 * 1000 * 1000 };
    nanosleep(&d, NULL);
    s->at_ns = now_ns();
    wasm_instance_interrupt(s->inst);
    return NULL;
}

/* Runs `name` until another thread interrupts it; returns the latency in ns. */
static uint64_t interrupted_after(wasm_instance *inst, const char *name)
{
    stopper s = { inst, 0 };
    pthread_t t;
    pthread_create(&t, NULL, interrupt_soon, &s);
    wasm_trap trap = call_export(inst, name, NULL, 0);
    uint64_t end = now_ns();
    pthread_join(t, NULL);
    CHECK_INT(trap, WASM_TRAP_INTERRUPTED);
    CHECK_STR(wasm_instance_trap_message(inst), "interrupted");
    wasm_instance_clear_interrupt(inst);
    return end - s.at_ns;
}

static void test_interrupt(void)
{
    wasm_module *m;
    wasm_limits limits = { .max_call_depth = 5000000, .value_stack_slots = 1u << 24 };
    wasm_instance *inst = instance_of(
        "(module (func (export \"nop\"))"
        " (func (export \"spin\") (loop $l (br $l)))"
        " (func (export \"spin_if\") (local i32) (loop $l (br_if $l (i32.ne (local.get 0) (i32.const -1)))))"
        /* 2^40 calls 40 deep and no loop: only the polls at calls can stop it */
        " (func (export \"tree\") (call $t (i32.const 40)))"
        " (func $t (param i32) (if (local.get 0) (then"
        "   (call $t (i32.sub (local.get 0) (i32.const 1))) (call $t (i32.sub (local.get 0) (i32.const 1)))))))",
        &m, &limits);
    CHECK(inst != NULL);
    if (!inst) return;
    CHECK_INT(call_export(inst, "nop", NULL, 0), WASM_OK);    /* allocates the stacks outside the timing */
    /* Generous bounds for a loaded CI machine; the figures are printed. */
    uint64_t spin = interrupted_after(inst, "spin");
    uint64_t spin_if = interrupted_after(inst, "spin_if");
    uint64_t rec = interrupted_after(inst, "tree");
    printf("interrupt latency (%s): loop %.3f ms, loop+br_if %.3f ms, calls %.3f ms\n", wasm_module_tier(m),
           spin / 1e6, spin_if / 1e6, rec / 1e6);
    CHECK(spin < 100000000 && spin_if < 100000000 && rec < 100000000);
    CHECK_INT(inst->depth, 0);

    uint64_t start = now_ns();
    wasm_instance_set_deadline(inst, start + 10000000);
    CHECK_INT(call_export(inst, "spin", NULL, 0), WASM_TRAP_INTERRUPTED);
    uint64_t took = now_ns() - start;
    CHECK(took >= 10000000 && took < 100000000);
    CHECK_INT(call_export(inst, "tree", NULL, 0), WASM_TRAP_INTERRUPTED);   /* the deadline has passed */
    wasm_instance_set_deadline(inst, 0);
    wasm_instance_free(inst);
    wasm_module_free(m);
}

/* ---- validation errors ---------------------------------------------------------------- */

/* Loading must fail with a message that starts with `want` and names the place. */
static void check_invalid(const char *text, const char *want, const char *where)
{
    size_t len = 0;
    uint8_t *bytes = wat_to_wasm_flags(text, "--no-check", &len);
    CHECK(bytes != NULL);
    if (!bytes) return;
    wasm_error err = {0};
    wasm_module *m = wasm_module_load(bytes, len, &err);
    free(bytes);
    CHECK(m == NULL);
    if (m) {
        fprintf(stderr, "loaded, wanted \"%s\": %s\n", want, text);
        wasm_module_free(m);
        return;
    }
    if (!starts_with(err.message, want) || !strstr(err.message, where)) {
        fprintf(stderr, "got \"%s\", want \"%s\" ... \"%s\"\n", err.message, want, where);
        CHECK(0);
    } else {
        CHECK(1);
    }
}

static void test_validation(void)
{
    check_invalid("(module (func (result i32) (i64.const 1)))", "type mismatch", "function 0, offset");
    check_invalid("(module (func) (func (param i32) (result i32) (i32.add (local.get 0) (f32.const 1))))",
                  "type mismatch", "function 1, offset");
    check_invalid("(module (func (local.get 2) drop))", "unknown local 2", "function 0");
    check_invalid("(module (func (br 1)))", "unknown label", "function 0");
    check_invalid("(module (memory 1) (func (drop (i32.load align=8 (i32.const 0)))))",
                  "alignment must not be larger than natural", "function 0");
    check_invalid("(module (func (drop (i32.load (i32.const 0)))))", "unknown memory", "function 0");
    check_invalid("(module (global i32 (i32.const 0)) (func (global.set 0 (i32.const 1))))",
                  "global is immutable", "function 0");
    check_invalid("(module (func $f) (func (drop (ref.func $f))))", "undeclared function reference", "function 1");
    check_invalid("(module (func (block (result i32) (i32.const 1) (br_if 0 (i32.const 1)) (i64.const 1) (br 0))))",
                  "type mismatch", "function 0");
    check_invalid("(module (func (param i32) (result i32) (block (result i32) (drop (block (result i64)"
                  " (br_table 0 1 (i32.const 1) (local.get 0)))) (i32.const 0))))", "type mismatch", "function 0");
    check_invalid("(module (func (unreachable) (i32.add (i64.const 1)) drop))", "type mismatch", "function 0");
    check_invalid("(module (func (drop (select (ref.null func) (ref.null func) (i32.const 1)))))",
                  "type mismatch", "function 0");
    check_invalid("(module (func (call 5)))", "unknown function 5", "function 0");
    check_invalid("(module (table 1 funcref) (func (call_indirect (type 3) (i32.const 0))))", "unknown type", "function 0");
    check_invalid("(module (func (v128.const i64x2 0 0) drop))", "SIMD not supported", "function 0");
    check_invalid("(module (memory 1) (func (data.drop 3)) (data \"x\"))", "unknown data segment 3", "function 0");
    check_invalid("(module (func (if (i32.const 1) (then (i32.const 1)))))", "type mismatch", "function 0");
    check_invalid("(module (table 1 externref) (func (drop (call_indirect (result i32) (i32.const 0)))))",
                  "type mismatch", "function 0");

    /* The offset is the failing instruction's byte offset in the file. */
    {
        wbuf *mod = wasm_header(), *s = wbuf_new();
        PUT_BYTES(s, "\x01\x60\x00\x00");
        put_section(mod, 1, s);
        s->n = 0;
        PUT_BYTES(s, "\x02\x00\x00");                   /* two functions of type 0 */
        put_section(mod, 3, s);
        s->n = 0;
        PUT_BYTES(s, "\x02\x02\x00\x0b\x08\x00\x41\x01\x42\x01\x6a\x1a\x0b");
        put_section(mod, 10, s);
        size_t add_at = mod->n - 3;                      /* the i32.add in function 1 */
        wasm_error err = {0};
        wasm_module *m = wasm_module_load(mod->b, mod->n, &err);
        char want[64];
        snprintf(want, sizeof want, "(function 1, offset %zu)", add_at);
        CHECK(m == NULL);
        CHECK(starts_with(err.message, "type mismatch"));
        CHECK(strstr(err.message, want) != NULL);
        if (!strstr(err.message, want)) fprintf(stderr, "got \"%s\", want \"%s\"\n", err.message, want);
        free(mod);
        free(s);
    }

    /* Truncated immediates and a missing end: malformed, with the place. */
    wbuf *mod = wasm_header(), *s = wbuf_new();
    PUT_BYTES(s, "\x01\x60\x00\x00");                      /* type 0: [] -> [] */
    put_section(mod, 1, s);
    s->n = 0;
    PUT_BYTES(s, "\x01\x00");
    put_section(mod, 3, s);
    s->n = 0;
    PUT_BYTES(s, "\x01\x07\x00\x41\xff\xff\xff\xff\x7f");   /* i32.const with a 5-byte LEB too large */
    put_section(mod, 10, s);
    wasm_error err = {0};
    wasm_module *m = wasm_module_load(mod->b, mod->n, &err);
    CHECK(m == NULL);
    CHECK(starts_with(err.message, "integer too large") || starts_with(err.message, "END opcode expected")
          || starts_with(err.message, "unexpected end"));
    free(mod);
    free(s);
}

/* Adversarial shape: 90,000 values on the stack that still read local 0, then
 * 90,000 writes to local 0.  Compiling must stay linear (well under a second). */
static void test_compile_time_is_linear(void)
{
    enum { N = 90000 };
    size_t body_len = 1 + 2 * N + 4 * N + N + 1, cap = body_len + 64, n = 0;
    uint8_t *b = malloc(cap);
    if (!b) return;
    memcpy(b, "\0asm\1\0\0\0\x01\x05\x01\x60\x01\x7f\x00\x03\x02\x01\x00\x0a", 20);
    n = 20;
    size_t size = body_len + 4;                          /* count + body size (3-byte LEB) + body */
    b[n++] = (uint8_t)(0x80 | (size & 0x7f));
    b[n++] = (uint8_t)(0x80 | ((size >> 7) & 0x7f));
    b[n++] = (uint8_t)(size >> 14);
    b[n++] = 1;
    b[n++] = (uint8_t)(0x80 | (body_len & 0x7f));
    b[n++] = (uint8_t)(0x80 | ((body_len >> 7) & 0x7f));
    b[n++] = (uint8_t)(body_len >> 14);
    b[n++] = 0;                                          /* no locals besides the parameter */
    for (int i = 0; i < N; i++) { b[n++] = 0x20; b[n++] = 0; }                          /* local.get 0 */
    for (int i = 0; i < N; i++) { b[n++] = 0x41; b[n++] = 1; b[n++] = 0x21; b[n++] = 0; }  /* local.set 0 */
    for (int i = 0; i < N; i++) b[n++] = 0x1a;                                           /* drop */
    b[n++] = 0x0b;
    uint64_t t0 = now_ns();
    wasm_error err = {0};
    wasm_module *m = wasm_module_load(b, n, &err);
    uint64_t took = now_ns() - t0;
    free(b);
    CHECK(m != NULL);
    if (!m) {
        fprintf(stderr, "load failed: %s\n", err.message);
        return;
    }
    printf("adversarial body of %zu bytes compiled in %.1f ms\n", body_len, took / 1e6);
    CHECK(took < 2000000000ull);
    wasm_instance *inst = wasm_instantiate(m, NULL, NULL, &err);
    CHECK(inst != NULL);
    if (inst) {
        uint64_t arg = 5;
        CHECK_INT(wasm_call(inst, inst->funcs[0], &arg, NULL), WASM_OK);
        wasm_instance_free(inst);
    }
    wasm_module_free(m);
}

/* A br_table of 20,000 entries to a label that needs a value moved: one stub, not 20,000. */
static void test_big_br_table(void)
{
    enum { N = 20000 };
    char *text = malloc(N * 2 + 512), *p = text;
    if (!text) return;
    p += sprintf(p, "(module (func (export \"t\") (param i32) (result i32)"
                    " (block (result i32) (block (result i32) (i32.const 7) (local.get 0) (br_table");
    for (int i = 0; i < N; i++) p += sprintf(p, " 1");
    sprintf(p, " 0)) (drop) (i32.const 9))))");
    wasm_module *m;
    wasm_instance *inst = instance_of(text, &m, NULL);
    free(text);
    CHECK(inst != NULL);
    if (!inst) return;
    uint64_t r;
    CHECK_INT(call_export(inst, "t", &r, 1, (uint64_t)5), WASM_OK);
    CHECK_INT(r, 7);
    CHECK_INT(call_export(inst, "t", &r, 1, (uint64_t)N), WASM_OK);
    CHECK_INT(r, 9);
    CHECK(m->funcs[0].code->len < N + 100);
    wasm_instance_free(inst);
    wasm_module_free(m);

    /* Types used in code are limited to 1000 parameters and results. */
    char *big = malloc(1001 * 5 + 256);
    if (!big) return;
    p = big + sprintf(big, "(module (type (func (result");
    for (int i = 0; i < 1001; i++) p += sprintf(p, " i32");
    sprintf(p, "))) (func (block (type 0) unreachable) unreachable))");
    check_invalid(big, "type with 0 parameters and 1001 results exceeds the limit", "function 0");
    free(big);
}

int main(void)
{
    if (!have_wat2wasm())
        return 1;
    alarm(120);                  /* an interruption that never comes fails instead of hanging */
    test_numbers();
    test_control();
    test_memory();
    test_calls();
    test_host_reentry_and_instances();
    test_interrupt();
    test_validation();
    test_compile_time_is_linear();
    test_big_br_table();
    TEST_DONE();
}
