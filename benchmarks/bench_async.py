"""Concurrent POSTs over loopback with asyncio: httpx against aiohttp, and opentok-rules on top.

The same nginx as ``bench_http.py`` (started the same way, by importing its helpers) answers a
canned session to ``POST /session/create``. Each contender sends ``--requests`` POSTs in all,
``--concurrency`` at a time, on one pooled client, and the wall time of the whole burst is
measured, with the process's CPU time over the burst. Contenders take turns within each of
``--rounds`` interleaved rounds (the order rotates), so a burst of noise from elsewhere on the
machine lands on all of them alike. The loop is CPU-bound (nginx answers at once), so the CPU
time per request, which other work on the machine disturbs far less than the wall time, shows
what each layer costs:

* ``httpx``: a bare ``httpx.AsyncClient`` loop (pool of ``--concurrency`` keep-alive
  connections);
* ``aiohttp``: a bare ``aiohttp.ClientSession`` loop (``TCPConnector(limit=--concurrency)``);
* ``AiohttpTransport``: this library's async transport, ``handle_request`` in the same loop,
  to show what its policy (deadline, decoded-byte cap, redirect and retry checks) costs;
* ``AsyncOpenTok``: ``await client.create_session(...)``, when the package has it;
* ``OpenTok, 8 threads``: the sync client from a thread pool of 8, for comparison.

Setup (nginx comes from the system; httpx and aiohttp from benchmarks/requirements-async.txt)::

    apt-get update && apt-get install -y nginx
    tox -e bench-async
    # or: python benchmarks/bench_async.py [--requests N] [--concurrency C] [--rounds R]
    #         [--only PREFIXES] [--json PATH] [--check]

``--check`` exits 1 when ``AsyncOpenTok`` takes more than 1.10x the bare aiohttp loop's wall
time (the target of issue 11) or could not be measured. httpx takes minutes at 64 in flight;
``--only aiohttp,Aiohttp,AsyncOpenTok`` leaves it out.

All traffic stays on 127.0.0.1; nginx is stopped on exit, Ctrl-C and SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import platform
import signal
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import FrameType

import aiohttp
import httpx
from bench_http import (
    API_KEY,
    API_SECRET,
    FLOOR_HEADERS,
    FORM_BODY,
    NGINX_INSTALL,
    SESSION_ID,
    find_nginx,
    nginx_version,
    running_nginx,
)

import opentok_rules

#: The library's session / the chosen library's bare loop, at most (issue 11).
TARGET_CLIENT_OVER_BARE = 1.10
#: The chosen library: the contender the targets are measured against.
CHOSEN = "aiohttp"
#: Both bare loops send what the transport sends, so nginx does the same work for all.
HEADERS = {**FLOOR_HEADERS, "Accept-Encoding": "identity"}

#: One request; raises when the answer is not the canned session.
Call = Callable[[], Awaitable[object]]


@dataclass
class Contender:
    name: str
    call: Call | None = None  # None: a contender that runs its own burst (the thread pool)
    burst: Callable[[int, int], Awaitable[float]] | None = None
    rounds_s: list[float] = field(default_factory=list)
    #: CPU seconds of this process (every thread) over each round's burst.
    cpu_s: list[float] = field(default_factory=list)

    @property
    def median_s(self) -> float:
        return statistics.median(self.rounds_s)

    @property
    def median_cpu_s(self) -> float:
        return statistics.median(self.cpu_s)

    async def run(self, total: int, concurrency: int) -> float:
        if self.burst is not None:
            return await self.burst(total, concurrency)
        assert self.call is not None
        return await burst(self.call, total, concurrency)


async def burst(call: Call, total: int, concurrency: int) -> float:
    """Seconds for ``total`` calls made by ``concurrency`` workers sharing one counter."""
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1  # no await between test and decrement: no lock needed
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


# ---------------------------------------------------------------------------------------------
# The contenders; each checks one real answer before it is timed.


async def make_httpx(stack: AsyncExitStack, url: str, concurrency: int) -> Call:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    client = await stack.enter_async_context(httpx.AsyncClient(limits=limits, timeout=30.0))

    async def call() -> object:
        answer = await client.post(url, content=FORM_BODY, headers=HEADERS)
        return answer.content

    answer = await client.post(url, content=FORM_BODY, headers=HEADERS)
    assert answer.status_code == 200, answer.status_code
    assert json.loads(answer.content)[0]["session_id"] == SESSION_ID, answer.content
    return call


async def make_aiohttp(stack: AsyncExitStack, url: str, concurrency: int) -> Call:
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    session = await stack.enter_async_context(
        aiohttp.ClientSession(connector=connector, auto_decompress=False)
    )

    async def call() -> object:
        async with session.post(url, data=FORM_BODY, headers=HEADERS) as answer:
            return await answer.read()

    async with session.post(url, data=FORM_BODY, headers=HEADERS) as answer:
        assert answer.status == 200, answer.status
        assert json.loads(await answer.read())[0]["session_id"] == SESSION_ID
    return call


async def make_transport(stack: AsyncExitStack, url: str, concurrency: int) -> Call:
    from opentok_rules.http.async_transport import AiohttpTransport
    from opentok_rules.http.transport import Request

    transport = await stack.enter_async_context(AiohttpTransport(pool_maxsize=concurrency))
    request = Request("POST", url, HEADERS, FORM_BODY)

    async def call() -> object:
        return await transport.handle_request(request)

    answer = await transport.handle_request(request)
    assert answer.status == 200, answer.status
    assert json.loads(answer.body)[0]["session_id"] == SESSION_ID, answer
    return call


async def make_async_client(stack: AsyncExitStack, base_url: str, concurrency: int) -> Call:
    from opentok_rules.http.async_transport import AiohttpTransport

    client_class = opentok_rules.AsyncOpenTok  # type: ignore[attr-defined,unused-ignore]
    transport = AiohttpTransport(pool_maxsize=concurrency)
    client = await stack.enter_async_context(
        client_class(API_KEY, API_SECRET, api_url=base_url, transport=transport)
    )

    async def call() -> object:
        return await client.create_session(media_mode="routed", archive_mode="always")

    session = await call()
    assert getattr(session, "session_id", None) == SESSION_ID, session
    return call


def make_threads(
    stack: AsyncExitStack, base_url: str, threads: int
) -> Callable[[int, int], Awaitable[float]]:
    client = opentok_rules.OpenTok(API_KEY, API_SECRET, api_url=base_url)
    stack.callback(client.close)
    pool = ThreadPoolExecutor(threads)
    stack.callback(pool.shutdown)
    session = client.create_session(media_mode="routed", archive_mode="always")
    assert session.session_id == SESSION_ID, session

    def one(_: int) -> object:
        return client.create_session(media_mode="routed", archive_mode="always")

    def run(total: int) -> float:
        started = time.perf_counter()
        for _ in pool.map(one, range(total)):
            pass
        return time.perf_counter() - started

    async def timed(total: int, concurrency: int) -> float:
        # Run on this thread: the event loop has nothing else to do while the threads work.
        return run(total)

    return timed


async def gather_contenders(
    stack: AsyncExitStack, base_url: str, concurrency: int, threads: int, notes: list[str]
) -> list[Contender]:
    url = base_url + "/session/create"
    contenders = [
        Contender("httpx (bare AsyncClient)", await make_httpx(stack, url, concurrency)),
        Contender("aiohttp (bare ClientSession)", await make_aiohttp(stack, url, concurrency)),
    ]
    try:
        call = await make_transport(stack, url, concurrency)
    except (ImportError, AttributeError, NotImplementedError) as exc:
        notes.append(f"AiohttpTransport skipped: not usable yet ({exc!r})")
    else:
        contenders.append(Contender("AiohttpTransport.handle_request", call))
    if hasattr(opentok_rules, "AsyncOpenTok"):
        try:
            call = await make_async_client(stack, base_url, concurrency)
        except (ImportError, AttributeError, NotImplementedError, TypeError) as exc:
            notes.append(f"AsyncOpenTok skipped: not usable yet ({exc!r})")
        else:
            contenders.append(Contender("AsyncOpenTok.create_session", call))
    else:
        notes.append("AsyncOpenTok skipped: opentok_rules has no AsyncOpenTok yet")
    try:
        threaded = make_threads(stack, base_url, threads)
    except Exception as exc:  # the tree may be mid-change; the async figures still count
        notes.append(f"OpenTok with threads skipped: its client does not work ({exc!r})")
    else:
        contenders.append(Contender(f"OpenTok, {threads} threads", burst=threaded))
    return contenders


async def measure(
    contenders: Sequence[Contender], total: int, concurrency: int, rounds: int, warmup: int
) -> None:
    for contender in contenders:
        await contender.run(warmup, concurrency)
    for index in range(rounds):
        shift = index % len(contenders)  # rotate: no contender always goes first
        gc.collect()
        for contender in [*contenders[shift:], *contenders[:shift]]:
            cpu_started = time.process_time()
            contender.rounds_s.append(await contender.run(total, concurrency))
            contender.cpu_s.append(time.process_time() - cpu_started)


# ---------------------------------------------------------------------------------------------
# Report


def paired_ratio(
    numerator: Contender | None, denominator: Contender | None, *, cpu: bool = False
) -> float | None:
    """Median over rounds of the ratio within each round (both ran in the same round)."""
    if numerator is None or denominator is None or not numerator.rounds_s:
        return None
    if cpu:
        pairs = zip(numerator.cpu_s, denominator.cpu_s, strict=True)
    else:
        pairs = zip(numerator.rounds_s, denominator.rounds_s, strict=True)
    return statistics.median(a / b for a, b in pairs)


def versions(nginx: str) -> dict[str, str]:
    found = {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "nginx": nginx,
        "opentok-rules": opentok_rules.__version__,
    }
    for dist in ("httpx", "httpcore", "aiohttp", "urllib3"):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = "not installed"
    return found


def by_name(contenders: Sequence[Contender], prefix: str) -> Contender | None:
    return next((c for c in contenders if c.name.startswith(prefix)), None)


def report(
    contenders: Sequence[Contender], total: int
) -> tuple[dict[str, float | None], dict[str, float | None]]:
    """Print the table; return the paired ratios of wall times and of CPU times."""
    print(f"  {'contender':<36} {'wall s':>7} {'req/s':>8} {'CPU us/req':>11}   rounds (s)")
    for c in contenders:
        rounds = " ".join(f"{value:.3f}" for value in c.rounds_s)
        cpu_us = c.median_cpu_s / total * 1e6
        print(
            f"  {c.name:<36} {c.median_s:>7.3f} {total / c.median_s:>8.0f} {cpu_us:>11.0f}"
            f"   {rounds}"
        )
    chosen = by_name(contenders, CHOSEN)
    pairs = {
        "httpx / aiohttp (bare)": by_name(contenders, "httpx"),
        "AiohttpTransport / aiohttp": by_name(contenders, "AiohttpT"),
        "AsyncOpenTok / aiohttp": by_name(contenders, "AsyncOpenTok"),
    }
    ratios = {name: paired_ratio(c, chosen) for name, c in pairs.items()}
    cpu_ratios = {name: paired_ratio(c, chosen, cpu=True) for name, c in pairs.items()}
    print(f"\n  {'ratio (median of the per-round ratios)':<40} {'wall':>6} {'CPU':>6}")
    for name in pairs:
        shown = [("n/a" if v is None else f"{v:.2f}") for v in (ratios[name], cpu_ratios[name])]
        print(f"  {name:<40} {shown[0]:>6} {shown[1]:>6}")
    return ratios, cpu_ratios


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=2000, help="requests per burst")
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight")
    parser.add_argument("--rounds", type=int, default=11, help="interleaved rounds")
    parser.add_argument("--warmup", type=int, default=256, help="untimed requests each first")
    parser.add_argument("--threads", type=int, default=8, help="threads for the sync client")
    parser.add_argument(
        "--only",
        metavar="PREFIXES",
        help="comma-separated name prefixes of the contenders to run (default: all)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the results here")
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"exit 1 when AsyncOpenTok / aiohttp is above {TARGET_CLIENT_OVER_BARE} "
        "or could not be measured",
    )
    args = parser.parse_args(argv)
    if min(args.requests, args.concurrency, args.rounds, args.threads) < 1 or args.warmup < 0:
        parser.error("--requests, --concurrency, --rounds, --threads must be positive")
    binary = find_nginx()
    if binary is None:
        print(f"nginx not found on PATH or at /usr/sbin/nginx; install it: {NGINX_INSTALL}")
        return 2

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_sigterm)
    found = versions(nginx_version(binary))
    notes: list[str] = []

    async def run(base_url: str) -> list[Contender]:
        async with AsyncExitStack() as stack:
            contenders = await gather_contenders(
                stack, base_url, args.concurrency, args.threads, notes
            )
            if args.only:
                prefixes = tuple(p.strip() for p in args.only.split(","))
                contenders = [c for c in contenders if c.name.startswith(prefixes)]
            await measure(contenders, args.requests, args.concurrency, args.rounds, args.warmup)
            return contenders

    with running_nginx(binary) as port:
        contenders = asyncio.run(run(f"http://127.0.0.1:{port}"))

    print(", ".join(f"{name} {version}" for name, version in found.items()))
    print(
        f"POST /session/create to nginx on 127.0.0.1: {args.rounds} interleaved rounds, each "
        f"contender {args.requests} requests, {args.concurrency} in flight, one pooled client "
        f"(after {args.warmup} warm-up); median of the rounds\n"
    )
    ratios, cpu_ratios = report(contenders, args.requests)
    for note in notes:
        print(f"\nNOTE: {note}")
    if args.json is not None:
        results = {
            "versions": found,
            "settings": vars(args) | {"json": str(args.json)},
            "wall_s": {c.name: {"median": c.median_s, "rounds": c.rounds_s} for c in contenders},
            "cpu_s": {c.name: {"median": c.median_cpu_s, "rounds": c.cpu_s} for c in contenders},
            "requests_per_s": {c.name: args.requests / c.median_s for c in contenders},
            "ratios": ratios,
            "cpu_ratios": cpu_ratios,
            "notes": notes,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    client_ratio = ratios["AsyncOpenTok / aiohttp"]
    if args.check and (client_ratio is None or client_ratio > TARGET_CLIENT_OVER_BARE):
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
