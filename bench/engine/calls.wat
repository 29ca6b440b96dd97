;; calls.wat - guest side of bench_calls.c: boundary crossings and interruption.
(module
  (import "env" "h" (func $h))

  ;; host -> wasm: the cheapest call there is.
  (func (export "empty"))

  ;; wasm -> host: n calls of an import that only counts.
  (func (export "call_host") (param $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (call $h)
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next))))

  ;; Interruption in a tight loop ...
  (func (export "spin")
    (loop $forever (br $forever)))

  ;; ... and in deep, call-heavy recursion (fib(60) would take ages).
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
)
