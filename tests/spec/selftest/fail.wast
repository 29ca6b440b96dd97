;; fail.wast - the runner's own fixture: every assertion here is wrong, so the
;; runner must count each one as failed (a runner that cannot fail tests nothing).

(module
  (func (export "one") (result i32) (i32.const 1))
  (func (export "f32-one") (result f32) (f32.const 1))
  (func (export "f32-nan") (result f32) (f32.const nan:0x200000))
  (func (export "f64-snan") (result f64) (f64.const nan:0x1))
  (func (export "ext") (param externref) (result externref) (local.get 0))
  (func (export "div") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
)
(assert_return (invoke "one") (i32.const 2))
(assert_return (invoke "f32-one") (f32.const -1))
(assert_return (invoke "f32-nan") (f32.const nan:canonical))
(assert_return (invoke "f64-snan") (f64.const nan:arithmetic))
(assert_return (invoke "ext" (ref.extern 1)) (ref.extern 2))
(assert_return (invoke "ext" (ref.extern 0)) (ref.null extern))
(assert_return (invoke "div" (i32.const 1) (i32.const 0)) (i32.const 0))
(assert_trap (invoke "one") "unreachable")
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer overflow")
(assert_exhaustion (invoke "one") "call stack exhausted")
(assert_invalid (module (func (result i32) (i32.const 0))) "type mismatch")
(assert_malformed (module binary "\00asm\01\00\00\00") "unexpected end")
(assert_unlinkable (module (func)) "unknown import")
(assert_trap (module (func)) "unreachable")
(assert_unlinkable (module (import "spectest" "nothing" (func))) "incompatible import type")
(assert_malformed (module quote "(func)") "unexpected token")   ;; valid text: the text parser accepts it
