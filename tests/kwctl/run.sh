#!/bin/sh
# tests/kwctl/run.sh [BUILD_DIR] - the real kwctl binary on our policies (built
# by mk/policies.mk) and on bad input: exit status, stdout and stderr asserted.
# Prints "N passed, N failed" last; exits non-zero on any failure.
B=${1:-build}
K=$B/kwctl
P=$B/policies
F=tests/kwctl/fixtures
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0 name=""

# run CMD...: stdout in $out, stderr in $err, exit status in $rc.
run() { "$@" >"$T/out" 2>"$T/err"; rc=$?; out=$(cat "$T/out"); err=$(cat "$T/err"); }
ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    printf 'FAIL %s: %s\n  stdout: %.400s\n  stderr: %.400s\n' "$name" "$1" "$out" "$err"
}
expect_rc() { if [ "$rc" = "$1" ]; then ok; else bad "exit status $rc, want $1"; fi; }
expect_out() { if [ "$out" = "$1" ]; then ok; else bad "stdout is not: $1"; fi; }
expect_out_has() { case $out in *"$1"*) ok ;; *) bad "stdout lacks: $1" ;; esac; }
expect_err_has() { case $err in *"$1"*) ok ;; *) bad "stderr lacks: $1" ;; esac; }
expect_err_empty() { if [ -z "$err" ]; then ok; else bad "stderr is not empty"; fi; }

for w in no_guest_call javy_wasi rego_like; do
    wat2wasm "$F/$w.wat" -o "$T/$w.wasm" || { echo "wat2wasm failed on $w.wat"; exit 1; }
done

# ---- run ----------------------------------------------------------------------

name="run: AdmissionReview, rejected"
run "$K" run -r "$F/review_privileged.json" "$P/pod-privileged.wasm"
expect_rc 0
expect_out '{"uid":"kw-review-1","allowed":false,"status":{"message":"Privileged container is not allowed"},"auditAnnotations":null,"warnings":null}'
expect_err_empty

name="run: bare AdmissionRequest, accepted"
run "$K" run --request-path "$F/request_plain.json" "$P/pod-privileged.wasm"
expect_rc 0
expect_out '{"uid":"kw-request-2","allowed":true,"auditAnnotations":null,"warnings":null}'

name="run: request on stdin"
run sh -c "\"$K\" run -r - \"$P/pod-privileged.wasm\" < \"$F/review_privileged.json\""
expect_rc 0
expect_out_has '"uid":"kw-review-1","allowed":false'

name="run: file:// policy URI"
run "$K" run -r "$F/request_plain.json" "file://$(pwd)/$P/pod-privileged.wasm"
expect_rc 0
expect_out_has '"allowed":true'

name="run: settings from a YAML file"
run "$K" run -r "$F/request_privileged_init.json" "$P/pod-privileged.wasm"
expect_out_has '"allowed":false,"status":{"message":"Privileged init container is not allowed"}'
run "$K" run -s "$F/settings_skip_init.yml" -r "$F/request_privileged_init.json" "$P/pod-privileged.wasm"
expect_rc 0
expect_out '{"uid":"kw-request-3","allowed":true,"auditAnnotations":null,"warnings":null}'

name="run: invalid settings"
run "$K" run --settings-json '{"skip_init_containers":"yes"}' -r "$F/request_plain.json" "$P/pod-privileged.wasm"
expect_rc 1
expect_out ''
expect_err_has 'Error: Provided settings are not valid: skip_init_containers must be a boolean'

name="run: malformed settings JSON"
run "$K" run --settings-json '{"a":}' -r "$F/request_plain.json" "$P/pod-privileged.wasm"
expect_rc 1
expect_err_has "malformed --settings-json: expected a value, found '}' at offset 5"

name="run: raw policy with a mutation"
run "$K" run --raw --settings-json '{"forbiddenResources":["kiwi"],"defaultResource":"hay"}' \
    -r "$F/raw_fruit.json" "$P/raw-mutation.wasm"
expect_rc 0
expect_out_has '"uid":"","allowed":true,"patchType":"JSONPatch","patch":"'
patch=$(printf '%s' "$out" | sed -n 's/.*"patch":"\([^"]*\)".*/\1/p' | base64 -d 2>/dev/null)
out=$patch
expect_out '[{"op":"replace","path":"/resource","value":"hay"}]'

