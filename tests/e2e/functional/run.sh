#!/bin/bash
# Black-box tests of build/policy-server: each case starts the real binary on
# loopback (ephemeral ports, read back from its "ready" log line) with our C
# policies, talks to it with curl and checks the answers byte for byte where
# the wire contract fixes them (spec §1.6-1.8, §2.7).
#
# Usage: tests/e2e/functional/run.sh [BUILD_DIR [SAN]]   (default: build 0)
# Prints "N passed, N failed" last; exit status non-zero on any failure.
set -u
B=${1:-build}
SANITIZED=${2:-0}          # 1: the binaries are built with ASan (RSS checks do not apply)
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
case "$B" in /*) ;; *) B="$ROOT/$B" ;; esac
SERVER="$B/policy-server"
POL="$B/policies"
REQ="$HERE/requests"
WORK=$(mktemp -d /tmp/kwc-e2e.XXXXXX)
. "$HERE/../lib.sh"

cleanup() { stop_server; rm -rf "$WORK"; }
trap cleanup EXIT

# post PATH FILE [CONTENT_TYPE]: sets CODE and BODY
post() {
    local out="$WORK/body"
    CODE=$(curl -s -o "$out" -w '%{http_code}' -X POST -H "Content-Type: ${3:-application/json}" \
        --data-binary "@$2" "http://127.0.0.1:$API$1")
    BODY=$(cat "$out")
}
post_text() {   # post_text PATH TEXT [CONTENT_TYPE]
    printf '%s' "$2" > "$WORK/req"
    post "$1" "$WORK/req" "${3:-application/json}"
}
get() {         # get PORT PATH
    CODE=$(curl -s -o "$WORK/body" -w '%{http_code}' "http://127.0.0.1:$1$2")
    BODY=$(cat "$WORK/body")
}

review() {      # review UID ALLOWED_AND_REST -> the expected AdmissionReview text
    echo "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":\"$1\",$2}}"
}
ACCEPTED='"allowed":true,"auditAnnotations":null,"warnings":null'
MSG_TIMEOUT="Policy execution interrupted because it exceeded the allowed execution time"

policies_file() {   # policies_file NAME <<YAML : writes $WORK/NAME.yml, @P@ = policies dir
    sed "s|@P@|$POL|g" > "$WORK/$1.yml"
    echo "$WORK/$1.yml"
}

# ---------------------------------------------------------------------------------

test_main_set() {
    local file
    file=$(policies_file main <<'EOF'
privileged:
  module: @P@/pod-privileged.wasm
privileged-monitor:
  module: file://@P@/pod-privileged.wasm
  policyMode: monitor
privileged-custom:
  module: @P@/pod-privileged.wasm
  message: "My custom error message"
  namespacedName: {namespace: ignored, name: ignored}
caps-mutate:
  module: @P@/capabilities-psp.wasm
  allowedToMutate: true
  settings: {allowed_capabilities: [KILL], required_drop_capabilities: [NET_ADMIN]}
caps-no-mutate:
  url: @P@/capabilities-psp.wasm
  settings: {allowed_capabilities: [KILL], required_drop_capabilities: [NET_ADMIN]}
caps-monitor:
  module: @P@/capabilities-psp.wasm
  policyMode: monitor
  settings: {allowed_capabilities: [KILL], required_drop_capabilities: [NET_ADMIN]}
raw:
  module: @P@/raw-validation.wasm
  settings: {validUsers: [wanda, oscar], validActions: [eats, likes], validResources: [hay, banana]}
group-and:
  expression: "strict() && lenient()"
  message: "the group rejects it"
  policies:
    strict: {module: @P@/pod-privileged.wasm}
    lenient: {module: @P@/pod-privileged.wasm, settings: {skip_init_containers: true}}
group-or:
  expression: "lenient() || strict()"
  message: "the group rejects it"
  policies:
    strict: {module: @P@/pod-privileged.wasm}
    lenient: {module: @P@/pod-privileged.wasm, settings: {skip_init_containers: true}}
group-monitor:
  policyMode: monitor
  expression: "strict()"
  message: "the group rejects it"
  policies:
    strict: {module: @P@/pod-privileged.wasm}
group-mutation:
  expression: "caps() || false"
  message: "no mutation in groups"
  policies:
    caps: {module: @P@/capabilities-psp.wasm, settings: {allowed_capabilities: [KILL], required_drop_capabilities: [NET_ADMIN]}}
EOF
)
    if ! start_server "$file" --enable-metrics --always-accept-admission-reviews-on-namespace kube-system; then
        start_failed "main set: server did not start"; return
    fi

    get "$PROBE" /readiness
    check "readiness is 200 once loaded" "$CODE" 200
    # 11 entries (13 policies with the group members) over 3 module files: each loaded once
    check_has "each module loaded once" "$(grep ' ready ' "$LOG")" "policies=11 modules=3 "
    # x86-64 Linux compiles every module to machine code; elsewhere, or with
    # KW_WASM_TIER=interp, the interpreter runs all three
    if [ "$(uname -m)" = x86_64 ] && [ "${KW_WASM_TIER:-}" != interp ]; then
        check_has "modules run compiled" "$(grep ' ready ' "$LOG")" " interpreted_modules=0 "
    else
        check_has "modules run interpreted" "$(grep ' ready ' "$LOG")" " interpreted_modules=3 "
    fi

    # accept / reject, protect mode
    post /validate/privileged "$REQ/pod_plain.json"
    check "plain pod: 200" "$CODE" 200
    check "plain pod accepted" "$BODY" "$(review plain-1 "$ACCEPTED")"
    post /validate/privileged "$REQ/pod_privileged.json"
    check_has "privileged pod rejected" "$BODY" '"uid":"priv-1","allowed":false,"status":{"message":"Privileged container is not allowed"'

    # monitor mode accepts; /audit gives the real verdict
    post /validate/privileged-monitor "$REQ/pod_privileged.json"
    check "monitor mode accepts" "$BODY" "$(review priv-1 "$ACCEPTED")"
    post /audit/privileged-monitor "$REQ/pod_privileged.json"
    check_has "/audit ignores monitor mode" "$BODY" '"allowed":false,"status":{"message":"Privileged container is not allowed"'
    check_has "monitor verdict logged" "$(cat "$LOG")" "policy evaluation (monitor mode)"

    # custom message: original message becomes a cause
    post /validate/privileged-custom "$REQ/pod_privileged.json"
    check_has "custom message" "$BODY" '"status":{"message":"My custom error message"'
    check_has "custom message keeps the original as a cause" "$BODY" '"causes":[{"reason":null,"message":"Privileged container is not allowed","field":null}]'
    post /audit/privileged-custom "$REQ/pod_privileged.json"
    check_lacks "/audit has no custom message" "$BODY" "My custom error message"

    # mutation and the mutation gate
    post /validate/caps-mutate "$REQ/pod_add_kill.json"
    check_has "mutating policy: patch" "$BODY" '"uid":"caps-1","allowed":true,"patchType":"JSONPatch","patch":"'
    local patch
    patch=$(printf '%s' "$BODY" | sed -n 's/.*"patch":"\([^"]*\)".*/\1/p' | base64 -d 2>/dev/null)
    check_has "patch drops NET_ADMIN" "$patch" 'NET_ADMIN'
    check_has "patch is a JSON Patch" "$patch" '"op":"'
    post /validate/caps-no-mutate "$REQ/pod_add_kill.json"
    check "mutation gate" "$BODY" "$(review caps-1 '"allowed":false,"status":{"message":"Request rejected by policy caps-no-mutate. The policy attempted to mutate the request, but it is currently configured to not allow mutations."},"auditAnnotations":null,"warnings":null')"
    post /audit/caps-no-mutate "$REQ/pod_add_kill.json"
    check_has "/audit keeps the patch" "$BODY" '"allowed":true,"patchType":"JSONPatch"'
    post /validate/caps-monitor "$REQ/pod_add_kill.json"
    check "monitor drops the patch" "$BODY" "$(review caps-1 "$ACCEPTED")"

    # always-accept namespace
    post /validate/privileged "$REQ/pod_privileged_kube_system.json"
    check "always-accept namespace" "$BODY" "$(review priv-ks "$ACCEPTED")"

    # groups
    post /validate/group-and "$REQ/pod_privileged_init.json"
    check "group && rejects with the failing member as cause" "$BODY" "$(review init-1 '"allowed":false,"status":{"message":"the group rejects it","details":{"causes":[{"reason":null,"message":"Privileged init container is not allowed","field":"spec.policies.strict"}]}},"auditAnnotations":null,"warnings":null')"
    post /validate/group-or "$REQ/pod_privileged_init.json"
    check "group || accepts (short-circuit)" "$BODY" "$(review init-1 "$ACCEPTED")"
    post /validate/group-and "$REQ/pod_plain.json"
    check "group accepts a plain pod" "$BODY" "$(review plain-1 "$ACCEPTED")"
    post /validate/group-monitor "$REQ/pod_privileged.json"
    check "group in monitor mode accepts" "$BODY" "$(review priv-1 "$ACCEPTED")"
    post /audit/group-monitor "$REQ/pod_privileged.json"
    check_has "group /audit rejects" "$BODY" '"allowed":false,"status":{"message":"the group rejects it"'
    post /validate/group-mutation "$REQ/pod_add_kill.json"
    check_has "mutation inside a group" "$BODY" '"message":"mutation is not allowed inside of policy group","field":"spec.policies.caps"'

    # validate_raw
    post /validate_raw/raw "$REQ/raw_valid.json"
    check "raw accepted, uid empty" "$BODY" '{"response":{"uid":"","allowed":true,"auditAnnotations":null,"warnings":null}}'
    post /validate_raw/raw "$REQ/raw_invalid.json"
    check_has "raw rejected, uid kept" "$BODY" '{"response":{"uid":"raw-2","allowed":false'

    # error statuses, JSON bodies
    post /validate/privileged "$REQ/pod_plain.json" text/plain
    check "415 wrong content type" "$CODE $BODY" '415 {"message":"Expected request with `Content-Type: application/json`","status":415}'
    post_text /validate/privileged '{"request": '
    check_has "400 malformed JSON" "$CODE $BODY" '400 {"message":"Failed to parse the request body as JSON'
    post_text /validate/privileged '{}'
    check "422 no request" "$CODE $BODY" '422 {"message":"Failed to deserialize the JSON body into the target type: missing field `request`","status":422}'
    post_text /audit/privileged '{"request":{"uid":"x"}}'
    check_has "422 on /audit too" "$CODE $BODY" '422 {"message":"Failed to deserialize the JSON body into the target type: request: missing field `kind`"'
    post_text /validate_raw/raw '[]'
    check_has "422 on /validate_raw" "$CODE" 422
    post /validate/nope "$REQ/pod_plain.json"
    check "404 unknown policy" "$CODE $BODY" '404 {"message":"unknown policy: nope","status":404}'
    get "$API" /validate/privileged
    check_has "405 GET on a POST route" "$CODE $BODY" '405 {"message":'
    get "$API" /nowhere
    check_has "404 unknown path" "$CODE $BODY" '404 {"message":"not found: /nowhere"'

    # metrics on the probe port
    get "$PROBE" /metrics
    check "metrics: 200" "$CODE" 200
    check_has "metrics: evaluations counter" "$BODY" 'kubewarden_policy_evaluations_total{policy_name="privileged",policy_mode="protect",request_origin="validate",resource_kind="Pod",resource_request_operation="CREATE",resource_namespace="default",accepted="false",mutated="false"} 1'
    check_has "metrics: vanilla verdict in monitor mode" "$BODY" 'kubewarden_policy_evaluations_total{policy_name="privileged-monitor",policy_mode="monitor",request_origin="validate",resource_kind="Pod",resource_request_operation="CREATE",resource_namespace="default",accepted="false"'
    check_has "metrics: mutated label" "$BODY" 'policy_name="caps-mutate",policy_mode="protect",request_origin="validate",resource_kind="Pod",resource_request_operation="CREATE",resource_namespace="default",accepted="true",mutated="true"} 1'
    check_has "metrics: raw labels" "$BODY" 'kubewarden_policy_evaluations_total{policy_name="raw",policy_mode="protect",accepted="true",mutated="false"} 1'
    check_has "metrics: histogram" "$BODY" 'kubewarden_policy_evaluation_latency_milliseconds_count{policy_name="privileged",'

    # one log line per request with its fields
    local line
    line=$(grep 'request evaluated' "$LOG" | grep 'policy_id=privileged ' | grep 'request_uid=priv-1' | head -n 1)
    check_has "request log line" "$line" "kind=Pod namespace=default name=nginx operation=CREATE allowed=false mutated=false"
    check_has "request log latency" "$line" "latency_ms="

    stop_server
    check "SIGTERM: exit 0" "$STATUS" 0
}

