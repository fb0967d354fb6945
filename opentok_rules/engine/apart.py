"""A specialized pass that takes one of its options apart from the dict.

An archive is prepared for a session id given as its own argument. Putting it into a copy of
the caller's dict only for the pass to read it back out costs a copy per call, about what one
rule costs. So a pass specialized to a key set that holds such an option (see
:func:`~opentok_rules.engine.compiler.keyed_pass` and ``Operation.apart``) is rewritten here
to take its value as an optional last argument:

* not given (the value is ``_IN_DICT``), the pass reads it from the dict, exactly as before;
* given, the dict is the caller's own, without the option. The pass reads it and nothing else
  until it needs the dict as a whole (a rule called on the dict, the spec built from it, the
  general pass): there, once, the dict becomes a new one of the caller's options and the
  option's current value. The caller's dict is never written.

The rewrite works on the folded source's syntax tree, so whatever a rule's compiled form
does with the dict is seen, whoever wrote it.
"""

from __future__ import annotations

import ast
import copy

from opentok_rules.engine.input_use import own_parts

__all__ = ["IN_DICT", "take_apart"]


class _InDict:
    """The default of the option's parameter: its value is in the dict."""

    def __repr__(self) -> str:
        return "IN_DICT"


#: The parameter's default (the name ``_IN_DICT`` in the pass's namespace).
IN_DICT = _InDict()
_WHOLE = "_whole"  # a local: whether ``options`` holds every option


def take_apart(source: str, key: str, name: str = "options") -> str:
    """The source of the specialized pass ``source`` (one function, as ``fold`` writes it)
    taking option ``key`` as a last parameter of that name, as the module says."""
    tree = ast.parse(source)
    function = tree.body[0]
    if not isinstance(function, ast.FunctionDef) or not key.isidentifier():
        raise ValueError("take_apart takes the source of one function and a plain name")
    body = function.body
    start = _prologue(body, name)
    if start is None:
        raise ValueError("take_apart takes a pass specialized to a key set (see keyed_pass)")
    check, reads = body[start], body[start + 1]
    # As _prologue found them (for the type checker):
    assert isinstance(check, ast.If)
    assert isinstance(reads, ast.Try)
    apart_check, apart_reads = _apart(check, reads, key, name)
    function.args.args.append(ast.arg(arg=key))
    function.args.defaults.append(ast.Name(id="_IN_DICT", ctx=ast.Load()))
    chosen = ast.If(
        test=ast.Compare(
            left=ast.Name(id=key, ctx=ast.Load()),
            ops=[ast.Is()],
            comparators=[ast.Name(id="_IN_DICT", ctx=ast.Load())],
        ),
        body=[check, reads, _flag(True)],
        orelse=[*apart_check, *apart_reads, _flag(False)],
    )
    rest = body[start + 2 :]
    function.body = [*body[:start], chosen, *_made_whole(rest, key, name)]
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def _prologue(body: list[ast.stmt], name: str) -> int | None:
    """Where the pass checks its dict's size, followed by the ``try`` reading its keys."""
    for index, statement in enumerate(body[:-1]):
        if (
            isinstance(statement, ast.If)
            and isinstance(statement.test, ast.Compare)
            and isinstance(call := statement.test.left, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == "len"
            and _mentions(call, name)
            and isinstance(body[index + 1], ast.Try)
        ):
            return index
    return None


def _apart(
    check: ast.If, reads: ast.Try, key: str, name: str
) -> tuple[list[ast.stmt], list[ast.stmt]]:
    """The size check and the reads for a dict without ``key``: one key fewer, ``key`` not
    read, and the general pass handed the whole dict."""
    size = check.test.comparators[0]  # type: ignore[attr-defined]
    if not (isinstance(size, ast.Constant) and isinstance(size.value, int)):
        raise ValueError("take_apart: the size check compares with a constant")
    new_check = _whole_dict_in(_copy(check), key, name)
    new_check.test.comparators[0] = ast.Constant(size.value - 1)  # type: ignore[attr-defined]
    new_reads = _whole_dict_in(_copy(reads), key, name)
    assert isinstance(new_reads, ast.Try)
    kept = [each for each in new_reads.body if not _reads_key(each, key)]
    if len(kept) == len(new_reads.body):
        raise ValueError(f"take_apart: the pass does not read {key!r} from its dict")
    new_reads.body = kept
    return [new_check], [new_reads] if kept else []


def _made_whole(statements: list[ast.stmt], key: str, name: str) -> list[ast.stmt]:
    """``statements`` with the whole dict made before each one that uses it."""
    out: list[ast.stmt] = []
    for index, statement in enumerate(statements):
        if any(_mentions(part, name) for part in own_parts(statement)):
            # Whole from here to the block's end: the rest of it needs no test of its own.
            return [*out, _make_whole(key, name), *statements[index:]]
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(statement, field, None)
            if inner:
                setattr(statement, field, _made_whole(inner, key, name))
        for handler in getattr(statement, "handlers", ()):
            handler.body = _made_whole(handler.body, key, name)
        out.append(statement)
    return out


def _make_whole(key: str, name: str) -> ast.stmt:
    """``if not _whole: name = {**name, "key": key}; _whole = True``."""
    return ast.If(
        test=ast.UnaryOp(op=ast.Not(), operand=ast.Name(id=_WHOLE, ctx=ast.Load())),
        body=[
            ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=_whole_dict(key, name)),
            _flag(True),
        ],
        orelse=[],
    )


def _whole_dict(key: str, name: str) -> ast.expr:
    """``{**name, "key": key}``: the caller's options and the one taken apart, in a new dict."""
    return ast.Dict(
        keys=[None, ast.Constant(key)],
        values=[ast.Name(id=name, ctx=ast.Load()), ast.Name(id=key, ctx=ast.Load())],
    )


class _WholeDictIn(ast.NodeTransformer):
    """``name`` read as the whole dict (the general pass's argument) everywhere but in
    ``len(name)`` and ``name[...]``."""

    def __init__(self, key: str, name: str) -> None:
        self.key, self.name = key, name

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if isinstance(node.func, ast.Name) and node.func.id == "len":
            return node
        return self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == self.name and isinstance(node.ctx, ast.Load):
            return _whole_dict(self.key, self.name)
        return node


def _whole_dict_in(statement: ast.stmt, key: str, name: str) -> ast.stmt:
    return _WholeDictIn(key, name).visit(statement)  # type: ignore[no-any-return]


def _reads_key(statement: ast.stmt, key: str) -> bool:
    """``key = <dict>[key]``."""
    return (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(target := statement.targets[0], ast.Name)
        and target.id == key
        and isinstance(statement.value, ast.Subscript)
        and isinstance(statement.value.slice, ast.Constant)
        and statement.value.slice.value == key
    )


def _flag(whole: bool) -> ast.stmt:
    return ast.Assign(targets=[ast.Name(id=_WHOLE, ctx=ast.Store())], value=ast.Constant(whole))


def _mentions(node: ast.AST, name: str) -> bool:
    return any(isinstance(each, ast.Name) and each.id == name for each in ast.walk(node))


def _copy(node: ast.stmt) -> ast.stmt:
    return copy.deepcopy(node)
