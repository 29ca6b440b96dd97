#!/bin/bash
# bench/tiers/run.sh [ROUNDS]: the compiler against the interpreter, side by
# side in one run (docs/performance.md, "Compiler vs interpreter").
#
# Each workload runs once per tier per round, the tiers alternated
# (KW_WASM_TIER=interp selects the interpreter at module load), so that a
# machine getting busier or quieter shifts both alike.  Prints each round's
# figures, then per workload the median of the rounds for each tier and their
# ratio.  Run it through `make bench-tiers [ROUNDS=3]`, which builds what it
# needs (the Rust policy of tests/compat is used when it was built).
set -u
B=${B:-build}
ROUNDS=${1:-3}
POLICY=$B/bench/policy/bench_policy
ENGINE=$B/bench/engine/bench_engine
RUST=$B/compat/pod-privileged-rs.raw.wasm
declare -A RES                               # RES[workload,tier] = "v1 v2 ..."

# record WORKLOAD TIER VALUE
record() { RES[$1,$2]="${RES[$1,$2]:-} $3"; printf '  %-34s %-6s %s\n' "$1" "$2" "$3"; }

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# policy WORKLOAD MODULE REQUEST N: median µs of one fresh-sandbox evaluation
policy() {
    local tier
    for tier in jit interp; do
        record "$1" $tier "$(KW_WASM_TIER=$tier "$POLICY" -n "$4" "$2" "$3" |
            sed -nE 's/^evaluation us: median ([0-9.]+).*/\1/p')"
    done
}

# kernels: ms of the engine on each kernel (bench_engine's table, 3 runs each)
kernels() {
    local tier name ms
    for tier in jit interp; do
        while read -r name ms; do
            record "$name kernel (ms)" $tier "$ms"
        done < <(KW_WASM_TIER=$tier "$ENGINE" -r 3 -k "$B/bench/engine" 2>/dev/null |
                 awk '/^  (crc32|recursive|quicksort) / { print $1, $(NF-2) }')
    done
}

for r in $(seq 1 "$ROUNDS"); do
    echo "round $r/$ROUNDS ($(uptime | sed 's/.*load/load/'))"
    policy "pod-privileged 3.9 KB (us)" "$B/policies/pod-privileged.raw.wasm" bench/json/review_small.json 20000
    policy "pod-privileged 449 B (us)" "$B/policies/pod-privileged.raw.wasm" \
        policies/pod-privileged/test_data/pod_plain.json 20000
    [ -f "$RUST" ] && policy "Rust pod-privileged 3.9 KB (us)" "$RUST" bench/json/review_small.json 2000
    [ -x "$ENGINE" ] && kernels
done

echo
printf '%-34s %12s %12s %8s\n' workload compiler interpreter ratio
for key in "${!RES[@]}"; do
    [ "${key##*,}" = jit ] || continue
    w=${key%,*}
    j=$(median <<<"${RES[$w,jit]}") i=$(median <<<"${RES[$w,interp]:-}")
    printf '%-34s %12s %12s %7.1fx\n' "$w" "$j" "$i" "$(awk -v a="$i" -v b="$j" 'BEGIN { print (b > 0 ? a / b : 0) }')"
done | sort
