"""Flags that take one of a few values, read exactly as written.

``--media-mode ROUTED`` is a usage error naming ``routed``, not a routed session: the library
reads ``{"media_mode": "ROUTED"}`` as relayed, and the command line must not decide the same
words differently. Options from a file or standard input go to the library as they are.
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Callable, Sequence

__all__ = ["exact_choice"]


def exact_choice(values: Sequence[str]) -> Callable[[str], str]:
    """An argparse ``type`` accepting exactly one of ``values``; otherwise an error naming the
    closest value and all of them."""
    valid = tuple(values)

    def read(text: str) -> str:
        if text in valid:
            return text
        listed = ", ".join(valid)
        folded = [each for each in valid if each.casefold() == text.strip().casefold()]
        close = folded or difflib.get_close_matches(text.lower(), valid, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise argparse.ArgumentTypeError(
            f"invalid choice: {text!r}{hint} (choose from {listed}, as written)"
        )

    read.__name__ = "choice"  # argparse names the type in some messages
    return read
