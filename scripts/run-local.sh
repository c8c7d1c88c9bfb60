#!/usr/bin/env bash
# The main job, end to end on one machine without any cloud: builds the provider and the
# sandbox, starts a real Vault — an OpenBao dev server (in memory) — and ff-sandbox beside it
# (local emulators of Grafana, Auth0 and Kubernetes; its Vault port forwards to OpenBao),
# applies examples/local against them with a real terraform, prints the outputs, and stops
# both.
#
#   scripts/run-local.sh          apply, print the outputs, destroy, stop
#   scripts/run-local.sh --keep   leave OpenBao, the sandbox and the working directory in place
#                                 and print how to reach them (bao, curl, kubectl, terraform)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
KEEP=0
[ "${1:-}" = "--keep" ] && KEEP=1

step() { printf '\n==> %s\n' "$*"; }

step "installing tools"
scripts/install-tools.sh >/dev/null
# shellcheck disable=SC1091
source "${FF_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-ff}/env.sh"
TERRAFORM="$(command -v terraform || true)"
[ -n "$TERRAFORM" ] || TERRAFORM="$FF_TERRAFORM_1_0_3"
echo "terraform: $("$TERRAFORM" version | head -1) ($TERRAFORM)"

step "building terraform-provider-ff and ff-sandbox"
cargo build --bins --locked -p terraform-provider-ff -p ff-sandbox
BIN="$ROOT/target/debug"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ff-local.XXXXXX")"
SANDBOX_PID=""
BAO_PID=""
cleanup() {
  if [ "$KEEP" = 0 ]; then
    [ -n "$SANDBOX_PID" ] && kill "$SANDBOX_PID" 2>/dev/null && wait "$SANDBOX_PID" 2>/dev/null
    [ -n "$BAO_PID" ] && kill "$BAO_PID" 2>/dev/null && wait "$BAO_PID" 2>/dev/null
    rm -rf "$WORK"
  fi
  return 0
}
trap cleanup EXIT

step "starting OpenBao (a real Vault, dev server in memory)"
# The dev listener cannot take port 0 and its cluster listener takes the next port: pick a
# free one and try another when the server finds either taken.
[ -x "${FF_BAO:-}" ] || { echo "OpenBao is not installed (FF_BAO=${FF_BAO:-}): run scripts/install-tools.sh" >&2; exit 1; }
# The root token stays in a file of the working directory (mode 600); it is never printed.
(umask 077 && python3 -c 'import secrets; print("ff-local-" + secrets.token_hex(16))' >"$WORK/vault-token")
VAULT_TOKEN="$(cat "$WORK/vault-token")"
for attempt in 1 2 3 4 5; do
  BAO_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  "$FF_BAO" server -dev -dev-no-store-token -dev-root-token-id="$VAULT_TOKEN" \
    -dev-listen-address="127.0.0.1:$BAO_PORT" >"$WORK/openbao.log" 2>&1 &
  BAO_PID=$!
  # Ready once it answers sys/health and has printed its unseal key (after its own setup).
  for _ in $(seq 1 300); do
    kill -0 "$BAO_PID" 2>/dev/null || break
    if grep -q '^Unseal Key:' "$WORK/openbao.log" &&
      curl -sf "http://127.0.0.1:$BAO_PORT/v1/sys/health" >/dev/null; then
      break
    fi
    sleep 0.1
  done
  if kill -0 "$BAO_PID" 2>/dev/null && grep -q '^Unseal Key:' "$WORK/openbao.log"; then
    break
  fi
  kill "$BAO_PID" 2>/dev/null || true
  wait "$BAO_PID" 2>/dev/null || true
  BAO_PID=""
  if ! grep -q 'address already in use' "$WORK/openbao.log" || [ "$attempt" = 5 ]; then
    echo "OpenBao did not start; its log ends with:" >&2
    tail -n 20 "$WORK/openbao.log" >&2
    exit 1
  fi
done
BAO_ADDR_LOCAL="http://127.0.0.1:$BAO_PORT"
echo "OpenBao $("$FF_BAO" version | awk '{print $2}') at $BAO_ADDR_LOCAL (pid $BAO_PID)"

step "starting ff-sandbox"
mkfifo "$WORK/endpoints"
"$BIN/ff-sandbox" --listen 127.0.0.1:0 --state-file "$WORK/sandbox-state.json" \
  --vault-upstream "$BAO_ADDR_LOCAL" >"$WORK/endpoints" 2>"$WORK/sandbox.log" &
