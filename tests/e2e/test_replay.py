"""`run --save-raw` and `vmstrace replay`: one real run recorded, decoded again with the
same options (byte-identical) and with others; cut, foreign and bogus raw files."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from vmstrace.rawfile import MAGIC

pytestmark = pytest.mark.e2e

VMSTRACE = Path(sys.executable).parent / "vmstrace"
SCRIPT = "ls -l /; echo hi > /tmp/f; cat /tmp/f; rm /tmp/f; cat /nonexistent"
OPTIONS = ["-y", "-tt", "-T", "-C", "--tree", "-s", "48"]


def _vmstrace(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VMSTRACE), *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    d = tmp_path_factory.mktemp("replay")
    proc = _vmstrace(
        "run", *OPTIONS, "-o", str(d / "live.txt"), "--json", str(d / "live.json"),
        "--save-raw", str(d / "run.raw"), "--", "/bin/sh", "-c", SCRIPT,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr  # the script's last command fails
    return d


def test_replay_with_the_live_options_is_byte_identical(live):
    proc = _vmstrace(
        "replay", *OPTIONS, "-o", str(live / "replay.txt"), "--json", str(live / "replay.json"),
        str(live / "run.raw"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    live_text = (live / "live.txt").read_bytes()
    assert b"openat(AT_FDCWD</>" in live_text  # -y was on: fds are annotated
    assert (live / "replay.txt").read_bytes() == live_text
    assert (live / "replay.json").read_bytes() == (live / "live.json").read_bytes()


def test_replay_with_other_filters_shows_a_part_of_the_same_calls(live):
    full = _vmstrace("replay", "-y", "-s", "48", "-o", str(live / "all.txt"), str(live / "run.raw"))
    part = _vmstrace(
        "replay", "-y", "-s", "48", "-e", "trace=%file", "-Z", "-o", str(live / "part.txt"),
        str(live / "run.raw"),
    )  # fmt: skip
    assert full.returncode == part.returncode == 0, full.stderr + part.stderr
    all_lines = (live / "all.txt").read_text().splitlines()
    lines = [ln for ln in (live / "part.txt").read_text().splitlines() if "(" in ln]
    assert lines and all(ln in all_lines for ln in lines)
    assert any('"/nonexistent"' in ln and "ENOENT" in ln for ln in lines), lines
    assert all("= -1 " in ln for ln in lines), lines  # -Z: failed calls only
    whole = _vmstrace("replay", "--all", "-c", str(live / "run.raw"))
    assert whole.returncode == 0 and "total" in whole.stderr, whole.stderr


def test_what_the_capture_did_not_read_is_refused(live):
    for args, said in ((["-s", "100"], "captured for -s 48"), (["-yy"], "without -yy")):
        proc = _vmstrace("replay", *args, str(live / "run.raw"))
        assert proc.returncode != 0 and said in proc.stderr, proc.stderr


def test_a_cut_raw_file_is_decoded_up_to_the_cut(live, tmp_path):
    data = (live / "run.raw").read_bytes()
    cut = tmp_path / "cut.raw"
    cut.write_bytes(data[: len(data) * 2 // 3])
    out = tmp_path / "cut.json"
    proc = _vmstrace("replay", "--all", "--json", str(out), str(cut))
    assert proc.returncode != 0 and "decoded up to there" in proc.stderr, proc.stderr
    lines = out.read_text().splitlines()
    assert len(lines) > 100
    stats = json.loads(lines[-1])
    assert stats["type"] == "stats" and stats["reason"] == "raw-file-cut"
    assert stats["complete"] is False


def test_a_raw_file_of_another_vmstrace_or_none_at_all_is_refused(live, tmp_path):
    data = (live / "run.raw").read_bytes()
    (n,) = struct.unpack_from("<I", data, len(MAGIC))
    head = json.loads(data[len(MAGIC) + 4 : len(MAGIC) + 4 + n])
    head["code"] = "0" * 64
    doc = json.dumps(head).encode()
    other = tmp_path / "other.raw"
    other.write_bytes(MAGIC + struct.pack("<I", len(doc)) + doc + data[len(MAGIC) + 4 + n :])
    proc = _vmstrace("replay", str(other))
    assert proc.returncode != 0 and "written by another vmstrace" in proc.stderr, proc.stderr
    bogus = tmp_path / "bogus.raw"
    bogus.write_bytes(b"not a trace\n")
    proc = _vmstrace("replay", str(bogus))
    assert proc.returncode != 0 and "is not a vmstrace raw file" in proc.stderr, proc.stderr
    assert proc.stderr.count("vmstrace:") == 1
