#!/usr/bin/env bash
# Verifies what scripts/install-tools.sh installed, end to end:
#   - protoc, gpg, kubectl, openssl run;
#   - Terraform 1.0.3 reports its version;
#   - `terraform init` (1.0.3) installs hashicorp/aws 3.39.0 from the filesystem mirror alone,
#     and `terraform validate` starts that provider (so its binary really runs here);
#   - the Go provider answers a go-plugin handshake with the recorded protocol version;
#   - moto_server --help works, and a moto server on loopback answers POST /moto-api/reset.
# Exits non-zero naming each check that failed. Leaves nothing behind.
set -euo pipefail

FF_TOOLS_DIR="${FF_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-ff}"
ENV_SH="$FF_TOOLS_DIR/env.sh"
[ -f "$ENV_SH" ] || { echo "[check-tools] $ENV_SH is missing: run scripts/install-tools.sh" >&2; exit 1; }
# shellcheck source=/dev/null
. "$ENV_SH"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ff-check-tools.XXXXXX")"
MOTO_PID=""
cleanup() {
  if [ -n "$MOTO_PID" ]; then kill "$MOTO_PID" 2>/dev/null || true; wait "$MOTO_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

FAILED=()
ok() { printf '  ok    %s\n' "$*"; }
fail() { printf '  FAIL  %s\n' "$*"; FAILED+=("$1"); }

echo "checking tools in $FF_TOOLS_DIR"

for c in protoc gpg kubectl openssl; do
  case "$c" in
    protoc) out="$(protoc --version 2>&1)" ;;
    gpg) out="$(gpg --version 2>&1 | head -n1)" ;;
    kubectl) out="$(kubectl version --client 2>&1 | head -n1)" ;;
    openssl) out="$(openssl version 2>&1)" ;;
  esac && ok "$c: $out" || fail "$c" "${out:-not found}"
done

export CHECKPOINT_DISABLE=1
tfv="$("$FF_TERRAFORM_1_0_3" version 2>&1 | head -n1)" || true
if [ "$tfv" = "Terraform v1.0.3" ]; then ok "terraform: $tfv"; else fail terraform "$tfv"; fi

# terraform init from the filesystem mirror only, with our own CLI config.
mkdir -p "$WORK/tf"
cat >"$WORK/cli.tfrc" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$FF_PROVIDER_MIRROR"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
}
EOF
cat >"$WORK/tf/main.tf" <<'EOF'
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "3.39.0"
    }
  }
}

provider "aws" {
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}
EOF
if (cd "$WORK/tf" && TF_CLI_CONFIG_FILE="$WORK/cli.tfrc" TF_IN_AUTOMATION=1 \
  "$FF_TERRAFORM_1_0_3" init -input=false -no-color >"$WORK/init.log" 2>&1) &&
  grep -q 'version *= "3.39.0"' "$WORK/tf/.terraform.lock.hcl"; then
  ok "terraform init: hashicorp/aws 3.39.0 from the mirror ($FF_PROVIDER_MIRROR)"
  if (cd "$WORK/tf" && TF_CLI_CONFIG_FILE="$WORK/cli.tfrc" \
    "$FF_TERRAFORM_1_0_3" validate -no-color >"$WORK/validate.log" 2>&1); then
    ok "terraform validate: the aws provider starts"
  else
    fail "terraform-validate" "$(tail -n 5 "$WORK/validate.log")"
  fi
else
  fail "terraform-init" "$(tail -n 15 "$WORK/init.log")"
fi

# Go provider handshake.
hs="$(python3 - "$FF_GO_PROVIDER" <<'PY' 2>&1
import os, select, subprocess, sys, tempfile
with tempfile.TemporaryDirectory() as tmp:
    env = dict(os.environ, PLUGIN_PROTOCOL_VERSIONS="5,6", PLUGIN_MIN_PORT="10000",
               PLUGIN_MAX_PORT="25000", TMPDIR=tmp, PLUGIN_UNIX_SOCKET_DIR=tmp,
               TF_PLUGIN_MAGIC_COOKIE="d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2")
    p = subprocess.Popen([sys.argv[1]], env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        ready, _, _ = select.select([p.stdout], [], [], 10)
        print(p.stdout.readline().decode().strip() if ready else "(no handshake in 10 s)")
    finally:
        p.kill()
        p.wait()
PY
)" || true
if [ "$(printf '%s' "$hs" | cut -d'|' -f1-2)" = "1|$FF_GO_PROVIDER_PROTOCOL" ]; then
  ok "Go provider handshake, protocol $FF_GO_PROVIDER_PROTOCOL: $(printf '%s' "$hs" | cut -d'|' -f1-5)"
else
  fail "go-provider" "expected protocol $FF_GO_PROVIDER_PROTOCOL, got: $hs"
fi

# moto.
if "$FF_MOTO_SERVER" --help >/dev/null 2>&1; then
  ok "moto_server --help"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  MOTO_IAM_LOAD_MANAGED_POLICIES=true "$FF_MOTO_SERVER" -H 127.0.0.1 -p "$port" >"$WORK/moto.log" 2>&1 &
  MOTO_PID=$!
  if python3 - "$port" <<'PY'
import sys, time, urllib.request
url = "http://127.0.0.1:%s/moto-api/reset" % sys.argv[1]
deadline = time.time() + 30
while True:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=2) as r:
            sys.exit(0 if r.status == 200 else 1)
    except OSError:
        if time.time() > deadline:
            sys.exit(1)
        time.sleep(0.2)
PY
  then ok "moto server on 127.0.0.1:$port answers POST /moto-api/reset"
  else fail "moto-server" "$(tail -n 5 "$WORK/moto.log")"
  fi
else
  fail "moto" "$FF_MOTO_SERVER --help fails"
fi

if [ "${#FAILED[@]}" -gt 0 ]; then
  echo "FAILED: ${FAILED[*]}"
  exit 1
fi
echo "all tool checks passed"
