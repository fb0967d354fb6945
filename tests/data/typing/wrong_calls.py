"""Calls a type checker must refuse: each line marked ``# wrong`` is reported by mypy."""

import opentok_rules as otr

client = otr.OpenTok("123456", "0123456789abcdef0123456789abcdef01234567")
session_id = "1_MX4xMjM0NTZ-fg"

client.create_session(media_mod="routed")  # wrong
client.create_session(archive_mode=42)  # wrong
client.create_session(e2ee="yes")  # wrong
client.create_session(location=1234)  # wrong
otr.prepare_session(archive_nam="x")  # wrong
otr.prepare_session(archive_resolution=720)  # wrong
client.generate_token(session_id, rol="moderator")  # wrong
client.generate_token(session_id, expire_time="tomorrow")  # wrong
client.generate_token(session_id, data=123)  # wrong
client.generate_token(session_id, initial_layout_class_list=5)  # wrong


async def in_a_handler(async_client: otr.AsyncOpenTok) -> None:
    await async_client.create_session(media_mod="routed")  # wrong
    async_client.generate_token(session_id, rol="moderator")  # wrong
