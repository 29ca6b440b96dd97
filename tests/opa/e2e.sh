#!/bin/bash
# Rego modules end to end: kwctl run/inspect/bench/annotate and the real
# policy-server over HTTP, with the Gatekeeper build of
# disallow-service-loadbalancer (protect and monitor) and the OPA test guest
# (tests/opa/opa_guest.c: accept, reject, a patch, the mutation gate).
#
# Usage: tests/opa/e2e.sh [BUILD_DIR]   Prints "N passed, N failed" last.
set -u
B=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
case "$B" in /*) ;; *) B="$ROOT/$B" ;; esac
SERVER="$B/policy-server"
K="$B/kwctl"
GK="$B/policies/disallow-service-loadbalancer.gatekeeper.wasm"
LBDATA="$ROOT/policies/disallow-service-loadbalancer/test_data"
WORK=$(mktemp -d /tmp/kwc-opa-e2e.XXXXXX)
. "$ROOT/tests/e2e/lib.sh"

cleanup() { stop_server; rm -rf "$WORK"; }
trap cleanup EXIT

# post PATH TEXT: sets CODE and BODY
post() {
    printf '%s' "$2" > "$WORK/req"
    CODE=$(curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        --data-binary "@$WORK/req" "http://127.0.0.1:$API$1")
    BODY=$(cat "$WORK/body")
}
review_of() { printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":%s}' "$(cat "$1")"; }
# opa_review UID ACTION: a request the OPA guest acts on
opa_review() {
    printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"%s",'\
'"kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},'\
'"operation":"CREATE","userInfo":{"username":"e2e"},"object":{"metadata":{"name":"web","labels":{},"annotations":{"test-action":"%s"}}}}}' "$1" "$2"
}

# ---- kwctl ------------------------------------------------------------------
"$K" annotate "$B/tests/policy/opa_guest.wasm" -m "$HERE/metadata-opa.yml" -o "$WORK/opa.wasm" 2>"$WORK/err"
check "kwctl annotate an OPA module" "$?" 0
check_has "annotate: protocol Unknown" "$("$K" inspect "$WORK/opa.wasm")" "protocol version:    Unknown"
check_has "inspect: gatekeeper mode" "$("$K" inspect "$GK")" "execution mode:      gatekeeper"

out=$("$K" run -r "$LBDATA/service_lb.json" "$GK" 2>&1)
check "kwctl run gatekeeper: reject" "$out" \
    '{"uid":"lb-1","allowed":false,"status":{"message":"Service of type LoadBalancer are not allowed"},"auditAnnotations":null,"warnings":null}'
out=$("$K" run -e gatekeeper -r "$LBDATA/service_nodeport.json" "$GK" 2>&1)
check_has "kwctl run -e gatekeeper: accept" "$out" '"allowed":true'
out=$("$K" run -e opa -r "$LBDATA/service_lb.json" "$GK" 2>&1)
check_has "kwctl run -e opa against gatekeeper metadata" "$out" "Metadata reports gatekeeper instead of opa"
printf '{"uid":"k1","action":"reject","object":{"metadata":{"name":"web"}}}' > "$WORK/k1.json"
out=$("$K" run -e opa --settings-json '{"who":"kwctl"}' -r "$WORK/k1.json" "$B/tests/policy/opa_guest.wasm" 2>&1)
check "kwctl run -e opa (no metadata)" "$out" \
    '{"uid":"k1","allowed":false,"status":{"message":"web rejected by kwctl","code":403},"auditAnnotations":null,"warnings":null}'
out=$("$K" run -r "$WORK/k1.json" "$B/tests/policy/opa_guest.wasm" 2>&1)
check_has "kwctl run of a Rego module needs -e" "$out" "run it with --execution-mode opa or --execution-mode gatekeeper"
out=$("$K" bench --num-samples 200 --warm-up-time 0 -r "$LBDATA/service_lb.json" "$GK" 2>&1)
check "kwctl bench gatekeeper" "$?" 0
check_has "kwctl bench reports" "$out" "evaluations"

# ---- policy-server ------------------------------------------------------------
cat > "$WORK/policies.yml" <<YAML
lb-protect:
  module: $GK
lb-monitor:
  module: $GK
  policyMode: monitor
opa:
  module: $WORK/opa.wasm
  allowedToMutate: true
  settings:
    who: the e2e test
opa-no-mutation:
  module: $WORK/opa.wasm
  allowedToMutate: false
lb-group:
  expression: "lb()"
  message: the group says no
  policies:
    lb:
      module: $GK
YAML
if start_server "$WORK/policies.yml"; then
    post /validate/lb-protect "$(review_of "$LBDATA/service_lb.json")"
    check "gatekeeper protect: reject" "$CODE $BODY" \
        '200 {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"lb-1","allowed":false,"status":{"message":"Service of type LoadBalancer are not allowed"},"auditAnnotations":null,"warnings":null}}'
    post /validate/lb-protect "$(review_of "$LBDATA/service_nodeport.json")"
    check_has "gatekeeper protect: accept" "$CODE $BODY" '200 {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"lb-2","allowed":true'
    post /validate/lb-monitor "$(review_of "$LBDATA/service_lb.json")"
    check "gatekeeper monitor: accepted" "$CODE $BODY" \
        '200 {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"lb-1","allowed":true,"auditAnnotations":null,"warnings":null}}'
    post /validate_raw/lb-protect '{"request":{"uid":"raw1","spec":{"type":"LoadBalancer"}}}'
    check_has "gatekeeper: raw refused" "$BODY" '"message":"internal server error: Gatekeeper does not support raw validation requests","code":500'
    post /validate/lb-group "$(review_of "$LBDATA/service_nodeport.json")"
    check_has "group with a gatekeeper member: accept" "$BODY" '"uid":"lb-2","allowed":true'
    post /validate_raw/lb-group '{"request":{"uid":"raw2","spec":{"type":"NodePort"}}}'
    check_has "group, raw: the gatekeeper member refuses" "$BODY" '"message":"internal server error: Gatekeeper does not support raw validation requests","field":"spec.policies.lb"'
    post /validate/opa "$(opa_review o1 accept)"
    check_has "opa: accept" "$BODY" '"response":{"uid":"o1","allowed":true,"auditAnnotations":null'
    post /validate/opa "$(opa_review o2 reject)"
    check_has "opa: reject, data = settings" "$BODY" '"uid":"o2","allowed":false,"status":{"message":"web rejected by the e2e test","code":403}'
    post /validate/opa "$(opa_review o3 mutate)"
    check_has "opa: patch" "$BODY" '"uid":"o3","allowed":true,"patchType":"JSONPatch","patch":"W3sib3AiOiJhZGQiLCJwYXRoIjoiL21ldGFkYXRhL2xhYmVscy9tdXRhdGVkIiwidmFsdWUiOiJ5ZXMifV0="'
    post /validate/opa-no-mutation "$(opa_review o4 mutate)"
    check_has "opa: mutation gate" "$BODY" '"uid":"o4","allowed":false,"status":{"message":"Request rejected by policy opa-no-mutation. The policy attempted to mutate the request, but it is currently configured to not allow mutations."'
    post /validate/opa "$(opa_review o5 abort)"
    check_has "opa: opa_abort is a 500 rejection" "$BODY" '"message":"internal server error: opa_abort: the test guest gives up","code":500'
    check_has "opa: opa_abort logged" "$(cat "$LOG")" "the test guest gives up"
    stop_server
else
    start_failed "policy-server with Rego policies"
fi

# A module that needs a builtin the host lacks is fatal at startup.
sed 's/"time.now_ns"/"time.now_nz"/' "$B/tests/policy/opa_guest.wasm" > "$WORK/missing.raw.wasm"
"$K" annotate "$WORK/missing.raw.wasm" -m "$HERE/metadata-opa.yml" -o "$WORK/missing.wasm" 2>/dev/null
printf 'broken:\n  module: %s\n' "$WORK/missing.wasm" > "$WORK/missing.yml"
if start_server "$WORK/missing.yml"; then
    fail "a module with a missing builtin must not start"; stop_server
else
    check_has "missing builtin: fatal" "$(cat "$LOG")" "Missing Rego builtins: time.now_nz"
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
