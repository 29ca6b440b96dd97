#!/bin/bash
# Instructions per request of the whole policy-server (callgrind), for
# before/after comparisons of the host path that do not depend on the load of
# the machine (see bench/server/README.md, "Host cost per request").
#
#   bench/server/host-cost.sh [SERVER [REQUEST [N [POLICY_WASM]]]]
#   HOST_COST_SETTINGS='{"k": "v"}' bench/server/host-cost.sh ...   (the policy's settings, default {})
#
# Starts SERVER (default build/policy-server) under callgrind with --workers 1,
# plain HTTP on 127.0.0.1:19543 (probe 19544), pod-privileged alone; sends 20
# requests to warm up, zeroes the counters, sends N (default 1000) more over one
# keep-alive connection (curl), dumps, and prints the instructions per request
# and the inclusive counts of the main steps.  Output in build/bench/host-cost/.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SERVER=${1:-$ROOT/build/policy-server}
REQ=${2:-$HERE/requests/pod-create.json}
N=${3:-1000}
MOD=${4:-$ROOT/build/policies/pod-privileged.wasm}
SETTINGS=${HOST_COST_SETTINGS:-{\}}
PORT=${HOST_COST_PORT:-19543}
OUT="$ROOT/build/bench/host-cost"

for tool in valgrind callgrind_control callgrind_annotate curl; do
    command -v "$tool" >/dev/null || { echo "host-cost: needs $tool (apt-get install valgrind curl)" >&2; exit 1; }
done
[ -x "$SERVER" ] && [ -f "$MOD" ] && [ -f "$REQ" ] || { echo "host-cost: missing $SERVER, $MOD or $REQ" >&2; exit 1; }
MOD=$(realpath "$MOD")
mkdir -p "$OUT"
rm -f "$OUT"/callgrind.*
printf 'pod-privileged:\n  module: %s\n  allowedToMutate: true\n  settings: %s\n' "$MOD" "$SETTINGS" > "$OUT/policies.yml"

valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.%p" \
    "$SERVER" --addr 127.0.0.1 --port "$PORT" --readiness-probe-port $((PORT + 1)) --workers 1 \
    --policies "$OUT/policies.yml" --log-level warn > "$OUT/server.log" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null' EXIT
for _ in $(seq 1 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((PORT + 1))/readiness")" = 200 ] && break
    kill -0 "$PID" 2>/dev/null || { cat "$OUT/server.log" >&2; exit 1; }
    sleep 0.1
done

# N requests on one keep-alive connection: a curl config with N url/output pairs
send() {
    local url="http://127.0.0.1:$PORT/validate/pod-privileged"
    curl -s -H 'content-type: application/json' --data-binary @"$REQ" \
        -K <(for _ in $(seq 1 "$1"); do printf 'url = "%s"\noutput = "/dev/null"\n' "$url"; done)
}
send 20
callgrind_control -z "$PID" >/dev/null 2>&1
send "$N"
callgrind_control -d "$PID" >/dev/null 2>&1
kill -TERM "$PID"
wait "$PID"
trap - EXIT

DUMP=$(ls "$OUT"/callgrind.*.1)
TOTAL=$(sed -n 's/^summary: //p' "$DUMP")
echo "$(basename "$SERVER") $(basename "$REQ"): $N requests, $((TOTAL / N)) instructions per request"
# inclusive per request for the steps of the request path (any that exist)
callgrind_annotate --inclusive=yes --threshold=100 "$DUMP" 2>/dev/null |
    sed -nE 's/^ *([0-9,]+) .*:(admission_parse|json_parse_lazy|json_parse|json_write|policy_validate|wasm_interp_call|record_metrics|policy_review_write|io_main)( .*)?$/\2 \1/p' |
    tr -d , | awk -v n="$N" '!seen[$1]++ { printf "  %-20s %9d\n", $1, $2 / n }'
