"""How much a client token costs: ``OpenTok.generate_token`` against PyJWT by hand and the SDKs.

These comparisons, each over the same mix of token options, each side timed in the same run:

``jwt``
    ``OpenTok.generate_token`` (the token rules, then HS256) against ``jwt.encode`` of the
    same claims by hand, with no checks at all: the floor a careful engineer writes.
``signer``
    ``issue_token`` with a kept ``OpenTokSigner`` (the client minus its method call) against
    the same ``jwt.encode``.
``function``
    The module function ``generate_token(api_key, api_secret, session_id)``, which makes a
    signer (and so has PyJWT check the key) on every call, against the same ``jwt.encode``.
    Shown, not judged: the docs send anyone making many tokens to a client or a kept signer.
``t1``
    ``generate_token(token_type="T1")`` against a hand-written HMAC-SHA1 of the same data string.
``sdk``
    ``OpenTok.generate_token`` against the official ``opentok`` SDK's ``generate_token``, only
    when the ``opentok`` package is importable (``benchmarks/requirements-http.txt``).
``vonage``
    ``VonageVideo.generate_token`` (the token rules, then RS256) against
    ``jwt.encode(claims, key, algorithm="RS256")`` of the same claims by hand, with the RSA key
    (2048 bits, made once per run) loaded once. Needs ``cryptography``; skipped without it.
``vonage-pem``
    The same against ``jwt.encode(claims, pem, algorithm="RS256")`` given the PEM text on
    every call, as code that keeps the key file's text does (PyJWT then loads the key each time).
``vonage-sdk``
    The same against the official Vonage SDK (``pip install vonage``):
    ``Vonage(Auth(application_id=..., private_key=pem)).video.generate_client_token(...)``, only
    when the ``vonage`` package is importable.

Before timing, every input is made by both sides and the outcomes compared, so the sides really
do the same work: HS256 and T1 tokens with the nonce fixed, byte for byte; the SDKs', whose
claims differ a little, decoded and their claims compared; RS256 tokens decoded with the public
key and their headers and claims compared, all but the random ``jti``. Then they are timed
interleaved, in CPU time by default.

    python benchmarks/bench_tokens.py [--repeat 9] [--min-time 0.2] [--json PATH] [--check]

``--check`` exits 1 unless the targets hold (ours / theirs, ratio of the best rounds):
``jwt`` and ``signer`` at most 0.70 (issue 23; the aim is 0.5), ``sdk`` at most 1/1.5 (the
SDK at least 1.5 times slower), ``t1`` at most 1.10, ``vonage`` at most 1.10, ``vonage-pem``
and ``vonage-sdk`` at most 1.0 (never slower than the code they stand for).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import datetime
import functools
import hashlib
import hmac
import json
import os
import platform
import secrets
import statistics
import sys
import time
import timeit
import urllib.parse
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import jwt

import opentok_rules as otr
from opentok_rules import tokens
from opentok_rules.session_ids import make_session_id
from opentok_rules.tokens import OpenTokSigner, generate_token, issue_token

API_KEY = "123456"
SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0-bench-secret"
SECRET_BYTES = SECRET.encode("utf-8")
SESSION_ID = make_session_id(API_KEY)
DAY = 86400

#: The options of the mix: the default token most apps make, and the usual variations.
MIX: tuple[dict[str, Any], ...] = (
    {},
    {"role": "subscriber"},
    {"role": "moderator", "data": "name=Ann&id=42"},
    {"role": "publisher", "initial_layout_class_list": ["focus", "full"]},
)

Make = Callable[[dict[str, Any]], str]


# ---------------------------------------------------------------------------------------------
# By hand: what a careful engineer writes with PyJWT and hmac and no checks.


def jwt_by_hand(options: dict[str, Any]) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": API_KEY,
        "ist": "project",
        "iat": now,
        "exp": now + DAY,
        "scope": "session.connect",
        "session_id": SESSION_ID,
        "role": options.get("role", "publisher"),
        "nonce": secrets.randbelow(1_000_000),
    }
    if "data" in options:
        claims["connection_data"] = options["data"]
    if "initial_layout_class_list" in options:
        claims["initial_layout_class_list"] = " ".join(options["initial_layout_class_list"])
    return jwt.encode(claims, SECRET, algorithm="HS256")


def t1_by_hand(options: dict[str, Any]) -> str:
    now = int(time.time())
    fields: dict[str, Any] = {
        "session_id": SESSION_ID,
        "create_time": now,
        "expire_time": now + DAY,
        "role": options.get("role", "publisher"),
        "nonce": secrets.randbelow(1_000_000),
    }
    if "data" in options:
        fields["connection_data"] = options["data"]
    if "initial_layout_class_list" in options:
        fields["initial_layout_class_list"] = " ".join(options["initial_layout_class_list"])
    data_string = urllib.parse.urlencode(fields)
    sig = hmac.new(SECRET_BYTES, data_string.encode("utf-8"), hashlib.sha1).hexdigest()
    body = f"partner_id={API_KEY}&sig={sig}:{data_string}"
    return "T1==" + base64.b64encode(body.encode("utf-8")).decode("ascii")


# ---------------------------------------------------------------------------------------------
# Ours, and the SDK's.

CLIENT = otr.OpenTok(API_KEY, SECRET)
SIGNER = OpenTokSigner(API_KEY, SECRET)


def ours_client(options: dict[str, Any]) -> str:
    return CLIENT.generate_token(SESSION_ID, **options)


def ours_signer(options: dict[str, Any]) -> str:
    # What the client does once it holds one signer (see docs/performance.rst).
    return issue_token(SIGNER, SESSION_ID, **options)


def ours_function(options: dict[str, Any]) -> str:
    # The module function: the signer of this key and secret, made on the first call and kept.
    return generate_token(API_KEY, SECRET, SESSION_ID, **options)


def ours_t1(options: dict[str, Any]) -> str:
    return issue_token(SIGNER, SESSION_ID, token_type="T1", **options)


# ---------------------------------------------------------------------------------------------
# Vonage: VonageVideo.generate_token against jwt.encode RS256 of the same claims.


class Vonage:
    """An application id, a 2048-bit RSA key made once, the client and the hand-written sides."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_key = self.key.public_key()
        self.pem = self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")
        self.application_id = str(uuid.uuid4())
        self.session_id = make_session_id(self.application_id)
        self.client = otr.VonageVideo(self.application_id, self.pem)
        self.sdk = vonage_sdk_maker(self)

    def ours(self, options: dict[str, Any]) -> str:
        return self.client.generate_token(self.session_id, **options)

    def claims(self, options: dict[str, Any]) -> dict[str, Any]:
        # VonageSigner's claims (opentok_rules/tokens.py), in its order, built by hand.
        now = int(time.time())
        claims: dict[str, Any] = {
            "application_id": self.application_id,
            "iat": now,
            "exp": now + DAY,
            "jti": str(uuid.uuid4()),
            "scope": "session.connect",
            "session_id": self.session_id,
            "role": options.get("role", "publisher"),
            "sub": "video",
            "acl": {"paths": {"/session/**": {}}},
        }
        if "data" in options:
            claims["connection_data"] = options["data"]
        if "initial_layout_class_list" in options:
            claims["initial_layout_class_list"] = " ".join(options["initial_layout_class_list"])
        return claims

    def by_hand(self, options: dict[str, Any]) -> str:
        return jwt.encode(self.claims(options), self.key, algorithm="RS256")

    def by_hand_pem(self, options: dict[str, Any]) -> str:
        # The key as the PEM text of its file: PyJWT loads (and checks) it on every call.
        return jwt.encode(self.claims(options), self.pem, algorithm="RS256")

    def decoded(self, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
        claims = jwt.decode(token, self.public_key, algorithms=["RS256"])
        return jwt.get_unverified_header(token), claims

    def check_same(self) -> None:
        """Every side's tokens verify with the public key, with equal headers and claims."""
        makers: list[Make] = [self.ours, self.by_hand, self.by_hand_pem]
        if self.sdk is not None:
            makers.append(self.sdk)
        for options in MIX:
            made = same_second(*makers)(options)  # the same iat and exp on every side
            decoded = [self.decoded(token) for token in made]
            for _, claims in decoded:
                uuid.UUID(claims.pop("jti"))  # random on every side, but a UUID
            if not decoded[0] == decoded[1] == decoded[2]:
                raise SystemExit(f"Vonage tokens differ for {options!r}:\n{decoded[:3]}")
            if self.sdk is not None:
                check_same_as_sdk(options, decoded[0][1], decoded[3][1])


def check_same_as_sdk(
    options: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]
) -> None:
    """The Vonage SDK's claims say the same as ours: it names the subject ``subject`` and
    sends the layout classes as a list."""
    theirs = dict(theirs)
    theirs["sub"] = theirs.pop("subject")
    if "initial_layout_class_list" in theirs:
        theirs["initial_layout_class_list"] = " ".join(theirs["initial_layout_class_list"])
    if ours != theirs:
        raise SystemExit(f"Vonage SDK claims differ for {options!r}:\n{ours}\n{theirs}")


