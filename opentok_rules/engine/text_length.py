"""``TextLengthRule``: the base of the library's text options' length rules
(``archive-name-length``, ``token-data-length``), a coded kind of its own module so the
pipeline's shared steps (:mod:`~opentok_rules.engine.shared`) need not load the kinds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import attrs

from opentok_rules._messages import shown
from opentok_rules.engine.kinds import LibraryRule
from opentok_rules.engine.registry import Options
from opentok_rules.errors import Violation
from opentok_rules.values import plain_str, utf8_encodable

__all__ = ["TextLengthRule"]


@attrs.frozen(kw_only=True, repr=False)
class TextLengthRule(LibraryRule):
    """A text option, when given, is a ``str`` of at most :attr:`most` characters.

    The base of ``archive-name-length`` and ``token-data-length``: a subclass names the option
    and its limit. The characters judged are the ones that will be sent
    (:func:`~opentok_rules.values.plain_str`), whatever a ``str`` subclass's ``__len__`` says,
    and they must be writable as UTF-8.
    """

    key: ClassVar[str]
    #: The most characters the option may hold.
    most: ClassVar[int]
    #: How the wrong-type message names the option.
    label: ClassVar[str]
    #: What follows "KEY is N characters long; " in the message for a text that is too long.
    too_long: ClassVar[str]
    #: Whether an empty text means "not given" (it is then removed, and nothing is sent).
    empty_means_none: ClassVar[bool] = False

    def _judge(self, options: Options) -> Sequence[Violation]:
        key = self.key
        value = options.get(key)
        if value is None or (
            value.__class__ is str
            and (value or not self.empty_means_none)
            and len(value) <= self.most
            and (value.isascii() or utf8_encodable(value))
        ):
            return ()
        if not isinstance(value, str):
            return (Violation.deferred(self.id, key, _not_text, self.label, value),)
        if type(value) is not str:
            # Measure the characters that will be sent, not what a subclass's __len__ says.
            value = options[key] = plain_str(value)
        if not value and self.empty_means_none:
            options[key] = None
            return ()
        if len(value) > self.most:
            return (Violation.deferred(self.id, key, _too_long, key, len(value), self.too_long),)
        if not utf8_encodable(value):
            return (Violation.deferred(self.id, key, _lone_surrogate, key),)
        return ()


def _not_text(label: str, value: object) -> str:
    return f"{label} must be a str; got {shown(value)}"


def _too_long(key: str, length: int, too_long: str) -> str:
    return f"{key} is {length} characters long; {too_long}"


def _lone_surrogate(key: str) -> str:
    return (
        f"{key} holds a lone surrogate (such as '\\ud800'), which cannot be sent as UTF-8; "
        "pass real text"
    )
