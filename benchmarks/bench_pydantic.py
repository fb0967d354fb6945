"""``prepare_session`` against a pydantic v2 model of the same rules, plus the same REST params.

pydantic is what a Python developer would reach for instead of this library, and its core is
Rust. The model below is this script's own, written to enforce exactly the default rules:

* strict ``bool`` and ``str`` (no ``"true"`` for ``True``, no ``1`` for a name);
* ``media_mode``: ``"routed"`` means routed, anything else (absent and ``None`` included)
  relayed, decided in a before-validator;
* ``archive_mode``: ``"manual"`` or ``"always"``, absent or ``None`` meaning manual;
* ``location``: a strict dotted-quad IPv4 text (no leading zeros, no spaces, ASCII digits
  only) or an ``ipaddress.IPv4Address``;
* ``archive_name``: a text of at most 80 characters that can be sent as UTF-8, an empty one
  meaning no name; ``archive_resolution``: one of the six the service documents;
* the combinations in a ``model_validator``: ``always`` needs ``routed``, ``e2ee`` needs
  ``routed``, ``always`` and ``e2ee`` exclude each other, and a name or a resolution needs
  ``always``; unknown keys are ignored.

Then the params of ``POST /session/create`` are built from the model, as
``prepare_session`` returns them. Before anything is timed, both sides judge at least 3,000
random option sets (and every timed input): the same verdict, and the same params when both
accept, or the script stops. The one disagreement allowed is another library's enum member
(the opentok SDK's ``MediaModes.routed``, whose value is ``"disabled"``): the library reads
such a member by its name, the model by its value; those are counted and shown.

Four scenarios of ``--inputs`` option mappings each (10,000 by default), both functions timed
over the same list in interleaved rounds (which goes first alternates), in CPU time:

never-repeating, valid
    every mapping its own (a location or an archive name apiece), all accepted, so the
    library's memory of past specs never serves one;
never-repeating, 50/50 mix
    the valid ones alternating with never-repeating refused ones;
never-repeating, refused only
    mappings breaking one or two rules each, of eight shapes;
repeating
    20 option sets (14 valid, 6 refused) over and over, as an app with a few session kinds
    sends them.

It prints µs per call (best and median of the rounds) and the ratio ours / pydantic of the
medians (and of the bests), with the load average before and after.

    python benchmarks/bench_pydantic.py [--quick] [--repeat 9] [--inputs 10000]
        [--random 3000] [--seed 30] [--check] [--json results.json]

``--quick`` is a short run (2,000 inputs, 3 rounds, the 3,000 random sets still checked).
``--check`` exits 1 unless issue 30's targets hold: never-repeating valid at most 0.85, the
mix at most 1.0, refused only at most 1.2, repeating below 0.8. Needs pydantic 2
(``benchmarks/requirements-pydantic.txt``; ``tox -e bench`` installs it).
"""

from __future__ import annotations

import argparse
import datetime
import enum
import ipaddress
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal

import opentok_rules
from opentok_rules import ArchiveMode, MediaMode, prepare_session

try:
    import pydantic  # type: ignore[import-not-found, unused-ignore]
    from pydantic import (  # type: ignore[import-not-found, unused-ignore]
        BaseModel,
        BeforeValidator,
        ConfigDict,
        Field,
        StringConstraints,
        model_validator,
    )
except ImportError:  # pragma: no cover - the message is the point
    raise SystemExit(
        "bench_pydantic.py needs pydantic 2: pip install -r benchmarks/requirements-pydantic.txt "
        "(tox -e bench installs it)"
    ) from None

Params = dict[str, str]
Prepare = Callable[[Mapping[str, Any]], Params]

# ---------------------------------------------------------------------------------------------
# The pydantic model of the default rules.

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
#: A dotted quad as the service reads it: ASCII digits, no leading zeros, nothing around it.
IPV4_PATTERN = rf"^{_OCTET}(?:\.{_OCTET}){{3}}$"
Resolution = Literal["640x480", "480x640", "1280x720", "720x1280", "1920x1080", "1080x1920"]


def _routed(value: object) -> bool:
    """The default media mode: routed only for the text ``"routed"``; anything else relayed."""
    return isinstance(value, str) and str.__eq__(value, "routed") is True


