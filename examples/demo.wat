;; demo.wat - the module `make run` runs with wasm-run: small functions that
;; exercise calls, loops, 64-bit and floating-point arithmetic, memory and traps.
(module
  (memory (export "memory") 1)

  ;; Recursive Fibonacci: call-heavy.
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))

  ;; n! in 64 bits, with a loop.
  (func (export "factorial") (param $n i64) (result i64)
    (local $acc i64)
    (local.set $acc (i64.const 1))
    (block $done
      (loop $next
        (br_if $done (i64.le_u (local.get $n) (i64.const 1)))
        (local.set $acc (i64.mul (local.get $acc) (local.get $n)))
        (local.set $n (i64.sub (local.get $n) (i64.const 1)))
        (br $next)))
    (local.get $acc))

  ;; Greatest common divisor; traps ("integer divide by zero") when b is 0 and a is not.
  (func $gcd (export "gcd") (param $a i32) (param $b i32) (result i32)
    (if (result i32) (i32.eqz (local.get $b))
      (then (local.get $a))
      (else (call $gcd (local.get $b) (i32.rem_u (local.get $a) (local.get $b))))))

  ;; Integer division that traps on 0, to show a trap.
  (func (export "div") (param $a i32) (param $b i32) (result i32)
    (i32.div_s (local.get $a) (local.get $b)))

  ;; Square root by Newton's method, 30 steps.
  (func (export "sqrt") (param $x f64) (result f64)
    (local $r f64) (local $i i32)
    (local.set $r (f64.add (f64.mul (local.get $x) (f64.const 0.5)) (f64.const 0.5)))
    (loop $step
      (local.set $r (f64.mul (f64.const 0.5)
                             (f64.add (local.get $r) (f64.div (local.get $x) (local.get $r)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $step (i32.lt_u (local.get $i) (i32.const 30))))
    (local.get $r))

  ;; Sieve of Eratosthenes in linear memory: the number of primes below n (n <= 65536).
  (func (export "primes") (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $count i32)
    (memory.fill (i32.const 0) (i32.const 0) (local.get $n))
    (local.set $i (i32.const 2))
    (block $out
      (loop $outer
        (br_if $out (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.eqz (i32.load8_u (local.get $i)))
          (then
            (local.set $count (i32.add (local.get $count) (i32.const 1)))
            (local.set $j (i32.mul (local.get $i) (local.get $i)))
            (block $marked
              (loop $mark
                (br_if $marked (i32.ge_u (local.get $j) (local.get $n)))
                (i32.store8 (local.get $j) (i32.const 1))
                (local.set $j (i32.add (local.get $j) (local.get $i)))
                (br $mark)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (local.get $count))

  ;; Two results (multi-value): quotient and remainder.
  (func (export "divmod") (param $a i32) (param $b i32) (result i32 i32)
    (i32.div_u (local.get $a) (local.get $b))
    (i32.rem_u (local.get $a) (local.get $b)))

  ;; Never returns: shows that a deadline (wasm-run -t MS) stops a running guest.
  (func (export "spin") (result i32)
    (local $n i32)
    (loop $forever
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $forever))
    (local.get $n))
)
