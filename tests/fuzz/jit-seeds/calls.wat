;; Seed for fuzz_jit: calls (jit_x64.c emit_call, emit_call_import,
;; emit_call_indirect, emit_prologue).  Functions with 0, 1, 8, 9, 64, 65 and
;; 100 locals: the prologue clears them with SSE stores (pairs, then one odd
;; slot) up to 64 and with `rep stosq` past that; each reads all its locals
;; (all must be 0) and then fills them, so the next callee, whose frame starts
;; at the same slot, finds stale values if its prologue misses one.  Also
;; recursion to an argument-dependent depth, call_indirect through the table
;; (wrong type, null and out-of-range entries trap), multi-value returns, host
;; calls, memory.grow in a callee followed by accesses in the caller (the
;; memory size register), and global.get/set of mutable globals.
(module
  (type $i64_i64 (func (param i64) (result i64)))
  (type $i32_i32 (func (param i32) (result i32)))
  (import "env" "host" (func $host (param i32 i64 f32 f64) (result i64 i32)))
  (import "env" "g32" (global $ig32 (mut i32)))
  (import "env" "g64" (global $ig64 (mut i64)))
  (memory 1 4)
  (table 12 funcref)
  (elem (i32.const 0) $l0 $l1 $l8 $l9 $l64 $l65 $l100 $grow $rec $pair $host)
  (global $g32 (mut i32) (i32.const -1))
  (global $g64 (mut i64) (i64.const 0x8000000000000000))
  (global $gf32 (mut f32) (f32.const -0.0))
  (global $gf64 (mut f64) (f64.const nan:0x1234))
  (data (i32.const 65528) "\01\02\03\04\05\06\07\08")

  (func $l0 (param $p i64) (result i64) (i64.rotl (local.get $p) (i64.const 1)))
  (func $l1 (param $p i64) (result i64)
    (local i64)
    local.get 1
    local.get 0 local.set 1)
  (func $l8 (param $p i64) (result i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64)
    local.get 1  local.get 2 i64.add  local.get 3 i64.add  local.get 4 i64.add
    local.get 5 i64.add  local.get 6 i64.add
    local.get 7 i64.add  local.get 8 i64.add
    local.get 0 local.set 1  local.get 0 local.set 2  local.get 0 local.set 3  local.get 0 local.set 4
    local.get 0 local.set 5
    local.get 0 local.set 6  local.get 0 local.set 7  local.get 0 local.set 8)
  (func $l9 (param $p i64) (result i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64)
    local.get 1  local.get 2 i64.add  local.get 3 i64.add  local.get 4 i64.add
    local.get 5 i64.add  local.get 6 i64.add
    local.get 7 i64.add  local.get 8 i64.add  local.get 9 i64.add
    local.get 0 local.set 1  local.get 0 local.set 2  local.get 0 local.set 3  local.get 0 local.set 4
    local.get 0 local.set 5
    local.get 0 local.set 6  local.get 0 local.set 7  local.get 0 local.set 8  local.get 0 local.set 9)
  (func $l64 (param $p i64) (result i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64)
    local.get 1  local.get 2 i64.add  local.get 3 i64.add  local.get 4 i64.add
    local.get 5 i64.add  local.get 6 i64.add
    local.get 7 i64.add  local.get 8 i64.add  local.get 9 i64.add  local.get 10 i64.add
    local.get 11 i64.add  local.get 12 i64.add
    local.get 13 i64.add  local.get 14 i64.add  local.get 15 i64.add  local.get 16 i64.add
    local.get 17 i64.add  local.get 18 i64.add
    local.get 19 i64.add  local.get 20 i64.add  local.get 21 i64.add  local.get 22 i64.add
    local.get 23 i64.add  local.get 24 i64.add
    local.get 25 i64.add  local.get 26 i64.add  local.get 27 i64.add  local.get 28 i64.add
    local.get 29 i64.add  local.get 30 i64.add
    local.get 31 i64.add  local.get 32 i64.add  local.get 33 i64.add  local.get 34 i64.add
    local.get 35 i64.add  local.get 36 i64.add
    local.get 37 i64.add  local.get 38 i64.add  local.get 39 i64.add  local.get 40 i64.add
    local.get 41 i64.add  local.get 42 i64.add
    local.get 43 i64.add  local.get 44 i64.add  local.get 45 i64.add  local.get 46 i64.add
    local.get 47 i64.add  local.get 48 i64.add
    local.get 49 i64.add  local.get 50 i64.add  local.get 51 i64.add  local.get 52 i64.add
    local.get 53 i64.add  local.get 54 i64.add
    local.get 55 i64.add  local.get 56 i64.add  local.get 57 i64.add  local.get 58 i64.add
    local.get 59 i64.add  local.get 60 i64.add
    local.get 61 i64.add  local.get 62 i64.add  local.get 63 i64.add  local.get 64 i64.add
    local.get 0 local.set 1  local.get 0 local.set 2  local.get 0 local.set 3  local.get 0 local.set 4
    local.get 0 local.set 5
    local.get 0 local.set 6  local.get 0 local.set 7  local.get 0 local.set 8  local.get 0 local.set 9
    local.get 0 local.set 10
    local.get 0 local.set 11  local.get 0 local.set 12  local.get 0 local.set 13  local.get 0 local.set 14
    local.get 0 local.set 15
    local.get 0 local.set 16  local.get 0 local.set 17  local.get 0 local.set 18  local.get 0 local.set 19
    local.get 0 local.set 20
    local.get 0 local.set 21  local.get 0 local.set 22  local.get 0 local.set 23  local.get 0 local.set 24
    local.get 0 local.set 25
    local.get 0 local.set 26  local.get 0 local.set 27  local.get 0 local.set 28  local.get 0 local.set 29
    local.get 0 local.set 30
    local.get 0 local.set 31  local.get 0 local.set 32  local.get 0 local.set 33  local.get 0 local.set 34
    local.get 0 local.set 35
    local.get 0 local.set 36  local.get 0 local.set 37  local.get 0 local.set 38  local.get 0 local.set 39
    local.get 0 local.set 40
    local.get 0 local.set 41  local.get 0 local.set 42  local.get 0 local.set 43  local.get 0 local.set 44
    local.get 0 local.set 45
    local.get 0 local.set 46  local.get 0 local.set 47  local.get 0 local.set 48  local.get 0 local.set 49
    local.get 0 local.set 50
    local.get 0 local.set 51  local.get 0 local.set 52  local.get 0 local.set 53  local.get 0 local.set 54
    local.get 0 local.set 55
    local.get 0 local.set 56  local.get 0 local.set 57  local.get 0 local.set 58  local.get 0 local.set 59
    local.get 0 local.set 60
    local.get 0 local.set 61  local.get 0 local.set 62  local.get 0 local.set 63  local.get 0 local.set 64)
  (func $l65 (param $p i64) (result i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64)
    local.get 1  local.get 2 i64.add  local.get 3 i64.add  local.get 4 i64.add
    local.get 5 i64.add  local.get 6 i64.add
    local.get 7 i64.add  local.get 8 i64.add  local.get 9 i64.add  local.get 10 i64.add
    local.get 11 i64.add  local.get 12 i64.add
    local.get 13 i64.add  local.get 14 i64.add  local.get 15 i64.add  local.get 16 i64.add
    local.get 17 i64.add  local.get 18 i64.add
    local.get 19 i64.add  local.get 20 i64.add  local.get 21 i64.add  local.get 22 i64.add
    local.get 23 i64.add  local.get 24 i64.add
    local.get 25 i64.add  local.get 26 i64.add  local.get 27 i64.add  local.get 28 i64.add
    local.get 29 i64.add  local.get 30 i64.add
    local.get 31 i64.add  local.get 32 i64.add  local.get 33 i64.add  local.get 34 i64.add
    local.get 35 i64.add  local.get 36 i64.add
    local.get 37 i64.add  local.get 38 i64.add  local.get 39 i64.add  local.get 40 i64.add
    local.get 41 i64.add  local.get 42 i64.add
    local.get 43 i64.add  local.get 44 i64.add  local.get 45 i64.add  local.get 46 i64.add
    local.get 47 i64.add  local.get 48 i64.add
    local.get 49 i64.add  local.get 50 i64.add  local.get 51 i64.add  local.get 52 i64.add
    local.get 53 i64.add  local.get 54 i64.add
    local.get 55 i64.add  local.get 56 i64.add  local.get 57 i64.add  local.get 58 i64.add
    local.get 59 i64.add  local.get 60 i64.add
    local.get 61 i64.add  local.get 62 i64.add  local.get 63 i64.add  local.get 64 i64.add
    local.get 65 i64.add
    local.get 0 local.set 1  local.get 0 local.set 2  local.get 0 local.set 3  local.get 0 local.set 4
    local.get 0 local.set 5
    local.get 0 local.set 6  local.get 0 local.set 7  local.get 0 local.set 8  local.get 0 local.set 9
    local.get 0 local.set 10
    local.get 0 local.set 11  local.get 0 local.set 12  local.get 0 local.set 13  local.get 0 local.set 14
    local.get 0 local.set 15
    local.get 0 local.set 16  local.get 0 local.set 17  local.get 0 local.set 18  local.get 0 local.set 19
    local.get 0 local.set 20
    local.get 0 local.set 21  local.get 0 local.set 22  local.get 0 local.set 23  local.get 0 local.set 24
    local.get 0 local.set 25
    local.get 0 local.set 26  local.get 0 local.set 27  local.get 0 local.set 28  local.get 0 local.set 29
    local.get 0 local.set 30
    local.get 0 local.set 31  local.get 0 local.set 32  local.get 0 local.set 33  local.get 0 local.set 34
    local.get 0 local.set 35
    local.get 0 local.set 36  local.get 0 local.set 37  local.get 0 local.set 38  local.get 0 local.set 39
    local.get 0 local.set 40
    local.get 0 local.set 41  local.get 0 local.set 42  local.get 0 local.set 43  local.get 0 local.set 44
    local.get 0 local.set 45
    local.get 0 local.set 46  local.get 0 local.set 47  local.get 0 local.set 48  local.get 0 local.set 49
    local.get 0 local.set 50
    local.get 0 local.set 51  local.get 0 local.set 52  local.get 0 local.set 53  local.get 0 local.set 54
    local.get 0 local.set 55
    local.get 0 local.set 56  local.get 0 local.set 57  local.get 0 local.set 58  local.get 0 local.set 59
    local.get 0 local.set 60
    local.get 0 local.set 61  local.get 0 local.set 62  local.get 0 local.set 63  local.get 0 local.set 64
    local.get 0 local.set 65)
  (func $l100 (param $p i64) (result i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    local.get 1  local.get 2 i64.add  local.get 3 i64.add  local.get 4 i64.add
    local.get 5 i64.add  local.get 6 i64.add
    local.get 7 i64.add  local.get 8 i64.add  local.get 9 i64.add  local.get 10 i64.add
    local.get 11 i64.add  local.get 12 i64.add
    local.get 13 i64.add  local.get 14 i64.add  local.get 15 i64.add  local.get 16 i64.add
    local.get 17 i64.add  local.get 18 i64.add
    local.get 19 i64.add  local.get 20 i64.add  local.get 21 i64.add  local.get 22 i64.add
    local.get 23 i64.add  local.get 24 i64.add
    local.get 25 i64.add  local.get 26 i64.add  local.get 27 i64.add  local.get 28 i64.add
    local.get 29 i64.add  local.get 30 i64.add
    local.get 31 i64.add  local.get 32 i64.add  local.get 33 i64.add  local.get 34 i64.add
    local.get 35 i64.add  local.get 36 i64.add
    local.get 37 i64.add  local.get 38 i64.add  local.get 39 i64.add  local.get 40 i64.add
    local.get 41 i64.add  local.get 42 i64.add
    local.get 43 i64.add  local.get 44 i64.add  local.get 45 i64.add  local.get 46 i64.add
    local.get 47 i64.add  local.get 48 i64.add
    local.get 49 i64.add  local.get 50 i64.add  local.get 51 i64.add  local.get 52 i64.add
    local.get 53 i64.add  local.get 54 i64.add
    local.get 55 i64.add  local.get 56 i64.add  local.get 57 i64.add  local.get 58 i64.add
    local.get 59 i64.add  local.get 60 i64.add
    local.get 61 i64.add  local.get 62 i64.add  local.get 63 i64.add  local.get 64 i64.add
    local.get 65 i64.add  local.get 66 i64.add
    local.get 67 i64.add  local.get 68 i64.add  local.get 69 i64.add  local.get 70 i64.add
    local.get 71 i64.add  local.get 72 i64.add
    local.get 73 i64.add  local.get 74 i64.add  local.get 75 i64.add  local.get 76 i64.add
    local.get 77 i64.add  local.get 78 i64.add
    local.get 79 i64.add  local.get 80 i64.add  local.get 81 i64.add  local.get 82 i64.add
    local.get 83 i64.add  local.get 84 i64.add
    local.get 85 i64.add  local.get 86 i64.add  local.get 87 i64.add  local.get 88 i64.add
    local.get 89 i64.add  local.get 90 i64.add
    local.get 91 i64.add  local.get 92 i64.add  local.get 93 i64.add  local.get 94 i64.add
    local.get 95 i64.add  local.get 96 i64.add
    local.get 97 i64.add  local.get 98 i64.add  local.get 99 i64.add  local.get 100 i64.add
    local.get 0 local.set 1  local.get 0 local.set 2  local.get 0 local.set 3  local.get 0 local.set 4
    local.get 0 local.set 5
    local.get 0 local.set 6  local.get 0 local.set 7  local.get 0 local.set 8  local.get 0 local.set 9
    local.get 0 local.set 10
    local.get 0 local.set 11  local.get 0 local.set 12  local.get 0 local.set 13  local.get 0 local.set 14
    local.get 0 local.set 15
    local.get 0 local.set 16  local.get 0 local.set 17  local.get 0 local.set 18  local.get 0 local.set 19
    local.get 0 local.set 20
    local.get 0 local.set 21  local.get 0 local.set 22  local.get 0 local.set 23  local.get 0 local.set 24
    local.get 0 local.set 25
    local.get 0 local.set 26  local.get 0 local.set 27  local.get 0 local.set 28  local.get 0 local.set 29
    local.get 0 local.set 30
    local.get 0 local.set 31  local.get 0 local.set 32  local.get 0 local.set 33  local.get 0 local.set 34
    local.get 0 local.set 35
    local.get 0 local.set 36  local.get 0 local.set 37  local.get 0 local.set 38  local.get 0 local.set 39
    local.get 0 local.set 40
    local.get 0 local.set 41  local.get 0 local.set 42  local.get 0 local.set 43  local.get 0 local.set 44
    local.get 0 local.set 45
    local.get 0 local.set 46  local.get 0 local.set 47  local.get 0 local.set 48  local.get 0 local.set 49
    local.get 0 local.set 50
    local.get 0 local.set 51  local.get 0 local.set 52  local.get 0 local.set 53  local.get 0 local.set 54
    local.get 0 local.set 55
    local.get 0 local.set 56  local.get 0 local.set 57  local.get 0 local.set 58  local.get 0 local.set 59
    local.get 0 local.set 60
    local.get 0 local.set 61  local.get 0 local.set 62  local.get 0 local.set 63  local.get 0 local.set 64
    local.get 0 local.set 65
    local.get 0 local.set 66  local.get 0 local.set 67  local.get 0 local.set 68  local.get 0 local.set 69
    local.get 0 local.set 70
    local.get 0 local.set 71  local.get 0 local.set 72  local.get 0 local.set 73  local.get 0 local.set 74
    local.get 0 local.set 75
    local.get 0 local.set 76  local.get 0 local.set 77  local.get 0 local.set 78  local.get 0 local.set 79
    local.get 0 local.set 80
    local.get 0 local.set 81  local.get 0 local.set 82  local.get 0 local.set 83  local.get 0 local.set 84
    local.get 0 local.set 85
    local.get 0 local.set 86  local.get 0 local.set 87  local.get 0 local.set 88  local.get 0 local.set 89
    local.get 0 local.set 90
    local.get 0 local.set 91  local.get 0 local.set 92  local.get 0 local.set 93  local.get 0 local.set 94
    local.get 0 local.set 95
    local.get 0 local.set 96  local.get 0 local.set 97  local.get 0 local.set 98  local.get 0 local.set 99
    local.get 0 local.set 100)

  ;; each callee's frame starts where the previous one's did
  (func (export "locals") (param $p i64) (result i64)
    (i64.add (call $l100 (local.get $p))
      (i64.add (call $l65 (i64.add (local.get $p) (i64.const 1)))
        (i64.add (call $l64 (local.get $p))
          (i64.add (call $l9 (i64.const -1))
            (i64.add (call $l8 (local.get $p))
              (i64.add (call $l1 (local.get $p)) (call $l100 (call $l0 (local.get $p))))))))))
  (func (export "locals_up") (param $p i64) (result i64)
    (drop (call $l0 (local.get $p)))
    (i64.xor (i64.xor (call $l1 (local.get $p)) (call $l9 (local.get $p)))
             (i64.xor (call $l65 (call $l8 (local.get $p))) (call $l64 (call $l100 (local.get $p))))))

  ;; recursion: depth from the argument (at most 255 frames)
  (func $rec (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 1))
      (else (i32.add (i32.mul (local.get $n) (i32.const 3))
                     (call $rec (i32.sub (local.get $n) (i32.const 1)))))))
  (func (export "recurse") (param $n i32) (result i32)
    (call $rec (i32.and (local.get $n) (i32.const 255))))
  ;; multi-value results through a direct and an indirect call
  (func $pair (param $x i64) (result i64)
    (i64.mul (local.get $x) (i64.const -3)))
  (func $multi (param $a i32) (param $x i64) (result i32 i64 f64 i32)
    (local.get $a) (i64.rotl (local.get $x) (i64.const 9))
    (f64.convert_i32_s (local.get $a)) (i32.wrap_i64 (local.get $x)))
  (func (export "multi") (param $a i32) (param $x i64) (result i64)
    (local $r i32) (local $s i64) (local $d f64) (local $t i32)
    (call $multi (local.get $a) (local.get $x))
    (local.set $t) (local.set $d) (local.set $s) (local.set $r)
    (i64.add (i64.add (local.get $s) (i64.extend_i32_u (i32.xor (local.get $r) (local.get $t))))
             (i64.trunc_sat_f64_s (local.get $d))))
  ;; call_indirect: the index decides the callee, its type, null or out of range
  (func (export "indirect") (param $i i32) (param $x i64) (result i64)
    (i64.add
      (call_indirect (type $i64_i64) (local.get $x) (i32.and (local.get $i) (i32.const 15)))
      (i64.extend_i32_u (call_indirect (type $i32_i32) (i32.const 0) (i32.const 7)))))
  (func (export "indirect_rec") (param $i i32) (result i32)
    (call_indirect (type $i32_i32) (i32.and (local.get $i) (i32.const 63)) (i32.const 8)))
  ;; memory.grow in a callee, then the caller's accesses see the new size
  (func $grow (param $d i32) (result i32)
    (memory.grow (local.get $d)))
  (func (export "grow_access") (param $a i32) (param $d i32) (result i32)
    (local $before i32)
    (local.set $before (i32.load8_u offset=65535 (i32.const 0)))
    (drop (call $grow (i32.and (local.get $d) (i32.const 3))))
    (i32.store offset=65536 (i32.and (local.get $a) (i32.const 0xffff)) (local.get $a))
    (i32.add (i32.add (local.get $before) (memory.size))
             (i32.load offset=65534 (i32.and (local.get $a) (i32.const 0x1ffff)))))
  (func (export "grow_indirect") (param $a i32) (result i32)
    (drop (call_indirect (type $i32_i32) (i32.and (local.get $a) (i32.const 1)) (i32.const 7)))
    (i32.load16_u offset=131070 (i32.const 0)))
  ;; host calls and globals (own and imported, every type)
  (func (export "host_globals") (param $a i32) (param $x i64) (param $f f32) (param $d f64) (result i64 i32)
    (global.set $g32 (i32.add (global.get $g32) (local.get $a)))
    (global.set $g64 (i64.sub (global.get $g64) (local.get $x)))
    (global.set $gf32 (f32.add (global.get $gf32) (local.get $f)))
    (global.set $gf64 (f64.mul (global.get $gf64) (local.get $d)))
    (global.set $ig32 (i32.xor (global.get $ig32) (global.get $g32)))
    (global.set $ig64 (i64.rotl (global.get $ig64) (global.get $g64)))
    (call $host (global.get $g32) (global.get $ig64) (global.get $gf32) (global.get $gf64)))
)
