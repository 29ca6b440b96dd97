#!/bin/sh
# test-demo.sh WASM_RUN DEMO.wasm - runs the real wasm-run binary: results of
# the demo functions, and clear errors (never a crash) on bad files, unknown
# functions, wrong arguments and traps.  Prints "N passed, N failed".
set -u
run=$1 wasm=$2
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect STATUS STDOUT STDERR-SUBSTRING ARGS...
expect() {
    want_status=$1 want_out=$2 want_err=$3
    shift 3
    "$run" "$@" >"$tmp/out" 2>"$tmp/err"
    status=$?
    out=$(cat "$tmp/out") err=$(cat "$tmp/err")
    if [ "$status" = "$want_status" ] && [ "$out" = "$want_out" ] &&
       { [ -z "$want_err" ] || printf '%s' "$err" | grep -qF -- "$want_err"; }; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: wasm-run $*"
        echo "  want status $want_status, stdout \"$want_out\", stderr containing \"$want_err\""
        echo "  got  status $status, stdout \"$out\", stderr \"$err\""
    fi
}

nl='
'
expect 0 "55" "" "$wasm" fib 10
expect 0 "75025" "" "$wasm" fib 25
expect 0 "2432902008176640000" "" "$wasm" factorial 20
expect 0 "21" "" "$wasm" gcd 1071 462
# Newton's iteration settles one ulp below sqrt(2), natively too.
expect 0 "1.4142135623730949" "" "$wasm" sqrt 2
expect 0 "6542" "" "$wasm" primes 65536
expect 0 "3${nl}2" "" "$wasm" divmod 17 5
expect 0 "-3" "" "$wasm" div -7 2
expect 0 "-2147483648" "" "$wasm" div 0x80000000 1

# Traps are reported with the spec's text.
expect 2 "" "integer divide by zero" "$wasm" div 1 0
expect 2 "" "integer overflow" "$wasm" div -2147483648 -1
expect 2 "" "out of bounds memory access" "$wasm" primes 65537

# Deep recursion is a trap, not a crash.
expect 2 "" "call stack exhausted" "$wasm" fib -5

# A deadline stops a guest that never returns.
expect 2 "" "spin trapped: interrupted" -t 50 "$wasm" spin
expect 1 "" "-t wants milliseconds" -t 0 "$wasm" spin
expect 1 "" "-t wants milliseconds" -t soon "$wasm" spin

# Bad calls.
expect 1 "" "no exported function \"nope\"" "$wasm" nope
expect 1 "" "takes 1 argument, 0 given" "$wasm" fib
expect 1 "" "takes 2 arguments, 3 given" "$wasm" gcd 1 2 3
expect 1 "" "argument 1 (\"ten\") is not a valid i32" "$wasm" fib ten
expect 1 "" "argument 1 (\"4294967296\") is not a valid i32" "$wasm" fib 4294967296
expect 1 "" "argument 1 (\"1.5x\") is not a valid f64" "$wasm" sqrt 1.5x

# Bad files.
expect 1 "" "No such file" "$tmp/missing.wasm"
expect 1 "" "Is a directory" "$tmp"
printf 'not wasm at all' >"$tmp/garbage.wasm"
expect 1 "" "magic header not detected" "$tmp/garbage.wasm"
: >"$tmp/empty.wasm"
expect 1 "" "$tmp/empty.wasm: " "$tmp/empty.wasm"
printf '\000asm\001\000\000\000\001\005' >"$tmp/truncated.wasm"
expect 1 "" "$tmp/truncated.wasm: " "$tmp/truncated.wasm"
# A module with an import wasm-run cannot satisfy: the error names it.
printf '\000asm\001\000\000\000\001\004\001\140\000\000\002\013\001\003env\003log\000\000' >"$tmp/import.wasm"
expect 1 "" "env.log" "$tmp/import.wasm"
expect 1 "" "usage: wasm-run"

# Listing the exports.
"$run" "$wasm" >"$tmp/list" 2>&1
if grep -qx 'fib(i32) -> (i32)' "$tmp/list" && grep -qx 'divmod(i32 i32) -> (i32 i32)' "$tmp/list"; then
    pass=$((pass + 1))
else
    fail=$((fail + 1)); echo "FAIL: export listing:"; cat "$tmp/list"
fi

echo "demo: $pass passed, $fail failed"
[ "$fail" = 0 ]
