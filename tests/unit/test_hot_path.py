"""The consumer's fast paths give what the plain ones give, and their caches never go stale.

decode.plan_for caches each (abi, nr); decode_call renders a call in one pass; the Decoder
caches per-thread fields by TaskInfo; JsonSink caches the JSON of repeating parts; quote()
skips its byte loop for printable text; the pairing stage builds Syscalls with their
return value in place.  Each is checked against the plain path here.
"""

from __future__ import annotations

import dataclasses
import gc
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vmstrace import decode
from vmstrace.core.abi import ARG_EXE, EXIT_ELSEWHERE, EXIT_RESTART
from vmstrace.core.events import (
    Insn,
    Mem,
    RawEntry,
    RawExit,
    Syscall,
    TaskInfo,
    TraceEvent,
    paired,
    return_value,
)
from vmstrace.decode import (
    TABLES,
    DecodeOptions,
    Plans,
    decode_args,
    decode_call,
    error_name,
    fdpath,
    format_return,
    plan_for,
    templated,
)
from vmstrace.decode.fmt import quote
from vmstrace.pipeline import Decoder
from vmstrace.sinks.jsonl import JsonSink
from vmstrace.trace.filters import EVERY_CALL, CallFilter, build_filter

U64 = (1 << 64) - 1
NR64 = {info.name: nr for nr, info in TABLES["x86_64"].items()}
NR32 = {info.name: nr for nr, info in TABLES["i386"].items()}
WHO = TaskInfo(
    task=0xFFFF888000001000,
    cr3=0x1000,
    pid=100,
    tid=100,
    ppid=1,
    comm="t",
    uid=0,
    euid=0,
    start_time=5,
)


def make(
    abi: str,
    nr: int,
    args: tuple[int, ...],
    ret: int | None,
    em: dict[int, Mem] | None = None,
    xm: dict[int, Mem] | None = None,
    who: TaskInfo = WHO,
) -> Syscall:
    e = RawEntry(
        1,
        0,
        abi,
        Insn.SYSCALL if abi == "x86_64" else Insn.INT80,
        0x401000,
        0x7FFC0000,
        nr,
        args,
        who,
        em or {},
    )  # type: ignore[arg-type]
    if ret is None:
        return Syscall(e, None)
    x = RawExit(
        2,
        0,
        abi,
        Insn.SYSRETQ if abi == "x86_64" else Insn.IRETQ,
        0x401002,
        ret & U64,
        nr,
        who,
        xm or {},
        user_pc=0x401002,
    )
    return Syscall(e, x)


# --- decode_call is decode_args + format_return + error_name ---------------------------

mem_st = st.builds(
    Mem,
    addr=st.integers(0, U64),
    data=st.binary(max_size=80),
    fault=st.booleans(),
    truncated=st.booleans(),
)
mems_st = st.dictionaries(st.integers(0, 8), mem_st, max_size=4)
args_st = st.lists(
    st.one_of(st.sampled_from([0, 1, 3, 0xFFFFFFFF, U64, 0x7FFE0000]), st.integers(0, U64)),
    min_size=6,
    max_size=6,
).map(tuple)
ret_st = st.one_of(
    st.none(), st.integers(-4095, -1), st.integers(0, 4096), st.integers(-(1 << 63), U64)
)
call_st = st.one_of(
    st.tuples(st.just("x86_64"), st.sampled_from(sorted(NR64[n] for n in templated()))),
    st.tuples(st.just("i386"), st.sampled_from(sorted(NR32[n] for n in templated("i386")))),
    st.tuples(st.sampled_from(["x86_64", "i386"]), st.integers(0, 1 << 20)),
)


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    which=call_st,
    args=args_st,
    ret=ret_st,
    em=mems_st,
    xm=mems_st,
    strsize=st.integers(0, 40),
    raw=st.booleans(),
    fds=st.booleans(),
)
def test_decode_call_is_the_three_plain_functions(which, args, ret, em, xm, strsize, raw, fds):
    abi, nr = which
    opts = DecodeOptions(strsize=strsize, raw=raw, decode_fds=fds)
    call = make(abi, nr, args, ret, em, xm)
    # a fresh call for the plain path: nothing may depend on state left by the other
    again = make(abi, nr, args, ret, em, xm)
    assert decode_call(call, opts, plan_for(abi, nr)) == (
        tuple(decode_args(again, opts)),
        format_return(again, opts),
        error_name(again),
    )


