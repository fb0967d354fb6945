"""Constant folding of a generated pass's source, for the passes specialized to a key set.

A pass specialized to the options a call gives (see :func:`engine.compiler.keyed_pass`) starts
by setting every option it holds in a local variable and that the call does not give to
``None``. From there on much of the general pass is decided before it runs: a rule's guard
``resolution is None or ...`` is true, a layout's ``if layout_type is not None:`` block never
runs, a default's ``has_audio = _r5_value`` makes ``has_audio`` known. :func:`fold` rewrites
the source's syntax tree with what is known, statement by statement, and drops what can never
run.

It is deliberately small and conservative; it knows Python, not the rules:

* a value is *known* when it is a literal, a local variable last set to a known value on every
  path here, or a name of the function's namespace that the function never assigns, whose
  value is of a plain immutable kind (None, bool, int, str, a type, an enum member, a
  frozenset or tuple of plain scalars). Nothing else is ever evaluated;
* an expression is worked out only from known values and only with operations that run no
  code of anyone's: ``is``, ``is not``, ``not``, ``and``, ``or``, a conditional expression,
  ``x.__class__``, ``in`` of a plain scalar in a frozenset, tuple or str of plain scalars,
  ``==`` and the orderings of two ints or two strs;
* ``and``/``or`` keep Python's values: an operand known false in an ``or`` (true in an
  ``and``) that is not the last is left out, and one known true (false) ends it;
* an ``if`` reads its test for its truth alone: ``x is None and True`` is ``x is None``
  there, ``x is None and False`` is false (its operands before the known one being locals,
  literals, ``is`` and ``not``, which do nothing), and an ``if`` left with nothing to run
  and such a test goes;
* a local set inside a block whose test is not known, a loop or a ``try`` is forgotten after
  it (a branch that always returns or raises teaches nothing about what follows);
* an assignment of a plain value (a literal, a name, ``name.attribute``) to a local that is
  never read is dropped.
"""

from __future__ import annotations

import ast
import builtins
import enum
from collections.abc import Callable
from typing import Any

__all__ = ["fold"]

#: Scalars whose comparisons run no code of anyone's.
_SCALARS = (type(None), bool, int, str)
#: Names read as builtins when the namespace does not define them and the function never
#: assigns them: the types the generated code compares classes with.
_BUILTIN_TYPES = frozenset({"str", "int", "bool", "float", "type", "tuple", "dict", "list"})
_CONSTANT_TYPES = (type(None), bool, int, str)


class _Unknown:
    """Marks a value not known while folding."""


_UNKNOWN: Any = _Unknown()


def _scalar(value: object) -> bool:
    return type(value) in _SCALARS


def _plain(value: object) -> bool:
    """Whether ``value`` may be known: an immutable value of a plain kind."""
    kind = type(value)
    if kind in _SCALARS or isinstance(value, type):
        return True
    if isinstance(value, enum.Enum):
        return True
    if kind is frozenset or kind is tuple:
        return all(_scalar(each) for each in value)  # type: ignore[attr-defined]
    return False


def _representable(value: object) -> bool:
    return type(value) in _CONSTANT_TYPES


def fold(
    source: str, namespace: dict[str, Any], dicts: dict[str, frozenset[str]] | None = None
) -> str:
    """The source of the one function in ``source``, folded with the values of ``namespace``
    (those the function never assigns), as Python source again.

    ``dicts`` names local dicts whose keys are known once the function's first top-level
    ``try`` statement has run through (a specialized pass's check of its keys): equal to
    these, for keys that keep Python's hash and equality contract. Until such a dict is used
    in any other way than read (``d[k]``, ``d.get``, ``len(d)``), ``"k" in d`` and
    ``<a known frozenset>.issuperset(d)`` are worked out.
    """
    tree = ast.parse(source)
    function = tree.body[0]
    if not isinstance(function, ast.FunctionDef) or len(tree.body) != 1:
        raise ValueError("fold takes the source of one function")
    assigned = {
        node.id
        for node in ast.walk(function)
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)
    }
    assigned.update(arg.arg for arg in function.args.args)
    folder = _Folder(namespace, assigned, dicts or {})
    function.body = folder.block(function.body, {}, top=True)[0] or [ast.Pass()]
    _drop_dead_stores(function, folder.globals)
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def _stored(nodes: list[ast.stmt] | ast.AST) -> set[str]:
    """The names any of ``nodes`` assigns (anywhere within)."""
    found: set[str] = set()
    for top in nodes if isinstance(nodes, list) else [nodes]:
        for node in ast.walk(top):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                found.add(node.id)
    return found


