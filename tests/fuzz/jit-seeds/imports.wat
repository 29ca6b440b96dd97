;; Seed for fuzz_jit: a module whose memory, table, globals and functions are
;; all imported (fuzz_jit defines the same dummies on both sides): compiled
;; accesses through an imported memory (its size register after the caller
;; grows it), call_indirect through an imported table to a host function and
;; to this module's own functions (placed there by an active segment), and
;; host calls with every value type whose results feed the next call.
(module
  (type $h (func (param i32 i64 f32 f64) (result i64 i32)))
  (type $i_i (func (param i32) (result i32)))
  (import "env" "host" (func $host (type $h)))
  (import "env" "host0" (func $host0 (result f64)))
  (import "env" "mem" (memory 1 3))
  (import "env" "tab" (table 4 funcref))
  (import "env" "gf" (global $gf (mut f64)))
  (import "env" "gi" (global $gi i32))
  (elem (i32.const 1) $double $host)
  (func $double (param $x i32) (result i32) (i32.shl (local.get $x) (i32.const 1)))

  (func (export "mem_io") (param $a i32) (param $v i64) (result i64)
    (i64.store offset=3 (local.get $a) (local.get $v))
    (drop (memory.grow (i32.and (local.get $a) (i32.const 1))))
    (i64.store16 offset=65535 (i32.and (local.get $a) (i32.const 3)) (local.get $v))
    (i64.add (i64.load offset=1 (local.get $a)) (i64.extend_i32_u (memory.size))))
  (func (export "via_table") (param $i i32) (param $x i32) (result i32)
    (call_indirect (type $i_i) (local.get $x) (i32.and (local.get $i) (i32.const 3))))
  (func (export "host_indirect") (param $a i32) (param $x i64) (param $f f32) (result i64 i32)
    (call_indirect (type $h) (local.get $a) (local.get $x) (local.get $f) (global.get $gf) (i32.const 2)))
  (func (export "host_chain") (param $a i32) (param $x i64) (result i64 i64 i32) (local $r i32)
    (global.set $gf (f64.add (global.get $gf) (call $host0)))
    (call $host (i32.add (local.get $a) (global.get $gi)) (local.get $x) (f32.const nan:0x1) (global.get $gf))
    (local.set $r)
    (call $host (local.get $r) (i64.const -1) (f32.const -0.0) (f64.const 0x1p-1074)))
)
