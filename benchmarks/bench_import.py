"""How long ``import opentok_rules`` takes, against ``import opentok`` (the official SDK).

Every sample is a fresh interpreter (``python -I``: no current directory on ``sys.path`` and no
``PYTHON*`` variables, so both packages come from the same site-packages) that times its own
import with ``time.perf_counter`` and prints it: the import's own cost, without the
interpreter's start-up and without the fork/exec jitter a difference of two process wall times
would carry. The cases take turns (interleaved), after one warm-up each (bytecode and page
cache). A run is ``--samples`` turns; its ratio is the median of ``import opentok_rules`` over
the median of ``import opentok``. Several runs (``--runs``) show the machine's noise; the ratio
judged is the median of the runs' ratios. The wall time of the whole process above a bare
``python -c pass`` is measured in the same turns and shown as a cross-check.

    python benchmarks/bench_import.py [--runs 5] [--samples 15] [--json PATH] [--check]

``--check`` exits 1 unless ``import opentok_rules`` takes at most 0.4 of ``import opentok``
(issue 23). Needs the ``opentok`` package beside the library
(``pip install -r benchmarks/requirements-http.txt``, or ``tox -e bench-import``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from importlib import metadata
from typing import Any

TARGET = 0.4  # import opentok_rules / import opentok, at most

CASES = {
    "bare interpreter": "pass",
    "import opentok_rules": "import opentok_rules",
    "import opentok": "import opentok",
}
SNIPPET = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"


def sample(stmt: str) -> tuple[float, float]:
    """(ms the import took inside the interpreter, ms the whole process took)."""
    command = [sys.executable, "-I", "-c", SNIPPET.format(stmt=stmt)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    return float(done.stdout) * 1000, wall * 1000


def one_run(samples: int) -> dict[str, dict[str, float]]:
    """Median in-process and whole-process ms of each case over ``samples`` turns."""
    inside: dict[str, list[float]] = {case: [] for case in CASES}
    wall: dict[str, list[float]] = {case: [] for case in CASES}
    for _ in range(samples):
        for case, stmt in CASES.items():
            in_ms, wall_ms = sample(stmt)
            inside[case].append(in_ms)
            wall[case].append(wall_ms)
    bare_wall = statistics.median(wall["bare interpreter"])
    return {
        case: {
            "in_process_ms": statistics.median(inside[case]),
            "wall_above_bare_ms": statistics.median(wall[case]) - bare_wall,
        }
        for case in CASES
    }


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="runs, each with its own ratio")
    parser.add_argument("--samples", type=int, default=15, help="fresh interpreters per case a run")
    parser.add_argument("--json", metavar="PATH", help="also write the results to PATH")
    parser.add_argument("--check", action="store_true", help=f"exit 1 above {TARGET}")
    args = parser.parse_args(argv)

    try:
        import opentok  # type: ignore[import-not-found, import-untyped, unused-ignore]  # noqa: F401
    except ImportError:
        print("the opentok SDK is not installed: pip install -r benchmarks/requirements-http.txt")
        return 1 if args.check else 0
    for stmt in CASES.values():
        sample(stmt)  # warm the bytecode and page caches

    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}); "
        f"opentok-rules {version('opentok-rules')}, opentok {version('opentok')}"
    )
    print(
        f"{args.runs} runs of {args.samples} fresh interpreters per case, interleaved; "
        "median ms of each run (whole process above a bare interpreter in brackets)"
    )
    runs: list[dict[str, Any]] = []
    ratios: list[float] = []
    for number in range(1, args.runs + 1):
        run = one_run(args.samples)
        ours, theirs = run["import opentok_rules"], run["import opentok"]
        ratio = ours["in_process_ms"] / theirs["in_process_ms"]
        runs.append({"cases": run, "ratio": ratio})
        ratios.append(ratio)
        print(
            f"  run {number}: import opentok_rules {ours['in_process_ms']:6.1f} ms "
            f"({ours['wall_above_bare_ms']:.1f})   "
            f"import opentok {theirs['in_process_ms']:6.1f} ms "
            f"({theirs['wall_above_bare_ms']:.1f})   ratio {ratio:.2f}"
        )
    judged = statistics.median(ratios)
    print(
        f"ratio: median {judged:.2f} of the runs (from {min(ratios):.2f} to {max(ratios):.2f}); "
        f"target at most {TARGET}"
    )
    if args.json:
        results: dict[str, Any] = {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "python": f"{platform.python_version()} ({platform.python_implementation()})",
            "opentok": version("opentok"),
            "runs": runs,
            "ratio": judged,
            "limit": TARGET,
        }
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=2)
    if judged > TARGET:
        print("target missed")
        return 1 if args.check else 0
    print("ok: target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
