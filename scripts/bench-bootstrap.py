#!/usr/bin/env python3
"""Bootstrap apply wall time against ff-sandbox with latency injected on every request.

For each run: a fresh sandbox (Deployments ready and CRDs Established at once, a latency
fault of LATENCY ms on every Vault and Kubernetes request), `terraform plan -out` of a full
ff_platform_bootstrap (ingress controller, ArgoCD and its CRDs, the app-of-apps, RBAC,
CoreDNS, metadata, Vault auth), then `terraform apply` of that plan, timed. The sandbox's
request log counts the requests the apply made; their sequential sum (requests x latency)
is what a provider sending one request at a time would spend waiting. The manifests are
downloaded from the sandbox's control port, which has no latency.

    cargo build -p terraform-provider-ff -p ff-sandbox --bins
    scripts/bench-bootstrap.py [--runs 3] [--latency-ms 20] [--bin-dir target/debug]
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from openbao import OpenBao  # scripts/openbao.py: a real Vault beside the sandbox

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def terraform_binary():
    found = shutil.which("terraform")
    if found:
        return found
    pinned = os.environ.get("FF_TERRAFORM_1_0_3")
    if pinned and os.path.exists(pinned):
        return pinned
    sys.exit("no terraform: run scripts/install-tools.sh and source its env.sh")


def http(method, url, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read().decode()
        return json.loads(text) if text.strip() else None


def config(endpoints, key):
    ingress = endpoints["kubernetes"]["manifests"]["ingress-controller"]
    argocd = endpoints["kubernetes"]["manifests"]["argocd"]
    exec_block = (
        'exec {\n      command = "sh"\n      args    = ["-c", "printf \'{\\"apiVersion\\":\\"client.authentication.k8s.io/v1beta1\\",'
        '\\"kind\\":\\"ExecCredential\\",\\"status\\":{\\"token\\":\\"%s\\"}}\' \\"$FF_KUBE_TOKEN\\""]\n    }'
    )
    return f'''
terraform {{
  required_providers {{
    ff = {{ source = "registry.terraform.io/ff/ff" }}
  }}
}}
provider "ff" {{}}
variable "kube_host" {{ type = string }}
variable "kube_ca" {{ type = string }}
resource "ff_platform_bootstrap" "this" {{
  deployment_key = "{key}"
  cloud          = "aws"
  cluster {{
    host                   = var.kube_host
    cluster_ca_certificate = var.kube_ca
    {exec_block}
  }}
  coredns {{
    forward_zones = {{ "corp.example" = ["10.0.0.2"] }}
  }}
  ingress {{
    manifest_url = "{ingress["url"]}"
    sha256       = "{ingress["sha256"]}"
  }}
  argocd {{
    manifest_url = "{argocd["url"]}"
    sha256       = "{argocd["sha256"]}"
  }}
  application {{
    repo_url = "https://git.example/bench/platform.git"
  }}
  rbac {{
    group        = "bench-admins"
    cluster_role = "cluster-admin"
  }}
  metadata {{
    auth0_domain = "bench.eu.auth0.com"
  }}
}}
'''


def one_run(args, terraform, run):
    work = tempfile.mkdtemp(prefix="ff-bench-bootstrap-")
    bao = OpenBao().__enter__()
    sandbox = subprocess.Popen(
        [os.path.join(args.bin_dir, "ff-sandbox"), "--listen", "127.0.0.1:0",
         "--vault-upstream", bao.address,
         "--k8s-ready-delay-ms", "0", "--kubeconfig", os.path.join(work, "kubeconfig")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        endpoints = json.loads(sandbox.stdout.readline())
        control, vault = endpoints["control"], endpoints["vault"]
        token = {"X-Vault-Token": bao.token}
        http("POST", f"{vault['address']}/v1/sys/mounts/deployments", {"type": "kv", "options": {"version": "2"}}, token)
        key = "Bench-Run"
        http("POST", f"{vault['address']}/v1/deployments/data/{key}/git",
             {"data": {"username": "bench", "password": "bench-password"}}, token)
        mirror = os.path.join(work, "mirror/registry.terraform.io/ff/ff/0.1.0/linux_amd64")
        os.makedirs(mirror)
        os.symlink(os.path.abspath(os.path.join(args.bin_dir, "terraform-provider-ff")),
                   os.path.join(mirror, "terraform-provider-ff"))
        with open(os.path.join(work, "cli.tfrc"), "w") as f:
            f.write(f'provider_installation {{\n  dev_overrides {{\n    "registry.terraform.io/ff/ff" = "{os.path.abspath(args.bin_dir)}"\n  }}\n'
                    f'  filesystem_mirror {{\n    path = "{os.path.join(work, "mirror")}"\n    include = ["registry.terraform.io/ff/ff"]\n  }}\n}}\n')
        with open(os.path.join(work, "main.tf"), "w") as f:
            f.write(config(endpoints, key))
        env = dict(os.environ)
        for name in ("TF_LOG", "TF_LOG_PATH", "TF_LOG_PROVIDER", "TF_CLI_ARGS"):
            env.pop(name, None)
        env.update({
            "TF_CLI_CONFIG_FILE": os.path.join(work, "cli.tfrc"), "CHECKPOINT_DISABLE": "1",
            "TF_IN_AUTOMATION": "1", "VAULT_ADDR": vault["address"], "VAULT_TOKEN": bao.token,
            "TF_VAR_kube_host": endpoints["kubernetes"]["host"], "TF_VAR_kube_ca": endpoints["kubernetes"]["ca_pem"],
            "FF_KUBE_TOKEN": endpoints["kubernetes"]["token"],
        })
        run_tf = lambda *a, **kw: subprocess.run([terraform, *a], cwd=work, env={**env, **kw.get("extra", {})},
                                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=True)
        run_tf("init", "-input=false", "-no-color")
        run_tf("plan", "-input=false", "-no-color", "-out=tfplan")
        http("POST", f"{control}/_sandbox/faults", {"service": "*", "kind": "latency", "latency_ms": args.latency_ms})
        http("DELETE", f"{control}/_sandbox/requests")
        log_path = os.path.join(work, "provider.log")
        started = time.monotonic()
        run_tf("apply", "-input=false", "-no-color", "tfplan",
               extra={"TF_LOG_PROVIDER": os.environ.get("FF_BENCH_LOG_LEVEL", "INFO"), "TF_LOG_PATH": log_path})
        wall = time.monotonic() - started
        requests = [r for r in http("GET", f"{control}/_sandbox/requests") if r["service"] in ("vault", "kubernetes")]
        with open(log_path) as f:
            text = f.read()
        found = re.findall(r'platform bootstrapped.*?elapsed_ms=(\d+)', text)
        provider_ms = int(found[-1]) if found else None
        return len(requests), wall, provider_ms
    finally:
        sandbox.terminate()
        sandbox.wait()
        bao.__exit__(None, None, None)
        if os.environ.get("FF_BENCH_KEEP"):
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--bin-dir", default=os.path.join(ROOT, "target", "debug"))
    args = parser.parse_args()
    terraform = terraform_binary()
    results = [one_run(args, terraform, i) for i in range(args.runs)]
    counts = [r[0] for r in results]
    walls = [r[1] for r in results]
    provider = [r[2] for r in results if r[2] is not None]
    requests = int(statistics.median(counts))
    sequential = requests * args.latency_ms / 1000
    apply_s = statistics.median(provider) / 1000 if provider else float("nan")
    wall_s = statistics.median(walls)
    rows = [
        ("requests to Vault and Kubernetes during the apply", f"{requests}"),
        ("injected latency per request", f"{args.latency_ms} ms"),
        ("sequential sum (requests x latency)", f"{sequential:.2f} s"),
        ("bootstrap apply, provider (median)", f"{apply_s:.2f} s"),
        ("terraform apply wall time (median)", f"{wall_s:.2f} s"),
        ("bootstrap apply / sequential sum", f"{apply_s / sequential:.2f}  (target <= 0.33)"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"ff_platform_bootstrap apply with {args.latency_ms} ms per request, {args.runs} runs ({os.path.basename(terraform)} {subprocess.run([terraform, 'version'], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env={**os.environ, 'CHECKPOINT_DISABLE': '1', 'TF_CLI_CONFIG_FILE': '/dev/null'}).stdout.splitlines()[0]})")
    print(f"{'measure'.ljust(width)} | value")
    print(f"{'-' * width}-|------")
    for name, value in rows:
        print(f"{name.ljust(width)} | {value}")
    return 0 if apply_s / sequential <= 1 / 3 else 1


if __name__ == "__main__":
    sys.exit(main())