def vonage_maker() -> Vonage | None:
    try:
        import cryptography  # noqa: F401
    except ImportError:
        return None
    return Vonage()


def vonage_sdk_maker(app: Vonage) -> Make | None:
    """The official Vonage SDK's client token for the same options, or ``None`` without it."""
    try:
        import vonage  # type: ignore[import-not-found, import-untyped, unused-ignore]
        from vonage_video import TokenOptions  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError:
        return None
    video = vonage.Vonage(vonage.Auth(application_id=app.application_id, private_key=app.pem)).video

    def by_sdk(options: dict[str, Any]) -> str:
        # Its options, named as it names them; the lifetime as ours (it defaults to 15 minutes).
        now = int(time.time())
        token_options = TokenOptions(
            session_id=app.session_id,
            role=options.get("role", "publisher"),
            connection_data=options.get("data"),
            initial_layout_class_list=options.get("initial_layout_class_list"),
            iat=now,
            exp=now + DAY,
        )
        token: bytes = video.generate_client_token(token_options)
        return token.decode("ascii")

    return by_sdk


def sdk_maker() -> Make | None:
    try:
        import opentok  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError:
        return None
    sdk = opentok.Client(API_KEY, SECRET) if hasattr(opentok, "Client") else None
    sdk = sdk or opentok.OpenTok(API_KEY, SECRET)

    roles = {role.value: role for role in opentok.Roles}

    def by_sdk(options: dict[str, Any]) -> str:
        # The SDK takes its own Roles members only; the conversion is part of using it.
        if "role" in options:
            options = {**options, "role": roles[options["role"]]}
        token: str = sdk.generate_token(SESSION_ID, **options)
        return token

    return by_sdk