def test_same_number_different_arguments_is_not_served_from_a_cache():
    d = Decoder(32)
    a = d(make("x86_64", NR64["close"], (3, 0, 0, 0, 0, 0), 0))
    b = d(make("x86_64", NR64["close"], (4, 0, 0, 0, 0, 0), -9))
    assert (a.args, a.ret_text, a.error) == (("3",), "0", None)
    assert (b.args, b.ret_text, b.error) == (("4",), "-1 EBADF (Bad file descriptor)", "EBADF")


# --- plans follow the syscall tables ------------------------------------------------------


def test_plans_follow_a_renumbering_by_the_guest_kernel():
    close, dup = NR64["close"], NR64["dup"]
    call = make("x86_64", 1000, (3, 0, 0, 0, 0, 0), 0)
    assert plan_for("x86_64", 1000).name == "syscall_0x3e8"
    assert decode_args(call, DecodeOptions()) == [hex(3)] + ["0"] * 5
    plans = Plans(TABLES.renumbered({"x86_64": {1000: "close", close: "dup"}}))
    assert plan_for("x86_64", 1000, plans).name == "close"
    assert plan_for("x86_64", 1000, plans).template is decode.TEMPLATES["close"]
    assert plan_for("x86_64", close, plans).template is decode.TEMPLATES["dup"]
    assert decode_args(call, DecodeOptions(), plans) == ["3"]
    # the project's tables and plans are left as they were
    assert plan_for("x86_64", 1000).name == "syscall_0x3e8"
    assert plan_for("x86_64", close).name == "close" and plan_for("x86_64", dup).name == "dup"
    assert decode_args(call, DecodeOptions()) == [hex(3)] + ["0"] * 5


def test_one_number_has_a_plan_per_abi():
    # 3 is close on x86_64 and read on i386; socketcall (i386 only) names its subcall
    assert plan_for("x86_64", 3).name == "close" and plan_for("i386", 3).name == "read"
    assert plan_for("x86_64", 3).mask == U64 and plan_for("i386", 3).mask == 0xFFFFFFFF
    assert plan_for("i386", NR32["socketcall"]).socketcall
    assert not plan_for("x86_64", NR64["socket"]).socketcall


def test_plan_table_is_bounded():
    plans = Plans()
    for nr in range(1 << 20, (1 << 20) + Plans.MAX + 10):
        assert plan_for("x86_64", nr, plans).name == f"syscall_{nr:#x}"
    assert 0 < len(plans.cache) <= Plans.MAX
    assert plan_for("x86_64", 0, plans).name == "read"


# --- the Decoder's per-thread fields ------------------------------------------------------


def test_a_thread_that_changes_shows_its_new_fields():
    d = Decoder(32)
    nr = NR64["getpid"]
    first = d(make("x86_64", nr, (0,) * 6, 100))
    renamed = dataclasses.replace(WHO, comm="sh", euid=1000)  # after execve, setuid
    second = d(make("x86_64", nr, (0,) * 6, 100, who=renamed))
    assert (first.comm, first.euid, second.comm, second.euid) == ("t", 0, "sh", 1000)
    assert second.task_id == "5:100" and second.cr3 == 0


