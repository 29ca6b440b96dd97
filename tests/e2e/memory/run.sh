#!/bin/bash
# Memory end-to-end test: the real policy-server with the ten-policy set of
# bench/server/policies.yml, under the same burst of requests with --workers 1
# and --workers 8.  The peak RSS under load must be within 10 % (issue 4).
#
# Usage: tests/e2e/memory/run.sh [BUILD_DIR]   (default: build)
#
# Peak RSS: the kernel's VmHWM, reset (clear_refs 5) once the server is ready,
# so it is the true peak of the burst, not a sample.  Load: as in the workers
# scenario of bench/server/run.sh, 32 keep-alive HTTPS connections (TLS 1.3,
# HTTP/1.1), here for 3 s with build's tests/e2e/memory-load (load.c), every
# policy x every review of tests/e2e/functional/requests and
# bench/server/requests.  Three rounds of (1, 8); the medians are compared.
# TLS=0 runs the same over plain HTTP (by hand: see docs/server.md, "Memory").
# On a machine with more than 2 CPUs everything runs pinned to 2 (taskset), the
# setting the bound is set for: the server keeps one ready sandbox per policy
# per CPU it may run on, and 8 workers on 8 CPUs really run 8 evaluations at once.
# Prints "N passed, N failed" last; exit status non-zero on any failure.
set -u
if [ -z "${KWC_MEMORY_PINNED:-}" ] && [ "$(nproc)" -gt 2 ] && command -v taskset >/dev/null; then
    two=$(awk '/^Cpus_allowed_list:/ {print $2}' /proc/self/status | tr ',' '\n' |
          awk -F- '{ for (i = $1; i <= (NF == 2 ? $2 : $1); i++) print i }' | head -n 2 | paste -sd,)
    KWC_MEMORY_PINNED=1 exec taskset -c "$two" "$0" "$@"
fi
B=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
case "$B" in /*) ;; *) B="$ROOT/$B" ;; esac
SERVER="$B/policy-server"
LOAD="$B/tests/e2e/memory-load"
POL="$B/policies"
ROUNDS=3 SECONDS_PER_RUN=3 CONNECTIONS=32 MAX_RATIO=1.10 TLS=${TLS:-1}
WORK=$(mktemp -d /tmp/kwc-e2e-memory.XXXXXX)
. "$HERE/../lib.sh"

cleanup() { stop_server; rm -rf "$WORK"; }
trap cleanup EXIT

kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$PID/status"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

TLS_FLAGS=() LOAD_FLAGS=()
if [ "$TLS" = 1 ]; then
    "$ROOT/tests/e2e/transport/make-certs.sh" "$WORK/certs" >/dev/null 2>&1
    TLS_FLAGS=(--cert-file "$WORK/certs/one.pem" --key-file "$WORK/certs/one.key")
    LOAD_FLAGS=(--tls)
fi

# The ten policies and every (policy, review) pair.
sed "s|@P@|$POL|g" "$ROOT/bench/server/policies.yml" > "$WORK/ten.yml"
mapfile -t IDS < <(grep -E '^[A-Za-z0-9][A-Za-z0-9_.-]*:' "$WORK/ten.yml" | cut -d: -f1)
PAIRS=()
for id in "${IDS[@]}"; do
    for f in "$ROOT"/tests/e2e/functional/requests/pod_*.json "$ROOT"/bench/server/requests/*.json; do
        PAIRS+=("/validate/$id=$f")
    done
done

# run_burst WORKERS: one server, one burst; appends "WORKERS peak_kB requests" to $WORK/peaks
run_burst() {
    local w=$1
    if ! WORKERS=$w start_server "$WORK/ten.yml" "${TLS_FLAGS[@]}"; then
        start_failed "--workers $w: the server did not start"
        stop_server
        return
    fi
    sleep 0.5
    echo 5 > "/proc/$PID/clear_refs"            # VmHWM := VmRSS
    local idle out
    idle=$(kb VmRSS)
    out=$("$LOAD" "${LOAD_FLAGS[@]}" "$API" "$SECONDS_PER_RUN" "$CONNECTIONS" "${PAIRS[@]}")
    check "--workers $w: every request answered 200" "$?" 0
    local peak n
    peak=$(kb VmHWM)
    n=$(printf '%s' "$out" | awk '/^requests/ {print $2}')
    [ "${n:-0}" -ge 100 ] && pass || fail "--workers $w: only ${n:-0} requests in ${SECONDS_PER_RUN} s ($out)"
    echo "--workers $w: idle $idle kB, peak $peak kB, $out"
    echo "$w $peak ${n:-0}" >> "$WORK/peaks"
    stop_server
}

missing=0
for m in $(sed -n 's/^ *module: "\(.*\)"/\1/p' "$WORK/ten.yml"); do
    [ -f "$m" ] || { fail "missing policy module $m (build it with make)"; missing=1; }
done
[ -x "$SERVER" ] || { fail "missing $SERVER"; missing=1; }
[ -x "$LOAD" ] || { fail "missing $LOAD"; missing=1; }
if [ "$missing" = 0 ]; then
    [ -w "/proc/self/clear_refs" ] || fail "cannot reset the peak RSS: /proc/PID/clear_refs is not writable"
    for round in $(seq 1 "$ROUNDS"); do
        run_burst 1
        run_burst 8
    done
    touch "$WORK/peaks"
    p1=$(awk '$1 == 1 {print $2}' "$WORK/peaks" | median)
    p8=$(awk '$1 == 8 {print $2}' "$WORK/peaks" | median)
    ratio=$(awk -v a="${p8:-0}" -v b="${p1:-1}" 'BEGIN {printf "%.3f", a / b}')
    echo "peak RSS, median of $ROUNDS: --workers 1 $p1 kB, --workers 8 $p8 kB, ratio $ratio (at most $MAX_RATIO)"
    if awk -v r="$ratio" -v m="$MAX_RATIO" 'BEGIN {exit !(r > 0 && r <= m)}'; then
        pass
    else
        fail "peak RSS with --workers 8 is $ratio x that with --workers 1 (want <= $MAX_RATIO)"
    fi
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
