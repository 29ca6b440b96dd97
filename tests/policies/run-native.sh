#!/bin/sh
# Runs each native policy test binary (build/policies-native/<name>) on its
# policy folder (other binaries, e.g. the SDK's tests, without arguments),
# shows failures, and prints the summed "N passed, N failed".
# Each binary gets 5 minutes and about 10 MB of output at most.
pass=0 fail=0 status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$@"; do
    name=$(basename "$t")
    arg=""
    [ -d "policies/$name" ] && arg="policies/$name"
    (ulimit -f 20000; timeout 300 "$t" $arg) > "$log" 2>&1; rc=$?
    out=$(tail -c 20000 "$log")
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
    if [ $rc -ne 0 ] || [ -z "$line" ]; then
        printf '%s\n' "$out" | tail -n 40
        echo "FAIL $name (exit $rc)"
        status=1
        [ -z "$line" ] && fail=$((fail + 1))
    else
        echo "ok   $name: $line"
    fi
    [ -n "$line" ] && { set -- $line; pass=$((pass + $1)); fail=$((fail + $3)); }
done
echo "policies-native: $pass passed, $fail failed"
exit $status
