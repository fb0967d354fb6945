"""Policies: rules as data, from a TOML file (or ``pyproject.toml``) or a mapping.

A policy names a base (the library's ``"default"`` or ``"strict"`` rules), may leave some of
them out (``disable``), may build on another policy file (``extend``) and adds rules of the
built-in kinds (:mod:`opentok_rules.kinds`) or of installed plugin kinds (entry points in the
group ``opentok_rules.kinds``) to the session rules (``[[session]]``), the token rules
(``[[token]]``) and the archive rules (``[[archive]]``). :func:`load_policy` checks all of it
before it returns anything: a policy
that cannot be used raises :class:`~opentok_rules.PolicyError` naming the file, the rule, the
field and what to write instead, and nothing of it is loaded.

This module, tomllib and cattrs are imported only when a policy is loaded.
"""

from __future__ import annotations

import difflib
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from opentok_rules._messages import short_repr
from opentok_rules._moved import forwarder
from opentok_rules.engine._files import (
    MAX_NESTING,
    distrusted,
    nesting,
    read_regular,
    unusable,
)
from opentok_rules.engine.kinds import BUILTIN_KINDS, FieldProblem, Kind
from opentok_rules.engine.option_domains import check_policy_rule, later_effects
from opentok_rules.engine.policy_tests import PolicyTest, check_test_ids, parse_tests
from opentok_rules.engine.registry import Rule, RuleRegistry, checked_rule
from opentok_rules.engine.sections import Section, catalog
from opentok_rules.errors import MAX_NAME, PolicyError

if TYPE_CHECKING:
    import cattrs

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 reads TOML with the tomli backport
    import tomli as tomllib

__all__ = [
    "BASES",
    "ENTRY_POINT_GROUP",
    "POLICY_FILE",
    "find_policy",
    "load",
    "load_library",
    "policy_toml",
    "suggest",
    "top_keys",
]

# The library's registries and Policy moved beside the operations (0.2.1); the old names work
# until 0.3, with a DeprecationWarning.
_MOVED = (
    "Policy",
    "default_rules",
    "default_token_rules",
    "library_archive_rules",
    "library_policy",
    "library_rules",
    "load_policy",
    "strict_rules",
)
__getattr__ = forwarder(__name__, "opentok_rules.operations.library", only=_MOVED)

#: The file a policy is written in, found by :func:`find_policy`.
POLICY_FILE = "opentok-rules.toml"
#: The entry point group installed kinds are declared in.
ENTRY_POINT_GROUP = "opentok_rules.kinds"
_PYPROJECT = "pyproject.toml"
_TOOL_TABLE = "opentok-rules"

#: The bases a policy may name: the library's rules of each operation, its strict ones, or
#: no rules at all (a policy that says every rule itself: ``opentok-rules rules --toml``).
BASES = ("default", "strict", "none")
_FIXED_KEYS = ("base", "disable", "extend")
#: Fields of a rule's table that the loader reads itself; the rest are the kind's.
_PLACEMENT = ("before", "after")
#: Where find_policy says which files it skipped, and why.
_log = logging.getLogger("opentok_rules.policy")


def top_keys() -> tuple[str, ...]:
    """The keys a policy may have: its base, what it disables and extends, each operation's
    rule tables (``session``, ``token``, ...) and its tests."""
    return (*_FIXED_KEYS, *catalog().names(), "test")


def _library_kinds() -> dict[str, type]:
    """The kinds of the library's own rules, by name: a policy may use them as any other."""
    return {name: cls for each in catalog().sections for name, cls in each.kinds().items()}


def load(source: str | os.PathLike[str] | Mapping[str, Any]) -> Any:
    """The policy in ``source``, as the catalog's policy class (the public, typed name is
    :func:`~opentok_rules.load_policy`, which documents it)."""
    if isinstance(source, Mapping):
        return _Loader().policy(source, None)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        loader = _Loader()
        return loader.policy(loader.read(path, None), path)
    raise TypeError(
        f"load_policy() takes a path (str or os.PathLike) or a mapping; got {type(source).__name__}"
    )


