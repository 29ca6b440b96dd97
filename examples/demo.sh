#!/bin/sh
# demo.sh WASM_RUN DEMO.wasm - what `make run` shows: the demo module's exports,
# a few calls, a trap, and a deadline stopping an endless loop.
set -u
run=$1 wasm=$2
show() {
    case ${1:-} in
    -t) echo "\$ wasm-run $1 $2 demo.wasm $3"; "$run" "$1" "$2" "$wasm" "$3" ;;
    *) echo "\$ wasm-run demo.wasm $*"; "$run" "$wasm" "$@" ;;
    esac
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
show -t 100 spin
exit 0
