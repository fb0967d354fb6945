"""Regular expressions that Python's :mod:`re` and ECMA-262 read alike.

A JSON Schema ``pattern`` is an ECMA-262 regular expression (JavaScript's), while the rules
match with Python's :mod:`re`. The two agree on a common core and differ at the edges: ``\\d``,
``\\w``, ``\\s`` and ``\\b`` are Unicode-aware in Python and ASCII in JavaScript; ``.`` also
stops at ``\\r``, ``\\u2028`` and ``\\u2029`` in JavaScript; ``$`` also matches before a final
newline in Python; named groups, inline flags, ``\\A``/``\\Z``, possessive quantifiers and
backreferences are spelt differently or mean different things; a lone ``{`` or ``]`` is a
literal in Python and an error with JavaScript's ``u`` flag; characters outside the Basic
Multilingual Plane are one character in Python and two code units in JavaScript without it.

The target is ECMA-262 with the ``u`` flag, as JSON Schema asks of validators (draft 2020-12,
core section 6.4): there a core pattern judges every string as Python does. Without the flag a
negated class can match half of a character outside the Basic Multilingual Plane, so such
strings may be judged differently; the library's own patterns avoid that as well.

:func:`unshared` says what in a pattern lies outside the core (``None`` when nothing does);
:func:`whole_value` anchors a core pattern so that it matches a whole value in both dialects;
:func:`number_range` and :func:`ipv4_network` write numbers and addresses in the core.
"""

from __future__ import annotations

import ipaddress

__all__ = ["ipv4_network", "number_range", "unshared", "whole_value"]

# The characters an escape may make literal in both dialects (ECMA-262's "SyntaxCharacter"
# and "/"); "-" only inside a character class.
_SYNTAX = frozenset("^$\\.*+?()[]{}|/")
_CONTROL = frozenset("nrtfv")
_HEX = frozenset("0123456789abcdefABCDEF")

_WHY_ESCAPE = {
    **dict.fromkeys("dDwWsS", "is Unicode-aware in Python and ASCII in ECMA-262; "),
    **dict.fromkeys("bB", "depends on \\w, which differs between the dialects; "),
    **dict.fromkeys("AZzG", "is an anchor only Python has; "),
}


class _Unshared(Exception):
    pass


def whole_value(body: str) -> str:
    """``body`` anchored to match a whole value, as ``re.fullmatch`` does, in both dialects.

    ``$`` alone also matches before a final ``"\\n"`` in Python; followed by ``(?!\\n)`` it is
    the very end in both (in ECMA-262 the lookahead always holds at the end).
    """
    return f"^(?:{body})$(?!\\n)"


def unshared(pattern: str) -> str | None:
    """What in ``pattern`` (a valid Python pattern) ECMA-262 reads differently, or ``None``."""
    scan = _Scan(pattern)
    try:
        scan.alternation(depth=0)
        if not scan.done():  # a ")" with no "(": Python refuses it before this is asked
            raise _Unshared(f"an unbalanced ')' at position {scan.at}")
    except _Unshared as exc:
        return str(exc)
    return None


