"""Idle keep-alive connections must not starve the emulator (issue 28, item 9).

One ``Emulator`` runs in this process. A load client in a child process (its own interpreter,
so its threads do not compete with the emulator's for one GIL) opens ``--connections`` (64)
keep-alive connections and creates sessions for ``--seconds`` per phase, in rounds: one
request on each connection, the round over when every connection has its answer (what
``asyncio.gather`` over a pool of connections does), so a connection the emulator leaves
waiting holds the whole client up, as it holds up a real one. Phases alternate:

* **alone**: the load client only;
* **idle**: the same, while another client (a thread here) holds ``--idle`` (10) keep-alive
  connections open after one request each, sending nothing more, and opens a new one whenever
  the emulator closes one (as a pooling client does).

Each phase reports the sessions per second the load client got; the script prints the best
and the median of ``--rounds`` rounds for each phase, and the ratio of the bests (noise on a
shared machine only ever slows a round down). ``--check`` exits 1 unless the load
client keeps at least ``--min-ratio`` (0.8) of its alone-throughput with the idle connections
open. Everything stays on 127.0.0.1; a run is bounded by ``--rounds`` x 2 phases of
``--seconds`` each, and each phase by ``--max-requests`` sessions. ::

    python benchmarks/bench_emulator_idle.py [--seconds 3] [--rounds 3] [--check] [--json PATH]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import selectors
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import jwt

from opentok_rules.testing import Emulator

FORM = "application/x-www-form-urlencoded"
BODY = b"p2p.preference=disabled&archiveMode=manual"


def project_token(api_key: str, api_secret: str, lifetime: int = 600) -> str:
    """An ``X-OPENTOK-AUTH`` token, reused for every request of a run."""
    now = int(time.time())
    claims = {
        "iss": api_key,
        "ist": "project",
        "iat": now,
        "exp": now + lifetime,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, api_secret, algorithm="HS256")


# --- The load client (a child process) -------------------------------------------------------


def _load_worker(
    port: int, token: str, barrier: threading.Barrier, stop: threading.Event, done: list[int]
) -> None:
    headers = {"Content-Type": FORM, "X-OPENTOK-AUTH": token, "Accept": "application/json"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    count = 0
    try:
        while not stop.is_set():
            connection.request("POST", "/session/create", body=BODY, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"the emulator answered {response.status}")
            count += 1
            barrier.wait(timeout=60)  # the round ends when every connection has its answer
    except (OSError, http.client.HTTPException, threading.BrokenBarrierError):
        barrier.abort()
    finally:
        connection.close()
        done.append(count)


def run_load(port: int, token: str, connections: int, seconds: float, max_requests: int) -> None:
    """Rounds of one request on each of ``connections`` connections, each round awaited in
    full (as ``asyncio.gather`` over a pool does), until ``seconds`` or ``max_requests``;
    print ``{"sessions": n, "seconds": s}``."""
    done: list[int] = []
    stop = threading.Event()
    began = time.monotonic()
    rounds = [0]

    def round_done() -> None:
        rounds[0] += 1
        over_time = time.monotonic() - began >= seconds
        if over_time or (rounds[0] + 1) * connections > max_requests:
            stop.set()

    barrier = threading.Barrier(connections, action=round_done)
    threads = [
        threading.Thread(target=_load_worker, args=(port, token, barrier, stop, done))
        for _ in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    print(json.dumps({"sessions": sum(done), "seconds": elapsed}))


# --- The idle client (a thread here) --------------------------------------------------------


def _open_idle(port: int, token: str) -> socket.socket:
    """A connection that made one request (so it is a live keep-alive one) and then idles."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    request = (
        f"POST /session/create HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {FORM}\r\n"
        f"X-OPENTOK-AUTH: {token}\r\nContent-Length: {len(BODY)}\r\n\r\n"
    ).encode("ascii") + BODY
    sock.sendall(request)
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(65536)
        if not chunk:
            break
        answer += chunk
    head, _, rest = answer.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(rest) < length:
        rest += sock.recv(65536)
    sock.setblocking(False)
    return sock


