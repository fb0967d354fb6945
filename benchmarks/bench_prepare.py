"""How much the rule registry costs: ``prepare_session`` against the same work written by hand.

``by_hand`` below is what a careful engineer would write without a registry: the twelve
default rules inlined in registry order, the same normalization, the same ``Violation``
records and ``ValidationError``, the same ``SessionSpec`` and params. Before timing, every
input of the mix is run through both and the outcomes are compared, so the two really do the
same work. Then both are timed over the whole mix, interleaved, and the ratio is printed.

    python benchmarks/bench_prepare.py [--max-ratio 1.5] [--json results.json]
        [--repeat 9] [--min-time 0.2]

Exits 1 when ``prepare_session`` is more than ``--max-ratio`` times slower than ``by_hand``
over the whole mix. The ratio is measured with the registry's memory of past specs turned
off, so the rules run on every call; the line also shows what an app gets for options it has
sent before (the default rules remember the specs of plain option values).
"""

from __future__ import annotations

import argparse
import datetime
import functools
import ipaddress
import json
import os
import platform
import re
import statistics
import sys
import time
import timeit
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from opentok_rules import (
    ARCHIVE_RESOLUTIONS,
    ArchiveMode,
    MediaMode,
    PreparedSession,
    SessionSpec,
    ValidationError,
    Violation,
    default_rules,
    prepare_session,
)

# The message helper the rules use: the same violation records cost the same to build.
from opentok_rules._messages import shown

Prepare = Callable[[Mapping[str, Any]], PreparedSession]

# ---------------------------------------------------------------------------------------------
# The hand-written equivalent of prepare_session(options) with the default rules.

_KEYS = frozenset(
    ("media_mode", "location", "archive_mode", "archive_name", "archive_resolution", "e2ee")
)
_ARCHIVE_MODES = {m.value: m for m in ArchiveMode}
# The same module constants the library's rules use, so neither side pays for enum lookups.
_ROUTED, _RELAYED = MediaMode.ROUTED, MediaMode.RELAYED
_MANUAL, _ALWAYS = ArchiveMode.MANUAL, ArchiveMode.ALWAYS
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
_CHOICES = ", ".join(ARCHIVE_RESOLUTIONS)
_MANUAL_ONLY = (
    " applies only to archive_mode 'always' (manual archives are named and sized when "
    "started); remove it or set archive_mode='always'"
)


def by_hand(options: Mapping[str, Any]) -> PreparedSession:
    """``prepare_session(options)`` with the default rules, inlined."""
    o = {key: value for key, value in options.items() if key in _KEYS}  # known-keys
    found: list[Violation] = []

    # media-mode: "routed" means routed, anything else relayed.
    media = o.get("media_mode")
    routed = media is _ROUTED or (isinstance(media, str) and media == "routed")
    media = _ROUTED if routed else _RELAYED

    # archive-mode-default
    archive = o.get("archive_mode")
    if archive is None:
        archive = _MANUAL
    elif isinstance(archive, str) and archive in _ARCHIVE_MODES:
        archive = _ARCHIVE_MODES[archive]

    # e2ee-boolean
    e2ee = o.get("e2ee")
    if e2ee is None:
        e2ee = False
    elif not isinstance(e2ee, bool):
        message = f"e2ee must be True or False; got {shown(e2ee)}"
        found.append(Violation("e2ee-boolean", "e2ee", message))

    # The three combination checks.
    always = archive is _ALWAYS
    if always and not routed:
        found.append(
            Violation(
                "always-archive-requires-routed",
                None,
                "archive_mode 'always' needs media_mode 'routed' (relayed sessions cannot be "
                "archived); set media_mode='routed' or archive_mode='manual'",
            )
        )
    if e2ee is True and not routed:
        found.append(
            Violation(
                "relayed-forbids-e2ee",
                None,
                "e2ee needs media_mode 'routed'; set media_mode='routed' or drop e2ee",
            )
        )
    if e2ee is True and always:
        found.append(
            Violation(
                "always-archive-forbids-e2ee",
                None,
                "archive_mode 'always' and e2ee exclude each other (encrypted media cannot be "
                "archived); use archive_mode='manual' or drop e2ee",
            )
        )

    # location-ipv4
    location = o.get("location")
    if isinstance(location, ipaddress.IPv4Address):
        location = str(location)
    elif location is not None and not (isinstance(location, str) and _IPV4.fullmatch(location)):
        found.append(
            Violation(
                "location-ipv4",
                "location",
                "location must be a dotted-quad IPv4 address such as '12.34.56.78' "
                f"(no leading zeros or spaces); got {shown(location)}",
            )
        )

    # archive-mode-valid
    if not isinstance(archive, ArchiveMode):
        message = f"archive_mode must be 'manual' or 'always'; got {shown(archive)}"
        found.append(Violation("archive-mode-valid", "archive_mode", message))

    # manual-archive-forbids-name-and-resolution
    name = o.get("archive_name")
    resolution = o.get("archive_resolution")
    if archive is _MANUAL:
        rule_id = "manual-archive-forbids-name-and-resolution"
        if name is not None:
            found.append(Violation(rule_id, "archive_name", "archive_name" + _MANUAL_ONLY))
        if resolution is not None:
            found.append(
                Violation(rule_id, "archive_resolution", "archive_resolution" + _MANUAL_ONLY)
            )

    # archive-name-length
    if name is not None and not (isinstance(name, str) and 0 < len(name) <= 80):
        if not isinstance(name, str):
            message = f"archive_name must be a str; got {shown(name)}"
        elif not name:
            message = "archive_name must not be empty; leave it out to let the service name it"
        else:
            message = f"archive_name is {len(name)} characters long; the service allows at most 80"
        found.append(Violation("archive-name-length", "archive_name", message))

    # archive-resolution-valid
    if resolution is not None and not (
        isinstance(resolution, str) and resolution in ARCHIVE_RESOLUTIONS
    ):
        message = f"archive_resolution must be one of {_CHOICES}; got {shown(resolution)}"
        found.append(Violation("archive-resolution-valid", "archive_resolution", message))

    if found:
        raise ValidationError(found)
    spec = SessionSpec(media, archive, location, name, resolution, e2ee)
    return PreparedSession(spec, spec.to_params())


