#!/bin/bash
# Transport end to end: the real build/policy-server on loopback over TLS
# (HTTP/2 and HTTP/1.1 by ALPN, certificate chain, mTLS, certificate hot
# reload), then SIGHUP reloads and a SIGTERM drain while clients keep it busy,
# checking that no request is lost; HTTP/1.1 framing with raw bytes (chunked
# bodies one byte at a time, HEAD, Host, refusals) over plain HTTP and TLS.
# Clients: curl, nghttp, h2load, openssl, raw-client.c.
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
RAW="$B/tests/e2e/raw-client"
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

# ---- HTTP/1.1 framing, with raw bytes (raw-client.c) ------------------------------

# raw MODE [RAW_CLIENT_ARGS...] < request: MODE plain or tls, to the API port
raw() {
    local mode=$1; shift
    if [ "$mode" = tls ]; then "$RAW" --tls "$CERTS/root.pem" "$@" "$API"; else "$RAW" "$@" "$API"; fi
}

# chunked FILE: the file as a chunked body: 100-byte chunks, an extension on
# the first, a trailer after the last
chunked() {
    local body i=0 chunk ext=";name=value"
    body=$(cat "$1")
    while [ "$i" -lt "${#body}" ]; do
        chunk=${body:i:100}
        printf '%x%s\r\n%s\r\n' "${#chunk}" "$ext" "$chunk"
        ext="" i=$((i + 100))
    done
    printf '0\r\nX-Trailer: dropped\r\n\r\n'
}