def test_a_reused_id_is_not_mistaken_for_the_thread_that_had_it():
    d = Decoder(32)
    who = TaskInfo(task=1, cr3=0x7000, pid=7, tid=8, ppid=1, comm="old", start_time=1)
    d(make("x86_64", NR64["getpid"], (0,) * 6, 7, who=who))
    key = id(who)
    del who
    gc.collect()
    # the cache holds the old TaskInfo, so its id is not free: a new object cannot have it
    assert d.threads[key][0].comm == "old"
    other = TaskInfo(task=2, cr3=0x9000, pid=9, tid=9, ppid=1, comm="new", start_time=2)
    d.threads[id(other)] = d.threads.pop(key)  # as if the id had been reused anyway
    ev = d(make("x86_64", NR64["getpid"], (0,) * 6, 9, who=other))
    assert (ev.pid, ev.tid, ev.comm, ev.cr3, ev.task_id) == (9, 9, "new", 0x8000, "2:9")


# --- JSON lines: the cached fragments -----------------------------------------------------


def _event(**over: object) -> TraceEvent:
    base: dict[str, object] = dict(
        ts=12,
        ts_exit=40,
        vcpu=0,
        pid=85,
        tid=86,
        ppid=1,
        comm="probe",
        cr3=0x1000,
        nr=0,
        name="read",
        abi="x86_64",
        args=("3", '"x"', "1"),
        ret=1,
        ret_text="1",
        error=None,
        uid=0,
        euid=0,
        task_id="9:86",
        exe=None,
    )
    base.update(over)
    return TraceEvent(**base)  # type: ignore[arg-type]


KEYS = (
    "type",
    "ts",
    "ts_exit",
    "vcpu",
    "pid",
    "tid",
    "ppid",
    "comm",
    "uid",
    "euid",
    "task_id",
    "exe",
    "cr3",
    "nr",
    "name",
    "abi",
    "args",
    "ret",
    "error",
)


def test_json_lines_of_a_changing_stream_are_each_events_own():
    events = [
        _event(),
        _event(ts=13),
        _event(exe="/bin/sh"),
        _event(comm="sh", exe="/bin/sh"),
        _event(tid=87, task_id="10:87"),
        _event(cr3=0x2000),
        _event(uid=None, euid=None),
        _event(nr=1, name="write"),
        _event(abi="i386"),
        _event(ret=-2, error="ENOENT"),
        _event(),
        _event(pid=None, tid=None, ppid=None, comm=None, task_id=None),
    ]
    out = io.StringIO()
    sink = JsonSink(out)
    for ev in events:
        sink.event(ev)
    for line, ev in zip(out.getvalue().splitlines(keepends=True), events, strict=True):
        fields = {f.name: getattr(ev, f.name) for f in dataclasses.fields(ev)}
        for unwritten in ("ret_text", "raw_args", "raw_ret"):  # the latter two: --json-raw
            fields.pop(unwritten)
        fields["args"] = list(ev.args)
        got = json.loads(line)
        assert got == {"type": "syscall", **fields}
        assert list(got) == list(KEYS)  # the README's order
        assert line == json.dumps(got, separators=(",", ":")) + "\n"


def test_json_fragment_caches_are_bounded():
    sink = JsonSink(io.StringIO())
    for i in range(5000):
        sink.event(_event(tid=i, nr=i))
    assert len(sink._threads) <= 4096 and len(sink._calls) <= 4096


# --- quote's fast paths -------------------------------------------------------------------


def _quote_loop(data: bytes) -> str:
    """strace's string_quote, byte by byte (quote()'s general path)."""
    named = {0x09: "\\t", 0x0A: "\\n", 0x0B: "\\v", 0x0C: "\\f", 0x0D: "\\r"}
    out = ['"']
    for i, b in enumerate(data):
        if b == 0x22:
            out.append('\\"')
        elif b == 0x5C:
            out.append("\\\\")
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        elif b in named:
            out.append(named[b])
        elif i + 1 < len(data) and 0x30 <= data[i + 1] <= 0x37:
            out.append(f"\\{b:03o}")
        else:
            out.append(f"\\{b:o}")
    return "".join(out) + '"'


