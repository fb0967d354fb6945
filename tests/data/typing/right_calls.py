"""Calls a type checker must accept: mypy reports nothing in this file."""

import datetime
import enum
import ipaddress

import opentok_rules as otr


class MediaModes(enum.Enum):  # the opentok SDK's spelling
    routed = "disabled"
    relayed = "enabled"


client = otr.OpenTok("123456", "0123456789abcdef0123456789abcdef01234567")
session = client.create_session(media_mode="routed", archive_mode=otr.ArchiveMode.ALWAYS)
client.create_session({"media_mode": "routed", "anything": object()})
client.create_session(media_mode=MediaModes.routed, location=ipaddress.IPv4Address("1.2.3.4"))
client.create_session(otr.SessionSpec(), e2ee=None)
prepared: otr.PreparedSession = otr.prepare_session(media_mode=otr.MediaMode.ROUTED, e2ee=True)
otr.prepare_session({"media_mode": "routed"}, archive_name=None, rules=otr.strict_rules())
token: str = client.generate_token(
    session.session_id,
    role=otr.Role.MODERATOR,
    expire_time=datetime.datetime.now(datetime.timezone.utc),
    data="name=Ann",
    initial_layout_class_list=["focus", "main"],
    token_type="JWT",
)
session.generate_token(role="subscriber", expire_time=1_900_000_000)


async def in_a_handler(async_client: otr.AsyncOpenTok) -> str:
    created = await async_client.create_session(media_mode="routed")
    return async_client.generate_token(created.session_id, role="publisher")
