;; wapc_nocall.wat - exports no __guest_call: not a waPC policy.
(module
  (memory (export "memory") 1)
  (func (export "validate") (result i32) (i32.const 0)))
