#!/bin/sh
# Builds tests/compat/rust-waPC (a waPC policy in Rust) with Debian's rustc and
# cargo, offline, from Debian's packaged crates, then annotates it:
#
#   BUILD_DIR/compat/pod-privileged-rs.raw.wasm   the reactor (cdylib, wapc_init), as rustc made it
#   BUILD_DIR/compat/pod-privileged-rs.wasm       the same + kwctl annotate metadata
#   BUILD_DIR/compat/pod-privileged-rs-command.wasm   the command build (_start), annotated
#
# Usage: tests/compat/build-rust.sh [BUILD_DIR]     (needs BUILD_DIR/kwctl)
# Exit status 3 (and a "skipped: ..." line) when the Debian packages are missing.
set -eu
B=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC="$HERE/rust-waPC"

# Debian's toolchain, never a rustup one earlier in PATH (it has no wasm32 std).
RUSTC=/usr/bin/rustc
CARGO=/usr/bin/cargo
REGISTRY=/usr/share/cargo/registry
TARGET=wasm32-wasi
if [ ! -x "$RUSTC" ] || [ ! -x "$CARGO" ] || [ ! -d "/usr/lib/rustlib/$TARGET/lib" ] ||
   ! ls -d "$REGISTRY"/serde_json-* "$REGISTRY"/serde_derive-* >/dev/null 2>&1; then
    echo "skipped: Debian rustc/libstd-rust-dev-wasm32 not installed" \
         "(apt-get install rustc cargo libstd-rust-dev-wasm32 librust-serde-json-dev librust-serde-derive-dev)"
    exit 3
fi

# Cargo writes Cargo.lock and target/ beside the manifest: build a copy in
# BUILD_DIR so the source tree stays clean (cp -p keeps the mtimes cargo's
# change detection reads, so a second run rebuilds nothing).
WORK="$B/compat/rust-waPC"
mkdir -p "$WORK/src" "$B/compat/cargo-home"
cp -p "$SRC/Cargo.toml" "$SRC/build.rs" "$WORK/"
cp -p "$SRC"/src/*.rs "$WORK/src/"
CARGO_HOME=$(cd "$B/compat/cargo-home" && pwd)
(
    cd "$WORK"
    env CARGO_HOME="$CARGO_HOME" CARGO_TARGET_DIR="$PWD/target" RUSTC="$RUSTC" PATH="/usr/bin:/bin" \
        "$CARGO" build --quiet --offline --release --jobs 2 --target "$TARGET" \
        --config 'source.crates-io.replace-with="debian-packages"' \
        --config "source.debian-packages.directory=\"$REGISTRY\""
)
OUT="$WORK/target/$TARGET/release"
cp "$OUT/pod_privileged_rs.wasm" "$B/compat/pod-privileged-rs.raw.wasm"
cp "$OUT/pod-privileged-rs-command.wasm" "$B/compat/pod-privileged-rs-command.raw.wasm"
for m in pod-privileged-rs pod-privileged-rs-command; do
    "$B/kwctl" annotate "$B/compat/$m.raw.wasm" -m "$SRC/metadata.yml" -u "$SRC/README.md" -o "$B/compat/$m.wasm"
done
