#!/bin/sh
# demo.sh WASM_RUN DEMO.wasm - what `make run` shows: the demo module's exports,
# a few calls, and a trap.
set -u
run=$1 wasm=$2
show() {
    echo "\$ wasm-run demo.wasm $*"
    "$run" "$wasm" "$@"
    echo
}
show
show fib 25
show factorial 20
show gcd 1071 462
show sqrt 2
show primes 65536
show divmod 17 5
show div 1 0
exit 0
