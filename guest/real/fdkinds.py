# Descriptors whose -y text is not a plain path: a memfd, an epoll and an eventfd, a
# namespace (named by their filesystem, not by a directory tree), a file and a directory
# removed while open ("(deleted)"); each is fstat-ed, then closed.
import os
import select

epoll = select.epoll()
fds = [os.memfd_create("vmstrace-memfd"), epoll.fileno(), os.eventfd(0)]
fds.append(os.open("/proc/self/ns/net", os.O_RDONLY))
with open("gone.txt", "w") as f:
    f.write("x")
fds.append(os.open("gone.txt", os.O_RDONLY))
os.unlink("gone.txt")
os.mkdir("gone.d")
fds.append(os.open("gone.d", os.O_RDONLY | os.O_DIRECTORY))
os.rmdir("gone.d")
for fd in fds:
    os.fstat(fd)
for fd in fds:
    if fd != epoll.fileno():
        os.close(fd)
epoll.close()