# ---------------------------------------------------------------------------------------------
# Same outcomes first.


@contextlib.contextmanager
def fixed_nonce() -> Iterator[None]:
    original = secrets.randbelow
    secrets.randbelow = lambda exclusive_upper_bound: 424242  # both sides call it
    try:
        yield
    finally:
        secrets.randbelow = original


def same_second(*makers: Make) -> Callable[[dict[str, Any]], list[str]]:
    """All makers' tokens for the same options, retried until made within one clock second."""

    def make_all(options: dict[str, Any]) -> list[str]:
        while True:
            start = int(time.time())
            made = [maker(dict(options)) for maker in makers]
            if int(time.time()) == start:
                return made

    return make_all


def check_same(sdk: Make | None) -> None:
    assert tokens.secrets is secrets  # type: ignore[attr-defined]  # where the nonce is read
    with fixed_nonce():
        for options in MIX:
            made = same_second(ours_client, ours_signer, ours_function, jwt_by_hand)(options)
            if len(set(made)) != 1:
                raise SystemExit(f"JWT tokens differ for {options!r}")
            t1_ours, t1_hand = same_second(ours_t1, t1_by_hand)(options)
            if t1_ours != t1_hand:
                raise SystemExit(f"T1 tokens differ for {options!r}:\n{t1_ours}\n{t1_hand}")
    if sdk is None:
        return
    for options in MIX:
        ours, theirs = (
            jwt.decode(token, SECRET, algorithms=["HS256"])
            for token in same_second(ours_client, sdk)(options)
        )
        # The same claims (in another order); all but the random nonce must be equal.
        for claims in (ours, theirs):
            claims.pop("nonce")
            claims.pop("jti", None)
        if ours != theirs:
            raise SystemExit(f"SDK claims differ for {options!r}:\n{ours}\n{theirs}")


