#!/bin/sh
# Runs each native policy test binary (build/policies-native/<name>) on its
# policy folder (other binaries, e.g. the SDK's tests, without arguments),
# shows failures, and prints the summed "N passed, N failed".
pass=0 fail=0 status=0
for t in "$@"; do
    name=$(basename "$t")
    if [ -d "policies/$name" ]; then out=$("$t" "policies/$name" 2>&1); rc=$?
    else out=$("$t" 2>&1); rc=$?; fi
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