class SessionModel(BaseModel):  # type: ignore[misc, unused-ignore]  # Any without pydantic stubs
    """The default session rules as a pydantic v2 model."""

    model_config = ConfigDict(strict=True, extra="ignore")

    routed: Annotated[bool, BeforeValidator(_routed)] = Field(
        default=False, validation_alias="media_mode"
    )
    archive_mode: Literal["manual", "always"] | None = None
    location: (
        Annotated[str, StringConstraints(pattern=IPV4_PATTERN)] | ipaddress.IPv4Address | None
    ) = None
    # pydantic refuses a lone surrogate in a str itself (string_unicode): it cannot be UTF-8.
    archive_name: Annotated[str, StringConstraints(max_length=80)] | None = None
    archive_resolution: Resolution | None = None
    e2ee: bool | None = None

    @model_validator(mode="after")  # type: ignore[misc, untyped-decorator, unused-ignore]
    def combinations(self) -> SessionModel:
        """The rules on combinations of options, as the service enforces them."""
        always = self.archive_mode == "always"
        problems = []
        if always and not self.routed:
            problems.append("archive_mode 'always' needs media_mode 'routed'")
        if self.e2ee and not self.routed:
            problems.append("e2ee needs media_mode 'routed'")
        if self.e2ee and always:
            problems.append("archive_mode 'always' and e2ee exclude each other")
        if not always and (self.archive_name is not None or self.archive_resolution is not None):
            problems.append("archive_name and archive_resolution need archive_mode 'always'")
        if problems:
            raise ValueError("; ".join(problems))
        return self


_validate = SessionModel.model_validate


def by_pydantic(options: Mapping[str, Any]) -> Params:
    """The REST params of ``options`` by the pydantic model (raises pydantic's error)."""
    model = _validate(options)
    params = {
        "p2p.preference": "disabled" if model.routed else "enabled",
        "archiveMode": "always" if model.archive_mode == "always" else "manual",
    }
    location = model.location
    if location is not None:
        params["location"] = location if location.__class__ is str else str(location)
    if model.archive_name:  # an empty name means no name
        params["archiveName"] = model.archive_name
    if model.archive_resolution is not None:
        params["archiveResolution"] = model.archive_resolution
    params["e2ee"] = "true" if model.e2ee else "false"
    return params


def by_library(options: Mapping[str, Any]) -> Params:
    """``prepare_session(options).params`` with the default rules, as an app calls it."""
    return prepare_session(options).params


def by_library_timed(options: Mapping[str, Any]) -> object:
    """What is timed on our side: ``prepare_session`` itself (its result holds the params)."""
    return prepare_session(options)


# ---------------------------------------------------------------------------------------------
# Random option sets, for the agreement check.


class OtherMediaModes(enum.Enum):
    """Another library's media modes, as the opentok SDK spells them (read by name)."""

    routed = "disabled"
    relayed = "enabled"


class OtherArchiveModes(enum.Enum):
    """Another library's archive modes, as the opentok SDK spells them (read by name)."""

    manual = "manual"
    always = "always"


class Text(str):
    """A str subclass: both sides must judge the characters it holds."""


def _random_address(rng: random.Random) -> str:
    return ".".join(str(rng.randrange(256)) for _ in range(4))


def _random_name(rng: random.Random) -> object:
    length = rng.choice((0, 1, 5, 40, 79, 80, 81, 120))
    letters = rng.choice(("abc xyz", "é漢字", "\U0001f600", "a\ud800b", "abc"))
    return "".join(rng.choice(letters) for _ in range(length))


