"""Creating sessions over loopback, against nginx, compared in the same run.

Four clients POST the same ``/session/create`` to one local nginx that answers a canned
session, interleaved in rounds so that machine noise hits all of them alike:

* the floor: a bare ``urllib3.PoolManager`` loop sending the same body and headers;
* opentok-rules: ``OpenTok.create_session(media_mode="routed", archive_mode="always")``;
* opentok-rules' other backend: ``VonageVideo.create_session`` with the same options, signed
  with an RSA key made once per run (nginx does not check the ``Authorization`` header; the
  application JWT is reused for 10 s, so RS256 stays off the hot path); needs ``cryptography``;
* the public ``opentok`` SDK 3.15 making the same call (installed only for this benchmark).

It also times ``import opentok_rules`` against ``import opentok`` in fresh interpreters.

Setup (nginx comes from the system; the SDK lives only in the benchmark's virtualenv)::

    apt-get update && apt-get install -y nginx
    python3 -m venv /work/benchvenv
    /work/benchvenv/bin/pip install -e . -r benchmarks/requirements-http.txt
    /work/benchvenv/bin/python benchmarks/bench_http.py [--requests N] [--rounds R]
        [--json PATH] [--check] [--profile]

All traffic stays on 127.0.0.1. nginx runs as a child process with its configuration, pid
file and logs in a temporary directory, and is stopped on exit, Ctrl-C and SIGTERM.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import grp
import io
import json
import os
import platform
import pstats
import pwd
import shutil
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import Any

import urllib3

import opentok_rules

API_KEY = "123456"
# No ".ext" at the end: the SDK would take a secret ending like a file name for a key file.
API_SECRET = "0123456789abcdef0123456789abcdef01234567"
SESSION_ID = "1_MX4xMjM0NTZ-fk1vbiBNYXIgMTcgMDA6NDE6MzEgUERUIDIwMTR-MC42ODM3ODk1MzQ0OTQyODA4fg"
# What the service answers to POST /session/create: a JSON array of one session.
CANNED_ANSWER = json.dumps(
    [
        {
            "session_id": SESSION_ID,
            "project_id": API_KEY,
            "partner_id": API_KEY,
            "create_dt": "Mon Mar 17 00:41:31 PDT 2014",
            "media_server_url": "",
        }
    ],
    separators=(",", ":"),
)
# The form body opentok-rules (and the SDK) send for media_mode="routed", archive_mode="always".
FORM_BODY = b"p2p.preference=disabled&archiveMode=always&e2ee=false"
# The floor sends the headers the library sends, with a fixed project token of the same size
# (the library signs one and reuses it for a few seconds; the SDK signs one per call).
FLOOR_HEADERS = {
    "Accept": "application/json",
    "Content-Type": "application/x-www-form-urlencoded",
    "User-Agent": f"opentok-rules/{opentok_rules.__version__} python/{platform.python_version()}",
    "X-OPENTOK-AUTH": (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiIxMjM0NTYiLCJpc3QiOiJwcm9qZWN0IiwiaWF0Ij"
        "oxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDAzMDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM"
        "DAwIn0.bIHaFlU70Nii5o1IIPlZ-EVxW8_u-O6P-pPKyJdzLO4"
    ),
}

TARGET_RULES_OVER_FLOOR = 1.10  # opentok-rules / floor, at most (issue 8)
TARGET_VONAGE_OVER_OPENTOK = 1.10  # VonageVideo / OpenTok create_session, at most (issue 10)
TARGET_SDK_OVER_RULES = 3.0  # opentok SDK / opentok-rules, at least
TARGET_IMPORT_RATIO = 0.5  # import opentok_rules / import opentok, at most

NGINX_INSTALL = "apt-get update && apt-get install -y nginx"
SDK_INSTALL = (
    "python3 -m venv /work/benchvenv && /work/benchvenv/bin/pip install -e . "
    "-r benchmarks/requirements-http.txt   (then run this script with /work/benchvenv/bin/python)"
)

# ``return`` answers any method, POST included (a static file would get 405), and makes nginx
# read and discard the request body, so the connection stays usable for the next request.
NGINX_CONF = string.Template(
    """\
${user_line}worker_processes 1;
daemon off;
master_process on;
pid ${tmp}/nginx.pid;
error_log ${tmp}/error.log warn;

events {
    worker_connections 1024;
}