name="run: malformed request JSON"
run "$K" run -r "$F/malformed.json" "$P/pod-privileged.wasm"
expect_rc 1
expect_err_has "Error: malformed request file '$F/malformed.json': expected a value, found ',' at offset 35"

name="run: AdmissionReview without a request"
run "$K" run -r "$F/review_without_request.json" "$P/pod-privileged.wasm"
expect_rc 1
expect_err_has "has no 'request' object"

name="run: request that is not an object"
run sh -c "echo '[1, 2]' | \"$K\" run -r - \"$P/pod-privileged.wasm\""
expect_rc 1
expect_err_has "the request from stdin must hold a JSON object (an AdmissionReview or an AdmissionRequest), or use --raw"

name="run: request path is a directory"
run "$K" run -r "$T" "$P/pod-privileged.wasm"
expect_rc 1
expect_err_has "cannot read '$T': Is a directory"

name="run: truncated module"
head -c 6 "$P/pod-privileged.wasm" > "$T/six.wasm"
run "$K" run -r "$F/request_plain.json" "$T/six.wasm"
expect_rc 1
expect_err_has "is truncated (6 bytes: no WebAssembly version)"
head -c 100 "$P/pod-privileged.wasm" > "$T/cut.wasm"
run "$K" run -r "$F/request_plain.json" "$T/cut.wasm"
expect_rc 1
expect_err_has "truncated section (id"

name="run: missing request file"
run "$K" run -r "$T/nope.json" "$P/pod-privileged.wasm"
expect_rc 1
expect_err_has "cannot read '$T/nope.json': No such file or directory"

name="run: missing module"
run "$K" run -r "$F/request_plain.json" "$T/nope.wasm"
expect_rc 1
expect_err_has "cannot read '$T/nope.wasm'"

name="run: not a Wasm module"
run "$K" run -r "$F/request_plain.json" "$F/request_plain.json"
expect_rc 1
expect_err_has "is not a WebAssembly module (bad magic number)"

name="run: remote URI"
run "$K" run -r "$F/request_plain.json" registry://ghcr.io/kubewarden/policies/pod-privileged:v0.2.0
expect_rc 1
expect_err_has "remote policies are not supported"

name="run: unknown execution mode"
run "$K" run -e cobol -r "$F/request_plain.json" "$P/pod-privileged.wasm"
expect_rc 1
expect_err_has "unknown execution mode 'cobol' (expected opa, gatekeeper, kubewarden or wasi)"

name="run: mode differs from the metadata"
run "$K" run -e wasi -r "$F/request_plain.json" "$P/pod-privileged.wasm"
expect_rc 1
expect_err_has "Metadata reports kubewarden-wapc instead of wasi"

name="run: opa mode on a module that is not Rego"
run "$K" run -e opa -r "$F/request_plain.json" "$P/pod-privileged.raw.wasm"
expect_rc 1
expect_err_has "execution mode opa needs a Rego policy"

name="run: Rego module without a mode"
run "$K" run -r "$F/request_plain.json" "$T/rego_like.wasm"
expect_rc 1
expect_err_has "the module is a Rego policy"

name="run: waPC module without __guest_call"
run "$K" run -r "$F/request_plain.json" "$T/no_guest_call.wasm"
expect_rc 1
expect_err_has "__guest_call"

name="run: unannotated waPC module is accepted"
run "$K" run -r "$F/request_plain.json" "$P/pod-privileged.raw.wasm"
expect_rc 0
expect_out_has '"allowed":true'

name="run: missing --request-path"
run "$K" run "$P/pod-privileged.wasm"
expect_rc 1
expect_err_has "missing --request-path"

name="run: both settings options"
run "$K" run -s x --settings-json '{}' -r "$F/request_plain.json" "$P/pod-privileged.wasm"
expect_rc 1
expect_err_has "cannot be used together"

name="run: unknown flag"
run "$K" run --frobnicate -r "$F/request_plain.json" "$P/pod-privileged.wasm"
expect_rc 2
expect_err_has "Usage: kwctl run"

# ---- run on a file of CRs --------------------------------------------------------

cat > "$T/crs.yaml" <<EOF_CRS
apiVersion: policies.kubewarden.io/v1
kind: ClusterAdmissionPolicy
metadata: {name: no-privileged}
spec:
  module: $P/pod-privileged.wasm
  mode: protect