test_timeout() {
    local file
    file=$(policies_file timeout <<'EOF'
sleeper:
  module: @P@/sleeping.wasm
  settings: {sleepMilliseconds: 4000}
sleeper-own-timeout:
  module: @P@/sleeping.wasm
  timeoutEvalSeconds: 1
  settings: {sleepMilliseconds: 4000}
sleeper-monitor:
  module: @P@/sleeping.wasm
  policyMode: monitor
  settings: {sleepMilliseconds: 4000}
privileged:
  module: @P@/pod-privileged.wasm
EOF
)
    if ! start_server "$file" --policy-timeout 2; then
        start_failed "timeout set: server did not start"; return
    fi
    local t0 t1 ms
    t0=$(date +%s%N)
    post /validate/sleeper "$REQ/pod_sleep.json"
    t1=$(date +%s%N); ms=$(( (t1 - t0) / 1000000 ))
    check "4 s policy, 2 s timeout: rejection" "$BODY" "$(review sleep-1 "\"allowed\":false,\"status\":{\"message\":\"$MSG_TIMEOUT\",\"code\":500},\"auditAnnotations\":null,\"warnings\":null")"
    if [ "$ms" -ge 1000 ] && [ "$ms" -le 3500 ]; then pass; else fail "timeout answered after $ms ms (want ~2000)"; fi
    t0=$(date +%s%N)
    post /validate/sleeper-own-timeout "$REQ/pod_sleep.json"
    t1=$(date +%s%N); ms=$(( (t1 - t0) / 1000000 ))
    check_has "timeoutEvalSeconds wins" "$BODY" "$MSG_TIMEOUT"
    if [ "$ms" -le 1900 ]; then pass; else fail "timeoutEvalSeconds 1 answered after $ms ms"; fi
    post /validate/sleeper-monitor "$REQ/pod_sleep.json"
    check "monitor mode accepts a timeout" "$BODY" "$(review sleep-1 "$ACCEPTED")"
    # still healthy
    get "$PROBE" /readiness
    check "readiness after a timeout" "$CODE" 200
    post /validate/privileged "$REQ/pod_plain.json"
    check "serving after a timeout" "$BODY" "$(review plain-1 "$ACCEPTED")"
    stop_server
}

