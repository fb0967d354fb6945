"""``create`` and ``token``: the commands that need credentials."""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING, Any

from opentok_rules.values import Role

if TYPE_CHECKING:
    pass
from opentok_rules.cli._common import (
    MAX_EXPIRE_IN,
    add_json_flag,
    add_policy_flags,
    add_session_flags,
    choices,
    chosen_policy,
    chosen_registry,
    positive_seconds,
    print_json,
    session_options,
    whole_seconds,
)
from opentok_rules.cli._credentials import (
    add_credential_flags,
    chosen_api_url,
    make_client,
    own_key_warning,
    read_credentials,
)
from opentok_rules.cli._terminal import escaped
from opentok_rules.cli._voice import remember_rules


def add_create(commands: Any) -> None:
    create = commands.add_parser("create", help="create a session on the service")
    add_session_flags(create)
    # The same rules as check: --policy FILE, else the nearest policy file, else the library's.
    add_policy_flags(create)
    add_credential_flags(
        create,
        url_help="the service's URL; default $OPENTOK_API_URL or $VONAGE_VIDEO_API_URL, by backend",
    )
    create.add_argument(
        "--timeout",
        type=positive_seconds,
        metavar="SECONDS",
        help="seconds to connect and for each read; default 2 to connect, 10 to read",
    )
    create.add_argument(
        "--deadline",
        type=positive_seconds,
        metavar="SECONDS",
        help="seconds for the whole request, retries included; default 30",
    )
    add_json_flag(create, "print the whole session as JSON")
    create.set_defaults(handler=_create)


def add_token(commands: Any) -> None:
    token = commands.add_parser("token", help="generate a client token for a session")
    token.add_argument("session_id", metavar="SESSION_ID", help="the session to connect to")
    token.add_argument(
        "--role",
        metavar=choices(role.value for role in Role),
        help="what the client may do (any case); default publisher",
    )
    token.add_argument(
        "--expire-in",
        type=whole_seconds,
        metavar="SECONDS",
        help=f"the token's lifetime, 1 to {MAX_EXPIRE_IN} (30 days); default 86400",
    )
    token.add_argument("--data", help="connection data other clients see, under 1000 characters")
    token.add_argument(
        "--layout-class",
        action="append",
        dest="layout_classes",
        metavar="CLASS",
        help="a layout class for the client's streams; repeat the flag for several",
    )
    token.add_argument(
        "--type",
        dest="token_type",
        metavar="{JWT,T1}",
        help="the token format (any case): JWT (default), or T1, OpenTok's legacy one",
    )
    add_policy_flags(token)
    add_credential_flags(
        token,
        url_help="accepted as for create, and unused: tokens are signed locally, nothing is sent",
    )
    add_json_flag(token, 'print {"token": ..., "session_id": ...}')
    token.set_defaults(handler=_token)


def _create(args: argparse.Namespace) -> int:
    from opentok_rules.operations.session.convert import spec_to_dict

    policy = chosen_policy(args)  # before credentials: a policy that cannot be used is said
    rules = policy.rules if policy is not None else chosen_registry(args)
    remember_rules(args, [rules])
    credentials = read_credentials(args)
    api_url = chosen_api_url(args, credentials)
    settings = {"timeout": args.timeout, "deadline": args.deadline, "api_url": api_url}
    with (
        own_key_warning(),
        make_client(credentials, rules=rules, **settings) as client,
    ):
        session = client.create_session(session_options(args))
    if not args.json:
        print(escaped(session.session_id))  # the service's words: shown, never obeyed
        return 0
    record = session.record
    print_json(
        {
            "session_id": session.session_id,
            "spec": spec_to_dict(session.spec),
            "params": session.spec.to_params(),
            "record": {
                name: getattr(record, name)
                for name in ("project_id", "partner_id", "create_dt", "media_server_url")
            },
        }
    )
    return 0


def _token(args: argparse.Namespace) -> int:
    # One reading of the clock for both the issue time and --expire-in, so the token lives
    # exactly as long as asked, however long the imports in between take.
    now = time.time()
    policy = chosen_policy(args)
    token_rules = policy.token_rules if policy is not None else None
    if token_rules is not None:
        remember_rules(args, [token_rules])
    credentials = read_credentials(args)
    # No api_url: a token is signed here and sent nowhere, so --api-url is not even parsed.
    with (
        own_key_warning(),
        make_client(credentials, clock=lambda: now, token_rules=token_rules) as client,
    ):
        token = client.generate_token(args.session_id, **_token_options(args, now))
    if args.json:
        print_json({"token": token, "session_id": args.session_id})
    else:
        print(token)
    return 0


def _token_options(args: argparse.Namespace, now: float) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if args.role is not None:
        options["role"] = args.role
    if args.expire_in is not None:
        options["expire_time"] = int(now) + args.expire_in
    if args.data is not None:
        options["data"] = args.data
    if args.layout_classes:
        options["initial_layout_class_list"] = args.layout_classes
    if args.token_type is not None:
        options["token_type"] = args.token_type
    return options
