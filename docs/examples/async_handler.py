"""An asyncio web handler: a session and a token, without blocking the event loop.

Written as a framework-free ``async def`` so it runs anywhere; in FastAPI the same
function is the body of an ``@app.post("/rooms")`` route, with the client made once at
startup.
"""

from __future__ import annotations

import asyncio
import sys

import opentok_rules as otr


# [handler]
async def create_room(client: otr.AsyncOpenTok, *, moderator: bool) -> dict[str, str]:
    """POST /rooms: a new routed session and a token for the caller."""
    try:
        session = await client.create_session(media_mode="routed", archive_mode="always")
    except otr.RequestError as error:  # the service failed or timed out: answer 503
        return {"error": str(error)}
    role = "moderator" if moderator else "publisher"
    return {"session_id": session.session_id, "token": session.generate_token(role=role)}


# [/handler]


# [app]
async def serve(api_key: str, api_secret: str, api_url: str) -> list[dict[str, str]]:
    # One client for the whole app: it pools connections. `async with` closes them.
    async with otr.AsyncOpenTok(api_key, api_secret, api_url) as client:
        requests = [create_room(client, moderator=n == 0) for n in range(3)]
        return await asyncio.gather(*requests)  # three requests at once, one event loop


# [/app]


if __name__ == "__main__":
    from opentok_rules.testing import Emulator

    with Emulator() as emulator:  # a local stand-in for the service, no account needed
        rooms = asyncio.run(serve(emulator.api_key, emulator.api_secret, emulator.url))
    for room in rooms:
        print(room["session_id"][:2], len(room["token"]) > 100, file=sys.stdout)
    # 1_ True
    # 1_ True
    # 1_ True
