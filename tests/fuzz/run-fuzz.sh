#!/bin/sh
# run-fuzz.sh FUZZER SECONDS TESTSUITE_DIR SPEC_OUT [EXTRA SEED FILES...]
# Seeds a corpus with the spec suite's .wasm files (converting the suite first
# when it is there) and runs a libFuzzer campaign of SECONDS.  Prints
# "1 passed, 0 failed" when the campaign ends without a crash, hang or
# sanitizer report, else "0 passed, 1 failed" and how to reproduce.
set -u
fuzzer=$1 seconds=$2 suite=$3 spec_out=$4
shift 4
dir=$(dirname "$fuzzer")
corpus=$dir/corpus seeds=$dir/seeds
mkdir -p "$corpus" "$seeds"

if [ -d "$suite" ]; then
    "$(dirname "$0")/../spec/convert.sh" "$suite" "$spec_out" >/dev/null || exit 1
    # One flat seed directory (libFuzzer reads directories, not globs).
    find "$spec_out" -name '*.wasm' ! -path '*/simd_*' -exec cp -p -t "$seeds/" {} +
else
    echo "fuzz: $suite not found: seeding with the demo module only"
fi
for f in "$@"; do cp -p "$f" "$seeds/"; done

log=$dir/fuzz.log
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$dir/" "$corpus" "$seeds" >"$log" 2>&1
status=$?
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
cov=$(grep -E '#[0-9]+.*cov: [0-9]+' "$log" | tail -n 1 | sed -E 's/.*cov: ([0-9]+).*/\1/')
if [ "$status" = 0 ]; then
    echo "fuzz: ${seconds}s campaign, ${runs:-?} inputs, coverage ${cov:-?} edges, no crash"
    echo "fuzz: 1 passed, 0 failed"
    exit 0
fi
tail -n 60 "$log"
artifact=$(grep -o "Test unit written to [^ ]*" "$log" | tail -n 1 | sed 's/Test unit written to //')
echo "fuzz: FAILED (exit $status); log: $log"
[ -n "$artifact" ] && echo "fuzz: reproduce with: $fuzzer $artifact"
echo "fuzz: 0 passed, 1 failed"
exit 1
