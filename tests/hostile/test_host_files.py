"""Hostile host: files vmstrace writes and trusts (the cache, the console log, outputs),
concurrent runs on one cache, and user input checked before any output is touched.

The threat is another local user: nothing vmstrace writes follows a planted symlink, and
nothing it reads from its cache could have been changed by someone else.  Tests that
need a guest boot it through the `vmstrace` CLI, with a private cache seeded only with
the kernel .deb files the user's cache already holds (no network)."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from vmstrace.core import files
from vmstrace.core.errors import VmstraceError
from vmstrace.core.files import UntrustedCache
from vmstrace.guest.qemu import GuestConfig, qemu_command
from vmstrace.kernel.isf import IsfError
from vmstrace.kernel.layout import cache_path, layout_from_isf, load_layout

VMSTRACE = Path(sys.executable).parent / "vmstrace"


def _user_cache() -> Path:
    env = os.environ.get("VMSTRACE_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "vmstrace"


@pytest.fixture
def empty_cache(tmp_path: Path) -> Path:
    """A cache holding only the kernel packages (hard links to the user's cache)."""
    debs = sorted((_user_cache() / "debs").glob("linux-image-*.deb"))
    if not debs:
        pytest.fail(f"no kernel .deb in {_user_cache() / 'debs'}: run `vmstrace prepare` once")
    cache = tmp_path / "cache"
    (cache / "debs").mkdir(parents=True)
    for deb in debs:
        os.link(deb, cache / "debs" / deb.name)
    return cache


def cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VMSTRACE), *args],
        capture_output=True,
        text=True,
        env=None if env is None else {**os.environ, **env},
        timeout=timeout,
    )


def _normalized(trace: str) -> list[str]:
    """The trace with what differs between boots (addresses, random bytes, the pid, which
    depends on how many kernel threads ran first) blanked."""
    pid = re.match(r"\[pid (\d+)\]", trace)
    text = re.sub(rf"\b{pid[1]}\b", "PID", trace) if pid else trace
    text = re.sub(r"0x[0-9a-f]+", "0x_", text)
    text = re.sub(r'getrandom\("[^"]*"', 'getrandom("_"', text)
    return text.splitlines()


ECHO_HI = """\
[pid PID] execve("/bin/echo", ["/bin/echo", "hi"], 0x_ /* 3 vars */) = 0
[pid PID] brk(NULL) = 0x_
[pid PID] brk(0x_) = 0x_
[pid PID] arch_prctl(ARCH_SET_FS, 0x_) = 0
[pid PID] set_tid_address(0x_) = PID
[pid PID] set_robust_list(0x_, 24) = 0
[pid PID] rseq(0x_, 0x_, 0, 0x_) = 0
[pid PID] prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0
[pid PID] readlink("/proc/self/exe", "/bin/busybox", 4096) = 12
[pid PID] getrandom("_", 8, GRND_NONBLOCK) = 8
[pid PID] brk(NULL) = 0x_
[pid PID] brk(0x_) = 0x_
[pid PID] brk(0x_) = 0x_
[pid PID] mprotect(0x_, 28672, PROT_READ) = 0
[pid PID] prctl(PR_GET_NAME, "echo") = 0
[pid PID] getuid() = 0
[pid PID] write(1, "hi\\n", 3) = 3
[pid PID] exit_group(0) = ?
[pid PID] +++ exited with 0 +++
""".splitlines()


# --- writing: never through a planted symlink -----------------------------------------


