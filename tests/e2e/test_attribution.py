"""Exact attribution: who vmstrace says made each call, against what the guest kernel says.

probe-whoami (guest/programs/probe-whoami.c) prints its main thread's and two threads'
/proc status lines and makes one recognisable call per thread; the traced events of those
calls must carry the same pid, tid, ppid, comm, uid and euid.  The corners of
{6.1, 6.12} x {KPTI on (Intel model Skylake-Client), off (max: AMD-like, LA57)} x
{1, 2 vCPUs} run: under KPTI the CR3 in use at `syscall` and `sysretq` maps no kernel data,
so this is the test of the plugin's own page walk through the shared RAM file.
"""

from __future__ import annotations

import re

import pytest

MATRIX = [
    pytest.param("6.1", "max", 1, id="6.1-nokpti-smp1"),
    pytest.param("6.1", "Skylake-Client", 2, id="6.1-kpti-smp2"),
    pytest.param("6.12", "Skylake-Client", 1, id="6.12-kpti-smp1"),
    pytest.param("6.12", "max", 2, id="6.12-nokpti-smp2"),
]
ROLES = ("main", "t1", "t2")
MARKER = re.compile(r'^"/vmstrace-whoami/(\w+)"$')


def _guest_report(stdout: str) -> dict[str, dict[str, list[str]]]:
    """{role: {"Name": [...], "Pid": [...], ...}} from probe-whoami's output."""
    report: dict[str, dict[str, list[str]]] = {}
    for line in stdout.splitlines():
        role, _, rest = line.partition(" ")
        key, _, value = rest.partition(" " if rest.startswith(("pti", "cpus")) else ":")
        report.setdefault(role, {})[key] = value.split()
    return report


@pytest.mark.parametrize(("line", "cpu", "smp"), MATRIX)
def test_attribution_matches_the_guest(vmstrace, line: str, cpu: str, smp: int) -> None:
    t = vmstrace(
        ["/vmstrace/bin/probe-whoami"], "--kernel-line", line, "--cpu", cpu, "--smp", str(smp)
    )
    assert t.returncode == 0, t.stderr
    guest = _guest_report(t.stdout.decode())
    assert guest["main"]["pti"] == ["yes" if cpu == "Skylake-Client" else "no"]
    assert guest["main"]["cpus"] == [str(smp)]

    markers = {}
    for ev in t.events:
        m = MARKER.match(ev["args"][1]) if ev["name"] == "faccessat" else None
        if m:
            markers[m.group(1)] = ev
    assert sorted(markers) == sorted(ROLES)
    for role in ROLES:
        status, ev = guest[role], markers[role]
        uids = [int(u) for u in status["Uid"]]
        assert (ev["pid"], ev["tid"], ev["ppid"], ev["comm"], ev["uid"], ev["euid"]) == (
            int(status["Tgid"][0]),
            int(status["Pid"][0]),
            int(status["PPid"][0]),
            status["Name"][0],
            uids[0],
            uids[1],
        ), role
        assert ev["task_id"].endswith(f":{ev['tid']}")
        assert ev["ret"] == -2 and ev["error"] == "ENOENT"
    assert (markers["t1"]["uid"], markers["t2"]["euid"]) == (4321, 1234)
    assert len({markers[r]["tid"] for r in ROLES}) == 3

    # Every call of the process is attributed, one task_id per thread, one address space.
    pid = markers["main"]["pid"]
    mine = [ev for ev in t.events if ev["pid"] == pid]
    assert all(ev["tid"] is not None and ev["comm"] for ev in t.events)
    ids = {ev["tid"]: set() for ev in mine}
    for ev in mine:
        ids[ev["tid"]].add(ev["task_id"])
    assert all(len(v) == 1 for v in ids.values()), ids
    assert len({ev["cr3"] for ev in mine if ev["name"] != "execve"}) == 1  # execve: old mm
    assert all(ev["cr3"] & 0x1FFF == 0 for ev in t.events)

    # Each exit pairs: every entry is paired, never returns, or is left at the end.
    s = t.stats
    assert s is not None and s["complete"], s
    assert s["entries"] == s["paired"] + s["no_return"] + s["unfinished"], s
    assert s["unfinished"] <= 5, s
