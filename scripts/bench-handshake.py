#!/usr/bin/env python3
"""Benchmark (not a test): start-to-handshake time and memory of two Terraform provider binaries.

Each binary is started the way Terraform's go-plugin client starts a provider: the magic
cookie, PLUGIN_PROTOCOL_VERSIONS, the port range and PLUGIN_CLIENT_CERT (a self-signed ECDSA
P-521 client certificate, as go-plugin's AutoMTLS makes one) in the environment; stdin and
stderr on /dev/null; stdout piped. The time measured runs from just before the spawn until the
whole handshake line (CORE|PROTOCOL|NETWORK|ADDRESS|grpc|SERVER-CERT) has been read from
stdout. Then the process's peak RSS (VmHWM) and current RSS (VmRSS) are read from
/proc/PID/status and it is killed (SIGKILL).

The two binaries are run interleaved (ff, go, ff, go, ...) after two warm-up starts each.

Targets (issue 13): handshake ratio ff/go <= 0.10, peak-RSS ratio <= 0.15.
The exit status is 0 whether or not a target is met; 2 when a binary cannot be started or
gives no handshake within the timeout; 1 on bad arguments.

    scripts/bench-handshake.py --ff target/x86_64-unknown-linux-musl/release/terraform-provider-ff \\
        --go "$FF_GO_PROVIDER" --go-protocol "$FF_GO_PROVIDER_PROTOCOL" [--runs 25] [--json OUT]
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
HANDSHAKE_RE = re.compile(r"^1\|(\d+)\|(tcp|unix)\|([^|]+)\|grpc\|(.*)$")
TARGET_HANDSHAKE_RATIO = 0.10
TARGET_RSS_RATIO = 0.15
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class NoHandshake(Exception):
    pass


def make_client_cert(tmp):
    """A self-signed ECDSA P-521 certificate like go-plugin's AutoMTLS client makes (mtls.go:
    CN and DNS name localhost, organization HashiCorp, a CA that can sign, client+server auth)."""
    cert, key = os.path.join(tmp, "client-cert.pem"), os.path.join(tmp, "client-key.pem")
    cmd = [
        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp521r1",
        "-sha512", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
        "-subj", "/O=HashiCorp/CN=localhost",
        "-addext", "subjectAltName=DNS:localhost",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,digitalSignature,keyEncipherment,keyAgreement,keyCertSign",
        "-addext", "extendedKeyUsage=clientAuth,serverAuth",
    ]
    try:
        subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    except FileNotFoundError:
        sys.exit("bench-handshake: the openssl command is needed to make the client certificate")
    except subprocess.CalledProcessError as e:
        sys.exit("bench-handshake: openssl failed: %s" % e.stderr.decode(errors="replace"))
    with open(cert) as f:
        return f.read()


def proc_status_kib(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                fields[name] = int(rest.split()[0])  # "  12345 kB"
    return fields


class Target:
    def __init__(self, label, path, protocol):
        self.label, self.path, self.protocol = label, path, protocol
        self.samples = []  # (handshake_ms, vmhwm_kib, vmrss_kib)
        self.handshake_line = None
        self.negotiated = set()
        self.mtls = set()


def start_once(target, env_base, timeout, stderr=subprocess.DEVNULL):
    """One start; returns (ms, VmHWM KiB, VmRSS KiB, handshake line)."""
    env = dict(env_base)
    env["PLUGIN_PROTOCOL_VERSIONS"] = str(target.protocol)
    timed_out = threading.Event()
    t0 = time.perf_counter()
    # Its own process group, so that killing it also kills anything it started (which could
    # otherwise hold stdout open).
    proc = subprocess.Popen([target.path], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=stderr, start_new_session=True)

    def kill_group():
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def watchdog():
        timed_out.set()
        kill_group()

    timer = threading.Timer(timeout, watchdog)
    timer.start()
    try:
        line = proc.stdout.readline()
        t1 = time.perf_counter()
        text = line.decode(errors="replace").rstrip("\r\n")
        # go-plugin's handshake is the first line on stdout; tolerate anything before it.
        while line and not HANDSHAKE_RE.match(text):
            line = proc.stdout.readline()
            t1 = time.perf_counter()
            text = line.decode(errors="replace").rstrip("\r\n")
        if timed_out.is_set():
            raise NoHandshake("no handshake within %.0f s" % timeout)
        if not line:
            raise NoHandshake("exited with status %s without a handshake" % proc.wait())
        try:
            mem = proc_status_kib(proc.pid)
        except OSError as e:
            raise NoHandshake("the process exited right after its handshake (%s)" % e)
    finally:
        timer.cancel()
        kill_group()
        proc.wait()
        proc.stdout.close()
    return (t1 - t0) * 1000.0, mem.get("VmHWM", 0), mem.get("VmRSS", 0), text


def stderr_tail(target, env_base, timeout, tmp):
    """Start the binary once more with stderr captured, to show why it gave no handshake."""
    path = os.path.join(tmp, "stderr-%s.log" % target.label)
    try:
        with open(path, "wb") as err:
            start_once(target, env_base, timeout, stderr=err)
    except (NoHandshake, OSError):
        pass
    with open(path, "rb") as f:
        data = f.read().decode(errors="replace").splitlines()
    return "\n".join(data[-20:]) or "(stderr was empty)"


def run(target, env_base, timeout, tmp, record):
    try:
        ms, hwm, rss, line = start_once(target, env_base, timeout)
    except (NoHandshake, OSError) as e:
        print("\nbench-handshake: %s binary %s: %s" % (target.label, target.path, e), file=sys.stderr)
        if not isinstance(e, OSError):
            print("--- stderr tail (a second start with stderr captured) ---", file=sys.stderr)
            print(stderr_tail(target, env_base, timeout, tmp), file=sys.stderr)
            print("---", file=sys.stderr)
        sys.exit(2)
    m = HANDSHAKE_RE.match(line)
    target.handshake_line = line
    target.negotiated.add(int(m.group(1)))
    target.mtls.add(bool(m.group(4)))
    if record:
        target.samples.append((ms, hwm, rss))


def pct(values, p):
    """Percentile with linear interpolation between closest ranks (p in 0..100)."""
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summarize(t):
    ms = [s[0] for s in t.samples]
    return {
        "path": t.path,
        "protocol_requested": t.protocol,
        "protocol_negotiated": sorted(t.negotiated),
        "server_cert_in_handshake": sorted(t.mtls),
        "handshake_line_example": "|".join(t.handshake_line.split("|")[:5]) + "|...",
        "runs": len(ms),
        "handshake_ms_median": statistics.median(ms),
        "handshake_ms_p10": pct(ms, 10),
        "handshake_ms_p90": pct(ms, 90),
        "vmhwm_mib_median": statistics.median(s[1] for s in t.samples) / 1024.0,
        "vmrss_mib_median": statistics.median(s[2] for s in t.samples) / 1024.0,
        "samples": [{"handshake_ms": a, "vmhwm_kib": b, "vmrss_kib": c} for a, b, c in t.samples],
    }


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def check_binary(label, path):
    if not path:
        sys.exit("bench-handshake: no %s binary given (--%s)" % (label, label))
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        print("bench-handshake: %s binary %s does not exist or is not executable" % (label, path),
              file=sys.stderr)
        sys.exit(2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ff", default=os.path.join(REPO_ROOT, "target", "x86_64-unknown-linux-musl", "release",
                                                  "terraform-provider-ff"),
                    help="terraform-provider-ff binary (default: what `cargo xtask build` made)")
    ap.add_argument("--ff-protocol", type=int, default=6,
                    help="PLUGIN_PROTOCOL_VERSIONS offered to --ff (default 6)")
    ap.add_argument("--go", default=os.environ.get("FF_GO_PROVIDER"),
                    help="the Go provider binary (default: $FF_GO_PROVIDER)")
    ap.add_argument("--go-protocol", type=int,
                    default=int(os.environ.get("FF_GO_PROVIDER_PROTOCOL") or 5),
                    help="PLUGIN_PROTOCOL_VERSIONS offered to --go "
                         "(default: $FF_GO_PROVIDER_PROTOCOL, else 5)")
    ap.add_argument("--runs", type=int, default=25, help="measured starts of each binary (>= 20; default 25)")
    ap.add_argument("--warmup", type=int, default=2, help="warm-up starts of each binary (default 2)")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a handshake (default 10)")
    ap.add_argument("--json", metavar="OUT", help="also write the figures as JSON to OUT")
    args = ap.parse_args()
    if args.runs < 20:
        ap.error("--runs must be at least 20")
    for proto in (args.ff_protocol, args.go_protocol):
        if proto not in (5, 6):
            ap.error("plugin protocol must be 5 or 6, not %d" % proto)

    check_binary("ff", args.ff)
    check_binary("go", args.go)
    ff = Target("ff", os.path.abspath(args.ff), args.ff_protocol)
    go = Target("go", os.path.abspath(args.go), args.go_protocol)

    tmp = tempfile.mkdtemp(prefix="ff-bench-handshake.")
    try:
        env_base = dict(os.environ)
        env_base.update({
            MAGIC_COOKIE_KEY: MAGIC_COOKIE_VALUE,
            "PLUGIN_MIN_PORT": "10000",
            "PLUGIN_MAX_PORT": "25000",
            "PLUGIN_CLIENT_CERT": make_client_cert(tmp),
            # Go providers listen on a unix socket in TMPDIR on Linux; a SIGKILLed provider
            # leaves it behind, so give them a directory that is removed afterwards.
            "TMPDIR": tmp,
            "PLUGIN_UNIX_SOCKET_DIR": tmp,
        })
        for _ in range(args.warmup):
            run(ff, env_base, args.timeout, tmp, record=False)
            run(go, env_base, args.timeout, tmp, record=False)
        for _ in range(args.runs):
            run(ff, env_base, args.timeout, tmp, record=True)
            run(go, env_base, args.timeout, tmp, record=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    sf, sg = summarize(ff), summarize(go)
    hs_ratio = sf["handshake_ms_median"] / sg["handshake_ms_median"]
    rss_ratio = sf["vmhwm_mib_median"] / sg["vmhwm_mib_median"] if sg["vmhwm_mib_median"] else float("inf")
    hs_pass, rss_pass = hs_ratio <= TARGET_HANDSHAKE_RATIO, rss_ratio <= TARGET_RSS_RATIO
    meta = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": os.uname().machine,
        "cpu_model": cpu_model(),
        "cpus": os.cpu_count(),
        "kernel": os.uname().release,
        "runs_each": args.runs,
        "warmup_each": args.warmup,
    }

    out = sys.stdout
    print("Terraform provider start-to-handshake benchmark", file=out)
    print("date:     %s" % meta["date"], file=out)
    print("machine:  %s, %s (%s CPUs), Linux %s" % (meta["machine"], meta["cpu_model"], meta["cpus"], meta["kernel"]), file=out)
    print("ff:       %s (protocol offered %d, answered %s)" % (ff.path, ff.protocol, "/".join(map(str, sorted(ff.negotiated)))), file=out)
    print("go:       %s (protocol offered %d, answered %s)" % (go.path, go.protocol, "/".join(map(str, sorted(go.negotiated)))), file=out)
    print("runs:     %d measured + %d warm-up each, interleaved ff,go; AutoMTLS client cert given" % (args.runs, args.warmup), file=out)
    for t in (ff, go):
        if t.negotiated != {t.protocol}:
            print("WARNING:  %s answered protocol %s to PLUGIN_PROTOCOL_VERSIONS=%d; Terraform would reject that"
                  % (t.label, "/".join(map(str, sorted(t.negotiated))), t.protocol), file=out)
        if t.mtls != {True}:
            print("WARNING:  %s handshake carried no server certificate (no AutoMTLS)" % t.label, file=out)
    print(file=out)
    hdr = "%-4s %14s %10s %10s %15s %15s" % ("", "handshake ms", "p10 ms", "p90 ms", "VmHWM MiB", "VmRSS MiB")
    print(hdr, file=out)
    print("%-4s %14s %10s %10s %15s %15s" % ("", "(median)", "", "", "(median)", "(median)"), file=out)
    for label, s in (("ff", sf), ("go", sg)):
        print("%-4s %14.2f %10.2f %10.2f %15.1f %15.1f" % (
            label, s["handshake_ms_median"], s["handshake_ms_p10"], s["handshake_ms_p90"],
            s["vmhwm_mib_median"], s["vmrss_mib_median"]), file=out)
    print(file=out)
    print("ratio ff/go  handshake  %.3f  (target <= %.2f)  %s" % (hs_ratio, TARGET_HANDSHAKE_RATIO, "PASS" if hs_pass else "FAIL"), file=out)
    print("ratio ff/go  peak RSS   %.3f  (target <= %.2f)  %s" % (rss_ratio, TARGET_RSS_RATIO, "PASS" if rss_pass else "FAIL"), file=out)

    if args.json:
        with open(args.json, "w") as f:
            json.dump({
                "meta": meta,
                "ff": sf,
                "go": sg,
                "ratios": {"handshake": hs_ratio, "peak_rss": rss_ratio},
                "targets": {
                    "handshake": {"max_ratio": TARGET_HANDSHAKE_RATIO, "pass": hs_pass},
                    "peak_rss": {"max_ratio": TARGET_RSS_RATIO, "pass": rss_pass},
                },
            }, f, indent=2)
            f.write("\n")
        print("figures written to %s" % args.json, file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
