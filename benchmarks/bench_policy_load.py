"""Is loading a policy, and building a registry, linear in the number of rules?

``load_policy`` of a policy of ``n`` rules and ``RuleRegistry(rules)`` of ``n`` rules are timed
for a small and an eight times larger ``n`` in the same run, interleaved, best of several
rounds; the figure is the cost per rule of the large one over the cost per rule of the small
one (1.0 is linear; 0.2.0's loader, which made a new registry snapshot for every rule it
placed, gave 3.5 at 8,000 rules, and more the more rules). ``--check`` fails above
``--max-ratio`` (default 1.5).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from typing import Any

import opentok_rules as otr
from opentok_rules.kinds import Allowed


def tables(count: int) -> list[dict[str, Any]]:
    # An option the session rules keep, each rule its own id and value.
    return [
        {"id": f"r{index}", "kind": "allowed", "key": "archive_name", "values": [f"a{index}"]}
        for index in range(count)
    ]


def best(work: Callable[[], object], rounds: int) -> float:
    """The best of ``rounds`` timings of one call, garbage collection off while timed."""
    found = float("inf")
    for _ in range(rounds):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            work()
            found = min(found, time.perf_counter() - start)
        finally:
            gc.enable()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000, help="rules in the small case")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-ratio", type=float, default=1.5)
    parser.add_argument("--check", action="store_true", help="fail above --max-ratio")
    args = parser.parse_args(argv)
    small, large = args.small, args.small * 8
    otr.load_policy({"session": []})  # the library's own rules, read once per process
    cases: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {}
    small_tables, large_tables = tables(small), tables(large)
    cases["load_policy"] = (
        lambda: otr.load_policy({"session": small_tables}),
        lambda: otr.load_policy({"session": large_tables}),
    )
    small_rules = [Allowed(id=f"r{i}", key="archive_name", values=["a"]) for i in range(small)]
    large_rules = [Allowed(id=f"r{i}", key="archive_name", values=["a"]) for i in range(large)]
    cases["RuleRegistry(rules)"] = (
        lambda: otr.RuleRegistry(small_rules),
        lambda: otr.RuleRegistry(large_rules),
    )
    print(
        f"Python {sys.version.split()[0]}; {small:,} against {large:,} rules, best of "
        f"{args.rounds} interleaved rounds"
    )
    worst = 0.0
    for name, (few, many) in cases.items():
        times = {"few": float("inf"), "many": float("inf")}
        for _ in range(args.rounds):  # interleaved: a change of load hits both
            times["few"] = min(times["few"], best(few, 1))
            times["many"] = min(times["many"], best(many, 1))
        ratio = (times["many"] / large) / (times["few"] / small)
        worst = max(worst, ratio)
        print(
            f"  {name:<20} {small:>6,}: {times['few'] * 1e3:8.1f} ms   {large:>6,}: "
            f"{times['many'] * 1e3:8.1f} ms   per rule, large over small: {ratio:.2f}"
        )
    if args.check and worst > args.max_ratio:
        print(f"FAIL: {worst:.2f} per rule is above {args.max_ratio} (not linear)")
        return 1
    print(f"ok: at most {worst:.2f} per rule (limit {args.max_ratio})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
