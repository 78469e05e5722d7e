#!/usr/bin/env python3
"""Writes a realistic JSON lines trace of N calls (default 1,000,000) for measuring
`vmstrace report` (docs/performance.md): a shell forking workers that exec, open, read and
write files, talk TCP over loopback, fail some calls and get signals — the call mix of a
build or a malware sample's busy loop, in the format of docs/json-schema.md.

    scripts/gen-report-trace.py build/trace-1m.jsonl [CALLS]
"""

from __future__ import annotations

import json
import random
import sys

HEAD = '"vcpu":0,"pid":{pid},"tid":{pid},"ppid":{ppid},"comm":"{comm}","uid":0,"euid":0,'
HEAD += '"task_id":"1:{pid}","exe":"/bin/busybox","cr3":4096,'


def main() -> None:
    out_path = sys.argv[1]
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    rnd = random.Random(16)
    ts = 0
    n = 0
    out = open(out_path, "w")  # noqa: SIM115

    def call(pid, ppid, comm, nr, name, args, ret, error=None):
        nonlocal ts, n
        ts += rnd.randint(500, 5000)
        head = HEAD.format(pid=pid, ppid=ppid, comm=comm)
        out.write(
            f'{{"type":"syscall","ts":{ts},"ts_exit":{ts + 300},{head}"nr":{nr},'
            f'"name":"{name}","abi":"x86_64","args":{json.dumps(args)},"ret":{ret},'
            f'"error":{json.dumps(error)}}}\n'
        )
        n += 1

    def note(tid, comm, text):
        out.write(json.dumps({"type": "note", "tid": tid, "comm": comm, "text": text}) + "\n")

    root = 100
    call(
        root,
        1,
        "sh",
        59,
        "execve",
        ['"/bin/sh"', '["/bin/sh", "build.sh"]', "0x7ffc /* 3 vars */"],
        0,
    )
    pid = root
    while n < total:
        pid += 1
        comm = rnd.choice(["cc", "ld", "nc", "cat", "tar"])
        call(
            root,
            1,
            "sh",
            56,
            "clone",
            [
                "child_stack=NULL",
                "flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD",
                "child_tidptr=0x1",
            ],
            pid,
        )
        call(
            pid,
            root,
            "sh",
            59,
            "execve",
            [
                f'"/usr/bin/{comm}"',
                f'["{comm}", "-o", "out{pid}.o", "src{pid}.c"]',
                "0x1 /* 5 vars */",
            ],
            0,
        )
        for _ in range(rnd.randint(200, 4000)):
            r = rnd.random()
            if r < 0.05:
                fd = 3
                call(
                    pid,
                    root,
                    comm,
                    257,
                    "openat",
                    [
                        "AT_FDCWD",
                        f'"/src/dir{pid % 50}/file{rnd.randint(0, 300)}.c"',
                        "O_RDONLY|O_CLOEXEC",
                    ],
                    fd,
                )
                for _ in range(rnd.randint(1, 8)):
                    call(
                        pid,
                        root,
                        comm,
                        0,
                        "read",
                        [
                            str(fd),
                            '"#include <stdio.h>\\nint main(void) { return 0; }\\n"...',
                            "4096",
                        ],
                        4096,
                    )
                call(pid, root, comm, 3, "close", [str(fd)], 0)
            elif r < 0.08:
                call(
                    pid,
                    root,
                    comm,
                    257,
                    "openat",
                    ["AT_FDCWD", f'"/usr/include/h{rnd.randint(0, 900)}.h"', "O_RDONLY"],
                    -2,
                    "ENOENT",
                )
            elif r < 0.10:
                call(
                    pid,
                    root,
                    comm,
                    257,
                    "openat",
                    ["AT_FDCWD", f'"/tmp/out{pid}.o"', "O_WRONLY|O_CREAT|O_TRUNC", "0666"],
                    4,
                )
                call(
                    pid,
                    root,
                    comm,
                    1,
                    "write",
                    ["4", '"\\177ELF\\2\\1\\1\\0\\0\\0\\0\\0\\0\\0\\0\\0"...', "65536"],
                    65536,
                )
                call(pid, root, comm, 3, "close", ["4"], 0)
            elif r < 0.11 and comm == "nc":
                call(pid, root, comm, 41, "socket", ["AF_INET", "SOCK_STREAM", "IPPROTO_IP"], 5)
                call(
                    pid,
                    root,
                    comm,
                    42,
                    "connect",
                    [
                        "5",
                        '{sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("10.0.2.2")}',
                        "16",
                    ],
                    0,
                )
                call(
                    pid,
                    root,
                    comm,
                    44,
                    "sendto",
                    ["5", '"GET / HTTP/1.0\\r\\n\\r\\n"', "18", "0", "NULL", "0"],
                    18,
                )
                call(
                    pid,
                    root,
                    comm,
                    45,
                    "recvfrom",
                    ["5", '"HTTP/1.0 200 OK\\r\\n"...', "4096", "0", "NULL", "NULL"],
                    1500,
                )
                call(pid, root, comm, 3, "close", ["5"], 0)
            elif r < 0.5:
                call(
                    pid,
                    root,
                    comm,
                    9,
                    "mmap",
                    [
                        "NULL",
                        "8192",
                        "PROT_READ|PROT_WRITE",
                        "MAP_PRIVATE|MAP_ANONYMOUS",
                        "-1",
                        "0",
                    ],
                    140000000000000,
                )
            elif r < 0.7:
                call(
                    pid,
                    root,
                    comm,
                    262,
                    "newfstatat",
                    [
                        "AT_FDCWD",
                        f'"/src/dir{pid % 50}"',
                        "{st_mode=S_IFDIR|0755, st_size=4096, ...}",
                        "0",
                    ],
                    0,
                )
            else:
                call(pid, root, comm, 1, "write", ["1", '"compiling...\\n"', "13"], 13)
        call(pid, root, comm, 231, "exit_group", ["0"], "null")
        note(pid, comm, "+++ exited with 0 +++")
        call(
            root,
            1,
            "sh",
            61,
            "wait4",
            ["-1", "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]", "0", "NULL"],
            pid,
        )
        note(root, "sh", "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED} ---")
    call(root, 1, "sh", 231, "exit_group", ["0"], "null")
    out.write(json.dumps({"type": "stats", "complete": True, "reason": None, "events": n}) + "\n")
    out.close()
    print(f"{out_path}: {n} calls")


if __name__ == "__main__":
    main()
