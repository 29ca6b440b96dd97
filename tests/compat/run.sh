#!/bin/bash
# test-compat: a waPC policy built by rustc (tests/compat/rust-waPC) runs
# unchanged in kwc, in two builds: a reactor with wapc_init (as Rust SDK
# policies) and a command whose _start registers the handlers (as TinyGo
# policies).  Builds them (tests/compat/build-rust.sh), then through the real
# binaries: kwctl inspect / run (answers identical to the C pod-privileged's on
# its fixtures), settings validation, a fresh sandbox per evaluation (the
# guest's call counter is 1 every time, its init ran once, before the
# snapshot), the snapshot's cost against a module load, and the policy-server
# on loopback answering /validate with them.
#
# Usage: tests/compat/run.sh [BUILD_DIR]   (needs kwctl, policy-server,
#        policies/pod-privileged.wasm and compat/load-time in BUILD_DIR)
# Prints "N passed, N failed" last; exit status non-zero on any failure.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
B=${1:-build}
case "$B" in /*) ;; *) B="$ROOT/$B" ;; esac
KWCTL="$B/kwctl"
RUST="$B/compat/pod-privileged-rs.wasm"                 # reactor: wapc_init
RUST_CMD="$B/compat/pod-privileged-rs-command.wasm"     # command: _start
C_POLICY="$B/policies/pod-privileged.wasm"
FIXTURES="$ROOT/policies/pod-privileged/test_data"
WORK=$(mktemp -d /tmp/kwc-compat.XXXXXX)
SERVER="$B/policy-server"
. "$ROOT/tests/e2e/lib.sh"

cleanup() {
    [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

summary() { echo "$PASSED passed, $FAILED failed"; [ "$FAILED" -eq 0 ]; exit; }

once() {        # once INIT_EXPORT: the guest's log line in a fresh sandbox
    echo "guest call 1 of this instance, init ran 1 time(s) ($1)"
}
exports() {     # exports MODULE: its export names, sorted, on one line
    wasm-objdump -x -j Export "$1" | sed -nE 's/.*-> "(.*)"$/\1/p' | LC_ALL=C sort | tr '\n' ' '
}

# ---- build ------------------------------------------------------------------

build_module() {
    local out status
    out=$("$HERE/build-rust.sh" "$B" 2>&1); status=$?
    if [ $status -eq 3 ]; then
        echo "$out"
        summary
    fi
    check "rustc + cargo build and kwctl annotate succeed: ${out:0:2000}" "$status" 0
    [ $status -eq 0 ] || summary
    local raw size
    for raw in "$B"/compat/pod-privileged-rs{,-command}.raw.wasm; do
        size=$(wc -c < "$raw")
        [ "$size" -gt 200000 ] && pass || fail "the Rust module is large (> 200 KB): $raw: $size bytes"
        grep -qa wasi_snapshot_preview1 "$raw" && pass || fail "rustc's module imports WASI preview 1: $raw"
    done
    check "the reactor's exports" "$(exports "$B/compat/pod-privileged-rs.raw.wasm")" \
        "__data_end __guest_call __heap_base memory wapc_init "
    check "the command's exports" "$(exports "$B/compat/pod-privileged-rs-command.raw.wasm")" \
        "__data_end __guest_call __heap_base _start main memory "
}

# ---- kwctl inspect -------------------------------------------------------------

test_inspect() {
    local out
    out=$("$KWCTL" inspect "$RUST" 2>&1)
    check_has "inspect: title" "$out" "pod-privileged-rs"
    check_has "inspect: protocol detected by calling the guest" "$out" "protocol version:    v1"
    check_has "inspect: execution mode" "$out" "execution mode:      kubewarden-wapc"
    check_has "inspect: rules" "$out" "- replicationcontrollers"
    check_has "inspect: usage from the README" "$out" "skip_ephemeral_containers"
    out=$("$KWCTL" inspect -o yaml "$RUST" 2>&1)
    check_has "inspect -o yaml: protocolVersion" "$out" "protocolVersion: v1"
    out=$("$KWCTL" inspect "$B/compat/pod-privileged-rs.raw.wasm" 2>&1)
    check_has "inspect: the unannotated module has no metadata" "$out" "Error:"
    out=$("$KWCTL" inspect "$RUST_CMD" 2>&1)
    check_has "inspect: the command's protocol, detected after _start" "$out" "protocol version:    v1"
}

# ---- kwctl run: the Rust and the C policy answer alike ------------------------

run_policy() {  # run_policy MODULE FIXTURE SETTINGS_JSON -> stdout (stderr appended)
    "$KWCTL" run --settings-json "$3" -r "$FIXTURES/$2" "$1" 2>&1
}

test_run_like_c() {
    local f s m c
    for f in "$FIXTURES"/*.json; do
        f=$(basename "$f")
        for s in '{}' '{"skip_init_containers":true}' '{"skip_ephemeral_containers":true}'; do
            c=$(run_policy "$C_POLICY" "$f" "$s")
            for m in "$RUST" "$RUST_CMD"; do
                check "run $f $s: $(basename "$m") answers as the C policy" "$(run_policy "$m" "$f" "$s")" "$c"
            done
        done
    done
    check "run: accepts a plain pod" "$(run_policy "$RUST" pod_plain.json '{}')" \
        '{"uid":"pp-1","allowed":true,"auditAnnotations":null,"warnings":null}'
    check "run: rejects a privileged container (AdmissionReview input)" \
        "$(run_policy "$RUST" pod_privileged.json '{}')" \
        '{"uid":"pp-2","allowed":false,"status":{"message":"Privileged container is not allowed"},"auditAnnotations":null,"warnings":null}'
    check_has "run: rejects a privileged init container" "$(run_policy "$RUST" pod_privileged_init.json '{}')" \
        '"allowed":false,"status":{"message":"Privileged init container is not allowed"}'
    check_has "run: skip_init_containers" \
        "$(run_policy "$RUST" pod_privileged_init.json '{"skip_init_containers":true}')" '"allowed":true'
    check_has "run: looks inside a CronJob" "$(run_policy "$RUST" cronjob_privileged.json '{}')" \
        '"uid":"pp-6","allowed":false,"status":{"message":"Privileged container is not allowed"}'
    check_has "run: DELETE (no object) accepted" "$(run_policy "$RUST" pod_delete.json '{}')" '"allowed":true'
    # serde refuses a pod spec of the wrong shape: the guest's error (via
    # __guest_error) becomes the spec's 500 rejection.
    check "run: a guest error from serde" \
        "$("$KWCTL" run -r "$HERE/fixtures/pod_containers_not_a_list.json" "$RUST" 2>&1)" \
        '{"uid":"compat-bad-1","allowed":false,"status":{"message":"internal server error: Guest call failure: cannot decode the pod spec: invalid type: string \"web\", expected a sequence","code":500},"auditAnnotations":null,"warnings":null}'
}

# ---- settings validation --------------------------------------------------------

test_settings() {
    local out status
    out=$(run_policy "$RUST" pod_plain.json '{"skip_init_containers":null,"skip_ephemeral_containers":false,"other":1}')
    check_has "settings: null, booleans and unknown keys are valid" "$out" '"allowed":true'
    out=$(run_policy "$RUST" pod_plain.json '{"skip_init_containers":"yes"}'); status=$?
    check "settings: a string is refused (message)" "$out" \
        "Error: Provided settings are not valid: skip_init_containers must be a boolean"
    check "settings: a string is refused (exit status)" "$status" 1
    out=$(run_policy "$RUST" pod_plain.json '{"skip_ephemeral_containers":1}')
    check "settings: a number is refused" "$out" \
        "Error: Provided settings are not valid: skip_ephemeral_containers must be a boolean"
    out=$(run_policy "$RUST" pod_plain.json '[true]')
    check "settings: not an object" "$out" "Error: Provided settings are not valid: settings must be a JSON object"
    out=$(run_policy "$RUST_CMD" pod_plain.json '{"skip_init_containers":"yes"}')
    check "settings: the command build refuses a string too" "$out" \
        "Error: Provided settings are not valid: skip_init_containers must be a boolean"
}

# ---- one fresh sandbox per evaluation, init once ---------------------------------

test_fresh_sandbox() {   # test_fresh_sandbox MODULE INIT_EXPORT
    local err name
    name=$(basename "$1")
    err=$("$KWCTL" -v run -r "$FIXTURES/pod_plain.json" "$1" 2>&1 >/dev/null)
    check "run -v $name: the guest's one tracing/log event, counters at 1" "$err" \
        "DEBUG kwctl: pod-privileged-rs: $(once "$2") {\"guest_calls\":1,\"init_runs\":1}"

    "$KWCTL" -v bench --warm-up-time 0 --measurement-time 10 --num-samples 300 \
        -r "$FIXTURES/pod_privileged.json" "$1" >"$WORK/bench.out" 2>"$WORK/bench.err"
    check "bench $name: exit status" "$?" 0
    local out measured warm logged matching
    out=$(cat "$WORK/bench.out")
    check_has "bench $name: last response" "$out" '"message":"Privileged container is not allowed"'
    check_has "bench $name: reports the sandbox instantiation apart" "$out" "sandbox instantiation"
    measured=$(sed -nE 's/^([0-9]+) evaluations measured after ([0-9]+) warm-up.*/\1/p' <<<"$out")
    warm=$(sed -nE 's/^([0-9]+) evaluations measured after ([0-9]+) warm-up.*/\2/p' <<<"$out")
    logged=$(grep -c "pod-privileged-rs: guest call" "$WORK/bench.err")
    matching=$(grep -cF "$(once "$2")" "$WORK/bench.err")
    check "bench $name: 300 evaluations measured" "$measured" 300
    check "bench $name: one log event per evaluation" "$logged" "$((measured + warm))"
    check "bench $name: every evaluation saw call counter 1 and one $2 (fresh sandbox, init not re-run)" \
        "$matching" "$logged"
    BENCH_INSTANTIATE_US=$(sed -nE 's/^ +sandbox instantiation +min +[0-9.]+ us +median +([0-9.]+) us.*/\1/p' <<<"$out")
}

