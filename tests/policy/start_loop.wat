;; start_loop.wat - a module whose wasm start function never returns: loading
;; it must fail after the init budget instead of hanging.
(module
  (memory (export "memory") 1)
  (func $forever (loop $l (br $l)))
  (start $forever)
  (func (export "_start"))
  (func (export "__guest_call") (param i32 i32) (result i32) (i32.const 0)))
