"""``prepare_session``: raw options in; a ``SessionSpec`` and REST params out, or all violations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

import attrs

from opentok_rules.engine.outcome import Outcome, outcome_of
from opentok_rules.engine.registry import MEMO_SIZE, RuleRegistry, Snapshot
from opentok_rules.engine.shared import MAX_KEYS as MAX_KEYS  # where the bound was first defined
from opentok_rules.engine.shared import (
    read_options,
    spec_after_rules,
    spec_from,
    unreadable,
)
from opentok_rules.errors import ValidationError, Violation
from opentok_rules.operations.session.spec import SessionSpec, unchecked_spec
from opentok_rules.values import ArchiveMode, MediaMode

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from opentok_rules.engine.compiler import CompiledPass, Operation
    from opentok_rules.options import SessionOptions

__all__ = [
    "PreparedSession",
    "compiled_source",
    "prepare_session",
    "prepare_session_from",
    "session_outcome",
]

# The registry used when the caller gives none, made on first use (``import opentok_rules``
# builds no rules and reads no policy data). Private, so nobody can edit it; building a fresh
# one per call would cost more than the rules themselves.
_DEFAULT_RULES: RuleRegistry | None = None


def _default_rules() -> RuleRegistry:
    """The registry used when the caller gives none, made now if it was not yet."""
    global _DEFAULT_RULES
    if _DEFAULT_RULES is None:
        # Here, not at the top: the library's rules are policy data, and the policy loader
        # (and TOML) is loaded only when they are first needed.
        from opentok_rules.operations.library import default_rules

        _DEFAULT_RULES = default_rules()  # threads racing here each make an equal one
    return _DEFAULT_RULES


_SPEC_FIELDS = tuple(field.name for field in attrs.fields(SessionSpec))


#: What the compiled pass and the registry's loop make of options: the spec, and the findings
#: of "warn" rules (usually none).
_Pair: TypeAlias = "tuple[SessionSpec, tuple[Violation, ...]]"


@attrs.frozen
class PreparedSession:
    """The outcome of :func:`prepare_session`: ``params == spec.to_params()``.

    ``warnings`` holds what rules of severity ``"warn"`` found (empty when none): the options
    were let through all the same.
    """

    spec: SessionSpec
    params: dict[str, str]
    warnings: tuple[Violation, ...] = ()


class _PreparedMaker(PreparedSession):
    """Makes :class:`PreparedSession` instances for the memo's answers, as the compiled pass
    makes its own (see ``engine.compiler._maker``): its slots take plain assignment (no
    frozen ``__setattr__``), then the instance becomes a PreparedSession (the same layout)."""

    __slots__ = ()
    __setattr__ = object.__setattr__
    __delattr__ = object.__delattr__
    __init__ = object.__init__


def _prepared(
    spec: SessionSpec, params: dict[str, str], warnings: tuple[Violation, ...]
) -> PreparedSession:
    """``PreparedSession(spec, params, warnings)`` without attrs' ``__init__`` (a call into
    Python from C, and a descriptor call per field): it has no converter and no validator."""
    made: Any = _PreparedMaker()
    made.spec = spec
    made.params = params
    made.warnings = warnings
    made.__class__ = PreparedSession
    return made  # type: ignore[no-any-return]


def prepare_session(
    options: Mapping[str, Any] | SessionSpec | None = None,
    /,
    *,
    rules: RuleRegistry | None = None,
    **kwargs: Unpack[SessionOptions],
) -> PreparedSession:
    """Run the rules over the options and return the normalized spec and its REST params.

    ``options`` is a mapping (or a :class:`SessionSpec`, checked again); keyword arguments are
    merged over it. ``rules`` defaults to :func:`~opentok_rules.default_rules`. Raises
    :class:`~opentok_rules.ValidationError` listing every violation of a ``"deny"`` rule, in
    registry order; what ``"warn"`` rules find is in the result's ``warnings``.
    """
    # The pass in this frame (the hot path): a refusal is raised from here, the only frame
    # its traceback holds. kwargs is a SessionOptions TypedDict to callers, a plain dict here.
    registry = _DEFAULT_RULES if rules is None else rules
    if registry is None:
        registry = _default_rules()
    # One snapshot of the registry for the whole call: the rules, what is remembered about
    # them and their compiled pass belong together; an edit replaces them in one step.
    state = registry._state
    compiled = state.compiled
    if compiled is None:
        # The registry compiled into one function (see engine.compiler): made on first use,
        # made again after an edit.
        compiled = _compiled_for(state)
    working: dict[str, Any]
    if options is None:
        working = kwargs  # type: ignore[assignment]  # already a fresh dict, ours to normalize
    elif type(options) is dict and not kwargs:
        # The caller's dict as it is to a pass that only reads it (see engine.input_use).
        working = options if compiled.keeps_input else options.copy()
    else:
        working = _working_options(options, kwargs)  # type: ignore[arg-type]
    result: Any = None
    key = None
    if state.memo is not None:
        if state.memo_pause <= 0:
            # Taken before the pass: a pass may normalize the dict it works on.
            key = _memo_key(working)
            if key is not None:
                result = _remembered(state, key)
            else:
                _missed(state)  # options that cannot be remembered count against the memo
        else:  # paused (see MEMO_TRIAL): threads may race it below zero, never stuck
            state.memo_pause -= 1
    if result is None:
        try:
            # The refusal of "deny" violations is returned, not raised (see the compiler).
            result = compiled.function(working, True, True)
        except ValidationError:
            raise  # the spec's own checks (see _finish)
        except Exception as exc:
            if _all_plain_keys(options, working):
                raise  # a rule failed: its bug
            raise _broken_key(exc) from exc
        if key is not None:
            _remember(state, key, result)
    if result.__class__ is not ValidationError:
        return result  # type: ignore[no-any-return]  # the compiled pass is built by exec
    try:
        raise result
    finally:
        # The frame the traceback holds must not hold the error too: that would be a
        # reference cycle per refusal, left for the garbage collector.
        del result


def prepare_session_from(
    options: Mapping[str, Any] | SessionSpec | None,
    rules: RuleRegistry | None,
    kwargs: dict[str, Any],
) -> PreparedSession:
    """:func:`~opentok_rules.prepare_session` for a caller that holds the keyword options in a
    dict: the clients' entry point (they log the warnings themselves).

    ``kwargs`` are merged over ``options``; a key named ``rules`` among them is an option like
    any other (refused or dropped as unknown), not the registry. Raises
    :class:`~opentok_rules.ValidationError` as :func:`~opentok_rules.prepare_session` does.
    """
    if kwargs:
        options = _working_options(options, kwargs)
    return prepare_session(options, rules=rules)


def session_outcome(
    options: Mapping[str, Any] | SessionSpec | None,
    rules: RuleRegistry | None,
    kwargs: dict[str, Any],
) -> Outcome[SessionSpec]:
    """The spec :func:`~opentok_rules.prepare_session` makes and what ``"warn"`` rules
    found, in an :class:`~opentok_rules.Outcome` (the command line's and a policy's tests'
    entry point; see :func:`prepare_session_from` for ``kwargs``). Options seen before give
    the very same spec again (while the rules remember them).
    """
    prepared = prepare_session_from(options, rules, kwargs)
    return outcome_of(prepared.spec, prepared.warnings)


def _remembered(state: Snapshot, key: tuple[tuple[str, Any], ...]) -> Any:
    """The answer the memo of past outcomes holds for options of this key: a
    :class:`PreparedSession` with a copy of the params it kept (about 80 ns, against 440 for
    ``spec.to_params()``: each caller gets a dict of its own to change), or the
    :class:`ValidationError` of a refusal, for the caller to raise; None when it holds none."""
    remembered: Any = state.memo.get(key)  # type: ignore[union-attr]  # see the caller
    if remembered is None:
        return None
    if remembered.__class__ is _Refused:
        # The same violations again (immutable; their messages made when read), for values
        # of the same types only: "routed" equals MediaMode.ROUTED, and a message shows the
        # value as it was given.
        if remembered.types != tuple([type(value) for _, value in key]):
            return None
        state.memo_hits += 1
        return ValidationError(remembered.violations)
    state.memo_hits += 1
    spec, warnings, params = remembered
    return _prepared(spec, params.copy(), warnings)


def _remember(state: Snapshot, key: tuple[tuple[str, Any], ...], result: Any) -> None:
    """Keep what the compiled pass made of the options of this key (emptied when full)."""
    memo: dict[Any, Any] = state.memo  # type: ignore[assignment]  # see the caller
    if len(memo) >= MEMO_SIZE:
        memo.clear()  # bounded: callers with ever new options must not grow it without end
    _missed(state)
    if result.__class__ is ValidationError:
        # Refusals are remembered too: repeated ones are answered from the memo, and options
        # that never repeat count as misses, so that it pauses (see MEMO_TRIAL) instead of
        # making a key for every refused call.
        memo[key] = _Refused(result.violations, tuple([type(value) for _, value in key]))
    else:
        # The params as a copy: the caller may change the dict it was given.
        memo[key] = (result.spec, result.warnings, result.params.copy())


def _missed(state: Snapshot) -> None:
    """Count a call the memo did not serve; judge the memo every MEMO_TRIAL of them."""
    state.memo_misses += 1
    if state.memo_misses >= MEMO_TRIAL:
        if state.memo_hits * 4 < state.memo_misses:
            state.memo_pause = MEMO_PAUSE  # what it holds stays, for when it is consulted again
        state.memo_hits = state.memo_misses = 0


def _broken_key(exc: Exception) -> ValidationError:
    """The refusal of options whose names are not all plain strs when a rule raised ``exc``:
    such a key may break a rule through its own __eq__ or __hash__, and that is the caller's
    input (with plain str names only, the rule's failure is its own bug, raised as it is)."""
    return _unreadable("an option name that is not a str broke a rule", exc)


def compiled_source(rules: RuleRegistry | None = None) -> str:
    """The Python source ``prepare_session`` runs for ``rules`` (default: the default rules).

    For reading and debugging: the registry compiled into one function (compiled now if it
    was not yet), the same text a traceback through it shows. See :doc:`/performance`.
    """
    registry = _default_rules() if rules is None else rules
    if not isinstance(registry, RuleRegistry):
        raise TypeError(f"rules must be a RuleRegistry, not {type(registry).__name__}")
    state = registry._state
    compiled: CompiledPass | None = state.compiled
    if compiled is None:
        compiled = _compiled_for(state)
    return compiled.source


def _compiled_for(state: Snapshot) -> CompiledPass:
    """The compiled pass of one snapshot of a registry, compiling it now (the compiler is
    imported then); what the snapshot remembers is worked out with it."""
    from opentok_rules.engine.compiler import compile_rules

    state.derive()
    compiled: CompiledPass = compile_rules(state.rules, _ends(), state.ids)
    state.compiled = compiled
    return compiled


def _ends() -> Operation:
    """The session's pass as the compiler sees it (see operations.session.compiled): its own end,
    and the pipeline's last step (_finish) where that end may not build the spec itself."""
    from opentok_rules.operations.session.compiled import session_operation

    return session_operation(_finish, PreparedSession)


def _interpreted(working: dict[str, Any], registry: RuleRegistry) -> _Pair:
    """What the compiled pass does, by the registry's own loop (the reference it is held to)."""
    build = unchecked_spec if registry._spec_guaranteed else _checked_spec
    return spec_after_rules(registry, working, build, "session", "SessionSpec")


def _finish(working: dict[str, Any]) -> SessionSpec:
    """The spec of the options as the rules left them, checked by SessionSpec, or the
    ValidationError saying why not: the compiled pass's last step where it may not build the
    spec itself (see RuleRegistry._spec_guaranteed)."""
    return spec_from(working, _checked_spec, "session", "SessionSpec")


def _checked_spec(working: dict[str, Any]) -> SessionSpec:
    """The spec of what rules of yours let through, checked: the last line of defence.

    Other keys, or values of types a SessionSpec cannot hold, raise TypeError, which
    spec_after_rules turns into a session-spec violation.
    """
    try:
        return SessionSpec(**working)
    except ValidationError as exc:
        # The spec refused values or a combination the service would refuse: say so, with
        # what is wrong, as violations of session-spec.
        raise ValidationError(
            Violation(
                v.rule, v.field, f"the rules let through options the service refuses: {v.message}"
            )
            for v in exc.violations
        ) from None


def _all_plain_keys(options: object, working: dict[str, Any]) -> bool:
    """Whether every option name given is a plain str: the caller's dict is as it was given,
    and a key a rule choked on is still in the working copy (iterating reads no __eq__)."""
    given = options if type(options) is dict else {}
    return all(type(key) is str for key in [*given, *working])


#: Option values a memo key may hold, by exact type: their equality and hash can be trusted
#: (a subclass can lie through __eq__ and __hash__ and find another value's spec). No int or
#: float: ``True == 1 == 1.0``, but the rules refuse ``e2ee=1``, so a spec let through for
#: ``True`` must not be found for ``1``. A str equals its member of MediaMode or ArchiveMode,
#: and the rules make the same spec of either.
_MEMO_VALUE_TYPES = frozenset({str, bool, type(None), MediaMode, ArchiveMode})


#: The memo is judged every MEMO_TRIAL misses: when it served fewer than one call in five
#: since it was last judged, it is not consulted for the next MEMO_PAUSE calls. With the
#: compiled pass, a miss (making the key, looking it up, storing the outcome) costs about a
#: third of the pass and a hit saves about two thirds of it, so a memo that serves fewer than
#: one call in five costs more than it saves. Options that never repeat (an archive name per
#: session, say) then pay a counter, and a trial of 64 misses every 4,096 calls (about 1 %);
#: options that start to repeat are served again within 4,096 calls.
MEMO_TRIAL = 64
MEMO_PAUSE = 16 * MEMO_SIZE


class _Refused:
    """A refusal remembered in the memo: the violations its ValidationError listed."""

    __slots__ = ("types", "violations")

    def __init__(self, violations: tuple[Violation, ...], types: tuple[type, ...]) -> None:
        self.violations = violations
        #: The types of the options' values: a refusal is served again only for the same.
        self.types = types


def _memo_key(working: dict[str, Any]) -> tuple[tuple[str, Any], ...] | None:
    """The options as a memo key; None when one of them is not a plain value."""
    key = tuple(working.items())
    # A loop over the pairs: for the two or three options of a usual call it costs half of
    # frozenset.issuperset(map(type, ...)), which builds a set of the types first.
    for name, value in key:
        if type(name) is not str or type(value) not in _MEMO_VALUE_TYPES:
            return None
    return key


#: Most keys read from a mapping that is not a plain dict: six are options, and a mapping may
#: be a lazy view of something huge or endless. A plain dict is already in memory, read whole.


def _working_options(
    options: Mapping[str, Any] | SessionSpec | None, kwargs: dict[str, Any]
) -> dict[str, Any]:
    if options is None:
        return kwargs
    if isinstance(options, SessionSpec):
        working = {name: getattr(options, name) for name in _SPEC_FIELDS}
    elif type(options) is dict:
        working = options.copy()
    elif isinstance(options, Mapping):
        working = read_options(options, _OPTIONS_ID, " (there are six session options)")
    else:
        raise TypeError(
            f"options must be a mapping or a SessionSpec, not {type(options).__name__}; "
            "pass keyword arguments or a dict such as {'media_mode': 'routed'}"
        )
    if kwargs:
        working.update(kwargs)
    return working


_OPTIONS_ID = "session-options"


def _unreadable(what: str, exc: Exception) -> ValidationError:
    return unreadable(_OPTIONS_ID, what, exc)
