"""`vmstrace report` on a real guest workload whose behaviour is known in advance: a
shell script that makes, writes, renames, chmods and deletes files, execs programs, talks
TCP over loopback (busybox nc) and kills a child.  The facts are checked exactly; the
page is opened in headless Chromium (selenium) and used as a person would."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from vmstrace.syscalls import TABLES

pytestmark = pytest.mark.e2e

VMSTRACE = Path(sys.executable).parent / "vmstrace"

SCRIPT = """\
ip link set lo up
mkdir /tmp/r
cd /tmp/r
echo hello > a.txt
cat a.txt > /dev/null
mv a.txt b.txt
chmod 600 b.txt
rm b.txt
listening() {
    while read -r sl local rem st rest; do
        case "$local $st" in *":10E1 0A") return 0;; esac
    done < /proc/net/tcp6
    return 1
}
nc -l -p 4321 > got.txt &
until listening; do :; done
echo ping | nc 127.0.0.1 4321
wait
sleep 5 &
until read -r c < /proc/$!/comm && [ "$c" = sleep ]; do :; done
kill -TERM $!
wait
exit 3
"""
# (the loops wait, with shell builtins only, for nc to listen on port 4321 = 0x10E1 and for
# the child to be sleep: how often they read /proc is the scheduler's, those facts aside)


@pytest.fixture(scope="module")
def workload(vmstrace, tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    script = d / "report.sh"
    script.write_text(SCRIPT)
    html, trace = d / "live.html", d / "trace.jsonl"
    proc = subprocess.run(
        [str(VMSTRACE), "run", "--add", f"{script}:/tmp/report.sh", "--json", str(trace),
         "--report", str(html), "-o", str(d / "trace.txt"), "--", "/bin/sh", "/tmp/report.sh"],
        capture_output=True,
        timeout=300,
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    return [r for r in records if r["type"] == "syscall"], html, d


def blocks(page: str) -> dict[str, str]:
    return dict(
        re.findall(r'<script type="application/json" id="([a-z-]+)">(.*?)</script>', page, re.S)
    )


@pytest.fixture(scope="module")
def facts(workload):
    _, html, _ = workload
    return json.loads(blocks(html.read_text())["vmstrace-summary"])


def by_comm(facts, category):
    """The facts of a category, by process name; the waiting loops' reads of /proc aside
    (test_waiting_loops_read_proc)."""
    comm = {p["pid"]: p["comm"] for p in facts["processes"]}
    return Counter(
        (comm[f["pid"]], f["kind"], f["subject"], f["detail"], f["count"], f["bytes"])
        for f in facts["facts"]
        if f["category"] == category
        and not (category == "file" and re.fullmatch(r"/proc/(net/tcp6|\d+/comm)", f["subject"]))
    )


def test_process_tree(facts):
    procs = facts["processes"]
    root = procs[0]
    assert (root["comm"], root["ppid"], root["exit"]) == ("sh", 1, "exited with 3")
    assert [x["argv"] for x in root["execs"]] == [["/bin/sh", "/tmp/report.sh"]]
    children = sorted(
        (p["comm"], p["ppid"], p["exit"], tuple(tuple(x["argv"] or ()) for x in p["execs"]))
        for p in procs[1:]
    )
    pid = root["pid"]
    assert children == [
        ("cat", pid, "exited with 0", (("cat", "a.txt"),)),
        ("chmod", pid, "exited with 0", ()),
        ("ip", pid, "exited with 0", ()),
        ("mkdir", pid, "exited with 0", ()),
        ("mv", pid, "exited with 0", ()),
        ("nc", pid, "exited with 0", (("nc", "-l", "-p", "4321"),)),
        ("nc", pid, "exited with 0", (("nc", "127.0.0.1", "4321"),)),
        ("rm", pid, "exited with 0", ()),
        ("sh", pid, "exited with 0", ()),  # the subshell running `echo ping`
        ("sleep", pid, "killed by SIGTERM", (("sleep", "5"),)),
    ]
    assert all(p["created_by"] is not None and p["start_ns"] <= p["end_ns"] for p in procs[1:])
    assert sum(p["calls"] for p in procs) == facts["calls"]
    assert facts["complete"] is True and facts["problems"] == []


def test_file_facts(facts):
    new = "O_CREAT: new unless it existed"
    assert by_comm(facts, "file") == Counter(
        [
            ("sh", "read", "/tmp/report.sh", "", 2, len(SCRIPT)),  # openat, one read
            ("mkdir", "create", "/tmp/r", "", 1, 0),
            ("sh", "write", "/tmp/r/a.txt", "", 2, 6),  # echo hello > a.txt
            ("sh", "create", "/tmp/r/a.txt", new, 1, 0),
            ("sh", "write", "/dev/null", "", 1, 0),  # cat's > /dev/null, opened by sh
            ("sh", "create", "/dev/null", new, 1, 0),
            ("cat", "read", "/tmp/r/a.txt", "", 3, 6),  # openat, two sendfiles
            ("cat", "write", "/dev/null", "", 2, 6),  # through the fd sh made
            ("mv", "rename", "/tmp/r/a.txt", "to /tmp/r/b.txt", 1, 0),
            ("chmod", "chmod", "/tmp/r/b.txt", "0600", 1, 0),
            ("rm", "delete", "/tmp/r/b.txt", "", 1, 0),
            ("nc", "read", "/dev/null", "", 2, 0),  # a background job's stdin
            ("nc", "write", "/tmp/r/got.txt", "", 2, 5),
            ("nc", "create", "/tmp/r/got.txt", new, 1, 0),
            ("sleep", "read", "/dev/null", "", 1, 0),  # sleep 5 &: stdin, opened before exec
        ]
    )


def test_waiting_loops_read_proc(facts):
    sh = facts["processes"][0]["pid"]
    proc = {f["subject"] for f in facts["facts"] if f["subject"].startswith("/proc/")
            and f["category"] == "file" and f["pid"] == sh}  # fmt: skip
    killed = next(p["pid"] for p in facts["processes"] if p["exit"] == "killed by SIGTERM")
    assert proc == {"/proc/net/tcp6", f"/proc/{killed}/comm"}


def test_exec_facts(facts):
    assert sorted(by_comm(facts, "exec").elements()) == [
        ("cat", "exec", "/proc/self/exe", "cat a.txt", 1, 0),  # busybox runs its applets so
        ("nc", "exec", "/proc/self/exe", "nc -l -p 4321", 1, 0),
        ("nc", "exec", "/proc/self/exe", "nc 127.0.0.1 4321", 1, 0),
        ("sh", "exec", "/bin/sh", "/bin/sh /tmp/report.sh", 1, 0),
        ("sleep", "exec", "/proc/self/exe", "sleep 5", 1, 0),
    ]


def test_network_facts(facts):
    # (how often each side's poll loop reads is the scheduler's: the bytes are exact)
    got = {(c, k, s, d, n if k not in ("send", "receive") else None, b)
           for (c, k, s, d, n, b) in by_comm(facts, "net")}  # fmt: skip
    assert got == {
        ("ip", "socket", "UDP", "", 1, 0),  # `ip link set` asks through a socket's ioctl
        ("nc", "socket", "TCPv6", "", 1, 0),
        ("nc", "bind", "[::]:4321", "", 1, 0),
        ("nc", "listen", "TCPv6 [::]:4321", "", 1, 0),
        ("nc", "accept", "[::]:4321", "", 1, 0),
        ("nc", "receive", "TCPv6 [::]:4321", "", None, 5),
        ("nc", "socket", "TCP", "", 1, 0),
        ("nc", "connect", "127.0.0.1:4321", "", 1, 0),
        ("nc", "send", "TCP → 127.0.0.1:4321", "", None, 5),
        ("nc", "receive", "TCP → 127.0.0.1:4321", "", None, 0),
    }
    pipes = {(c, k, b) for (c, k, s, d, n, b) in by_comm(facts, "io") if s.startswith("pipe")}
    assert pipes == {("sh", "write", 5), ("nc", "read", 5)}  # echo ping | nc


def test_signal_and_error_facts(facts):
    procs = {p["pid"]: p for p in facts["processes"]}
    killed = next(p for p in procs.values() if p["exit"] == "killed by SIGTERM")
    signals = by_comm(facts, "signal")
    assert ("sh", "sent", f"SIGTERM to pid {killed['pid']}", "", 1, 0) in signals
    assert ("sleep", "killed by", "SIGTERM", "", 1, 0) in signals
    assert any(k[:3] == ("sh", "received", "SIGCHLD") for k in signals)
    assert ("mv", "ENOENT", "newfstatat", "", 1, 0) in by_comm(facts, "error")


def test_live_report_equals_the_report_of_the_json_trace(workload, facts):
    _, _, d = workload
    out = d / "from-file.json"
    subprocess.run(
        [str(VMSTRACE), "report", str(d / "trace.jsonl"), "--json", str(out)], check=True
    )
    from_file = json.loads(out.read_text())
    assert {k: v for k, v in from_file.items() if k != "source"} == {
        k: v for k, v in facts.items() if k != "source"
    }


def test_every_linked_call_is_what_the_fact_says(workload, facts):
    events, _, _ = workload
    for f in facts["facts"]:
        for i in f["calls"]:
            assert events[i]["pid"] == f["pid"], f
    rename = next(f for f in facts["facts"] if f["kind"] == "rename")
    assert [events[i]["name"] for i in rename["calls"]] == ["rename"]


# --- the page in a real browser ---------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    missing = [t for t in ("chromium", "chromedriver") if shutil.which(t) is None]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: run `make setup` (or `make test`)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    yield driver
    driver.quit()


def wait_for(driver, script, timeout=30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for: {script}")


def test_page_in_a_browser(workload, facts, browser):
    events, html, _ = workload
    browser.get(html.as_uri())
    assert wait_for(browser, "return document.body.dataset.ready") == "1"
    # the process tree: every process, the killed one said so
    procs = browser.find_elements("css selector", ".proc")
    assert len(procs) == len(facts["processes"]) == 11
    assert sum("killed by SIGTERM" in p.text for p in procs) == 1
    # a file fact, and the call it links to
    row = next(
        r
        for r in browser.find_elements("css selector", "table[data-category=file] tr.fact")
        if "to /tmp/r/b.txt" in r.text
    )
    assert row.text.startswith("renamed /tmp/r/a.txt to /tmp/r/b.txt")
    link = row.find_element("css selector", "a.call")
    index = int(link.text.lstrip("#"))
    link.click()
    target = wait_for(browser, f"return document.getElementById('c{index}')")
    assert "hl" in target.get_attribute("class")
    assert 'rename("a.txt", "b.txt") = 0' in target.text
    # the filters: a name, a class, text
    names = browser.find_element("id", "namef")
    names.send_keys("unlink")
    info = browser.find_element("id", "listinfo")
    assert info.text == "1 all calls, filtered"
    rows = browser.find_elements("css selector", "#calls .row")
    assert [r.text.split("] ", 1)[1] for r in rows] == ['unlink("b.txt") = 0']
    names.clear()
    browser.execute_script("document.getElementById('namef').dispatchEvent(new Event('input'))")
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element("id", "clssel")).select_by_value("network")
    network = sum("network" in TABLES["x86_64"].by_name(e["name"]).classes for e in events)
    assert info.text == f"{network} all calls, filtered"
    text = browser.find_element("id", "textf")
    text.send_keys("4321")
    assert info.text == "2 all calls, filtered"  # bind, connect
    shown = [
        r.text.split("] ", 1)[1].split("(")[0]
        for r in browser.find_elements("css selector", "#calls .row")
    ]
    assert shown == ["bind", "connect"]
    # the text filter reads the call, not its index or timestamp: digits of connect's
    # timestamp match only the network calls whose own text holds them
    ts = str(next(e["ts"] for e in events if e["name"] == "connect"))
    digits = ts[-7:]
    own = [
        e for e in events
        if "network" in TABLES["x86_64"].by_name(e["name"]).classes
        and digits in e["name"] + json.dumps(e.get("args")) + str(e.get("ret"))
    ]  # fmt: skip
    text.clear()
    text.send_keys(digits)
    assert info.text == f"{len(own)} all calls, filtered"
    # nothing went wrong in the page
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_cut_trace_in_a_browser(workload, browser, tmp_path):
    """The run's trace cut mid-line: the page says so first, and shows what was read."""
    _, _, d = workload
    data = (d / "trace.jsonl").read_bytes()
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(data[: data.rindex(b'{"type":"syscall"') + 50])
    page = tmp_path / "cut.html"
    proc = subprocess.run(
        [str(VMSTRACE), "report", str(cut), "-o", str(page)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    read = data[: data.rindex(b'{"type":"syscall"')].count(b'"type":"syscall"')
    assert f"report covers the {read} calls before it" in proc.stderr
    browser.get(page.as_uri())
    assert wait_for(browser, "return document.body.dataset.ready") == "1"
    banners = [b.text for b in browser.find_elements("css selector", ".banner")]
    assert len(banners) == 2 and "is cut short" in banners[0] and "no final stats" in banners[1]
    assert browser.find_element("id", "listinfo").text == f"{read} all calls"
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_hostile_names_stay_text_in_a_browser(browser, tmp_path):
    """Guest strings made to break out of the page's data and run script do not."""
    evil = '</script><script>window.pwned=1</script><img src=x onerror="window.pwned=2">'
    names = [evil, "line\u2028sep", "<!--", "bad \udcff"]
    recs = []
    for i, comm in enumerate(names):
        recs.append(
            {"type": "syscall", "ts": i, "ts_exit": i, "vcpu": 0, "pid": 10 + i, "tid": 10 + i,
             "ppid": 1, "comm": comm, "uid": 0, "euid": 0, "task_id": f"1:{10 + i}", "exe": comm,
             "cr3": 0, "nr": 1, "name": "write", "abi": "x86_64",
             "args": ["1", json.dumps(comm.encode("utf-8", "surrogateescape").decode("latin-1")), "1"],
             "ret": 1, "error": None}
        )  # fmt: skip
    trace = tmp_path / "evil.jsonl"
    trace.write_text("".join(json.dumps(r) + "\n" for r in recs))
    page = tmp_path / "evil.html"
    subprocess.run([str(VMSTRACE), "report", str(trace), "-o", str(page)], check=True)
    browser.get(page.as_uri())
    assert wait_for(browser, "return document.body.dataset.ready") == "1"
    assert browser.execute_script("return window.pwned === undefined")
    procs = [p.get_attribute("textContent") for p in browser.find_elements("css selector", ".proc")]
    assert len(procs) == 4 and procs[0].startswith(f"pid 10  {evil}  ppid 1")
    assert procs[3].startswith("pid 13  bad \\xff  ppid 1")  # the byte, not U+FFFD
    assert browser.find_element("id", "listinfo").text == "4 all calls"
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