---
apiVersion: policies.kubewarden.io/v1
kind: AdmissionPolicy
metadata: {name: watch-privileged, namespace: team-a}
spec:
  module: file://$(pwd)/$P/pod-privileged.wasm
  mode: monitor
---
kind: ClusterAdmissionPolicy
metadata: {name: custom-message}
spec:
  module: $P/pod-privileged.wasm
  message: "Ask the platform team first"
EOF_CRS
name="run: a file of CRs (protect, monitor, custom message)"
run sh -c "\"$K\" run --settings-json '{\"ignored\":1}' -r - \"$T/crs.yaml\" < \"$F/review_privileged.json\""
expect_rc 0
expect_out '{"uid":"kw-review-1","allowed":false,"status":{"message":"Privileged container is not allowed"},"auditAnnotations":null,"warnings":null}
{"uid":"kw-review-1","allowed":true,"auditAnnotations":null,"warnings":null}
{"uid":"kw-review-1","allowed":false,"status":{"message":"Ask the platform team first","details":{"causes":[{"reason":null,"message":"Privileged container is not allowed","field":null}]}},"auditAnnotations":null,"warnings":null}'

name="run: a file of CRs, mutation gate"
cat > "$T/mutating.yaml" <<EOF_CRS
kind: ClusterAdmissionPolicy
metadata: {name: hay-only}
spec:
  module: $P/raw-mutation.wasm
  settings: {forbiddenResources: [kiwi], defaultResource: hay}
---
kind: ClusterAdmissionPolicy
metadata: {name: hay-allowed}
spec:
  module: $P/raw-mutation.wasm
  settings: {forbiddenResources: [kiwi], defaultResource: hay}
  mutating: true