# A sandbox from the snapshot must cost a small fraction of loading the module
# (compile + instantiate + init + snapshot): the init is not re-run per request.
test_snapshot_cost() {   # test_snapshot_cost MODULE (after test_fresh_sandbox MODULE)
    local out load
    out=$("$B/compat/load-time" -n 3 "$1" 2>&1)
    check "load-time: exit status ($out)" "$?" 0
    load=$(sed -nE 's/^policy load median ([0-9.]+) us/\1/p' <<<"$out")
    if [ -n "$load" ] && [ -n "${BENCH_INSTANTIATE_US:-}" ] &&
       awk -v i="$BENCH_INSTANTIATE_US" -v l="$load" 'BEGIN { exit !(i * 100 < l) }'; then
        pass
    else
        fail "$(basename "$1"): snapshot instantiation (${BENCH_INSTANTIATE_US:-?} us) is under 1/100 of a module load (${load:-?} us)"
    fi
}

# ---- policy-server -------------------------------------------------------------

review_of() {   # review_of FIXTURE -> an AdmissionReview file (bare requests wrapped), made once
    local f="$FIXTURES/$1" out="$WORK/review-$1"
    [ -f "$out" ] && { echo "$out"; return; }
    if grep -q '"kind":"AdmissionReview"' "$f"; then cp "$f" "$out"; else
        { printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":'; cat "$f"; printf '}'; } >"$out"
    fi
    echo "$out"
}

post() {        # post POLICY_ID FIXTURE -> the response body
    curl -s -X POST -H 'Content-Type: application/json' --data-binary "@$(review_of "$2")" \
        "http://127.0.0.1:$API/validate/$1"
}

test_server() {
    cat >"$WORK/policies.yml" <<EOF
rust:
  module: $RUST
rust-skip-init:
  module: file://$RUST
  settings: {skip_init_containers: true}
rust-command:
  module: $RUST_CMD
c:
  module: $C_POLICY
c-skip-init:
  module: $C_POLICY
  settings: {skip_init_containers: true}
EOF
    if ! start_server "$WORK/policies.yml" --log-level debug; then
        fail "policy-server starts with the Rust policy: $(cat "$LOG")"
        return
    fi
    pass
    local f requests=0 command_requests=0
    for f in "$FIXTURES"/*.json; do
        f=$(basename "$f")
        check "server: /validate/rust answers $f as /validate/c" "$(post rust "$f")" "$(post c "$f")"
        check "server: /validate/rust-skip-init answers $f as /validate/c-skip-init" \
            "$(post rust-skip-init "$f")" "$(post c-skip-init "$f")"
        check "server: /validate/rust-command answers $f as /validate/c" "$(post rust-command "$f")" "$(post c "$f")"
        requests=$((requests + 2))
        command_requests=$((command_requests + 1))
    done
    check "server: a rejection" "$(post rust pod_privileged.json)" \
        '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"pp-2","allowed":false,"status":{"message":"Privileged container is not allowed"},"auditAnnotations":null,"warnings":null}}'
    requests=$((requests + 1))
    # 16 at once on 2 workers: concurrent sandboxes of one module do not share state.
    local i pids=()
    review_of pod_privileged_init.json >/dev/null
    for i in $(seq 1 16); do post rust pod_privileged_init.json >"$WORK/parallel-$i" & pids+=($!); done
    wait "${pids[@]}"
    requests=$((requests + 16))
    local same=0
    for i in $(seq 1 16); do grep -q '"message":"Privileged init container is not allowed"' "$WORK/parallel-$i" && same=$((same + 1)); done
    check "server: 16 concurrent requests all answered" "$same" 16
    stop_server
    check "server: one guest log per request on the reactor's policies, each with counters at 1" \
        "$(grep -F "$(once wapc_init)" "$LOG" | grep -cE 'policy_id=rust(-skip-init)? ')" "$requests"
    check "server: one guest log per request on the command's policy, each with counters at 1" \
        "$(grep -F "$(once _start)" "$LOG" | grep -c 'policy_id=rust-command ')" "$command_requests"
    check "server: no guest call counter above 1" "$(grep -c 'pod-privileged-rs: guest call [^1]' "$LOG")" 0

    cat >"$WORK/bad.yml" <<EOF
rust-bad:
  module: $RUST
  settings: {skip_ephemeral_containers: 1}
EOF
    if start_server "$WORK/bad.yml" --log-level debug; then
        fail "server: invalid settings of the Rust policy stop the start"
        stop_server
    else
        pass
        check_has "server: the guest's settings message" "$(cat "$LOG")" \
            "policy 'rust-bad': Policy settings are invalid: skip_ephemeral_containers must be a boolean"
    fi
}

build_module
test_inspect
test_run_like_c
test_settings
test_fresh_sandbox "$RUST" wapc_init
test_snapshot_cost "$RUST"
test_fresh_sandbox "$RUST_CMD" _start
test_snapshot_cost "$RUST_CMD"
test_server
summary
