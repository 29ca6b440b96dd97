;; wapc_badimport.wat - imports a waPC function with the wrong type: loading must
;; fail with a message naming the import, not crash.
(module
  (import "wapc" "__guest_response" (func $guest_response (param i64)))
  (memory (export "memory") 1)
  (func (export "__guest_call") (param i32 i32) (result i32) (i32.const 0)))
