;; Seed for fuzz_jit: every load and store width and sign in each addressing
;; form the compiler has (jit_x64.c emit_address): plain `offset(addr)`, _add
;; (`i32.add` of a constant, wraps at 32 bits), _idx (`i32.add` of two values),
;; _abs (constant address), store_k (constant value).  Offsets near 2^31 and
;; 2^32 take the large-offset path (added in a register, not a displacement).
;; Addresses come from the arguments: fuzz_jit passes 0, 1, 4093, 65533,
;; 65535, 0xfffffffc, 0x7fffffff, ... so accesses straddle the 4 KiB granules
;; of the dirty map (snapshot restores) and the end of the one-page memory.
(module
  (memory 1 2)
  (data (i32.const 0) "\81\82\83\84\85\86\87\88\ff\7f\80\00\01\fe")
  (data (i32.const 4088) "\f0\f1\f2\f3\f4\f5\f6\f7\f8\f9\fa\fb\fc\fd\fe\ff")
  (data (i32.const 65526) "\80\81\82\83\84\85\86\87\88\89")

  ;; plain form, each width: all signs and result types at one address
  (func (export "ld1") (param $a i32) (result i64)
    (i64.add (i64.add (i64.extend_i32_u (i32.load8_s offset=1 (local.get $a)))
                      (i64.extend_i32_u (i32.load8_u offset=1 (local.get $a))))
             (i64.add (i64.load8_s offset=1 (local.get $a)) (i64.load8_u (local.get $a)))))
  (func (export "ld2") (param $a i32) (result i64)
    (i64.xor (i64.xor (i64.extend_i32_u (i32.load16_s offset=2 (local.get $a)))
                      (i64.extend_i32_u (i32.load16_u offset=1 (local.get $a))))
             (i64.sub (i64.load16_s offset=2 (local.get $a)) (i64.load16_u offset=3 (local.get $a)))))
  (func (export "ld4") (param $a i32) (result i64)
    (i64.xor (i64.add (i64.extend_i32_u (i32.load offset=3 (local.get $a)))
                      (i64.load32_s offset=1 (local.get $a)))
             (i64.add (i64.load32_u offset=2 (local.get $a))
                      (i64.extend_i32_u (i32.reinterpret_f32 (f32.load (local.get $a)))))))
  (func (export "ld8") (param $a i32) (result i64)
    (i64.sub (i64.load offset=7 (local.get $a)) (i64.reinterpret_f64 (f64.load offset=1 (local.get $a)))))

  ;; _add form: the constant wraps the address at 32 bits before the offset
  (func (export "ld_add") (param $a i32) (param $b i32) (result i64)
    (i64.add
      (i64.add (i64.load8_s offset=3 (i32.add (local.get $a) (i32.const -4)))
               (i64.extend_i32_s (i32.load16_s offset=1 (i32.add (local.get $b) (i32.const 0x7fffffff)))))
      (i64.add (i64.load32_s offset=2 (i32.add (local.get $a) (i32.const 4090)))
               (i64.load offset=0 (i32.add (local.get $b) (i32.const 1))))))
  (func (export "ld_add_u") (param $a i32) (result i64)
    (i64.or (i64.load8_u offset=65535 (i32.add (local.get $a) (i32.const 0x80000001)))
            (i64.shl (i64.load16_u offset=1 (i32.add (local.get $a) (i32.const 3))) (i64.const 8))))
  ;; _idx form: base + index, both from arguments (0xffffffff + 1 wraps to 0)
  (func (export "ld_idx") (param $a i32) (param $b i32) (result i64)
    (i64.add
      (i64.add (i64.load8_s (i32.add (local.get $a) (local.get $b)))
               (i64.load16_u offset=4 (i32.add (local.get $b) (local.get $a))))
      (i64.add (i64.extend_i32_u (i32.load16_s offset=2 (i32.add (local.get $a) (local.get $b))))
               (i64.load32_u offset=1 (i32.add (local.get $a) (local.get $b))))))
  (func (export "ld_idx8") (param $a i32) (param $b i32) (result f64)
    (f64.add (f64.load offset=3 (i32.add (local.get $a) (local.get $b)))
             (f64.promote_f32 (f32.load offset=1 (i32.add (local.get $b) (local.get $a))))))
  ;; _abs form: constant addresses, in and out of bounds
  (func (export "ld_abs") (param $a i32) (result i64)
    (if (i32.eqz (local.get $a)) (then (return (i64.load offset=65530 (i32.const 0)))))
    (if (i32.eq (local.get $a) (i32.const 1)) (then (return (i64.load16_s (i32.const 65535)))))
    (i64.add (i64.add (i64.load8_s (i32.const 4095)) (i64.load32_u offset=4092 (i32.const 1)))
             (i64.extend_i32_s (i32.load16_u (i32.const 4095)))))

  ;; large offsets: all trap here (memory <= 2 pages), through the wide path
  (func (export "big_off") (param $a i32) (param $b i32) (result i32)
    (block $x
      (br_if $x (i32.eqz (local.get $b)))
      (br_if $x (i32.eq (local.get $b) (i32.const 1)))
      (drop (i32.load offset=0x7fffff00 (local.get $a))))             ;; largest displacement
    (if (i32.eqz (local.get $b)) (then (return (i32.load8_u offset=0x7fffff01 (local.get $a)))))
    (if (i32.eq (local.get $b) (i32.const 1)) (then (return (i32.load offset=0xfffffffc (local.get $a)))))
    (if (i32.eq (local.get $b) (i32.const 2)) (then (return (i32.load8_s offset=0xffffffff (i32.add (local.get $a) (i32.const 1))))))
    (if (i32.eq (local.get $b) (i32.const 7)) (then (return (i32.wrap_i64 (i64.load offset=0x7ffffff9 (i32.add (local.get $a) (local.get $b)))))))
    (i32.load16_u offset=0x80000000 (i32.const 0)))
  (func (export "big_off_store") (param $a i32) (param $b i32)
    (if (i32.and (local.get $b) (i32.const 1)) (then (i64.store offset=0x7ffffffc (local.get $a) (i64.const -1))))
    (if (i32.and (local.get $b) (i32.const 2)) (then (i32.store8 offset=0xffffffff (local.get $a) (local.get $b))))
    (i32.store16 offset=0x7fffff00 (i32.add (local.get $a) (i32.const 5)) (local.get $b)))

  ;; stores: each width, plain and _add, at granule edges (4093 + offset)
  (func (export "st_plain") (param $a i32) (param $v i64)
    (i64.store8 offset=3 (local.get $a) (local.get $v))
    (i64.store16 offset=2 (local.get $a) (local.get $v))             ;; 4095: straddles
    (i64.store32 offset=1 (local.get $a) (local.get $v))
    (i64.store offset=0 (local.get $a) (local.get $v))
    (i32.store16 offset=8 (local.get $a) (i32.wrap_i64 (local.get $v)))
    (i32.store8 offset=12 (local.get $a) (i32.wrap_i64 (local.get $v)))
    (i32.store offset=13 (local.get $a) (i32.wrap_i64 (local.get $v)))
    (f32.store offset=18 (local.get $a) (f32.reinterpret_i32 (i32.wrap_i64 (local.get $v))))
    (f64.store offset=22 (local.get $a) (f64.reinterpret_i64 (local.get $v))))
  (func (export "st_add") (param $a i32) (param $v i64) (param $w i32)
    (i64.store16 offset=1 (i32.add (local.get $a) (i32.const 1)) (local.get $v))     ;; 4095
    (i32.store16 offset=0 (i32.add (local.get $a) (i32.const 2)) (local.get $w))
    (i64.store offset=3 (i32.add (local.get $a) (i32.const -2)) (local.get $v))
    (i64.store32 (i32.add (local.get $a) (i32.const 0x10)) (local.get $v))
    (i32.store (i32.add (local.get $a) (i32.const 0xfffffffe)) (local.get $w))     ;; wraps below a
    (i32.store8 offset=65535 (i32.add (local.get $w) (i32.const 0x7fffffff)) (local.get $w))
    (f64.store offset=9 (i32.add (local.get $a) (i32.const 4)) (f64.const -0x1.8p-3)))
  ;; the same stores at addresses masked into the first two granules (mostly
  ;; in bounds: 0xffffffff becomes 8191, 4093 stays), each straddling one
  (func (export "st_masked") (param $a i32) (param $v i64) (result i64)
    (local.set $a (i32.and (local.get $a) (i32.const 0x1fff)))
    (i64.store16 offset=2 (local.get $a) (local.get $v))
    (i32.store16 offset=7 (local.get $a) (i32.wrap_i64 (local.get $v)))
    (i64.store32 offset=1 (local.get $a) (i64.rotl (local.get $v) (i64.const 8)))
    (i64.store offset=5 (local.get $a) (local.get $v))
    (i32.store offset=3 (local.get $a) (i32.const 0x7f7f7f7f))
    (i32.store8 offset=4 (local.get $a) (i32.const -1))
    (i64.load offset=1 (local.get $a)))
  ;; stores to constant addresses and of constants (store_k, i32.store8_k)
  (func (export "st_const") (param $a i32)
    ;; 2-byte stores across granules no other store touches, first (no trap before)
    (i32.store16 offset=12287 (i32.const 0) (i32.xor (local.get $a) (i32.const 0xa5a5)))
    (i64.store16 offset=20479 (i32.const 0) (i64.extend_i32_u (i32.xor (local.get $a) (i32.const 0x5a5a))))
    (i32.store8 offset=1 (local.get $a) (i32.const 0x1fe))
    (i32.store offset=2 (local.get $a) (i32.const 0x80000001))            ;; 4095..4098
    (i32.store offset=8190 (i32.const 0) (i32.const -1))                ;; 2 granules
    (i64.store offset=16380 (i32.const 4) (i64.extend_i32_s (local.get $a)))
    (i32.store offset=65532 (i32.const 0) (i32.const 0x01020304))
    (i32.store8 (local.get $a) (i32.const 0)))
  ;; store then load back through another form (no stale value)
  (func (export "st_ld") (param $a i32) (param $v i64) (result i64)
    (i64.store offset=5 (local.get $a) (local.get $v))
    (i64.add (i64.load8_s offset=6 (local.get $a))
             (i64.load offset=1 (i32.add (local.get $a) (i32.const 4)))))
)
