"""Checks of the files vmstrace writes for other tools, shared by the unit and e2e tests:
the Chrome trace-event format (--perfetto) and strace's -c table."""

from __future__ import annotations

from collections import Counter, defaultdict

PHASES = {"X", "i", "M", "s", "f"}  # the phases vmstrace writes
METADATA = {"process_name", "process_sort_index", "thread_name", "thread_sort_index"}


def check_trace_events(doc: dict) -> list[dict]:
    """Asserts that ``doc`` (json.load of a --perfetto file) is a trace-event file that
    Perfetto and chrome://tracing read as vmstrace means it; returns its events."""
    assert doc["displayTimeUnit"] == "ns"
    events = doc["traceEvents"]
    assert isinstance(events, list) and events
    slices = defaultdict(list)  # (pid, tid) -> [(start, end)]
    flows: dict[str, dict[int, dict]] = {"s": {}, "f": {}}
    named = defaultdict(set)
    for ev in events:
        for key in ("ph", "ts", "pid", "tid", "name"):
            assert key in ev, (key, ev)
        assert ev["ph"] in PHASES, ev
        assert isinstance(ev["pid"], int) and isinstance(ev["tid"], int), ev
        assert isinstance(ev["ts"], int | float) and isinstance(ev["name"], str), ev
        if ev["ph"] == "X":
            assert isinstance(ev["dur"], int | float) and ev["dur"] >= 0, ev
            slices[ev["pid"], ev["tid"]].append((ev["ts"], ev["ts"] + ev["dur"]))
        elif ev["ph"] == "i":
            assert ev["s"] in ("t", "p", "g"), ev
        elif ev["ph"] == "M":
            assert ev["name"] in METADATA and isinstance(ev["args"], dict), ev
            named[ev["name"]].add(ev["pid"] if ev["name"].startswith("process") else ev["tid"])
        else:
            assert ev["id"] not in flows[ev["ph"]], f"flow id {ev['id']} used twice"
            flows[ev["ph"]][ev["id"]] = ev
    # every flow starts and ends once, forward in time, each end inside a slice of its
    # thread (the child's first call), each start inside the clone's
    assert flows["s"].keys() == flows["f"].keys(), flows
    for fid, start in flows["s"].items():
        end = flows["f"][fid]
        assert end["bp"] == "e" and end["ts"] >= start["ts"], (start, end)
        for point in (start, end):
            spans = slices[point["pid"], point["tid"]]
            assert any(a <= point["ts"] <= b for a, b in spans), point
    # a thread makes one call at a time: its slices do not overlap
    for thread, spans in slices.items():
        spans.sort()
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            assert start >= end, (thread, end, start)
    # every thread and process with a slice is named and sorted
    for pid, tid in slices:
        assert pid in named["process_name"] and pid in named["process_sort_index"], pid
        assert tid in named["thread_name"] and tid in named["thread_sort_index"], tid
    return events


def summary_calls(text: str) -> Counter:
    """The calls column of strace -c's table, per syscall (the total left out)."""
    calls: Counter = Counter()
    rows = text.split("------ ----------- ----------- --------- --------- ----------------\n")
    for line in rows[1].splitlines():
        parts = line.split()
        calls[parts[-1]] = int(parts[3])
    return calls
