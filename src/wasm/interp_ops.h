/*
 * interp_ops.h - the internal instruction set shared by compile.c and interp.c.
 *
 * A compiled function is an array of 32-bit words.  An instruction is one word
 * naming its handler (an offset from a base label in the interpreter loop, see
 * wasm_interp_handlers()) followed by its operands.  Operands are frame-slot
 * indices (one 64-bit slot per value: parameters, then locals, then the operand
 * stack, whose height at every instruction is known when compiling), immediate
 * constants, or branch displacements in words relative to the instruction's
 * first word.  Every operand is thus pre-decoded and no instruction touches a
 * run-time stack pointer: `i32.add` reads two slots and writes a third.
 *
 * The numeric operators are listed once here with their semantics, so the
 * validator (types) and the interpreter (handlers) cannot disagree.  In the
 * statements `a` and `b` are the operands and `r` the result, all as raw bits:
 * uint32_t for i32/f32, uint64_t for i64/f64.  Helpers (f32(), bf32(), ...)
 * live in interp.c; compile.c only uses the names, opcodes and types.
 */
#ifndef WASM_INTERP_OPS_H
#define WASM_INTERP_OPS_H

#include <stdint.h>

/* X(name, opcode, operand type, result type, statement) */
#define WASM_UNOPS(X) \
    X(i32_eqz,    0x45, I32, I32, r = a == 0) \
    X(i64_eqz,    0x50, I64, I32, r = a == 0) \
    X(i32_clz,    0x67, I32, I32, r = a ? (uint32_t)__builtin_clz(a) : 32) \
    X(i32_ctz,    0x68, I32, I32, r = a ? (uint32_t)__builtin_ctz(a) : 32) \
    X(i32_popcnt, 0x69, I32, I32, r = (uint32_t)__builtin_popcount(a)) \
    X(i64_clz,    0x79, I64, I64, r = a ? (uint64_t)__builtin_clzll(a) : 64) \
    X(i64_ctz,    0x7a, I64, I64, r = a ? (uint64_t)__builtin_ctzll(a) : 64) \
    X(i64_popcnt, 0x7b, I64, I64, r = (uint64_t)__builtin_popcountll(a)) \
    X(f32_abs,     0x8b, F32, F32, r = a & 0x7fffffffu) \
    X(f32_neg,     0x8c, F32, F32, r = a ^ 0x80000000u) \
    X(f32_ceil,    0x8d, F32, F32, r = bf32(f32_round(ceilf, f32(a)))) \
    X(f32_floor,   0x8e, F32, F32, r = bf32(f32_round(floorf, f32(a)))) \
    X(f32_trunc,   0x8f, F32, F32, r = bf32(f32_round(truncf, f32(a)))) \
    X(f32_nearest, 0x90, F32, F32, r = bf32(f32_round(nearbyintf, f32(a)))) \
    X(f32_sqrt,    0x91, F32, F32, r = bf32(sqrtf(f32(a)))) \
    X(f64_abs,     0x99, F64, F64, r = a & 0x7fffffffffffffffull) \
    X(f64_neg,     0x9a, F64, F64, r = a ^ 0x8000000000000000ull) \
    X(f64_ceil,    0x9b, F64, F64, r = bf64(f64_round(ceil, f64(a)))) \
    X(f64_floor,   0x9c, F64, F64, r = bf64(f64_round(floor, f64(a)))) \
    X(f64_trunc,   0x9d, F64, F64, r = bf64(f64_round(trunc, f64(a)))) \
    X(f64_nearest, 0x9e, F64, F64, r = bf64(f64_round(nearbyint, f64(a)))) \
    X(f64_sqrt,    0x9f, F64, F64, r = bf64(sqrt(f64(a)))) \
    X(i32_wrap_i64,        0xa7, I64, I32, r = (uint32_t)a) \
    X(i32_trunc_f32_s,     0xa8, F32, I32, TRUNC(f32(a), -2147483904.0f, 2147483648.0f); r = (uint32_t)(int32_t)f32(a)) \
    X(i32_trunc_f32_u,     0xa9, F32, I32, TRUNC(f32(a), -1.0f, 4294967296.0f); r = (uint32_t)f32(a)) \
    X(i32_trunc_f64_s,     0xaa, F64, I32, TRUNC(f64(a), -2147483649.0, 2147483648.0); r = (uint32_t)(int32_t)f64(a)) \
    X(i32_trunc_f64_u,     0xab, F64, I32, TRUNC(f64(a), -1.0, 4294967296.0); r = (uint32_t)f64(a)) \
    X(i64_extend_i32_s,    0xac, I32, I64, r = (uint64_t)(int64_t)(int32_t)a) \
    X(i64_extend_i32_u,    0xad, I32, I64, r = a) \
    X(i64_trunc_f32_s,     0xae, F32, I64, TRUNC(f32(a), -9223373136366403584.0f, 9223372036854775808.0f); r = (uint64_t)(int64_t)f32(a)) \
    X(i64_trunc_f32_u,     0xaf, F32, I64, TRUNC(f32(a), -1.0f, 18446744073709551616.0f); r = (uint64_t)f32(a)) \
    X(i64_trunc_f64_s,     0xb0, F64, I64, TRUNC(f64(a), -9223372036854777856.0, 9223372036854775808.0); r = (uint64_t)(int64_t)f64(a)) \
    X(i64_trunc_f64_u,     0xb1, F64, I64, TRUNC(f64(a), -1.0, 18446744073709551616.0); r = (uint64_t)f64(a)) \
    X(f32_convert_i32_s,   0xb2, I32, F32, r = bf32((float)(int32_t)a)) \
    X(f32_convert_i32_u,   0xb3, I32, F32, r = bf32((float)a)) \
    X(f32_convert_i64_s,   0xb4, I64, F32, r = bf32((float)(int64_t)a)) \
    X(f32_convert_i64_u,   0xb5, I64, F32, r = bf32((float)a)) \
    X(f32_demote_f64,      0xb6, F64, F32, r = bf32((float)f64(a))) \
    X(f64_convert_i32_s,   0xb7, I32, F64, r = bf64((double)(int32_t)a)) \
    X(f64_convert_i32_u,   0xb8, I32, F64, r = bf64((double)a)) \
    X(f64_convert_i64_s,   0xb9, I64, F64, r = bf64((double)(int64_t)a)) \
    X(f64_convert_i64_u,   0xba, I64, F64, r = bf64((double)a)) \
    X(f64_promote_f32,     0xbb, F32, F64, r = bf64((double)f32(a))) \
    X(i32_reinterpret_f32, 0xbc, F32, I32, r = a) \
    X(i64_reinterpret_f64, 0xbd, F64, I64, r = a) \
    X(f32_reinterpret_i32, 0xbe, I32, F32, r = a) \
    X(f64_reinterpret_i64, 0xbf, I64, F64, r = a) \
    X(i32_extend8_s,  0xc0, I32, I32, r = (uint32_t)(int32_t)(int8_t)a) \
    X(i32_extend16_s, 0xc1, I32, I32, r = (uint32_t)(int32_t)(int16_t)a) \
    X(i64_extend8_s,  0xc2, I64, I64, r = (uint64_t)(int64_t)(int8_t)a) \
    X(i64_extend16_s, 0xc3, I64, I64, r = (uint64_t)(int64_t)(int16_t)a) \
    X(i64_extend32_s, 0xc4, I64, I64, r = (uint64_t)(int64_t)(int32_t)a)