test_startup_errors() {
    local file
    file=$(policies_file bad-settings <<'EOF'
good:
  module: @P@/pod-privileged.wasm
bad-settings:
  module: @P@/pod-privileged.wasm
  settings: {skip_init_containers: "yes"}
EOF
)
    start_server "$file"
    check "invalid settings: exit 1" "$STATUS" 1
    check_has "invalid settings: message names the policy" "$(cat "$LOG")" "policy 'bad-settings': Policy settings are invalid: "

    file=$(policies_file remote <<'EOF'
remote:
  module: registry://ghcr.io/kubewarden/policies/pod-privileged:v0.2.5
EOF
)
    start_server "$file"
    check "registry module: exit 1" "$STATUS" 1
    check_has "registry module: not supported yet" "$(cat "$LOG")" "policy 'remote': Error while downloading policy 'remote' from registry://ghcr.io/kubewarden/policies/pod-privileged:v0.2.5: registry:// sources are not supported yet"

    file=$(policies_file missing <<'EOF'
missing:
  module: /nonexistent/policy.wasm
EOF
)
    start_server "$file"
    check "missing module: exit 1" "$STATUS" 1
    check_has "missing module: names policy and file" "$(cat "$LOG")" "policy 'missing': Error while loading policy 'missing' from /nonexistent/policy.wasm: cannot open /nonexistent/policy.wasm"

    file=$(policies_file bad-expression <<'EOF'
g:
  expression: "a() && b()"
  message: m
  policies:
    a: {module: @P@/pod-privileged.wasm}
EOF
)
    start_server "$file"
    check "bad group expression: exit 1" "$STATUS" 1
    check_has "bad group expression: message" "$(cat "$LOG")" "function 'b()' not found"

    file=$(policies_file bad-capabilities <<'EOF'
bad-caps:
  module: @P@/pod-privileged.wasm
  hostCapabilities: ["bogus/*"]
EOF
)
    start_server "$file" --continue-on-errors
    check "bad hostCapabilities pattern: exit 1 even with --continue-on-errors" "$STATUS" 1
    check_has "bad hostCapabilities pattern: message" "$(cat "$LOG")" "policy 'bad-caps': invalid host capability pattern 'bogus/*'"

    printf 'a: {module: [unclosed\n' > "$WORK/malformed.yml"
    start_server "$WORK/malformed.yml"
    check "malformed YAML: exit 1" "$STATUS" 1
    check_has "malformed YAML: names the file" "$(cat "$LOG")" "policies file $WORK/malformed.yml: invalid YAML"

    printf 'a/b: {module: /x.wasm}\n' > "$WORK/slash.yml"
    start_server "$WORK/slash.yml"
    check "id with '/': exit 1" "$STATUS" 1
    check_has "id with '/': message" "$(cat "$LOG")" "contains a '/' character"

    # --continue-on-errors: the broken ones answer 500-coded rejections
    file=$(policies_file continue <<'EOF'
good:
  module: @P@/pod-privileged.wasm
bad-settings:
  module: @P@/pod-privileged.wasm
  policyMode: monitor
  settings: {skip_init_containers: "yes"}
remote:
  module: https://example.com/policy.wasm
EOF
)
    if ! start_server "$file" --continue-on-errors --enable-metrics; then
        start_failed "continue-on-errors: server did not start"; return
    fi
    get "$PROBE" /readiness
    check "continue-on-errors: ready" "$CODE" 200
    post /validate/good "$REQ/pod_plain.json"
    check "continue-on-errors: good policy serves" "$BODY" "$(review plain-1 "$ACCEPTED")"
    post /validate/bad-settings "$REQ/pod_plain.json"
    check_has "continue-on-errors: 500-coded rejection, even in monitor mode" "$BODY" '"uid":"plain-1","allowed":false,"status":{"message":"Policy settings are invalid: '
    check_has "continue-on-errors: code 500" "$BODY" '"code":500}'
    post /validate/remote "$REQ/pod_plain.json"
    check_has "continue-on-errors: download error" "$BODY" "Error while downloading policy 'remote' from https://example.com/policy.wasm: https:// sources are not supported yet"
    get "$PROBE" /metrics
    check_has "metrics: initialization_error" "$BODY" 'kubewarden_policy_evaluations_total{policy_name="bad-settings",initialization_error="Policy settings are invalid: '
    stop_server
}

