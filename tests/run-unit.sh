#!/bin/sh
# Runs each unit-test binary given; each prints "N passed, N failed" last.
# Prints the sum the same way and fails if any binary failed.
pass=0 fail=0 status=0
for t in "$@"; do
    out=$("$t" 2>&1); rc=$?
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
    if [ $rc -ne 0 ] || [ -z "$line" ]; then
        printf '%s\n' "$out" | tail -n 40
        echo "FAIL $t (exit $rc)"
        status=1
        [ -z "$line" ] && fail=$((fail + 1))
    else
        echo "ok   $t: $line"
    fi
    [ -n "$line" ] && { set -- $line; pass=$((pass + $1)); fail=$((fail + $3)); shift 4 2>/dev/null; }
done
echo "unit: $pass passed, $fail failed"
exit $status