SANDBOX_PID=$!
read -r ENDPOINTS <"$WORK/endpoints"
echo "$ENDPOINTS" >"$WORK/endpoints.json"
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval("d"+sys.argv[2]))' "$WORK/endpoints.json" "$1"; }
export VAULT_ADDR VAULT_TOKEN GRAFANA_URL GRAFANA_AUTH AUTH0_DOMAIN AUTH0_CLIENT_ID AUTH0_CLIENT_SECRET
# The provider talks to OpenBao itself; the sandbox's Vault port forwards there too, through
# its fault layer, for whoever wants to inject faults or see Vault's requests in its log.
VAULT_ADDR="$BAO_ADDR_LOCAL"
SANDBOX_VAULT="$(field "['vault']['address']")"
GRAFANA_URL="$(field "['grafana']['url']")"
GRAFANA_AUTH="$(field "['grafana']['auth']")"
AUTH0_DOMAIN="$(field "['auth0']['domain']")"
AUTH0_CLIENT_ID="$(field "['auth0']['client_id']")"
AUTH0_CLIENT_SECRET="$(field "['auth0']['client_secret']")"
CONTROL="$(field "['control']")"
echo "sandbox: control $CONTROL, Grafana $GRAFANA_URL, Auth0 $AUTH0_DOMAIN, Vault port $SANDBOX_VAULT (-> OpenBao)"

# The sandbox's Kubernetes cluster, for ff_platform_bootstrap: its address and CA as variables,
# its token for the exec plugin of examples/local, the release manifests it serves.
export TF_VAR_kube_host TF_VAR_kube_ca FF_KUBE_TOKEN TF_VAR_ingress_manifest TF_VAR_argocd_manifest KUBECONFIG
TF_VAR_kube_host="$(field "['kubernetes']['host']")"
TF_VAR_kube_ca="$(field "['kubernetes']['ca_pem']")"
FF_KUBE_TOKEN="$(field "['kubernetes']['token']")"
KUBECONFIG="$(field "['kubernetes']['kubeconfig']")"
manifest() { python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["kubernetes"]["manifests"][sys.argv[2]]; print(json.dumps({"url": m["url"], "sha256": m["sha256"]}))' "$WORK/endpoints.json" "$1"; }
TF_VAR_ingress_manifest="$(manifest ingress-controller)"
TF_VAR_argocd_manifest="$(manifest argocd)"
echo "sandbox: Kubernetes $TF_VAR_kube_host (kubectl --kubeconfig $KUBECONFIG)"

# Demo Git credentials for the ArgoCD repository, in Vault where the bootstrap reads them.
KEY="${TF_VAR_deployment_key:-WM-Prod}"
curl -sf -X POST -H "X-Vault-Token: $VAULT_TOKEN" -d '{"type":"kv","options":{"version":"2"}}' \
  "$VAULT_ADDR/v1/sys/mounts/deployments" >/dev/null || true
curl -sf -X POST -H "X-Vault-Token: $VAULT_TOKEN" -d '{"data":{"username":"demo","password":"demo-only"}}' \
  "$VAULT_ADDR/v1/deployments/data/$KEY/git" >/dev/null

step "applying examples/local"
cp "$ROOT"/examples/local/*.tf "$WORK/"
mkdir -p "$WORK/mirror/registry.terraform.io/ff/ff/0.1.0/linux_amd64"
ln -sf "$BIN/terraform-provider-ff" "$WORK/mirror/registry.terraform.io/ff/ff/0.1.0/linux_amd64/terraform-provider-ff"
cat >"$WORK/cli.tfrc" <<CFG
provider_installation {
  dev_overrides {
    "registry.terraform.io/ff/ff" = "$BIN"
  }
  filesystem_mirror {
    path    = "$WORK/mirror"
    include = ["registry.terraform.io/ff/ff"]
  }
}
CFG
export TF_CLI_CONFIG_FILE="$WORK/cli.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
cd "$WORK"
"$TERRAFORM" init -input=false -no-color >/dev/null
"$TERRAFORM" apply -auto-approve -input=false -no-color

step "outputs"
"$TERRAFORM" output -no-color

step "what the bootstrap made in the sandbox cluster (kubectl)"
kubectl get namespaces
kubectl get deployments,applications -A

if [ "$KEEP" = 1 ]; then
  cat <<MSG

OpenBao (pid $BAO_PID) and the sandbox (pid $SANDBOX_PID) keep running, and the working
directory stays at $WORK (the Vault root token is in $WORK/vault-token).
  read a secret with bao:  VAULT_ADDR=$VAULT_ADDR VAULT_TOKEN="\$(cat $WORK/vault-token)" $FF_BAO kv get deployments/$KEY/db-password
  everything in Vault:     VAULT_ADDR=$VAULT_ADDR VAULT_TOKEN="\$(cat $WORK/vault-token)" $FF_BAO kv list deployments/$KEY
  what the sandbox holds:  curl -s $CONTROL/_sandbox/state
  look at the cluster:     kubectl --kubeconfig $KUBECONFIG get all -A
  use terraform there:     cd $WORK && TF_CLI_CONFIG_FILE=$WORK/cli.tfrc VAULT_ADDR=$VAULT_ADDR VAULT_TOKEN="\$(cat $WORK/vault-token)" $TERRAFORM plan
  Vault through faults:    VAULT_ADDR=$SANDBOX_VAULT (the sandbox's Vault port, forwarding to OpenBao)
  stop them:               kill $SANDBOX_PID $BAO_PID
MSG
else
  step "destroying, and stopping the sandbox and OpenBao"
  "$TERRAFORM" destroy -auto-approve -input=false -no-color >/dev/null
  echo "done"
fi
