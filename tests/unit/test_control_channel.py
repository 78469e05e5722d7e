"""The guest's channels as untrusted input: control-line parsing and bounds, the status the
trace settles, the command's end seen in the trace, and the escaping of guest text."""

from __future__ import annotations

import io
import json
import os
from dataclasses import replace

import pytest

from conftest import build_call
from vmstrace.core.events import Syscall, TaskInfo, TraceEvent
from vmstrace.decode.fmt import escape
from vmstrace.guest import channels
from vmstrace.guest.channels import (
    LINE_MAX,
    GuestStatus,
    Lines,
    console_excerpt,
    control_line,
    settle_status,
)
from vmstrace.sinks.jsonl import JsonSink
from vmstrace.sinks.text import TextSink
from vmstrace.sinks.tree import ProcessTreeSink
from vmstrace.trace.attribution import decode_task
from vmstrace.trace.outcome import CommandOutcome, shell_status

NONCE = "0123abcd"


def _status(*lines: bytes) -> GuestStatus:
    status = GuestStatus(nonce=NONCE)
    for line in lines:
        control_line(line, status, 1.0)
    return status


# --- lines ---------------------------------------------------------------------------


def test_lines_are_bounded_and_the_excess_counted() -> None:
    lines = Lines(limit=8)
    got = list(lines.feed(b"short\n0123456789"))
    got += list(lines.feed(b"abc\nx"))
    assert got == [b"short", b"01234567"]
    assert lines.discarded == 5
    assert lines.rest() == b"x"


def test_a_megabyte_without_newline_keeps_line_max() -> None:
    lines = Lines()
    for _ in range(16):
        assert list(lines.feed(b"A" * 65536)) == []
    assert list(lines.feed(b"\n")) == [b"A" * LINE_MAX]
    assert lines.discarded == (1 << 20) - LINE_MAX


# --- the control line ----------------------------------------------------------------


def test_the_launchers_lines() -> None:
    s = _status(f"VMSTRACE {NONCE} READY".encode(), b"", f"VMSTRACE {NONCE} EXIT 3".encode())
    assert s.ready.is_set() and s.ready_at == 1.0
    assert (s.exit_status, s.reports, s.junk) == (3, ["EXIT 3"], 0)


@pytest.mark.parametrize(
    "line",
    [
        b"VMSTRACE READY",
        b"VMSTRACE EXIT 127",
        b"VMSTRACE NOTFOUND x",  # no nonce
        b"VMSTRACE other READY",
        f"VMSTRACE {NONCE} EXIT 256".encode(),
        f"VMSTRACE {NONCE} EXIT -1".encode(),
        f"VMSTRACE {NONCE} EXIT 3 4".encode(),
        f"VMSTRACE {NONCE} EXIT".encode(),
        f"VMSTRACE {NONCE} READY now".encode(),
        f"VMSTRACE {NONCE} NOTFOUND".encode(),
        f"VMSTRACE {NONCE} HELLO".encode(),
        b"VMSTRACE \0 EXIT 5",
        b"VMSTRACE \xff\xfe EXIT 6",
        b"x",
        b"\0",
        b"\xff" * LINE_MAX,
    ],
)
def test_anything_else_is_junk(line: bytes) -> None:
    s = _status(line)
    assert (s.junk, s.exit_status, s.not_found, s.reports, s.ready.is_set()) == (
        1,
        None,
        None,
        [],
        False,
    )


def test_not_found_keeps_the_guests_bytes() -> None:
    s = _status(f"VMSTRACE {NONCE} NOTFOUND a \x1b[2J\xff".encode("latin-1"))
    assert s.not_found == "a \x1b[2J\udcff"
    assert s.reports == ["NOTFOUND a \\33[2J\\377"]


def test_reports_are_bounded() -> None:
    s = _status(*[f"VMSTRACE {NONCE} EXIT {n}".encode() for n in range(20)])
    assert s.exit_status == 19
    assert s.reports == [f"EXIT {n}" for n in range(8)] + ["..."]