def random_options(rng: random.Random) -> dict[str, Any]:
    """One option set: each option absent about a third of the time, else a valid value
    six times in seven, else a wrong one; half the sets are made coherent (routed, and
    archived always when named or sized), so that about a third are accepted."""
    pools: dict[str, tuple[Callable[[], list[object]], list[object]]] = {
        "media_mode": (
            lambda: ["routed", "relayed", MediaMode.ROUTED, MediaMode.RELAYED, None, ""],
            ["ROUTED", 1, Text("routed"), OtherMediaModes.routed, OtherMediaModes.relayed],
        ),
        "archive_mode": (
            lambda: ["manual", "always", ArchiveMode.MANUAL, ArchiveMode.ALWAYS, None],
            ["Always", "never", 0, Text("always"), OtherArchiveModes.always],
        ),
        "location": (
            lambda: [
                _random_address(rng),
                ipaddress.IPv4Address(_random_address(rng)),
                Text(_random_address(rng)),
                None,
            ],
            [
                "01.2.3.4",
                "1.2.3",
                " 1.2.3.4",
                "256.1.1.1",
                "\u0661.2.3.4",
                "::1",
                ipaddress.IPv6Address("::1"),
                1234,
            ],
        ),
        "archive_name": (
            lambda: [_random_name(rng), Text("named"), None],
            [5, b"bytes", "a\ud800b", "x" * 81],
        ),
        "archive_resolution": (
            lambda: ["640x480", "1280x720", "1080x1920", Text("720x1280"), None],
            ["1280X720", "", 720, "1280x720 "],
        ),
        "e2ee": (lambda: [True, False, None], [1, 0, "true"]),
    }
    options: dict[str, Any] = {}
    for key, (valid, wrong) in pools.items():
        if rng.random() < 0.35:
            continue
        options[key] = rng.choice(valid() if rng.random() < 6 / 7 else wrong)
    if rng.random() < 0.5:  # half the sets made coherent, so that the values decide
        options["media_mode"] = "routed"
        if "archive_name" in options or "archive_resolution" in options:
            options["archive_mode"] = "always"
            options.pop("e2ee", None)
    if rng.random() < 0.1:
        options["colour"] = "blue"  # an unknown key: dropped by both
    return options


def _foreign_member(options: Mapping[str, Any]) -> bool:
    return any(
        isinstance(value, (OtherMediaModes, OtherArchiveModes)) for value in options.values()
    )


def _verdict(prepare: Prepare, options: Mapping[str, Any]) -> Params | None:
    """The params, or None for a refusal (either library's ValidationError, a ValueError)."""
    try:
        return prepare(options)
    except ValueError:
        return None


def disagreement(options: Mapping[str, Any]) -> str | None:
    """Why the two sides differ on ``options``, or None when they agree."""
    ours, theirs = _verdict(by_library, options), _verdict(by_pydantic, options)
    if ours == theirs:
        return None
    return f"{options!r}\n  prepare_session: {ours!r}\n  pydantic model:  {theirs!r}"


def check_agreement(sets: Sequence[Mapping[str, Any]], label: str) -> dict[str, int]:
    """Stop on any disagreement but another library's enum member; count the outcomes."""
    counts = {"accepted": 0, "refused": 0, "enum by name": 0}
    for options in sets:
        why = disagreement(options)
        if why is not None:
            if _foreign_member(options):
                counts["enum by name"] += 1
                continue
            raise SystemExit(f"{label}: the pydantic model and prepare_session differ on\n{why}")
        counts["accepted" if _verdict(by_library, options) is not None else "refused"] += 1
    return counts


# ---------------------------------------------------------------------------------------------
# The timed inputs.


def _address(i: int) -> str:
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


def fresh_valid(i: int) -> dict[str, Any]:
    """The ``i``-th never-repeating valid option set: six shapes, each with its own values."""
    shape = i % 6
    if shape == 0:
        return {"media_mode": "routed", "location": _address(i)}
    if shape == 1:
        return {"location": _address(i)}
    if shape == 2:
        return {"media_mode": "routed", "archive_mode": "always", "archive_name": f"standup {i}"}
    if shape == 3:
        return {
            "media_mode": "routed",
            "archive_mode": "always",
            "archive_name": f"weekly {i}",
            "archive_resolution": "1280x720",
            "location": _address(i),
        }
    if shape == 4:
        return {"media_mode": "routed", "e2ee": True, "location": _address(i)}
    return {
        "media_mode": MediaMode.ROUTED,
        "archive_mode": ArchiveMode.ALWAYS,
        "archive_name": f"n{i}",
        "e2ee": False,
    }


def _bad_address(i: int) -> str:
    return f"{256 + (i & 255)}.{(i >> 8) & 255}.{(i >> 16) & 255}.1"


