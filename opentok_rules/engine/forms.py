"""Which forms a rule's class gives: its compiled form (for the compiler) and its JSON Schema
form (for the schema), each made of the methods named here.

Below the kinds, the compiler and the schema alike, so each asks the rule the same question
without importing the others.
"""

from __future__ import annotations

__all__ = ["COMPILED_FORM", "SCHEMA_FORM", "has_form"]

#: The methods in which a rule decides in code.
_DECIDERS = ("apply", "_problems", "_judge", "_canonical")
#: The parts of each form: a class defining one of them gives (or shapes) that form.
COMPILED_FORM = ("inline", "_inline_holds")
SCHEMA_FORM = ("schema_part", "_said")


def has_form(rule: object, parts: tuple[str, ...]) -> bool:
    """Whether ``rule``'s class gives the form made of ``parts``.

    A form says what its own class decides: it is used for a rule of exactly that class (a
    subclass may decide anything, and is called as any rule of yours), and for a subclass of
    a class whose forms hold for its subclasses (``FORMS_FOR_SUBCLASSES``, as
    :class:`~opentok_rules.kinds.ValueKind`'s, made from ``holds`` and ``json_schema``) that
    decides nothing itself (defines none of ``apply``, ``_problems``, ``_judge`` and
    ``_canonical``).
    """
    if not getattr(rule, "forms_hold", True):
        return False
    for cls in type(rule).__mro__:
        own = vars(cls)
        if any(part in own for part in parts):
            return cls is type(rule) or bool(own.get("FORMS_FOR_SUBCLASSES", False))
        if any(name in own for name in _DECIDERS):
            return False
    return False
