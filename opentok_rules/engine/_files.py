"""What a policy loader asks of a file before reading it: is it one, and whose is it.

:func:`unusable` says why a path cannot be read as a policy file (it does not exist, it is a
folder, a named pipe, a device, a symbolic link loop, a path no system takes), so a loader can
say so instead of raising whatever :mod:`os` raised, or hanging on a pipe.

:func:`distrusted` says why a policy file that :func:`~opentok_rules.find_policy` came across
is not to be used unasked: as git does since CVE-2022-24765, a file found by walking up from
the working directory may have been put there by someone else (a shared ``/tmp``, a parent
folder of another user), and a policy decides what is accepted and runs patterns on what
callers type. A file, or the folder that holds it, owned by another user than the caller or
root, or writable by its group or by others, is not used; naming it (``--policy PATH``,
``load_policy(path)``) trusts it.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

__all__ = ["MAX_NESTING", "distrusted", "nesting", "read_regular", "unusable"]

_KINDS = (
    (stat.S_ISDIR, "is a folder, not a policy file"),
    (stat.S_ISFIFO, "is a named pipe (FIFO), not a policy file"),
    (stat.S_ISCHR, "is a character device, not a policy file"),
    (stat.S_ISBLK, "is a block device, not a policy file"),
    (stat.S_ISSOCK, "is a socket, not a policy file"),
)

_ERRNO = {
    errno.ENOENT: "does not exist",
    errno.ENOTDIR: "does not exist (a part of the path before it is not a folder)",
    errno.ELOOP: "is a loop of symbolic links",
    errno.ENAMETOOLONG: "is a path too long for the system",
    errno.EACCES: "cannot be read: permission denied",
}


def unusable(path: Path) -> str | None:
    """Why ``path`` cannot be read as a policy file, or ``None`` when it is a regular file
    (after symbolic links). Never raises."""
    try:
        found = os.stat(path)
    except ValueError:
        return "holds a NUL character, which no path can hold"
    except OSError as exc:
        return _ERRNO.get(exc.errno or 0, f"cannot be read: {exc.strerror or exc}")
    if stat.S_ISREG(found.st_mode):
        return None
    for test, words in _KINDS:
        if test(found.st_mode):
            return words
    return "is not a regular file"  # pragma: no cover - every kind of file is listed above


def read_regular(path: Path) -> bytes:
    """The bytes of the regular file ``path``.

    Opened without blocking and examined once open, so a file swapped for a named pipe after
    :func:`unusable` looked at it is refused, not waited on for ever.

    :raises OSError: it cannot be opened or read.
    :raises ValueError: it is not a regular file (the message says what it is).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            what = next((words for test, words in _KINDS if test(mode)), "is not a regular file")
            raise ValueError(what)
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _caller() -> int | None:
    """The effective user id of this process; ``None`` where there are no POSIX owners."""
    geteuid = getattr(os, "geteuid", None)
    return None if geteuid is None else int(geteuid())


def distrusted(path: Path) -> str | None:
    """Why the policy file ``path`` is not to be used unasked, or ``None`` when it may be.

    Not trusted: the file or its folder is owned by a user other than the caller and root, or
    is writable by its group or by others. Where there are no POSIX owners (Windows), every
    file is trusted. Never raises: a file that cannot be examined is not trusted.
    """
    me = _caller()
    if me is None:  # pragma: no cover - Windows
        return None
    for each, what in ((path, "the file"), (path.parent, "its folder")):
        try:
            found = os.stat(each)
        except (OSError, ValueError) as exc:
            return f"{what} cannot be examined ({exc})"
        if found.st_uid not in (me, 0):
            return f"{what} belongs to another user (uid {found.st_uid}; you are uid {me})"
        writable = [
            who
            for who, bit in (("its group", stat.S_IWGRP), ("others", stat.S_IWOTH))
            if found.st_mode & bit
        ]
        if writable:
            return f"{what} may be written by {' and '.join(writable)}"
    return None


#: The deepest nesting of arrays and inline tables a policy file may hold. A policy needs three
#: or four levels; a parser that recurses per level must never be given thousands.
MAX_NESTING = 100

# What changes the nesting in TOML text: brackets and braces, and what may hide them (strings,
# comments). Multi-line string delimiters first, so that '"""' is not read as three strings.
_TOKENS = re.compile(r"\"\"\"|'''|[\[\]{}\"'#]")
# Where each kind of string (or a comment) ends, from just after its opening delimiter. Each
# is unambiguous (one way to read any text), so matching takes time linear in the text; a
# one-line string ends at the line's end at the latest (it is an error there anyway).
_ENDS = {
    '"': re.compile(r'(?:[^"\\\n]|\\.)*(?:"|\n|$)', re.DOTALL),
    "'": re.compile(r"[^'\n]*(?:'|\n|$)"),
    '"""': re.compile(r'(?:[^"\\]|\\.|"(?!""))*(?:"""|$)', re.DOTALL),
    "'''": re.compile(r"(?:[^']|'(?!''))*(?:'''|$)"),
    "#": re.compile(r"[^\n]*"),
}


def nesting(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` in TOML ``text``, outside strings and comments.

    A cheap reading (no parse) that counts a table header's ``[[`` as two levels; made to
    refuse text nested too deeply before a recursive parser sees it. Linear in the text.
    """
    depth = deepest = at = 0
    while True:
        found = _TOKENS.search(text, at)
        if found is None:
            return deepest
        token, at = found[0], found.end()
        if token in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in ("]", "}"):
            depth = max(depth - 1, 0)
        else:
            end = _ENDS[token].match(text, at)
            at = end.end() if end is not None else len(text)
