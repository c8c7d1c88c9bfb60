#!/usr/bin/env bash
# The main job, end to end on one machine without any cloud: builds the provider and the
# sandbox, starts ff-sandbox (local emulators of Vault, Grafana, Auth0 and Kubernetes),
# applies examples/local against it with a real terraform, prints the outputs, and stops the
# sandbox.
#
#   scripts/run-local.sh          apply, print the outputs, destroy, stop
#   scripts/run-local.sh --keep   leave the sandbox and the working directory in place and
#                                 print how to reach them
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
cleanup() {
  if [ "$KEEP" = 0 ]; then
    [ -n "$SANDBOX_PID" ] && kill "$SANDBOX_PID" 2>/dev/null && wait "$SANDBOX_PID" 2>/dev/null
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

step "starting ff-sandbox"
mkfifo "$WORK/endpoints"
"$BIN/ff-sandbox" --listen 127.0.0.1:0 --state-file "$WORK/sandbox-state.json" \
  >"$WORK/endpoints" 2>"$WORK/sandbox.log" &
SANDBOX_PID=$!
read -r ENDPOINTS <"$WORK/endpoints"
echo "$ENDPOINTS" >"$WORK/endpoints.json"
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval("d"+sys.argv[2]))' "$WORK/endpoints.json" "$1"; }
export VAULT_ADDR VAULT_TOKEN GRAFANA_URL GRAFANA_AUTH AUTH0_DOMAIN AUTH0_CLIENT_ID AUTH0_CLIENT_SECRET
VAULT_ADDR="$(field "['vault']['address']")"
VAULT_TOKEN="$(field "['vault']['token']")"
GRAFANA_URL="$(field "['grafana']['url']")"
GRAFANA_AUTH="$(field "['grafana']['auth']")"
AUTH0_DOMAIN="$(field "['auth0']['domain']")"
AUTH0_CLIENT_ID="$(field "['auth0']['client_id']")"
AUTH0_CLIENT_SECRET="$(field "['auth0']['client_secret']")"
CONTROL="$(field "['control']")"
echo "sandbox: control $CONTROL, Vault $VAULT_ADDR, Grafana $GRAFANA_URL, Auth0 $AUTH0_DOMAIN"

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

The sandbox keeps running (pid $SANDBOX_PID) and the working directory stays at $WORK.
  inspect what it holds:   curl -s $CONTROL/_sandbox/state
  look at the cluster:     kubectl --kubeconfig $KUBECONFIG get all -A
  use terraform there:     cd $WORK && TF_CLI_CONFIG_FILE=$WORK/cli.tfrc VAULT_ADDR=$VAULT_ADDR VAULT_TOKEN=... $TERRAFORM plan
  stop it:                 kill $SANDBOX_PID
MSG
else
  step "destroying and stopping the sandbox"
  "$TERRAFORM" destroy -auto-approve -input=false -no-color >/dev/null
  echo "done"
fi
