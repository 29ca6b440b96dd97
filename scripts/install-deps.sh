#!/bin/sh
# Installs the Debian bookworm packages the build, the tests and the benchmarks
# need.  As root it runs apt-get; otherwise it names what is missing and fails.
set -eu

PACKAGES="
  make gcc clang lld pkg-config libclang-rt-14-dev
  libssl-dev libnghttp2-dev libyaml-dev
  wasi-libc libclang-rt-14-dev-wasm32
  wabt
  curl nghttp2-client openssl
  rustc cargo libstd-rust-dev-wasm32 librust-serde-dev librust-serde-derive-dev librust-serde-json-dev
"
# rustc ... serde-json: test-compat builds a Rust waPC policy offline (tests/compat/).
# Only for `make bench` (plots, load generator, callgrind counts): gnuplot-nox wrk valgrind
[ "${WITH_BENCH:-0}" = 1 ] && PACKAGES="$PACKAGES gnuplot-nox wrk valgrind"

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing Debian packages:$missing" >&2
    echo "install-deps: run as root, or: sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
