#!/bin/bash
# Load tests of the policy-server on loopback (see bench/server/README.md).
#
#   bench/server/run.sh BUILD_DIR SHARED_DIR [DURATION_SECONDS [SCENARIO...]]
#
# SCENARIO: transport, privileged, ten, workers (default: all four).
# Scenarios, each over keep-alive HTTPS (TLS 1.3, HTTP/1.1) with wrk (max
# throughput, 1 thread, 32 connections) and h2load (fixed rate, per-request
# log for latency percentiles):
#   transport   the transport alone: bench/server/transport-server, fixed answer
#   privileged  policy-server with pod-privileged alone, bench/server/requests/pod-create.json
#   ten         policy-server with bench/server/policies.yml (ten policies) and the
#               requests of SHARED_DIR/fixtures/load-testing/requests, every policy
#               receiving every request (skipped when either is absent)
#   workers     RSS idle and under load for --workers 1 vs 8
# Results: $OUT/results.txt (also printed), $OUT/*.png, raw data in $OUT.
set -u
B=${1:?usage: run.sh BUILD_DIR SHARED_DIR [SECONDS]}
SHARED=${2:?usage: run.sh BUILD_DIR SHARED_DIR [SECONDS]}
D=${3:-10}
SCENARIOS=" ${*:4} "
[ "$SCENARIOS" = "  " ] && SCENARIOS=" transport privileged ten workers "
want() { [[ "$SCENARIOS" == *" $1 "* ]]; }
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
case "$B" in /*) ;; *) B="$ROOT/$B" ;; esac
case "$SHARED" in /*) ;; *) SHARED="$ROOT/$SHARED" ;; esac
OUT="$B/bench/server"
CERTS="$OUT/certs"
SERVER="$B/policy-server"
TRANSPORT="$B/bench/server/transport-server"
RESULTS="$OUT/results.txt"
PID="" SAMPLER=""

mkdir -p "$OUT"
"$ROOT/tests/e2e/transport/make-certs.sh" "$CERTS" >/dev/null
: > "$RESULTS"
say() { printf '%s\n' "$*" | tee -a "$RESULTS"; }

cleanup() {
    [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null
    [ -n "$PID" ] && kill "$PID" 2>/dev/null
    wait 2>/dev/null
}
trap cleanup EXIT

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }

# sample_rss PID FILE: "seconds rss_kb" every 100 ms until stopped
sample_rss() {
    local pid=$1 file=$2 t0; t0=$(date +%s%N)
    ( while kill -0 "$pid" 2>/dev/null; do
          echo "$(( ($(date +%s%N) - t0) / 1000000 )) $(rss_kb "$pid")"
          sleep 0.1
      done ) > "$file" &
    SAMPLER=$!
}
stop_sampler() { [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null; wait "$SAMPLER" 2>/dev/null; SAMPLER=""; }
peak_rss() { awk '$2 > m {m = $2} END {print m + 0}' "$1"; }

# start_policy_server POLICIES WORKERS: waits for readiness on port 18081
start_policy_server() {
    "$SERVER" --addr 127.0.0.1 --port 18443 --readiness-probe-port 18081 --workers "$2" \
        --cert-file "$CERTS/one.pem" --key-file "$CERTS/one.key" --policies "$1" \
        --log-level warn > "$OUT/server.log" 2>&1 &
    PID=$!
    for _ in $(seq 1 200); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:18081/readiness)" = 200 ] && return 0
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "policy-server did not become ready:" >&2; cat "$OUT/server.log" >&2
    return 1
}
start_transport_server() {
    "$TRANSPORT" 18443 "$1" "$CERTS/one.pem" "$CERTS/one.key" > "$OUT/server.log" 2>&1 &
    PID=$!
    sleep 0.5
}
stop_server() { kill -TERM "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=""; }

# wrk_max NAME PATH=FILE...: max throughput; sets RPS P50 P90 P99 ERRORS
wrk_max() {
    local name=$1; shift
    wrk -t1 -c32 -d"${D}s" --timeout 5s -s "$HERE/post.lua" https://127.0.0.1:18443 -- "$@" \
        > "$OUT/$name.wrk" 2>&1
    read -r RPS P50 P90 P99 ERRORS < <(sed -n 's/^RESULT //p' "$OUT/$name.wrk")
    RPS=${RPS:-0} P50=${P50:-?} P90=${P90:-?} P99=${P99:-?} ERRORS=${ERRORS:-?}
}

# h2load_rate NAME RATE BODY URI...: fixed total rate over 8 HTTP/1.1 connections;
# sets RATE_DONE L50 L90 L99 (ms) from the per-request log $OUT/NAME.log
h2load_rate() {
    local name=$1 rate=$2 body=$3; shift 3
    local per=$(( (rate + 7) / 8 ))
    [ "$per" -lt 1 ] && per=1
    rm -f "$OUT/$name.log"                   # h2load appends to its log
    h2load --h1 -c 8 --rps "$per" -D "$D" -d "$body" -H 'content-type: application/json' \
        --log-file "$OUT/$name.log" "$@" > "$OUT/$name.h2load" 2>&1
    RATE_DONE=$(sed -nE 's/^finished in .*s, ([0-9.]+) req\/s.*/\1/p' "$OUT/$name.h2load")
    read -r L50 L90 L99 < <(cut -f3 "$OUT/$name.log" | sort -n | awk '
        { v[NR] = $1 } END { if (NR == 0) { print "? ? ?"; exit }
          printf "%.3f %.3f %.3f\n", v[int(NR*0.50)+1]/1000, v[int(NR*0.90)+1]/1000, v[int(NR*0.99)+1]/1000 }')
}