def _ends(body: list[ast.stmt]) -> bool:
    """Whether ``body`` always returns or raises."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Return | ast.Raise):
        return True
    if isinstance(last, ast.If):
        return _ends(last.body) and _ends(last.orelse)
    return False


def _reads(node: ast.AST) -> list[ast.expr]:
    """The names in ``node`` only read: ``d[k]``, ``d.get``, ``len(d)``, ``k in d``,
    ``x.issuperset(d)``."""
    found: list[ast.expr] = []
    for each in ast.walk(node):
        if (isinstance(each, ast.Subscript) and isinstance(each.ctx, ast.Load)) or (
            isinstance(each, ast.Attribute) and each.attr == "get"
        ):
            found.append(each.value)
        elif isinstance(each, ast.Call) and len(each.args) == 1 and not each.keywords:
            func = each.func
            if (isinstance(func, ast.Name) and func.id == "len") or (
                isinstance(func, ast.Attribute) and func.attr == "issuperset"
            ):
                found.append(each.args[0])
        elif (
            isinstance(each, ast.Compare)
            and len(each.ops) == 1
            and isinstance(each.ops[0], ast.In | ast.NotIn)
        ):
            found.append(each.comparators[0])
    return found


class _Keys:
    """What is known of a local dict: its keys (kept in the folding's ``env`` under the key
    ``(_Keys, name)``, which no variable's name can be)."""

    def __init__(self, keys: frozenset[str]) -> None:
        self.keys = keys


class _Folder:
    def __init__(
        self, namespace: dict[str, Any], assigned: set[str], dicts: dict[str, frozenset[str]]
    ) -> None:
        self.dicts = {name: _Keys(keys) for name, keys in dicts.items()}
        self.seeded = False
        self.globals: dict[str, Any] = {}
        for name, value in namespace.items():
            if name not in assigned and _plain(value):
                self.globals[name] = value
        for name in _BUILTIN_TYPES - assigned - set(namespace):
            self.globals[name] = getattr(builtins, name)

    # -- statements

    def block(
        self, body: list[ast.stmt], env: dict[Any, Any], top: bool = False
    ) -> tuple[list[ast.stmt], dict[Any, Any]]:
        """``body`` folded, and what is known after it (``env`` is not changed)."""
        env = dict(env)
        out: list[ast.stmt] = []
        for statement in body:
            made, env = self.statement(statement, env)
            out.extend(made)
            if top and not self.seeded and isinstance(statement, ast.Try):
                self.seeded = True
                for name, keys in self.dicts.items():
                    env[_Keys, name] = keys
            if _ends(out):
                break  # what follows never runs
        return out, env

    def _forget_dicts(self, node: ast.AST, env: dict[Any, Any]) -> None:
        """Forget what is known of a dict ``node`` uses in any way but reading it."""
        known = [name for kind, name in (k for k in env if type(k) is tuple) if kind is _Keys]
        if not known:
            return
        allowed = {id(each) for each in _reads(node)}
        for each in ast.walk(node):
            if (
                isinstance(each, ast.Name)
                and each.id in known
                and (id(each) not in allowed or not isinstance(each.ctx, ast.Load))
            ):
                env.pop((_Keys, each.id), None)

    def statement(
        self, node: ast.stmt, env: dict[Any, Any]
    ) -> tuple[list[ast.stmt], dict[Any, Any]]:
        if isinstance(node, ast.If):
            self._forget_dicts(node.test, env)
            return self._if(node, env)
        if not isinstance(node, ast.Try):
            self._forget_dicts(node, env)
        stored = _stored(node)
        for name in stored:
            env.pop((_Keys, name), None)
        if isinstance(node, ast.Assign):
            value, known = self.expr(node.value, env)
            for name in stored:
                env.pop(name, None)
            node.value = value
            if (
                len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and known is not _UNKNOWN
            ):
                env[node.targets[0].id] = known
            node.targets = [self._stores(target, env) for target in node.targets]
            return [node], env
        if isinstance(node, ast.Expr | ast.Return):
            if node.value is not None:
                node.value = self.expr(node.value, env)[0]
            for name in stored:
                env.pop(name, None)
            return [node], env
        if isinstance(node, ast.Raise):
            if node.exc is not None:
                node.exc = self.expr(node.exc, env)[0]
            return [node], env
        if isinstance(node, ast.Try) and not node.finalbody:
            # A handler may run after any part of the body: what the body sets is unknown
            # in it; after the statement it is known unless a handler that does not always
            # return or raise may have run.
            inner = {key: value for key, value in env.items() if key not in stored}
            body, after = self.block(node.body, inner)
            node.body = body or [ast.Pass()]
            ending = True
            for handler in node.handlers:
                handler.body = self.block(handler.body, inner)[0] or [ast.Pass()]
                ending = ending and _ends(handler.body)
            orelse, after = self.block(node.orelse, after)
            node.orelse = orelse
            if not ending:
                after = {key: value for key, value in inner.items() if key in after}
                self._forget_dicts(node, after)
            return [node], after
        if isinstance(node, ast.For | ast.While | ast.Try):
            # A loop's body may run again after it changes a local: what it sets is unknown
            # in it and after it.
            for name in stored:
                env.pop(name, None)
            self._forget_dicts(node, env)
            if isinstance(node, ast.For):
                node.iter = self.expr(node.iter, env)[0]
                node.body = self.block(node.body, env)[0] or [ast.Pass()]
                node.orelse = self.block(node.orelse, env)[0]
            return [node], env
        # Anything else is left as it is, and what it may set forgotten.
        for name in stored:
            env.pop(name, None)
        return [node], env

    def _stores(self, target: ast.expr, env: dict[Any, Any]) -> ast.expr:
        """An assignment's target, its loads (a subscript's object and index) folded."""
        if isinstance(target, ast.Subscript):
            target.value = self.expr(target.value, env)[0]
            target.slice = self.expr(target.slice, env)[0]
        elif isinstance(target, ast.Attribute):
            target.value = self.expr(target.value, env)[0]
        return target

    def _if(self, node: ast.If, env: dict[Any, Any]) -> tuple[list[ast.stmt], dict[Any, Any]]:
        test, known = self.expr(node.test, env)
        stored = _stored(test)
        for name in stored:
            env.pop(name, None)
        if known is _UNKNOWN:
            test, known = _condition(test, lambda each: self.expr(each, env)[1])
        if known is not _UNKNOWN:
            return self.block(node.body if known else node.orelse, env)
        body, after_body = self.block(node.body, env)
        orelse, after_else = self.block(node.orelse, env)
        if not body and not orelse and _pure(test):
            return [], env  # nothing runs either way, and the test does nothing
        node.test = test
        node.body = body or [ast.Pass()]
        node.orelse = orelse
        if _ends(body):
            return [node], after_else
        if _ends(orelse):
            return [node], after_body
        merged = {
            name: value
            for name, value in after_body.items()
            if name in after_else and after_else[name] is value
        }
        return [node], merged

    # -- expressions: (the folded node, its value or _UNKNOWN)

    def expr(self, node: ast.expr, env: dict[Any, Any]) -> tuple[ast.expr, Any]:
        if isinstance(node, ast.Constant):
            return node, node.value if _plain(node.value) else _UNKNOWN
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load):
                return node, _UNKNOWN
            if node.id in env:
                value = env[node.id]
                return (ast.Constant(value) if _representable(value) else node), value
            return node, self.globals.get(node.id, _UNKNOWN)
        if isinstance(node, ast.BoolOp):
            return self._boolop(node, env)
        if isinstance(node, ast.UnaryOp):
            operand, value = self.expr(node.operand, env)
            node.operand = operand
            if isinstance(node.op, ast.Not) and value is not _UNKNOWN:
                return ast.Constant(not value), not value
            return node, _UNKNOWN
        if isinstance(node, ast.Compare):
            return self._compare(node, env)
        if isinstance(node, ast.IfExp):
            test, value = self.expr(node.test, env)
            if value is not _UNKNOWN:
                return self.expr(node.body if value else node.orelse, env)
            node.test = test
            node.body = self.expr(node.body, env)[0]
            node.orelse = self.expr(node.orelse, env)[0]
            return node, _UNKNOWN
        if isinstance(node, ast.Attribute):
            value_node, value = self.expr(node.value, env)
            node.value = value_node
            if node.attr == "__class__" and value is not _UNKNOWN:
                return node, type(value)
            return node, _UNKNOWN
        if isinstance(node, ast.NamedExpr):
            node.value = self.expr(node.value, env)[0]
            return node, _UNKNOWN
        if isinstance(node, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp):
            return node, _UNKNOWN  # a scope of its own: left as it is
        if isinstance(node, ast.GeneratorExp):
            return node, _UNKNOWN
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "issuperset"
            and len(node.args) == 1
            and not node.keywords
        ):
            keys = self._dict_keys(node.args[0], env)
            whole = self.expr(node.func.value, env)[1]
            if keys is not None and type(whole) is frozenset:
                holds = whole.issuperset(keys)
                return ast.Constant(holds), holds
        # Any other expression: its parts folded, its value unknown.
        for field, old in ast.iter_fields(node):
            if isinstance(old, ast.expr):
                setattr(node, field, self.expr(old, env)[0])
            elif isinstance(old, list):
                setattr(
                    node,
                    field,
                    [
                        self.expr(each, env)[0] if isinstance(each, ast.expr) else each
                        for each in old
                    ],
                )
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                keyword.value = self.expr(keyword.value, env)[0]
        return node, _UNKNOWN

    def _boolop(self, node: ast.BoolOp, env: dict[Any, Any]) -> tuple[ast.expr, Any]:
        is_or = isinstance(node.op, ast.Or)
        kept: list[tuple[ast.expr, Any]] = []
        for position, operand in enumerate(node.values):
            folded, value = self.expr(operand, env)
            last = position == len(node.values) - 1
            if value is not _UNKNOWN:
                decides = bool(value) if is_or else not value
                if decides:
                    kept.append((folded, value))
                    break  # Python stops here: this operand is the value
                if not last:
                    continue  # Python goes on to the next operand: this one is not the value
            kept.append((folded, value))
            assigned = _stored(folded)
            if assigned:
                # Later operands may read what this one assigned (``:=``): unknown to them.
                env = {name: known for name, known in env.items() if name not in assigned}
        if len(kept) == 1:
            return kept[0]
        node.values = [each for each, _ in kept]
        return node, _UNKNOWN

    def _dict_keys(self, node: ast.expr, env: dict[Any, Any]) -> frozenset[str] | None:
        if isinstance(node, ast.Name):
            known = env.get((_Keys, node.id))
            if known is not None:
                return known.keys  # type: ignore[no-any-return]
        return None

    def _compare(self, node: ast.Compare, env: dict[Any, Any]) -> tuple[ast.expr, Any]:
        if len(node.ops) == 1 and isinstance(node.ops[0], ast.In | ast.NotIn):
            keys = self._dict_keys(node.comparators[0], env)
            left, value = self.expr(node.left, env)
            node.left = left
            if keys is not None and type(value) is str:
                found = (value in keys) == isinstance(node.ops[0], ast.In)
                return ast.Constant(found), found
        operands = [node.left, *node.comparators]
        folded_operands = []
        values = []
        for each in operands:
            folded, value = self.expr(each, env)
            folded_operands.append(folded)
            values.append(value)
        if any(value is _UNKNOWN for value in values):
            # Left in place: ``is`` with a literal other than None, True or False is a
            # SyntaxWarning; such an operand keeps its name.
            for position, op in enumerate(node.ops):
                if isinstance(op, ast.Is | ast.IsNot):
                    for at in (position, position + 1):
                        # By identity: 1 == True and 0 == False, but ``1 is x`` is a warning.
                        value = values[at]
                        if isinstance(folded_operands[at], ast.Constant) and not (
                            value is None or value is True or value is False
                        ):
                            folded_operands[at] = operands[at]
            node.left, *node.comparators = folded_operands
            return node, _UNKNOWN
        node.left, *node.comparators = folded_operands
        result = True
        for op, a, b in zip(node.ops, values[:-1], values[1:], strict=True):
            outcome = _compared(op, a, b)
            if outcome is _UNKNOWN:
                return node, _UNKNOWN
            if not outcome:
                result = False
                break
        return ast.Constant(result), result