test_flags_and_formats() {
    local out
    out=$("$SERVER" --port nope 2>&1); STATUS=$?
    check "bad flag value: exit 2" "$STATUS" 2
    check_has "bad flag value: names the flag" "$out" "invalid value 'nope' for '--port <PORT>'"
    out=$("$SERVER" --no-such-flag 2>&1); STATUS=$?
    check "unknown flag: exit 2" "$STATUS" 2
    check_has "unknown flag: names it" "$out" "'--no-such-flag'"
    out=$(KUBEWARDEN_WORKERS=many "$SERVER" 2>&1); STATUS=$?
    check "bad env value: exit 2" "$STATUS" 2
    check_has "bad env value: names the variable" "$out" "KUBEWARDEN_WORKERS"
    out=$("$SERVER" --help); STATUS=$?
    check "--help: exit 0" "$STATUS" 0
    check_has "--help documents env" "$out" "[env: KUBEWARDEN_ALWAYS_ACCEPT_ADMISSION_REVIEWS_ON_NAMESPACE]"

    local file
    file=$(policies_file json-logs <<'EOF'
{"privileged": {"module": "@P@/pod-privileged.wasm"}}
EOF
)
    # JSON logs, env configuration, an unsupported flag's warning, metrics off
    if ! HOSTNAME=e2e-host KUBEWARDEN_LOG_FMT=json KUBEWARDEN_SOURCES_PATH=/etc/sources.yml start_server "$file"; then
        start_failed "json logs: server did not start"; return
    fi
    post /validate/privileged "$REQ/pod_privileged.json"
    check_has "env-configured server answers" "$BODY" '"allowed":false'
    get "$PROBE" /metrics
    check "metrics off without --enable-metrics" "$CODE" 404
    local bad_lines
    bad_lines=$(grep -vc '^{"timestamp":"[^"]*","level":"[A-Z]*","fields":{"message":.*},"target":"[a-z_:]*"}$' "$LOG")
    check "every log line is a JSON object" "$bad_lines" 0
    check_has "JSON request line" "$(cat "$LOG")" '"message":"request evaluated","origin":"validate","host":"e2e-host","policy_id":"privileged","request_uid":"priv-1"'
    check_has "unsupported flag warns" "$(cat "$LOG")" '"level":"WARN","fields":{"message":"--sources-path is not supported yet'
    stop_server
}

