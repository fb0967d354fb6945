"""``archive``: start, stop, read, list, delete and lay out archives on the service.

``opentok-rules archive start SESSION_ID [flags] | stop ID | get ID | list [--session-id ID]
| delete ID | layout ID --type T [--stylesheet CSS]``. Every command takes the credentials as
``create`` does (``--vonage`` and the rest), ``--json``, and ``--policy FILE | --no-policy``:
``start`` and ``layout`` check their options with the policy's ``[[archive]]`` rules (or the
library's archive rules, ``--strict`` for the strict ones) before anything is sent; the others
send no options, so they read no policy.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from opentok_rules.cli._common import (
    UsageError,
    add_json_flag,
    add_policy_flags,
    choices,
    chosen_policy,
    positive_seconds,
    print_json,
    report_warnings,
)
from opentok_rules.cli._credentials import (
    add_credential_flags,
    chosen_api_url,
    make_client,
    own_key_warning,
    read_credentials,
)

if TYPE_CHECKING:
    from opentok_rules.engine.registry import RuleRegistry
    from opentok_rules.http.archive_answers import Archive

# The archive options (and layout fields) as the user types them on these command lines, for
# messages of the rules (which name the library's options).
ARCHIVE_NAMES = {
    "session_id": "SESSION_ID",
    "name": "--name",
    "output_mode": "--output-mode",
    "stream_mode": "--stream-mode",
    "resolution": "--resolution",
    "layout_type": "--layout",
    "layout_stylesheet": "--stylesheet",
    "layout_screenshare_type": "--screenshare-type",
    "multi_archive_tag": "--multi-archive-tag",
    "max_bitrate": "--max-bitrate",
    "quantization_parameter": "--quantization-parameter",
}
# `archive layout` names the layout's type --type.
LAYOUT_NAMES = {**ARCHIVE_NAMES, "layout_type": "--type", "archive_id": "ARCHIVE_ID"}
_OUTPUT_MODES = ("composed", "individual")
_STREAM_MODES = ("auto", "manual")
_LAYOUT_TYPES = ("bestFit", "custom", "horizontalPresentation", "pip", "verticalPresentation")
# The service lists at most 1000 archives a page.
_MAX_COUNT = 1000


def add_archive(commands: Any) -> None:
    archive = commands.add_parser(
        "archive",
        help="start, stop, get, list, delete or lay out archives on the service",
        description="Record sessions: start an archive, stop it, read it, list them, delete "
        "one, change a composed archive's layout. Exit codes: 0 done; 2 options that break a "
        "rule (nothing sent) or a usage error; 1 the service refused (such as 404 no such "
        "archive, 409 not in a state for it) or could not be reached.",
    )
    actions = archive.add_subparsers(
        dest="archive_command",
        required=True,
        metavar="ACTION",
        help="start, stop, get, list, delete or layout",
    )
    _add_start(actions)
    _add_by_id(actions, "stop", "stop recording an archive; print its id and status", _stop)
    _add_by_id(actions, "get", "print an archive's id and status (all of it with --json)", _get)
    _add_list(actions)
    _add_by_id(actions, "delete", "delete an available archive; print nothing", _delete)
    _add_layout(actions)
    helps = {action.dest: action.help for action in actions._choices_actions}
    for name, command in actions.choices.items():
        if command.description is None and helps.get(name):
            command.description = f"{helps[name][:1].upper()}{helps[name][1:]}."
        # Unknown flags are reported with this action's usage, not the group's.
        command.set_defaults(command_parser=command)


def _add_common(parser: argparse.ArgumentParser, json_help: str) -> None:
    add_credential_flags(
        parser,
        url_help="the service's URL; default $OPENTOK_API_URL or $VONAGE_VIDEO_API_URL, by backend",
    )
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
        metavar="SECONDS",
        help="seconds to connect and for each read; default 2 to connect, 10 to read",
    )
    parser.add_argument(
        "--deadline",
        type=positive_seconds,
        metavar="SECONDS",
        help="seconds for the whole request, retries included; default 30",
    )
    add_policy_flags(parser)
    parser.add_argument(
        "--strict",
        action="store_true",
        help="the library's strict archive rules (a name is required) instead of a policy's",
    )
    add_json_flag(parser, json_help)


def _add_start(actions: Any) -> None:
    start = actions.add_parser(
        "start", help="start recording a session; print the archive's id (all of it with --json)"
    )
    start.add_argument("session_id", metavar="SESSION_ID", help="the (routed) session to record")
    start.add_argument("--name", help="the archive's name")
    start.add_argument(
        "--output-mode",
        metavar=choices(_OUTPUT_MODES),
        help="composed (default): one file; individual: a file per stream",
    )
    start.add_argument(
        "--stream-mode",
        metavar=choices(_STREAM_MODES),
        help="auto (default): every stream; manual: the streams you add",
    )
    start.add_argument(
        "--resolution", metavar="WxH", help="a composed archive's size, such as 1280x720"
    )
    start.add_argument(
        "--no-audio",
        dest="has_audio",
        action="store_false",
        default=None,
        help="record no audio",
    )
    start.add_argument(
        "--no-video",
        dest="has_video",
        action="store_false",
        default=None,
        help="record no video",
    )
    start.add_argument(
        "--layout",
        dest="layout_type",
        metavar=choices(_LAYOUT_TYPES),
        help="a composed archive's layout type; default bestFit",
    )
    start.add_argument(
        "--stylesheet", metavar="CSS", help="the stylesheet of a custom layout (--layout custom)"
    )
    start.add_argument(
        "--screenshare-type",
        metavar="TYPE",
        help="the layout while a screen is shared (with --layout bestFit)",
    )
    start.add_argument(
        "--multi-archive-tag",
        metavar="TAG",
        help="a tag of its own lets an archive record beside another of the same session",
    )
    start.add_argument(
        "--max-bitrate",
        type=_whole_number,
        metavar="BPS",
        help="the most bits per second of video, 100000 to 6000000",
    )
    start.add_argument(
        "--quantization-parameter",
        type=_whole_number,
        metavar="QP",
        help="the video quality, 15 (best) to 40",
    )
    _add_common(start, "print the whole archive as JSON")
    start.set_defaults(handler=_start)


def _add_by_id(actions: Any, name: str, help_text: str, handler: Any) -> None:
    command = actions.add_parser(name, help=help_text)
    command.add_argument("archive_id", metavar="ARCHIVE_ID", help="the archive's id")
    json_help = '{"deleted": ARCHIVE_ID}' if name == "delete" else "the whole archive"
    _add_common(command, f"print {json_help} as JSON")
    command.set_defaults(handler=handler)


def _add_list(actions: Any) -> None:
    listing = actions.add_parser(
        "list", help="list archives, newest first: one line each (id, status, created, name)"
    )
    listing.add_argument("--session-id", metavar="ID", help="only the archives of this session")
    listing.add_argument(
        "--offset", type=_whole_number, metavar="N", help="skip the N newest; default 0"
    )
    listing.add_argument(
        "--count",
        type=_whole_number,
        metavar="N",
        help=f"at most N archives, up to {_MAX_COUNT}; default the service's (50)",
    )
    _add_common(listing, 'print {"total": N, "archives": [...]} as JSON')
    listing.set_defaults(handler=_list)


def _add_layout(actions: Any) -> None:
    layout = actions.add_parser(
        "layout", help="change the layout of a composed archive being recorded"
    )
    layout.add_argument("archive_id", metavar="ARCHIVE_ID", help="the archive's id")
    layout.add_argument(
        "--type",
        dest="layout_type",
        required=True,
        metavar=choices(_LAYOUT_TYPES),
        help="the layout type",
    )
    layout.add_argument("--stylesheet", metavar="CSS", help="the stylesheet of a custom layout")
    layout.add_argument(
        "--screenshare-type",
        metavar="TYPE",
        help="the layout while a screen is shared (with --type bestFit)",
    )
    _add_common(layout, 'print {"archive_id": ..., "layout": {...}} as JSON')
    layout.set_defaults(handler=_layout)


def _whole_number(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise argparse.ArgumentTypeError("expected a whole number such as 100")
    return int(text)


# --- Running them ------------------------------------------------------------------------------


def _client(args: argparse.Namespace, *, rules: RuleRegistry | None = None) -> Any:
    credentials = read_credentials(args)
    settings = {
        "timeout": args.timeout,
        "deadline": args.deadline,
        "api_url": chosen_api_url(args, credentials),
        "archive_rules": rules,
    }
    return make_client(credentials, **settings)


def _archive_rules(args: argparse.Namespace) -> RuleRegistry:
    """The archive rules of the policy in effect, else the library's (``--strict``'s)."""
    from opentok_rules.operations.archive.prepare import default_archive_rules, strict_archive_rules

    policy = chosen_policy(args)
    if policy is not None:
        rules: RuleRegistry = policy.archive_rules
        return rules
    return strict_archive_rules() if args.strict else default_archive_rules()


def _no_rules_used(args: argparse.Namespace) -> None:
    """``--strict`` with ``--policy`` is a contradiction, whichever command it is given to."""
    if args.strict and args.policy is not None:
        raise UsageError(
            "--strict picks the library's strict rules and --policy a policy's; give one "
            '(a policy says base = "strict" itself)'
        )


def _start(args: argparse.Namespace) -> int:
    from opentok_rules.operations.archive.prepare import prepare_archive

    args.names.update(ARCHIVE_NAMES)
    rules = _archive_rules(args)
    options = _start_options(args)
    # Checked here first, so that "warn" rules are reported before anything is sent.
    prepared = prepare_archive(args.session_id, options, rules=rules)
    report_warnings(prepared.warnings, args)
    with own_key_warning(), _client(args, rules=rules) as client:
        archive = client.start_archive(args.session_id, **options)
    _print_archive(archive, args, first_line=archive.id)
    return 0


def _start_options(args: argparse.Namespace) -> dict[str, Any]:
    names = (
        "name",
        "has_audio",
        "has_video",
        "output_mode",
        "stream_mode",
        "resolution",
        "multi_archive_tag",
        "max_bitrate",
        "quantization_parameter",
    )
    options = {name: getattr(args, name) for name in names}
    options = {name: value for name, value in options.items() if value is not None}
    layout = {
        "type": args.layout_type,
        "stylesheet": args.stylesheet,
        "screenshare_type": args.screenshare_type,
    }
    if any(value is not None for value in layout.values()):
        options["layout"] = {key: value for key, value in layout.items() if value is not None}
    return options


def _stop(args: argparse.Namespace) -> int:
    _no_rules_used(args)
    with own_key_warning(), _client(args) as client:
        archive = client.stop_archive(args.archive_id)
    _print_archive(archive, args, first_line=f"{archive.id} {archive.status}")
    return 0


def _get(args: argparse.Namespace) -> int:
    _no_rules_used(args)
    with own_key_warning(), _client(args) as client:
        archive = client.get_archive(args.archive_id)
    _print_archive(archive, args, first_line=f"{archive.id} {archive.status}")
    return 0


def _delete(args: argparse.Namespace) -> int:
    _no_rules_used(args)
    with own_key_warning(), _client(args) as client:
        client.delete_archive(args.archive_id)
    if args.json:
        print_json({"deleted": args.archive_id})
    return 0


def _list(args: argparse.Namespace) -> int:
    _no_rules_used(args)
    if args.count is not None and args.count > _MAX_COUNT:
        raise UsageError(f"--count must be at most {_MAX_COUNT}, the service's page size")
    with own_key_warning(), _client(args) as client:
        page = client.list_archives(
            session_id=args.session_id, offset=args.offset or 0, count=args.count
        )
    if args.json:
        print_json({"total": page.total, "archives": [archive_json(a) for a in page]})
        return 0
    for archive in page:
        created = archive.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        name = "-" if archive.name is None else archive.name
        print(f"{archive.id}  {archive.status:<9}  {created}  {name}")
    return 0


def _layout(args: argparse.Namespace) -> int:
    from opentok_rules.operations.archive.prepare import prepare_layout

    args.names.update(LAYOUT_NAMES)
    rules = _archive_rules(args)
    layout = prepare_layout(args.layout_type, args.stylesheet, args.screenshare_type, rules)
    with own_key_warning(), _client(args, rules=rules) as client:
        client.set_archive_layout(
            args.archive_id,
            args.layout_type,
            stylesheet=args.stylesheet,
            screenshare_type=args.screenshare_type,
        )
    if args.json:
        print_json({"archive_id": args.archive_id, "layout": layout.to_body()})
    return 0


def _print_archive(archive: Archive, args: argparse.Namespace, *, first_line: str) -> None:
    if args.json:
        print_json(archive_json(archive))
    else:
        print(first_line)


def archive_json(archive: Archive) -> dict[str, Any]:
    """``archive`` as JSON-ready data; the download ``url`` included (it was asked for)."""
    modes = {
        name: None if value is None else str(getattr(value, "value", value))
        for name, value in (
            ("output_mode", archive.output_mode),
            ("stream_mode", archive.stream_mode),
        )
    }
    return {
        "id": archive.id,
        "session_id": archive.session_id,
        "name": archive.name,
        "status": archive.status,
        "created_at": archive.created_at.isoformat(),
        "duration": archive.duration,
        "size": archive.size,
        "url": archive.url,
        **modes,
        "resolution": archive.resolution,
        "has_audio": archive.has_audio,
        "has_video": archive.has_video,
        "reason": archive.reason,
    }
