#!/bin/sh
# Figures for docs/performance.md ("Rust waPC policy"): the Rust pod-privileged
# (tests/compat/rust-waPC; reactor and command builds) against the C one, same
# requests.
#
#   make test-compat                  # builds everything this needs (then the
#                                     # native build below, ~15 s the first time)
#   tests/compat/bench.sh [BUILD_DIR] # markdown tables on stdout
#
# Module load: compat-load-time, median of 9 (compile, and the policy layer's
# whole load: compile + link + instantiate + wapc_init + snapshot).
# Per request: kwctl bench, 1 s warm-up + 5 s, each evaluation in a fresh
# sandbox; medians of the whole evaluation, of the sandbox instantiation from
# the snapshot, and of the guest run.
set -eu
B=${1:-build}
RUST="$B/compat/pod-privileged-rs.wasm"
RUST_CMD="$B/compat/pod-privileged-rs-command.wasm"
C="$B/policies/pod-privileged.wasm"

echo "| module | bytes | compile (median) | load incl. init + snapshot (median) |"
echo "|---|---:|---:|---:|"
for m in "$RUST" "$RUST_CMD" "$C"; do
    "$B/compat/load-time" -n 9 "$m" | awk -v name="$(basename "$m")" '
        /^module/ { bytes = $2 } /^compile/ { c = $3 } /^policy load/ { l = $4 }
        END { printf "| %s | %s | %s µs | %s µs |\n", name, bytes, c, l }'
done

# The same policy compiled natively by rustc (src/native_bench.rs): its validate
# call, with a stand-in waPC host.
WORK="$B/compat/rust-waPC"
(
    cd "$WORK"
    env CARGO_HOME="$(cd ../cargo-home && pwd)" CARGO_TARGET_DIR="$PWD/target" RUSTC=/usr/bin/rustc PATH=/usr/bin:/bin \
        /usr/bin/cargo build --quiet --offline --release --jobs 2 --features native-bench --bin native-bench \
        --config 'source.crates-io.replace-with="debian-packages"' \
        --config 'source.debian-packages.directory="/usr/share/cargo/registry"'
)

echo
echo "| module | request | evaluation | sandbox from snapshot | guest run |"
echo "|---|---|---:|---:|---:|"
for req in policies/pod-privileged/test_data/pod_plain.json bench/json/review_small.json; do
    for m in "$RUST" "$RUST_CMD" "$C"; do
        "$B/kwctl" bench --warm-up-time 1 --measurement-time 5 -r "$req" "$m" 2>/dev/null | awk \
            -v name="$(basename "$m")" -v req="$(basename "$req") ($(wc -c < "$req" | tr -d ' ') B)" '
            / median / { for (i = 1; i < NF; i++) if ($i == "median") v[++n] = $(i + 1) }
            END { printf "| %s | %s | %s µs | %s µs | %s µs |\n", name, req, v[1], v[2], v[3] }'
    done
    "$WORK/target/release/native-bench" "$req" | awk -v req="$(basename "$req")" '
        /^validate median/ { printf "| Rust policy, native (rustc -O) | %s | — | — | %s µs |\n", req, $3 }'
done
