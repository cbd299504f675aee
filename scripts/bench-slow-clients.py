#!/usr/bin/env python3
"""Slow clients against the release build: how fast the server answers others while one script holds many
connections that never finish a request (half a request's headers each, a "slowloris"), and how many of those
the server has closed.

Starts `target/release/leptodo` on a fresh SQLite database and a free port, measures the time of 100 requests
for the login page, each on a new connection, with no slow connection open, then again while SLOW (default
1000) are held open. Prints the median, p99 and slowest answer of each round, and how many slow connections
were still open at the end (at most `max_pending_connections`, 256 by default). Needs `cargo leptos build --release --precompress` first (`make slow-clients`
does it).

  SLOW           connections the script holds (default 1000)
"""

import http.client
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time

SLOW = int(os.environ.get("SLOW", "1000"))
ROUNDS = 100


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    sys.exit("the server did not start within 60 s")


def timed_requests(port: int) -> list[float]:
    """Milliseconds of each of ROUNDS page loads, each on a connection of its own."""
    times = []
    for _ in range(ROUNDS):
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/login")
        response = connection.getresponse()
        response.read()
        connection.close()
        if response.status != 200:
            sys.exit(f"GET /login answered {response.status}")
        times.append((time.monotonic() - started) * 1000)
    return times


def still_open(connections: list[socket.socket]) -> int:
    """How many of `connections` the server has not closed (a closed one reads as end of file or a reset)."""
    count = 0
    for connection in connections:
        connection.setblocking(False)
        try:
            if connection.recv(1) != b"":
                count += 1
        except BlockingIOError:
            count += 1
        except OSError:
            pass
    return count


def summary(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"{name:<34} median {statistics.median(ordered):7.1f} ms   p99 {p99:7.1f} ms   slowest {ordered[-1]:7.1f} ms"


def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, SLOW + 256)), hard))
    port = free_port()
    with tempfile.TemporaryDirectory() as work:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LEPTODO_", "LEPTOS_"))}
        env.update(
            LEPTODO_SITE_ADDR=f"127.0.0.1:{port}",
            LEPTODO_SITE_ROOT="target/site",
            LEPTODO_DATABASE_URL=f"sqlite://{work}/bench.db",
            LEPTODO_OUTBOX_DIR=f"{work}/outbox",
            LEPTODO_LOG_LEVEL="warn",
        )
        server = subprocess.Popen(["target/release/leptodo", "--config", "Leptos.toml"], env=env)
        try:
            wait_until_up(port, server)
            timed_requests(port)  # warm-up
            idle = timed_requests(port)
            slow = []
            for _ in range(SLOW):
                connection = socket.create_connection(("127.0.0.1", port))
                connection.sendall(b"GET /login HTTP/1.1\r\nHost: leptodo\r\nX-Slow: ")
                slow.append(connection)
            held = timed_requests(port)
            # Past the second an evicted connection may keep to flush an answer (these had none).
            time.sleep(2)
            print(summary("no slow connection", idle))
            print(summary(f"{SLOW} slow connections held", held))
            print(f"slow connections still open at the end: {still_open(slow)} of {SLOW}")
            for connection in slow:
                connection.close()
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