def load_library(path: Path, *, sourced: bool) -> Any:
    """The library's own policy file ``path``, loaded with no plugin kinds listed and by the
    kinds' constructors (no cattrs on the first call); its rules name ``path`` as their source
    when ``sourced``, else none (as a policy mapping's)."""
    loader = _Loader(library=True)
    return loader.policy(loader.read(path, None), path if sourced else None)


def find_policy(start: str | os.PathLike[str] = ".") -> Path | None:
    """The nearest ``opentok-rules.toml``, or ``pyproject.toml`` holding
    ``[tool.opentok-rules]``, in ``start`` and its parents; ``None`` when there is none.

    In one folder ``opentok-rules.toml`` comes first. A ``pyproject.toml`` that is not valid
    TOML raises :class:`~opentok_rules.PolicyError` (it cannot be told whether it holds one),
    and so does one with a near miss of the table (``[tool.opentok_rules]``, say), naming the
    right one: a policy is never ignored because its table is misspelt.

    A file found this way may have been put there by someone else, so, as git does with
    repositories, a file (or the folder that holds it) owned by another user than the caller
    or root, or writable by its group or by others, is skipped with a warning on the
    ``opentok_rules.policy`` logger naming it and why; ``load_policy(path)`` (the CLI's
    ``--policy PATH``) uses it anyway.
    """
    try:
        here = Path(start).resolve()
        if not here.is_dir():
            here = here.parent
    except (OSError, RuntimeError, ValueError) as exc:
        raise PolicyError(
            f"{short_repr(str(start))}: cannot look for a policy from there: {exc}"
        ) from exc
    for folder in (here, *here.parents):
        candidate = folder / POLICY_FILE
        if candidate.is_file() and _trusted(candidate):
            return candidate
        pyproject = folder / _PYPROJECT
        if pyproject.is_file() and _trusted(pyproject):
            tool = _toml(pyproject).get("tool")
            if isinstance(tool, Mapping) and _TOOL_TABLE in tool:
                return pyproject
            near = _near_miss(tool)
            if near is not None:
                # A policy meant for us under a misspelt table: never ignored in silence.
                raise PolicyError(_misnamed(pyproject, near))
    return None


def _near_miss(tool: object) -> str | None:
    """The name of a ``[tool.*]`` table that was surely meant to be ``[tool.opentok-rules]``
    (``opentok_rules``, ``OpenTok-Rules``, ``opentok-rule``...), else None."""
    if not isinstance(tool, Mapping):
        return None
    wanted = _TOOL_TABLE.replace("-", "")
    for name in tool:
        if not isinstance(name, str) or name == _TOOL_TABLE:
            continue
        squeezed = "".join(each for each in name.casefold() if each.isalnum())
        if squeezed == wanted or difflib.SequenceMatcher(None, squeezed, wanted).ratio() >= 0.85:
            return name
    return None


def _misnamed(path: Path, near: str) -> str:
    return (
        f"{_shown(path)}: has a [tool.{short_repr(near)[1:-1]}] table but no "
        f"[tool.{_TOOL_TABLE}] table; a policy in a pyproject.toml is read from "
        f"[tool.{_TOOL_TABLE}] (with a hyphen): rename the table"
    )


def _trusted(path: Path) -> bool:
    """Whether find_policy may use ``path``; says why not on the log when it may not."""
    why = distrusted(path)
    if why is None:
        return True
    _log.warning(
        "skipped the policy file %s: %s. A policy found by walking up from the working "
        "directory is used only when it and its folder belong to you (or root) and no one "
        "else may write to them; to use it anyway, name it (--policy %s, or "
        "load_policy(path)), or fix its owner or mode (chmod go-w)",
        path,
        why,
        path,
    )
    return False


