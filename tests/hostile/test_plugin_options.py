"""The capture plugin refuses an option it does not know, or a value the option does not
take, and QEMU refuses to start with it: a typo in ``-plugin ...,key=value`` stops the run
with the option and the value named, instead of tracing with a number nobody asked for.

QEMU installs plugins before it loads the kernel, so these runs need no guest: the
command is vmstrace's own (guest/qemu.py) with a kernel that does not exist, which QEMU
only reaches when the plugin took its options.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from vmstrace.capture.plugin import plugin_path
from vmstrace.core.abi import MAGIC, REC_STATS, VERSION
from vmstrace.guest.qemu import SERIAL_LINES, GuestConfig, find_qemu, qemu_command

pytestmark = pytest.mark.e2e

QEMU_REFUSES = "qemu_plugin_install returned error code -1"
ASK_OR_SPEC = (
    "give spec=PATH, or ask=PATH,answer=PATH (the spec comes from the host once the kernel is up)"
)


def _qemu(tmp_path: Path, options: dict[str, str]) -> tuple[int, list[str], bytes]:
    """QEMU's exit status, its stderr lines, and what the plugin wrote to its out= file."""
    out = tmp_path / "stream"
    out.write_bytes(b"")  # the plugin opens an existing file (a FIFO, for bench --record)
    cfg = GuestConfig(kernel=tmp_path / "no-kernel", initrd=tmp_path / "no-initrd")
    null = {line: os.open(os.devnull, os.O_WRONLY) for line in SERIAL_LINES}
    try:
        cmd = qemu_command(find_qemu(), cfg, null, plugin_path(), {"out": str(out)} | options)
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=60, pass_fds=tuple(null.values())
        )
    finally:
        for fd in null.values():
            os.close(fd)
    return proc.returncode, proc.stderr.splitlines(), out.read_bytes()


BAD = [
    (
        {"bogus": "1"},
        "unknown option bogus=1 (options: out, ring, bell, spec, ask, answer, batch, "
        "flush_ms, ram, ram_size, ram_low)",
    ),
    ({"batch": "12x"}, "bad value for batch: '12x' (a number from 0 to 1073741824)"),
    ({"batch": "-1"}, "bad value for batch: '-1' (a number from 0 to 1073741824)"),
    ({"batch": " 1"}, "bad value for batch: ' 1' (a number from 0 to 1073741824)"),
    ({"batch": ""}, "bad value for batch: '' (a number from 0 to 1073741824)"),
    ({"batch": "0x"}, "bad value for batch: '0x' (a number from 0 to 1073741824)"),
    (
        {"batch": str((1 << 30) + 1)},
        "bad value for batch: '1073741825' (a number from 0 to 1073741824)",
    ),
    # past 2^64, and past what the plugin can hold in nanoseconds
    (
        {"flush_ms": "18446744073709551616"},
        "bad value for flush_ms: '18446744073709551616' (a number from 0 to 18446744073709)",
    ),
    (
        {"flush_ms": "18446744073710"},
        "bad value for flush_ms: '18446744073710' (a number from 0 to 18446744073709)",
    ),
    (
        {"ram_size": "0"},
        "bad value for ram_size: '0' (a number from 1 to 18446744073709551615)",
    ),
    (
        {"ram_low": "4k"},
        "bad value for ram_low: '4k' (a number from 1 to 18446744073709551615)",
    ),
    ({"spec": ""}, "bad value for spec: '' (a path)"),
    ({"ram_size": "0x20000000"}, "ram_size and ram_low need ram=PATH"),
    ({"ask": ""}, "bad value for ask: '' (a path)"),
    ({"answer": ""}, "bad value for answer: '' (a path)"),
    # the spec comes from a file or from the host, never half of each
    ({"ask": "/dev/null"}, ASK_OR_SPEC),
    ({"answer": "/dev/null"}, ASK_OR_SPEC),
    ({"ask": "/dev/null", "answer": "/dev/null", "spec": "/dev/null"}, ASK_OR_SPEC),
    ({"answer": "/dev/null", "spec": "/dev/null"}, ASK_OR_SPEC),
]


@pytest.mark.parametrize(
    ("options", "message"), BAD, ids=[",".join(f"{k}={v}" for k, v in o.items()) for o, _ in BAD]
)
def test_a_bad_option_stops_qemu_naming_it(
    tmp_path: Path, options: dict[str, str], message: str
) -> None:
    status, stderr, stream = _qemu(tmp_path, options)
    assert status == 1
    assert stderr[0] == f"vmstrace plugin: {message}"
    assert stderr[1].endswith(QEMU_REFUSES)
    assert stream == b""  # refused before it wrote anything


def test_good_options_get_qemu_past_the_plugin(tmp_path: Path) -> None:
    # the same command with options the plugin takes: QEMU goes on to the kernel (which
    # does not exist), and the plugin writes a whole stream, header to STATS, as it exits
    status, stderr, stream = _qemu(tmp_path, {"batch": "0x1000", "flush_ms": "5"})
    assert status == 1
    assert not any(line.startswith("vmstrace plugin") for line in stderr)
    assert any("could not open kernel file" in line for line in stderr)
    assert stream[:8] == MAGIC
    assert int.from_bytes(stream[8:12], "little") == VERSION
    assert int.from_bytes(stream[16:18], "little") == REC_STATS


def test_ask_without_a_system_call_still_writes_a_whole_stream(tmp_path: Path) -> None:
    # ask=/answer= hold the stream's header until the first system call; a guest that
    # never makes one (here: no kernel at all) still gets header and STATS, and the
    # plugin never opened the pipes (which do not exist)
    options = {"ask": str(tmp_path / "no-ask"), "answer": str(tmp_path / "no-answer")}
    status, stderr, stream = _qemu(tmp_path, options)
    assert status == 1
    assert not any(line.startswith("vmstrace plugin") for line in stderr)
    assert stream[:8] == MAGIC
    assert int.from_bytes(stream[8:12], "little") == VERSION
    assert int.from_bytes(stream[16:18], "little") == REC_STATS
