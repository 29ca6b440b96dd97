#!/bin/sh
# selftest.sh RUNNER OUT_DIR - the spec runner on its own fixtures
# (tests/spec/selftest/): every assertion of pass.wast must hold and every one
# of fail.wast must be reported failed.  Needs only wast2json, not the official
# suite.  Prints "N passed, N failed" over the two checks.
set -u
runner=$1 out=$2
here=$(dirname "$0")
pass=0 fail=0
jsons=$("$here/convert.sh" "$here/selftest" "$out" "pass fail") || exit 1
pass_json=$(echo "$jsons" | head -n 1) fail_json=$(echo "$jsons" | tail -n 1)

# check NAME JSON WANT_PASSED WANT_FAILED
check() {
    line=$("$runner" -v "$2" | tee "$out/$1.log" | tail -n 1)
    got_passed=${line%% passed*}
    got_failed=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
    if [ "$got_passed" = "$3" ] && [ "$got_failed" = "$4" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $1: want $3 passed, $4 failed; got: $line"
        cat "$out/$1.log"
    fi
}
assertions() { grep -c '^(assert_' "$here/selftest/$1.wast"; }

check pass "$pass_json" "$(assertions pass)" 0
check fail "$fail_json" 0 "$(assertions fail)"
echo "spec runner self-test: $pass passed, $fail failed"
[ "$fail" = 0 ]
