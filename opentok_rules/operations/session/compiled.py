"""The session's compiled pass: what ``prepare_session``'s pass is to the generic compiler.

The compiler (:mod:`~opentok_rules.engine.compiler`) names no operation; this module says
what the session's pass holds in local variables (the six options), the enum members they
may hold, the values the session rules' compiled forms use, and the session's own end: where
only the library's rules ran, unchanged and in order, the spec they leave is one the service
takes, so it is built through its slots with its params from the values at hand. Imported
when the first pass is compiled, never by ``import opentok_rules``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from opentok_rules.engine.compiler import Operation, Writer, plain_layout
from opentok_rules.engine.registry import Options, guarantees_spec
from opentok_rules.operations.session.spec import SessionSpec
from opentok_rules.values import (
    ARCHIVE_RESOLUTIONS,
    MAX_ARCHIVE_NAME,
    QUAD_NUMBERS,
    SESSION_OPTION_KEYS,
    ArchiveMode,
    MediaMode,
    quad_holds,
)

__all__ = ["session_operation"]

# What the spec needs proved, by the rules after the last rule the compiler does not know,
# before the compiled pass may build it without SessionSpec's own checks (see compiler._Facts).
_SPEC_FACTS = frozenset(
    {
        "keys",
        "media_mode",
        "archive_mode:set",
        "archive_mode:known",
        "e2ee",
        "location",
        "archive_name",
        "archive_resolution",
    }
)

#: The values the session rules' compiled forms (operations.session.rules) use, by their names.
_NAMESPACE: dict[str, object] = {
    "_ROUTED": MediaMode.ROUTED,
    "_RELAYED": MediaMode.RELAYED,
    "_MANUAL": ArchiveMode.MANUAL,
    "_ALWAYS": ArchiveMode.ALWAYS,
    "_ArchiveMode": ArchiveMode,
    "_ARCHIVE_MODES": {member.value: member for member in ArchiveMode},
    "_KEY_SET": frozenset(SESSION_OPTION_KEYS),
    "_RESOLUTIONS": frozenset(ARCHIVE_RESOLUTIONS),
    "_MAX_ARCHIVE_NAME": MAX_ARCHIVE_NAME,
    "_is_ipv4": quad_holds,
    "_QUAD": QUAD_NUMBERS,
}


def session_operation(finish: Callable[[Options], SessionSpec], answer: type) -> Operation:
    """The session's pass: ``finish`` builds a checked spec from the dict (the pipeline's own
    last step), ``answer`` is ``PreparedSession``."""
    return Operation(
        name="session",
        locals=SESSION_OPTION_KEYS,
        finish=finish,
        answer=answer,
        answer_part="to_params",
        members=(*MediaMode, *ArchiveMode),
        namespace=_NAMESPACE,
        fast_end=_fast_end,
        shares_input=True,
    )


def _fast_end(w: Writer) -> bool:
    """The spec built directly, where the pipeline would not check it either: the library's
    rules all there, unchanged and in order, nothing else writing (the registry's
    guarantees_spec, which SessionSpec's tests hold), and the facts the code gathered agree.
    False (nothing written) otherwise."""
    if not (w.facts.proved >= _SPEC_FACTS and guarantees_spec(w.rules)):
        return False
    w.line("# Only the library's rules ran: the spec they leave is one the service takes.")
    w.made("spec", SessionSpec, {key: key for key in SESSION_OPTION_KEYS})
    with w.block("if not prepared:"):
        w.line("return spec, warnings")
    # SessionSpec.to_params() on the values at hand (tests hold the two equal).
    w.line("params = {")
    w.line('    "p2p.preference": "disabled" if media_mode is _ROUTED else "enabled",')
    w.line('    "archiveMode": "always" if archive_mode is _ALWAYS else "manual",')
    w.line("}")
    for key, param in (
        ("location", "location"),
        ("archive_name", "archiveName"),
        ("archive_resolution", "archiveResolution"),
    ):
        with w.block(f"if {key}:"):
            w.line(f'params["{param}"] = {key}')
    w.line('params["e2ee"] = "true" if e2ee else "false"')
    prepared: Any = w.operation.answer
    fields = ("spec", "params", "warnings")
    if isinstance(prepared, type) and plain_layout(prepared, fields):
        w.made("made", prepared, {name: name for name in fields}, "_Answer")
        w.line("return made")
    else:
        w.line("return _Answer(spec, params, warnings)")
    return True
