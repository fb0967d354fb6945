"""Whether a compiled pass leaves the dict it is given as it was.

The session pipeline hands a caller's plain dict to the compiled pass as it is when the pass
only reads it, and a copy otherwise (a copy costs about as much as one rule). Which it is is
read off the generated source itself, not declared by each rule's compiled form: a form that
writes into the dict, or hands it to a rule, is seen, whoever wrote it.

A use of the dict is a read when it is ``options.get`` (bound, then called), a membership
test, or the argument of a set's ``issuperset``/``issubset``/``isdisjoint``. Anything else
may change it. A block that first rebinds ``options = options.copy()`` works on its own copy
from there to its end (the library's known-keys rule does so before dropping unknown keys).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

__all__ = ["keeps_input", "own_parts"]

_READING_METHODS = frozenset({"get", "keys", "items", "values", "copy"})
_SET_TESTS = frozenset({"issuperset", "issubset", "isdisjoint"})


def keeps_input(source: str, name: str = "options") -> bool:
    """Whether the one function in ``source`` only reads its dict ``name`` (see above)."""
    tree = ast.parse(source)
    function = tree.body[-1]
    if not isinstance(function, ast.FunctionDef):
        return False
    return _block_keeps(function.body, name)


def _block_keeps(statements: Iterable[ast.stmt], name: str) -> bool:
    for statement in statements:
        if _copies(statement, name):
            return True  # the rest of this block works on the copy
        if not all(_reads_only(part, name) for part in own_parts(statement)):
            return False
        for block in _inner_blocks(statement):
            if not _block_keeps(block, name):
                return False
    return True


def _copies(statement: ast.stmt, name: str) -> bool:
    """``name = name.copy()``."""
    return (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and _is(statement.targets[0], name)
        and isinstance(call := statement.value, ast.Call)
        and not call.args
        and not call.keywords
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "copy"
        and _is(call.func.value, name)
    )


def own_parts(statement: ast.stmt) -> list[ast.AST]:
    """What ``statement`` evaluates itself, without the blocks it holds (those are walked in
    order, as blocks); engine.apart reads statements the same way."""
    if isinstance(statement, (ast.If, ast.While)):
        return [statement.test]
    if isinstance(statement, ast.For):
        return [statement.target, statement.iter]
    if isinstance(statement, ast.With):
        return list(statement.items)
    if isinstance(statement, ast.Try):
        return [handler.type for handler in statement.handlers if handler.type is not None]
    return [statement]


def _inner_blocks(statement: ast.stmt) -> list[list[ast.stmt]]:
    blocks: list[list[ast.stmt]] = []
    for field in ("body", "orelse", "finalbody"):
        block = getattr(statement, field, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            blocks.append(block)
    blocks.extend(handler.body for handler in getattr(statement, "handlers", ()))
    return blocks


def _reads_only(tree: ast.AST, name: str) -> bool:
    """Whether every use of ``name`` in ``tree`` is a read (see the module's docstring)."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    return all(_is_read(node, parents.get(node)) for node in ast.walk(tree) if _is(node, name))


def _is_read(node: ast.AST, parent: ast.AST | None) -> bool:
    """Whether this use of the dict only reads it; any other (stored into, handed over,
    aliased, returned, rebound) may change it."""
    if isinstance(parent, ast.Attribute):
        return parent.attr in _READING_METHODS and isinstance(parent.ctx, ast.Load)
    if isinstance(parent, ast.Subscript):
        return parent.value is node and isinstance(parent.ctx, ast.Load)
    if isinstance(parent, ast.Compare):
        # `key in options` (not `options in ...`, whose __eq__ calls are the other side's)
        return any(
            each is node and isinstance(op, (ast.In, ast.NotIn))
            for each, op in zip(parent.comparators, parent.ops, strict=True)
        )
    if isinstance(parent, ast.Call):
        return (
            isinstance(parent.func, ast.Attribute)
            and parent.func.attr in _SET_TESTS
            and len(parent.args) == 1
            and parent.args[0] is node
        )
    return False


def _is(node: ast.AST | None, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name
