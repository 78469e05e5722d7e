# An HTTP server on the loopback for guest/real/net.sh's clients: `httpd.py serve N`
# writes the port it listens on to ./port, answers N requests (GET and POST) and
# exits.  Without arguments it only loads its modules (the host lists them so).
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


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


if len(sys.argv) > 2 and sys.argv[1] == "serve":
    with HTTPServer(("127.0.0.1", 0), Handler) as server:
        with open("port.tmp", "w") as f:
            print(server.server_address[1], file=f)
        # (renamed once whole: the shell waits for the file to appear)
        import os

        os.rename("port.tmp", "port")
        for _ in range(int(sys.argv[2])):
            server.handle_request()
