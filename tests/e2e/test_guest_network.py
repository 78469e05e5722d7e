"""The guests' network (--net, --forward), booted: in the Debian guest a server and a
client over the interface, nothing outside reachable by default, a host port forwarded
in; in the default guest --net open reaches the host and restricted does not. One Debian
boot and two of the default guest."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

# The Debian guest's side (bash and perl-base are in the image; python3 is not).
GUEST_SCRIPT = Path(__file__).with_name("network-guest.sh")


@contextmanager
def _host_listener() -> Iterator[tuple[int, list[bytes]]]:
    """A listening port on the host's 127.0.0.1 that greets whoever connects and keeps
    the line each sends: (port, lines)."""
    lines: list[bytes] = []
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(0.2)
        stop = threading.Event()

        def serve() -> None:
            while not stop.is_set():
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    continue
                with conn:
                    conn.settimeout(30)
                    conn.sendall(b"hello from the host\n")
                    lines.append(conn.makefile("rb").readline())

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            yield server.getsockname()[1], lines
        finally:
            stop.set()
            thread.join()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _exchange(port: int, running: threading.Thread) -> bytes | None:
    """Connects to the host's forwarded port until the guest answers (it listens only
    once the guest script gets there; until then slirp closes each connection)."""
    while running.is_alive():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
                conn.sendall(b"hello from the host\n")
                reply = conn.makefile("rb").readline()
            if reply:
                return reply
        except OSError:
            pass
        time.sleep(0.2)
    return None


def test_the_debian_guests_network(vmstrace) -> None:
    forwarded = _free_port()
    results = []
    with _host_listener() as (host_port, host_lines):
        run = threading.Thread(
            target=lambda: results.append(
                vmstrace(
                    ["/root/net.sh", str(host_port), "8000"],
                    "--guest",
                    "debian",
                    "--forward",
                    f"{forwarded}:8000",
                    "--add",
                    f"{GUEST_SCRIPT}:/root/net.sh",
                )
            )
        )
        run.start()
        reply = _exchange(forwarded, run)
        run.join()
    (r,) = results
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().splitlines() == [
        "pong ping over eth0",
        "1.1.1.1/80: 1: Connection refused",
        f"10.0.2.2/{host_port}: 1: Connection refused",
    ]
    assert reply == b"pong hello from the host\n"
    assert host_lines == []  # the guest's attempt never reached the host
    # what the trace shows of it
    calls = {
        (e["name"], e["args"][1], e["ret"]) for e in r.events if e["name"] in ("bind", "connect")
    }
    address = '{sa_family=AF_INET, sin_port=htons(%d), sin_addr=inet_addr("%s")}'
    assert {
        ("bind", address % (7000, "10.0.2.15"), 0),
        ("connect", address % (7000, "10.0.2.15"), 0),
        ("connect", address % (80, "1.1.1.1"), -111),  # ECONNREFUSED
        ("connect", address % (host_port, "10.0.2.2"), -111),
        ("bind", address % (8000, "0.0.0.0"), 0),
    } <= calls, sorted(calls)
    accepted = [e["args"][1] for e in r.events if e["name"] == "accept4" and (e["ret"] or 0) > 0]
    assert len(accepted) == 2 and '"10.0.2.2"' in accepted[1]  # the forward, from slirp


@pytest.mark.parametrize(
    ("net", "stdout", "reached"),
    [
        ("open", b"hello from the host\nnc=0\n", [b"hello from the guest\n"]),
        ("restricted", b"nc=1\n", []),
    ],
)
def test_only_an_open_network_reaches_the_host(
    vmstrace, net: str, stdout: bytes, reached: list[bytes]
) -> None:
    """The default guest, given a network on request; 10.0.2.2 is the host."""
    with _host_listener() as (port, lines):
        r = vmstrace(
            ["/bin/sh", "-c", f"echo hello from the guest | nc 10.0.2.2 {port}; echo nc=$?"],
            "--net",
            net,
        )
    assert r.returncode == 0, r.stderr
    assert r.stdout == stdout
    assert lines == reached
