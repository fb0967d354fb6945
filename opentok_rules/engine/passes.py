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

__all__ = ["run_pass"]


def run_pass(
    registry: RuleRegistry,
    operation: Callable[[], Operation],
    name: str,
    working: Options,
    answer: bool,
    *,
    keyed: bool = False,
) -> Any:
    """The compiled pass named ``name`` of ``registry``'s current snapshot over ``working``
    (compiled from ``operation()`` on first use, the compiler imported then; an edit of the
    registry replaces it): the operation's answer, or its outcome when not ``answer``.

    With ``keyed``, through the pass specialized to ``working``'s keys (see
    :func:`~opentok_rules.engine.compiler.keyed_pass`): the same answer, outcome or refusal,
    with less work for the options the call does not give.

    :raises ~opentok_rules.ValidationError: the "deny" violations, which the pass returns
        instead of raising; raised from here without this frame holding the error (a
        reference cycle per refusal otherwise, left for the garbage collector).
    """
    function = _compiled_already(registry, name, working, keyed)
    if function is None:
        from opentok_rules.engine.compiler import compiled_pass, keyed_pass

        if keyed:
            function = keyed_pass(registry, operation(), working)
        else:
            function = compiled_pass(registry, operation()).function
    result = function(working, answer, True)
    if result.__class__ is not ValidationError:
        return result
    try:
        raise result
    finally:
        del result


def _compiled_already(
    registry: RuleRegistry, name: str, working: Options, keyed: bool
) -> Callable[..., Any] | None:
    """The pass the snapshot already holds for this call, or None (compile or choose it)."""
    compiled = registry._state.passes.get(name)
    if compiled is None:
        return None
    if not keyed:
        return compiled.function  # type: ignore[no-any-return]
    try:
        return compiled.keyed.get(tuple(working))  # type: ignore[no-any-return]
    except Exception:  # a key whose hash fails: keyed_pass gives the general pass
        return None
