#!/bin/bash
# CPU time and context switches per request of each policy-server thread under
# wrk load: where the server's time goes (I/O thread vs workers) and whether
# the hand-off sleeps (see bench/server/README.md, "Per-thread cost").
#
#   bench/server/thread-cost.sh [SERVER [WORKERS [SECONDS]]]
#
# pod-privileged alone over TLS on 127.0.0.1:19643 (probe 19644), wrk -t1 -c32
# with post.lua and requests/pod-create.json.  Reads utime+stime and the
# voluntary/involuntary switch counts of /proc/PID/task/* before and after,
# and divides by the requests wrk completed.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SERVER=${1:-$ROOT/build/policy-server}
WORKERS=${2:-2}
D=${3:-8}
OUT="$ROOT/build/bench/thread-cost"
mkdir -p "$OUT"
"$ROOT/tests/e2e/transport/make-certs.sh" "$OUT/certs" >/dev/null
printf 'pod-privileged:\n  module: %s\n  settings: {}\n' "$ROOT/build/policies/pod-privileged.wasm" > "$OUT/policies.yml"

"$SERVER" --addr 127.0.0.1 --port 19643 --readiness-probe-port 19644 --workers "$WORKERS" \
    --cert-file "$OUT/certs/one.pem" --key-file "$OUT/certs/one.key" --policies "$OUT/policies.yml" \
    --log-level warn > "$OUT/server.log" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null' EXIT
for _ in $(seq 1 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:19644/readiness)" = 200 ] && break
    sleep 0.05
done

# one line per thread: tid voluntary involuntary cpu_ticks
snapshot() {
    for t in /proc/"$PID"/task/*; do
        echo "$(basename "$t") $(awk '/^voluntary_ctxt/ {v = $2} /^nonvoluntary_ctxt/ {n = $2} END {print v, n}' "$t/status") $(awk '{print $14 + $15}' "$t/stat")"
    done | sort
}
snapshot > "$OUT/before.txt"
wrk -t1 -c32 -d"${D}s" --timeout 5s -s "$HERE/post.lua" https://127.0.0.1:19643 -- \
    /validate/pod-privileged="$HERE/requests/pod-create.json" > "$OUT/wrk.txt" 2>&1
snapshot > "$OUT/after.txt"
N=$(sed -nE 's/^ *([0-9]+) requests in.*/\1/p' "$OUT/wrk.txt")
TICK_US=$((1000000 / $(getconf CLK_TCK)))
echo "$N requests, $(sed -n 's/^RESULT //p' "$OUT/wrk.txt" | cut -d' ' -f1) req/s, load average $(cut -d' ' -f1 /proc/loadavg)"
# threads in creation order: main, the workers, then the I/O thread (loop.c starts it last)
IO_TID=$(cut -d' ' -f1 "$OUT/after.txt" | sort -n | tail -n 1)
join "$OUT/before.txt" "$OUT/after.txt" | sort -n |
    awk -v n="$N" -v us="$TICK_US" -v main="$PID" -v io="$IO_TID" '{
        role = $1 == main ? "main" : $1 == io ? "I/O" : "worker"
        printf "  %-6s %-7s cpu %6.1f us/request, sleeps %.2f/request, preempted %.2f/request\n",
               role, $1, ($7 - $4) * us / n, ($5 - $2) / n, ($6 - $3) / n }'
