# Shared by the scripts that start the real policy-server and count checks
# (tests/e2e/*/run.sh, tests/compat/run.sh).  Source it after setting:
#   SERVER  the policy-server binary
#   WORK    a scratch directory (server logs go there)
# It keeps PASSED, FAILED, PID, API, PROBE, LOG and STATUS.
PASSED=0 FAILED=0
PID="" API="" PROBE="" LOG="" STATUS=""

pass() { PASSED=$((PASSED + 1)); }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*" >&2; }

# check NAME GOT WANT: exact equality
check() {
    if [ "$2" == "$3" ]; then pass; else fail "$1"$'\n'"   got:  $2"$'\n'"   want: $3"; fi
}
# check_has NAME TEXT NEEDLE: substring
check_has() {
    case "$2" in *"$3"*) pass ;; *) fail "$1"$'\n'"   in:   ${2:0:600}"$'\n'"   lacks: $3" ;; esac
}
check_lacks() {
    case "$2" in *"$3"*) fail "$1"$'\n'"   in:   ${2:0:600}"$'\n'"   has:  $3" ;; *) pass ;; esac
}

# [WORKERS=N] start_server POLICIES_FILE [FLAGS...]: waits for the "ready" log
# line and reads the ports from it (API, PROBE); returns 1 if the server exits
# first (STATUS is its exit status, its log stays in $LOG).
start_server() {
    local policies=$1; shift
    LOG="$WORK/server-$RANDOM.log"
    "$SERVER" --addr 127.0.0.1 --port 0 --readiness-probe-port 0 --workers "${WORKERS:-2}" \
        --policies "$policies" "$@" >"$LOG" 2>&1 &
    PID=$!
    for _ in $(seq 1 300); do
        # the "ready" line, text (port=N) or JSON ("port":N)
        if grep -qE ' ready |"message":"ready"' "$LOG" 2>/dev/null; then
            local ready
            ready=$(grep -E ' ready |"message":"ready"' "$LOG" | head -n 1)
            API=$(printf '%s' "$ready" | sed -nE 's/.*[ "]port"?[=:]([0-9]+).*/\1/p')
            PROBE=$(printf '%s' "$ready" | sed -nE 's/.*readiness_probe_port"?[=:]([0-9]+).*/\1/p')
            STATUS=running
            return 0
        fi
        if ! kill -0 "$PID" 2>/dev/null; then
            wait "$PID" 2>/dev/null; STATUS=$?; PID=""
            return 1
        fi
        sleep 0.05
    done
    echo "server did not become ready; log:" >&2; cat "$LOG" >&2
    return 1
}

# start_failed NAME: a start_server that should have worked did not.
start_failed() { fail "$1"; cat "$LOG" >&2; }

stop_server() {
    [ -n "$PID" ] || return 0
    kill -TERM "$PID" 2>/dev/null
    wait "$PID" 2>/dev/null; STATUS=$?
    PID=""
}
