;; start_section.wat - a module whose wasm start function calls WASI before the
;; host could attach any context: loading it must fail cleanly, not crash.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $early (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0))))
  (start $early)
  (func (export "_start"))
  (func (export "__guest_call") (param i32 i32) (result i32) (i32.const 0)))
