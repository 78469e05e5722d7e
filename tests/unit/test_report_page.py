"""The report page and its input: guest strings that try to break out of the embedded
JSON, the call list's framing, a cut or stats-less trace, a file that is no trace."""

from __future__ import annotations

import base64
import json
import re
import zlib

import pytest
from click.testing import CliRunner

from vmstrace.cli import main
from vmstrace.core.errors import VmstraceError
from vmstrace.decode.fmt import quote
from vmstrace.report.html import render, script_json
from vmstrace.report.reader import read_trace, ret_text

HOSTILE = [
    "</script><script>alert(1)</script>",
    "</SCRIPT >",
    "<!--<script>",
    "a\u2028b\u2029c",
    "bad \udcff\udc80 bytes",
    'quote" back\\slash & amp',
    "nl\nsep\x1fend",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_script_json_cannot_leave_its_block(text):
    out = script_json({"s": text, "l": [text]})
    assert out.isascii()
    assert not set(out) & set("<>&\u2028\u2029")
    assert json.loads(out) == {"s": text, "l": [text]}


def syscall(ts, pid, name, args, ret, error=None, comm="sh", exe="/bin/sh"):
    return {
        "type": "syscall", "ts": ts, "ts_exit": ts + 1, "vcpu": 0, "pid": pid, "tid": pid,
        "ppid": 1, "comm": comm, "uid": 0, "euid": 0, "task_id": f"1:{pid}", "exe": exe,
        "cr3": 4096, "nr": 0, "name": name, "abi": "x86_64", "args": args, "ret": ret,
        "error": error,
    }  # fmt: skip


STATS = {"type": "stats", "complete": True, "reason": None}


def write_trace(path, records, tail=""):
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + tail)
    return path


def hostile_trace(tmp_path):
    recs = []
    for i, text in enumerate(HOSTILE):
        quoted = quote(text.encode("utf-8", "surrogateescape"))  # as the decoder quotes
        recs.append(
            syscall(i, 10 + i, "openat", ["AT_FDCWD", quoted, "O_RDONLY"], 3, comm=text, exe=text)
        )
        recs.append(syscall(i, 10 + i, "write", ["1", quoted, "5"], 5, comm=text))
    return write_trace(tmp_path / "t.jsonl", recs + [STATS])


def blocks(page):
    return dict(
        re.findall(r'<script type="application/json" id="([a-z-]+)">(.*?)</script>', page, re.S)
    )


def test_hostile_strings_stay_data(tmp_path):
    collected = read_trace(hostile_trace(tmp_path))
    page = render(collected)
    # four scripts (three data blocks, the code): none closed early, none added
    assert page.count("<script") == 4 and page.lower().count("</script") == 4
    assert "\u2028" not in page and "\u2029" not in page
    page.encode("utf-8")  # no lone surrogate: the page is UTF-8
    data = blocks(page)
    summary = json.loads(data["vmstrace-summary"])
    # a byte that was not UTF-8 shown as \\xNN, as in paths (a browser would show U+FFFD)
    shown = [t if "\udcff" not in t else "bad \\xff\\x80 bytes" for t in HOSTILE]
    assert [p["comm"] for p in summary["processes"]] == shown
    # paths read back from their quoted text, the same
    assert {f["subject"] for f in summary["facts"] if f["category"] == "file"} == set(shown)
    # the call list: one line per call, seven fields each, whatever the strings held
    text = zlib.decompress(base64.b64decode(json.loads(data["vmstrace-calls"]))).decode("utf-8")
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) - 1 == 2 * len(HOSTILE)
    assert all(len(line.split("\x1f")) == 7 for line in lines[:-1])
    assert [line.split("\x1f")[0] for line in lines[:-1]] == [str(i) for i in range(14)]