test_reload() {
    local file=$WORK/reload.yml
    sed "s|@P@|$POL|g" > "$file" <<'EOF'
first:
  module: @P@/pod-privileged.wasm
EOF
    if ! start_server "$file"; then start_failed "reload: server did not start"; return; fi
    post /validate/first "$REQ/pod_plain.json"
    check "before reload" "$CODE" 200
    sed "s|@P@|$POL|g" > "$file" <<'EOF'
second:
  module: @P@/pod-privileged.wasm
  policyMode: monitor
EOF
    kill -HUP "$PID"
    for _ in $(seq 1 100); do grep -q 'policies reloaded' "$LOG" && break; sleep 0.05; done
    post /validate/second "$REQ/pod_privileged.json"
    check "SIGHUP loads the new file" "$BODY" "$(review priv-1 "$ACCEPTED")"
    post /validate/first "$REQ/pod_plain.json"
    check "SIGHUP drops removed policies" "$CODE" 404
    printf 'second: {module: [broken\n' > "$file"
    kill -HUP "$PID"
    for _ in $(seq 1 100); do grep -q 'reload refused' "$LOG" && break; sleep 0.05; done
    check_has "bad file refused" "$(cat "$LOG")" "reload refused: the previous policies keep serving"
    post /validate/second "$REQ/pod_privileged.json"
    check "old policies keep serving" "$BODY" "$(review priv-1 "$ACCEPTED")"
    stop_server
    check "exit 0 after reloads" "$STATUS" 0
}