# ---------------------------------------------------------------------------------------------
# Timing


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Two makers timed together; ``limit`` is the most ours / theirs may be (None: shown)."""

    label: str
    ours: str
    ours_make: Make
    theirs: str
    theirs_make: Make
    limit: float | None


#: What the rounds are timed with; set from --timer.
TIMER: Callable[[], float] = time.process_time


def run_mix(make: Make) -> None:
    for options in MIX:
        make(options)


def measure(makers: dict[str, Make], repeat: int, min_time: float) -> dict[str, dict[str, float]]:
    """Per-token µs (best and median of ``repeat`` interleaved rounds) of each maker."""
    timers = {
        name: timeit.Timer(functools.partial(run_mix, fn), timer=TIMER)
        for name, fn in makers.items()
    }
    # Each side its own number of loops for a round of about min_time: a PEM loaded on every
    # call makes one side a hundred times slower than the other.
    numbers = {
        name: max(1, int(timer.autorange()[0] * min_time / 0.2)) for name, timer in timers.items()
    }
    samples: dict[str, list[float]] = {name: [] for name in timers}
    names = list(timers)
    for round_ in range(repeat):
        for name in names if round_ % 2 == 0 else reversed(names):
            seconds = timers[name].timeit(numbers[name])
            samples[name].append(seconds / (numbers[name] * len(MIX)) * 1e6)
    return {
        name: {"best_us": min(values), "median_us": statistics.median(values)}
        for name, values in samples.items()
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", metavar="PATH", help="also write the results to PATH")
    parser.add_argument("--repeat", type=int, default=9, help="timed rounds per function")
    parser.add_argument("--min-time", type=float, default=0.2, help="seconds per timed round")
    parser.add_argument("--check", action="store_true", help="exit 1 unless the targets hold")
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

    sdk = sdk_maker()
    check_same(sdk)
    vonage = vonage_maker()
    if vonage is not None:
        vonage.check_same()
    impl, machine = platform.python_implementation(), platform.machine()
    print(f"Python {platform.python_version()} ({impl}) on {machine}, {os.cpu_count()} cores")
    print(f"PyJWT {jwt.__version__}; {len(MIX)} option sets; outcomes checked equal")
    print(f"per token, best (median) of {args.repeat} interleaved rounds:")
    comparisons = [
        Comparison("jwt", "OpenTok.generate_token", ours_client, "jwt.encode", jwt_by_hand, 0.70),
        Comparison("signer", "issue_token(signer)", ours_signer, "jwt.encode", jwt_by_hand, 0.70),
        Comparison("function", "generate_token()", ours_function, "jwt.encode", jwt_by_hand, None),
        Comparison("t1", "T1", ours_t1, "hmac", t1_by_hand, 1.10),
    ]
    if sdk is not None:
        comparisons.append(
            Comparison("sdk", "OpenTok.generate_token", ours_client, "opentok SDK", sdk, 1 / 1.5)
        )
    else:
        print("  (the opentok SDK is not installed: its comparison is skipped)")
    if vonage is not None:
        ours_name = "VonageVideo.generate_token"
        comparisons += [
            Comparison("vonage", ours_name, vonage.ours, "jwt.encode RS256", vonage.by_hand, 1.10),
            Comparison(
                "vonage-pem",
                ours_name,
                vonage.ours,
                "jwt.encode RS256 PEM",
                vonage.by_hand_pem,
                1.0,
            ),
        ]
        if vonage.sdk is not None:
            comparisons.append(
                Comparison("vonage-sdk", ours_name, vonage.ours, "Vonage SDK", vonage.sdk, 1.0)
            )
        else:
            print("  (the vonage SDK is not installed: its comparison is skipped)")
    else:
        print("  (cryptography is not installed: the Vonage comparisons are skipped)")
    results: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": f"{platform.python_version()} ({impl})",
        "pyjwt": jwt.__version__,
        "repeat": args.repeat,
    }
    failed = []
    for each in comparisons:
        makers = {each.ours: each.ours_make, each.theirs: each.theirs_make}
        timing = measure(makers, args.repeat, args.min_time)
        ours, theirs = timing[each.ours], timing[each.theirs]
        ratio = ours["best_us"] / theirs["best_us"]
        results[each.label] = {**timing, "ratio": ratio, "limit": each.limit}
        limit = "shown only" if each.limit is None else f"limit {each.limit:.2f}"
        print(
            f"  {each.label:<10} {each.ours} {ours['best_us']:7.2f} µs ({ours['median_us']:.2f})"
            f"   {each.theirs} {theirs['best_us']:7.2f} µs ({theirs['median_us']:.2f})"
            f"   ratio {ratio:.2f}{'' if ratio >= 0.1 else f' ({ratio:.4f})'} ({limit})"
        )
        if each.limit is not None and ratio > each.limit:
            failed.append(each.label)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=2)
    if failed:
        print(f"targets missed: {', '.join(failed)}")
        return 1 if args.check else 0
    print("ok: every target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
