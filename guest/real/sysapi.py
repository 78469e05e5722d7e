# The system interfaces a service uses beyond files and sockets, each as Python's os,
# signal, fcntl, mmap and resource modules (or ctypes, for libc's own) make the call:
# extended attributes, preallocation, in-kernel copies, splices, event/pid/timer/signal
# fds, waitid, resource limits and usage, FIFOs and device nodes, locks (POSIX, OFD),
# pipe sizes, memfd seals, vectored and positioned I/O, mremap/msync/madvise/mincore,
# interval timers, signal waits, SysV and POSIX IPC, capabilities.  `sysapi.py run` does
# it; without arguments it only loads its modules (the host lists them so).
import ctypes
import errno
import fcntl
import mmap
import os
import resource
import select
import signal
import struct
import sys
import time

libc = ctypes.CDLL("libc.so.6", use_errno=True)  # (find_library would run ldconfig)


def attempt(fn, *args):
    try:
        return fn(*args)
    except OSError:
        return None


def files() -> None:
    with open("data", "wb") as f:
        f.write(os.urandom(8192))
    attempt(os.setxattr, "data", "user.origin", b"guest")
    attempt(os.getxattr, "data", "user.origin")
    attempt(os.listxattr, "data")
    attempt(os.removexattr, "data", "user.origin")
    fd = os.open("data", os.O_RDWR)
    out = os.open("copy", os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    os.posix_fallocate(out, 0, 16384)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
    os.copy_file_range(fd, out, 4096, 0, 0)
    os.sendfile(out, fd, 4096, 1024)
    r, w = os.pipe()
    fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 65536)
    fcntl.fcntl(w, fcntl.F_GETPIPE_SZ)
    os.splice(fd, w, 512, offset_src=0)
    os.splice(r, out, 512)
    os.close(r)
    os.close(w)
    os.pwrite(out, b"head", 0)
    os.pread(out, 4, 0)
    os.writev(out, [b"a", b"bc", b"def"])
    os.preadv(out, [bytearray(3), bytearray(5)], 0)
    os.pwritev(out, [b"xy", b"z"], 100)
    os.lockf(out, os.F_TLOCK, 0)
    fcntl.fcntl(out, fcntl.F_OFD_SETLK, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 10, 0))
    fcntl.fcntl(out, fcntl.F_OFD_GETLK, struct.pack("hhqqi4x", fcntl.F_RDLCK, 0, 0, 10, 0))
    os.fsync(out)
    os.fdatasync(out)
    os.ftruncate(out, 8192)
    os.statvfs(".")
    os.fstatvfs(out)
    os.close(fd)
    os.close(out)
    os.sync()
    os.mkfifo("fifo", 0o600)
    attempt(os.mknod, "null", 0o600 | 0o020000, os.makedev(1, 3))
    os.symlink("data", "link")
    os.link("data", "hard")
    os.rename("hard", "hard2")
    os.utime("link", (1, 2), follow_symlinks=False)
    [e.stat() for e in os.scandir(".")]


def memory() -> None:
    fd = os.memfd_create("sealed", os.MFD_ALLOW_SEALING)
    os.ftruncate(fd, 4096)
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW)
    fcntl.fcntl(fd, fcntl.F_GET_SEALS)
    m = mmap.mmap(fd, 4096)
    m.madvise(mmap.MADV_DONTNEED)
    m[:5] = b"hello"
    m.flush()
    m.close()
    os.close(fd)
    a = mmap.mmap(-1, 8192)
    a.resize(16384)  # mremap
    a.madvise(mmap.MADV_SEQUENTIAL, 0, 4096)
    vec = (ctypes.c_ubyte * 4)()
    addr = ctypes.addressof(ctypes.c_char.from_buffer(a))
    libc.mincore(ctypes.c_void_p(addr), ctypes.c_size_t(16384), vec)
    libc.mlock(ctypes.c_void_p(addr), ctypes.c_size_t(4096))
    libc.munlock(ctypes.c_void_p(addr), ctypes.c_size_t(4096))
    del vec, addr
    a.close()


