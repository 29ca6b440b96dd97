#!/bin/sh
# Fresh-sandbox evaluation time of each C policy (kwctl bench: median of the
# guest run, which excludes the host's request handling), on one request of
# the policy's own test data and, for the Pod policies, on a 4 KB review.
#
#   bench/policies/run.sh [BUILD_DIR]        (after `make policies`)
set -eu
B=${1:-build}
K="$B/kwctl"
row() {   # policy request settings-json
    out=$("$K" bench --warm-up-time 0.5 --measurement-time 2 -r "$2" --settings-json "$3" "$B/policies/$1.wasm" 2>&1 |
          grep 'guest run' | sed -E 's/.*median +([0-9.]+) us.*/\1/')
    printf '| %s | %s (%s B) | %s µs |\n' "$1" "$(basename "$2")" "$(wc -c < "$2" | tr -d ' ')" "$out"
}
P=policies
echo "| policy | request | guest run, median |"
echo "|---|---|---:|"
row pod-privileged $P/pod-privileged/test_data/pod_plain.json '{}'
row pod-privileged bench/json/review_small.json '{}'
row allow-privilege-escalation-psp $P/allow-privilege-escalation-psp/test_data/pod_mixed.json '{"default_allow_privilege_escalation":false}'
row capabilities-psp $P/capabilities-psp/test_data/pod_add_kill.json \
    '{"allowed_capabilities":["KILL"],"required_drop_capabilities":["NET_ADMIN"],"default_add_capabilities":["CHOWN"]}'
row user-group-psp $P/user-group-psp/test_data/pod_no_context.json \
    '{"run_as_user":{"rule":"MustRunAs","ranges":[{"min":1000,"max":1999}]},"run_as_group":{"rule":"RunAsAny"}}'
row hostpaths-psp $P/hostpaths-psp/test_data/pod_hostpaths.json '{"allowedHostPaths":[{"pathPrefix":"/var","readOnly":false},{"pathPrefix":"/data","readOnly":true}]}'
row host-namespaces-psp $P/host-namespaces-psp/test_data/daemonset_ports.json '{"allow_host_ports":[{"min":8080,"max":8080}]}'
row apparmor-psp $P/apparmor-psp/test_data/pod_annotated.json '{"allowed_profiles":["runtime/default","localhost/custom"]}'
row safe-labels $P/safe-labels/test_data/configmap.json '{"denied_labels":["foo"],"constrained_labels":{"cost-center":"^cc-\\d+$"}}'
row disallow-service-loadbalancer $P/disallow-service-loadbalancer/test_data/service_lb.json '{}'
row echo $P/echo/test_data/create_marked.json '{}'
row trusted-repos $P/trusted-repos/test_data/pod_all_lists.json \
    '{"registries":{"allow":["ghcr.io","quay.io","docker.io"]},"tags":{"reject":["latest"]},"images":{"reject":["quay.io/coreos/etcd:v3.4.12"]}}'
row labels $P/labels/test_data/deployment.json \
    '{"criteria":"doesNotContainOtherThan","values":["app.kubernetes.io/name","cost-center","owner"]}'