def _pipe(data: bytes) -> int:
    r, w = os.pipe()
    with os.fdopen(w, "wb") as f:
        f.write(data)
    return r


def test_read_control_takes_an_unended_last_line() -> None:
    s = GuestStatus(nonce=NONCE)
    channels.read_control(_pipe(b"x" * 5000 + f"\nVMSTRACE {NONCE} EXIT 9".encode()), s)
    assert (s.exit_status, s.junk, s.discarded) == (9, 1, 5000 - LINE_MAX)


def test_the_console_log_is_bounded(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(channels, "CONSOLE_LOG_MAX", 10)
    s, log = GuestStatus(), tmp_path / "console.log"
    channels.read_console(_pipe(b"0123456789abc\nKernel panic - x\r\nend"), s, log)
    assert log.read_bytes() == (
        b"0123456789\n[vmstrace: the console log stops here, at its size limit]\n"
    )
    assert list(s.console_tail) == ["0123456789abc", "Kernel panic - x", "end"]
    assert s.panic == "Kernel panic - x"


def test_the_console_log_replaces_a_link_and_is_written_as_it_comes(tmp_path) -> None:
    target, log = tmp_path / "target", tmp_path / "console.log"
    target.write_bytes(b"keep")
    log.symlink_to(target)
    r, w = os.pipe()
    reader = channels.threading.Thread(target=channels.read_console, args=(r, GuestStatus(), log))
    reader.start()
    os.write(w, b"booting\n")
    for _ in range(200):  # the log shows the line while the run goes on
        try:
            if not log.is_symlink() and log.read_bytes() == b"booting\n":
                break
        except FileNotFoundError:  # (between the link's removal and the file's creation)
            pass
        channels.time.sleep(0.01)
    assert log.read_bytes() == b"booting\n" and not log.is_symlink()
    os.close(w)
    reader.join(5)
    assert target.read_bytes() == b"keep" and os.stat(log).st_mode & 0o777 == 0o600


def test_a_console_log_that_cannot_be_written_does_not_stop_the_reading(tmp_path) -> None:
    s = GuestStatus()
    channels.read_console(_pipe(b"x\nKernel panic - y\n"), s, tmp_path / "no" / "log")
    assert s.panic == "Kernel panic - y"


# --- settling the status -------------------------------------------------------------


def test_agreement_says_nothing() -> None:
    got = settle_status(_status(f"VMSTRACE {NONCE} EXIT 3".encode()), 3, True, True)
    assert (got.exit_status, got.not_found, got.warnings) == (3, None, ())


def test_the_trace_wins_and_the_disagreement_is_named() -> None:
    s = _status(
        f"VMSTRACE {NONCE} EXIT 127".encode(),
        f"VMSTRACE {NONCE} NOTFOUND hostile".encode(),
        f"VMSTRACE {NONCE} EXIT 3".encode(),
        b"junk",
    )
    got = settle_status(s, 3, True, True)
    assert (got.exit_status, got.not_found) == (3, None)
    assert got.warnings == (
        "the control line carried 1 line not from the launcher",
        "exit status 3 from the trace; the guest's control line said otherwise "
        "(EXIT 127, NOTFOUND hostile, EXIT 3) and is not trusted: any guest process can "
        "write it",
    )


def test_a_missing_report_is_no_disagreement() -> None:
    assert settle_status(_status(), 0, True, True).warnings == ()


def test_not_found_when_the_trace_agrees() -> None:
    s = _status(
        f"VMSTRACE {NONCE} NOTFOUND /no/such".encode(), f"VMSTRACE {NONCE} EXIT 127".encode()
    )
    got = settle_status(s, 127, False, True)
    assert (got.exit_status, got.not_found, got.warnings) == (127, "/no/such", ())


def test_not_found_is_forged_when_the_command_ran() -> None:
    s = _status(f"VMSTRACE {NONCE} NOTFOUND x".encode(), f"VMSTRACE {NONCE} EXIT 127".encode())
    got = settle_status(s, 127, True, True)
    assert got.not_found is None and got.exit_status == 127
    assert len(got.warnings) == 1 and "(NOTFOUND x, EXIT 127)" in got.warnings[0]


def test_not_found_is_forged_when_the_launcher_exited_otherwise() -> None:
    s = _status(f"VMSTRACE {NONCE} NOTFOUND x".encode(), f"VMSTRACE {NONCE} EXIT 126".encode())
    got = settle_status(s, 126, False, True)
    assert got.not_found is None and got.exit_status == 126 and len(got.warnings) == 1


def test_an_unseen_exit_is_the_guests_unverified_word() -> None:
    got = settle_status(_status(f"VMSTRACE {NONCE} EXIT 4".encode()), None, True, True)
    assert got.exit_status == 4
    assert got.warnings == (
        "exit status 4 is the guest's unverified report: the trace did not show the command's exit",
    )


def test_without_a_trace_the_control_line_is_all_there_is() -> None:
    got = settle_status(_status(f"VMSTRACE {NONCE} EXIT 4".encode()), None, None, False)
    assert (got.exit_status, got.warnings) == (4, ())


def test_a_console_panic_after_a_traced_exit_is_a_warning() -> None:
    s = _status()
    s.panic = "Kernel panic - not syncing: \x1b]0;X\x07"
    got = settle_status(s, 0, True, True)
    assert got.warnings == (
        'the guest console showed "Kernel panic - not syncing: \\33]0;X\\7", but the '
        "command exited (status 0, from the trace): any guest process can write the console",
    )


def test_the_console_excerpt_is_escaped() -> None:
    s = _status()
    s.console_tail.extend(["ok", "\x1b[2J\udcff"])
    assert console_excerpt(s) == "    ok\n    \\33[2J\\377"


# --- the command's end in the trace --------------------------------------------------

LAUNCHER = b"/vmstrace/bin/vmstrace-exec\0"


def _as(pid: int, ppid: int, call):
    who = TaskInfo(task=0xFFFF0000 + pid, cr3=0x1000, pid=pid, tid=pid, ppid=ppid, comm="t")
    x = None if call.exit is None else replace(call.exit, who=who)
    return Syscall(replace(call.entry, who=who), x)


def _outcome(*calls) -> CommandOutcome:
    out = CommandOutcome()
    for call in calls:
        out.see(call, call_name(call))
    return out


def call_name(call) -> str:
    from vmstrace.decode import plan_for

    return plan_for(call.entry.abi, call.entry.nr).name


def _wait4(parent: int, child: int, wstatus: int):
    return _as(
        parent,
        0,
        build_call("wait4", [-1, 0x2000, 0, 0], ret=child, exit={1: wstatus.to_bytes(4, "little")}),
    )


LAUNCH = _as(50, 1, build_call("execve", [0x1000, 0, 0], ret=0, entry={0: LAUNCHER}))
COMMAND = _as(50, 1, build_call("execve", [0x1000, 0, 0], ret=0, entry={0: b"/bin/x\0"}))


@pytest.mark.parametrize(
    ("wstatus", "shell"),
    [
        (3 << 8, 3),
        (0, 0),
        (11, 139),
        (11 | 0x80, 139),
        (9, 137),
        ((19 << 8) | 0x7F, None),
        (0xFFFF, None),
    ],
)
def test_shell_status(wstatus: int, shell: int | None) -> None:
    assert shell_status(wstatus) == shell


def test_the_parents_wait4_tells_a_death_by_signal() -> None:
    out = _outcome(LAUNCH, COMMAND, _wait4(7, 50, 0), _wait4(1, 51, 0), _wait4(1, 50, 11))
    assert (out.root, out.parent, out.started, out.status) == (50, 1, True, 139)


def test_exit_group_when_the_reaping_is_not_seen() -> None:
    out = _outcome(
        LAUNCH,
        COMMAND,
        _as(50, 1, build_call("exit_group", [0x103], ret=None)),
        _as(60, 50, build_call("exit_group", [9], ret=None)),
    )
    assert (out.exit_code, out.reaped, out.status) == (3, None, 3)


def test_the_reaping_wins_over_exit_group() -> None:
    out = _outcome(
        LAUNCH, COMMAND, _as(50, 1, build_call("exit_group", [0], ret=None)), _wait4(1, 50, 9)
    )
    assert out.status == 137


def test_nothing_before_the_launcher() -> None:
    out = _outcome(_as(50, 1, build_call("exit_group", [3], ret=None)), _wait4(1, 50, 0))
    assert (out.root, out.status) == (None, None)


def test_not_started_without_the_commands_exec() -> None:
    out = _outcome(LAUNCH, _as(50, 1, build_call("exit_group", [127], ret=None)))
    assert (out.started, out.status) == (False, 127)


# --- guest text in vmstrace's output -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain", "plain"),
        ("\x1b]0;PWNED\x07", "\\33]0;PWNED\\7"),
        ('a"b\\c', 'a\\"b\\\\c'),
        ("caf\u00e9", "caf\\303\\251"),
        ("x\udcffy", "x\\377y"),
        ("\ud800", "\\355\\240\\200"),
        (b"\x1b1", "\\0331"),
        ("tab\there", "tab\\there"),
    ],
)
def test_escape(text: str | bytes, shown: str) -> None:
    assert escape(text) == shown


