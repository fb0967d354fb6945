"""How much the emulator's memory grows with the sessions it creates (issue 28, item 8).

One ``Emulator`` (default settings: a history of 1,000 requests) runs in this process; a
client in a child process creates ``--sessions`` (50,000) sessions over ``--connections`` (8)
keep-alive connections, with a mix of forms (the location varies, so not every session shares
its form with others). The script prints this process's resident memory (RSS, from
``/proc/self/status``; Linux only) after a warm-up and after the sessions, both after a
``gc.collect()``, and the growth per 1,000 sessions. ``--check`` exits 1 if the growth is
above ``--max-growth-mb`` (20). Everything stays on 127.0.0.1; the run is bounded by the
session count and ``--timeout`` seconds. ::

    python benchmarks/bench_emulator_memory.py [--sessions 50000] [--check] [--json PATH]
"""

from __future__ import annotations

import argparse
import gc
import http.client
import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from bench_emulator_idle import FORM, project_token

from opentok_rules.testing import Emulator


def rss_mb() -> float:
    """This process's resident set size in MB (10**6 bytes)."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise SystemExit("no VmRSS in /proc/self/status: this benchmark needs Linux")


def form(number: int) -> bytes:
    """A form like an app's: mostly the same few, every tenth with its own location."""
    params = {"p2p.preference": "disabled", "archiveMode": "manual"}
    if number % 10 == 0:
        params["location"] = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
    return urlencode(params).encode("ascii")


def _client_worker(port: int, token: str, numbers: range, failures: list[int]) -> None:
    headers = {"Content-Type": FORM, "X-OPENTOK-AUTH": token, "Accept": "application/json"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for number in numbers:
            connection.request("POST", "/session/create", body=form(number), headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failures.append(response.status)
    finally:
        connection.close()


def run_client(port: int, token: str, sessions: int, connections: int) -> None:
    failures: list[int] = []
    threads = [
        threading.Thread(
            target=_client_worker,
            args=(port, token, range(start, sessions, connections), failures),
        )
        for start in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"failures": len(failures)}))


def create_sessions(
    emulator: Emulator, sessions: int, connections: int, timeout: float, offset: int = 0
) -> None:
    port = int(emulator.url.rsplit(":", 1)[1])
    token = project_token(emulator.api_key, emulator.api_secret, lifetime=int(timeout) + 60)
    command = [sys.executable, __file__, "--client", str(port), token, str(sessions)]
    command.append(str(connections))
    finished = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if finished.returncode != 0 or json.loads(finished.stdout)["failures"]:
        raise SystemExit(f"the client failed:\n{finished.stdout}\n{finished.stderr}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=50_000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--warm-up", type=int, default=2_000)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--max-growth-mb", type=float, default=20.0)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    with Emulator() as emulator:
        # The warm-up fills the request history (1,000) and the console's log: what stays
        # after it is the sessions' own cost.
        create_sessions(emulator, args.warm_up, args.connections, args.timeout)
        gc.collect()
        before = rss_mb()
        began = time.monotonic()
        create_sessions(emulator, args.sessions, args.connections, args.timeout)
        elapsed = time.monotonic() - began
        gc.collect()
        after = rss_mb()
        kept = len(emulator.sessions)
        history = len(emulator.requests)
    growth = after - before
    per_thousand = growth / args.sessions * 1000
    print(f"Python {platform.python_version()}, {os.cpu_count()} cores")
    print(f"sessions created: {args.sessions} (after {args.warm_up} warm-up) in {elapsed:.1f} s")
    print(f"sessions kept: {kept}; requests in the history: {history}")
    print(f"RSS before: {before:.1f} MB, after: {after:.1f} MB")
    print(f"growth: {growth:.1f} MB ({per_thousand:.2f} MB per 1,000 sessions)")
    if args.json is not None:
        figures = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "python": platform.python_version(),
            "sessions": args.sessions,
            "rss_before_mb": before,
            "rss_after_mb": after,
            "growth_mb": growth,
            "growth_per_1000_mb": per_thousand,
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    if args.check and growth > args.max_growth_mb:
        print(f"FAIL: growth {growth:.1f} MB is above {args.max_growth_mb:g} MB")
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--client":
        port, token, sessions, connections = sys.argv[2:]
        run_client(int(port), token, int(sessions), int(connections))
        sys.exit(0)
    sys.exit(main())
