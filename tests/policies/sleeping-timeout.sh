#!/bin/sh
# The sleeping policy must be interrupted by the evaluation timeout: the real
# policy-server with timeoutEvalSeconds 1 and a 5 s sleep answers with the
# timeout rejection in about a second.
#   tests/policies/sleeping-timeout.sh BUILD_DIR
set -u
B=${1:?usage: sleeping-timeout.sh BUILD_DIR}
dir=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
port=$((20000 + $$ % 20000))
ready=$((port + 1))
cat > "$dir/policies.yml" <<YAML
nap:
  module: $(pwd)/$B/policies/sleeping.wasm
  timeoutEvalSeconds: 1
  settings:
    sleepMilliseconds: 5000
YAML
"$B/policy-server" --policies "$dir/policies.yml" --addr 127.0.0.1 --port "$port" \
    --readiness-probe-port "$ready" > "$dir/server.log" 2>&1 &
pid=$!
i=0
until curl -sf "http://127.0.0.1:$ready/readiness" > /dev/null; do
    i=$((i + 1))
    if [ $i -gt 50 ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "FAIL policy-server did not become ready"; tail -5 "$dir/server.log"
        echo "0 passed, 1 failed"; exit 1
    fi
    sleep 0.1
done
{ printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":'
  cat policies/sleeping/test_data/pod.json; printf '}'; } > "$dir/review.json"
start=$(date +%s%N)
out=$(curl -s --max-time 10 -H 'Content-Type: application/json' --data @"$dir/review.json" \
      "http://127.0.0.1:$port/validate/nap")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
want='"allowed":false,"status":{"message":"Policy execution interrupted because it exceeded the allowed execution time","code":500}'
case "$out" in
*"$want"*)
    if [ "$ms" -lt 3000 ]; then echo "ok   sleeping policy interrupted after $ms ms"; echo "1 passed, 0 failed"; exit 0; fi
    echo "FAIL interrupted, but only after $ms ms" ;;
*) echo "FAIL unexpected answer after $ms ms: $out" ;;
esac
echo "0 passed, 1 failed"
exit 1
