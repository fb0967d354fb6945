"""Building instances of frozen attrs classes on the hot path, one slot setter per field.

attrs' ``__init__`` of a frozen class sets every field through ``object.__setattr__``, which
looks the slot up by name each time; the slot's own ``__set__`` skips that lookup. For the three
objects every ``create_session`` makes (the ``Response``, the ``SessionRecord`` and the
``Session``) that is about 1.3 µs less per call, measured with ``timeit``: a few percent of a
request in ``benchmarks/bench_async.py``, where the library's work is the only difference.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["slot_setter", "slot_setters"]


def slot_setters(cls: type) -> tuple[Callable[[Any, Any], None], ...]:
    """The setters of the slots of ``cls``'s fields, in field order.

    An instance built with them (``object.__new__(cls)``, then each setter) equals the one
    ``cls(*values)`` makes, but only when ``__init__`` does nothing beyond setting the fields:

    :raises TypeError: ``cls`` is not a slotted attrs class, or its ``__init__`` would also
        run a validator, a converter or an ``__attrs_post_init__`` / ``__attrs_pre_init__``.
    """
    fields = attrs.fields(cls)
    if (
        "__slots__" not in cls.__dict__
        or hasattr(cls, "__attrs_pre_init__")
        or hasattr(cls, "__attrs_post_init__")
        or any(field.validator is not None or field.converter is not None for field in fields)
    ):
        raise TypeError(
            f"{cls.__name__}.__init__ does more than set slots; build it with {cls.__name__}()"
        )
    return tuple(cls.__dict__[field.name].__set__ for field in fields)


def slot_setter(cls: type, name: str) -> Callable[[Any, Any], None]:
    """The setter of the slot of ``cls``'s field ``name``, whatever its ``__init__`` does.

    For code that has already checked the value itself (a compiled pass's end, a spec whose
    rules proved the types): the slot's own descriptor is what a frozen attrs class's
    ``__init__`` ends up calling, without the class's ``__setattr__`` refusal, its converters
    and its validators.
    """
    setter: Callable[[Any, Any], None] = cls.__dict__[name].__set__
    return setter
