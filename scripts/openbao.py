"""A real Vault for the benchmarks: an OpenBao dev server (in memory) on a free loopback port.

    from openbao import OpenBao
    with OpenBao() as bao:                       # FF_BAO from env.sh, else the tools directory
        sandbox = [..., "--vault-upstream", bao.address]
        env = {"VAULT_TOKEN": bao.token, ...}

The dev listener cannot take port 0 and its cluster listener takes the next port: a free
port is picked, and a start that finds either taken is tried again on another (5 times).
The server is ready once it answers sys/health and has printed its unseal key (after its
own setup). It is killed when the block ends. Its root token is random and never printed.
"""

import os
import secrets
import socket
import subprocess
import tempfile
import time
import urllib.request


def bao_binary():
    path = os.environ.get("FF_BAO")
    if not path:
        cache = os.environ.get("XDG_CACHE_HOME", os.path.join(os.path.expanduser("~"), ".cache"))
        tools = os.environ.get("FF_TOOLS_DIR", os.path.join(cache, "terraform-provider-ff"))
        path = os.path.join(tools, "openbao", "2.7.2", "bao")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"OpenBao is not installed at {path}: run scripts/install-tools.sh")
    return path


class OpenBao:
    def __init__(self, bao=None):
        self.bao = bao or bao_binary()
        self.token = "ff-bench-" + secrets.token_hex(16)
        self.process = None
        self.address = None
        self.started_in = None
        self._dir = tempfile.TemporaryDirectory(prefix="ff-openbao-")
        self.log_path = os.path.join(self._dir.name, "bao.log")

    def __enter__(self):
        for _ in range(5):
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            self.address = f"http://127.0.0.1:{port}"
            started = time.monotonic()
            with open(self.log_path, "w") as log:
                self.process = subprocess.Popen(
                    [self.bao, "server", "-dev", "-dev-no-store-token", f"-dev-root-token-id={self.token}",
                     f"-dev-listen-address=127.0.0.1:{port}"],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            while self.process.poll() is None and time.monotonic() - started < 30:
                if self._ready():
                    self.started_in = time.monotonic() - started
                    return self
                time.sleep(0.02)
            self._stop()
            text = open(self.log_path).read()
            if "address already in use" not in text:
                raise RuntimeError(f"OpenBao did not start:\n{text[-2000:]}")
        raise RuntimeError("OpenBao found its port taken 5 times in a row")

    def _ready(self):
        if "Unseal Key:" not in open(self.log_path).read():
            return False
        try:
            with urllib.request.urlopen(self.address + "/v1/sys/health", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    def _stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __exit__(self, *exc):
        self._stop()
        self._dir.cleanup()
        return False