# The default rules with their memory of past specs turned off, so every call runs the rules:
# that is what the ratio against by_hand is about. (The registry's memo is private; turning
# it off here is the benchmark's business only.)
_EVERY_CALL = default_rules()
_EVERY_CALL._memo = None


def by_library(options: Mapping[str, Any]) -> PreparedSession:
    return prepare_session(options, rules=_EVERY_CALL)


def by_library_remembered(options: Mapping[str, Any]) -> PreparedSession:
    """What an app gets: the default rules, which remember the specs of plain options."""
    return prepare_session(options)


# ---------------------------------------------------------------------------------------------
# The inputs: 14 valid of various shapes, 6 invalid with one or several violations (70/30).

VALID: tuple[dict[str, Any], ...] = (
    {},
    {"media_mode": "routed"},
    {"media_mode": "relayed", "location": "12.34.56.78"},
    {"media_mode": MediaMode.ROUTED, "location": "192.168.0.1"},
    {"media_mode": "routed", "archive_mode": "always"},
    {"media_mode": "routed", "archive_mode": ArchiveMode.ALWAYS, "archive_name": "standup"},
    {"media_mode": "routed", "archive_mode": "always", "archive_resolution": "1280x720"},
    {
        "media_mode": "routed",
        "archive_mode": "always",
        "archive_name": "all hands",
        "archive_resolution": "1080x1920",
        "location": "10.0.0.1",
    },
    {"media_mode": "routed", "e2ee": True},
    {"media_mode": "routed", "archive_mode": "manual", "e2ee": False},
    {"location": ipaddress.IPv4Address("8.8.4.4")},
    {"media_mode": "blah"},  # anything but routed means relayed, as in the seed
    {"media_mode": "routed", "archive_mode": None, "e2ee": None, "trace_id": "abc"},
    {"media_mode": "relayed", "archive_mode": "manual", "location": "255.255.255.255"},
)
INVALID: tuple[dict[str, Any], ...] = (
    {"archive_mode": "always"},
    {"e2ee": True},
    {"location": "256.1.1.1"},
    {"archive_name": "standup", "archive_resolution": "1280x720"},
    {"media_mode": "relayed", "archive_mode": "always", "e2ee": True},
    {
        "media_mode": "routed",
        "archive_mode": "always",
        "archive_name": "x" * 81,
        "archive_resolution": "800x600",
        "location": "01.2.3.4",
        "e2ee": "true",
    },
)
MIX = VALID + INVALID


Outcome = PreparedSession | tuple[Violation, ...]


def outcome(prepare: Prepare, options: Mapping[str, Any]) -> Outcome:
    try:
        return prepare(options)
    except ValidationError as err:
        return err.violations


