;; wapc_order.wat - checks the init order and isolation with wasm globals:
;; _start sets $g = 1, wapc_init makes it $g*10+2 (12 only if _start ran first),
;; and every __guest_call bumps $calls and answers {"accepted":true,"code":NNN}
;; with NNN = $g*10 + $calls: 121 in every fresh sandbox.
(module
  (import "wapc" "__guest_request" (func $guest_request (param i32 i32)))
  (import "wapc" "__guest_response" (func $guest_response (param i32 i32)))
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (global $calls (mut i32) (i32.const 0))
  (data (i32.const 0) "{\"accepted\":true,\"code\":000}")
  (func (export "_start") (global.set $g (i32.const 1)))
  (func (export "wapc_init")
    (global.set $g (i32.add (i32.mul (global.get $g) (i32.const 10)) (i32.const 2))))
  ;; writes the 3 decimal digits of $v at offset 24..26
  (func $digits (param $v i32)
    (i32.store8 (i32.const 24) (i32.add (i32.const 48) (i32.div_u (local.get $v) (i32.const 100))))
    (i32.store8 (i32.const 25) (i32.add (i32.const 48) (i32.rem_u (i32.div_u (local.get $v) (i32.const 10)) (i32.const 10))))
    (i32.store8 (i32.const 26) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10)))))
  (func (export "__guest_call") (param $op_len i32) (param $msg_len i32) (result i32)
    (call $guest_request (i32.const 1024) (i32.const 2048))
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (call $digits (i32.add (i32.mul (global.get $g) (i32.const 10)) (global.get $calls)))
    (call $guest_response (i32.const 0) (i32.const 28))
    (i32.const 1)))
