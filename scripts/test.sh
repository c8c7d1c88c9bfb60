#!/usr/bin/env bash
# Runs every test of terraform-provider-ff on a fresh Debian/Ubuntu machine with a Rust
# toolchain: installs the tools (protoc, Terraform 1.0.3, the AWS provider mirror, moto…)
# into a cache outside the repository, checks formatting and lints, builds the provider and
# the sandbox, then runs the unit, property and end-to-end tests (the end-to-end tests
# drive real terraform binaries against ff-sandbox).
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

step "building the provider and the sandbox"
cargo build --workspace --bins --locked

step "tests (unit, property and end-to-end)"
# End-to-end tests start terraform and a sandbox each; two at a time suit a 2-core machine.
cargo test --workspace --locked "$@" -- --test-threads=2

step "all tests passed"