def test_comm_keeps_the_kernels_bytes() -> None:
    raw = b"\x1b]0;\xffX\0junk".ljust(16, b"\0")
    data = (5).to_bytes(4, "little") * 2 + raw + bytes(8) + (1).to_bytes(4, "little") + bytes(8)
    who = decode_task(data, 1, 2, True)
    assert who.comm == "\x1b]0;\udcffX"
    assert who.comm.encode("utf-8", "surrogateescape") == raw.split(b"\0")[0]


def _event(comm: str) -> TraceEvent:
    return TraceEvent(
        ts=1,
        ts_exit=2,
        vcpu=0,
        pid=5,
        tid=5,
        ppid=1,
        comm=comm,
        uid=0,
        euid=0,
        task_id="1:5",
        exe="/bin/\\x1b",
        cr3=0x1000,
        nr=39,
        name="getpid",
        abi="x86_64",
        args=(),
        ret=5,
        ret_text="5",
        error=None,
    )


COMMS = ["\x1b]0;PWNED\x07", "[bold]x[/bold]", "\udcff\x00\x7f", "[link=http://x]y"]


@pytest.mark.parametrize("comm", COMMS)
def test_json_carries_comm_exactly(comm: str) -> None:
    one, batch = io.StringIO(), io.StringIO()
    JsonSink(one).event(_event(comm))
    JsonSink(batch).events([_event(comm)])
    assert one.getvalue() == batch.getvalue()
    assert one.getvalue().isascii()
    assert json.loads(one.getvalue())["comm"] == comm


@pytest.mark.parametrize("comm", COMMS)
def test_text_and_tree_escape_comm(comm: str) -> None:
    out = io.StringIO()
    text = TextSink(out, show_comm=True)
    text.events([_event(comm)])
    text.note(5, "+++ exited with 0 +++", comm)
    tree = ProcessTreeSink(out)
    tree.events([_event(comm)])
    tree.close(None)  # type: ignore[arg-type]
    lines = out.getvalue().splitlines()
    shown = escape(comm)
    assert lines[0] == f"[pid 5 {shown}] getpid() = 5"
    assert lines[1] == f"[pid 5 {shown}] +++ exited with 0 +++"
    assert lines[2] == "process tree"
    assert lines[3] == f"└── pid 5  ppid 1  {shown}  exit ?  1 syscalls"
    assert not any(ord(c) < 0x20 or c == "\x7f" for c in out.getvalue().replace("\n", ""))