def _condition(node: ast.expr, value_of: Callable[[ast.expr], Any]) -> tuple[ast.expr, Any]:
    """``node`` as an ``if`` reads it (its truth, not its value): an operand known true in an
    ``and`` (false in an ``or``) is left out, and where one known false (true) follows
    operands that do nothing (see :func:`_pure`), the whole is known. Returns the node and
    its truth, or _UNKNOWN (``value_of`` gives an operand's known value, or _UNKNOWN)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        operand, truth = _condition(node.operand, value_of)
        if truth is not _UNKNOWN:
            return ast.Constant(not truth), not truth
        node.operand = operand
        return node, _UNKNOWN
    if not isinstance(node, ast.BoolOp):
        value = value_of(node)
        return node, _UNKNOWN if value is _UNKNOWN else bool(value)
    ends = isinstance(node.op, ast.Or)  # the truth that decides: True for or, False for and
    kept: list[ast.expr] = []
    for operand in node.values:
        operand, truth = _condition(operand, value_of)
        if truth is _UNKNOWN:
            kept.append(operand)
        elif truth is ends:
            if all(_pure(each) for each in kept):
                return ast.Constant(ends), ends
            kept.append(operand)
            break  # Python stops here
        # An operand of the other truth only passes the question on: left out.
    if not kept:
        return ast.Constant(not ends), not ends
    if len(kept) == 1:
        return kept[0], _UNKNOWN
    node.values = kept
    return node, _UNKNOWN


def _pure(node: ast.expr) -> bool:
    """Whether evaluating ``node`` runs no code of anyone's: names (the generated code's
    locals and namespace), literals, and ``is``, ``is not``, ``not``, ``and``, ``or`` of them."""
    if isinstance(node, ast.Name | ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _pure(node.operand)
    if isinstance(node, ast.BoolOp):
        return all(_pure(each) for each in node.values)
    if isinstance(node, ast.Compare):
        return all(isinstance(op, ast.Is | ast.IsNot) for op in node.ops) and all(
            _pure(each) for each in (node.left, *node.comparators)
        )
    return False


def _compared(op: ast.cmpop, a: object, b: object) -> Any:
    """``a <op> b`` when it runs no code of anyone's, else _UNKNOWN."""
    if isinstance(op, ast.Is):
        return a is b
    if isinstance(op, ast.IsNot):
        return a is not b
    if isinstance(op, ast.In | ast.NotIn):
        if not _scalar(a):
            return _UNKNOWN
        if not (type(b) is frozenset or type(b) is tuple or (type(b) is str and type(a) is str)):
            return _UNKNOWN
        found = a in b
        return found if isinstance(op, ast.In) else not found
    same = (type(a) is int and type(b) is int) or (type(a) is str and type(b) is str)
    if not same:
        return _UNKNOWN
    if isinstance(op, ast.Eq):
        return a == b
    if isinstance(op, ast.NotEq):
        return a != b
    if isinstance(op, ast.Lt):
        return a < b  # type: ignore[operator]
    if isinstance(op, ast.LtE):
        return a <= b  # type: ignore[operator]
    if isinstance(op, ast.Gt):
        return a > b  # type: ignore[operator]
    if isinstance(op, ast.GtE):
        return a >= b  # type: ignore[operator]
    return _UNKNOWN


def _plain_store(value: ast.expr, namespace: dict[str, Any]) -> bool:
    """Whether evaluating ``value`` runs nothing and cannot fail: a literal, a name of the
    namespace, or the ``get`` method of a local (the pass's dict)."""
    return (
        isinstance(value, ast.Constant)
        or (isinstance(value, ast.Name) and value.id in namespace)
        or (
            isinstance(value, ast.Attribute)
            and isinstance(value.value, ast.Name)
            and value.attr == "get"
        )
    )


def _drop_dead_stores(function: ast.FunctionDef, namespace: dict[str, Any]) -> None:
    """Drop ``name = <literal>``, ``name = <namespace name>`` and ``name = <local>.get``
    where ``name`` is never read."""
    read = {
        node.id
        for node in ast.walk(function)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }

    def keep(statement: ast.stmt) -> bool:
        return not (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and statement.targets[0].id not in read
            and _plain_store(statement.value, namespace)
        )

    for node in ast.walk(function):
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                kept = [each for each in body if keep(each)]
                setattr(node, field, kept or [ast.Pass()])