def processes() -> None:
    pid = os.fork()
    if pid == 0:
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR2])
        signal.sigtimedwait([signal.SIGUSR2], 5)
        os._exit(3)
    pidfd = os.pidfd_open(pid)
    time.sleep(0.2)
    signal.pidfd_send_signal(pidfd, signal.SIGUSR2)
    select.select([pidfd], [], [], 5)
    os.waitid(os.P_PIDFD, pidfd, os.WEXITED)
    os.close(pidfd)
    resource.getrusage(resource.RUSAGE_CHILDREN)
    resource.prlimit(0, resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.RLIM_INFINITY))
    os.times()
    time.clock_getres(time.CLOCK_MONOTONIC)
    os.sched_getaffinity(0)
    os.getpriority(os.PRIO_PROCESS, 0)
    os.getresuid()
    os.getresgid()
    os.getgroups()
    os.getsid(0)
    os.getpgid(0)


def events() -> None:
    efd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
    os.eventfd_write(efd, 3)
    os.eventfd_read(efd)
    os.close(efd)
    signal.signal(signal.SIGALRM, lambda *_: None)
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    signal.getitimer(signal.ITIMER_REAL)
    time.sleep(0.2)
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])
    os.kill(os.getpid(), signal.SIGUSR1)
    signal.sigpending()
    signal.sigwait([signal.SIGUSR1])
    tfd = libc.timerfd_create(time.CLOCK_MONOTONIC, os.O_CLOEXEC | os.O_NONBLOCK)
    spec = struct.pack("qqqq", 0, 0, 0, 1000000)  # it_interval, it_value: 1 ms
    libc.timerfd_settime(tfd, 0, spec, None)
    time.sleep(0.05)
    os.read(tfd, 8)
    cur = ctypes.create_string_buffer(32)
    libc.timerfd_gettime(tfd, cur)
    os.close(tfd)
    mask = struct.pack("Q", 1 << (signal.SIGUSR1 - 1)) + bytes(120)  # glibc's sigset_t
    sfd = libc.signalfd(-1, mask, os.O_CLOEXEC | os.O_NONBLOCK)
    os.kill(os.getpid(), signal.SIGUSR1)
    os.read(sfd, 128)
    os.close(sfd)


def ipc() -> None:
    IPC_PRIVATE, IPC_CREAT, IPC_RMID, IPC_STAT = 0, 0o1000, 0, 2
    libc.shmat.restype = ctypes.c_void_p
    shm = libc.shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0o600)
    at = libc.shmat(shm, None, 0)
    libc.shmdt(ctypes.c_void_p(at))
    libc.shmctl(shm, IPC_RMID, None)
    sem = libc.semget(IPC_PRIVATE, 1, IPC_CREAT | 0o600)
    op = struct.pack("HhH", 0, 1, 0)  # sem_num, sem_op, sem_flg
    libc.semop(sem, op, 1)
    libc.semctl(sem, 0, IPC_RMID)
    msq = libc.msgget(IPC_PRIVATE, IPC_CREAT | 0o600)
    msg = struct.pack("q5s", 1, b"hello")
    libc.msgsnd(msq, msg, 5, 0)
    buf = ctypes.create_string_buffer(64)
    libc.msgrcv(msq, buf, 56, 0, 0)
    stat = ctypes.create_string_buffer(256)
    libc.msgctl(msq, IPC_STAT, stat)
    libc.shmctl(shm, IPC_STAT, stat)  # (removed already: EINVAL)
    libc.msgctl(msq, IPC_RMID, None)
    rt = libc  # (POSIX message queues are libc's own since glibc 2.34)
    q = rt.mq_open(b"/sysapi", os.O_CREAT | os.O_RDWR, 0o600, None)
    if q >= 0:
        rt.mq_send(q, b"ping", 4, 1)
        qbuf = ctypes.create_string_buffer(8192)
        prio = ctypes.c_uint()
        rt.mq_receive(q, qbuf, 8192, ctypes.byref(prio))
        os.close(q)
        rt.mq_unlink(b"/sysapi")


def capabilities() -> None:
    header = struct.pack("Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = ctypes.create_string_buffer(24)
    libc.capget(header, data)
    libc.capset(header, data)


if len(sys.argv) > 1 and sys.argv[1] == "run":
    os.makedirs("sysapi", exist_ok=True)
    os.chdir("sysapi")
    for step in (files, memory, processes, events, ipc, capabilities):
        step()
    print("sysapi steps done", errno.errorcode[errno.EPERM])