/* The 0xFC-prefixed saturating truncations: X(name, sub-opcode, in, out, statement) */
#define WASM_SAT_UNOPS(X) \
    X(i32_trunc_sat_f32_s, 0, F32, I32, r = (uint32_t)sat_s32(f32(a))) \
    X(i32_trunc_sat_f32_u, 1, F32, I32, r = sat_u32(f32(a))) \
    X(i32_trunc_sat_f64_s, 2, F64, I32, r = (uint32_t)sat_s32(f64(a))) \
    X(i32_trunc_sat_f64_u, 3, F64, I32, r = sat_u32(f64(a))) \
    X(i64_trunc_sat_f32_s, 4, F32, I64, r = (uint64_t)sat_s64(f32(a))) \
    X(i64_trunc_sat_f32_u, 5, F32, I64, r = sat_u64(f32(a))) \
    X(i64_trunc_sat_f64_s, 6, F64, I64, r = (uint64_t)sat_s64(f64(a))) \
    X(i64_trunc_sat_f64_u, 7, F64, I64, r = sat_u64(f64(a)))

/* X(name, opcode, operand type, result type, statement) */
#define WASM_BINOPS(X) \
    X(i32_eq,   0x46, I32, I32, r = a == b) \
    X(i32_ne,   0x47, I32, I32, r = a != b) \
    X(i32_lt_s, 0x48, I32, I32, r = (int32_t)a < (int32_t)b) \
    X(i32_lt_u, 0x49, I32, I32, r = a < b) \
    X(i32_gt_s, 0x4a, I32, I32, r = (int32_t)a > (int32_t)b) \
    X(i32_gt_u, 0x4b, I32, I32, r = a > b) \
    X(i32_le_s, 0x4c, I32, I32, r = (int32_t)a <= (int32_t)b) \
    X(i32_le_u, 0x4d, I32, I32, r = a <= b) \
    X(i32_ge_s, 0x4e, I32, I32, r = (int32_t)a >= (int32_t)b) \
    X(i32_ge_u, 0x4f, I32, I32, r = a >= b) \
    X(i64_eq,   0x51, I64, I32, r = a == b) \
    X(i64_ne,   0x52, I64, I32, r = a != b) \
    X(i64_lt_s, 0x53, I64, I32, r = (int64_t)a < (int64_t)b) \
    X(i64_lt_u, 0x54, I64, I32, r = a < b) \
    X(i64_gt_s, 0x55, I64, I32, r = (int64_t)a > (int64_t)b) \
    X(i64_gt_u, 0x56, I64, I32, r = a > b) \
    X(i64_le_s, 0x57, I64, I32, r = (int64_t)a <= (int64_t)b) \
    X(i64_le_u, 0x58, I64, I32, r = a <= b) \
    X(i64_ge_s, 0x59, I64, I32, r = (int64_t)a >= (int64_t)b) \
    X(i64_ge_u, 0x5a, I64, I32, r = a >= b) \
    X(f32_eq, 0x5b, F32, I32, r = f32(a) == f32(b)) \
    X(f32_ne, 0x5c, F32, I32, r = f32(a) != f32(b)) \
    X(f32_lt, 0x5d, F32, I32, r = f32(a) < f32(b)) \
    X(f32_gt, 0x5e, F32, I32, r = f32(a) > f32(b)) \
    X(f32_le, 0x5f, F32, I32, r = f32(a) <= f32(b)) \
    X(f32_ge, 0x60, F32, I32, r = f32(a) >= f32(b)) \
    X(f64_eq, 0x61, F64, I32, r = f64(a) == f64(b)) \
    X(f64_ne, 0x62, F64, I32, r = f64(a) != f64(b)) \
    X(f64_lt, 0x63, F64, I32, r = f64(a) < f64(b)) \
    X(f64_gt, 0x64, F64, I32, r = f64(a) > f64(b)) \
    X(f64_le, 0x65, F64, I32, r = f64(a) <= f64(b)) \
    X(f64_ge, 0x66, F64, I32, r = f64(a) >= f64(b)) \
    X(i32_add,   0x6a, I32, I32, r = a + b) \
    X(i32_sub,   0x6b, I32, I32, r = a - b) \
    X(i32_mul,   0x6c, I32, I32, r = a * b) \
    X(i32_div_s, 0x6d, I32, I32, DIV_CHECK(b, (int32_t)a == INT32_MIN && (int32_t)b == -1); r = (uint32_t)((int32_t)a / (int32_t)b)) \
    X(i32_div_u, 0x6e, I32, I32, DIV_CHECK(b, 0); r = a / b) \
    X(i32_rem_s, 0x6f, I32, I32, DIV_CHECK(b, 0); r = (int32_t)b == -1 ? 0 : (uint32_t)((int32_t)a % (int32_t)b)) \
    X(i32_rem_u, 0x70, I32, I32, DIV_CHECK(b, 0); r = a % b) \
    X(i32_and,   0x71, I32, I32, r = a & b) \
    X(i32_or,    0x72, I32, I32, r = a | b) \
    X(i32_xor,   0x73, I32, I32, r = a ^ b) \
    X(i32_shl,   0x74, I32, I32, r = a << (b & 31)) \
    X(i32_shr_s, 0x75, I32, I32, r = (uint32_t)((int32_t)a >> (b & 31))) \
    X(i32_shr_u, 0x76, I32, I32, r = a >> (b & 31)) \
    X(i32_rotl,  0x77, I32, I32, r = (a << (b & 31)) | (a >> ((32 - b) & 31))) \
    X(i32_rotr,  0x78, I32, I32, r = (a >> (b & 31)) | (a << ((32 - b) & 31))) \
    X(i64_add,   0x7c, I64, I64, r = a + b) \
    X(i64_sub,   0x7d, I64, I64, r = a - b) \
    X(i64_mul,   0x7e, I64, I64, r = a * b) \
    X(i64_div_s, 0x7f, I64, I64, DIV_CHECK(b, (int64_t)a == INT64_MIN && (int64_t)b == -1); r = (uint64_t)((int64_t)a / (int64_t)b)) \
    X(i64_div_u, 0x80, I64, I64, DIV_CHECK(b, 0); r = a / b) \
    X(i64_rem_s, 0x81, I64, I64, DIV_CHECK(b, 0); r = (int64_t)b == -1 ? 0 : (uint64_t)((int64_t)a % (int64_t)b)) \
    X(i64_rem_u, 0x82, I64, I64, DIV_CHECK(b, 0); r = a % b) \
    X(i64_and,   0x83, I64, I64, r = a & b) \
    X(i64_or,    0x84, I64, I64, r = a | b) \
    X(i64_xor,   0x85, I64, I64, r = a ^ b) \
    X(i64_shl,   0x86, I64, I64, r = a << (b & 63)) \
    X(i64_shr_s, 0x87, I64, I64, r = (uint64_t)((int64_t)a >> (b & 63))) \
    X(i64_shr_u, 0x88, I64, I64, r = a >> (b & 63)) \
    X(i64_rotl,  0x89, I64, I64, r = (a << (b & 63)) | (a >> ((64 - b) & 63))) \
    X(i64_rotr,  0x8a, I64, I64, r = (a >> (b & 63)) | (a << ((64 - b) & 63))) \
    X(f32_add,      0x92, F32, F32, r = f32_arith(f32(a) + f32(b), a, b)) \
    X(f32_sub,      0x93, F32, F32, r = f32_arith(f32(a) - f32(b), a, b)) \
    X(f32_mul,      0x94, F32, F32, r = f32_arith(f32(a) * f32(b), a, b)) \
    X(f32_div,      0x95, F32, F32, r = f32_arith(f32(a) / f32(b), a, b)) \
    X(f32_min,      0x96, F32, F32, r = f32_min(a, b)) \
    X(f32_max,      0x97, F32, F32, r = f32_max(a, b)) \
    X(f32_copysign, 0x98, F32, F32, r = (a & 0x7fffffffu) | (b & 0x80000000u)) \
    X(f64_add,      0xa0, F64, F64, r = f64_arith(f64(a) + f64(b), a, b)) \
    X(f64_sub,      0xa1, F64, F64, r = f64_arith(f64(a) - f64(b), a, b)) \
    X(f64_mul,      0xa2, F64, F64, r = f64_arith(f64(a) * f64(b), a, b)) \
    X(f64_div,      0xa3, F64, F64, r = f64_arith(f64(a) / f64(b), a, b)) \
    X(f64_min,      0xa4, F64, F64, r = f64_min(a, b)) \
    X(f64_max,      0xa5, F64, F64, r = f64_max(a, b)) \
    X(f64_copysign, 0xa6, F64, F64, r = (a & 0x7fffffffffffffffull) | (b & 0x8000000000000000ull))

