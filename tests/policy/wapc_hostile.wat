;; wapc_hostile.wat - a waPC guest that misbehaves on purpose, chosen by the
;; first character of the request uid (payload offset 19 of {"request":{"uid":"X...):
;;   'g'  grows its memory by 4 pages and scribbles over the new space, then
;;        answers {"accepted":true,"code":N} with N = the page count it found
;;        on entry (1 in every fresh sandbox)
;;   'm'  tries to grow its memory by 100 pages (6.4 MiB): answers code 9 when
;;        the host's memory limit refuses, else the page count found on entry
;;   'r'  hands __guest_request buffers past the end of memory
;;   'o'  hands __guest_response a range past the end of memory
;;   'h'  calls __host_call with a binding pointer past the end of memory
;;   'u'  calls __host_call with a namespace that is not UTF-8
;;   else answers with its memory size too
(module
  (import "wapc" "__guest_request" (func $guest_request (param i32 i32)))
  (import "wapc" "__guest_response" (func $guest_response (param i32 i32)))
  (import "wapc" "__host_call" (func $host_call (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"accepted\":true,\"code\":0}")
  (data (i32.const 64) "kubewarden")
  (data (i32.const 80) "\ff\fe")
  (func $answer (param $pages i32) (result i32)
    (i32.store8 (i32.const 24) (i32.add (i32.const 48) (local.get $pages)))
    (call $guest_response (i32.const 0) (i32.const 26))
    (i32.const 1))
  (func (export "__guest_call") (param $op_len i32) (param $msg_len i32) (result i32)
    (local $pages i32) (local $cmd i32)
    (local.set $pages (memory.size))
    (call $guest_request (i32.const 1024) (i32.const 2048))
    (local.set $cmd (i32.load8_u (i32.const 2067)))
    (if (i32.eq (local.get $cmd) (i32.const 114)) ;; 'r'
      (then (call $guest_request (i32.const 0x7ffffff0) (i32.const 0x7ffffff0)) (return (i32.const 1))))
    (if (i32.eq (local.get $cmd) (i32.const 103)) ;; 'g'
      (then
        (drop (memory.grow (i32.const 4)))
        (memory.fill (i32.const 65536) (i32.const 0xAB) (i32.const 262144))
        (return (call $answer (local.get $pages)))))
    (if (i32.eq (local.get $cmd) (i32.const 109)) ;; 'm'
      (then (return (call $answer (select (i32.const 9) (local.get $pages)
                                          (i32.eq (memory.grow (i32.const 100)) (i32.const -1)))))))
    (if (i32.eq (local.get $cmd) (i32.const 111)) ;; 'o'
      (then (call $guest_response (i32.const 65000) (i32.const 1000)) (return (i32.const 1))))
    (if (i32.eq (local.get $cmd) (i32.const 104)) ;; 'h'
      (then (return (call $host_call (i32.const 0xfffffff0) (i32.const 10) (i32.const 64) (i32.const 1)
                                     (i32.const 64) (i32.const 1) (i32.const 64) (i32.const 1)))))
    (if (i32.eq (local.get $cmd) (i32.const 117)) ;; 'u'
      (then (return (call $host_call (i32.const 64) (i32.const 10) (i32.const 80) (i32.const 2)
                                     (i32.const 64) (i32.const 1) (i32.const 64) (i32.const 1)))))
    (call $answer (local.get $pages))))
