"""``.. rules-table::``: a table of a rule registry, built from the registry at docs build time.

    .. rules-table:: opentok_rules.default_rules

    .. rules-table:: opentok_rules.strict_rules
       :changes-from: opentok_rules.default_rules

The argument names a function returning a registry. Without ``:changes-from:`` the table lists
every rule in order (position, id, description, the options it reads, class); with it, only
the rules whose description differs from the other registry's, or that only one of them has.
Nothing is typed by hand, so the reference cannot drift from the code.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable, Sequence
from typing import TypeAlias

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import ExtensionMetadata

from opentok_rules import Rule

Cell: TypeAlias = "str | nodes.Node"


class RulesTable(SphinxDirective):
    required_arguments = 1
    option_spec = {"changes-from": directives.unchanged_required}  # noqa: RUF012 - docutils API

    def run(self) -> list[nodes.Node]:
        rules = self._registry(self.arguments[0])
        base_path = self.options.get("changes-from")
        header: Sequence[str]
        widths: Sequence[int]
        if base_path is None:
            header = ("#", "id", "description", "reads", "class")
            widths = (3, 28, 44, 22, 26)
            rows: list[Sequence[Cell]] = [
                (str(n), _code(r.id), r.description, _reads(r), self._class_of(r))
                for n, r in enumerate(rules, 1)
            ]
        else:
            base = {r.id: r.description for r in self._registry(base_path)}
            mine = {r.id: r.description for r in rules}
            header = ("id", f"in {_name(base_path)}()", f"in {_name(self.arguments[0])}()")
            widths = (16, 42, 42)
            rows = [
                (_code(rule_id), base.get(rule_id, "(absent)"), mine.get(rule_id, "(absent)"))
                for rule_id in [*mine, *(i for i in base if i not in mine)]
                if base.get(rule_id) != mine.get(rule_id)
            ]
        return [_table(header, widths, rows)]

    def _registry(self, path: str) -> list[Rule]:
        module_name, _, name = path.rpartition(".")
        try:
            factory = getattr(importlib.import_module(module_name), name)
        except (ImportError, AttributeError, ValueError) as exc:
            raise self.error(f"rules-table: cannot import {path!r}: {exc}") from exc
        rules = list(factory())
        for each in rules:  # rebuild this page when a rule's source changes
            source = inspect.getsourcefile(type(each))
            if source:
                self.env.note_dependency(source)
        return rules

    def _class_of(self, rule: object) -> nodes.Node:
        cls = type(rule)
        target = f"{cls.__module__}.{cls.__qualname__}"
        return addnodes.pending_xref(
            "",
            nodes.literal(cls.__name__, cls.__name__, classes=["xref", "py", "py-class"]),
            refdomain="py",
            reftype="class",
            reftarget=target,
            refdoc=self.env.docname,
            refexplicit=False,
            refwarn=True,
        )


def _reads(rule: object) -> str:
    """The options a rule declares it reads (see RuleRegistry); ``*`` marks those it fills."""
    reads = getattr(rule, "reads", None)
    if reads is None:
        return "every key"
    fills = getattr(rule, "fills", None) or frozenset()
    return ", ".join(f"{key}*" if key in fills else key for key in sorted(reads))


def _name(path: str) -> str:
    return path.rpartition(".")[2]


def _code(text: str) -> nodes.literal:
    return nodes.literal(text, text)


def _row(cells: Iterable[Cell]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        content = nodes.Text(cell) if isinstance(cell, str) else cell
        row += nodes.entry("", nodes.paragraph("", "", content))
    return row


def _table(
    header: Sequence[str], widths: Sequence[int], rows: Iterable[Sequence[Cell]]
) -> nodes.table:
    group = nodes.tgroup(cols=len(header))
    group += [nodes.colspec(colwidth=width) for width in widths]
    group += nodes.thead("", _row(header))
    group += nodes.tbody("", *(_row(cells) for cells in rows))
    return nodes.table("", group, classes=["rules-table"])


def setup(app: Sphinx) -> ExtensionMetadata:
    app.add_directive("rules-table", RulesTable)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
