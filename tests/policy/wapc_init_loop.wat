;; wapc_init_loop.wat - a waPC module whose wapc_init never returns: loading it
;; must fail with the init-timeout error instead of hanging.
(module
  (memory (export "memory") 1)
  (func (export "wapc_init") (loop $forever (br $forever)))
  (func (export "__guest_call") (param i32 i32) (result i32) (i32.const 0)))
