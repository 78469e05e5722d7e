"""Host programs as they are: Debian's dynamically linked ls, sort and dash, added with
--add alone, run in the default guest (busybox, no shared libraries of its own) and
traced; without their libraries (--no-deps) they cannot start, as before.  (The real
conformance suite runs the same resolver's output against strace in the guest.)"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_debian_ls_runs_with_its_loader_and_libraries(vmstrace):
    r = vmstrace(["/usr/bin/ls", "-1", "/vmstrace"], "--add", "/usr/bin/ls")
    assert r.returncode == 0, r.stderr
    assert b"cmd" in r.stdout.split()
    execs = [e for e in r.events if e["name"] == "execve" and e["args"][0] == '"/usr/bin/ls"']
    assert execs and execs[-1]["ret"] == 0
    # the loader maps libc from where the host's loader found it (ld.so.cache: none here)
    opened = [e for e in r.events if e["name"] == "openat" and e["ret"] is not None]
    libc = [e for e in opened if e["args"][1] == '"/lib/x86_64-linux-gnu/libc.so.6"']
    assert libc and libc[0]["ret"] >= 0, [e["args"] for e in opened]
    assert any(line.startswith("[pid ") and "+++ exited with 0 +++" in line for line in r.text)


def test_sort_and_a_shell_script_with_its_interpreter(vmstrace, tmp_path):
    script = tmp_path / "words.sh"
    script.write_text("#!/usr/bin/dash\nprintf 'pear\\napple\\nfig\\n' | /usr/bin/sort\n")
    script.chmod(0o755)
    r = vmstrace(
        ["/tmp/words.sh"],
        "--add",
        f"{script}:/tmp/words.sh",
        "--add",
        "/usr/bin/dash",
        "--add",
        "/usr/bin/sort",
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"apple\nfig\npear\n"
    names = {e["args"][0] for e in r.events if e["name"] == "execve" and e["ret"] == 0}
    assert {'"/tmp/words.sh"', '"/usr/bin/sort"'} <= names


def test_no_deps_leaves_the_program_unable_to_start(vmstrace):
    r = vmstrace(["/usr/bin/ls", "/"], "--add", "/usr/bin/ls", "--no-deps")
    assert r.returncode != 0
    failed = [e for e in r.events if e["name"] == "execve" and e["args"][0] == '"/usr/bin/ls"']
    assert failed and failed[-1]["error"] == "ENOENT"  # its ELF interpreter is missing
