#!/bin/sh
# test-demo.sh BUILD_DIR - the README's main job must keep working: run it and
# check each answer it shows.
set -u
out=$("$(dirname "$0")/demo.sh" "$1" 2>&1)
pass=0 fail=0
expect() {   # expect DESCRIPTION TEXT
    if printf '%s' "$out" | grep -qF -- "$2"; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "FAIL: $1: no '$2' in the demo's output"; fi
}
expect "server starts"          "policy-server ready on 127.0.0.1:"
expect "plain pod accepted"     '"uid":"pp-1","allowed":true'
expect "privileged rejected"    '"uid":"pp-2","allowed":false,"status":{"message":"Privileged container is not allowed"}'
expect "monitor mode accepts"   '"uid":"pp-2","allowed":true,"auditAnnotations":null'
expect "mutation patch"         'patch, decoded: [{"op":"add","path":"/spec/containers/0/securityContext/capabilities/drop","value":["NET_ADMIN"]}'
expect "group causes"           '"field":"spec.policies.privileged"'
expect "readiness"              "$(printf 'GET /readiness\n200')"
expect "metrics"                'kubewarden_policy_evaluations_total{policy_name="privileged-pods"'
[ $fail -gt 0 ] && printf '%s\n' "$out" | tail -n 30
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
