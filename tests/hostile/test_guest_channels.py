"""A hostile guest against vmstrace's guest→host channels: the serial control line that
reports READY and the command's exit status, the console, and every guest-made text
vmstrace prints.

The guest is root: any process can write the control line (and read the run's nonce on
/proc/cmdline) or the console, and name itself or its files with terminal escape
sequences.  The command's status must come from the trace (its exit_group, or the wait4
of its parent) and a disagreeing control line must be named in one warning; no input on
a channel may stop the trace or drop its stats record; guest text reaches the terminal
escaped as strace escapes strings (octal), and the JSON exactly.
"""

from __future__ import annotations

import re

import pytest

BIN = "/vmstrace/bin"
WARN = "vmstrace: warning: "


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(WARN)]


def _complete(t) -> None:
    assert t.stats is not None and t.stats["complete"] is True, t.stats
    assert t.stats["events"] == len(t.events)


def test_forged_control_lines_do_not_decide_the_status(vmstrace):
    t = vmstrace([f"{BIN}/hostile-control"])
    assert t.returncode == 3, t.stderr
    assert _warnings(t.stderr) == [
        WARN + "the control line carried 6 lines not from the launcher "
        "(1044481 bytes past the 4096-byte line limit discarded)",
        WARN + "exit status 3 from the trace; the guest's control line said otherwise "
        "(EXIT 127, NOTFOUND hostile, EXIT 3) and is not trusted: any guest process can "
        "write it",
    ]
    assert "command not found" not in t.stderr
    _complete(t)
    assert t.events[-1]["name"] == "exit_group" and t.events[-1]["args"] == ["3"]
    assert t.text[-1].endswith("+++ exited with 3 +++")
    assert re.search(r"^vmstrace: \d+ syscalls shown; records produced \d+", t.stderr, re.M)


def test_death_by_signal_is_the_shells_status_from_the_trace(vmstrace):
    t = vmstrace([f"{BIN}/hostile-signal"])
    assert t.returncode == 128 + 11, t.stderr
    assert _warnings(t.stderr) == []
    _complete(t)


@pytest.mark.parametrize("opts", [(), ("--all",)], ids=["cmd", "all"])
def test_a_forged_status_before_a_signal_death_is_named(vmstrace, opts):
    # --all: the compiled lane takes every process's calls; it leaves these to the loop
    t = vmstrace([f"{BIN}/hostile-signal", "forge"], *opts)
    assert t.returncode == 128 + 11, t.stderr
    assert _warnings(t.stderr) == [
        WARN + "exit status 139 from the trace; the guest's control line said otherwise "
        "(EXIT 0, EXIT 139) and is not trusted: any guest process can write it",
    ]
    _complete(t)


NAME = "\x1b]0;PWNED\x07"
NAME_SHOWN = "\\33]0;PWNED\\7"
PANIC_SHOWN = "Kernel panic - not syncing: \\33]0;PWNED-TITLE\\7"


def test_guest_names_reach_the_terminal_escaped(vmstrace):
    t = vmstrace([f"{BIN}/hostile-names"], "-y", "--tree", "--comm", NAME)
    assert t.returncode == 0, t.stderr
    assert "\x1b" not in t.stderr and not any("\x1b" in line for line in t.text)
    assert _warnings(t.stderr) == [
        WARN + f'the guest console showed "{PANIC_SHOWN}", but the command exited '
        "(status 0, from the trace): any guest process can write the console",
    ]
    opened = [line for line in t.text if ' openat(AT_FDCWD</>, "/tmp/' in line]
    assert len(opened) == 1
    assert re.fullmatch(
        r'\[pid \d+ \\33\]0;PWNED\\7\] openat\(AT_FDCWD</>, "/tmp/\\33\[31mred", '
        r"O_WRONLY\|O_CREAT\|O_TRUNC, 0600\) = 3</tmp/\\33\[31mred>",
        opened[0],
    ), opened[0]
    tree = [line for line in t.text if "  ppid " in line]
    assert len(tree) == 1 and f"  {NAME_SHOWN}  " in tree[0], tree
    ours = [e for e in t.events if e["comm"] == NAME]
    assert [e["name"] for e in ours][-1] == "exit_group"
    assert any(e["name"] == "openat" and e["args"][1] == '"/tmp/\\33[31mred"' for e in ours)
    _complete(t)


def test_a_panic_excerpt_is_escaped(vmstrace):
    t = vmstrace([f"{BIN}/hostile-names", "crash"])
    assert t.returncode == 2, t.stderr
    assert "\x1b" not in t.stderr and "\x07" not in t.stderr
    assert f"vmstrace: the guest kernel panicked: {PANIC_SHOWN}\n" in t.stderr
    assert t.stats is not None  # the JSON stream is still closed with its counts
