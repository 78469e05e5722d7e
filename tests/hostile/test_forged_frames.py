"""rt_sigreturn on frames no signal delivery built (sigreturn-oriented programming):
the kernel restores whatever the frame holds, and the trace says what it restored
(guest/programs/hostile-frames.c)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


def test_forged_signal_frames(vmstrace):
    t = vmstrace(["/vmstrace/bin/hostile-frames"])
    assert t.returncode == 0, t.stderr
    assert t.stdout == b"srop ok\nchild signal 11\n"
    assert t.stats is not None and t.stats["complete"] is True, t.stats
    parent = next(e["pid"] for e in t.events if e["name"] == "execve")
    child = next(e["ret"] for e in t.events if e["name"] == "clone")
    mine = [line.split("] ", 1)[1] for line in t.text if line.startswith(f"[pid {parent}] ")]
    # a forged but valid frame: it resumes where the frame says, with the frame's rax
    at = mine.index("rt_sigreturn({mask=[HUP INT]}) = 4660")
    assert mine[at + 1] == 'write(1, "srop ok\\n", 8) = 8'
    # a frame of junk: the child never gets back to user mode; no value is made up
    theirs = [line.split("] ", 1)[1] for line in t.text if line.startswith(f"[pid {child}] ")]
    junk = [line for line in theirs if line.startswith("rt_sigreturn(")]
    assert len(junk) == 1 and re.fullmatch(
        r"rt_sigreturn\(\{mask=\[HUP BUS KILL [A-Z0-9_ ]+\]\}\)"
        r" = \?",
        junk[0],
    ), junk
    event = next(e for e in t.events if e["pid"] == child and e["name"] == "rt_sigreturn")
    assert event["ret"] is None and event["error"] is None


def test_a_handler_at_the_return_address_is_told_by_its_stack(vmstrace):
    """A handler installed at the address a call returns to, entered at that call's return,
    leaves the kernel by sysretq exactly as a plain return would (with rax 0): the read's
    result, and the bytes it read, still come from the frame the handler runs on
    (guest/programs/hostile-handler-at-return.c)."""
    t = vmstrace(["/vmstrace/bin/hostile-handler-at-return"])
    assert t.returncode == 0, t.stderr
    assert t.stdout == b"handler at return: ok\n"
    main = next(e["pid"] for e in t.events if e["name"] == "execve")
    mine = [line.split("] ", 1)[1] for line in t.text if line.startswith(f"[pid {main}] ")]
    at = mine.index('read(3, "hello", 16) = 5')
    assert mine[at + 1 : at + 3] == [
        "--- SIGIO {si_signo=SIGIO} ---",
        "rt_sigreturn({mask=[]}) = 5",
    ], mine[at : at + 3]
