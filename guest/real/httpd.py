# An HTTP server on the loopback for guest/real/net.sh's clients: `httpd.py serve N`
# brings lo up, prints the port it listens on, answers N requests (GET and POST) and
# exits.  Without arguments it only loads its modules (the host lists them so).
import fcntl
import socket
import struct
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (BaseHTTPRequestHandler's name)
        body = b"hello from the guest\n" * 64
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802
        data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(201)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sh14x", b"lo", 0)
        flags = struct.unpack("16sh14x", fcntl.ioctl(s, SIOCGIFFLAGS, req))[1]
        if not flags & IFF_UP:
            fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sh14x", b"lo", flags | IFF_UP))


if len(sys.argv) > 2 and sys.argv[1] == "serve":
    loopback_up()
    with HTTPServer(("127.0.0.1", 0), Handler) as server:
        with open("port.tmp", "w") as f:
            print(server.server_address[1], file=f)
        # (renamed once whole: the shell waits for the file to appear)
        import os

        os.rename("port.tmp", "port")
        for _ in range(int(sys.argv[2])):
            server.handle_request()
