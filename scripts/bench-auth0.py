#!/usr/bin/env python3
"""Benchmark (not a test): Auth0 requests and apply time of ff_auth0_tenant_setup against
ff-sandbox's Auth0 limited like a Free tenant (Management API: 2 requests/s, burst 2).

For each size N (default 1, 10 and 20), a fresh sandbox and a working directory with N setups
in one plan (each: 3 applications, an API with a scope, a grant and a role, i.e. 6 Auth0
objects to read):

- `terraform apply`: its wall time, the Management API requests it made (those answered and
  those answered 429), the Authentication API token requests, and the floor the limit allows,
  answered requests / rate;
- an unchanged `terraform plan` (a refresh): its Management API requests next to the number of
  Auth0 objects it reads.

Targets (from issue 3): apply time within 1.2 x the floor; a refresh makes at most one request
per object it reads. The exit status is 0 whether or not a target is met; 2 when a command
fails.

    cargo build --release --bins && scripts/bench-auth0.py [--sizes 1,10,20] [--terraform PATH]
        [--bin-dir target/release] [--rate 2] [--burst 2] [--json OUT]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from openbao import OpenBao  # scripts/openbao.py: a real Vault beside the sandbox

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OBJECTS_PER_SETUP = 6  # 3 clients, 1 API, 1 grant, 1 role
TARGET_APPLY_RATIO = 1.2


class Failed(Exception):
    pass


def http(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read().decode()
        return json.loads(text) if text.strip() else None


def config(size):
    keys = ", ".join(f'"Bench-{i:02d}"' for i in range(1, size + 1))
    return f'''
terraform {{
  required_providers {{
    ff = {{ source = "registry.terraform.io/ff/ff" }}
  }}
}}

resource "ff_auth0_tenant_setup" "this" {{
  for_each       = toset([{keys}])
  deployment_key = each.key

  application "portal" {{
    type      = "spa"
    callbacks = ["https://${{lower(each.key)}}.example.com/callback"]
  }}
  application "backend" {{
    type = "regular_web"
  }}
  application "worker" {{
    type = "non_interactive"
  }}

  api {{
    identifier = "https://api.${{lower(each.key)}}.example.com"
    scopes     = {{ "read:orders" = "Read orders" }}
  }}
  grants = {{ worker = ["read:orders"] }}
  roles  = {{ reader = ["read:orders"] }}
}}
'''


class Sandbox:
    def __init__(self, bin_dir, rate, burst):
        self.bao = OpenBao().__enter__()
        self.process = subprocess.Popen(
            [os.path.join(bin_dir, "ff-sandbox"), "--listen", "127.0.0.1:0",
             "--vault-upstream", self.bao.address,
             "--auth0-rate-limit", str(rate), "--auth0-burst", str(burst)],
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
            "AUTH0_DOMAIN": e["auth0"]["domain"], "AUTH0_CLIENT_ID": e["auth0"]["client_id"],
            "AUTH0_CLIENT_SECRET": e["auth0"]["client_secret"],
        }

    def requests(self):
        return [r for r in http("GET", f"{self.control}/_sandbox/requests") if r["service"] == "auth0"]

    def clear_requests(self):
        http("DELETE", f"{self.control}/_sandbox/requests")

    def unlimit(self):
        http("PUT", f"{self.control}/_sandbox/auth0/rate-limit", {"per_second": 0, "burst": 0})

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.bao.__exit__(None, None, None)


def count(requests):
    management = [r for r in requests if r["path"].startswith("/api/v2/")]
    limited = sum(1 for r in management if r["status"] == 429)
    tokens = sum(1 for r in requests if r["path"] == "/oauth/token")
    return len(management) - limited, limited, tokens


def terraform(binary, workdir, env, *args):
    started = time.monotonic()
    done = subprocess.run([binary, *args, "-input=false", "-no-color"], cwd=workdir, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if done.returncode not in (0, 2) or (done.returncode == 2 and args[0] != "plan"):
        raise Failed(f"terraform {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed, done.returncode


def run_size(size, args):
    sandbox = Sandbox(args.bin_dir, args.rate, args.burst)
    workdir = tempfile.mkdtemp(prefix=f"ff-bench-auth0-{size}-")
    try:
        mirror = os.path.join(workdir, ".mirror/registry.terraform.io/ff/ff/0.1.0/linux_amd64")
        os.makedirs(mirror)
        os.symlink(os.path.join(args.bin_dir, "terraform-provider-ff"),
                   os.path.join(mirror, "terraform-provider-ff"))
        with open(os.path.join(workdir, "cli.tfrc"), "w") as f:
            f.write(f'''provider_installation {{
  dev_overrides {{
    "registry.terraform.io/ff/ff" = "{args.bin_dir}"
  }}
  filesystem_mirror {{
    path    = "{os.path.join(workdir, '.mirror')}"
    include = ["registry.terraform.io/ff/ff"]
  }}
}}
''')
        with open(os.path.join(workdir, "main.tf"), "w") as f:
            f.write(config(size))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "AUTH0_", "VAULT_"))}
        env.update(sandbox.env(), TF_CLI_CONFIG_FILE=os.path.join(workdir, "cli.tfrc"),
                   CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")
        terraform(args.terraform, workdir, env, "init")
        sandbox.clear_requests()
        apply_s, _ = terraform(args.terraform, workdir, env, "apply", "-auto-approve")
        answered, limited, tokens = count(sandbox.requests())
        sandbox.clear_requests()
        refresh_s, code = terraform(args.terraform, workdir, env, "plan", "-detailed-exitcode")
        if code != 0:
            raise Failed(f"the plan after applying {size} setups is not empty")
        refresh_answered, refresh_limited, refresh_tokens = count(sandbox.requests())
        sandbox.unlimit()
        terraform(args.terraform, workdir, env, "destroy", "-auto-approve")
        floor = answered / args.rate
        objects = size * OBJECTS_PER_SETUP
        return {
            "setups": size, "apply_requests": answered, "apply_429": limited,
            "apply_token_requests": tokens, "apply_seconds": round(apply_s, 2),
            "floor_seconds": round(floor, 2), "apply_ratio": round(apply_s / floor, 3) if floor else None,
            "refresh_requests": refresh_answered, "refresh_429": refresh_limited,
            "refresh_token_requests": refresh_tokens, "objects_read": objects,
            "refresh_requests_per_object": round(refresh_answered / objects, 3),
            "refresh_seconds": round(refresh_s, 2),
        }
    finally:
        sandbox.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,20")
    parser.add_argument("--terraform", default=shutil.which("terraform") or os.environ.get("FF_TERRAFORM_1_0_3"))
    default_bins = os.path.join(REPO_ROOT, "target", "release")
    if not os.path.exists(os.path.join(default_bins, "terraform-provider-ff")):
        default_bins = os.path.join(REPO_ROOT, "target", "debug")
    parser.add_argument("--bin-dir", default=default_bins)
    parser.add_argument("--rate", type=float, default=2.0, help="Management API requests per second")
    parser.add_argument("--burst", type=int, default=2)
    parser.add_argument("--json", help="also write the rows as JSON here")
    args = parser.parse_args()
    args.bin_dir = os.path.abspath(args.bin_dir)
    if not args.terraform:
        print("no terraform found: put one on PATH or pass --terraform", file=sys.stderr)
        return 1
    version = subprocess.run([args.terraform, "version"], capture_output=True, text=True).stdout.splitlines()[0]
    print(f"{version}; provider and sandbox from {args.bin_dir}; Management API limit "
          f"{args.rate:g} requests/s, burst {args.burst}")
    rows = []
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        print(f"  {size} setup(s): apply, refresh, destroy ...", file=sys.stderr, flush=True)
        try:
            rows.append(run_size(size, args))
        except Failed as e:
            print(f"benchmark failed: {e}", file=sys.stderr)
            return 2
    header = ("setups", "apply req", "429s", "apply s", "floor s", "apply/floor",
              "refresh req", "objects", "req/object")
    print()
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" for _ in header) + "|")
    for r in rows:
        print(f"| {r['setups']} | {r['apply_requests']} | {r['apply_429']} | {r['apply_seconds']:.1f} | "
              f"{r['floor_seconds']:.1f} | {r['apply_ratio']:.2f} | {r['refresh_requests']} | "
              f"{r['objects_read']} | {r['refresh_requests_per_object']:.2f} |")
    print()
    print("Requests are Management API requests answered (not 429); each terraform command also made "
          "one Authentication API token request. The floor is the answered apply requests / the rate.")
    for r in rows:
        ok_apply = r["apply_ratio"] is not None and r["apply_ratio"] <= TARGET_APPLY_RATIO
        ok_refresh = r["refresh_requests_per_object"] <= 1.0
        print(f"  {r['setups']} setup(s): apply/floor {r['apply_ratio']} "
              f"({'meets' if ok_apply else 'misses'} <= {TARGET_APPLY_RATIO}), refresh "
              f"{r['refresh_requests_per_object']} requests/object ({'meets' if ok_refresh else 'misses'} <= 1)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"terraform": version, "rate": args.rate, "burst": args.burst, "rows": rows}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