def fresh_refused(i: int) -> dict[str, Any]:
    """The ``i``-th never-repeating refused option set: eight shapes, one or two rules broken."""
    shape = i % 8
    if shape == 0:
        return {"media_mode": "routed", "location": _bad_address(i)}
    if shape == 1:
        return {"e2ee": True, "location": _address(i)}
    if shape == 2:
        return {"archive_mode": "always", "archive_name": f"relayed {i}"}
    if shape == 3:
        return {"media_mode": "routed", "archive_name": f"manual {i}"}
    if shape == 4:
        return {"media_mode": "routed", "archive_mode": "always", "archive_name": f"{i:0100d}"}
    if shape == 5:
        return {"media_mode": "routed", "archive_mode": "always", "archive_resolution": f"{i}x1"}
    if shape == 6:
        return {"media_mode": "routed", "e2ee": "yes", "location": _address(i)}
    return {"e2ee": True, "archive_mode": "always", "location": _bad_address(i)}


#: The repeating scenario's 20 option sets: 14 valid, 6 refused.
REPEATING: tuple[dict[str, Any], ...] = (
    {},
    {"media_mode": "routed"},
    {"media_mode": "relayed"},
    {"media_mode": "routed", "archive_mode": "always"},
    {"media_mode": "routed", "archive_mode": "always", "archive_name": "weekly"},
    {"media_mode": "routed", "archive_mode": "always", "archive_resolution": "1920x1080"},
    {"media_mode": "routed", "e2ee": True},
    {"media_mode": "routed", "location": "12.34.56.78"},
    {"location": "12.34.56.78"},
    {"media_mode": MediaMode.ROUTED, "archive_mode": ArchiveMode.ALWAYS},
    {"media_mode": "routed", "archive_mode": "manual", "e2ee": False},
    {"e2ee": False, "location": "10.0.0.1"},
    {"media_mode": "routed", "archive_mode": "always", "archive_name": "", "e2ee": False},
    {"media_mode": None, "archive_mode": None, "e2ee": None},
    {"e2ee": True},
    {"archive_mode": "always"},
    {"media_mode": "routed", "location": "1.2.3"},
    {"media_mode": "routed", "archive_name": "weekly"},
    {"media_mode": "routed", "archive_mode": "always", "archive_resolution": "1x1"},
    {"media_mode": "routed", "e2ee": "true", "archive_mode": "always"},
)


def scenarios(count: int) -> dict[str, list[dict[str, Any]]]:
    """The four scenarios' inputs, ``count`` calls each."""
    valid = [fresh_valid(i) for i in range(count)]
    refused = [fresh_refused(i) for i in range(count)]
    mix = [fresh_valid(i) if i % 2 == 0 else fresh_refused(i) for i in range(count)]
    repeating = [REPEATING[i % len(REPEATING)] for i in range(count)]
    return {
        "never-repeating, valid": valid,
        "never-repeating, 50/50 mix": mix,
        "never-repeating, refused only": refused,
        "repeating (20 option sets)": repeating,
    }