http {
    access_log off;
    server_tokens off;
    client_body_temp_path ${tmp}/client_body;
    proxy_temp_path ${tmp}/proxy;
    fastcgi_temp_path ${tmp}/fastcgi;
    uwsgi_temp_path ${tmp}/uwsgi;
    scgi_temp_path ${tmp}/scgi;
    keepalive_timeout 75s;
    keepalive_requests 10000000;

    server {
        listen 127.0.0.1:${port};

        location = /session/create {
            default_type application/json;
            return 200 '${body}';
        }

        location / {
            return 404;
        }
    }
}
"""
)


# ---------------------------------------------------------------------------------------------
# nginx


def find_nginx() -> str | None:
    found = shutil.which("nginx")
    if found is not None:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def nginx_version(binary: str) -> str:
    done = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
    return (done.stderr or done.stdout).strip().removeprefix("nginx version: ")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_nginx_conf(tmp: Path, port: int) -> Path:
    for special in ("'", "$", "\\"):  # nginx would read these inside the quoted answer
        assert special not in CANNED_ANSWER, special
    user_line = ""
    if os.geteuid() == 0:
        # Started by root, nginx would run its worker as "nobody"; keep the current user.
        user = pwd.getpwuid(os.geteuid()).pw_name
        group = grp.getgrgid(os.getegid()).gr_name
        user_line = f"user {user} {group};\n"
    conf = tmp / "nginx.conf"
    conf.write_text(
        NGINX_CONF.substitute(user_line=user_line, tmp=tmp, port=port, body=CANNED_ANSWER)
    )
    return conf


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.02)
    return False


def stop_process_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop nginx: SIGTERM to the master (fast shutdown), then SIGKILL to its group."""
    if proc.poll() is None:
        proc.terminate()
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
    # The worker is in the master's own process group (start_new_session); never leave it.
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.wait(timeout=5)


