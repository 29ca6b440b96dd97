;; wasi_javy.wat - a WASI policy importing host capabilities the way Javy JS
;; policies do (`kubewarden:javy/host`.`call`): logs through tracing/log, then
;; answers {"accepted":true} on stdout, or {"accepted":false} if the call failed.
(module
  (import "kubewarden:javy/host" "call"
    (func $call (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "kubewarden")
  (data (i32.const 16) "tracing")
  (data (i32.const 32) "log")
  (data (i32.const 48) "{\"level\":\"info\",\"message\":\"javy\"}")
  (data (i32.const 128) "{\"accepted\":true} ")
  (data (i32.const 160) "{\"accepted\":false}")
  (func (export "_start")
    (local $rc i32)
    (local.set $rc (call $call (i32.const 0) (i32.const 10) (i32.const 16) (i32.const 7)
                               (i32.const 32) (i32.const 3) (i32.const 48) (i32.const 33)))
    ;; iovec {buf, 18} at 200: the accepted or the rejected answer
    (i32.store (i32.const 200) (select (i32.const 128) (i32.const 160) (i32.eqz (local.get $rc))))
    (i32.store (i32.const 204) (i32.const 18))
    (drop (call $fd_write (i32.const 1) (i32.const 200) (i32.const 1) (i32.const 208)))))
