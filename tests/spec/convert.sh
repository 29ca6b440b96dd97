#!/bin/sh
# convert.sh TESTSUITE_DIR OUT_DIR [NAMES] - converts TESTSUITE_DIR/<name>.wast
# (every one, or only NAMES) with wast2json into OUT_DIR/<name>/<name>.json and
# its .wasm files, again only when the .wast is newer than the JSON.  SIMD
# scripts (simd_*) are not converted.  Prints the JSON paths, one per line, in
# order (SIMD ones too: the runner reports those as skipped).
set -u
suite=$1 out=$2 only=${3:-}

command -v wast2json >/dev/null || { echo "convert.sh: wast2json not found (Debian package wabt)" >&2; exit 1; }
if [ -n "$only" ]; then
    names=$only
else
    names=$(cd "$suite" && ls -- *.wast | sed 's/\.wast$//')
fi
for name in $names; do
    wast=$suite/$name.wast json=$out/$name/$name.json
    [ -f "$wast" ] || { echo "convert.sh: $wast not found" >&2; exit 1; }
    case $name in
    simd_*) ;;
    *)
        if [ ! -f "$json" ] || [ "$wast" -nt "$json" ]; then
            rm -rf "${out:?}/$name" && mkdir -p "$out/$name"
            wast2json "$wast" -o "$json" >&2 || { echo "convert.sh: wast2json failed on $wast" >&2; exit 1; }
        fi ;;
    esac
    echo "$json"
done
