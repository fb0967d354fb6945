"""Pieces of violation messages shared by the session and the token rules."""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Sequence

__all__ = ["closest_hint", "closest_value", "short_repr", "shown"]


class _Repr(reprlib.Repr):
    """Bounds the work as well as the text: a million-item list is not rendered in full."""

    def repr_int(self, x: int, level: int) -> str:
        # repr() of an int of over 4300 digits raises ValueError; huge ints are described.
        if x.bit_length() > 128:
            return f"<int of {x.bit_length()} bits>"
        return super().repr_int(x, level)


_REPR = _Repr()
_REPR.maxstring = _REPR.maxother = 40
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 4


#: Exact types whose builtin repr is what reprlib gives when it is at most 40 characters long
#: (reprlib cuts only longer ones), as are a str and an int of at most 64 bits: refused values
#: are mostly these, and reprlib's dispatch by type name costs more than the repr itself.
_PLAIN_REPR = frozenset({bool, type(None), float})


def short_repr(value: object) -> str:
    """A repr of at most about 40 characters; never raises."""
    kind = value.__class__
    if (kind is str and len(value) <= _REPR.maxstring) or (  # type: ignore[arg-type]
        kind in _PLAIN_REPR or (kind is int and -(2**64) < value < 2**64)  # type: ignore[operator]
    ):
        text = repr(value)
        if len(text) <= _REPR.maxstring:
            return text
    try:
        return _REPR.repr(value)
    except Exception:  # a user's __repr__ may raise anything; the message must not
        return "<unprintable>"


def shown(value: object) -> str:
    """A short rendering of a user's value for a message, with its type; never raises."""
    return f"{short_repr(value)} ({type(value).__name__})"


def closest_hint(name: str, valid: Sequence[str]) -> str:
    """``did you mean 'x'?`` for a misspelt option name, else the list of valid names."""
    close = difflib.get_close_matches(name, valid, n=1)
    return f"did you mean {close[0]!r}?" if close else f"the options are {', '.join(valid)}."


def closest_value(text: str, valid: Sequence[str]) -> str | None:
    """The one of ``valid`` that ``text`` most likely meant (case and spelling), else None."""
    folded = {each.casefold(): each for each in valid}
    found = folded.get(text.strip().casefold())
    if found is not None:
        return found
    close = difflib.get_close_matches(text.strip().casefold(), list(folded), n=1)
    return folded[close[0]] if close else None
