#!/usr/bin/env bash
# Installs what vmstrace needs on Debian 12, idempotently and quickly the second time:
# QEMU 10 from bookworm-backports, busybox-static, the build tools for the capture plugin
# and the guest's static test programs, and the Python package in a venv (.venv).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

need_pkgs=()
# pipx: tests/e2e/test_wheel.py installs the built wheel with it, as a user would.
# The second line: the real software the conformance harness copies into the guest
# (src/vmstrace/guest/realsw.py), dpkg-dev for `apt-get source strace` (its tests), and
# the kernel's UAPI headers the constant tables are checked against; mmdebstrap and
# zstd build the Debian guest (src/vmstrace/guest/debian.py); the third line makes the
# boot disk the `vmstrace qemu` tests boot through firmware: a FAT filesystem (dosfstools),
# written without a mount (mtools), with syslinux and its MBR (tests/e2e/diskimage.py);
# chromium and its driver open `vmstrace report`'s page in the tests (tests/e2e/test_report.py).
for p in busybox-static libglib2.0-dev gcc gcc-multilib make libc6-dev cpio pkg-config python3-venv python3-dev strace pipx \
    dash bash mawk diffutils perl-base coreutils util-linux bsdutils hostname procps curl wget openssl openssh-client git jq xxd lsof tar gzip findutils grep sed sqlite3 xz-utils zstd python3.11 dpkg-dev linux-libc-dev mmdebstrap \
    dosfstools mtools syslinux chromium chromium-driver; do
    dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
qemu_ok=0
if command -v qemu-system-x86_64 >/dev/null 2>&1; then
    v=$(qemu-system-x86_64 --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p' | head -1)
    [ "${v:-0}" -ge 10 ] && qemu_ok=1
fi

# bookworm-backports carries QEMU 10 and the 6.12 guest kernel the tests also boot.
if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "setup: enabling bookworm-backports (QEMU 10, the 6.12 guest kernel)"
    $SUDO tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
# bookworm's sources: `apt-get source strace` (strace 6.1's test programs, run by the
# conformance harness: src/vmstrace/guest/strace_tests.py).
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    echo "setup: enabling bookworm deb-src (strace's test programs)"
    $SUDO tee /etc/apt/sources.list.d/bookworm-src.sources >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
have_lists=0
ls /var/lib/apt/lists/*bookworm-backports*Packages* >/dev/null 2>&1 \
    && ls /var/lib/apt/lists/*bookworm*Sources* >/dev/null 2>&1 && have_lists=1

if [ "$qemu_ok" = 0 ] || [ ${#need_pkgs[@]} -gt 0 ] || [ "$have_lists" = 0 ]; then
    echo "setup: apt-get update; install ${need_pkgs[*]} $([ "$qemu_ok" = 0 ] && echo qemu-system-x86)"
    $SUDO apt-get update -q >/dev/null
    export DEBIAN_FRONTEND=noninteractive
    if [ ${#need_pkgs[@]} -gt 0 ]; then
        $SUDO apt-get install -y -q "${need_pkgs[@]}" >/dev/null
    fi
    if [ "$qemu_ok" = 0 ]; then
        $SUDO apt-get install -y -q -t bookworm-backports qemu-system-x86 >/dev/null
    fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    "$PY" -m venv .venv
fi
stamp=.venv/.vmstrace-installed
# (the install also compiles the C parts of the reader, the pairing, the decoder, the
# JSON sink and the plugin's constants: again when they change)
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] \
    || [ src/vmstrace/core/_abi.c -nt "$stamp" ] || [ native/vmstrace_spec.h -nt "$stamp" ] \
    || [ src/vmstrace/capture/_records.c -nt "$stamp" ] \
    || [ src/vmstrace/trace/_pairing.c -nt "$stamp" ] \
    || [ src/vmstrace/sinks/_jsonl.c -nt "$stamp" ] \
    || [ src/vmstrace/_decoder.c -nt "$stamp" ] || [ src/vmstrace/_slots.h -nt "$stamp" ] \
    || [ native/vmstrace_records.h -nt "$stamp" ]; then
    echo "setup: installing the Python package into .venv"
    .venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
    touch "$stamp"
fi