class _Scan:
    """A recursive-descent reading of the shared core; anything else raises :class:`_Unshared`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def done(self) -> bool:
        return self.at >= len(self.text)

    def peek(self, ahead: int = 0) -> str:
        index = self.at + ahead
        return self.text[index] if index < len(self.text) else ""

    def take(self) -> str:
        found = self.peek()
        self.at += 1
        return found

    def alternation(self, depth: int) -> None:
        self.sequence(depth)
        while self.peek() == "|":
            self.take()
            self.sequence(depth)

    def sequence(self, depth: int) -> None:
        while not self.done() and self.peek() not in "|)":
            repeatable = self.atom(depth)
            if self.peek() and self.peek() in "*+?{":
                if not repeatable:
                    raise _Unshared(f"a quantifier on an assertion at position {self.at}")
                self.quantifier()

    def atom(self, depth: int) -> bool:
        """Read one atom; whether a quantifier may follow it."""
        at, char = self.at, self.take()
        if char == "^":
            return False
        if char == "$":
            if depth == 0 and self.done():
                return False  # fullmatch must end there anyway: the same in both
            raise _Unshared(
                f"'$' at position {at} also matches before a final newline in Python; the "
                "whole value is matched already, so leave it out"
            )
        if char == ".":
            raise _Unshared(
                f"'.' at position {at} also stops at '\\r', '\\u2028' and '\\u2029' in "
                "ECMA-262; write a character class such as [^\\n]"
            )
        if char == "(":
            return self.group(depth)
        if char == "[":
            self.char_class()
            return True
        if char == "\\":
            self.escape(in_class=False)
            return True
        if char in "{}]":
            raise _Unshared(
                f"a lone {char!r} at position {at} is an error in ECMA-262 with the 'u' flag; "
                f"escape it as \\{char}"
            )
        self.check_code(ord(char), at)
        return True

    def group(self, depth: int) -> bool:
        at = self.at - 1
        repeatable = True
        if self.peek() == "?":
            opener = self.text[self.at : self.at + 2]
            if opener not in ("?:", "?=", "?!"):
                raise _Unshared(
                    f"the group '({opener}' at position {at}: of the '(?' groups only (?:...), "
                    "(?=...) and (?!...) read alike (named groups, flags, lookbehind and "
                    "atomic groups do not)"
                )
            self.at += 2
            repeatable = opener == "?:"
        self.alternation(depth + 1)
        if self.take() != ")":
            raise _Unshared(f"the group at position {at} is not closed")
        return repeatable

    def quantifier(self) -> None:
        at, char = self.at, self.take()
        if char == "{":
            low = self.digits()
            if self.peek() == ",":
                self.take()
                self.digits()  # {n,} and {n,m} alike; Python has refused m < n already
            if not low or self.take() != "}":
                raise _Unshared(
                    f"the quantifier at position {at}: only {{n}}, {{n,}} and {{n,m}} read alike"
                )
        if self.peek() == "?":
            self.take()  # lazy: the same in both
        if self.peek() and self.peek() in "*+?{":
            raise _Unshared(
                f"a possessive or repeated quantifier at position {self.at} (Python only)"
            )

    def digits(self) -> str:
        start = self.at
        while self.peek() and self.peek() in "0123456789":
            self.take()
        return self.text[start : self.at]

    def escape(self, in_class: bool) -> None:
        at, char = self.at - 1, self.take()
        if char in _SYNTAX or char in _CONTROL or (in_class and char == "-"):
            return
        if char in "xu":
            size = 2 if char == "x" else 4
            code = self.text[self.at : self.at + size]
            if len(code) != size or not set(code) <= _HEX:
                raise _Unshared(f"the escape at position {at} needs {size} hex digits")
            self.at += size
            self.check_code(int(code, 16), at)
            return
        if char in _WHY_ESCAPE:
            why = _WHY_ESCAPE[char] + "write explicit character classes such as [0-9] instead"
        elif char.isdigit():
            why = "is a backreference or an octal escape, which the dialects read differently"
        else:
            why = "is not read alike (or is an error in ECMA-262 with the 'u' flag)"
        raise _Unshared(f"the escape \\{char} at position {at} {why}")

    def check_code(self, code: int, at: int) -> None:
        if 0xD800 <= code <= 0xDFFF or code > 0xFFFF:
            raise _Unshared(
                f"the character at position {at} is outside the Basic Multilingual Plane or a "
                "surrogate: one character in Python, two code units in ECMA-262"
            )

    def char_class(self) -> None:
        at = self.at - 1
        if self.peek() == "^":
            self.take()
        if self.peek() == "]":
            raise _Unshared(
                f"a ']' first in the class at position {at} is a literal in Python and ends an "
                "empty class in ECMA-262; escape it as \\]"
            )
        first = True
        while self.peek() != "]":
            if self.done():
                raise _Unshared(f"the class at position {at} is not closed")
            if self.peek() == "-" and not first and self.peek(1) != "]":
                raise _Unshared(
                    f"a '-' at position {self.at} that is not a range between two characters; "
                    "put it first or last in the class, or escape it as \\-"
                )
            self.class_atom()
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.take()
                self.class_atom()
            first = False
        self.take()

    def class_atom(self) -> None:
        at, char = self.at, self.take()
        if char == "\\":
            self.escape(in_class=True)
            return
        if char == "[":
            raise _Unshared(
                f"a '[' inside the class at position {at} (Python may read a nested set there); "
                "escape it as \\["
            )
        if char in "&~|-" and self.peek() == char:
            raise _Unshared(
                f"{char * 2!r} inside a class at position {at} (set operations in Python's "
                "future and ECMA-262's 'v' flag); escape one of them"
            )
        self.check_code(ord(char), at)


def number_range(low: int, high: int) -> str:
    """A core pattern of the decimal numbers ``low`` to ``high`` (no leading zeros)."""
    parts: list[str] = []
    for size in range(len(str(low)), len(str(high)) + 1):
        first = max(low, 0 if size == 1 else 10 ** (size - 1))
        last = min(high, 10**size - 1)
        if first <= last:
            parts += _same_size(str(first), str(last))
    return _choice(parts)


def _same_size(low: str, high: str) -> list[str]:
    """Alternatives for the digit strings of one length from ``low`` to ``high``."""
    if low == high:
        return [low]
    if len(low) == 1:
        return [_digit_class(low, high)]
    if low[0] == high[0]:
        return [low[0] + _choice(_same_size(low[1:], high[1:]))]
    rest = len(low) - 1
    low_whole, high_whole = low[1:] == "0" * rest, high[1:] == "9" * rest
    parts = [] if low_whole else [low[0] + _choice(_same_size(low[1:], "9" * rest))]
    start = low[0] if low_whole else chr(ord(low[0]) + 1)
    end = high[0] if high_whole else chr(ord(high[0]) - 1)
    if start <= end:
        parts.append(_digit_class(start, end) + ("[0-9]" if rest == 1 else f"[0-9]{{{rest}}}"))
    if not high_whole:
        parts.append(high[0] + _choice(_same_size("0" * rest, high[1:])))
    return parts


def _digit_class(low: str, high: str) -> str:
    return low if low == high else f"[{low}-{high}]"


def _choice(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


def ipv4_network(network: ipaddress.IPv4Network) -> str:
    """A core pattern of the dotted quads in ``network``, as :mod:`ipaddress` writes them."""
    first, last = network.network_address.packed, network.broadcast_address.packed
    return r"\.".join(number_range(low, high) for low, high in zip(first, last, strict=True))
