#!/bin/bash
# Transport end to end: the real build/policy-server on loopback over TLS
# (HTTP/2 and HTTP/1.1 by ALPN, certificate chain, mTLS, certificate hot
# reload), then SIGHUP reloads and a SIGTERM drain while clients keep it busy,
# checking that no request is lost.  Clients: curl, nghttp, h2load, openssl.
#
# Usage: tests/e2e/transport/run.sh [BUILD_DIR]   (default: build)
# Prints "N passed, N failed" last; exit status non-zero on any failure.
set -u
B=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
case "$B" in /*) ;; *) B="$ROOT/$B" ;; esac
SERVER="$B/policy-server"
POL="$B/policies"
REQ="$HERE/requests"
WORK=$(mktemp -d /tmp/kwc-e2e-transport.XXXXXX)
CERTS="$WORK/certs"
. "$HERE/../lib.sh"

cleanup() { stop_server; rm -rf "$WORK"; }
trap cleanup EXIT

TLS_FLAGS=()
tls_flags() { TLS_FLAGS=(--cert-file "$CERTS/$1.pem" --key-file "$CERTS/$1.key"); }

# https_post VERSION_FLAG PATH FILE [CURL_ARGS...]: prints "<code> <http version> <body>"
https_post() {
    local v=$1 path=$2 file=$3; shift 3
    curl -s "$v" --cacert "$CERTS/root.pem" -H 'Content-Type: application/json' \
        --data-binary "@$file" -w ' %{http_code} %{http_version}' "$@" \
        "https://127.0.0.1:$API$path"
}

ALLOWED='"allowed":true'
REJECTED='"allowed":false'

# ---------------------------------------------------------------------------------

test_tls_h2_and_h1() {
    tls_flags one
    start_server "$WORK/policies.yml" "${TLS_FLAGS[@]}" || { start_failed "TLS server start"; return; }
    local out
    out=$(https_post --http2 /validate/privileged "$REQ/pod.json")
    check_has "h2: allowed" "$out" "$ALLOWED"
    check_has "h2: over HTTP/2" "$out" " 200 2"
    out=$(https_post --http2 /validate/privileged "$REQ/privileged-pod.json")
    check_has "h2: rejected" "$out" "$REJECTED"
    out=$(https_post --http1.1 /validate/privileged "$REQ/pod.json")
    check_has "h1: allowed" "$out" "$ALLOWED"
    check_has "h1: over HTTP/1.1" "$out" " 200 1.1"
    # several streams on one HTTP/2 connection, by nghttp
    out=$(nghttp -n -s -H 'content-type: application/json' -d "$REQ/pod.json" \
          "https://127.0.0.1:$API/validate/privileged?1" "https://127.0.0.1:$API/validate/privileged?2" \
          "https://127.0.0.1:$API/validate/privileged?3" 2>&1)
    check "nghttp: 3 streams answered" "$(printf '%s\n' "$out" | grep -c '/validate/privileged')" 3
    # ALPN as the API server does it
    out=$(openssl s_client -connect "127.0.0.1:$API" -alpn h2,http/1.1 -CAfile "$CERTS/root.pem" \
          </dev/null 2>&1 | tr -d '\0')
    check_has "ALPN h2" "$out" "ALPN protocol: h2"
    check_has "chain verified" "$out" "Verify return code: 0 (ok)"
    # the probe stays plain HTTP
    check "readiness" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PROBE/readiness")" 200
    # 413 over HTTP/2 and HTTP/1.1, then the server is fine
    head -c 5000000 /dev/zero > "$WORK/big"
    out=$(https_post --http2 /validate/privileged "$WORK/big")
    check_has "h2: 413" "$out" " 413 2"
    out=$(https_post --http1.1 /validate/privileged "$WORK/big")
    check_has "h1: 413" "$out" " 413 1.1"
    out=$(https_post --http2 /validate/privileged "$REQ/pod.json")
    check_has "after 413" "$out" "$ALLOWED"
    stop_server
    check "SIGTERM: exit 0" "$STATUS" 0
}

test_mtls() {
    tls_flags one
    start_server "$WORK/policies.yml" "${TLS_FLAGS[@]}" \
        --client-ca-file "$CERTS/otherca.pem,$CERTS/clientca.pem" || { start_failed "mTLS server start"; return; }
    local out
    out=$(https_post --http2 /validate/privileged "$REQ/pod.json" --cert "$CERTS/client.pem" --key "$CERTS/client.key")
    check_has "mTLS: trusted client" "$out" " 200 2"
    out=$(https_post --http2 /validate/privileged "$REQ/pod.json")
    check_has "mTLS: no client certificate refused" "$out" " 000 "
    out=$(https_post --http2 /validate/privileged "$REQ/pod.json" --cert "$CERTS/rogue.pem" --key "$CERTS/rogue.key")
    check_has "mTLS: untrusted client refused" "$out" " 000 "
    stop_server
}

served_cn() {
    openssl s_client -connect "127.0.0.1:$API" -CAfile "$CERTS/root.pem" </dev/null 2>/dev/null |
        sed -nE 's/^subject=.*CN ?= ?([^,/]*).*/\1/p' | head -n 1
}

