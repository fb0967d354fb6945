"""Compile a registry into one generated Python function for the whole pass of an operation.

The registry's own loop (:meth:`RuleRegistry.apply`) calls every rule through its ``apply``
method on a dict: a method call, a dict lookup per option read and a dict store per option
written, a tuple returned and inspected, rule after rule. The compiled pass does the same work
as straight-line code: the operation's options live in local variables, each rule with a
compiled form (every kind of the library's) contributes a few lines that settle the usual
values inline, and the whole pass ends by building the operation's spec or raising the
:class:`~opentok_rules.ValidationError`.

The compiler names no operation. Each one (in ``opentok_rules.operations``: the session's
``session.compiled``, the archive's and the token's ``prepare``) describes its pass in an
:class:`Operation`: the options read into locals, the enum members they may hold, the values
its own rules' forms use, how the spec is built (its ``finish``, or an end of its own such as
the session's, which builds the spec through its slots) and the class of its answer.

Exactness is kept by construction rather than by copying each rule's logic:

* a rule's lines handle only cases where the rule is known to return nothing and to write
  nothing (or one known value): a guard that is *sound*, not complete. Every other case calls
  the rule's own ``apply`` on a small dict of the options it looks at, and reads back what it
  wrote there, so its violations, messages and normalization are its own;
* a rule the compiler does not know (yours, or a subclass of a library rule) is called in
  place, in order, on the working dict, which is brought up to date first (in the same key
  order the registry's loop would have left) and read again after;
* a coded kind whose lines read options the operation does not hold in locals is called in
  place too;
* the spec is built by the operation's own ``finish`` from the dict, with all the spec's
  checks, unless the operation's own end proves it may build it directly (the session's: the
  library's rules unchanged and in order, and the facts gathered while generating agree).

Values (rule ids, messages, sets of allowed values, patterns) enter the generated function as
names in its namespace, never as text in its source. The source is registered with
:mod:`linecache`, so tracebacks through the compiled pass show its lines, and
:func:`~opentok_rules.compiled_source` returns it for reading.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import keyword
import linecache
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import attrs

from opentok_rules.engine.forms import COMPILED_FORM, has_form
from opentok_rules.engine.input_use import keeps_input
from opentok_rules.engine.registry import (
    Options,
    Rule,
    RuleRegistry,
    checked_result,
)
from opentok_rules.engine.shared import NO_WARNINGS, by_severity
from opentok_rules.errors import (
    VIOLATION_SLOTS,
    Deferred,
    ValidationError,
    Violation,
    get_message,
    new_deferred,
)

__all__ = [
    "CompiledPass",
    "Operation",
    "PipelineEnds",
    "Writer",
    "compile_rules",
    "compiled_pass",
    "keyed_pass",
]

#: Builds the operation's spec from the working dict (with every check the spec makes) when
#: the compiled pass does not build it itself: the operation's own last step, passed in.
Finish = Callable[[Options], Any]

#: A compiled pass: the working options in and, as the second argument asks, the outcome
#: ``(spec, warnings)`` (False) or the operation's answer (True) out; or the ValidationError of
#: the "deny" violations raised (returned instead, not raised, when the third argument,
#: ``returning``, is true: the caller raises it itself).
PassFunction = Callable[..., Any]

#: Names the generated code uses itself: an operation's option cannot be a local of these names.
_RESERVED = frozenset(
    {
        "options", "prepared", "returning", "get", "violations", "warnings", "denied",
        "spec", "params", "made", "found", "compiled_pass",
    }
)  # fmt: skip


def _local_names(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    for name in value:  # type: ignore[attr-defined]
        if (
            name.__class__ is not str
            or not name.isidentifier()
            or keyword.iskeyword(name)
            or name.startswith("_")
            or name in _RESERVED
        ):
            raise ValueError(
                f"an operation's local option names must be plain identifiers that do not "
                f"start with '_' and are not one of {sorted(_RESERVED)}; got {name!r}"
            )


def _method_name(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value.__class__ is not str or not value.isidentifier() or keyword.iskeyword(value):
        raise ValueError(f"answer_part must be the name of a method of the spec; got {value!r}")


def _read_only(value: Mapping[str, object]) -> Mapping[str, object]:
    return MappingProxyType(dict(value))


@attrs.frozen(kw_only=True)
class Operation:
    """What the compiler needs to know of one operation's pass (sessions, archives, tokens),
    supplied by the operation's own module: the compiler names none of them.

    The pass reads the options in ``locals`` into local variables of the same names (none at
    all is fine: every option is then read from the dict), runs the rules, and ends with
    ``fast_end`` when it writes an end of its own (it returns False where it cannot), or else
    builds the spec with ``finish(options)`` and, when the caller asks for the answer,
    ``answer(spec, spec.<answer_part>(), warnings)``.
    """

    #: The operation's name, for the generated source's comments.
    name: str
    #: The options held in local variables, in the order they are read.
    locals: tuple[str, ...] = attrs.field(default=(), validator=_local_names)
    #: ``finish(options)``: the spec of the dict as the rules left it, with every check the
    #: spec makes (the operation's own, so a check it learns applies here too); None when
    #: the caller builds the spec itself from the options the pass returns in its place.
    finish: Finish | None = None
    #: The class of the operation's answer, made as ``answer(spec, part, warnings)``; None
    #: when the caller only ever asks for the outcome ``(spec, warnings)``.
    answer: Callable[..., Any] | None = None
    #: The spec's method that makes the answer's second field (``to_params``, ``to_body``).
    answer_part: str = attrs.field(default="to_params", validator=_method_name)
    #: ``by_severity(violations) -> (warnings, denied)``, each in registry order.
    by_severity: Callable[
        [Sequence[Violation]], tuple[tuple[Violation, ...], Sequence[Violation]]
    ] = by_severity
    #: The empty warnings every outcome without any shares.
    no_warnings: tuple[Violation, ...] = NO_WARNINGS
    #: Enum members the options may hold in place of their texts (compared by identity).
    members: tuple[enum.Enum, ...] = ()
    #: Values the operation's own rules' compiled forms use, by the names they use.
    namespace: Mapping[str, object] = attrs.field(factory=dict, converter=_read_only)
    #: Writes the pass's end itself and returns True, or returns False to leave it to
    #: ``finish``: the operation's own end (the session's builds its spec through the slots).
    fast_end: Callable[[Writer], bool] | None = None
    #: Whether callers may hand the pass a dict of their own caller's: then the compiler works
    #: out whether the pass only reads it (CompiledPass.keeps_input; reading the source back
    #: costs several times its compile, so only for the operation that asks).
    shares_input: bool = False
    #: An option callers may hand a specialized pass apart from the dict, as its last
    #: argument (see :mod:`opentok_rules.engine.apart`): the archive's session id.
    apart: str | None = None

    @property
    def local_set(self) -> frozenset[str]:
        """``locals`` as a set."""
        return frozenset(self.locals)


#: The name this description had while it described the session pipeline alone.
PipelineEnds = Operation

# What the compiled pass makes a violation of the rule's own with (see Writer._later): its
# message not made yet, in the slot Violation's own message descriptor reads.
_LATER_NAMES: dict[str, Any] = {"Deferred": Deferred, "new_deferred": new_deferred}
_RAW_MESSAGE = VIOLATION_SLOTS["message"]

# Ids and kinds may appear in the generated source's comments only when they are this plain:
# a comment must never carry a line break, or anything a reader could take for code.
_PLAIN_ID = re.compile(r"[A-Za-z0-9_.:-]{1,80}")


@attrs.frozen
class CompiledPass:
    """A registry compiled: the function, its source, and the file name tracebacks show."""

    function: PassFunction = attrs.field(repr=False)
    source: str = attrs.field(repr=False)
    filename: str
    #: Whether the function only reads the dict it is given (see engine.input_use): a caller
    #: may then hand it a dict of its caller's without copying it first.
    keeps_input: bool = False
    #: The passes specialized to the options a call gives (see :func:`keyed_pass`), by the
    #: tuple of the call's keys (None: seen once) and by their set; filled on use, at most
    #: ``KEYED_LIMIT`` entries.
    keyed: dict[Any, PassFunction | None] = attrs.field(factory=dict, repr=False, eq=False)
    #: The same specialized passes by the tuple of the call's keys without the operation's
    #: ``apart`` option, which the caller hands them as their last argument.
    apart: dict[Any, PassFunction] = attrs.field(factory=dict, repr=False, eq=False)


def compile_rules(
    rules: Sequence[Rule],
    operation: Operation,
    ids: Sequence[str] | None = None,
    given: frozenset[str] | None = None,
    general: PassFunction | None = None,
) -> CompiledPass:
    """Compile ``rules`` (in order) into one function of the working options.

    ``ids`` are the rules' ids as the registry holds them (as they were when each was added);
    by default the rules' own. ``operation`` says what the pass reads into locals and how it
    ends (see :class:`Operation`).

    With ``given`` (some of the operation's locals) the pass is specialized to working dicts
    of exactly those keys: it checks that they are (else it hands the dict to ``general``,
    the general pass of the same rules), the other locals are None from the start, and what
    that decides is folded away (see :mod:`opentok_rules.engine.fold`).
    """
    rules = tuple(rules)
    writer = Writer(rules, operation, None if ids is None else tuple(ids), given)
    source = writer.source()
    if given is not None:
        if general is None or not operation.local_set.issuperset(given):
            raise ValueError("a specialized pass needs the general one and keys among the locals")
        from opentok_rules.engine.fold import fold

        writer.namespace["_general"] = general
        head = (
            f"# The compiled {_shown_id(operation.name)} pass specialized to the options "
            f"{', '.join(sorted(given))}\n# (opentok_rules.engine.compiler.keyed_pass), "
            "folded (opentok_rules.engine.fold).\n"
        )
        source = fold(source, writer.namespace, {"options": given})
        if operation.apart in given:
            from opentok_rules.engine.apart import IN_DICT, take_apart

            writer.namespace["_IN_DICT"] = IN_DICT
            source = take_apart(source, operation.apart)
            head += f"# {operation.apart} may be given apart (opentok_rules.engine.apart).\n"
        source = head + source
    code, filename, keeps = _code_for(
        source, _codes if given is None else _keyed_codes, operation.shares_input
    )
    namespace = dict(writer.namespace)
    exec(code, namespace)  # noqa: S102 - our own generated source; values are namespace names
    function: PassFunction = namespace["compiled_pass"]
    return CompiledPass(function, source, filename, keeps)


def compiled_pass(registry: RuleRegistry, operation: Operation) -> CompiledPass:
    """The compiled pass of ``registry`` for ``operation``, compiled now if it has none since
    its last edit: it lands in the registry's snapshot it is made of, so an edit (which
    replaces the snapshot) applies to the next call."""
    state = registry._state
    passes: dict[str, CompiledPass] = state.passes
    compiled = passes.get(operation.name)
    if compiled is None:
        compiled = passes[operation.name] = compile_rules(state.rules, operation, state.ids)
    return compiled


#: The most passes specialized to key sets (and key tuples leading to them) one compiled pass
#: keeps: the key sets are the caller's (a stranger's), so they must not grow without end.
KEYED_LIMIT = 32
_UNSEEN: Any = object()


def keyed_pass(
    registry: RuleRegistry, operation: Operation, working: Mapping[Any, Any]
) -> PassFunction:
    """The pass for ``working``'s keys: one specialized to exactly these keys (compiled on
    the second call with them, if the registry's snapshot has none yet), or the general pass
    the first time, where the keys are not all plain ``str`` names of the operation's locals,
    or past ``KEYED_LIMIT`` entries.

    What is compiled lands in the snapshot's general pass (:attr:`CompiledPass.keyed`), so
    an edit of the registry (a new snapshot) replaces it for every call that starts after.
    The specialized pass checks the dict's keys itself (its size and each given key's
    presence), so a wrong choice here can cost time, never change a result.
    """
    compiled = compiled_pass(registry, operation)
    general = compiled.function
    table = compiled.keyed
    keys = tuple(working)
    if not all(key.__class__ is str for key in keys):
        return general
    if table.get(keys, _UNSEEN) is _UNSEEN:
        # The first call with these keys: the general pass, the keys noted (a registry made
        # for one call, as some servers make one per request, compiles nothing more).
        if len(table) < KEYED_LIMIT:
            table[keys] = None
        return general
    given = frozenset(keys)
    names = operation.local_set
    if (
        len(given) != len(keys)
        or not names.issuperset(given)
        or len({hash(name) for name in names}) != len(names)
    ):
        function = general
    else:
        found = table.get(given)
        if found is None:
            if len(table) >= KEYED_LIMIT:
                return general
            state = registry._state
            found = compile_rules(state.rules, operation, state.ids, given, general).function
            table[given] = found
        function = found
    if len(table) < KEYED_LIMIT or keys in table:
        table[keys] = function
        if function is not general and operation.apart in given:
            # The caller's own keys, in their order, without the option it hands apart.
            compiled.apart[tuple(key for key in keys if key != operation.apart)] = function
    return function


# ---- compiled code objects, shared by equal sources -------------------------------------------

# The source names no value, so registries of the same shape (a policy's rules with other
# strings, the default rules made afresh per request) share one code object and one linecache
# entry. Bounded: a process that makes ever new shapes must not grow this without end.
_CODE_CACHE_SIZE = 64
_codes: dict[str, tuple[Any, str, bool]] = {}
#: The specialized passes' own (see keyed_pass): their key sets are the callers', so they must
#: not crowd the general passes out.
_keyed_codes: dict[str, tuple[Any, str, bool]] = {}
_codes_lock = threading.Lock()


def _code_for(
    source: str, codes: dict[str, tuple[Any, str, bool]] | None = None, shared: bool = False
) -> tuple[Any, str, bool]:
    """The code object of ``source``, its file name, and whether it keeps its input (worked
    out when callers may share it, ``shared``; else False). A source names its operation, so
    a cached entry was made with the same ``shared``."""
    if codes is None:
        codes = _codes
    with _codes_lock:
        found = codes.get(source)
        if found is not None:
            _register(source, found[1])  # again: linecache.clearcache() may have dropped it
            return found
        digest = hashlib.sha1(source.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]
        filename = f"<opentok_rules compiled pass {digest}>"
        made = (compile(source, filename, "exec"), filename, shared and keeps_input(source))
        if len(codes) >= _CODE_CACHE_SIZE:
            # Their linecache entries go too, or they would grow without end: a traceback
            # through a pass compiled before this shows no source line, nothing worse.
            for _, old, _ in codes.values():
                linecache.cache.pop(old, None)
            codes.clear()
        codes[source] = made
        _register(source, filename)
        return made


def _register(source: str, filename: str) -> None:
    # As attrs does: an entry with no modification time, which linecache.checkcache() keeps.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


# ---- what is known at each point of the generated code ----------------------------------------


@attrs.define
class _Facts:
    """What the code generated so far guarantees, since the last rule the compiler does not know.

    ``present``: options surely in the dict (a rule filled them in). ``proved``: facts that
    hold at the end of a pass that found no violation, which an operation's own end may ask
    for: "keys" once known-keys ran, an option's name once the rule that checks it ran.
    ``dirty``: options whose local variable may differ from the dict, each with the position
    of the rule that may have added it (None when no rule here adds it), so the dict can be
    brought up to date in the order the registry's loop would have left its keys.
    """

    present: set[str] = attrs.Factory(set)
    proved: set[str] = attrs.Factory(set)
    dirty: dict[str, int | None] = attrs.Factory(dict)

    def wrote(self, key: str, adds: int | None = None) -> None:
        if adds is not None:
            self.present.add(key)
            self.dirty[key] = adds
        else:
            self.dirty.setdefault(key, None)


# ---- the generator ----------------------------------------------------------------------------


class Writer:
    """Generates the source and the namespace of one compiled pass."""

    def __init__(
        self,
        rules: tuple[Rule, ...],
        operation: Operation,
        ids: tuple[str, ...] | None = None,
        given: frozenset[str] | None = None,
    ) -> None:
        self.rules = rules
        #: The keys the working dict has, when the pass is specialized to them (see
        #: compile_rules); read by the first load only.
        self.given = given
        self.ids = tuple(each.id for each in rules) if ids is None else ids
        self.operation = operation
        self.locals = operation.local_set
        # Option names that are no local variable, as namespace names: (rule position, key).
        self.other_keys: dict[tuple[int, str], str] = {}
        self.lines: list[str] = []
        self.depth = 1
        self.facts = _Facts()
        self.namespace: dict[str, Any] = {
            **operation.namespace,
            "__name__": "opentok_rules.compiled",
            "_rules": rules,
            "_ids": self.ids,
            "_finish": operation.finish,
            "_by_severity": operation.by_severity,
            "_NO_WARNINGS": operation.no_warnings,
            "_Answer": operation.answer,
            "_new": object.__new__,
            "_EMPTY": (),
            "_Violation": Violation,
            "_ValidationError": ValidationError,
            "_result": checked_result,
        }

    # -- output

    def line(self, text: str = "") -> None:
        self.lines.append("    " * self.depth + text if text else "")

    def block(self, header: str) -> _Block:
        """``with w.block("if x:"):`` indents the lines written inside."""
        self.line(header)
        return _Block(self)

    def wrapped(self, first: str, *inner: str) -> _Block:
        """A block whose header is too long for one line: ``first``, ``inner`` lines, ``):``."""
        self.line(first)
        self.depth += 1
        for text in inner:
            self.line(text)
        self.depth -= 1
        return self.block("):")

    def value_of(self, index: int, key: str) -> str:
        """The expression for an option's value (``None`` when absent) in the generated code:
        a local variable for the operation's local options, the dict's value for any other."""
        if key in self.locals:
            return key
        return f"get({self.key_name(index, key)})"

    def key_name(self, index: int, key: str) -> str:
        """An option name as the generated code spells it: a literal for the operation's
        local options (plain identifiers), a namespace name for any other (a policy's)."""
        if key in self.locals:
            return f'"{key}"'
        spelt = self.other_keys.get((index, key))
        if spelt is None:
            count = sum(1 for each, _ in self.other_keys if each == index)
            spelt = self.other_keys[index, key] = self.name(index, f"key{count}", key)
        return spelt

    def name(self, index: int, what: str, value: object) -> str:
        """A namespace name for a value rule ``index`` uses; the source says only the name."""
        name = f"_r{index}_{what}"
        self.namespace[name] = value
        return name

    def source(self) -> str:
        count = len(self.rules)
        operation = self.operation.name
        head = [
            f"# The compiled {_shown_id(operation)} pass of a registry of "
            f"{count} rule{'s' if count != 1 else ''} (opentok_rules.engine.compiler).",
            "# Values the rules use are names in the function's namespace: _rN_* belong to",
            "# rule N (from 1, in registry order).",
            "def compiled_pass(options, prepared, returning=False):",
        ]
        self.depth = 1
        # No list unless something is found: the valid path allocates none.
        self.line("violations = _EMPTY")
        self.line("get = options.get")
        self._load()
        for index, each in enumerate(self.rules, start=1):
            self.line()
            compiled = has_form(each, COMPILED_FORM) and self._fits(each)
            self.line(f"# {index}. {_shown_id(self.ids[index - 1])}: {_what(each, compiled)}")
            if compiled:
                each.inline(self, index)  # type: ignore[attr-defined]
            else:
                _in_place(self, each, index)
        self.line()
        self.line("warnings = _NO_WARNINGS")
        with self.block("if violations:"):
            # by_severity's own first loop: refusals only (the usual case) build nothing.
            with self.block("for _each in violations:"), self.block('if _each.severity == "warn":'):
                self.line("warnings, denied = _by_severity(violations)")
                self.line("break")
            with self.block("else:"):
                self.line("denied = violations")
            with self.block("if denied:"):
                # Returned, not raised, when the caller asks: it raises it itself (one frame
                # less to unwind, and no handler to pass through on the way).
                with self.block("if returning:"):
                    self.line("return _ValidationError(denied)")
                self.line("raise _ValidationError(denied)")
        self._end()
        return "\n".join([*head, *self.lines]) + "\n"

    def _fits(self, rule: Rule) -> bool:
        """Whether ``rule``'s compiled form can run in this operation's pass.

        A coded kind's own lines (one with ``direct_apply``) read the options it declares as
        local variables of those names: where one of them is not a local of this operation
        (a session rule in an archive registry, say), it is called in place instead. A class
        whose lines read every option through :meth:`value_of` says so with
        ``INLINE_NEEDS_LOCALS = False`` (the token rules).
        """
        if not hasattr(type(rule), "direct_apply") or not getattr(
            type(rule), "INLINE_NEEDS_LOCALS", True
        ):
            return True
        reads = getattr(rule, "reads", None)
        return reads is None or self.locals.issuperset(reads)

    # -- the dict and the locals

    def _load(self) -> None:
        given, self.given = self.given, None
        if given is not None:
            self._load_given(given)
            return
        for key in self.operation.locals:
            self.line(f'{key} = get("{key}")')

    def _load_given(self, given: frozenset[str]) -> None:
        """The first load of a pass specialized to the keys ``given``: the dict must have
        exactly them (its size, and each one found by its stored hash: no other key is then
        there to be found), or the general pass takes it; the other locals are None."""
        general = "return _general(options, prepared, returning)"
        with self.block(f"if len(options) != {len(given)}:"):
            self.line(general)
        present = [key for key in self.operation.locals if key in given]
        if present:
            with self.block("try:"):
                for key in present:
                    self.line(f'{key} = options["{key}"]')
            with self.block("except KeyError:"):
                self.line(general)
        for key in self.operation.locals:
            if key not in given:
                self.line(f"{key} = None")

    def sync(self) -> None:
        """Bring the dict up to date with the locals the code so far may have changed."""
        dirty = self.facts.dirty
        for key in sorted(dirty, key=lambda key: dirty[key] or 0):  # rule positions start at 1
            if key in self.facts.present:
                self.line(f'options["{key}"] = {key}')
            else:
                # No rule here adds this option: one that writes it writes it only where the
                # caller gave it, so the dict has it exactly when it must be updated.
                with self.block(f'if "{key}" in options:'):
                    self.line(f'options["{key}"] = {key}')
        self.facts.dirty.clear()

    def forget(self) -> None:
        """After a rule that may have changed anything in the dict: read it all again."""
        self.facts = _Facts()
        self.line("get = options.get")
        self._load()

    def _end(self) -> None:
        fast_end = self.operation.fast_end
        if fast_end is not None and fast_end(self):
            return
        self.line(f"# The spec is built from the dict by the {_shown_id(self.operation.name)}")
        self.line("# operation's finish, with all its checks (or by its caller).")
        self.sync()
        if self.operation.finish is None:
            self.line("return options, warnings")
            return
        self.line("spec = _finish(options)")
        if self.operation.answer is None:
            self.line("return spec, warnings")
            return
        with self.block("if not prepared:"):
            self.line("return spec, warnings")
        self.line(f"return _Answer(spec, spec.{self.operation.answer_part}(), warnings)")

    def made(
        self,
        target: str,
        cls: type,
        values: dict[str, str],
        spelt: str | None = None,
        slots: dict[str, Any] | None = None,
    ) -> None:
        """Lines making ``target`` an instance of the frozen slotted class ``cls`` (named
        ``spelt`` in the namespace, by default ``_`` and its name) whose fields hold
        ``values`` (field name -> expression), without its ``__init__`` and its checks.

        The instance is made of ``cls``'s maker (see :func:`_maker`): its slots are set by
        plain assignment, then it becomes a ``cls``; where a class has no maker, through
        the slots' own descriptors. ``slots`` are the raw slot descriptors of fields that
        ``cls`` shows through descriptors of its own (Violation's message).
        """
        spelt = spelt or f"_{cls.__name__}"
        self.namespace[spelt] = cls
        maker = _maker(cls, tuple(values), tuple((slots or {}).items()))
        if maker is None:
            self.line(f"{target} = _new({spelt})")
            for name, value in values.items():
                setter = (slots or {}).get(name) or cls.__dict__[name]
                self.namespace[f"_set_{cls.__name__}_{name}"] = setter.__set__
                self.line(f"_set_{cls.__name__}_{name}({target}, {value})")
            return
        self.namespace[f"{spelt}_maker"] = maker
        self.line(f"{target} = {spelt}_maker()")
        for name, value in values.items():
            self.line(f"{target}.{name} = {value}")
        self.line(f"{target}.__class__ = {spelt}")

    # -- helpers the generators share

    def refusal(self, index: int, rule: Rule, *examples: Options, what: str) -> str | None:
        """A namespace name for the one violation ``rule`` finds in every one of ``examples``,
        or None.

        For the rules whose refusal does not depend on the values (a fixed message for a
        combination): the rule's own Violation, made once here (it is immutable) and appended
        where the generated code sees the same combination. Examples that differ only in values
        the generated code does not look at must give the very same violation; None when they
        do not, or when a rule does not refuse them with exactly one violation, as the compiler
        expects: then the generated code calls the rule for every case.
        """
        found = [rule.apply(dict(example)) for example in examples]
        first = found[0]
        if not (isinstance(first, tuple) and len(first) == 1 and type(first[0]) is Violation):
            return None
        if any(each != first for each in found[1:]):
            return None  # its message names the value: the rule must make each one itself
        return self.name(index, what, first[0])

    def refused_later_when(
        self,
        index: int,
        rule: Rule,
        condition: str,
        example: Options,
        args: Sequence[str | None],
        writes: Sequence[str] = (),
    ) -> None:
        """A rule that refuses a value with a message made when read: where ``condition``
        holds, its one violation made here, as the rule makes it; elsewhere (and when the
        rule does not refuse ``example`` so) the rule judges the option itself.

        The violation is :meth:`Violation.deferred(rule, field, make, *args)
        <opentok_rules.Violation.deferred>`, made inline (no call, no checks: its rule id,
        field and ``make`` are the ones ``rule`` gave for ``example``, checked here once).
        ``args`` are what the generated code passes, each an option's local variable
        (``"location"``), ``"len(<option>)"``, or None for the very value the rule gave for
        ``example`` (a namespace name); each is checked against what the rule passed for
        ``example``. The condition must hold only where the rule refuses so, writing nothing
        (the compiled pass's property tests hold it to the rule). ``writes`` are the options
        the rule may write where it judges them itself (see :meth:`on_own`).
        """
        key = next(iter(example))
        made = self._later(index, rule, example, args)
        if made is None:
            self.on_own(index, rule, [key], writes)
            return
        with self.block(f"if {condition}:"):
            self.made("_refusal", Violation, made, "_Violation", {"message": _RAW_MESSAGE})
            self.found("_refusal")
        with self.block("else:"):
            self.on_own(index, rule, [key], writes)

    def _later(
        self, index: int, rule: Rule, example: Options, args: Sequence[str | None]
    ) -> dict[str, str] | None:
        """The fields (expressions) of ``rule``'s deferred violation for ``example`` made of
        ``args`` (see :meth:`refused_later_when`), or None when it does not make one so."""
        given = dict(example)
        found = getattr(rule, "direct_apply", rule.apply)(given)
        if not (isinstance(found, tuple) and len(found) == 1 and type(found[0]) is Violation):
            return None
        violation = found[0]
        raw = get_message(violation, Violation)
        if raw.__class__ is not Deferred or violation.severity != "deny":
            return None
        if given.keys() != example.keys() or any(given[k] is not example[k] for k in example):
            return None  # it wrote: the compiled pass would have to write too
        make, values = raw
        if len(values) != len(args):
            return None
        shown: list[str] = []
        for position, (text, value) in enumerate(zip(args, values, strict=True)):
            if text is None:
                shown.append(self.name(index, f"later{position}", value))
                continue
            measured = text[4:-1] if text.startswith("len(") and text.endswith(")") else None
            if measured in self.locals:
                wanted: object = len(example[measured])
                if type(value) is not int or value != wanted:
                    return None
            elif text not in self.locals or value is not example.get(text):
                return None
            shown.append(text)
        self.namespace.update(_LATER_NAMES)
        later = self.name(index, "later", make)
        values = f"({shown[0]},)" if len(shown) == 1 else f"({', '.join(shown)})"
        field = violation.field
        if field is None:
            shown_field = "None"
        elif field in self.locals:
            shown_field = f'"{field}"'  # the library's own words, as key_name spells them
        else:
            shown_field = self.name(index, "field", field)
        return {
            "rule": self.name(index, "rule", violation.rule),
            "field": shown_field,
            "message": f"new_deferred(Deferred, ({later}, {values}))",
            "severity": '"deny"',
        }

    def found(self, violation: str) -> None:
        """Add the violation ``violation`` (an expression) to what the pass found.

        ``violations`` starts as the empty tuple and becomes a new list on each finding: a
        pass that finds nothing allocates nothing for it.
        """
        self.line(f"violations = [*violations, {violation}]")

    def found_all(self, call: str) -> None:
        """Add the violations ``call`` (an expression) returns, if any."""
        self.line(f"_more = {call}")
        with self.block("if _more:"):
            self.line("violations = [*violations, *_more]")

    def plain_str(self, index: int, key: str, test: str) -> str:
        """``test`` (an expression of ``_v``) on the option when it is a plain str."""
        value = self.value_of(index, key)
        return f"{value}.__class__ is str and {test.replace('_v', value)}"

    def members_of(self, texts: Iterable[str] | None) -> list[enum.Enum]:
        """The enum members the options may hold in place of these texts (all of them for
        None; the operation says which), after the rules that normalize: compared by
        identity, no hashing."""
        members = list(self.operation.members)
        if texts is None:
            return members
        wanted = frozenset(texts)
        return [m for m in members if str.__str__(m) in wanted]

    def refused_when(self, index: int, rule: Rule, condition: str, example: Options) -> None:
        """A combination rule: where ``condition`` holds (``example``'s values, as
        normalized), its one fixed refusal; elsewhere the rule judges the values itself."""
        refusal = self.refusal(index, rule, example, what="refusal")
        if refusal is None:
            self.on_own(index, rule, example, [])
            return
        with self.block(f"if {condition}:"):
            self.found(refusal)
        with self.block("else:"):
            self.on_own(index, rule, example, [])

    def on_own(self, index: int, rule: Rule, keys: Iterable[str], writes: Iterable[str]) -> None:
        """Call the rule itself on a dict of the options it looks at; read back what it wrote.

        Library rules look only at these keys (the compiler's table names them), and treat an
        absent option as ``None``, so they decide here exactly as on the whole dict.
        """
        # A kind of the library's own, as the library makes it, is judged without its wrapper.
        apply = self.name(index, "apply", getattr(rule, "direct_apply", rule.apply))
        items = [f"{self.key_name(index, key)}: {self.value_of(index, key)}" for key in keys]
        if len(items) < 3:
            self.line(f"_own = {{{', '.join(items)}}}")
        else:
            self.line("_own = {")
            for item in items:
                self.line(f"    {item},")
            self.line("}")
        self.found_all(f"{apply}(_own)")
        for key in writes:
            self.line(f'{key} = _own["{key}"]')
            self.facts.wrote(key)


@attrs.define
class _Block:
    writer: _Writer

    def __enter__(self) -> None:
        self.writer.depth += 1

    def __exit__(self, *exc: object) -> None:
        self.writer.depth -= 1


def _shown_id(rule_id: str) -> str:
    return rule_id if _PLAIN_ID.fullmatch(rule_id) else "(a rule whose id is not plain text)"


def _what(rule: Rule, compiled: bool) -> str:
    if not compiled:
        return "not known to the compiler, called in place"
    return f"{type(rule).__name__}" + (" (strict)" if getattr(rule, "strict", False) else "")


# ---- a rule the compiler does not know: called in place ---------------------------------------


def _in_place(w: _Writer, rule: Rule, index: int) -> None:
    apply = w.name(index, "apply", rule.apply)
    w.sync()
    w.line(f"found = {apply}(options)")
    # The registry's own checks of what a rule returns, in the same order (see
    # RuleRegistry.apply): the usual empty tuple by identity, one violation inline.
    with w.block("if found is not _EMPTY:"):
        with w.block(
            "if found.__class__ is tuple and len(found) == 1 and found[0].__class__ is _Violation:"
        ):
            w.found("found[0]")
        with w.block("else:"):
            w.found_all(f"_result(_ids, _rules, {apply}, found)")
    w.forget()


# ---- for an operation's own end: building its spec directly ----------------------------------


@functools.cache
def _maker(
    cls: type, names: tuple[str, ...], slots: tuple[tuple[str, Any], ...] = ()
) -> type | None:
    """A subclass of the frozen slotted class ``cls`` that adds nothing and freezes nothing:
    its instances take ``names`` by plain assignment (one bytecode each, against a call of
    the slot's descriptor), and are then made instances of ``cls`` itself by assigning
    ``__class__`` (the same memory layout, so Python allows it). None when that does not
    work for ``cls`` (checked here once, on an instance): the caller sets the slots through
    their descriptors instead. ``slots`` gives the raw slot descriptor of a field that
    ``cls`` shows through a descriptor of its own.
    """
    namespace: dict[str, Any] = {
        "__slots__": (),
        # Both: a class defining only one keeps a Python-level attribute hook.
        "__setattr__": object.__setattr__,
        "__delattr__": object.__delattr__,
        # Made by calling it bare: object's own __init__ in the slot (no attrs __init__ to
        # run) is cheaper than calling object.__new__, whose wrapper checks its argument.
        "__init__": object.__init__,
        "__doc__": f"Makes {cls.__name__} instances in the compiled pass (see engine.compiler).",
        "__module__": __name__,
        **dict(slots),
    }
    try:
        maker = type(f"_{cls.__name__}Maker", (cls,), namespace)
        made: Any = maker()
        for name in names:
            setattr(made, name, None)
        made.__class__ = cls
    except (TypeError, AttributeError):
        return None
    return maker if type(made) is cls else None


def plain_layout(cls: type, names: tuple[str, ...]) -> bool:
    """Whether ``cls`` is a slotted attrs class of exactly these fields, none of them checked."""
    try:
        fields = attrs.fields(cls)
    except (TypeError, attrs.exceptions.NotAnAttrsClassError):
        return False
    return (
        tuple(field.name for field in fields) == names
        and all(field.converter is None and field.validator is None for field in fields)
        and all(type(cls.__dict__.get(name)).__name__ == "member_descriptor" for name in names)
        and not hasattr(cls, "__attrs_post_init__")
        and not hasattr(cls, "__attrs_pre_init__")
    )


#: The name this class had while it was private (tests of the compiler's helpers use it).
_Writer = Writer


# The name this helper had while the session's end was written here.
_plain_layout = plain_layout
