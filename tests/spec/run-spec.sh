#!/bin/sh
# run-spec.sh RUNNER TESTSUITE_DIR OUT_DIR "NAMES" [RUNNER FLAGS...]
# Converts the scripts (convert.sh) and runs RUNNER on them.  Without the
# test suite it says so and succeeds with "0 passed, 0 failed".
set -u
runner=$1 suite=$2 out=$3 only=$4
shift 4

if [ ! -d "$suite" ]; then
    echo "skipped: $suite not found"
    echo "0 passed, 0 failed"
    exit 0
fi
scripts=$("$(dirname "$0")/convert.sh" "$suite" "$out" "$only") || exit 1
# shellcheck disable=SC2086
exec "$runner" "$@" $scripts