printable = st.binary(max_size=60).map(lambda b: bytes(0x20 + c % 0x5F for c in b))
texty = st.lists(st.sampled_from(list(b'ab "\\\t\n\v\f\r07')), max_size=40).map(bytes)
# octal escapes next to digits: where the three-digit form is needed, and where it is not
octal_next = st.lists(
    st.sampled_from(list(b"\x00\x01\x08\x0e\x7f\x80\xff\t0178a\\")), max_size=40
).map(bytes)


@settings(max_examples=1000)
@given(data=st.one_of(printable, texty, octal_next, st.binary(max_size=60)))
def test_quote_matches_the_byte_loop(data):
    assert quote(data) == _quote_loop(data)
    assert quote(data) == _quote_loop(data)  # the second time from quote's memo


def test_quote_memo_is_bounded_and_keeps_only_short_data():
    from vmstrace.decode import fmt

    for i in range(5000):
        quote(b"%d" % i)
    long = b"y" * (fmt._QUOTE_MEMO_LEN + 1)
    assert quote(long) == '"' + "y" * len(long) + '"'
    assert len(fmt._QUOTED) <= fmt._MEMO_ENTRIES and long not in fmt._QUOTED


def test_flags_memo_tells_tables_apart_even_when_an_id_is_reused():
    from vmstrace.decode import fmt

    opts = DecodeOptions()
    for n in range(50):  # short-lived tables: CPython hands their ids out again
        table = [(1, f"A{n}"), (2, f"B{n}")]
        assert fmt.flags(3, table, opts) == f"A{n}|B{n}"
        assert fmt.flags(0, table, opts, zero=f"Z{n}") == f"Z{n}"
        assert fmt.flags(5, table, opts) == f"A{n}|0x4"
    assert fmt.flags(3, [(1, "A")], DecodeOptions(raw=True)) == "0x3"
    assert len(fmt._FLAGS_TEXT) <= fmt._MEMO_ENTRIES
    for n in range(50):  # the same for a field plus flags
        field, table = {0: f"RD{n}", 1: f"WR{n}"}, [(4, f"X{n}")]
        assert fmt.xlat_flags(5, 3, field, table, opts) == f"WR{n}|X{n}"
        assert fmt.xlat_flags(2, 3, field, table, opts) == "0x2"  # (no name, no flag)
    assert len(fmt._XLAT_FLAGS_TEXT) <= fmt._MEMO_ENTRIES


# --- Syscall.ret and the pairing stage's constructor -------------------------------------


@pytest.mark.parametrize(
    "abi, raw, flags, expect",
    [
        ("x86_64", 3, 0, 3),
        ("x86_64", U64 - 1, 0, -2),
        ("i386", 0xFFFFFFFE, 0, -2),
        ("x86_64", 0, EXIT_RESTART, -512),  # the plugin saw it resume where it restarts
        ("i386", 3, EXIT_RESTART, -512),
        ("i386", 0, EXIT_RESTART, -516),  # as restart_syscall (i386's 0)
        ("x86_64", 3, EXIT_ELSEWHERE, None),
    ],
)
def test_paired_call_has_the_return_value_syscall_computes(abi, raw, flags, expect):
    e = RawEntry(1, 0, abi, Insn.SYSCALL, 0x401000, 0x7FFC0000, 0, (0,) * 6, WHO)
    # (resuming at the call's own instruction is no restart unless the plugin says so)
    x = RawExit(2, 0, abi, Insn.SYSRETQ, 0, raw, 0, WHO, {}, user_pc=0x401000, flags=flags)
    fast, plain = paired(e, x), Syscall(e, x)
    assert fast == plain and fast.ret == plain.ret == return_value(e, x) == expect
    assert paired(e, None).ret is None and Syscall(e, None).ret is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.entry = e  # type: ignore[misc]


