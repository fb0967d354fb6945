"""``Secret``: a credential that never shows itself in a repr, a message or a traceback.

Error reporters (Sentry and the like, ``traceback.TracebackException(capture_locals=True)``)
record every frame's local variables with ``repr``. A plain ``str`` secret in any frame on the
path of an exception is therefore a leak. Code holds a :class:`Secret` instead and unwraps it
with :meth:`Secret.reveal` only in the expression that signs.
"""

from __future__ import annotations

from typing import Any, Generic, NoReturn, TypeVar

__all__ = ["Secret"]

T = TypeVar("T")


class Secret(Generic[T]):
    """Holds a secret value (``str``, ``bytes`` or a key object); shows only ``<redacted>``.

    Two secrets compare equal when their values do, in constant time for text and bytes, so a
    secret can be compared without unwrapping it; it is not hashable, and it cannot be pickled
    (a pickle would carry the value in the clear).
    """

    __slots__ = ("_value",)

    def __init__(self, value: T) -> None:
        object.__setattr__(self, "_value", value)

    def reveal(self) -> T:
        """The value itself: call this only in the expression that uses it."""
        value: T = object.__getattribute__(self, "_value")
        return value

    def __repr__(self) -> str:
        return "Secret('<redacted>')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        mine, theirs = self.reveal(), other.reveal()
        if isinstance(mine, (str, bytes)) and type(mine) is type(theirs):
            import hmac

            left = mine.encode("utf-8") if isinstance(mine, str) else mine
            right = theirs.encode("utf-8") if isinstance(theirs, str) else theirs
            return hmac.compare_digest(left, right)
        return bool(mine is theirs)

    __hash__ = None  # type: ignore[assignment]

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError("a Secret cannot be changed")

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled: the pickle would hold it in the clear")
