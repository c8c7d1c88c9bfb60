#!/usr/bin/env python3
"""Benchmark (not a test): the provider at fleet scale against ff-sandbox.

For each size N (default 1, 10, 50 and 100), a fresh sandbox and one configuration holding N
deployments, each with all three resources (ff_deployment, ff_auth0_tenant_setup,
ff_platform_bootstrap, so 3N resources), then:

- `terraform apply -parallelism=10` and an unchanged `terraform plan -parallelism=10`
  (which must be empty): wall time of each;
- the provider's CPU time (user + system, summed over every provider process terraform
  started for the command) and its peak RSS (the largest of them), from the rusage of the
  real binary: terraform runs a wrapper from the dev_overrides directory that starts the
  release binary, waits for it and records what wait4() reports. The provider must exit by
  itself when terraform is done with it (terraform asks it to, then kills it 2 s later): a
  process that is killed leaves no record, and the table says so;
- terraform's own CPU time: the rusage terraform's process reports at its exit (it includes
  every child it waited for) minus the providers' and the wrappers' own;
- remote requests per resource on the unchanged plan, from the sandbox's request log
  (Vault, Grafana, Auth0 and Kubernetes together): this must not grow with N;
- with a Terraform that has `terraform query` (1.14 and later; --query-terraform, by default
  the 1.15.5 the tools install), a query listing every deployment, Auth0 setup and platform
  bootstrap with `include_resource` from an empty state: the requests per listed deployment,
  which must not grow with N either.

The sandbox's Auth0 Management API limit (2 requests/s like a Free tenant) is turned off for
this table unless --auth0-rate is given: at 2 requests/s an apply of 100 setups is bound by
the limit (about 800 requests, 400 s), which scripts/bench-auth0.py measures on its own.
Each bootstrap gets its own namespaces, storage class, RBAC binding and Vault auth method
from its key on the one sandbox cluster; the ingress controller, ArgoCD and the CoreDNS
section are left out, because their release manifests hold cluster-wide objects (CRDs,
ClusterRoles, the Corefile) that exist once per cluster, and a real fleet has one cluster
per deployment.

At the end the start-to-handshake comparison with the Go provider
(scripts/bench-handshake.py) runs, unless --no-handshake.

Targets (issues 7 and 13): provider CPU <= 4% of terraform's CPU on the apply and <= 5% on
the unchanged plan at 100 deployments; provider peak RSS <= 30 MB; requests per resource on
an unchanged plan, and per deployment listed by a query, flat in N. The exit status is 0
whether or not a target is met; 2 when a command fails.

    cargo xtask build                                  # the release provider, as released
    cargo build --release -p ff-sandbox
    scripts/bench-fleet.py [--sizes 1,10,50,100] [--terraform PATH] [--bin-dir target/release]
        [--provider PATH] [--query-terraform PATH] [--auth0-rate R] [--runs 1]
        [--no-handshake] [--json OUT]
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from openbao import OpenBao  # scripts/openbao.py: a real Vault beside the sandbox

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESOURCES_PER_DEPLOYMENT = 3
TARGET_CPU_SHARE = {"apply": 0.04, "plan": 0.05}
TARGET_RSS_MIB = 30.0
PARALLELISM = 10

# Terraform runs this in place of the provider (dev_overrides points at its directory). It
# starts the real binary with the same arguments, stdin, stdout and stderr, waits for it and
# appends one JSON line: the provider's rusage as wait4() reports it (it includes any child
# the provider waited for) and the wrapper's own, so both can be told apart from
# terraform's. SIGINT and SIGTERM are left to the provider (same process group).
WRAPPER = r'''#!/usr/bin/python3 -SE
import json, os, resource, signal, sys, time
REAL = {real!r}
RECORDS = {records!r}
signal.signal(signal.SIGINT, signal.SIG_IGN)
started = time.monotonic()
pid = os.posix_spawn(REAL, [REAL] + sys.argv[1:], os.environ)
with open(RECORDS, "a") as f:
    f.write(json.dumps({{"event": "start", "pid": pid}}) + "\n")
signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGTERM))
while True:
    try:
        _, status, usage = os.wait4(pid, 0)
        break
    except InterruptedError:
        continue
me = resource.getrusage(resource.RUSAGE_SELF)
with open(RECORDS, "a") as f:
    f.write(json.dumps({{
        "event": "exit", "pid": pid, "status": status,
        "cpu_s": usage.ru_utime + usage.ru_stime, "maxrss_kib": usage.ru_maxrss,
        "wrapper_cpu_s": me.ru_utime + me.ru_stime,
        "wall_s": time.monotonic() - started,
    }}) + "\n")
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1)
'''


class Failed(Exception):
    pass


def http(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read().decode()
        return json.loads(text) if text.strip() else None


def keys(size):
    return [f"Fleet-{i:03d}" for i in range(1, size + 1)]


def config(size):
    listed = ", ".join(f'"{k}"' for k in keys(size))
    return f'''
terraform {{
  required_providers {{
    ff = {{ source = "registry.terraform.io/ff/ff" }}
  }}
}}

provider "ff" {{}}

variable "kube_host" {{ type = string }}
variable "kube_ca" {{ type = string }}
variable "kube_token" {{
  type      = string
  sensitive = true
}}

resource "ff_deployment" "this" {{
  for_each            = toset([{listed}])
  key                 = each.key
  display_name        = "${{each.key}} (fleet benchmark)"
  cloud               = "aws"
  region              = "eu-west-1"
  labels              = {{ team = "platform" }}
  generated_secrets   = ["db-password"]
  deletion_protection = false

  grafana_datasource {{
    type = "prometheus"
    url  = "http://prometheus.monitoring.svc:9090"
  }}
}}

resource "ff_auth0_tenant_setup" "this" {{
  for_each       = ff_deployment.this
  deployment_key = each.value.key

  application "portal" {{
    type      = "spa"
    callbacks = ["https://portal.${{each.value.slug}}.example.com/callback"]
  }}
  application "backend" {{
    type = "regular_web"
  }}
  application "worker" {{
    type = "non_interactive"
  }}

  api {{
    identifier = "https://api.${{each.value.slug}}.example.com"
    scopes     = {{ "read:orders" = "Read orders" }}
  }}
  grants = {{ worker = ["read:orders"] }}
  roles  = {{ reader = ["read:orders"] }}
}}

resource "ff_platform_bootstrap" "this" {{
  for_each       = ff_deployment.this
  deployment_key = each.value.key
  cloud          = "aws"

  cluster {{
    host                   = var.kube_host
    cluster_ca_certificate = var.kube_ca
    # An exec plugin (printing the token from the environment, as `aws eks get-token` would),
    # so that the connection is recorded and a query's imports can reach the cluster.
    exec {{
      command = "sh"
      args    = ["-c", "printf '{{\\"apiVersion\\":\\"client.authentication.k8s.io/v1beta1\\",\\"kind\\":\\"ExecCredential\\",\\"status\\":{{\\"token\\":\\"%s\\"}}}}' \\"$FF_KUBE_TOKEN\\""]
    }}
  }}

  storage_class {{
    name        = "${{each.value.slug}}-gp3"
    provisioner = "ebs.csi.aws.com"
    parameters  = {{ type = "gp3", encrypted = "true" }}
  }}

  rbac {{
    group        = "${{each.value.slug}}-admins"
    cluster_role = "view"
  }}

  metadata {{
    auth0_domain     = "${{each.value.slug}}.eu.auth0.com"
    auth0_audience   = "https://api.${{each.value.slug}}.example.com"
    auth0_client_ids = ff_auth0_tenant_setup.this[each.key].client_ids
  }}
}}
'''


class Sandbox:
    def __init__(self, bin_dir, workdir, auth0_rate):
        rate = ["--auth0-rate-limit", str(auth0_rate), "--auth0-burst", str(max(1, int(auth0_rate)))]
        self.bao = OpenBao().__enter__()
        self.process = subprocess.Popen(
            [os.path.join(bin_dir, "ff-sandbox"), "--listen", "127.0.0.1:0",
             "--vault-upstream", self.bao.address,
             "--k8s-ready-delay-ms", "0", "--kubeconfig", os.path.join(workdir, "kubeconfig"), *rate],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        if not line:
            raise Failed("ff-sandbox printed no endpoints line")
        self.endpoints = json.loads(line)
        self.control = self.endpoints["control"]

    def env(self):
        e = self.endpoints
        return {
            "VAULT_ADDR": e["vault"]["address"], "VAULT_TOKEN": self.bao.token,
            "GRAFANA_URL": e["grafana"]["url"], "GRAFANA_AUTH": e["grafana"]["auth"],
            "AUTH0_DOMAIN": e["auth0"]["domain"], "AUTH0_CLIENT_ID": e["auth0"]["client_id"],
            "AUTH0_CLIENT_SECRET": e["auth0"]["client_secret"],
            "TF_VAR_kube_host": e["kubernetes"]["host"], "TF_VAR_kube_ca": e["kubernetes"]["ca_pem"],
            "TF_VAR_kube_token": e["kubernetes"]["token"],
            "FF_KUBE_TOKEN": e["kubernetes"]["token"],
        }

    def requests(self):
        return http("GET", f"{self.control}/_sandbox/requests")

    def clear_requests(self):
        http("DELETE", f"{self.control}/_sandbox/requests")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.bao.__exit__(None, None, None)


def read_records(path, offset):
    if not os.path.exists(path):
        return [], offset
    with open(path) as f:
        f.seek(offset)
        text = f.read()
        return [json.loads(line) for line in text.splitlines() if line.strip()], f.tell()


class Workdir:
    def __init__(self, size, args, sandbox):
        self.path = tempfile.mkdtemp(prefix=f"ff-bench-fleet-{size}-")
        self.records = os.path.join(self.path, "provider-rusage.jsonl")
        self.offset = 0
        plugins = os.path.join(self.path, "plugins")
        os.makedirs(plugins)
        wrapper = os.path.join(plugins, "terraform-provider-ff")
        with open(wrapper, "w") as f:
            f.write(WRAPPER.format(real=args.provider, records=self.records))
        os.chmod(wrapper, 0o755)
        with open(os.path.join(self.path, "cli.tfrc"), "w") as f:
            f.write(f'provider_installation {{\n  dev_overrides {{\n'
                    f'    "registry.terraform.io/ff/ff" = "{plugins}"\n  }}\n}}\n')
        with open(os.path.join(self.path, "main.tf"), "w") as f:
            f.write(config(size))
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TF_", "AUTH0_", "VAULT_", "GRAFANA_"))}
        env.update(sandbox.env(), TF_CLI_CONFIG_FILE=os.path.join(self.path, "cli.tfrc"),
                   CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")
        self.env = env

    def terraform(self, binary, *args, allowed=(0,), cwd=None, flags=("-input=false", "-no-color")):
        """Runs one command; returns its wall time, exit code and the CPU split."""
        out_path = os.path.join(self.path, "terraform.out")
        with open(out_path, "w") as out:
            started = time.monotonic()
            process = subprocess.Popen([binary, *args, *flags], cwd=cwd or self.path,
                                       env=self.env, stdin=subprocess.DEVNULL, stdout=out,
                                       stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.monotonic() - started
            process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode not in allowed:
            with open(out_path) as f:
                raise Failed(f"terraform {' '.join(args)} exited {process.returncode}:\n{f.read()[-6000:]}")
        records, self.offset = read_records(self.records, self.offset)
        starts = [r for r in records if r["event"] == "start"]
        exits = [r for r in records if r["event"] == "exit"]
        unclean = [r for r in exits if not (os.WIFEXITED(r["status"]) and os.WEXITSTATUS(r["status"]) == 0)]
        total_cpu = usage.ru_utime + usage.ru_stime
        provider_cpu = sum(r["cpu_s"] for r in exits)
        wrapper_cpu = sum(r["wrapper_cpu_s"] for r in exits)
        return {
            "wall_s": wall, "exit_code": process.returncode,
            "provider_starts": len(starts), "provider_exits": len(exits), "provider_unclean": len(unclean),
            "provider_cpu_s": provider_cpu,
            "provider_peak_rss_mib": max((r["maxrss_kib"] for r in exits), default=0) / 1024.0,
            "wrapper_cpu_s": wrapper_cpu,
            "terraform_cpu_s": total_cpu - provider_cpu - wrapper_cpu,
            "complete": len(starts) == len(exits),
        }


def run_size(size, args, run):
    workdir_root = tempfile.mkdtemp(prefix="ff-bench-fleet-sandbox-")
    sandbox = Sandbox(args.bin_dir, workdir_root, args.auth0_rate)
    work = None
    try:
        work = Workdir(size, args, sandbox)
        # No `terraform init`: with dev_overrides, terraform finds the provider without it.
        print(f"  {size} deployment(s), run {run}: apply ({RESOURCES_PER_DEPLOYMENT * size} resources) ...",
              file=sys.stderr, flush=True)
        apply = work.terraform(args.terraform, "apply", "-auto-approve", f"-parallelism={PARALLELISM}")
        apply_requests = len(sandbox.requests())
        sandbox.clear_requests()
        print(f"  {size} deployment(s), run {run}: unchanged plan ...", file=sys.stderr, flush=True)
        plan = work.terraform(args.terraform, "plan", "-detailed-exitcode", f"-parallelism={PARALLELISM}",
                              allowed=(0, 2))
        if plan["exit_code"] != 0:
            raise Failed(f"the plan after applying {size} deployments is not empty")
        log = sandbox.requests()
        by_service = {}
        for entry in log:
            by_service[entry["service"]] = by_service.get(entry["service"], 0) + 1
        resources = RESOURCES_PER_DEPLOYMENT * size
        row = {
            "deployments": size, "resources": resources, "apply": apply, "plan": plan,
            "apply_requests": apply_requests,
            "plan_requests": len(log), "plan_requests_by_service": by_service,
            "plan_requests_per_resource": len(log) / resources,
        }
        if args.query_terraform:
            print(f"  {size} deployment(s), run {run}: terraform query ...", file=sys.stderr, flush=True)
            row["query"] = run_query(size, args, work, sandbox)
        return row
    finally:
        sandbox.stop()
        if args.keep and work:
            print(f"kept {work.path}", file=sys.stderr)
        else:
            if work:
                shutil.rmtree(work.path, ignore_errors=True)
        shutil.rmtree(workdir_root, ignore_errors=True)


QUERY = """
list "ff_deployment" "fleet" {
  provider         = ff
  include_resource = true
  limit            = 1000
}

