;; wapc_exit0.wat - _start ends with proc_exit(0), as TinyGo's does: that is a
;; successful init.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wapc" "__guest_response" (func $guest_response (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"accepted\":true}")
  (func (export "_start") (call $proc_exit (i32.const 0)))
  (func (export "__guest_call") (param i32 i32) (result i32)
    (call $guest_response (i32.const 0) (i32.const 17))
    (i32.const 1)))