# --- the filter's shortcuts ---------------------------------------------------------------


def test_filter_shortcuts_say_whether_an_option_narrows_the_selection():
    assert EVERY_CALL.every_process and EVERY_CALL.every_call
    assert CallFilter() == EVERY_CALL and "every" not in repr(EVERY_CALL)
    assert not build_filter(["trace=read"]).every_call
    assert not build_filter(successful=True).every_call
    assert not build_filter(pids=[5]).every_process and build_filter(pids=[5]).every_call
    assert not build_filter(comms=["sh"]).every_process


# --- the executable: read after execve, inherited by children ---------------------------


def _exe_blob(*leaf_first: bytes) -> Mem:
    """What the plugin's `exe` capture writes (decode/fdpath.py): header, then names."""
    names = b"".join(len(n).to_bytes(2, "little") + n for n in leaf_first)
    return Mem(0, fdpath.HEADER.pack(12, 0o100755, 0xEF53, len(leaf_first), 0) + names)


def test_exe_is_read_after_execve_and_inherited():
    d = Decoder(32)
    parent = dataclasses.replace(WHO, pid=10, tid=10, ppid=1)
    child = dataclasses.replace(WHO, pid=11, tid=11, ppid=10)
    other = dataclasses.replace(WHO, pid=12, tid=12, ppid=1)
    getpid = NR64["getpid"]
    assert d(make("x86_64", getpid, (0,) * 6, 10, who=parent)).exe is None  # none known yet
    execve = make(
        "x86_64",
        NR64["execve"],
        (0,) * 6,
        0,
        who=parent,
        xm={ARG_EXE: _exe_blob(b"sh", b"bin")},
    )
    assert d(execve).exe == "/bin/sh"
    assert d(make("x86_64", getpid, (0,) * 6, 11, who=child)).exe == "/bin/sh"
    assert d(make("x86_64", getpid, (0,) * 6, 12, who=other)).exe is None


def test_decoder_event_is_the_dataclass_event():
    call = make("x86_64", NR64["close"], (3, 0, 0, 0, 0, 0), -9)
    ev = Decoder(32)(call)
    assert ev == TraceEvent(
        ts=1,
        ts_exit=2,
        vcpu=0,
        pid=100,
        tid=100,
        ppid=1,
        comm="t",
        cr3=0,
        nr=3,
        name="close",
        abi="x86_64",
        args=("3",),
        ret=-9,
        ret_text="-1 EBADF (Bad file descriptor)",
        error="EBADF",
        uid=0,
        euid=0,
        task_id="5:100",
        exe=None,
        raw_args=(3, 0, 0, 0, 0, 0),
        raw_ret=2**64 - 9,
    )
    assert all(hasattr(ev, f.name) for f in dataclasses.fields(TraceEvent))  # every slot set
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.ret = 0  # type: ignore[misc]


def test_templates_have_at_most_six_arguments():
    # decode/args.py's renderers index Ctx.args (six registers) by template position
    from vmstrace import decode
    from vmstrace.decode import compat_i386

    templates = list(decode.TEMPLATES.values()) + [
        t
        for info in decode.TABLES["i386"].values()
        if (t := compat_i386.template(info.name)) is not None
    ]
    assert templates and max(len(t.args) for t in templates) <= 6


def test_hand_made_entries_hold_six_unsigned_registers_as_the_readers_do():
    e = RawEntry(1, 0, "x86_64", Insn.SYSCALL, 0, 0, 257, (-100, 5), WHO)  # type: ignore[arg-type]
    assert e.args == (U64 - 99, 5, 0, 0, 0, 0)
    assert dataclasses.replace(e, args=(1 << 64,) * 6).args == (0,) * 6
    call = paired(e, None)
    assert decode.render_line(call).startswith("openat(AT_FDCWD, ")
