;; rego_like.wat - exports opa_* functions like an OPA build: refused as waPC.
(module
  (memory (export "memory") 1)
  (func (export "opa_eval_ctx_new") (result i32) (i32.const 0))
  (func (export "__guest_call") (param i32 i32) (result i32) (i32.const 0)))