def check_scenarios(inputs: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    """Every timed input judged alike by both sides, each scenario as described, and the
    never-repeating ones never repeating."""
    for label, sets in inputs.items():
        counts = check_agreement(sets, label)
        if counts["enum by name"]:
            raise SystemExit(f"{label}: a timed input holds another library's enum member")
        refused = counts["refused"] / len(sets)
        expected = {"valid": 0.0, "mix": 0.5, "only": 1.0, "repeating": 0.3}
        want = next(share for word, share in expected.items() if word in label)
        if abs(refused - want) > 0.01:
            raise SystemExit(f"{label}: {refused:.0%} refused, expected {want:.0%}")
        if label.startswith("never"):
            distinct = {tuple(options.items()) for options in sets}
            if len(distinct) != len(sets):
                raise SystemExit(f"{label}: {len(sets) - len(distinct)} inputs repeat")


# ---------------------------------------------------------------------------------------------
# Timing


def run(
    prepare: Callable[[Mapping[str, Any]], object], inputs: Sequence[Mapping[str, Any]]
) -> None:
    for options in inputs:
        try:  # noqa: SIM105 - contextlib.suppress would add its own cost to every call
            prepare(options)
        except ValueError:  # both libraries' ValidationError
            pass


def measure(
    inputs: Sequence[Mapping[str, Any]], repeat: int, min_time: float
) -> dict[str, dict[str, float]]:
    """µs per call, best and median of ``repeat`` interleaved rounds, of both sides."""
    functions: dict[str, Callable[[Mapping[str, Any]], object]] = {
        "prepare_session": by_library_timed,
        "pydantic": by_pydantic,
    }
    run(by_pydantic, inputs)  # warm both up, and size the rounds
    start = time.process_time()
    run(by_library_timed, inputs)
    once = max(time.process_time() - start, 1e-6)
    number = max(1, round(min_time / once))
    samples: dict[str, list[float]] = {name: [] for name in functions}
    names = list(functions)
    for round_ in range(repeat):
        for name in names if round_ % 2 == 0 else reversed(names):
            prepare = functions[name]
            start = time.process_time()
            for _ in range(number):
                run(prepare, inputs)
            seconds = time.process_time() - start
            samples[name].append(seconds / (number * len(inputs)) * 1e6)
    return {
        name: {"best_us": min(values), "median_us": statistics.median(values)}
        for name, values in samples.items()
    }


TARGETS = {
    "never-repeating, valid": 0.85,
    "never-repeating, 50/50 mix": 1.0,
    "never-repeating, refused only": 1.2,
    "repeating (20 option sets)": 0.8,
}


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="2,000 inputs and 3 rounds")
    parser.add_argument("--repeat", type=int, default=None, help="rounds (default 9; quick 3)")
    parser.add_argument("--inputs", type=int, default=None, help="calls per scenario (10000)")
    parser.add_argument("--random", type=int, default=3000, help="random sets checked first")
    parser.add_argument("--seed", type=int, default=30, help="seed of the random sets")
    parser.add_argument("--min-time", type=float, default=0.1, help="seconds per round, about")
    parser.add_argument("--check", action="store_true", help="exit 1 unless the targets hold")
    parser.add_argument("--json", metavar="PATH", help="write the figures as JSON")
    args = parser.parse_args(argv)
    repeat = args.repeat or (3 if args.quick else 9)
    count = args.inputs or (2000 if args.quick else 10_000)
    if args.random < 3000 or count < 1000:
        parser.error("at least 3,000 random sets, and 1,000 inputs (more than the memory holds)")

    print(
        f"opentok_rules {opentok_rules.__version__}, pydantic {pydantic.VERSION}, Python "
        f"{platform.python_version()}, {os.cpu_count()} cores; load average {_load()}"
    )
    rng = random.Random(args.seed)
    counts = check_agreement([random_options(rng) for _ in range(args.random)], "random sets")
    print(
        f"agreement on {args.random} random option sets (seed {args.seed}): "
        f"{counts['accepted']} accepted and {counts['refused']} refused alike; "
        f"{counts['enum by name']} differ by another library's enum member (read by name)"
    )
    inputs = scenarios(count)
    check_scenarios(inputs)
    print(f"every timed input judged alike; {count} calls per scenario, {repeat} rounds\n")

    print(f"{'µs per call (median; best)':<32}{'prepare_session':>20}{'pydantic':>20}  ratio")
    results: dict[str, Any] = {}
    failed = []
    for label, sets in inputs.items():
        timing = measure(sets, repeat, args.min_time)
        ours, theirs = timing["prepare_session"], timing["pydantic"]
        ratio = ours["median_us"] / theirs["median_us"]
        best_ratio = ours["best_us"] / theirs["best_us"]
        print(
            f"{label:<32}{ours['median_us']:>11.2f} ({ours['best_us']:.2f})"
            f"{theirs['median_us']:>12.2f} ({theirs['best_us']:.2f})"
            f"  {ratio:.2f} (best {best_ratio:.2f})"
        )
        results[label] = {**timing, "ratio": ratio, "best_ratio": best_ratio}
        if ratio > TARGETS[label]:
            failed.append(f"{label}: {ratio:.2f} > {TARGETS[label]}")
    print(f"\nload average after: {_load()}")
    if args.json:
        record = {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "python": sys.version,
            "machine": platform.platform(),
            "pydantic": pydantic.VERSION,
            "inputs": count,
            "repeat": repeat,
            "agreement": counts,
            "scenarios": results,
        }
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(record, out, indent=2)
    if args.check and failed:
        print("targets missed (issue 30):\n  " + "\n  ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
