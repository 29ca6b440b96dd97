#!/bin/sh
# demo.sh BUILD_DIR - the README's main job: start the real policy-server on
# loopback with examples/server/policies.yml, send it AdmissionReviews the way
# the Kubernetes API server does, show the answers and the metrics, stop it.
# `make serve` runs the same server in the foreground instead.
set -u
B=$1
here=$(dirname "$0")
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$work"' EXIT

sed "s|@POLICIES@|$(cd "$B/policies" && pwd)|" "$here/policies.yml" > "$work/policies.yml"
"$B/policy-server" --policies "$work/policies.yml" --addr 127.0.0.1 --port 0 \
    --readiness-probe-port 0 --enable-metrics > "$work/log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q ' ready ' "$work/log" && break; sleep 0.05; done
port=$(sed -n 's/.* ready .* port=\([0-9]*\) .*/\1/p' "$work/log")
probe=$(sed -n 's/.*readiness_probe_port=\([0-9]*\).*/\1/p' "$work/log")
[ -n "$port" ] || { cat "$work/log"; echo "policy-server did not start"; exit 1; }
echo "policy-server ready on 127.0.0.1:$port (readiness and metrics on :$probe)"
echo

post() {   # post POLICY_ID FILE: an AdmissionReview as the API server sends it, and the answer
    echo "\$ POST /validate/$1  < $(basename "$2")"
    if grep -q '"AdmissionReview"' "$2"; then cat "$2"; else
        printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":%s}' "$(cat "$2")"
    fi > "$work/review.json"
    curl -s -H 'Content-Type: application/json' --data-binary @"$work/review.json" \
        "http://127.0.0.1:$port/validate/$1" | tee "$work/answer.json"
    echo
    patch=$(sed -n 's/.*"patch":"\([^"]*\)".*/\1/p' "$work/answer.json")
    [ -n "$patch" ] && { printf '  patch, decoded: '; echo "$patch" | base64 -d; echo; }
    echo
}
P=$here/../../policies
post privileged-pods         "$P/pod-privileged/test_data/pod_plain.json"
post privileged-pods         "$P/pod-privileged/test_data/pod_privileged.json"
post privileged-pods-monitor "$P/pod-privileged/test_data/pod_privileged.json"
post psp-capabilities        "$P/capabilities-psp/test_data/pod_add_kill.json"
post pod-checks              "$P/pod-privileged/test_data/pod_privileged.json"
echo "\$ GET /readiness";  curl -s -o /dev/null -w '%{http_code}\n\n' "http://127.0.0.1:$probe/readiness"
echo "\$ GET /metrics (evaluations)"
curl -s "http://127.0.0.1:$probe/metrics" | grep '^kubewarden_policy_evaluations_total' | head -5
echo
echo "server log:"; sed 's/^/  /' "$work/log"