list "ff_auth0_tenant_setup" "fleet" {
  provider         = ff
  include_resource = true
  limit            = 1000
}

list "ff_platform_bootstrap" "fleet" {
  provider         = ff
  include_resource = true
  limit            = 1000
}
"""


def run_query(size, args, work, sandbox):
    """`terraform query` of the whole fleet from an empty state; requests per deployment."""
    qdir = os.path.join(work.path, "query")
    os.makedirs(qdir, exist_ok=True)
    with open(os.path.join(qdir, "main.tf"), "w") as f:
        f.write('terraform {\n  required_providers {\n    ff = { source = "registry.terraform.io/ff/ff" }\n  }\n}\n')
    with open(os.path.join(qdir, "fleet.tfquery.hcl"), "w") as f:
        f.write(QUERY)
    sandbox.clear_requests()
    ran = work.terraform(args.query_terraform, "query", "-json", cwd=qdir, flags=("-no-color",))
    with open(os.path.join(work.path, "terraform.out")) as f:
        found = sum(1 for line in f if '"type":"list_resource_found"' in line.replace(" ", ""))
    expected = RESOURCES_PER_DEPLOYMENT * size
    if found != expected:
        raise Failed(f"the query listed {found} objects, expected {expected}")
    requests = len(sandbox.requests())
    return {"wall_s": ran["wall_s"], "listed": found, "requests": requests,
            "requests_per_deployment": requests / size,
            "provider_cpu_s": ran["provider_cpu_s"]}


def median_row(rows):
    """The median of each measure over the runs of one size."""
    first = rows[0]
    out = {k: v for k, v in first.items() if not isinstance(v, (dict, float))}
    for phase in ("apply", "plan"):
        out[phase] = {}
        for key in first[phase]:
            values = [r[phase][key] for r in rows]
            out[phase][key] = statistics.median(values) if isinstance(values[0], (int, float)) and not isinstance(values[0], bool) else all(values)
    out["plan_requests_by_service"] = first["plan_requests_by_service"]
    if "query" in first:
        out["query"] = {k: statistics.median(r["query"][k] for r in rows) for k in first["query"]}
    for key in ("plan_requests_per_resource",):
        out[key] = statistics.median(r[key] for r in rows)
    out["runs"] = len(rows)
    return out


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,50,100")
    parser.add_argument("--runs", type=int, default=1, help="runs per size; the table shows medians")
    parser.add_argument("--terraform", default=shutil.which("terraform") or os.environ.get("FF_TERRAFORM_1_0_3"))
    parser.add_argument("--bin-dir", default=os.path.join(REPO_ROOT, "target", "release"),
                        help="where ff-sandbox is (and the provider, without --provider)")
    # `cargo xtask build` builds Linux releases for musl (xtask/src/release.rs).
    built = os.path.join(REPO_ROOT, "target", "x86_64-unknown-linux-musl", "release", "terraform-provider-ff")
    parser.add_argument("--provider", default=built if os.path.exists(built) else None,
                        help="the provider binary (default: what `cargo xtask build` made)")
    parser.add_argument("--query-terraform", default=os.environ.get("FF_TERRAFORM_1_15_5"),
                        help="a Terraform >= 1.14 for the query measurement (default FF_TERRAFORM_1_15_5)")
    parser.add_argument("--auth0-rate", type=float, default=0.0,
                        help="sandbox Auth0 Management API requests/s (default 0: no limit)")
    parser.add_argument("--no-handshake", action="store_true", help="skip scripts/bench-handshake.py")
    parser.add_argument("--keep", action="store_true", help="keep the working directories")
    parser.add_argument("--json", help="also write the figures as JSON here")
    args = parser.parse_args()
    args.bin_dir = os.path.abspath(args.bin_dir)
    args.provider = os.path.abspath(args.provider or os.path.join(args.bin_dir, "terraform-provider-ff"))
    if not args.terraform:
        print("no terraform found: put one on PATH or pass --terraform", file=sys.stderr)
        return 1
    for binary in (args.provider, os.path.join(args.bin_dir, "ff-sandbox")):
        if not os.access(binary, os.X_OK):
            print(f"{binary} is missing: cargo xtask build && cargo build --release -p ff-sandbox",
                  file=sys.stderr)
            return 1
    version = subprocess.run([args.terraform, "version"], capture_output=True, text=True,
                             env={**os.environ, "CHECKPOINT_DISABLE": "1"}).stdout.splitlines()[0]
    load = os.getloadavg()
    meta = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu_model": cpu_model(), "cpus": os.cpu_count(), "kernel": os.uname().release,
        "terraform": version, "bin_dir": args.bin_dir, "provider": args.provider,
        "parallelism": PARALLELISM,
        "auth0_rate": args.auth0_rate, "load_at_start": load,
    }
    rows = []
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        runs = []
        for run in range(1, args.runs + 1):
            try:
                runs.append(run_size(size, args, run))
            except Failed as e:
                print(f"benchmark failed: {e}", file=sys.stderr)
                return 2
        rows.append(median_row(runs) if len(runs) > 1 else {**runs[0], "runs": 1})
    meta["load_at_end"] = os.getloadavg()

    limit = "off" if not args.auth0_rate else f"{args.auth0_rate:g} requests/s"
    print(f"Fleet benchmark, {meta['date']}: {meta['cpu_model']}, {meta['cpus']} CPUs, Linux {meta['kernel']}")
    print(f"{version}; provider {args.provider}; sandbox from {args.bin_dir}; -parallelism={PARALLELISM}; "
          f"sandbox Auth0 rate limit {limit}; load average {load[0]:.2f} at start, "
          f"{meta['load_at_end'][0]:.2f} at end; median of {args.runs} run(s)")
    print()
    header = ("deployments", "resources", "apply s", "plan s", "provider CPU s (apply/plan)",
              "terraform CPU s (apply/plan)", "provider/terraform CPU", "provider peak RSS MiB",
              "plan requests", "requests/resource")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" for _ in header) + "|")
    for r in rows:
        a, p = r["apply"], r["plan"]
        share_a = a["provider_cpu_s"] / a["terraform_cpu_s"] if a["terraform_cpu_s"] > 0 else float("inf")
        share_p = p["provider_cpu_s"] / p["terraform_cpu_s"] if p["terraform_cpu_s"] > 0 else float("inf")
        r["cpu_share"] = {"apply": share_a, "plan": share_p}
        rss = max(a["provider_peak_rss_mib"], p["provider_peak_rss_mib"])
        r["provider_peak_rss_mib"] = rss
        print(f"| {r['deployments']} | {r['resources']} | {a['wall_s']:.1f} | {p['wall_s']:.1f} | "
              f"{a['provider_cpu_s']:.2f} / {p['provider_cpu_s']:.2f} | "
              f"{a['terraform_cpu_s']:.2f} / {p['terraform_cpu_s']:.2f} | "
              f"{share_a:.1%} / {share_p:.1%} | {rss:.1f} | {r['plan_requests']} | "
              f"{r['plan_requests_per_resource']:.2f} |")
    print()
    incomplete = [r["deployments"] for r in rows if not (r["apply"]["complete"] and r["plan"]["complete"])]
    if incomplete:
        print(f"WARNING: some provider process left no record (killed rather than exited) at sizes {incomplete}: "
              "its CPU counts as terraform's")
    for r in rows:
        by = ", ".join(f"{k} {v}" for k, v in sorted(r["plan_requests_by_service"].items()))
        print(f"  {r['deployments']} deployment(s): plan requests by service: {by}; provider processes "
              f"apply {r['apply']['provider_starts']}, plan {r['plan']['provider_starts']}; "
              f"apply requests {r['apply_requests']}")
    print()
    if all("query" in r for r in rows):
        print("| deployments | query s | objects listed | requests | requests/deployment |")
        print("|---:|---:|---:|---:|---:|")
        for r in rows:
            q = r["query"]
            print(f"| {r['deployments']} | {q['wall_s']:.1f} | {q['listed']:.0f} | {q['requests']:.0f} | "
                  f"{q['requests_per_deployment']:.2f} |")
        print()
    largest = max(rows, key=lambda r: r["deployments"])
    cpu_ok = all(largest["cpu_share"][k] <= TARGET_CPU_SHARE[k] for k in ("apply", "plan"))
    rss_ok = all(r["provider_peak_rss_mib"] <= TARGET_RSS_MIB for r in rows)
    per = [r["plan_requests_per_resource"] for r in rows]
    flat_ok = all(b <= per[0] + 1e-9 for b in per[1:])
    la, lp = largest["apply"], largest["plan"]
    combined = (la["provider_cpu_s"] + lp["provider_cpu_s"]) / max(1e-9, la["terraform_cpu_s"] + lp["terraform_cpu_s"])
    print(f"provider CPU / terraform CPU at {largest['deployments']} deployments: "
          f"apply {largest['cpu_share']['apply']:.1%}, unchanged plan {largest['cpu_share']['plan']:.1%}, "
          f"both together {combined:.1%} (targets: apply <= {TARGET_CPU_SHARE['apply']:.0%}, "
          f"plan <= {TARGET_CPU_SHARE['plan']:.0%}) "
          f"{'met' if cpu_ok else 'MISSED'}")
    print(f"provider peak RSS: {max(r['provider_peak_rss_mib'] for r in rows):.1f} MiB "
          f"(target <= {TARGET_RSS_MIB:.0f} MB) {'met' if rss_ok else 'MISSED'}")
    print(f"requests per resource on an unchanged plan: {' -> '.join(f'{x:.2f}' for x in per)} "
          f"(target: no growth with N) {'met' if flat_ok else 'MISSED'}")
    if all("query" in r for r in rows):
        qper = [r["query"]["requests_per_deployment"] for r in rows]
        qflat = all(b <= qper[0] + 1e-9 for b in qper[1:])
        print(f"requests per deployment listed by terraform query: {' -> '.join(f'{x:.2f}' for x in qper)} "
              f"(target: no growth with N) {'met' if qflat else 'MISSED'}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "rows": rows}, f, indent=2)
    if not args.no_handshake:
        go = os.environ.get("FF_GO_PROVIDER")
        if not go:
            print("\n(handshake comparison skipped: FF_GO_PROVIDER is not set; source the tools' env.sh)")
        else:
            print(flush=True)
            subprocess.run([sys.executable, os.path.join(REPO_ROOT, "scripts", "bench-handshake.py"),
                            "--ff", args.provider], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