test_body_limit() {
    local file
    file=$(policies_file limit <<'EOF'
privileged:
  module: @P@/pod-privileged.wasm
EOF
)
    if ! start_server "$file" --max-body-size 1K; then start_failed "limit: server did not start"; return; fi
    head -c 4096 /dev/zero | tr '\0' ' ' > "$WORK/big.json"
    post /validate/privileged "$WORK/big.json"
    check "413 above --max-body-size" "$CODE" 413
    post /validate/privileged "$REQ/pod_plain.json"
    check "small body still fine" "$CODE" 200
    stop_server

    # 3 MB UPDATE reviews (object + oldObject) pass the default limit, and the
    # workers give their grown buffers back afterwards.
    local blob object
    blob=$(head -c 1400000 /dev/zero | tr '\0' 'x')
    object="{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"big\",\"annotations\":{\"blob\":\"$blob\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}"
    printf '{"request":{"uid":"big-1","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"operation":"UPDATE","namespace":"default","userInfo":{},"object":%s,"oldObject":%s}}' \
        "$object" "$object" > "$WORK/update.json"
    if ! WORKERS=4 start_server "$file" --policy-timeout 20; then start_failed "big reviews: server did not start"; return; fi
    local idle after i
    idle=$(awk '/^VmRSS/ {print $2}' "/proc/$PID/status")
    for i in 1 2 3 4; do
        curl -s -o "$WORK/big-$i.out" -X POST -H 'Content-Type: application/json' \
            --data-binary "@$WORK/update.json" "http://127.0.0.1:$API/validate/privileged" &
    done
    wait $(jobs -p | grep -v "^$PID\$")
    check_has "3 MB UPDATE review evaluated" "$(cat "$WORK/big-1.out")" '"uid":"big-1","allowed":true'
    after=$(awk '/^VmRSS/ {print $2}' "/proc/$PID/status")
    if [ "$SANITIZED" = 1 ]; then
        echo "skipped: RSS after large reviews (ASan keeps freed memory in quarantine)"
    elif [ $((after - idle)) -lt 32768 ]; then
        pass
    else
        fail "RSS after 4 x 3 MB reviews: $idle kB idle -> $after kB (workers keep their buffers?)"
    fi
    stop_server
}

