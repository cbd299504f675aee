#!/usr/bin/env python3
"""How long the data export of a large account takes, and what it costs the server in memory.

Starts the release server (target/release/leptodo) on a throw-away SQLite database, registers one user, gives
them TODOS todos (default 10000, the `todos_per_user` limit; written straight into the database with Python's
sqlite3, since the API's own speed is not what is measured), and downloads GET /api/account/export RUNS times
(default 5) with a token. For each size it prints the document's bytes, the time to the first byte and to the
last (median and slowest), and the server's resident memory before and at its peak during the downloads
(VmHWM, reset through /proc/PID/clear_refs before them). A second, small account (100 todos) is measured the
same way, so the two peaks show whether memory grows with the list. Asserts nothing.
Usage: scripts/bench-export.py [TODOS] [RUNS]
"""

import http.client
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

TODOS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
PASSWORD = "a long and unusual passphrase"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def post(base, path, body, opener):
    request = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with opener.open(request) as response:
        return json.loads(response.read() or b"null")


def account_with_todos(base, database, username, count):
    """Registers `username` with `count` todos; answers a bearer token of theirs."""
    cookies = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    user = {"email": f"{username}@example.com", "username": username, "name": "Bench"}
    registered = post(base, "/api/auth/register", {**user, "password": PASSWORD, "password_confirm": PASSWORD}, cookies)
    token = post(base, "/api/auth/tokens", {"name": "bench"}, cookies)["token"]
    with sqlite3.connect(database, timeout=30) as connection:
        connection.executemany(
            "INSERT INTO todos (user_id, title, completed, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            (
                (registered["user"]["id"], f"todo number {n} with a title of a usual length", n % 3 == 0,
                 "2026-12-01T10:00:00Z", "2026-12-01T10:00:00Z")
                for n in range(count)
            ),
        )
    return token


def download(port, token):
    """Seconds to the first byte and to the last, and the bytes of one export."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.request("GET", "/api/account/export", headers={"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    if response.status != 200:
        raise RuntimeError(f"export answered {response.status}: {response.read()[:300]!r}")
    first = response.read(1)
    first_byte = time.perf_counter() - started
    rest = response.read()
    total = time.perf_counter() - started
    document = json.loads(first + rest)
    connection.close()
    return first_byte, total, len(first) + len(rest), len(document["todos"])


def measure(server, port, token):
    with open(f"/proc/{server.pid}/clear_refs", "w") as refs:
        refs.write("5")  # resets VmHWM to the current RSS
    before = status_kib(server.pid, "VmRSS")
    samples = [download(port, token) for _ in range(RUNS)]
    peak = status_kib(server.pid, "VmHWM")
    return samples, before, peak


def main():
    port = free_port()
    work = tempfile.mkdtemp(prefix="leptodo-export.")
    database = f"{work}/leptodo.db"
    env = {
        **os.environ,
        "LEPTODO_SITE_ADDR": f"127.0.0.1:{port}",
        "LEPTODO_DATABASE_URL": f"sqlite://{database}",
        "LEPTODO_LOG_LEVEL": "warn",
        "LEPTODO_OUTBOX_DIR": f"{work}/outbox",
        "LEPTODO_TODOS_PER_USER": str(max(TODOS, 100)),
    }
    server = subprocess.Popen(
        ["target/release/leptodo", "--config", "Leptos.toml"], env=env, stderr=open(f"{work}/server.log", "w")
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz").read()
                break
            except OSError:
                time.sleep(0.1)
        large = account_with_todos(base, database, "large", TODOS)
        small = account_with_todos(base, database, "small", 100)
        print(f"data export, GET /api/account/export (SQLite, release build, {os.cpu_count()} cores, {RUNS} runs each)")
        print(f"  {'todos':>6}  {'bytes':>9}  {'first byte ms':>13}  {'whole ms (median / max)':>24}  {'RSS before → peak MiB':>22}")
        for token in (small, large):
            samples, before, peak = measure(server, port, token)
            firsts = [first * 1000 for first, _, _, _ in samples]
            totals = [total * 1000 for _, total, _, _ in samples]
            size, todos = samples[0][2], samples[0][3]
            print(
                f"  {todos:>6}  {size:>9}  {statistics.median(firsts):>13.1f}  "
                f"{statistics.median(totals):>11.1f} / {max(totals):>10.1f}  "
                f"{before / 1024:>9.1f} → {peak / 1024:>8.1f}"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


main()
