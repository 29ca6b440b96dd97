#!/bin/sh
# run-spec.sh RUNNER TESTSUITE_DIR OUT_DIR "NAMES" [RUNNER FLAGS...]
# Converts every TESTSUITE_DIR/*.wast (or only NAMES) with wast2json into
# OUT_DIR/<name>/ when the .wast is newer than the JSON, then runs RUNNER on
# them.  SIMD scripts are not converted: the runner reports them as skipped.
set -u
runner=$1 suite=$2 out=$3 only=$4
shift 4

if [ ! -d "$suite" ]; then
    echo "skipped: $suite not found"
    echo "0 passed, 0 failed"
    exit 0
fi
command -v wast2json >/dev/null || { echo "test-spec: wast2json not found (Debian package wabt)" >&2; exit 1; }

if [ -n "$only" ]; then
    names=$only
else
    names=$(cd "$suite" && ls *.wast | sed 's/\.wast$//')
fi

scripts=""
for name in $names; do
    wast=$suite/$name.wast json=$out/$name/$name.json
    [ -f "$wast" ] || { echo "test-spec: $wast not found" >&2; exit 1; }
    case $name in
    simd_*) ;;
    *)
        if [ ! -f "$json" ] || [ "$wast" -nt "$json" ]; then
            rm -rf "${out:?}/$name" && mkdir -p "$out/$name"
            wast2json "$wast" -o "$json" || { echo "test-spec: wast2json failed on $wast" >&2; exit 1; }
        fi ;;
    esac
    scripts="$scripts $json"
done
# shellcheck disable=SC2086
exec "$runner" "$@" $scripts
