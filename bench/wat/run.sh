#!/bin/sh
# run.sh BENCH_WAT OUT_DIR WASM... - text-format conversion speed.
# Each binary is turned into text by wabt's wasm2wat, then converted back by
# bench_wat (wat_to_wasm, in process) and by wabt's wat2wasm (a process per
# conversion, --no-check: without validation; median of 7), for comparison.
set -eu
bench=$1 out=$2
shift 2
mkdir -p "$out"
wats=""
for wasm in "$@"; do
    wat=$out/$(basename "$wasm" .wasm).wat
    wasm2wat "$wasm" -o "$wat"
    wats="$wats $wat"
done
# shellcheck disable=SC2086
"$bench" $wats
echo
printf '%-44s %10s\n' "wat2wasm --no-check (process)" "ms"
for wat in $wats; do
    times=""
    for _ in 1 2 3 4 5 6 7; do
        start=$(date +%s%N)
        wat2wasm --no-check "$wat" -o "$out/wabt.wasm"
        times="$times $(( ($(date +%s%N) - start) / 1000 ))"
    done
    median=$(echo $times | tr ' ' '\n' | sort -n | sed -n 4p)
    printf '%-44s %10s\n' "$(basename "$wat")" "$(echo "$median" | awk '{printf "%.3f", $1 / 1000}')"
done
