"""Text for a terminal: what the command line prints never holds a control sequence it was given.

An options file, a policy file, a service's answer or a path may hold characters a terminal
obeys: ``ESC ] 0 ; ... BEL`` sets the window's title, ``ESC [ 2 J`` clears the screen, a
carriage return overwrites the line. Every human-readable line goes through :func:`escaped`,
which writes each C0 and C1 control character (and DEL) as a ``\\xNN`` escape, so it is shown,
never obeyed. ``--json`` output is left exact: :func:`json.dumps` escapes them already.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["escaped", "policy_warnings_shown"]

#: C0 controls (ESC among them), DEL and C1 controls, each as the escape that writes it.
_CONTROLS = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}


def escaped(text: object) -> str:
    """``text`` (made a ``str``) with every control character written as ``\\xNN``."""
    return str(text).translate(_CONTROLS)


class _StderrLines(logging.Handler):
    """Each record as one line ``opentok-rules: warning: ...`` on the current stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = escaped(record.getMessage())
            print(f"opentok-rules: warning: {line}", file=sys.stderr)
        except Exception:  # pragma: no cover - logging must not end the command
            self.handleError(record)


@contextmanager
def policy_warnings_shown() -> Iterator[None]:
    """While the command runs, what the policy loader logs (a policy file skipped, and why)
    is shown on stderr as the command's own warnings, escaped."""
    logger = logging.getLogger("opentok_rules.policy")
    handler = _StderrLines(logging.WARNING)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