def _shown(path: Path) -> str:
    """``path`` for a message: as it is, or its start and its length when it is very long."""
    text = str(path)
    return text if len(text) <= 200 else f"{text[:100]}... (a path of {len(text)} characters)"


def _toml(path: Path) -> dict[str, Any]:
    try:
        text = read_regular(path)
    except OSError as exc:
        raise PolicyError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise PolicyError(f"{path}: {exc}") from exc
    try:
        decoded = text.decode("utf-8")
        # Refused before the parser, which recurses once per level, sees it.
        if nesting(decoded) > MAX_NESTING:
            raise RecursionError
        return tomllib.loads(decoded)
    except RecursionError:
        raise PolicyError(
            f"{path}: nests arrays or inline tables more than {MAX_NESTING} levels deep; a "
            "policy needs a few"
        ) from None
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{path}: is not UTF-8 text (TOML files are): {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends "(at line L, column C)": kept as it is.
        raise PolicyError(f"{path}: is not valid TOML: {exc}") from exc


def _name(value: object) -> str:
    """A name as written, to suggest a close one for: a str as it is, else a short repr."""
    return value if isinstance(value, str) else short_repr(value)


def suggest(name: str, valid: Sequence[str], what: str) -> str:
    """``did you mean 'x'?`` for a misspelt name, else the valid names."""
    close = difflib.get_close_matches(name, valid, n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"the {what} are {', '.join(map(repr, valid))}" if valid else f"there are no {what}"


@attrs.frozen
class _Where:
    """Where in a policy a problem is: the file (or a mapping) and the rule, for messages."""

    file: Path | None
    rule: str | None = None

    def __str__(self) -> str:
        place = "policy mapping" if self.file is None else str(self.file)
        return place if self.rule is None else f"{place}: {self.rule}"

    def error(self, field: str | None, problem: str) -> PolicyError:
        at = f"{self}: {field}: " if field is not None else f"{self}: "
        return PolicyError(at + problem)


@attrs.frozen
class _Entry:
    """One rule table, checked: where it is, its rule, and where to put it."""

    where: _Where
    rule: Rule
    before: str | None
    after: str | None
    #: ``"the plugin kind 'x' (entry point x = module:Class) "`` for a plugin's rule, else "".
    origin: str = ""


@attrs.frozen
class _Layer:
    """One policy file (or mapping) of a chain of ``extend``: what it adds and leaves out."""

    where: _Where
    base: str | None
    disable: tuple[str, ...]
    #: Each operation's rule tables, in the catalog's order.
    entries: tuple[tuple[_Entry, ...], ...]
    tests: tuple[PolicyTest, ...] = ()


class _Loader:
    """Reads one policy and the chain it extends; every check happens before anything is
    returned, so a broken policy loads nothing."""

    def __init__(self, *, library: bool = False) -> None:
        self._plugins: dict[str, list[Any]] | None = None
        # The library's own data is made by its kinds' constructors, which check every field:
        # prepare_session's first call does not import cattrs.
        self._converter = None if library else _converter()
        self._library = library
        self._sections = catalog().sections
        self._library_kinds = _library_kinds()

    def read(self, path: Path, extended_by: _Where | None) -> Mapping[str, Any]:
        """The policy table in ``path`` (a ``pyproject.toml``'s ``[tool.opentok-rules]``)."""
        problem = unusable(path)
        if problem is not None:
            if extended_by is not None:
                raise extended_by.error(
                    "extend", f"{_shown(path)} {problem} (paths are relative to the file)"
                )
            if problem == "does not exist":
                problem = "no such policy file"
            raise PolicyError(f"{_shown(path)}: {problem}")
        data = _toml(path)
        if path.name != _PYPROJECT:
            return data
        tool = data.get("tool")
        table = tool.get(_TOOL_TABLE) if isinstance(tool, Mapping) else None
        if not isinstance(table, Mapping):
            near = _near_miss(tool)
            if near is not None:
                raise PolicyError(_misnamed(path, near))
            raise PolicyError(f"{path}: has no [tool.{_TOOL_TABLE}] table")
        return table

    def policy(self, data: Mapping[str, Any], path: Path | None) -> Any:
        """The policy ``data`` says (``path`` is where it was read), as the catalog's policy
        class: each operation's registry under its section's attribute."""
        layers = self._chain(data, path)
        base = next((layer.base for layer in layers if layer.base is not None), "default")
        drafts = tuple(
            _Draft(() if base == "none" else each.library(base)) for each in self._sections
        )
        taken = {rule_id for draft in drafts for rule_id in draft.ids}
        seen: dict[str, _Where] = {}
        for layer in reversed(layers):  # the extended policy first, this file's last
            _disable(layer, drafts, taken)
            for entries, draft in zip(layer.entries, drafts, strict=True):
                for entry in entries:
                    _place(entry, draft, taken, seen)
        registries = tuple(draft.registry(layers[0].where) for draft in drafts)
        for layer in reversed(layers):
            for each, entries, registry in zip(
                self._sections, layer.entries, registries, strict=True
            ):
                _check_options(entries, each.name, registry)
        named = {
            each.attribute: registry
            for each, registry in zip(self._sections, registries, strict=True)
        }
        policy = catalog().policy(source=path, tests=layers[0].tests, **named)
        check_test_ids(policy, policy.tests)
        return policy

    def _chain(self, data: Mapping[str, Any], path: Path | None) -> list[_Layer]:
        """This policy and the ones it extends, this one first; cycles refused."""
        layers: list[_Layer] = []
        files: list[Path] = []
        while True:
            where = _Where(path)
            layers.append(self._layer(data, where))
            extend = data.get("extend")
            if extend is None:
                return layers
            if not isinstance(extend, str) or not extend:
                raise where.error("extend", f"must be a path string; got {short_repr(extend)}")
            folder = Path.cwd() if path is None else path.parent
            try:
                if path is not None:
                    files.append(path.resolve())
                target = (folder / extend).resolve()
            except (OSError, RuntimeError, ValueError):
                # A loop of symbolic links, a NUL, a path too long: said by read(), which
                # examines the path as it was written.
                target = folder / extend
            if target in files:
                cycle = " -> ".join(str(each) for each in [*files, target])
                raise where.error("extend", f"extends itself in a cycle: {cycle}")
            data, path = self.read(target, where), target

    def _layer(self, data: Mapping[str, Any], where: _Where) -> _Layer:
        if not isinstance(data, Mapping):
            raise where.error(None, f"a policy is a table; got {short_repr(data)}")
        keys = top_keys()
        for key in data:
            if key not in keys:
                hint = suggest(_name(key), keys, "policy keys")
                raise where.error(None, f"unknown key {short_repr(key)}; {hint}")
        base = data.get("base")
        if base is not None and (base.__class__ is not str or base not in BASES):
            hint = suggest(_name(base), BASES, "bases")
            raise where.error("base", f"unknown base {short_repr(base)}; {hint}")
        disable = data.get("disable", ())
        if not isinstance(disable, (list, tuple)) or not all(
            isinstance(each, str) for each in disable
        ):
            raise where.error("disable", f"must be a list of rule ids; got {short_repr(disable)}")
        return _Layer(
            where,
            base,
            tuple(disable),
            tuple(self._entries(data, each, where) for each in self._sections),
            parse_tests(data.get("test"), where.file),
        )

    def _entries(
        self, data: Mapping[str, Any], section: Section, where: _Where
    ) -> tuple[_Entry, ...]:
        tables = data.get(section.name, ())
        if not isinstance(tables, (list, tuple)):
            raise where.error(
                section.name,
                f"must be an array of tables ([[{section.name}]] in TOML); got "
                f"{short_repr(tables)}",
            )
        return tuple(
            self._entry(table, section, index, where.file) for index, table in enumerate(tables)
        )

    def _entry(self, table: object, section: Section, index: int, file: Path | None) -> _Entry:
        label = f"{section.name}[{index}]"
        if not isinstance(table, Mapping):
            raise _Where(file, label).error(None, f"must be a table; got {short_repr(table)}")
        rule_id = table.get("id")
        if isinstance(rule_id, str) and rule_id:
            label += f" (id {rule_id!r})"
        where = _Where(file, label)
        if "id" not in table:
            raise where.error("id", "is missing; every rule needs an id, unique in the policy")
        kind_name = table.get("kind")
        if not isinstance(kind_name, str):
            problem = (
                "is missing"
                if kind_name is None
                else f"must be a string; got {short_repr(kind_name)}"
            )
            kinds = ", ".join([*BUILTIN_KINDS, *self._library_kinds])
            raise where.error("kind", f"{problem}; the kinds are {kinds}")
        cls, origin = self._kind(kind_name, where)
        owner = next((each for each in self._sections if kind_name in each.own_kinds), section)
        if owner is not section:
            raise where.error(
                "kind", f"{kind_name} is for {owner.name}s only; put it under [[{owner.name}]]"
            )
        before, after = table.get("before"), table.get("after")
        for name, value in (("before", before), ("after", after)):
            if value is not None and not isinstance(value, str):
                raise where.error(name, f"must be a rule id; got {short_repr(value)}")
        if before is not None and after is not None:
            raise where.error("after", "give before or after, not both")
        fields = {k: v for k, v in table.items() if k not in ("kind", *_PLACEMENT)}
        rule = self._structure(cls, kind_name, fields, where, origin)
        return _Entry(where, rule, before, after, origin)

    def _kind(self, name: str, where: _Where) -> tuple[type, str]:
        """The class of the kind ``name``, and (for a plugin) the words naming its entry point."""
        library = self._library_kinds
        builtin = BUILTIN_KINDS.get(name) or library.get(name)
        if builtin is not None:
            # Plugins are not even listed for the library's own data (they cannot shadow it).
            plugins = {} if self._library else self._entry_points()
            if name in plugins:
                raise where.error("kind", _clash(plugins[name][0]))
            return builtin, ""
        plugins = self._entry_points()
        if name not in plugins:
            hint = suggest(name, [*BUILTIN_KINDS, *library, *plugins], "kinds")
            raise where.error("kind", f"unknown kind {name!r}; {hint}")
        if len(plugins[name]) > 1:
            declared = " and ".join(
                f"{_distribution(each)} ({each.name} = {each.value})" for each in plugins[name]
            )
            raise where.error(
                "kind",
                f"the plugin kind {name!r} is declared by more than one distribution: "
                f"{declared}; uninstall one, or rename one's entry point",
            )
        point = plugins[name][0]
        try:
            cls = point.load()
        except (Exception, SystemExit) as exc:
            # SystemExit too: a plugin that calls sys.exit() while it is imported must not end
            # the program that loads a policy. (Python has dropped the half-imported module.)
            raise where.error(
                "kind",
                f"the plugin kind {name!r} (entry point {point.name} = {point.value}) cannot "
                f"be imported: {type(exc).__name__}: {_said(exc)}",
            ) from exc
        if not (isinstance(cls, type) and attrs.has(cls)):
            raise where.error(
                "kind",
                f"the plugin kind {name!r} (entry point {point.name} = {point.value}) is not "
                "an attrs class",
            )
        if not callable(getattr(cls, "apply", None)):
            raise where.error(
                "kind",
                f"the plugin kind {name!r} (entry point {point.name} = {point.value}) is not "
                "a rule class: it has no apply(options) method",
            )
        return cls, f"the plugin kind {name!r} (entry point {point.name} = {point.value}) "

    def _entry_points(self) -> dict[str, list[Any]]:
        # Listed once per load and only read here: a plugin's module is imported only when a
        # policy names its kind (EntryPoint.load). Every declaration of a name is kept, so a
        # name two distributions declare is refused, not settled by the order of sys.path.
        if self._plugins is None:
            self._plugins = _declared_kinds()
        return self._plugins

    def _structure(
        self, cls: type, kind_name: str, fields: dict[str, Any], where: _Where, origin: str = ""
    ) -> Rule:
        known = [a.alias for a in attrs.fields(cls) if a.init and a.name != "source"]
        for key in fields:
            if key not in known:
                hint = suggest(_name(key), [*known, "kind", *_PLACEMENT], "fields")
                raise where.error(short_repr(key), f"unknown field for kind {kind_name!r}; {hint}")
        for attribute in attrs.fields(cls):
            if (
                attribute.init
                and attribute.default is attrs.NOTHING
                and attribute.alias not in fields
            ):
                raise where.error(attribute.alias, f"is missing; kind {kind_name!r} needs it")
        rule_id = fields.get("id")
        if isinstance(rule_id, str) and len(rule_id) > MAX_NAME:
            raise where.error("id", _too_long(rule_id))
        if where.file is not None and "source" in attrs.fields_dict(cls):
            fields = {**fields, "source": str(where.file)}
        invalid, extra = _cattrs_errors() if self._converter is not None else ((), ())
        try:
            if self._converter is None:
                rule: object = cls(**fields)
            else:
                rule = self._converter.structure(fields, cls)
        except FieldProblem as exc:
            raise where.error(exc.field, exc.problem) from exc
        except invalid as exc:
            field, problem = _first_problem(exc)
            raise where.error(field, problem) from exc
        except extra as exc:  # pragma: no cover - checked above
            raise where.error(None, str(exc)) from exc
        except Exception as exc:
            raise where.error(
                None,
                f"{origin or f'kind {kind_name!r} '}cannot be made: {type(exc).__name__}: "
                f"{_said(exc)}",
            ) from exc
        try:
            # What a registry asks of a rule when it is added (its id, one-line description,
            # apply, and reads and fills as frozensets), asked now: a kind that fails any of
            # it is refused here, by name, before anything is loaded.
            rule_id, checked = checked_rule(rule)
        except (Exception, SystemExit) as exc:
            what = origin or f"kind {kind_name!r} "
            raise where.error(
                None, f"{what}does not make a usable rule: {type(exc).__name__}: {_said(exc)}"
            ) from exc
        if len(rule_id) > MAX_NAME:
            raise where.error("id", _too_long(rule_id))
        return checked


def _said(exc: BaseException) -> str:
    """What an exception of someone else's code says, cut short; never raises."""
    try:
        text = str(exc)
    except Exception:
        return "<an error whose message cannot be shown>"
    return text if len(text) <= 300 else text[:300] + "..."


def _declared_kinds() -> dict[str, list[Any]]:
    """Every entry point of the group, by name: more than one where several distributions
    declare a name (refused when a policy names it, never settled by the order listed)."""
    from importlib.metadata import entry_points

    found: dict[str, list[Any]] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(point.name, []).append(point)
    return found


def _too_long(rule_id: str) -> str:
    return (
        f"is {len(rule_id)} characters long; a rule id is at most {MAX_NAME} (a finding "
        f"names its rule by the first {MAX_NAME}, so two longer ids could not be told apart)"
    )


def _distribution(point: Any) -> str:
    """The name of the distribution that declares an entry point, as a message shows it."""
    dist = getattr(point, "dist", None)
    name = getattr(dist, "name", None)
    return f"the distribution {name!r}" if isinstance(name, str) else "a distribution"


def _clash(point: Any) -> str:
    return (
        f"the plugin entry point {point.name} = {point.value} (group {ENTRY_POINT_GROUP}) has "
        f"the name of the built-in kind {point.name!r}; rename the plugin's entry point"
    )


def _first_problem(exc: BaseException) -> tuple[str | None, str]:
    """The field and the problem of the first error cattrs collected."""
    for inner, path in _leaves(exc, ()):
        field = path[0] if path else None
        if isinstance(inner, FieldProblem):
            return inner.field, inner.problem
        return field, str(inner)
    return None, str(exc)  # pragma: no cover - a ClassValidationError holds at least one


def _leaves(
    exc: BaseException, path: tuple[str, ...]
) -> Iterator[tuple[BaseException, tuple[str, ...]]]:
    inner = getattr(exc, "exceptions", None)
    if not inner:
        yield exc, path
        return
    for each in inner:
        notes = [note for note in getattr(each, "__notes__", ()) if hasattr(note, "name")]
        name = str(notes[0].name) if notes else None
        yield from _leaves(each, (*path, name) if name is not None else path)


def _check_options(entries: Sequence[_Entry], section: str, registry: RuleRegistry) -> None:
    """Each rule's options and values against its table's operation, where it stands in the
    registry it was placed in (engine.option_domains): a PolicyError naming the first wrong."""
    if not entries:
        return
    rules = tuple(registry)
    # What the rules after each place do, worked out once from the end: linear in the rules.
    after = list(later_effects(rules))
    place = {id(each): index for index, each in enumerate(rules)}
    for entry in entries:
        index = place.get(id(entry.rule))
        if index is None:  # pragma: no cover - disabled by a later layer of the chain
            continue
        problem = check_policy_rule(entry.rule, section, *after[index])
        if problem is not None:
            raise entry.where.error(*problem)


class _Draft:
    """One operation's rules while a policy is being placed: plain lists, so placing n rules
    is n steps (a registry's every edit makes a new snapshot, n steps each); the registry is
    made once, when every layer is placed."""

    def __init__(self, base: Iterable[Rule]) -> None:
        self.rules = list(base)
        self.ids = [rule.id for rule in self.rules]
        self.known = set(self.ids)

    def insert(self, index: int, rule_id: str, rule: Rule) -> None:
        self.ids.insert(index, rule_id)
        self.rules.insert(index, rule)
        self.known.add(rule_id)

    def remove(self, rule_id: str) -> None:
        index = self.ids.index(rule_id)
        del self.ids[index], self.rules[index]
        self.known.discard(rule_id)

    def registry(self, where: _Where) -> RuleRegistry:
        try:
            return RuleRegistry(self.rules)
        except (Exception, SystemExit) as exc:
            # Every rule was checked as it was placed: one that answers differently now.
            raise where.error(
                None, f"a rule cannot be registered: {type(exc).__name__}: {_said(exc)}"
            ) from exc


def _disable(layer: _Layer, drafts: Sequence[_Draft], taken: set[str]) -> None:
    for rule_id in layer.disable:
        for draft in drafts:
            if rule_id in draft.known:
                draft.remove(rule_id)
                taken.discard(rule_id)
                break
        else:
            ids = [each for draft in drafts for each in draft.ids]
            hint = suggest(rule_id, ids, "rule ids")
            raise layer.where.error("disable", f"no rule has the id {rule_id!r}; {hint}")


def _place(entry: _Entry, draft: _Draft, taken: set[str], seen: dict[str, _Where]) -> None:
    try:
        _add(entry, draft, taken, seen)
    except PolicyError:
        raise
    except (Exception, SystemExit) as exc:
        # The rule passed the registry's checks when it was made; one that answers
        # differently now (an id or description that changes) is refused all the same.
        what = entry.origin or "the rule "
        raise entry.where.error(
            None, f"{what}cannot be registered: {type(exc).__name__}: {_said(exc)}"
        ) from exc


def _add(entry: _Entry, draft: _Draft, taken: set[str], seen: dict[str, _Where]) -> None:
    # Asked again, as a registry asks when a rule is added: its id as it answers now.
    rule_id, rule = checked_rule(entry.rule)
    if rule_id in taken:
        first = seen.get(rule_id)
        where = f"by {first}" if first is not None else "by a rule of the base"
        raise entry.where.error("id", f"{rule_id!r} is taken already ({where}); ids are unique")
    target = entry.before if entry.before is not None else entry.after
    if target is None:
        index = len(draft.ids)
    elif target in draft.known:
        index = draft.ids.index(target) + (entry.before is None)
    else:
        field = "before" if entry.before is not None else "after"
        hint = suggest(target, draft.ids, "rule ids here")
        raise entry.where.error(field, f"no rule has the id {target!r}; {hint}")
    draft.insert(index, rule_id, rule)
    taken.add(rule_id)
    seen[rule_id] = entry.where


def _cattrs_errors() -> tuple[type[Exception], type[Exception]]:
    from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError

    return ClassValidationError, ForbiddenExtraKeysError


def _converter() -> cattrs.Converter:
    """A converter that takes a table's values as they are written: no ``"5"`` from ``5``."""
    import cattrs

    converter = cattrs.Converter(forbid_extra_keys=True)

    def exact(kind: type, what: str) -> Callable[[Any, Any], Any]:
        def structure(value: Any, _: Any) -> Any:
            if value.__class__ is not kind:
                raise TypeError(f"must be {what}; got {short_repr(value)}")
            return value

        return structure

    converter.register_structure_hook(str, exact(str, "a string"))
    converter.register_structure_hook(int, exact(int, "a whole number"))
    converter.register_structure_hook(bool, exact(bool, "true or false"))
    # Everything else (lists, tables, unions of values) is handed over as written and checked
    # by the kind's own validators, which name the field and say what is wrong.
    converter.register_structure_hook_func(_passed_through, lambda value, _: value)
    return converter


def _passed_through(kind: Any) -> bool:
    return not (isinstance(kind, type) and (attrs.has(kind) or kind in (str, int, bool)))


def policy_toml(rules: RuleRegistry, section: str = "session") -> str:
    """``rules`` as a policy file of base ``"none"``: one ``[[section]]`` table per rule, in
    order, each writing its kind and the fields that differ from the kind's defaults.

    ``load_policy`` of the text gives a registry of the same ids, order and verdicts.
    Raises :class:`ValueError` for a rule that is not a kind (a Python rule has no table).
    """
    library = _library_kinds()
    lines = [
        "# The rules as a policy file: every rule is written out (base none).",
        'base = "none"',
    ]
    for rule in rules:
        if not isinstance(rule, Kind):
            raise ValueError(
                f"rule {rule.id!r} is a Python rule, not a kind: it has no policy table"
            )
        # By the name its class is loaded by (a library rule's class may show a kind's name).
        kind = next((k for k, cls in library.items() if cls is type(rule)), rule.kind)
        lines += ["", f"[[{section}]]", f"kind = {_toml_value(kind)}"]
        lines.append(f"id = {_toml_value(rule.id)}")
        for field in attrs.fields(type(rule)):
            value = getattr(rule, field.name)
            if field.name in ("id", "source") or not field.init:
                continue
            if field.default is not attrs.NOTHING and _is_default(field, value):
                continue
            lines.append(f"{field.alias} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _is_default(field: attrs.Attribute[Any], value: object) -> bool:
    default = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        default = default.factory()  # type: ignore[union-attr]
    if field.converter is not None:
        default = field.converter(default)  # type: ignore[operator]
    return bool(value == default)


def _toml_value(value: object) -> str:
    """A value as TOML writes it (strings as JSON writes them, which TOML reads alike)."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return json.dumps(value)
    if isinstance(value, Mapping):
        items = ", ".join(f"{json.dumps(key)} = {_toml_value(each)}" for key, each in value.items())
        return "{ " + items + " }" if items else "{}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(each) for each in value) + "]"
    raise ValueError(f"{short_repr(value)} has no TOML form")