def check_same(inputs: Sequence[Mapping[str, Any]]) -> None:
    """Fail loudly unless both functions give the same outcome for every input."""
    for options in inputs:
        ours, theirs = outcome(by_library, options), outcome(by_hand, options)
        if ours != theirs:
            raise SystemExit(
                f"outcomes differ for {options!r}:\n  library: {ours!r}\n  by hand: {theirs!r}"
            )
    for options in [*inputs, *inputs]:  # twice: the second time, from memory
        if outcome(by_library_remembered, options) != outcome(by_hand, options):
            raise SystemExit(f"the remembered outcome differs for {options!r}")
    valid = sum(isinstance(outcome(by_library, options), PreparedSession) for options in inputs)
    if valid != len(VALID):
        raise SystemExit(f"expected {len(VALID)} valid inputs in the mix, got {valid}")


# ---------------------------------------------------------------------------------------------
# Timing

#: What the rounds are timed with; set from --timer.
TIMER: Callable[[], float] = time.process_time


def run_mix(prepare: Prepare, inputs: Sequence[Mapping[str, Any]]) -> None:
    for options in inputs:
        try:  # noqa: SIM105 - contextlib.suppress would add its own cost to every call
            prepare(options)
        except ValidationError:
            pass


def measure(
    inputs: Sequence[Mapping[str, Any]], repeat: int, min_time: float
) -> dict[str, dict[str, float]]:
    """Per-call µs (best and median of ``repeat``) of each function over ``inputs``."""
    timers = {
        name: timeit.Timer(functools.partial(run_mix, fn, inputs), timer=TIMER)
        for name, fn in (
            ("prepare_session", by_library),
            ("by_hand", by_hand),
            ("remembered", by_library_remembered),
        )
    }
    number, _ = timers["by_hand"].autorange()
    number = max(1, int(number * min_time / 0.2))
    samples: dict[str, list[float]] = {name: [] for name in timers}
    names = list(timers)
    for round_ in range(repeat):  # interleaved, and alternating which goes first
        for name in names if round_ % 2 == 0 else reversed(names):
            seconds = timers[name].timeit(number)
            samples[name].append(seconds / (number * len(inputs)) * 1e6)
    return {
        name: {"best_us": min(values), "median_us": statistics.median(values)}
        for name, values in samples.items()
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--max-ratio",
        type=float,
        default=float(os.environ.get("BENCH_MAX_RATIO", "1.5")),
        help="fail above this ratio (default: $BENCH_MAX_RATIO, or 1.5)",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the results to PATH")
    parser.add_argument("--repeat", type=int, default=9, help="timed rounds per function")
    parser.add_argument("--min-time", type=float, default=0.2, help="seconds per timed round")
    parser.add_argument(
        "--timer",
        choices=("cpu", "wall"),
        default="cpu",
        help="cpu (the default: this process's CPU time, steadier when other work shares the "
        "machine) or wall (elapsed time)",
    )
    args = parser.parse_args(argv)
    global TIMER
    TIMER = time.process_time if args.timer == "cpu" else time.perf_counter

    check_same(MIX)
    impl, machine = platform.python_implementation(), platform.machine()
    print(f"Python {platform.python_version()} ({impl}) on {machine}, {os.cpu_count()} cores")
    print(f"{len(MIX)} inputs: {len(VALID)} valid, {len(INVALID)} invalid; outcomes checked equal")
    print(f"per call, best (median) of {args.repeat} interleaved rounds:")
    results: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": f"{platform.python_version()} ({impl})",
        "machine": f"{platform.system()} {machine}, {os.cpu_count()} cores",
        "inputs": {"valid": len(VALID), "invalid": len(INVALID)},
        "repeat": args.repeat,
        "max_ratio": args.max_ratio,
    }
    for label, inputs in (("mix", MIX), ("valid", VALID), ("refused", INVALID)):
        timing = measure(inputs, args.repeat, args.min_time)
        lib, hand = timing["prepare_session"], timing["by_hand"]
        ratio = lib["best_us"] / hand["best_us"]
        remembered = timing["remembered"]["best_us"] / hand["best_us"]
        results[label] = {**timing, "ratio": ratio, "remembered_ratio": remembered}
        print(
            f"  {label:<8} prepare_session {lib['best_us']:6.2f} µs ({lib['median_us']:.2f})"
            f"   by_hand {hand['best_us']:6.2f} µs ({hand['median_us']:.2f})   ratio {ratio:.2f}"
            f"   (options seen before: {timing['remembered']['best_us']:.2f} µs, "
            f"ratio {remembered:.2f})"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=2)
    ratio = results["mix"]["ratio"]
    if ratio > args.max_ratio:
        print(f"FAIL: prepare_session is {ratio:.2f}x by_hand on the mix (limit {args.max_ratio})")
        return 1
    print(f"ok: prepare_session is {ratio:.2f}x by_hand on the mix (limit {args.max_ratio})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
