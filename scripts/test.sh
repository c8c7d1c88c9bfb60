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
if [ "$#" -gt 0 ]; then
  # Arguments select what to run: one cargo test, two tests at a time.
  cargo test --workspace --locked "$@" -- --test-threads=2
else
  # An end-to-end test mostly waits on terraform, the sandbox and OpenBao: one at a time
  # leaves a 2-core machine half idle. The end-to-end test binaries run in two shards side
  # by side (each binary two tests at a time), balanced by the durations measured on 2
  # cores (E2E_SECONDS; 20 s for any other); the unit and property tests of the other
  # crates run first. Each shard's output is printed when it ends.
  cargo test --workspace --locked --no-run
  cargo test --workspace --exclude ff-e2e --locked -- --test-threads=2
  declare -A E2E_SECONDS=(
    [fault_matrix]=461 [auth0_setup_lifecycle]=357 [example_aws]=335
    [hcp_dynamic_credentials]=262 [example_import]=166 [auth0_setup_ten_setups]=151
    [auth0_setup_partial_failure]=147
  )
  mapfile -t E2E_TESTS < <(awk '/^\[\[test\]\]/ { t = 1; next } t && /^name/ { gsub(/"/, "", $3); print $3; t = 0 }' tests/Cargo.toml)
  # Longest first, each to the shard with less work so far.
  mapfile -t E2E_TESTS < <(for t in "${E2E_TESTS[@]}"; do echo "${E2E_SECONDS[$t]:-20} $t"; done | sort -rn | awk '{ print $2 }')
  SHARD_ARGS=("" "")
  SHARD_LOAD=(0 0)
  for t in "${E2E_TESTS[@]}"; do
    i=0
    [ "${SHARD_LOAD[1]}" -lt "${SHARD_LOAD[0]}" ] && i=1
    SHARD_ARGS[$i]+=" --test $t"
    SHARD_LOAD[$i]=$(( SHARD_LOAD[i] + ${E2E_SECONDS[$t]:-20} ))
  done
  SHARD_PIDS=()
  SHARD_LOGS=()
  for i in 0 1; do
    SHARD_LOGS[$i]="$(mktemp "${TMPDIR:-/tmp}/ff-e2e-shard$i.XXXXXX")"
    echo "end-to-end shard $i (about ${SHARD_LOAD[$i]} s of tests):${SHARD_ARGS[$i]}"
    # shellcheck disable=SC2086
    cargo test -p ff-e2e --locked --no-fail-fast ${SHARD_ARGS[$i]} -- --test-threads=2 >"${SHARD_LOGS[$i]}" 2>&1 &
    SHARD_PIDS[$i]=$!
  done
  E2E_FAILED=0
  for i in 0 1; do
    if wait "${SHARD_PIDS[$i]}"; then result=passed; else result=FAILED; E2E_FAILED=1; fi
    printf '\n==> end-to-end shard %s %s\n' "$i" "$result"
    cat "${SHARD_LOGS[$i]}"
    rm -f "${SHARD_LOGS[$i]}"
  done
  [ "$E2E_FAILED" = 0 ] || { echo "end-to-end tests failed (see the shards above)" >&2; exit 1; }
fi

if ! wait "$RELEASE_PID"; then
  echo "the background release build failed:" >&2
  cat "$RELEASE_LOG" >&2
  exit 1
fi

step "docs are current (cargo xtask docs --check)"
cargo xtask docs --check

step "the compositions' shared files are current (cargo xtask compositions --check)"
cargo xtask compositions --check

step "all tests passed"