test_daemon() {
    local file pid="" out=$WORK/daemon.out
    file=$(policies_file daemon <<'EOF'
privileged:
  module: @P@/pod-privileged.wasm
EOF
)
    "$SERVER" --addr 127.0.0.1 --port 0 --readiness-probe-port 0 --policies "$file" --daemon \
        --daemon-pid-file "$WORK/daemon.pid" --daemon-stdout-file "$out" >/dev/null 2>&1
    check "--daemon: the foreground process exits 0" "$?" 0
    for _ in $(seq 1 100); do grep -q ' ready ' "$out" 2>/dev/null && break; sleep 0.05; done
    pid=$(cat "$WORK/daemon.pid" 2>/dev/null)
    API=$(grep ' ready ' "$out" | sed -nE 's/.*[ "]port"?[=:]([0-9]+).*/\1/p')
    post /validate/privileged "$REQ/pod_plain.json"
    check "--daemon: serves" "$BODY" "$(review plain-1 "$ACCEPTED")"
    check_has "--daemon: logs go to --daemon-stdout-file" "$(cat "$out")" "request evaluated"
    if [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; then
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        if kill -0 "$pid" 2>/dev/null; then fail "--daemon: still running after SIGTERM"; kill -KILL "$pid"; else pass; fi
        if [ -e "$WORK/daemon.pid" ]; then fail "--daemon: PID file left behind"; else pass; fi
    else
        fail "--daemon: no PID file or no process (pid '$pid')"
    fi
}

# The policy layer's test guest (tests/policy/wapc_guest.c) acts as the request
# uid says: guest logs, guest errors and traps through the whole server.
test_guest_behaviours() {
    local file guest="$B/tests/policy/wapc_guest.wasm"
    file=$(policies_file guest <<EOF
guest:
  module: $guest
guest-custom:
  module: $guest
  message: "custom text"
EOF
)
    if ! start_server "$file" --log-level debug; then start_failed "guest: server did not start"; return; fi
    local head='{"request":{"kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"operation":"CREATE","userInfo":{},"uid":'
    post_text /validate/guest "$head\"cap:kubewarden:tracing:log:log\"}}"
    check_has "guest log call answered" "$BODY" '"allowed":true'
    local line
    line=$(grep 'hello from the guest' "$LOG" | head -n 1)
    check_has "guest log line: level and target" "$line" " WARN policy_log: hello from the guest"
    check_has "guest log line: policy id" "$line" "policy_id=guest"
    post_text /validate/guest "$head\"error\"}}"
    check_has "guest error: 500-coded rejection" "$BODY" '"allowed":false,"status":{"message":"internal server error: Guest call failure: '
    post_text /validate/guest "$head\"trap\"}}"
    check_has "guest trap: 500-coded rejection" "$BODY" '"allowed":false,"status":{"message":"internal server error: Guest call failure: unreachable","code":500}'
    post_text /validate/guest-custom "$head\"trap\"}}"
    check_has "custom message over a guest failure" "$BODY" '"status":{"message":"custom text","details":{"causes":[{"reason":null,"message":"internal server error: Guest call failure: unreachable","field":null}]},"code":500}'
    get "$PROBE" /readiness
    check "healthy after guest failures" "$CODE" 200
    stop_server
    check "exit 0 after guest failures" "$STATUS" 0

    # a module whose initialisation never ends: a load error, 500 with --continue-on-errors
    file=$(policies_file init-loop <<EOF
stuck:
  module: $B/tests/policy/wapc_init_loop.wasm
ok:
  module: $guest
EOF
)
    if ! start_server "$file" --continue-on-errors --policy-timeout 1; then start_failed "init loop: server did not start"; return; fi
    post_text /validate/stuck "$head\"accept\"}}"
    check_has "init timeout: 500-coded rejection" "$BODY" '"allowed":false,"status":{"message":"Error while loading policy '"'"'stuck'"'"' from '
    check_has "init timeout: says why" "$BODY" 'init interrupted, execution deadline exceeded'
    post_text /validate/ok "$head\"accept\"}}"
    check_has "other policies serve" "$BODY" '"allowed":true'
    stop_server
}

for p in pod-privileged capabilities-psp raw-validation sleeping; do
    [ -f "$POL/$p.wasm" ] || fail "missing policy module $POL/$p.wasm (build it with make)"
done
if [ -x "$SERVER" ]; then
    test_flags_and_formats
    test_main_set
    test_startup_errors
    test_reload
    test_body_limit
    test_daemon
    test_guest_behaviours
    test_timeout
else
    fail "missing $SERVER"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
