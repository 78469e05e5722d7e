# What malware does to hide and to look around, for a sandbox's trace to show: a process
# renamed to look like a kernel thread, a debugger check (ptrace TRACEME, TracerPid), a
# program run from memory (memfd_create + execveat), a binary deleted while it runs, a
# double-forked daemon in its own session, memory made writable and executable, a raw
# socket, privileges dropped, a changed root, timestamps rewritten, an inotify watch,
# the process list and the hardware read for signs of a VM.  `stealth.py run` does it;
# without arguments it only loads its modules (the host lists them so).
import ctypes
import mmap
import os
import shutil
import signal
import socket
import sys
import time

libc = ctypes.CDLL("libc.so.6", use_errno=True)  # (find_library would run ldconfig)
PR_SET_NAME, PTRACE_TRACEME = 15, 0
PROT_RWX = mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC


def rename() -> None:
    libc.prctl(PR_SET_NAME, b"kworker/0:1", 0, 0, 0)
    os.readlink("/proc/self/exe")


def debugger_check() -> None:
    libc.ptrace(PTRACE_TRACEME, 0, None, None)  # fails when a tracer is attached already
    with open("/proc/self/status") as f:
        [line for line in f if line.startswith("TracerPid:")]


def run_from_memory() -> None:
    fd = os.memfd_create("payload", os.MFD_CLOEXEC)
    with open("/usr/bin/true", "rb") as f:
        os.write(fd, f.read())
    pid = os.fork()
    if pid == 0:
        os.execve(fd, ["[kthreadd]"], {})  # fexecve: execveat(fd, "", ..., AT_EMPTY_PATH)
    os.waitpid(pid, 0)
    os.close(fd)


def deleted_while_running() -> None:
    shutil.copy("/usr/bin/sleep", "hidden")
    pid = os.fork()
    if pid == 0:
        os.execv("hidden", ["[migration/0]", "30"])
    while not os.readlink(f"/proc/{pid}/exe").endswith("/hidden"):  # exec'd
        time.sleep(0.05)
    time.sleep(0.5)  # (in its sleep by then, as a rule)
    os.unlink("hidden")
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def daemon() -> None:
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            os.chdir("/")
            with open(os.path.join(here, "daemon.pid"), "w") as f:
                f.write(str(os.getpid()))
            os._exit(0)
        os._exit(0)
    os.waitpid(pid, 0)
    while not os.path.exists("daemon.pid"):
        time.sleep(0.05)


def rwx() -> None:
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_long,
    ]
    addr = libc.mmap(
        None, 8192, mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0
    )
    ctypes.memmove(addr, b"\xc3", 1)  # ret
    libc.mprotect(ctypes.c_void_p(addr), 4096, PROT_RWX)
    libc.munmap(ctypes.c_void_p(addr), 8192)


def raw_socket() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    with socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6) as s:
        s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE)
    try:  # (a ping socket: allowed by net.ipv4.ping_group_range, by default to no group)
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP).close()
    except OSError:
        pass
    # unix sockets of the other types, and a netlink one, as a local agent would hold them
    for kind in (socket.SOCK_DGRAM, socket.SOCK_SEQPACKET):
        a, b = socket.socketpair(socket.AF_UNIX, kind)
        a.send(b"x")
        b.recv(1)
        a.close()
        b.close()
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.bind("\0stealth")
        s.getsockname()
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as s:
        s.bind((0, 0))


def drop_privileges() -> None:
    pid = os.fork()
    if pid == 0:
        os.chroot(".")
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
        try:
            os.open("/secret", os.O_RDONLY)
        except OSError:
            pass
        os._exit(0)
    os.waitpid(pid, 0)


def timestomp() -> None:
    with open("dropped", "w") as f:
        f.write("x")
    os.utime("dropped", (0, 0))
    os.utime("dropped", ns=(1_500_000_000_123_456_789, 1_500_000_000_987_654_321))


def watch() -> None:
    fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
    libc.inotify_add_watch(fd, b".", 0x100 | 0x200 | 0x2)  # IN_CREATE|IN_DELETE|IN_MODIFY
    with open("touched", "w") as f:
        f.write("y")
    os.unlink("touched")
    os.read(fd, 4096)
    os.close(fd)


def look_around() -> None:
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    f.read()
            except OSError:
                pass
    for path in ("/sys/class/dmi/id/product_name", "/sys/class/dmi/id/sys_vendor", "/proc/cpuinfo"):
        try:
            with open(path, "rb") as f:
                f.read()
        except OSError:
            pass
    os.uname()


if len(sys.argv) > 1 and sys.argv[1] == "run":
    os.makedirs("stealth", exist_ok=True)
    os.chdir("stealth")
    here = os.getcwd()
    with open("secret", "w") as f:
        f.write("s")
    for step in (
        rename,
        debugger_check,
        run_from_memory,
        deleted_while_running,
        daemon,
        rwx,
        raw_socket,
        drop_privileges,
        timestomp,
        watch,
        look_around,
    ):
        step()
    print("stealth steps done")