def test_write_atomic_replaces_a_symlink_instead_of_following_it(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    (tmp_path / "entry").symlink_to(victim)
    files.write_atomic(tmp_path / "entry", "new\n")
    assert victim.read_text() == "precious\n"
    assert not (tmp_path / "entry").is_symlink()
    assert (tmp_path / "entry").read_text() == "new\n"
    assert stat.S_IMODE((tmp_path / "entry").stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entry", "victim"]


def test_write_atomic_leaves_nothing_on_error(tmp_path: Path) -> None:
    (tmp_path / "entry").write_text("old\n")
    with pytest.raises(RuntimeError), files.atomic_writer(tmp_path / "entry") as f:
        f.write(b"half")
        raise RuntimeError("interrupted")
    assert (tmp_path / "entry").read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["entry"]


@pytest.mark.e2e
def test_console_log_symlink_is_replaced_not_followed(empty_cache: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    log = empty_cache / "last-console.log"
    log.symlink_to(victim)
    r = cli("run", "--", "/bin/true", env={"VMSTRACE_CACHE": str(empty_cache)})
    assert r.returncode == 0, r.stderr
    assert victim.read_text() == "precious\n"
    assert not log.is_symlink()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


# --- trusting: the cache must be the user's alone ---------------------------------------


def test_cache_dir_follows_vmstrace_cache_then_xdg(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VMSTRACE_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    old = os.umask(0o002)
    try:
        assert files.cache_dir() == tmp_path / "xdg" / "vmstrace"
    finally:
        os.umask(old)
    for made in (tmp_path / "xdg", tmp_path / "xdg" / "vmstrace"):
        assert stat.S_IMODE(made.stat().st_mode) == 0o700
    monkeypatch.setenv("VMSTRACE_CACHE", str(tmp_path / "own"))
    assert files.cache_dir() == tmp_path / "own"


@pytest.mark.parametrize("mode", [0o775, 0o757, 0o1777])
def test_cache_writable_by_others_is_refused(
    tmp_path: Path, mode: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(mode)
    monkeypatch.setenv("VMSTRACE_CACHE", str(cache))
    with pytest.raises(UntrustedCache) as err:
        files.cache_dir()
    assert str(err.value) == (
        f"the cache {cache} is writable by others (mode {mode:04o}): vmstrace will not "
        f"trust what another user could have changed; run `chmod go-w {cache}` if that is "
        "fine, or point VMSTRACE_CACHE at a directory only you can write"
    )


def test_cache_inside_a_directory_others_can_write_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # not sticky: anyone may rename the cache away and plant theirs
    (shared / "cache").mkdir()
    monkeypatch.setenv("VMSTRACE_CACHE", str(shared / "cache"))
    with pytest.raises(
        UntrustedCache,
        match=r"inside .*/shared, which others can write "
        r"\(mode 0777\)",
    ):
        files.cache_dir()
    shared.chmod(0o1777)  # sticky, as /tmp: others cannot rename what is ours
    assert files.cache_dir() == shared / "cache"


def test_cache_owned_by_another_user_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VMSTRACE_CACHE", str(tmp_path))
    monkeypatch.setattr(os, "geteuid", lambda: os.getuid() + 4242)
    with pytest.raises(UntrustedCache, match=r"is owned by uid \d+, not by you"):
        files.cache_dir()


@pytest.fixture
def fake_kernel(tmp_path: Path) -> Path:
    path = tmp_path / "vmlinuz"
    path.write_bytes(b"not a kernel, never parsed: the cached layout is checked first")
    return path


@pytest.mark.parametrize("plant", ["group-writable", "symlink", "other-owner"])
def test_untrusted_cached_layout_is_refused(
    tmp_path: Path, fake_kernel: Path, plant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    (cache / "layout").mkdir(parents=True)
    import hashlib

    entry = cache_path(cache, hashlib.sha256(fake_kernel.read_bytes()).hexdigest())
    forged = tmp_path / "forged.json"
    forged.write_text("{}")
    if plant == "group-writable":
        entry.write_text("{}")
        entry.chmod(0o664)
        match = r"is writable by others \(mode 0664\)"
    elif plant == "symlink":
        entry.symlink_to(forged)
        match = r"is a symlink, which vmstrace never makes"
    else:
        entry.write_text("{}")
        monkeypatch.setattr(os, "geteuid", lambda: os.getuid() + 4242)
        (cache / "layout").chmod(0o755)
        match = r"is owned by uid \d+, not by you"
    with pytest.raises(UntrustedCache, match=match):
        load_layout(fake_kernel, cache)


def test_cache_entries_get_their_modes_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o002)
    try:
        files.private_dir(tmp_path / "area")
        files.write_atomic(tmp_path / "area" / "entry", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "area").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "area" / "entry").stat().st_mode) == 0o644


def test_a_built_cache_is_the_users_alone_whatever_the_umask(tmp_path: Path) -> None:
    """gcc and the archive writer under umask 002 still leave nothing group-writable, so
    the checks above never refuse vmstrace's own cache."""
    from vmstrace.guest import image

    src = tmp_path / "guest"
    (src / "programs").mkdir(parents=True)
    (src / "init.sh").write_text("#!/bin/sh\necho init\n")
    (src / "vmstrace-command.sh").write_text("#!/bin/sh\necho run\n")
    (src / "programs" / "vmstrace-exec.c").write_text("int main(void) { return 0; }\n")
    cache = tmp_path / "cache"
    old = os.umask(0o002)
    try:
        built = image.build_default_initramfs(cache, source_dir=src)
    finally:
        os.umask(old)
    writable = {
        str(p.relative_to(cache)): oct(stat.S_IMODE(p.lstat().st_mode))
        for p in cache.rglob("*")
        if p.lstat().st_mode & 0o022
    }
    assert writable == {}
    assert files.trusted(built, cache)


def test_untrusted_cache_is_one_clear_cli_error(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o777)
    r = cli("run", "--", "/bin/true", env={"VMSTRACE_CACHE": str(cache)})
    assert r.returncode == 2
    assert r.stderr == (
        f"vmstrace: the cache {cache} is writable by others (mode 0777): vmstrace will not "
        f"trust what another user could have changed; run `chmod go-w {cache}` if that is "
        "fine, or point VMSTRACE_CACHE at a directory only you can write\n"
    )
    assert sorted(p.name for p in cache.iterdir()) == []


# --- concurrent runs and prepare on one empty cache --------------------------------------


@pytest.mark.e2e
def test_three_runs_and_prepare_at_once_on_an_empty_cache(
    empty_cache: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "VMSTRACE_CACHE": str(empty_cache)}
    runs = [
        subprocess.Popen(
            [str(VMSTRACE), "run", "-o", str(tmp_path / f"{i}.txt"), "--", "/bin/echo", "hi"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(3)
    ]
    prep = subprocess.Popen(
        [str(VMSTRACE), "prepare"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    results = [p.communicate(timeout=900) for p in [*runs, prep]]
    for p, (_, err) in zip([*runs, prep], results, strict=True):
        assert p.returncode == 0, err
    assert [out for out, _ in results[:3]] == ["hi\n"] * 3
    traces = [_normalized((tmp_path / f"{i}.txt").read_text()) for i in range(3)]
    assert traces == [ECHO_HI] * 3
    # one build of each entry, nothing half-made left behind
    leftovers = [p for p in empty_cache.rglob(".*") if p.name != ".lock"]
    assert leftovers == []


def test_the_loser_of_a_publish_race_uses_the_winners_entry(tmp_path: Path) -> None:
    dest = tmp_path / "entry"
    with files.building_dir(dest) as first, files.building_dir(dest) as second:
        (first / "f").write_text("first\n")
        (second / "f").write_text("second\n")
        files.publish_dir(first, dest)
        files.publish_dir(second, dest)  # dest exists: the winner's stays
    assert (dest / "f").read_text() == "first\n"
    assert [p.name for p in tmp_path.iterdir()] == ["entry"]


# --- user input: checked before any output is touched, one clear error -------------------


@pytest.fixture
def outputs(tmp_path: Path) -> tuple[Path, Path]:
    text, js = tmp_path / "keep.txt", tmp_path / "keep.jsonl"
    text.write_text("an earlier trace\n")
    js.write_text('{"an": "earlier trace"}\n')
    return text, js


def _bad_symbols(tmp_path: Path) -> str:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "user_types": {"task_struct": {"fields": []}},
                "symbols": {"current_task": {"address": 64}},
            }
        )
    )
    return str(path)


@pytest.mark.parametrize(
    "bad, message",
    [
        (lambda t: ["--kernel", "/no/vmlinuz"], "--kernel: /no/vmlinuz does not exist"),
        (lambda t: ["--kernel", str(t)], "--kernel: {t} is a directory; expected a bzImage file"),
        (lambda t: ["--add", "/no/such:/x"], "--add: /no/such does not exist"),
        (lambda t: ["--smp", "0"], "--smp 0: choose 1 to 32 vCPUs"),
        (lambda t: ["-m", "64"], "-m 64: the guest needs at least 128 MB"),
        (
            lambda t: ["--symbols", _bad_symbols(t)],
            "--symbols {t}/bad.json: struct task_struct: fields is a list, expected an object",
        ),
    ],
)
def test_bad_input_leaves_the_outputs_untouched(
    tmp_path: Path, outputs: tuple[Path, Path], bad, message: str
) -> None:
    text, js = outputs
    r = cli("run", "-o", str(text), "--json", str(js), *bad(tmp_path), "--", "/bin/true")
    assert (r.returncode, r.stderr) == (2, f"vmstrace: {message.format(t=tmp_path)}\n")
    assert text.read_text() == "an earlier trace\n"
    assert js.read_text() == '{"an": "earlier trace"}\n'


@pytest.mark.parametrize("option", ["-o", "--json"])
def test_output_that_cannot_be_opened_is_named(tmp_path: Path, option: str) -> None:
    r = cli("run", option, str(tmp_path / "no" / "dir" / "t"), "--", "/bin/true")
    assert (r.returncode, r.stderr) == (
        2,
        f"vmstrace: {option} {tmp_path}/no/dir/t: cannot write: No such file or directory\n",
    )


def test_output_planted_by_another_user_in_a_shared_dir_is_refused(tmp_path: Path) -> None:
    """As fs.protected_symlinks/protected_regular (which may be off): in a sticky
    world-writable directory, only our own or the directory owner's entries are used."""

    def st(mode: int, uid: int) -> os.stat_result:
        return os.stat_result((mode, 0, 0, 1, uid, 0, 0, 0, 0, 0))

    shared = st(stat.S_IFDIR | 0o1777, 0)
    link = st(stat.S_IFLNK | 0o777, 4242)
    with pytest.raises(VmstraceError) as err:
        files.check_output(Path("/tmp/trace.txt"), "-o", link, shared, uid=1000)
    assert str(err.value) == (
        "-o /tmp/trace.txt: a symlink of uid 4242 in the shared directory /tmp; another "
        "user could read or redirect the trace: remove it or choose another path"
    )
    with pytest.raises(VmstraceError, match=r"^--json /tmp/t: a file of uid 4242 in the"):
        files.check_output(
            Path("/tmp/t"), "--json", st(stat.S_IFREG | 0o644, 4242), shared, uid=1000
        )
    for ok_uid in (1000, 0):  # ours, or the directory owner's
        files.check_output(Path("/tmp/t"), "-o", st(stat.S_IFLNK | 0o777, ok_uid), shared, uid=1000)
    files.check_output(Path("/home/u/t"), "-o", link, st(stat.S_IFDIR | 0o755, 1000), uid=1000)


@pytest.mark.parametrize(
    "doc, message",
    [
        (
            {
                "user_types": {"task_struct": {"fields": []}},
                "symbols": {"current_task": {"address": 64}},
            },
            "struct task_struct: fields is a list, expected an object",
        ),
        (
            {
                "user_types": {
                    "task_struct": {"size": 9, "fields": {"pid": {"offset": "8", "type": {}}}}
                },
                "symbols": {"current_task": {"address": 64}},
            },
            "task_struct.pid: offset is a str, expected an integer",
        ),
        (
            {"user_types": {}, "symbols": {"current_task": {"address": "0x40"}}},
            "symbol current_task: address is a str, expected an integer",
        ),
        (
            {"user_types": {}, "symbols": {"current_task": ["address"]}},
            "symbol current_task: is a list, expected an object",
        ),
        (
            {
                "user_types": {
                    "task_struct": {"size": 9, "fields": {"pid": {"offset": 8, "type": "int"}}}
                },
                "symbols": {"current_task": {"address": 64}},
            },
            "task_struct.pid: type is a str, expected an object",
        ),
        (
            {
                "user_types": {
                    "task_struct": {
                        "size": 9,
                        "fields": {"pid": {"offset": 8, "type": {"kind": "base", "name": "int"}}},
                    }
                },
                "base_types": {"int": {"size": None}},
                "symbols": {"current_task": {"address": 64}},
            },
            "base type int: size is a NoneType, expected an integer",
        ),
    ],
)
def test_symbols_of_the_wrong_types_are_one_clear_error(
    tmp_path: Path, doc: dict, message: str
) -> None:
    path = tmp_path / "isf.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(IsfError) as err:
        layout_from_isf(path)
    assert str(err.value) == f"--symbols {path}: {message}"


# --- QEMU's option syntax: a comma in a path ---------------------------------------------


def test_plugin_and_memory_paths_escape_commas_for_qemu() -> None:
    cfg = GuestConfig(kernel=Path("/k"), initrd=Path("/i"), ram_file=Path("/dev/shm/a,b"))
    fds = {"console": 3, "stdout": 4, "stderr": 5, "control": 6}
    cmd = qemu_command("qemu", cfg, fds, Path("/p,q/plugin.so"), {"spec": "/tmp/a,b/spec.txt"})
    assert cmd[cmd.index("-plugin") + 1] == "/p,,q/plugin.so,spec=/tmp/a,,b/spec.txt"
    assert cmd[cmd.index("-object") + 1] == (
        "memory-backend-file,id=ram0,size=512M,mem-path=/dev/shm/a,,b,share=on"
    )


@pytest.mark.e2e
def test_tmpdir_with_a_comma(tmp_path: Path) -> None:
    tmpdir = tmp_path / "a,b"
    tmpdir.mkdir()
    out = tmp_path / "t.txt"
    r = cli("run", "-o", str(out), "--", "/bin/true", env={"TMPDIR": str(tmpdir)})
    assert r.returncode == 0, r.stderr
    assert _normalized(out.read_text())[-1] == "[pid PID] +++ exited with 0 +++"
    assert list(tmpdir.iterdir()) == []


# --- exe: known without -y ---------------------------------------------------------------


@pytest.mark.e2e
def test_exe_is_in_the_json_without_y(tmp_path: Path) -> None:
    js = tmp_path / "t.jsonl"
    r = cli("run", "--json", str(js), "--", "/vmstrace/bin/probe-basic")
    assert r.returncode == 0, r.stderr
    events = [json.loads(line) for line in js.read_text().splitlines()]
    calls = [e for e in events if e["type"] == "syscall"]
    assert calls[0]["name"] == "execve"
    assert {e["exe"] for e in calls} == {"/vmstrace/bin/probe-basic"}


def test_prepare_with_a_kernel_directory_is_one_clear_error(tmp_path: Path) -> None:
    r = cli("prepare", "--kernel", str(tmp_path))
    assert (r.returncode, r.stderr) == (
        2,
        f"vmstrace: --kernel: {tmp_path} is a directory; expected a bzImage file\n",
    )


@pytest.mark.parametrize("line", ["../../../tmp/x", "6.12/..", "", "6.x"])
def test_kernel_line_is_a_series_not_a_path(line: str) -> None:
    r = cli("prepare", "--line", line)
    assert (r.returncode, r.stderr) == (
        2,
        f"vmstrace: kernel series {line!r}: expected one such as 6.1 or 6.12\n",
    )
