#!/bin/sh
# wabt.sh DIR KERNEL... - one run of each kernel in wabt's wasm-interp (1.0.32),
# for comparison: wall time of the whole process (load + setup + run), in ms.
set -u
dir=$1
shift
echo "wabt wasm-interp (one run each, ms, includes load and setup)"
for k in "$@"; do
    t0=$(date +%s%N)
    out=$(wasm-interp "$dir/$k.wasm" --run-all-exports 2>&1 | grep '^run()')
    t1=$(date +%s%N)
    printf '  %-8s %10d  %s\n' "$k" $(( (t1 - t0) / 1000000 )) "$out"
done
