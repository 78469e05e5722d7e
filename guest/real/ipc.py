# Processes talking: the loopback interface brought up by ioctl, TCP and UDP over it, a
# UNIX socket pair passing a descriptor (SCM_RIGHTS), poll/select/epoll waits, a pipe
# spliced and a file sent with sendfile, a byte-range lock, a child run by subprocess (its
# pipes, its exit status), a DNS lookup (sendmmsg), a signal handler interrupting a sleep,
# an itimer, and mmap.
import array
import fcntl
import mmap
import os
import select
import signal
import socket
import struct
import subprocess
import time

SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sh14x", b"lo", 0)
        flags = struct.unpack("16sh14x", fcntl.ioctl(s, SIOCGIFFLAGS, req))[1]
        if not flags & IFF_UP:
            fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sh14x", b"lo", flags | IFF_UP))


def tcp() -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as srv:
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        with socket.create_connection(srv.getsockname()) as cli:
            cli.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn, _ = srv.accept()
            with conn:
                cli.sendall(b"ping over tcp")
                select.select([conn], [], [], 5)
                got = conn.recv(64)
                conn.shutdown(socket.SHUT_WR)
                cli.recv(64)
                conn.getpeername()
                return got


def udp() -> bytes:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as a,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as b,
    ):
        b.bind(("127.0.0.1", 0))
        a.sendto(b"datagram", b.getsockname())
        poller = select.poll()
        poller.register(b, select.POLLIN)
        poller.poll(5000)
        data, _ = b.recvfrom(64)
        return data


def pass_fd() -> bytes:
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with left, right, open("passed.txt", "w+b") as f:
        f.write(b"passed by SCM_RIGHTS")
        f.flush()
        left.sendmsg(
            [b"fd"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [f.fileno()]))]
        )
        ep = select.epoll()
        ep.register(right.fileno(), select.EPOLLIN)
        ep.poll(5)
        ep.close()
        fds = array.array("i")
        msg, anc, _, _ = right.recvmsg(16, socket.CMSG_LEN(fds.itemsize))
        fds.frombytes(anc[0][2][: fds.itemsize])
        got = os.pread(fds[0], 64, 0)
        os.close(fds[0])
    os.unlink("passed.txt")
    return msg + b" " + got


def pipes_and_files() -> int:
    with open("src.bin", "wb") as f:
        f.write(bytes(range(256)) * 64)
    r, w = os.pipe2(os.O_CLOEXEC)
    src = os.open("src.bin", os.O_RDONLY)
    dst = os.open("dst.bin", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    sent = os.sendfile(w, src, 0, 4096)
    moved = os.splice(r, dst, sent)
    fcntl.lockf(dst, fcntl.LOCK_EX | fcntl.LOCK_NB, 100, 0)
    fcntl.lockf(dst, fcntl.LOCK_UN, 100, 0)
    os.pwrite(dst, b"tail", 8192)
    os.ftruncate(dst, 4100)
    for fd in (r, w, src, dst):
        os.close(fd)
    size = os.stat("dst.bin").st_size
    with open("dst.bin", "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
        m[:4] = b"MMAP"
        m.flush()
    os.unlink("src.bin")
    os.unlink("dst.bin")
    return moved + size


def child() -> tuple[int, bytes]:
    run = subprocess.run(["/usr/bin/sort"], input=b"b\nc\na\n", stdout=subprocess.PIPE, check=False)
    return run.returncode, run.stdout


def resolve() -> str:
    """glibc's resolver: the A and AAAA queries in one sendmmsg to the guest's own port 53,
    refused.  Only in the guest: on the host this script runs just to list its imports."""
    if not os.path.isdir("/vmstrace/real"):
        return "gaierror"
    with open("/etc/resolv.conf", "w") as f:
        f.write("nameserver 127.0.0.1\noptions attempts:1 timeout:1\n")
    try:
        socket.getaddrinfo("vmstrace.invalid", 80, proto=socket.IPPROTO_TCP)
    except socket.gaierror as err:
        return type(err).__name__
    return "resolved"


def interrupted() -> int:
    hits = []
    signal.signal(signal.SIGALRM, lambda sig, frame: hits.append(sig))
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    time.sleep(0.3)  # the handler runs; Python sleeps out the rest
    os.kill(os.getpid(), signal.SIGALRM)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    return len(hits)


loopback_up()
print(tcp(), udp(), pass_fd(), pipes_and_files(), child(), resolve(), interrupted())