EOF_CRS
run "$K" run -r "$F/raw_fruit.json" "$T/mutating.yaml"
expect_rc 0
expect_out_has '{"uid":"","allowed":false,"status":{"message":"Request rejected by policy hay-only. The policy attempted to mutate the request, but it is currently configured to not allow mutations."},"auditAnnotations":null,"warnings":null}
{"uid":"","allowed":true,"patchType":"JSONPatch","patch":"'

name="run: CR file errors"
printf 'kind: ClusterAdmissionPolicyGroup\nmetadata: {name: g}\nspec: {}\n' > "$T/group.yaml"
run "$K" run -r "$F/request_plain.json" "$T/group.yaml"
expect_rc 1
expect_err_has "ClusterAdmissionPolicyGroup 'g': policy groups are not supported by kwctl run"
printf 'kind: ClusterAdmissionPolicy\nmetadata: {name: p}\nspec: {module: registry://ghcr.io/x/y:v1}\n' > "$T/remote.yaml"
run "$K" run -r "$F/request_plain.json" "$T/remote.yaml"
expect_rc 1
expect_err_has "remote policies are not supported"
printf 'kind: ConfigMap\n' > "$T/other.yaml"
run "$K" run -r "$F/request_plain.json" "$T/other.yaml"
expect_rc 1
expect_err_has "unsupported kind 'ConfigMap'"
printf 'kind: [\n' > "$T/broken.yaml"
run "$K" run -r "$F/request_plain.json" "$T/broken.yaml"
expect_rc 1
expect_err_has "malformed CR file '$T/broken.yaml': YAML: "

# ---- annotate and inspect ------------------------------------------------------

name="annotate: waPC policy, protocol detected"
run "$K" annotate "$P/pod-privileged.raw.wasm" -m "$F/metadata.yml" -u "$F/README.md" -o "$T/annotated.wasm"
expect_rc 0
expect_err_empty
run wasm-validate "$T/annotated.wasm"
expect_rc 0
run "$K" inspect -o yaml "$T/annotated.wasm"
expect_rc 0
expect_out_has 'protocolVersion: v1'
expect_out_has "  io.kubewarden.policy.usage: |"
expect_out_has "  io.kubewarden.policy.version: 0.0.1"
expect_out_has "- apiVersion: v1
  kind: Namespace"
run "$K" inspect "$T/annotated.wasm"
expect_out_has "Context aware resources
v1/Namespace"
run "$K" run -r "$F/review_privileged.json" "$T/annotated.wasm"
expect_out_has '"allowed":false'

name="annotate: again replaces the section"
run "$K" annotate "$T/annotated.wasm" -m "$F/metadata.yml" -o "$T/again.wasm"
expect_rc 0
out=$(wasm-objdump -h "$T/again.wasm" | grep -c '"io.kubewarden.metadata"')
expect_out 1

name="annotate: invalid rules"
run "$K" annotate "$P/pod-privileged.raw.wasm" -m "$F/metadata_bad_rules.yml" -o "$T/bad.wasm"
expect_rc 1
expect_err_has "rules[0].apiGroups: no other elements can be defined when '*' is used"
[ ! -e "$T/bad.wasm" ] && ok || bad "an output was written"

name="annotate: malformed YAML"
run "$K" annotate "$P/pod-privileged.raw.wasm" -m "$F/metadata_broken.yml" -o "$T/bad.wasm"
expect_rc 1
expect_err_has "malformed metadata file '$F/metadata_broken.yml': YAML: did not find expected ',' or ']'"

name="annotate: WASI module, Javy import renamed"
run "$K" annotate "$T/javy_wasi.wasm" -m "$F/metadata_wasi.yml" -o "$T/javy.wasm"
expect_rc 0
run wasm-objdump -x -j Import "$T/javy.wasm"
expect_out_has '<- host.call'
run "$K" inspect "$T/javy.wasm"
expect_out_has 'protocol version:    Unknown'
expect_out_has 'execution mode:      wasi'

name="annotate: Rego module declared as waPC"
run "$K" annotate "$T/rego_like.wasm" -m "$F/metadata.yml" -o "$T/bad.wasm"
expect_rc 1
expect_err_has "the module is a Rego policy"

name="annotate: missing options"
run "$K" annotate "$P/pod-privileged.raw.wasm" -o "$T/bad.wasm"
expect_rc 1
expect_err_has "missing --metadata-path"

name="inspect: pretty"
run "$K" inspect "$P/pod-privileged.wasm"
expect_rc 0
expect_out_has "execution mode:      kubewarden-wapc"
expect_out_has "Rules"

name="inspect: module without metadata"
run "$K" inspect "$P/pod-privileged.raw.wasm"
expect_rc 1
expect_err_has "No Kubewarden metadata found inside of '$P/pod-privileged.raw.wasm'"

name="inspect: unknown format"
run "$K" inspect -o json "$P/pod-privileged.wasm"
expect_rc 1
expect_err_has "unknown output format 'json'"

# ---- bench and the command line ---------------------------------------------

name="bench: short run"
run "$K" bench --warm-up-time 0 --measurement-time 0.2 --num-samples 50 -r "$F/review_privileged.json" \
    "$P/pod-privileged.wasm"
expect_rc 0
expect_out_has "50 evaluations measured"
expect_out_has "sandbox instantiation"
expect_out_has "guest run"
if [ "$(uname -m)" = x86_64 ] && [ "${KW_WASM_TIER:-}" != interp ]; then
    expect_out_has "(engine: compiled to machine code)"
else
    expect_out_has "(engine: interpreter)"
fi

name="bench: on the interpreter"
run env KW_WASM_TIER=interp "$K" bench --warm-up-time 0 --measurement-time 0.2 --num-samples 20 \
    -r "$F/review_privileged.json" "$P/pod-privileged.wasm"
expect_rc 0
expect_out_has "20 evaluations measured"
expect_out_has "(engine: interpreter)"

name="bench: samples to disk"
run "$K" bench --warm-up-time 0 --measurement-time 5 --num-samples 20 --dump-results-to-disk "$T/samples.csv" \
    -r "$F/request_plain.json" "$P/pod-privileged.wasm"
expect_rc 0
out=$(head -n 1 "$T/samples.csv")
expect_out "total_ns,instantiate_ns,run_ns"
out=$(wc -l < "$T/samples.csv")
expect_out 21

name="bench: bad number"
run "$K" bench --measurement-time soon -r "$F/review_privileged.json" "$P/pod-privileged.wasm"
expect_rc 1
expect_err_has "--measurement-time: 'soon' is not a number of seconds"

name="kwctl: unknown command"
run "$K" pull registry://x
expect_rc 2
expect_err_has "unknown command 'pull'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
