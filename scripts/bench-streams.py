#!/usr/bin/env python3
"""How many live-update streams one instance holds, and what each costs.

Starts the release server (target/release/leptodo) on a throw-away SQLite database with the stream limits
raised, registers one user, and opens STREAMS (default 5000) streams of GET /api/events with that user's
token, STEP at a time; after each step it reads the server's resident memory (VmRSS). Then one todo is added
and the time until every open stream has received its event is measured (the fan-out). First, with one
stream open, 200 todos are added one by one and the time from each request being sent to its event arriving
is measured (the server's part of live-sync latency; end2end/bench/live-latency.spec.ts adds the browser's).
Prints the figures; asserts nothing. Usage: scripts/bench-streams.py [STREAMS] [STEP]
"""

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

STREAMS = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
STEP = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
PASSWORD = "a long and unusual passphrase"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def post(base, path, body, headers=None, opener=None):
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with (opener or urllib.request.build_opener()).open(request) as response:
        return json.loads(response.read() or b"null")


async def open_stream(port, token):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        raise RuntimeError(head.decode(errors="replace"))
    await reader.readuntil(b"event: hello")
    await reader.readuntil(b"\n\n")
    return reader, writer


async def wait_for_change(reader):
    await reader.readuntil(b"event: todo_created")


async def latency(base, port, token, changes=200):
    """Milliseconds from each add being sent to its event arriving on an open stream, sorted."""
    reader, writer = await open_stream(port, token)
    loop = asyncio.get_running_loop()
    headers = {"Authorization": f"Bearer {token}"}
    samples = []
    for number in range(changes):
        sent = time.perf_counter()
        await loop.run_in_executor(None, lambda: post(base, "/api/todos", {"title": f"latency {number}"}, headers))
        await reader.readuntil(b"event: todo_created")
        await reader.readuntil(b"\n\n")
        samples.append((time.perf_counter() - sent) * 1000)
        await asyncio.sleep(0.02)
    writer.close()
    return sorted(samples)


async def main():
    port = free_port()
    work = tempfile.mkdtemp(prefix="leptodo-streams.")
    env = {
        **os.environ,
        "LEPTODO_SITE_ADDR": f"127.0.0.1:{port}",
        "LEPTODO_DATABASE_URL": f"sqlite://{work}/leptodo.db",
        "LEPTODO_EVENTS_STREAMS_PER_USER": str(STREAMS + 10),
        "LEPTODO_EVENTS_STREAMS_TOTAL": str(STREAMS + 10),
        "LEPTODO_LOG_LEVEL": "warn",
        "LEPTODO_OUTBOX_DIR": f"{work}/outbox",
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
        cookies = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        user = {"email": "bench@example.com", "username": "bench", "name": "Bench"}
        post(base, "/api/auth/register", {**user, "password": PASSWORD, "password_confirm": PASSWORD}, opener=cookies)
        token = post(base, "/api/auth/tokens", {"name": "bench"}, opener=cookies)["token"]
        latencies = await latency(base, port, token)
        idle = rss_kib(server.pid)
        rows = [("streams open", "server RSS (MiB)", "KiB per stream")]
        rows.append((0, f"{idle / 1024:.1f}", "-"))
        streams = []
        while len(streams) < STREAMS:
            batch = min(STEP, STREAMS - len(streams))
            streams += await asyncio.gather(*(open_stream(port, token) for _ in range(batch)))
            await asyncio.sleep(0.5)
            rss = rss_kib(server.pid)
            rows.append((len(streams), f"{rss / 1024:.1f}", f"{(rss - idle) / len(streams):.1f}"))
        started = time.perf_counter()
        waiting = [asyncio.create_task(wait_for_change(reader)) for reader, _ in streams]
        post(base, "/api/todos", {"title": "to everyone"}, {"Authorization": f"Bearer {token}"})
        await asyncio.gather(*waiting)
        fan_out = (time.perf_counter() - started) * 1000
        print(f"live-update streams on one instance (SQLite, release build, {os.cpu_count()} cores)")
        print(
            f"  one stream, {len(latencies)} changes, request sent → event received: median "
            f"{latencies[len(latencies) // 2]:.1f} ms, p99 {latencies[int(len(latencies) * 0.99) - 1]:.1f} ms"
        )
        for row in rows:
            print(f"  {row[0]!s:>13}  {row[1]!s:>17}  {row[2]!s:>15}")
        print(f"  one change reached all {len(streams)} streams in {fan_out:.0f} ms (request sent → last received)")
        for _, writer in streams:
            writer.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


asyncio.run(main())
