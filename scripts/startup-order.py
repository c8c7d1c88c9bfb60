#!/usr/bin/env python3
"""Record the functions the release provider runs from start to handshake, for the linker.

Writes provider/startup-order.txt, which provider/build.rs hands to the linker
(`--symbol-ordering-file`) so that those functions sit side by side in the release binary
(see build.rs for why that matters). Run it again after upgrading Rust or the dependencies
that start-up goes through (tokio, tonic, rustls, ring, rcgen, tfplugin); a list that has
gone stale only loses its effect, which scripts/bench-handshake.py shows as a larger peak RSS.

What it does:
  1. builds the release binary as `cargo xtask release` builds it (`cargo xtask build
     --keep-symbols`: the same profile, target and flags, with the symbols kept, so the
     functions have the same names as in the stripped release build), into
     target/startup-order;
  2. starts it under valgrind's callgrind the way Terraform starts a provider (magic cookie,
     protocol 6, an AutoMTLS client certificate), waits for the handshake line and stops it;
  3. writes the names of the binary's own functions that ran, sorted.

Needs valgrind (`apt-get install valgrind`) and openssl.

    scripts/startup-order.py
"""

import argparse
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORDER_FILE = os.path.join(REPO_ROOT, "provider", "startup-order.txt")
TARGET_DIR = os.path.join(REPO_ROOT, "target", "startup-order")
# A linker symbol; callgrind also reports "(below main)" and bare addresses.
SYMBOL = re.compile(r"^[A-Za-z_.$][A-Za-z0-9_.$]*$")
HEADER = """\
# Functions terraform-provider-ff runs from start to its go-plugin handshake, recorded by
# scripts/startup-order.py (rustc {rustc}) from the release build of `cargo xtask build`.
# provider/build.rs passes this file to the linker, which places these functions side by
# side in the release binary. Do not edit by hand: run the script again.
"""


def load_bench():
    spec = importlib.util.spec_from_file_location(
        "bench_handshake", os.path.join(REPO_ROOT, "scripts", "bench-handshake.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build():
    """Builds the release binary with its symbols; returns its path."""
    env = dict(os.environ, CARGO_TARGET_DIR=TARGET_DIR)
    out = subprocess.run(["cargo", "xtask", "build", "--keep-symbols"], cwd=REPO_ROOT, env=env,
                         check=True, stdout=subprocess.PIPE, text=True)
    return out.stdout.strip().splitlines()[-1]


def record(bench, tmp, binary):
    """Runs the binary under callgrind until its handshake; returns callgrind's output file."""
    out = os.path.join(tmp, "callgrind.out")
    env = dict(os.environ)
    env.update({
        bench.MAGIC_COOKIE_KEY: bench.MAGIC_COOKIE_VALUE,
        "PLUGIN_PROTOCOL_VERSIONS": "6",
        "PLUGIN_MIN_PORT": "10000",
        "PLUGIN_MAX_PORT": "25000",
        "PLUGIN_CLIENT_CERT": bench.make_client_cert(tmp),
    })
    with open(os.path.join(tmp, "valgrind.log"), "w") as log:
        proc = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--demangle=no", "--callgrind-out-file=" + out,
             binary],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log)
        line = proc.stdout.readline().decode(errors="replace")
        # callgrind writes its profile when the program ends, also on SIGTERM.
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    if not bench.HANDSHAKE_RE.match(line.rstrip("\r\n")):
        with open(os.path.join(tmp, "valgrind.log")) as log:
            tail = log.read()[-4000:]
        sys.exit("startup-order: no handshake from the provider under valgrind; its log ends:\n"
                 + tail)
    if not os.path.exists(out):
        sys.exit("startup-order: callgrind wrote no profile")
    return out


def functions_of_binary(profile, binary):
    """Names of the functions callgrind attributes to the binary (not to the kernel's vDSO)."""
    objects, names, own = {}, {}, set()
    current_object = None
    ref = re.compile(r"^(ob|fn|cob|cfn)=\((\d+)\)(?: (.*))?$")
    with open(profile) as f:
        for line in f:
            m = ref.match(line.rstrip("\n"))
            if not m:
                continue
            kind, number, name = m.groups()
            table = objects if kind in ("ob", "cob") else names
            if name is not None:
                table[number] = name
            if kind == "ob":
                current_object = objects.get(number)
            elif kind == "fn" and current_object == binary and SYMBOL.match(names[number]):
                own.add(names[number])
    return own


def rustc_version():
    out = subprocess.run(["rustc", "--version"], capture_output=True, text=True, check=True)
    return out.stdout.split()[1]


def main():
    argparse.ArgumentParser(description=__doc__.split("\n")[0]).parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("startup-order: valgrind is needed (apt-get install valgrind)")
    bench = load_bench()
    binary = build()
    with tempfile.TemporaryDirectory() as tmp:
        names = functions_of_binary(record(bench, tmp, binary), binary)
    if not names:
        sys.exit("startup-order: no function of the binary was recorded")
    names = sorted(names)
    text = HEADER.format(rustc=rustc_version()) + "".join(n + "\n" for n in names)
    with open(ORDER_FILE, "w") as f:
        f.write(text)
    print("startup-order: wrote %d functions to %s" % (len(names), ORDER_FILE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
