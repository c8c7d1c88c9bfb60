#!/usr/bin/env bash
# Runs every test of terraform-provider-ff on a fresh Debian/Ubuntu machine with a Rust
# toolchain: installs the tools (Terraform 1.0.3 and 1.15.5, the AWS provider
# mirror, moto…) into a cache outside the repository, checks formatting and lints, builds
# the provider and the sandbox, then runs the unit, property and end-to-end tests (the
# end-to-end tests drive real terraform binaries against ff-sandbox).
#
#   scripts/test.sh                 everything
#   scripts/test.sh -p ff-e2e       extra arguments go to `cargo test`
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "installing tools"
scripts/install-tools.sh
# shellcheck disable=SC1091
source "${FF_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-ff}/env.sh"

command -v cargo >/dev/null || { echo "cargo is missing: install Rust with rustup first" >&2; exit 1; }

step "formatting (cargo fmt --check)"
cargo fmt --all -- --check

step "lints (cargo clippy -D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "building the provider, the sandbox and xtask"
cargo build --workspace --bins --locked

# The release tests run the real `cargo xtask release`, which needs the optimised (fat-LTO,
# minutes long) release build. Start it now, as `cargo xtask build` (the same command line
# and flags as the release), so it overlaps the other tests; the release tests wait for it
# through cargo's own lock and then find it up to date.
RELEASE_LOG="$(mktemp "${TMPDIR:-/tmp}/ff-release-build.XXXXXX")"
cargo xtask build >"$RELEASE_LOG" 2>&1 &
RELEASE_PID=$!
trap 'kill "$RELEASE_PID" 2>/dev/null || true; rm -f "$RELEASE_LOG"' EXIT
echo "release build started in the background (pid $RELEASE_PID, log $RELEASE_LOG)"

step "tests (unit, property and end-to-end)"
# End-to-end tests start terraform and a sandbox each; two at a time suit a 2-core machine.
cargo test --workspace --locked "$@" -- --test-threads=2

if ! wait "$RELEASE_PID"; then
  echo "the background release build failed:" >&2
  cat "$RELEASE_LOG" >&2
  exit 1
fi

step "docs are current (cargo xtask docs --check)"
cargo xtask docs --check

step "all tests passed"
