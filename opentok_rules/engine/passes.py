"""``run_pass``: an operation's compiled pass over its options, the one way archives and
tokens run theirs (the session's pipeline writes the same steps out in its hot path).

The compiler is imported when a registry's first pass is compiled, never at import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from opentok_rules.engine.registry import Options, RuleRegistry
from opentok_rules.errors import ValidationError

if TYPE_CHECKING:
    from opentok_rules.engine.compiler import Operation

__all__ = ["run_keyed_pass", "run_pass"]


def run_pass(
    registry: RuleRegistry,
    operation: Callable[[], Operation],
    name: str,
    working: Options,
    answer: bool,
) -> Any:
    """The compiled pass named ``name`` of ``registry``'s current snapshot over ``working``
    (compiled from ``operation()`` on first use, the compiler imported then; an edit of the
    registry replaces it): the operation's answer, or its outcome when not ``answer``.

    :raises ~opentok_rules.ValidationError: the "deny" violations, which the pass returns
        instead of raising; raised from here without this frame holding the error (a
        reference cycle per refusal otherwise, left for the garbage collector).
    """
    compiled = registry._state.passes.get(name)
    if compiled is None:
        from opentok_rules.engine.compiler import compiled_pass

        compiled = compiled_pass(registry, operation())
    result = compiled.function(working, answer, True)
    if result.__class__ is not ValidationError:
        return result
    try:
        raise result
    finally:
        del result


def run_keyed_pass(
    registry: RuleRegistry,
    operation: Callable[[], Operation],
    name: str,
    working: Options,
    answer: bool,
) -> Any:
    """:func:`run_pass` through the pass specialized to ``working``'s keys (see
    :func:`~opentok_rules.engine.compiler.keyed_pass`): the same answer, outcome or refusal,
    with less work for the options the call does not give.

    :raises ~opentok_rules.ValidationError: as :func:`run_pass` does.
    """
    compiled = registry._state.passes.get(name)
    function = None
    if compiled is not None:
        try:
            function = compiled.keyed.get(tuple(working))
        except Exception:  # a key whose hash fails: keyed_pass gives the general pass
            function = None
    if function is None:
        from opentok_rules.engine.compiler import keyed_pass

        function = keyed_pass(registry, operation(), working)
    result = function(working, answer, True)
    if result.__class__ is not ValidationError:
        return result
    try:
        raise result
    finally:
        del result