test_cert_reload() {
    mkdir -p "$WORK/live"
    cp "$CERTS/one.pem" "$WORK/live/tls.crt"; cp "$CERTS/one.key" "$WORK/live/tls.key"
    start_server "$WORK/policies.yml" --cert-file "$WORK/live/tls.crt" --key-file "$WORK/live/tls.key" ||
        { start_failed "reload server start"; return; }
    check "serves one" "$(served_cn)" one
    cp "$CERTS/two.pem" "$WORK/live/tls.crt.new"; mv "$WORK/live/tls.crt.new" "$WORK/live/tls.crt"
    cp "$CERTS/two.key" "$WORK/live/tls.key.new"; mv "$WORK/live/tls.key.new" "$WORK/live/tls.key"
    sleep 0.6
    check "serves two after the swap" "$(served_cn)" two
    echo "garbage" > "$WORK/live/tls.crt"
    sleep 0.6
    check "bad certificate refused, two still served" "$(served_cn)" two
    check_has "refusal logged" "$(cat "$LOG")" "certificate reload refused"
    stop_server
}

# SIGHUP three times while h2load keeps 4 HTTP/2 connections busy: every request
# answered 200, and the same connections throughout.
test_sighup_under_load() {
    tls_flags one
    start_server "$WORK/policies.yml" "${TLS_FLAGS[@]}" || { start_failed "SIGHUP server start"; return; }
    h2load -c 4 -m 4 -D 3 -H 'content-type: application/json' -d "$REQ/pod.json" \
        "https://127.0.0.1:$API/validate/privileged" > "$WORK/h2load.out" 2>&1 &
    local load=$!
    for _ in 1 2 3; do sleep 0.6; kill -HUP "$PID"; done
    wait "$load"
    local out; out=$(cat "$WORK/h2load.out")
    local done_n; done_n=$(sed -nE 's/^requests: .* ([0-9]+) done.*/\1/p' <<<"$out")
    check_has "SIGHUP: no failed or errored request" "$out" " 0 failed, 0 errored, 0 timeout"
    check_has "SIGHUP: all 2xx" "$out" "status codes: $done_n 2xx, 0 3xx, 0 4xx, 0 5xx"
    [ "${done_n:-0}" -gt 100 ] && pass || fail "SIGHUP: too few requests done: ${done_n:-none}"
    check "SIGHUP: server alive" "$(kill -0 "$PID" 2>/dev/null && echo alive)" alive
    check "SIGHUP: reloads logged" "$(grep -ciE 'reload' "$LOG" | awk '$1 >= 3 {print "yes"}')" yes
    stop_server
    check "SIGHUP then SIGTERM: exit 0" "$STATUS" 0
}

# SIGTERM while 6 slow requests are in flight on their own connections and
# h2load keeps the server busy: the slow ones all complete, the server exits 0,
# and h2load sees no request fail after it was accepted.
test_sigterm_drain() {
    tls_flags one
    start_server "$WORK/policies.yml" "${TLS_FLAGS[@]}" || { start_failed "drain server start"; return; }
    h2load -c 2 -m 2 -D 4 -H 'content-type: application/json' -d "$REQ/pod.json" \
        "https://127.0.0.1:$API/validate/privileged" > "$WORK/h2load.out" 2>&1 &
    local load=$! pids=()
    for i in 1 2 3 4 5 6; do
        https_post --http1.1 /validate/slow "$REQ/pod.json" > "$WORK/slow.$i" &
        pids+=($!)
    done
    sleep 0.3
    local t0; t0=$(date +%s%N)
    kill -TERM "$PID"
    wait "$PID"; STATUS=$?; PID=""
    local took=$(( ($(date +%s%N) - t0) / 1000000 ))
    check "drain: exit 0" "$STATUS" 0
    for p in "${pids[@]}"; do wait "$p"; done
    for i in 1 2 3 4 5 6; do
        check_has "drain: slow request $i answered" "$(cat "$WORK/slow.$i")" "$ALLOWED"
    done
    [ "$took" -ge 200 ] && [ "$took" -lt 5000 ] && pass || fail "drain took ${took} ms"
    wait "$load"
    local out; out=$(cat "$WORK/h2load.out")
    check_has "drain: h2load saw no failed request" "$out" " 0 failed,"
    check_has "drain: h2load saw no 5xx" "$out" " 0 5xx"
    curl -s -o /dev/null "http://127.0.0.1:$API/" && fail "drain: still accepting" || pass
}

# ---------------------------------------------------------------------------------

for tool in curl nghttp h2load openssl; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install nghttp2-client curl openssl)"; echo "0 passed, 1 failed"; exit 1; }
done
"$HERE/make-certs.sh" "$CERTS" || { echo "0 passed, 1 failed"; exit 1; }
cat > "$WORK/policies.yml" <<EOF
privileged:
  module: $POL/pod-privileged.raw.wasm
slow:
  module: $POL/sleeping.raw.wasm
  settings: {sleepMilliseconds: 600}
EOF

test_tls_h2_and_h1
test_mtls
test_cert_reload
test_sighup_under_load
test_sigterm_drain

echo "e2e-transport: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