/*
 * Integer comparisons that may fuse with a following br_if or if into one
 * compare-and-branch.  X(name, negation, operand type, condition): `if`
 * branches on the negation.  The _ri forms take a 32-bit immediate,
 * sign-extended for i64.
 */
#define WASM_CMP_FUSED(X) \
    X(i32_eq, i32_ne, I32, a == b)                       X(i32_ne, i32_eq, I32, a != b) \
    X(i32_lt_s, i32_ge_s, I32, (int32_t)a < (int32_t)b)  X(i32_ge_s, i32_lt_s, I32, (int32_t)a >= (int32_t)b) \
    X(i32_lt_u, i32_ge_u, I32, a < b)                    X(i32_ge_u, i32_lt_u, I32, a >= b) \
    X(i32_gt_s, i32_le_s, I32, (int32_t)a > (int32_t)b)  X(i32_le_s, i32_gt_s, I32, (int32_t)a <= (int32_t)b) \
    X(i32_gt_u, i32_le_u, I32, a > b)                    X(i32_le_u, i32_gt_u, I32, a <= b) \
    X(i64_eq, i64_ne, I64, a == b)                       X(i64_ne, i64_eq, I64, a != b) \
    X(i64_lt_s, i64_ge_s, I64, (int64_t)a < (int64_t)b)  X(i64_ge_s, i64_lt_s, I64, (int64_t)a >= (int64_t)b) \
    X(i64_lt_u, i64_ge_u, I64, a < b)                    X(i64_ge_u, i64_lt_u, I64, a >= b) \
    X(i64_gt_s, i64_le_s, I64, (int64_t)a > (int64_t)b)  X(i64_le_s, i64_gt_s, I64, (int64_t)a <= (int64_t)b) \
    X(i64_gt_u, i64_le_u, I64, a > b)                    X(i64_le_u, i64_gt_u, I64, a <= b)

