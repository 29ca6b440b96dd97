;; wapc_exit3.wat - _start ends with proc_exit(3): the module fails to initialise.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $proc_exit (i32.const 3)))
  (func (export "__guest_call") (param i32 i32) (result i32) (i32.const 0)))