# h2load_h2 NAME BODY URI: HTTP/2 max throughput, 4 connections x 8 streams;
# sets RATE_DONE L50 L90 L99
h2load_h2() {
    local name=$1 body=$2 uri=$3
    rm -f "$OUT/$name.log"
    h2load -c 4 -m 8 -D "$D" -d "$body" -H 'content-type: application/json' \
        --log-file "$OUT/$name.log" "$uri" > "$OUT/$name.h2load" 2>&1
    RATE_DONE=$(sed -nE 's/^finished in .*s, ([0-9.]+) req\/s.*/\1/p' "$OUT/$name.h2load")
    read -r L50 L90 L99 < <(cut -f3 "$OUT/$name.log" | sort -n | awk '
        { v[NR] = $1 } END { if (NR == 0) { print "? ? ?"; exit }
          printf "%.3f %.3f %.3f\n", v[int(NR*0.50)+1]/1000, v[int(NR*0.90)+1]/1000, v[int(NR*0.99)+1]/1000 }')
}

# plot NAME TITLE: latency p50/p99 per half second and RSS over the h2load run
plot() {
    local name=$1 title=$2
    sort -n "$OUT/$name.log" | awk 'NR == 1 { t0 = $1 } { print int(($1 - t0) / 500000), $3 }' |
        sort -k1,1n -k2,2n | awk '
        function flush() { if (m) print b * 0.5, v[int(m * 0.5) + 1] / 1000, v[int(m * 0.99) + 1] / 1000 }
        $1 != b { flush(); b = $1; m = 0 }
        { v[++m] = $2 }
        END { flush() }' > "$OUT/$name.latency.dat"
    gnuplot <<EOF 2>/dev/null || echo "(gnuplot failed: no plot)"
set terminal png size 900,500
set output "$OUT/$name.png"
set title "$title"
set xlabel "seconds"
set ylabel "latency (ms)"
set y2label "RSS (MB)"
set y2tics
set ytics nomirror
set yrange [0:*]
set y2range [0:*]
set key top left
plot "$OUT/$name.latency.dat" using 1:2 with lines title "p50", \
     "$OUT/$name.latency.dat" using 1:3 with lines title "p99", \
     "$OUT/$name.rss.dat" using (\$1/1000):(\$2/1024) axes x1y2 with lines title "RSS"
EOF
}

say "policy-server load tests, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, ${D} s per run, loopback,"
say "load generator on the same machine; HTTPS keep-alive (TLS 1.3, HTTP/1.1), wrk -t1 -c32; load average $(cut -d' ' -f1-3 /proc/loadavg)."
say ""

# The ten-policy set and its requests, when both are there: sets SET (a
# policies file), IDS (its policy ids) and ARGS (every policy x every request);
# without them, pod-privileged alone on our own review.
POL="$B/policies"
MOD="$POL/pod-privileged.wasm"
[ -f "$MOD" ] || MOD="$POL/pod-privileged.raw.wasm"
printf 'pod-privileged:\n  module: %s\n  settings: {}\n' "$MOD" > "$OUT/privileged.yml"
TEN="$HERE/policies.yml"
REQS="$SHARED/fixtures/load-testing/requests"
SET="$OUT/privileged.yml"
IDS=(pod-privileged)
ARGS=(/validate/pod-privileged="$HERE/requests/pod-create.json")
if [ -f "$TEN" ] && [ -d "$REQS" ]; then
    sed "s|@P@|$POL|g" "$TEN" > "$OUT/ten.yml"
    SET="$OUT/ten.yml"
    # the .tmpl requests carry \$req_uid / \$obj_uid placeholders
    mkdir -p "$OUT/requests"
    for f in "$REQS"/*.json "$REQS"/*.json.tmpl; do
        [ -f "$f" ] || continue
        sed -e 's/\$req_uid/0b8c3f5e-1d2a-4c4e-9f1b-7a6d5e4c3b2a/g' \
            -e 's/\$obj_uid/5e4d3c2b-1a09-4f8e-8d7c-6b5a49382716/g' "$f" \
            > "$OUT/requests/$(basename "${f%.tmpl}")"
    done
    mapfile -t IDS < <(grep -E '^[A-Za-z0-9][A-Za-z0-9_.-]*:' "$OUT/ten.yml" | cut -d: -f1)
    ARGS=()
    for id in "${IDS[@]}"; do
        for f in "$OUT"/requests/*.json; do ARGS+=("/validate/$id=$f"); done
    done
fi

# ---- transport alone --------------------------------------------------------------
if want transport; then
start_transport_server 2
wrk_max transport /validate/x="$HERE/requests/pod-create.json"
say "transport alone (fixed answer, 2 workers): $RPS req/s, p50 $P50 ms, p90 $P90 ms, p99 $P99 ms, errors $ERRORS, RSS $(rss_kb "$PID") kB"
h2load_rate transport-half $(( ${RPS%.*} / 2 )) "$HERE/requests/pod-create.json" https://127.0.0.1:18443/validate/x
say "transport alone at half that rate ($RATE_DONE req/s): p50 $L50 ms, p90 $L90 ms, p99 $L99 ms"
h2load_h2 transport-h2 "$HERE/requests/pod-create.json" https://127.0.0.1:18443/validate/x
say "transport alone over HTTP/2 (4 connections x 8 streams): $RATE_DONE req/s, p50 $L50 ms, p90 $L90 ms, p99 $L99 ms"
# 500 keep-alive connections, one request each, then idle (sampled after the
# server's quiet-time malloc_trim), then closed
before=$(rss_kb "$PID")
WRK_IDLE_AFTER=500 wrk -t1 -c500 -d8s -s "$HERE/post.lua" https://127.0.0.1:18443 -- \
    /validate/x="$HERE/requests/pod-create.json" > "$OUT/idle-connections.wrk" 2>&1 &
sleep 2; burst=$(rss_kb "$PID")
sleep 3; after=$(rss_kb "$PID")
wait $!
sleep 3
say "transport alone, 500 idle TLS connections: RSS $before kB -> $burst kB just after their handshakes -> $after kB idle ($(( (after - before) / 500 )) kB per connection) -> $(rss_kb "$PID") kB once closed"
stop_server
fi

# ---- pod-privileged alone ------------------------------------------------------------
if want privileged; then
start_policy_server "$OUT/privileged.yml" 2 || exit 1
sleep 1
IDLE=$(rss_kb "$PID")
sample_rss "$PID" "$OUT/privileged.rss.dat"
wrk_max privileged /validate/pod-privileged="$HERE/requests/pod-create.json"
MAX=$RPS
say "pod-privileged max: $RPS req/s, p50 $P50 ms, p90 $P90 ms, p99 $P99 ms, errors $ERRORS"
h2load_rate privileged-half $(( ${MAX%.*} / 2 )) "$HERE/requests/pod-create.json" \
    https://127.0.0.1:18443/validate/pod-privileged
stop_sampler
say "pod-privileged at half that rate ($RATE_DONE req/s): p50 $L50 ms, p90 $L90 ms, p99 $L99 ms"
h2load_h2 privileged-h2 "$HERE/requests/pod-create.json" https://127.0.0.1:18443/validate/pod-privileged
say "pod-privileged over HTTP/2 (4 connections x 8 streams): $RATE_DONE req/s, p50 $L50 ms, p90 $L90 ms, p99 $L99 ms"
say "pod-privileged RSS: idle $IDLE kB, peak under load $(peak_rss "$OUT/privileged.rss.dat") kB"
stop_server
say ""
fi

# ---- the ten-policy set --------------------------------------------------------------
if want ten; then
if [ "$SET" != "$OUT/ten.yml" ]; then
    say "ten policies: skipped: needs $TEN and $REQS"
else
    start_policy_server "$OUT/ten.yml" 2 || exit 1
    sleep 1
    IDLE=$(rss_kb "$PID")
    say "ten policies (${#IDS[@]} in $TEN): idle RSS $IDLE kB"
    sample_rss "$PID" "$OUT/ten-max.rss.dat"
    wrk_max ten "${ARGS[@]}"
    stop_sampler
    MAX=$RPS
    say "ten policies max (${#ARGS[@]} policy x request pairs): $RPS req/s, p50 $P50 ms, p90 $P90 ms, p99 $P99 ms, errors $ERRORS"
    URIS=()
    for id in "${IDS[@]}"; do URIS+=("https://127.0.0.1:18443/validate/$id"); done
    sample_rss "$PID" "$OUT/ten.rss.dat"
    h2load_rate ten $(( ${MAX%.*} / 2 )) "$OUT/requests/$(ls "$OUT/requests" | head -n 1)" "${URIS[@]}"
    stop_sampler
    say "ten policies at half that rate ($RATE_DONE req/s): p50 $L50 ms, p90 $L90 ms, p99 $L99 ms"
    PEAK=$(( $(peak_rss "$OUT/ten-max.rss.dat") > $(peak_rss "$OUT/ten.rss.dat") ?
             $(peak_rss "$OUT/ten-max.rss.dat") : $(peak_rss "$OUT/ten.rss.dat") ))
    say "ten policies RSS: idle $IDLE kB, peak under load $PEAK kB ($(awk -v p="$PEAK" -v i="$IDLE" 'BEGIN {printf "%.2f", p / i}') x idle)"
    plot ten "ten policies at a fixed $RATE_DONE req/s: latency and RSS"
    say "plot: $OUT/ten.png"
    stop_server
fi
say ""
fi

# ---- workers 1 vs 8 ------------------------------------------------------------------
# WORKER_ROUNDS rounds of (1 worker, 8 workers), 5 s of wrk each; medians.  Right
# after each policy-server run, before the quiet-time trim, rss-breakdown.sh
# writes where the memory is to $OUT/workers-W.breakdown (last round).
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
if want workers; then
for w in 1 8; do
    start_transport_server "$w"
    sample_rss "$PID" "$OUT/transport-workers-$w.rss.dat"
    D=5 wrk_max "transport-workers-$w" /validate/x="$HERE/requests/pod-create.json"
    stop_sampler
    say "transport alone, $w worker(s): idle RSS $(head -n 1 "$OUT/transport-workers-$w.rss.dat" | cut -d' ' -f2) kB, peak under load $(peak_rss "$OUT/transport-workers-$w.rss.dat") kB, $RPS req/s"
    stop_server
done
: > "$OUT/workers.dat"
for round in $(seq 1 "${WORKER_ROUNDS:-3}"); do
    for w in 1 8; do
        start_policy_server "$SET" "$w" || exit 1
        sleep 1
        idle=$(rss_kb "$PID")
        sample_rss "$PID" "$OUT/workers-$w.rss.dat"
        D=5 wrk_max "workers-$w" "${ARGS[@]}"
        stop_sampler
        "$HERE/rss-breakdown.sh" "$PID" > "$OUT/workers-$w.breakdown"
        peak=$(peak_rss "$OUT/workers-$w.rss.dat")
        say "round $round, --workers $w ($(basename "$SET")): idle RSS $idle kB, peak under load $peak kB, $RPS req/s"
        echo "$w $idle $peak $RPS" >> "$OUT/workers.dat"
        stop_server
    done
done
for w in 1 8; do
    eval "IDLE_$w=$(awk -v w=$w '$1 == w {print $2}' "$OUT/workers.dat" | median)"
    eval "PEAK_$w=$(awk -v w=$w '$1 == w {print $3}' "$OUT/workers.dat" | median)"
    eval "RPS_$w=$(awk -v w=$w '$1 == w {print $4}' "$OUT/workers.dat" | median)"
done
say "medians: --workers 1: idle $IDLE_1 kB, peak $PEAK_1 kB, $RPS_1 req/s; --workers 8: idle $IDLE_8 kB, peak $PEAK_8 kB, $RPS_8 req/s"
say "RSS 8 vs 1 workers: idle $(awk -v a="$IDLE_8" -v b="$IDLE_1" 'BEGIN {printf "%+.1f%%", (a - b) * 100 / b}'), peak $(awk -v a="$PEAK_8" -v b="$PEAK_1" 'BEGIN {printf "%+.1f%%", (a - b) * 100 / b}')"
for w in 1 8; do say "where the memory is after the load, --workers $w (kind, mappings, kB):"; sed 's/^/    /' "$OUT/workers-$w.breakdown" | tee -a "$RESULTS"; done
fi