/* X(name, opcode, log2 of natural alignment, result type, C type in memory) */
#define WASM_LOADS(X) \
    X(i32_load,     0x28, 2, I32, uint32_t) \
    X(i64_load,     0x29, 3, I64, uint64_t) \
    X(f32_load,     0x2a, 2, F32, uint32_t) \
    X(f64_load,     0x2b, 3, F64, uint64_t) \
    X(i32_load8_s,  0x2c, 0, I32, int8_t) \
    X(i32_load8_u,  0x2d, 0, I32, uint8_t) \
    X(i32_load16_s, 0x2e, 1, I32, int16_t) \
    X(i32_load16_u, 0x2f, 1, I32, uint16_t) \
    X(i64_load8_s,  0x30, 0, I64, int8_t) \
    X(i64_load8_u,  0x31, 0, I64, uint8_t) \
    X(i64_load16_s, 0x32, 1, I64, int16_t) \
    X(i64_load16_u, 0x33, 1, I64, uint16_t) \
    X(i64_load32_s, 0x34, 2, I64, int32_t) \
    X(i64_load32_u, 0x35, 2, I64, uint32_t)

/* X(name, opcode, log2 of natural alignment, operand type, C type in memory) */
#define WASM_STORES(X) \
    X(i32_store,   0x36, 2, I32, uint32_t) \
    X(i64_store,   0x37, 3, I64, uint64_t) \
    X(f32_store,   0x38, 2, F32, uint32_t) \
    X(f64_store,   0x39, 3, F64, uint64_t) \
    X(i32_store8,  0x3a, 0, I32, uint8_t) \
    X(i32_store16, 0x3b, 1, I32, uint16_t) \
    X(i64_store8,  0x3c, 0, I64, uint8_t) \
    X(i64_store16, 0x3d, 1, I64, uint16_t) \
    X(i64_store32, 0x3e, 2, I64, uint32_t)