@contextmanager
def idle_connections(port: int, token: str, count: int) -> Iterator[list[int]]:
    """``count`` idle keep-alive connections, each replaced when the emulator closes it.

    Yields a one-item list: how many times a connection had to be replaced.
    """
    stop = threading.Event()
    replaced = [0]
    selector = selectors.DefaultSelector()
    for _ in range(count):
        selector.register(_open_idle(port, token), selectors.EVENT_READ)

    def hold() -> None:
        while not stop.is_set():
            for key, _ in selector.select(0.05):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    data = sock.recv(1)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:  # closed by the emulator: open another, as a pool would
                    selector.unregister(sock)
                    sock.close()
                    replaced[0] += 1
                    if not stop.is_set():
                        selector.register(_open_idle(port, token), selectors.EVENT_READ)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    time.sleep(0.2)
    try:
        yield replaced
    finally:
        stop.set()
        holder.join(timeout=10)
        for key in list(selector.get_map().values()):
            key.fileobj.close()  # type: ignore[union-attr]
        selector.close()


def measure(
    emulator: Emulator, token: str, connections: int, seconds: float, max_requests: int
) -> float:
    """Sessions per second the load client (a child process) got over one phase."""
    port = int(emulator.url.rsplit(":", 1)[1])
    command = [
        sys.executable,
        __file__,
        "--load",
        str(port),
        token,
        str(connections),
        str(seconds),
        str(max_requests),
    ]
    finished = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if finished.returncode != 0:
        raise SystemExit(f"the load client failed:\n{finished.stderr}")
    result = json.loads(finished.stdout)
    return float(result["sessions"]) / float(result["seconds"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--idle", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-requests", type=int, default=50_000)
    parser.add_argument("--min-ratio", type=float, default=0.8)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    alone: list[float] = []
    idle: list[float] = []
    replaced = 0
    with Emulator() as emulator:
        token = project_token(emulator.api_key, emulator.api_secret)
        measure(emulator, token, args.connections, 0.5, args.max_requests)  # warm up
        load = (args.connections, args.seconds, args.max_requests)
        for round_number in range(args.rounds):
            alone.append(measure(emulator, token, *load))
            with idle_connections(_port(emulator), token, args.idle) as count:
                idle.append(measure(emulator, token, *load))
            replaced += count[0]
            print(
                f"round {round_number + 1}: alone {alone[-1]:.0f}/s, "
                f"with {args.idle} idle {idle[-1]:.0f}/s",
                flush=True,
            )
    # The best round of each phase: machine noise only ever slows a round down.
    ratio = max(idle) / max(alone)
    print(
        f"{args.connections} connections, {args.seconds:g} s per phase, {args.rounds} rounds, "
        f"Python {platform.python_version()}, {os.cpu_count()} cores"
    )
    print(
        f"alone:            {max(alone):7.0f} sessions/s best "
        f"({statistics.median(alone):.0f} median)"
    )
    print(
        f"with {args.idle:2d} idle:     {max(idle):7.0f} sessions/s best "
        f"({statistics.median(idle):.0f} median)"
    )
    print(f"ratio of the bests: {ratio:5.2f} (target >= {args.min_ratio:g})")
    print(f"idle connections the emulator closed (and were reopened): {replaced}")
    if args.json is not None:
        figures = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "python": platform.python_version(),
            "cores": os.cpu_count(),
            "connections": args.connections,
            "idle": args.idle,
            "seconds": args.seconds,
            "alone": alone,
            "with_idle": idle,
            "ratio": ratio,
            "idle_replaced": replaced,
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    if args.check and ratio < args.min_ratio:
        print(f"FAIL: ratio {ratio:.2f} is below {args.min_ratio:g}")
        return 1
    return 0


def _port(emulator: Emulator) -> int:
    return int(emulator.url.rsplit(":", 1)[1])


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "--load":
        port, token, connections, seconds, max_requests = sys.argv[2:]
        run_load(int(port), token, int(connections), float(seconds), int(max_requests))
        sys.exit(0)
    sys.exit(main())
