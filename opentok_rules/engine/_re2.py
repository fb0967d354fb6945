"""Policy patterns in linear time: Google's RE2 (the ``google-re2`` package, module ``re2``).

A ``pattern`` rule matches text that the caller types, and the caller is not trusted: with a
backtracking engine such as Python's :mod:`re`, a pattern like ``(a+)+b`` takes time
exponential in the length of the text. RE2 takes time linear in it, for any pattern it
compiles; it refuses the constructs that need backtracking (backreferences, lookaround,
atomic groups, possessive quantifiers, conditionals). :func:`compile_pattern` compiles a
pattern with it, or says which construct it cannot run.

RE2 is imported here, on the first pattern compiled: ``import opentok_rules`` and a policy
without a pattern never load it. Its C++ logger is switched off (``log_errors = False``), so a
refused pattern never writes to standard error; the refusal is the exception raised here.

Where RE2 and Python's :mod:`re` read a pattern differently: ``\\d``, ``\\w``, ``\\s`` and
``\\b`` are ASCII in RE2 (``[0-9]``, ``[0-9A-Za-z_]``, ``[\\t\\n\\f\\r ]``); ``$`` is the very
end of the text (Python's also matches before a final newline); ``\\z`` ends the text (Python
writes ``\\Z``); a code point is written ``\\x{HHHH}`` (Python's ``\\uHHHH`` is refused); and
``\\pL``, ``[[:alpha:]]`` and ``(?U)`` are RE2's own.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

__all__ = ["LinearPattern", "UnrunnablePattern", "compile_pattern"]

#: RE2's refusals of constructs it cannot run, by the start of its message, in words.
_CONSTRUCTS = (
    ("invalid perl operator: (?=", "a lookahead (?=...)"),
    ("invalid perl operator: (?!", "a negative lookahead (?!...)"),
    ("invalid perl operator: (?<=", "a lookbehind (?<=...)"),
    ("invalid perl operator: (?<!", "a negative lookbehind (?<!...)"),
    ("invalid perl operator: (?>", "an atomic group (?>...)"),
    ("invalid perl operator: (?(", "a conditional group (?(...)...)"),
    ("invalid perl operator: (?#", "a comment group (?#...)"),
    ("invalid perl operator: (?P", "a named backreference (?P=name) or group (?P...)"),
    (
        "invalid perl operator: (?x",
        "verbose mode (?x) (RE2 has none: write the pattern on one line, without the spaces and "
        "comments)",
    ),
    ("invalid perl operator: (?a", "the flag (?a) (RE2's \\d, \\w and \\s are ASCII already)"),
    ("invalid perl operator: (?L", "the flag (?L)"),
    ("invalid perl operator: (?u", "the flag (?u)"),
    ("bad repetition operator: ", "a possessive or repeated quantifier (such as a*+ or a**)"),
    ("invalid repetition size", "a repetition count above 1000"),
    ("pattern too large", "a pattern too large for RE2's memory budget (8 MiB)"),
)

#: Escapes RE2 refuses, by the escaped character, in words.
_ESCAPES = {
    **{digit: f"a backreference \\{digit}" for digit in "123456789"},
    "Z": "\\Z (RE2 writes the end of the text as \\z)",
    "u": "a \\uHHHH escape (RE2 writes a code point as \\x{HHHH}, or put the character itself)",
    "U": "a \\UHHHHHHHH escape (RE2 writes a code point as \\x{HHHHHH})",
    "N": "a named character \\N{...} (put the character itself)",
    "G": "\\G (RE2 has no previous-match anchor)",
}


class UnrunnablePattern(ValueError):
    """A pattern RE2 cannot compile; the message says what in it, and what to write instead."""


class LinearPattern:
    """A pattern compiled with RE2: :meth:`fullmatch` takes time linear in the text."""

    __slots__ = ("_regexp", "pattern")

    def __init__(self, pattern: str, regexp: Any) -> None:
        self.pattern = pattern
        self._regexp = regexp

    def __repr__(self) -> str:
        return f"LinearPattern({self.pattern!r})"

    def fullmatch(self, text: str) -> bool | None:
        """``True`` when the pattern matches the whole of ``text``, else ``None`` (as
        ``re.fullmatch`` answers a match object or ``None``).

        A lone surrogate (which no UTF-8 text holds) is one code point, as for Python's
        :mod:`re` and ECMA-262 with the ``u`` flag: RE2 reads its three bytes as one.
        """
        data = text.encode("utf-8", "surrogatepass")
        return True if self._regexp.fullmatch(data) is not None else None


def compile_pattern(pattern: str) -> LinearPattern:
    """``pattern`` compiled with RE2, anchored by :meth:`LinearPattern.fullmatch`.

    :raises UnrunnablePattern: RE2 cannot run the pattern (it names the construct), or it is
        not a regular expression (with where, as Python's :mod:`re` says it when it can).
    :raises ImportError: google-re2 is not installed (it is a requirement of this package).
    """
    import re2  # type: ignore[import-untyped]  # google-re2 ships no type information

    options = re2.Options()
    options.log_errors = False  # a refused pattern is our exception, not a line on stderr
    options.never_capture = True  # only whether it matches is asked: no groups to track
    try:
        return LinearPattern(pattern, re2.compile(pattern, options))
    except re2.error as exc:
        raise UnrunnablePattern(_why(pattern, exc)) from None


def _why(pattern: str, exc: BaseException) -> str:
    raw = exc.args[0] if exc.args else ""
    said = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    construct = _construct(said)
    if construct is not None:
        return (
            f"{pattern!r:.60} uses {construct}, which RE2 cannot run; policy patterns run "
            "with RE2, in time linear in the text (its syntax: "
            "https://github.com/google/re2/wiki/Syntax)"
        )
    # Not a construct RE2 lacks: a mistake in the pattern. Python's re says where, when it
    # refuses the pattern too.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            re.compile(pattern)
        except re.error as python:
            where = f" at position {python.pos}" if python.pos is not None else ""
            return f"{pattern!r:.60} is not a regular expression: {python.msg}{where}"
        except (RecursionError, OverflowError, MemoryError):  # pragma: no cover - huge nesting
            pass
    return f"{pattern!r:.60} is not a regular expression RE2 reads: {said}"


def _construct(said: str) -> str | None:
    for start, words in _CONSTRUCTS:
        if said.startswith(start):
            return words
    prefix = "invalid escape sequence: \\"
    if said.startswith(prefix) and len(said) > len(prefix):
        escaped = said[len(prefix)]
        return _ESCAPES.get(escaped, f"the escape \\{escaped}")
    if said.startswith("invalid perl operator: "):
        return f"the group or flag {said.removeprefix('invalid perl operator: ')!r}"
    return None
