;; Seed for fuzz_jit: the interpreter's fused instructions, which the compiler
;; translates one by one, with addresses and constants taken from arguments
;; (fuzz_jit passes edge values: 0, -1, 0x80000000, 65535, 4093, ...).
(module
  (type $ii_i (func (param i32 i32) (result i32)))
  (import "env" "host" (func $host (param i32 i64 f32 f64) (result i64)))
  (memory 2 4)
  (table 4 funcref)
  (elem (i32.const 0) $add_const_load $idx_load $host_wrap $grow_then_load)
  (global $g (mut i64) (i64.const -2))
  (data (i32.const 0) "\01\02\03\04\05\06\07\08\80\ff\7f\00\00\00\00\01")
  (data (i32.const 65530) "\aa\bb\cc\dd\ee\ff\11\22\33\44")

  ;; i32.add of a constant folded into the access (wraps at 32 bits first)
  (func $add_const_load (export "add_const_load") (param i32 i32) (result i32)
    (i32.add (i32.load offset=3 (i32.add (local.get 0) (i32.const 8)))
             (i32.load8_s offset=1 (i32.add (local.get 1) (i32.const -1)))))
  ;; base + index loads
  (func $idx_load (export "idx_load") (param i32 i32) (result i32)
    (i32.xor (i32.load16_u offset=2 (i32.add (local.get 0) (local.get 1)))
             (i32.load8_u (i32.add (local.get 1) (local.get 0)))))
  (func (export "idx_load64") (param i32 i32) (result i64)
    (i64.add (i64.load32_s offset=1 (i32.add (local.get 0) (local.get 1)))
             (i64.load (i32.add (local.get 0) (local.get 1)))))
  ;; constant addresses (statics), stores of constants, a store across two 4 KiB
  ;; granules of the dirty map (a snapshot restore must see both)
  (func (export "abs") (param i32) (result i32)
    (i32.store8 offset=100 (i32.const 0) (i32.const 0x1ff))
    (i32.store offset=4094 (i32.const 0) (i32.rotl (local.get 0) (i32.const 16)))  ;; 2 granules
    (i32.store offset=9 (local.get 0) (i32.const -7))
    (i32.add (i32.load offset=65532 (i32.const 0)) (i32.load16_s offset=99 (i32.const 0))))
  ;; branches on a loaded value
  (func (export "br_on_load") (param i32 i32) (result i32) (local i32)
    (block $out
      (loop $l
        (br_if $out (i32.eqz (i32.load8_u offset=1 (i32.add (local.get 0) (i32.const 2)))))
        (local.set 2 (i32.add (local.get 2) (i32.const 1)))
        (local.set 0 (i32.add (local.get 0) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get 2) (i32.const 40)))))
    (if (result i32) (i32.load (local.get 1)) (then (local.get 2)) (else (i32.const -1))))
  ;; compare-and-branch with immediates, i64 constants that do and do not fit 32 bits
  (func (export "cmp_imm") (param i32 i32 i64) (result i32) (local i32)
    (if (i64.lt_s (local.get 2) (i64.const -2147483649)) (then (local.set 3 (i32.const 1))))
    (if (i64.gt_u (local.get 2) (i64.const 0x7fffffff)) (then (local.set 3 (i32.or (local.get 3) (i32.const 2)))))
    (if (i64.le_s (local.get 2) (i64.const -1)) (then (local.set 3 (i32.or (local.get 3) (i32.const 4)))))
    (if (i32.eqz (i64.eqz (local.get 2))) (then (local.set 3 (i32.or (local.get 3) (i32.const 8)))))
    (if (i32.ge_s (local.get 0) (i32.const -5)) (then (local.set 3 (i32.or (local.get 3) (i32.const 16)))))
    (if (i32.eqz (i32.ne (local.get 1) (i32.const 0x80000000))) (then (local.set 3 (i32.or (local.get 3) (i32.const 32)))))
    (if (i64.ge_u (local.get 2) (i64.const 0xffffffff80000000)) (then (local.set 3 (i32.or (local.get 3) (i32.const 64)))))
    ;; as values rather than branches, at the edges of a sign-extended imm32
    (local.set 3 (i32.add (local.get 3) (i64.lt_u (local.get 2) (i64.const 0xffffffff))))
    (local.set 3 (i32.add (local.get 3) (i64.ge_s (local.get 2) (i64.const 0x80000000))))
    (local.set 3 (i32.add (local.get 3) (i64.gt_s (local.get 2) (i64.const 0xffffffff80000000))))
    (local.get 3))
  ;; shifts, rotates, counts, division edges
  (func (export "bits") (param i32 i32 i64) (result i64)
    (i64.xor
      (i64.extend_i32_u
        (i32.add (i32.rotl (local.get 0) (local.get 1))
                 (i32.add (i32.shr_s (local.get 0) (local.get 1)) (i32.clz (local.get 1)))))
      (i64.add (i64.rotr (local.get 2) (i64.extend_i32_s (local.get 1)))
               (i64.add (i64.shl (local.get 2) (i64.const 65)) (i64.popcnt (local.get 2))))))
  (func (export "div") (param i32 i32 i64) (result i64)
    (i64.add (i64.extend_i32_s (i32.rem_s (local.get 0) (local.get 1)))
             (i64.add (i64.div_u (local.get 2) (i64.extend_i32_u (local.get 1)))
                      (i64.rem_s (local.get 2) (i64.const -1)))))
  ;; the word-at-a-time byte search: (a ^ k1) + k2, (a & b) & k
  (func (export "swar") (param i64 i64) (result i64)
    (i64.and (i64.and (i64.add (i64.xor (local.get 0) (i64.const 0x2222222222222222))
                               (i64.const -0x0101010101010101))
                      (i64.xor (local.get 1) (i64.const -1)))
             (i64.const 0x8080808080808080)))
  ;; locals overwritten while an operand still refers to them; tee; select
  (func (export "locals") (param i32 i32) (result i32) (local i32)
    (local.get 0)
    (local.set 0 (local.get 1))
    (local.tee 2 (i32.sub (local.get 0) (i32.const 3)))
    (i32.mul)
    (i32.add (select (local.get 2) (local.get 0) (local.get 1))))
  ;; br_table, multi-value blocks
  (func (export "table") (param i32 i32) (result i32 i64)
    (block $b2 (result i32)
      (block $b1 (result i32)
        (block $b0 (result i32)
          (br_table $b0 $b1 $b2 $b1 (local.get 1) (local.get 0)))
        (return (i32.const 10) (i64.const 100)))
      (return (i32.add (i32.const 20)) (i64.const 200)))
    (i64.extend_i32_u (local.get 0)))
  ;; host calls with mixed arguments; call_indirect to a host wrapper
  (func $host_wrap (export "host_wrap") (param i32 i32) (result i32)
    (i32.wrap_i64 (call $host (local.get 0) (global.get $g) (f32.convert_i32_s (local.get 1))
                              (f64.const -0.5))))
  (func (export "indirect") (param i32 i32) (result i32)
    (global.set $g (i64.add (global.get $g) (i64.extend_i32_u (local.get 1))))
    (call_indirect (type $ii_i) (local.get 1) (local.get 0) (i32.and (local.get 0) (i32.const 7))))
  ;; memory.grow then an access in the same function (the size register)
  (func $grow_then_load (export "grow_then_load") (param i32 i32) (result i32)
    (drop (memory.grow (i32.and (local.get 1) (i32.const 3))))
    (i32.store offset=131070 (i32.const 0) (local.get 0))
    (i32.add (memory.size) (i32.load offset=131068 (local.get 0))))
  ;; bulk memory
  (func (export "bulk") (param i32 i32)
    (memory.copy (local.get 0) (local.get 1) (i32.const 17))
    (memory.fill (local.get 1) (i32.const 0x5a) (i32.and (local.get 0) (i32.const 0xff))))
  ;; recursion with an argument-dependent depth
  (func $rec (export "rec") (param i32 i32) (result i32)
    (if (result i32) (i32.le_u (local.get 0) (i32.const 1))
      (then (local.get 1))
      (else (call $rec (i32.shr_u (local.get 0) (i32.const 1))
                       (i32.add (local.get 1) (i32.load8_u (local.get 0))))))))