/*
 * The other instructions and their operand words (s = slot, i = immediate,
 * d = branch displacement):
 *   unreachable (nop, drop and local.get emit nothing)
 *   br d | br_if s d | br_unless s d | br_if64 s d | br_unless64 s d | br_table s n d0..dn
 *   br_if_i32_load s_addr i_offset d | br_if_i32_load_add s_base i_add i_offset d,
 *   br_if_i32_load8_u_add (same operands), and br_unless_ of each: branch on a
 *   loaded value that nothing else uses
 *   copy s_from s_to | const32 s_to i | const64 s_to i_lo i_hi
 *   i32_store_k s_addr i_offset i_value | i32_store8_k s_addr i_offset i_value (a constant stored)
 *   i64_xor_add_ri s_a s_to i_k1 i_k2 ((a ^ k1) + k2) | i64_and_and_ri s_a s_b s_to i_k ((a & b) & k)
 *   (64-bit immediates, two words each): the steps of the word-at-a-time byte
 *   search `((w ^ c*ONES) - ONES) & ~w & HIGHS` of C string code (musl's
 *   memchr/strlen, the SDK's JSON scanner)
 *   select s_a s_b s_cond s_to
 *   global_get i s_to | global_set i s_from
 *   memory_size s_to | memory_grow s_delta s_to
 *   call i_func s_args | call_import i_func s_args
 *   call_indirect i_type i_table s_index s_args | ret | ret1 s_result (copied to slot 0)
 *   ref_func i_func s_to | table_get i s_index s_to | table_set i s_index s_value
 *   table_size i s_to | table_grow i s_init s_delta s_to | table_fill i s_at s_value s_n
 *   table_copy i_dst i_src s_d s_s s_n | table_init i_table i_seg s_d s_s s_n
 *   elem_drop i_seg | memory_init i_seg s_d s_s s_n | data_drop i_seg
 *   memory_copy s_d s_s s_n | memory_fill s_d s_value s_n
 * Binary operators also come as NAME_ri (s_a s_to i_b with i_b one word for
 * 32-bit types and two for 64-bit ones); fused compares as br_NAME s_a s_b d
 * and br_NAME_ri s_a i_b d.  Loads are LOAD s_addr i_offset s_to and stores
 * STORE s_addr i_offset s_value; LOAD_add s_base i_add i_offset s_to and
 * STORE_add s_base i_add i_offset s_value take an address that was an i32.add
 * of a constant (the add still wraps at 32 bits before the offset is added);
 * LOAD_idx s_base s_index i_offset s_to one that was an i32.add of two values,
 * and LOAD_abs i_addr i_offset s_to a constant address.
 */
