#!/bin/sh
# Runs `make <suite>` for every suite, shows each one's output, and closes with
# the total "N passed, N failed" across all of them.  Exit status: non-zero if
# any suite failed.
pass=0 fail=0 status=0 failed_suites=""
for s in "$@"; do
    echo "=== $s"
    log=$(mktemp)
    make --no-print-directory "$s" 2>&1 | tee "$log"
    line=$(grep -E '(^|: )[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 | sed -E 's/^.*: //')
    if ! grep -qE '(^|: )[0-9]+ passed, [0-9]+ failed' "$log" || grep -qE '^make(\[[0-9]+\])?: \*\*\*' "$log"; then
        status=1; failed_suites="$failed_suites $s"
    fi
    if [ -n "$line" ]; then
        p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
        f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
        pass=$((pass + p)); fail=$((fail + f))
        [ "$f" -gt 0 ] && { status=1; case "$failed_suites" in *" $s"*) ;; *) failed_suites="$failed_suites $s";; esac; }
    fi
    rm -f "$log"
done
[ -n "$failed_suites" ] && echo "failed suites:$failed_suites"
echo "$pass passed, $fail failed"
exit $status