def test_truncated_last_line_reports_what_was_read(tmp_path):
    recs = [syscall(1, 10, "getpid", [], 10), syscall(2, 10, "getpid", [], 10)]
    cut = json.dumps(syscall(3, 10, "getpid", [], 10))[:40]
    path = write_trace(tmp_path / "t.jsonl", recs, tail=cut)
    collected = read_trace(path)
    assert collected.facts.ncalls == 2
    assert collected.facts.problems == [
        "the last line (3) is cut short: the file was truncated while it was written; the "
        "report covers the 2 calls before it",
        "the trace has no final stats record: it was cut short (the run was killed, or the "
        "file truncated), so it may lack calls and processes",
    ]
    result = CliRunner().invoke(main, ["report", str(path), "--json", str(tmp_path / "f.json")])
    assert result.exit_code == 0
    facts = json.loads((tmp_path / "f.json").read_text())
    assert (facts["complete"], facts["calls"]) == (False, 2)


def test_trace_without_stats_is_incomplete(tmp_path):
    path = write_trace(tmp_path / "t.jsonl", [syscall(1, 10, "getpid", [], 10)])
    result = CliRunner().invoke(main, ["report", str(path), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 0
    page = (tmp_path / "r.html").read_text()
    summary = json.loads(blocks(page)["vmstrace-summary"])
    assert summary["complete"] is False
    assert summary["problems"][0].startswith("the trace has no final stats record")


def test_stats_saying_incomplete(tmp_path):
    stats = {"type": "stats", "complete": False, "reason": "interrupted"}
    path = write_trace(tmp_path / "t.jsonl", [syscall(1, 10, "getpid", [], 10), stats])
    assert read_trace(path).facts.problems == [
        "the trace is incomplete (interrupted): vmstrace's stats record says not every call "
        "was delivered or paired"
    ]


@pytest.mark.parametrize(
    "content",
    ["[pid 85] getpid() = 85\n", '{"type": "syscall"}\n{"type":"stats"}\n', "[1, 2]\n"],
)
def test_not_a_trace_is_an_error(tmp_path, content):
    path = tmp_path / "t.jsonl"
    path.write_text(content)
    with pytest.raises(VmstraceError, match="line 1: not a vmstrace JSON record"):
        read_trace(path)


def test_bad_line_in_the_middle_is_an_error(tmp_path):
    path = write_trace(tmp_path / "t.jsonl", [syscall(1, 10, "getpid", [], 10)], tail="{oops\n")
    path.write_text(path.read_text() + json.dumps(STATS) + "\n")
    with pytest.raises(VmstraceError, match="line 2: not a whole vmstrace JSON record"):
        read_trace(path)


def test_report_needs_an_output(tmp_path):
    path = write_trace(tmp_path / "t.jsonl", [STATS])
    result = CliRunner().invoke(main, ["report", str(path)])
    assert result.exit_code != 0
    assert "-o report.html, --json FILE and/or --perfetto FILE" in result.output


def test_missing_trace_file(tmp_path):
    page = tmp_path / "x.html"
    result = CliRunner().invoke(main, ["report", str(tmp_path / "no.jsonl"), "-o", str(page)])
    assert result.exit_code != 0 and "cannot read" in result.output
    assert not page.exists()  # (the trace is opened first)


@pytest.mark.parametrize(
    ("name", "ret", "error", "text"),
    [
        ("read", 5, None, "5"),
        ("openat", -2, "ENOENT", "-1 ENOENT (No such file or directory)"),
        ("mmap", 0x7F544A44C000, None, "0x7f544a44c000"),
        ("exit_group", None, None, "?"),
    ],
)
def test_return_text_from_json(name, ret, error, text):
    assert ret_text(name, ret, error) == text


def test_report_writes_the_timeline_too(tmp_path):
    path = write_trace(tmp_path / "t.jsonl", [STATS])
    timeline = tmp_path / "t.json"
    result = CliRunner().invoke(main, ["report", str(path), "--perfetto", str(timeline)])
    assert result.exit_code == 0, result.output
    assert json.loads(timeline.read_text())