@contextmanager
def running_nginx(binary: str) -> Iterator[int]:
    """Start nginx on a free loopback port; yield the port; stop nginx whatever happens."""
    with tempfile.TemporaryDirectory(prefix="bench_http_nginx_") as name:
        tmp = Path(name)
        os.chmod(tmp, 0o755)
        error_log = tmp / "error.log"
        for _attempt in range(3):
            port = free_port()
            conf = write_nginx_conf(tmp, port)
            # -e: the error log before the configuration is read (else /var/log/nginx/...);
            # a session of its own, so a terminal's Ctrl-C reaches only this script, which
            # then stops nginx in its finally.
            proc = subprocess.Popen(
                [binary, "-p", f"{tmp}/", "-c", str(conf), "-e", str(error_log)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                if wait_for_port(port, proc, timeout=10):
                    yield port
                    return
            finally:
                stop_process_group(proc)
            log = error_log.read_text(errors="replace") if error_log.exists() else ""
            if "Address already in use" not in log:
                break
        raise SystemExit(f"nginx did not start ({binary}); its error log:\n{log.strip()}")


# ---------------------------------------------------------------------------------------------
# The three clients


@dataclass
class Contender:
    name: str
    call: Callable[[], object]
    rounds_us: list[float] = field(default_factory=list)

    @property
    def median_us(self) -> float:
        return statistics.median(self.rounds_us)


def make_floor(url: str) -> tuple[Callable[[], object], Callable[[], None]]:
    pool = urllib3.PoolManager()

    def call() -> object:
        return pool.request(
            "POST", url, body=FORM_BODY, headers=FLOOR_HEADERS, preload_content=True
        )

    answer = pool.request("POST", url, body=FORM_BODY, headers=FLOOR_HEADERS)
    assert answer.status == 200, answer.status
    assert answer.headers["Content-Type"] == "application/json", answer.headers
    assert json.loads(answer.data)[0]["session_id"] == SESSION_ID, answer.data
    return call, pool.clear


def make_rules(base_url: str) -> tuple[Callable[[], object], Callable[[], None]]:
    params = opentok_rules.prepare_session(media_mode="routed", archive_mode="always").params
    sent = urllib.parse.urlencode(params).encode("ascii")
    assert sent == FORM_BODY, f"the library sends {sent!r}; update FORM_BODY to match"
    client = opentok_rules.OpenTok(API_KEY, API_SECRET, api_url=base_url)

    def call() -> object:
        return client.create_session(media_mode="routed", archive_mode="always")

    session = client.create_session(media_mode="routed", archive_mode="always")
    assert isinstance(session, opentok_rules.Session), session
    assert session.session_id == SESSION_ID, session
    return call, client.close


def make_vonage(base_url: str) -> tuple[Callable[[], object], Callable[[], None]]:
    """``VonageVideo.create_session`` with a 2048-bit RSA key made here, once per run.

    :raises ImportError: ``cryptography`` is not installed.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    client = opentok_rules.VonageVideo(str(uuid.uuid4()), pem, api_url=base_url)

    def call() -> object:
        return client.create_session(media_mode="routed", archive_mode="always")

    session = client.create_session(media_mode="routed", archive_mode="always")
    assert isinstance(session, opentok_rules.Session), session
    assert session.session_id == SESSION_ID, session
    return call, client.close


def load_sdk() -> Any | None:
    try:
        import opentok
    except ImportError:
        return None
    return opentok


def make_sdk(sdk: Any, base_url: str) -> Callable[[], object]:
    # opentok 3.15: Client(api_key, api_secret, api_url); create_session POSTs the form to
    # api_url + "/session/create" with a module-level requests.post (a new connection each
    # call), signs a fresh JWT per call, and reads response.json()[0]["session_id"] when the
    # Content-Type is exactly application/json.
    client = sdk.Client(API_KEY, API_SECRET, api_url=base_url)
    routed, always = sdk.MediaModes.routed, sdk.ArchiveModes.always

    def call() -> object:
        return client.create_session(media_mode=routed, archive_mode=always)

    session = client.create_session(media_mode=routed, archive_mode=always)
    assert session.session_id == SESSION_ID, session.session_id
    return call


def time_calls_ns(call: Callable[[], object], n: int) -> int:
    started = time.perf_counter_ns()
    for _ in range(n):
        call()
    return time.perf_counter_ns() - started


def measure(
    contenders: Sequence[Contender], requests: int, rounds: int, block: int, warmup: int
) -> None:
    """``rounds`` rounds of ``requests`` calls each; within a round the contenders take turns
    every ``block`` calls, so a burst of noise from elsewhere on the machine (seconds long on
    a shared box) lands on all of them rather than on whichever ran during it."""
    for contender in contenders:
        time_calls_ns(contender.call, warmup)
    for index in range(rounds):
        # Rotate the order each round too, so no contender always goes first.
        shift = index % len(contenders)
        order = [*contenders[shift:], *contenders[:shift]]
        spent = dict.fromkeys(range(len(order)), 0)
        gc.collect()
        done = 0
        while done < requests:
            n = min(block, requests - done)
            for position, contender in enumerate(order):
                spent[position] += time_calls_ns(contender.call, n)
            done += n
        for position, contender in enumerate(order):
            contender.rounds_us.append(spent[position] / requests / 1000)


def profile(call: Callable[[], object], n: int, top: int = 15) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        call()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Import time
#
# Each sample is a fresh interpreter (``-I``: no cwd on sys.path, no PYTHON* variables, so
# both packages come from site-packages alike) that times its own import with perf_counter and
# prints it. That in-process figure is the import's own cost, the part the interpreter's
# start-up does not already pay, measured without the fork/exec jitter (around a millisecond
# here) that a difference of two ~15 ms process wall times would carry, and without the
# per-module bookkeeping -X importtime adds. The whole process's wall time above a bare
# ``python -c pass`` is measured in the same runs and shown beside it as a cross-check.

IMPORT_CASES = {
    "bare interpreter": "pass",
    "import opentok_rules": "import opentok_rules",
    "opentok_rules.OpenTok": "import opentok_rules; opentok_rules.OpenTok",
    "import opentok": "import opentok",
}
IMPORT_SNIPPET = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"


@dataclass
class ImportTimes:
    in_process_ms: dict[str, list[float]] = field(default_factory=dict)
    wall_ms: dict[str, list[float]] = field(default_factory=dict)

    def median_in_process(self, case: str) -> float:
        return statistics.median(self.in_process_ms[case])

    def median_wall_above_bare(self, case: str) -> float:
        bare = statistics.median(self.wall_ms["bare interpreter"])
        return statistics.median(self.wall_ms[case]) - bare


def measure_imports(repeats: int, with_sdk: bool) -> ImportTimes:
    cases = {k: v for k, v in IMPORT_CASES.items() if with_sdk or k != "import opentok"}
    times = ImportTimes()

    def run(stmt: str) -> tuple[float, float]:
        command = [sys.executable, "-I", "-c", IMPORT_SNIPPET.format(stmt=stmt)]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - started
        return float(done.stdout) * 1000, wall * 1000

    for stmt in cases.values():
        run(stmt)  # warm the bytecode caches and the page cache
    for _ in range(repeats):
        for case, stmt in cases.items():  # interleaved, like the request rounds
            inside, wall = run(stmt)
            times.in_process_ms.setdefault(case, []).append(inside)
            times.wall_ms.setdefault(case, []).append(wall)
    return times


# ---------------------------------------------------------------------------------------------
# Report


def versions(nginx: str, sdk: Any | None) -> dict[str, str]:
    found = {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "nginx": nginx,
        "opentok-rules": opentok_rules.__version__,
    }
    for dist in ("opentok", "urllib3", "requests", "attrs", "cattrs", "PyJWT", "cryptography"):
        if dist == "opentok" and sdk is None:
            found[dist] = "not installed"
            continue
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = "not installed"
    return found


@dataclass
class Target:
    name: str
    value: float | None
    limit: float
    at_most: bool
    of_medians: float | None = None  # shown beside the value, not judged

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value <= self.limit if self.at_most else self.value >= self.limit

    def row(self) -> str:
        bound = f"{'<=' if self.at_most else '>='} {self.limit:g}"
        if self.value is None:
            return f"  {self.name:<40} {'n/a':>7}   {bound:<8} not measured"
        verdict = "ok" if self.met else "MISSED"
        extra = (
            "" if self.of_medians is None else f"   (ratio of the medians {self.of_medians:.2f})"
        )
        return f"  {self.name:<40} {self.value:>7.2f}   {bound:<8} {verdict:<6}{extra}".rstrip()


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def paired_ratio(numerator: Contender | None, denominator: Contender | None) -> float | None:
    """The median over rounds of the two contenders' ratio within each round.

    Both ran interleaved in the same round, so a slow round slows both and cancels out of
    their ratio; this is steadier than the ratio of the two medians, which is also shown.
    """
    if numerator is None or denominator is None:
        return None
    pairs = zip(numerator.rounds_us, denominator.rounds_us, strict=True)
    return statistics.median(a / b for a, b in pairs)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=2000, help="requests per round each")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument(
        "--block", type=int, default=100, help="calls before the next contender takes its turn"
    )
    parser.add_argument("--warmup", type=int, default=200, help="untimed requests each first")
    parser.add_argument("--imports", type=int, default=15, help="fresh interpreters per import")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the results here")
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when a target is missed or could not be measured",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also print a cProfile (top 15 cumulative) of the opentok-rules loops",
    )
    args = parser.parse_args(argv)
    if (
        args.requests < 1
        or args.rounds < 1
        or args.block < 1
        or args.warmup < 0
        or args.imports < 1
    ):
        parser.error("--requests, --rounds, --block and --imports must be positive, --warmup >= 0")

    binary = find_nginx()
    if binary is None:
        print(f"nginx not found on PATH or at /usr/sbin/nginx; install it: {NGINX_INSTALL}")
        return 2
    sdk = load_sdk()
    found = versions(nginx_version(binary), sdk)

    # SIGTERM unwinds like Ctrl-C, so nginx is stopped by running_nginx's finally.
    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_sigterm)

    notes: list[str] = []
    profile_text = ""
    with running_nginx(binary) as port:
        base_url = f"http://127.0.0.1:{port}"
        create_url = base_url + "/session/create"
        closers: list[Callable[[], None]] = []
        floor_call, close_floor = make_floor(create_url)
        closers.append(close_floor)
        contenders = [Contender("floor (bare urllib3)", floor_call)]
        rules: Contender | None = None
        try:
            rules_call, close_rules = make_rules(base_url)
        except (ImportError, AttributeError, NotImplementedError) as exc:
            notes.append(f"opentok-rules skipped: its client does not work yet ({exc!r})")
        else:
            closers.append(close_rules)
            rules = Contender("opentok-rules", rules_call)
            contenders.append(rules)
        vonage: Contender | None = None
        try:
            vonage_call, close_vonage = make_vonage(base_url)
        except ImportError as exc:
            notes.append(f"VonageVideo skipped: {exc}")
        else:
            closers.append(close_vonage)
            vonage = Contender("opentok-rules VonageVideo", vonage_call)
            contenders.append(vonage)
        sdk_contender: Contender | None = None
        if sdk is None:
            notes.append(f"opentok SDK skipped: not importable; install it: {SDK_INSTALL}")
        else:
            sdk_contender = Contender(f"opentok SDK {found['opentok']}", make_sdk(sdk, base_url))
            contenders.append(sdk_contender)
        try:
            measure(contenders, args.requests, args.rounds, args.block, args.warmup)
            if args.profile:
                for profiled in (rules, vonage):
                    if profiled is not None:
                        profile_text += f"\ncProfile of {args.requests} calls, {profiled.name}:\n"
                        profile_text += profile(profiled.call, args.requests)
        finally:
            for close in closers:
                close()
    imports = measure_imports(args.imports, with_sdk=sdk is not None)

    rules_us = rules.median_us if rules is not None else None
    sdk_us = sdk_contender.median_us if sdk_contender is not None else None
    floor_us = contenders[0].median_us
    import_rules = imports.median_in_process("import opentok_rules")
    import_sdk = imports.median_in_process("import opentok") if sdk is not None else None
    targets = [
        Target(
            "opentok-rules / floor",
            paired_ratio(rules, contenders[0]),
            TARGET_RULES_OVER_FLOOR,
            True,
            ratio(rules_us, floor_us),
        ),
        Target(
            "VonageVideo / OpenTok (opentok-rules)",
            paired_ratio(vonage, rules),
            TARGET_VONAGE_OVER_OPENTOK,
            True,
            ratio(vonage.median_us if vonage is not None else None, rules_us),
        ),
        Target(
            "opentok SDK / opentok-rules",
            paired_ratio(sdk_contender, rules),
            TARGET_SDK_OVER_RULES,
            False,
            ratio(sdk_us, rules_us),
        ),
        Target(
            "import opentok_rules / import opentok",
            ratio(import_rules, import_sdk),
            TARGET_IMPORT_RATIO,
            True,
        ),
    ]

    print(", ".join(f"{name} {version}" for name, version in found.items()))
    print(
        f"POST /session/create to nginx on 127.0.0.1: {args.rounds} interleaved rounds x "
        f"{args.requests} requests each, turns of {args.block} (after {args.warmup} warm-up); "
        "median of the rounds"
    )
    print()
    print(f"  {'per request':<40} {'us':>7}   rounds (us)")
    for contender in contenders:
        rounds = " ".join(f"{value:.1f}" for value in contender.rounds_us)
        print(f"  {contender.name:<40} {contender.median_us:>7.1f}   {rounds}")
    print()
    print(
        f"  {'import, median of ' + str(args.imports) + ' fresh interpreters':<40} "
        f"{'ms':>7}   whole process above bare `python -c pass` (ms)"
    )
    for case in imports.in_process_ms:
        print(
            f"  {case:<40} {imports.median_in_process(case):>7.2f}   "
            f"{imports.median_wall_above_bare(case):.2f}"
        )
    print()
    print(f"  {'ratio (median of the per-round ratios)':<40} {'value':>7}   target")
    for target in targets:
        print(target.row())
    for note in notes:
        print(f"\nNOTE: {note}")
    if profile_text:
        print(profile_text)

    if args.json is not None:
        results = {
            "versions": found,
            "settings": {
                "requests": args.requests,
                "rounds": args.rounds,
                "block": args.block,
                "warmup": args.warmup,
                "imports": args.imports,
            },
            "per_request_us": {
                c.name: {"median": c.median_us, "rounds": c.rounds_us} for c in contenders
            },
            "import_ms": {
                case: {
                    "median_in_process": imports.median_in_process(case),
                    "median_wall_above_bare": imports.median_wall_above_bare(case),
                    "in_process": imports.in_process_ms[case],
                    "wall": imports.wall_ms[case],
                }
                for case in imports.in_process_ms
            },
            "targets": {
                t.name: {
                    "value": t.value,
                    "ratio_of_medians": t.of_medians,
                    "limit": t.limit,
                    "at_most": t.at_most,
                    "met": t.met,
                }
                for t in targets
            },
            "notes": notes,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")

    if args.check and not all(target.met for target in targets):
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # nginx is already stopped: running_nginx's finally ran
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