#define WASM_MISC_OPS(X) \
    X(unreachable) X(br) X(br_if) X(br_unless) X(br_if64) X(br_unless64) X(br_table) \
    X(br_if_i32_load) X(br_unless_i32_load) X(br_if_i32_load_add) X(br_unless_i32_load_add) \
    X(br_if_i32_load8_u_add) X(br_unless_i32_load8_u_add) \
    X(copy) X(const32) X(const64) X(select) X(i32_store_k) X(i32_store8_k) \
    X(i64_xor_add_ri) X(i64_and_and_ri) \
    X(global_get) X(global_set) X(memory_size) X(memory_grow) \
    X(call) X(call_import) X(call_indirect) X(ret1) X(ret) \
    X(ref_func) X(table_get) X(table_set) X(table_size) X(table_grow) X(table_fill) \
    X(table_copy) X(table_init) X(elem_drop) X(memory_init) X(data_drop) \
    X(memory_copy) X(memory_fill)

enum wasm_op {
#define OP_MISC_(name) OP_##name,
#define OP_UN_(name, opcode, in, out, stmt) OP_##name,
#define OP_BIN_(name, opcode, in, out, stmt) OP_##name, OP_##name##_ri,
#define OP_LOAD_(name, opcode, align, type, ctype) OP_##name, OP_##name##_add, OP_##name##_idx, OP_##name##_abs,
#define OP_MEM_(name, opcode, align, type, ctype) OP_##name, OP_##name##_add,
#define OP_BR_(name, neg, type, cond) OP_br_##name, OP_br_##name##_ri,
    WASM_MISC_OPS(OP_MISC_)
    WASM_UNOPS(OP_UN_)
    WASM_SAT_UNOPS(OP_UN_)
    WASM_BINOPS(OP_BIN_)
    WASM_LOADS(OP_LOAD_)
    WASM_STORES(OP_MEM_)
    WASM_CMP_FUSED(OP_BR_)
#undef OP_MISC_
#undef OP_UN_
#undef OP_BIN_
#undef OP_LOAD_
#undef OP_MEM_
#undef OP_BR_
    OP_COUNT
};

/* Per operation, the handler's offset from the interpreter's base label:
 * the first word of each instruction.  Built by interp.c. */
const int32_t *wasm_interp_handlers(void);

/* A compiled function body. */
struct wasm_code {
    uint32_t nparams, nlocals;   /* nlocals: declared locals, zeroed at entry */
    uint32_t nresults;
    uint32_t frame_slots;        /* parameters + locals + deepest operand stack */
    uint32_t len;                /* words */
    const void *native;          /* the same function compiled to machine code (jit.h), or NULL */
    uint32_t words[];
};

#endif /* WASM_INTERP_OPS_H */