# post_head PATH [HEADER...]: a POST head, the body's framing among HEADERs
post_head() {
    local path=$1; shift
    printf 'POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' "$path"
    [ $# -gt 0 ] && printf '%s\r\n' "$@"
    printf '\r\n'
}

# status_lines FILE: the status codes of the responses in FILE, space-separated
status_lines() { grep -aoE 'HTTP/1\.1 [0-9]{3} ' "$1" | cut -c10-12 | tr '\n' ' '; }

test_http1_framing() {
    local mode=$1 tag="h1 $1" flags=() out="$WORK/raw.out" len
    [ "$mode" = tls ] && { tls_flags one; flags=("${TLS_FLAGS[@]}"); }
    start_server "$WORK/policies.yml" "${flags[@]}" --max-body-size 4096 ||
        { start_failed "$tag: server start"; return; }
    len=$(wc -c < "$REQ/pod.json")
    # a chunked review one byte at a time, then pipelined: a rejected chunked
    # one and a Content-Length one that closes
    { post_head /validate/privileged "Transfer-Encoding: chunked"; chunked "$REQ/pod.json"
      post_head /validate/privileged "Transfer-Encoding: chunked"; chunked "$REQ/privileged-pod.json"
      post_head /validate/privileged "Content-Length: $len" "Connection: close"; cat "$REQ/pod.json"
    } | raw "$mode" --piece 1 --gap-us 100 > "$out"
    check "$tag: three answers, byte by byte" "$(status_lines "$out")" "200 200 200 "
    check "$tag: chunked allowed, rejected, then allowed" \
        "$(grep -aoE '"allowed":(true|false)' "$out" | tr '\n' ' ')" '"allowed":true "allowed":false "allowed":true '
    # HEAD: the headers of GET, no body (the handler refuses GET on /validate)
    printf 'HEAD /validate/privileged HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' | raw "$mode" > "$out"
    check "$tag: HEAD answered like GET" "$(status_lines "$out")" "405 "
    check_has "$tag: HEAD keeps Content-Length" "$(cat "$out")" "Content-Length: "
    check "$tag: HEAD ends with its head" "$(tail -c 4 "$out" | od -An -c | tr -d ' ')" '\r\n\r\n'
    # Host
    post_head /validate/privileged "Content-Length: 2" | sed '2d' | raw "$mode" > "$out"
    check "$tag: no Host: 400" "$(status_lines "$out")" "400 "
    check_has "$tag: no Host: said so" "$(cat "$out")" "without a Host header"
    printf 'GET /validate/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n' | raw "$mode" > "$out"
    check "$tag: two Hosts: 400" "$(status_lines "$out")" "400 "
    { printf 'POST /validate/privileged HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n' "$len"
      cat "$REQ/pod.json"; } | raw "$mode" > "$out"
    check "$tag: HTTP/1.0 without Host: served" "$(status_lines "$out")" "200 "
    # framing refusals
    { post_head /validate/privileged "Content-Length: 5" "Transfer-Encoding: chunked"; printf '0\r\n\r\n'; } |
        raw "$mode" > "$out"
    check "$tag: Content-Length and Transfer-Encoding: 400" "$(status_lines "$out")" "400 "
    post_head /validate/privileged "Transfer-Encoding: gzip, chunked" | raw "$mode" > "$out"
    check "$tag: gzip transfer coding: 501" "$(status_lines "$out")" "501 "
    { post_head /validate/privileged "Transfer-Encoding: chunked"; printf '2\r\n{}XX\r\n'; } | raw "$mode" > "$out"
    check "$tag: bad chunk framing: 400" "$(status_lines "$out")" "400 "
    { post_head /validate/privileged "Transfer-Encoding: chunked"
      for _ in 1 2 3 4 5; do printf '3e8\r\n%1000s\r\n' ""; done; printf '0\r\n\r\n'; } | raw "$mode" > "$out"
    check "$tag: chunked over --max-body-size: 413" "$(status_lines "$out")" "413 "
    check_has "$tag: 413 JSON body" "$(cat "$out")" \
        '{"message":"request body too large: over 4096 bytes (chunked), the limit is 4096","status":413}'
    printf 'GET /readiness HTTP/1.1\r\nHost: a\r\n\r\nHEAD /readiness HTTP/1.1\r\nHost: a\r\n\r\n' |
        "$RAW" --quiet-ms 300 "$PROBE" > "$out"
    check "$tag: probe GET and HEAD /readiness" "$(status_lines "$out")" "200 200 "
    stop_server
}

# What real clients do: curl's chunked upload and its Expect: 100-continue
# (curl 7.88 sends it for bodies over 1 MiB on HTTP/1.1, then waits up to 1 s
# for the 100), nghttp's HEAD over HTTP/2.
test_clients_chunked_expect_head() {
    tls_flags one
    start_server "$WORK/policies.yml" "${TLS_FLAGS[@]}" || { start_failed "clients: server start"; return; }
    local out
    out=$(https_post --http1.1 /validate/privileged "$REQ/pod.json" -H 'Transfer-Encoding: chunked')
    check_has "curl chunked upload: allowed" "$out" "$ALLOWED"
    check_has "curl chunked upload: over HTTP/1.1" "$out" " 200 1.1"
    { printf '%1100000s' ""; cat "$REQ/pod.json"; } > "$WORK/padded.json"   # JSON after 1.1 MB of space
    out=$(https_post --http1.1 /validate/privileged "$WORK/padded.json" -v 2>&1)
    check_has "curl Expect: sent" "$out" "> Expect: 100-continue"
    check_has "curl Expect: 100 Continue received" "$out" "< HTTP/1.1 100 Continue"
    check_has "curl Expect: allowed" "$out" "$ALLOWED"
    out=$(curl -s --http1.1 --cacert "$CERTS/root.pem" -H 'Content-Type: application/json' \
          --data-binary "@$WORK/padded.json" -o /dev/null -w '%{time_starttransfer} %{time_pretransfer}' \
          "https://127.0.0.1:$API/validate/privileged")
    local wait_ms; wait_ms=$(awk '{printf "%d", ($1 - $2) * 1000}' <<<"$out")
    [ "$wait_ms" -lt 900 ] && pass || fail "curl Expect: ${wait_ms} ms to the answer: it waited 1 s for the 100"
    out=$(nghttp -nv -H ':method: HEAD' "https://127.0.0.1:$API/validate/privileged" 2>&1)
    check_has "h2 HEAD: 405 like GET" "$out" ":status: 405"
    check_has "h2 HEAD: content-length kept" "$out" "content-length: "
    check_has "h2 HEAD: END_STREAM on HEADERS" "$out" "; END_STREAM | END_HEADERS"
    check_lacks "h2 HEAD: no DATA" "$out" "recv DATA frame"
    stop_server
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
test_http1_framing plain
test_http1_framing tls
test_clients_chunked_expect_head
test_mtls
test_cert_reload
test_sighup_under_load
test_sigterm_drain

echo "e2e-transport: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
