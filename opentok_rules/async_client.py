"""``AsyncOpenTok`` and ``AsyncVonageVideo``: the same clients, awaited.

They share the client core with the blocking clients: the same rules run, the same request is
built, the same answer reader raises the same errors. Only the transport differs, an
:class:`~opentok_rules.http.transport.AsyncTransport`. ``generate_token`` is not awaited: it is pure
CPU work with no I/O. The default transport needs ``pip install "opentok-rules[async]"``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from opentok_rules._secret import Secret
from opentok_rules.client import (
    DEFAULT_API_URL,
    DEFAULT_DEADLINE,
    Backend,
    ClientCore,
    OpenTokCredentials,
    Session,
    check_transport_settings,
    opentok_backend,
    seconds_of,
    timeouts_pair,
)
from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.http.transport import AsyncTransport
from opentok_rules.operations.session.spec import SessionSpec
from opentok_rules.vonage import DEFAULT_VONAGE_API_URL, VonageCredentials, vonage_backend

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

    from opentok_rules.http.archive_answers import Archive, ArchiveList
    from opentok_rules.operations.archive.prepare import ArchiveOptions
    from opentok_rules.options import SessionOptions

__all__ = ["AsyncOpenTok", "AsyncVonageVideo"]


class _AsyncClient(ClientCore):
    """A core that sends through an :class:`~opentok_rules.http.transport.AsyncTransport`."""

    def __init__(
        self,
        backend: Backend,
        api_url: str,
        *,
        timeout: float | tuple[float, float] | None,
        deadline: float | None,
        rules: RuleRegistry | None,
        token_rules: RuleRegistry | None,
        transport: AsyncTransport | None,
        user_agent_suffix: str | None,
        archive_rules: RuleRegistry | None = None,
    ) -> None:
        super().__init__(
            backend,
            api_url,
            rules=rules,
            token_rules=token_rules,
            user_agent_suffix=user_agent_suffix,
            archive_rules=archive_rules,
        )
        check_transport_settings(transport, timeout, deadline)
        self._transport = (
            transport if transport is not None else _default_transport(timeout, deadline)
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the transport's connections."""
        await self._transport.aclose()

    async def create_session(
        self,
        options: Mapping[str, Any] | SessionSpec | None = None,
        /,
        **kwargs: Unpack[SessionOptions],
    ) -> Session:
        """Create a session; the same options, checks and errors as the blocking client's."""
        request, outcome = self._create_request(options, kwargs)
        return self._session_from(await self._transport.handle_request(request), outcome)

    async def start_archive(self, session_id: str, **options: Unpack[ArchiveOptions]) -> Archive:
        """Start recording ``session_id``; see :meth:`OpenTok.start_archive`."""
        request, read = self._start_archive_call(session_id, dict(options))
        return read(await self._transport.handle_request(request))

    async def stop_archive(self, archive_id: str) -> Archive:
        """Stop recording; see :meth:`OpenTok.stop_archive`."""
        request, read = self._stop_archive_call(archive_id)
        return read(await self._transport.handle_request(request))

    async def get_archive(self, archive_id: str) -> Archive:
        """The archive ``archive_id``; see :meth:`OpenTok.get_archive`."""
        request, read = self._get_archive_call(archive_id)
        return read(await self._transport.handle_request(request))

    async def list_archives(
        self, session_id: str | None = None, offset: int = 0, count: int | None = None
    ) -> ArchiveList:
        """A page of archives, newest first; see :meth:`OpenTok.list_archives`."""
        request, read = self._list_archives_call(session_id, offset, count)
        return read(await self._transport.handle_request(request))

    async def delete_archive(self, archive_id: str) -> None:
        """Delete the archive; see :meth:`OpenTok.delete_archive`."""
        request, read = self._delete_archive_call(archive_id)
        read(await self._transport.handle_request(request))

    async def set_archive_layout(
        self,
        archive_id: str,
        type: str,  # the REST API's and the official SDKs' name
        stylesheet: str | None = None,
        screenshare_type: str | None = None,
    ) -> None:
        """Change a composed archive's layout; see :meth:`OpenTok.set_archive_layout`."""
        request, read = self._layout_call(archive_id, type, stylesheet, screenshare_type)
        read(await self._transport.handle_request(request))


class AsyncOpenTok(OpenTokCredentials, _AsyncClient):
    """:class:`~opentok_rules.OpenTok`, awaited: ``await client.create_session(...)``.

    The constructor is :class:`~opentok_rules.OpenTok`'s; ``transport`` is an
    :class:`~opentok_rules.http.transport.AsyncTransport`. Share one client between tasks of one
    event loop; close it with ``await client.aclose()`` or ``async with``.
    """

    def __init__(
        self,
        api_key: str | int,
        api_secret: str,
        api_url: str = DEFAULT_API_URL,
        *,
        timeout: float | tuple[float, float] | None = None,
        deadline: float | None = None,
        rules: RuleRegistry | None = None,
        token_rules: RuleRegistry | None = None,
        transport: AsyncTransport | None = None,
        user_agent_suffix: str | None = None,
        clock: Callable[[], float] = time.time,
        archive_rules: RuleRegistry | None = None,
    ) -> None:
        secret = Secret(api_secret)
        del api_secret  # an error reporter records this frame's locals
        super().__init__(
            opentok_backend(api_key, secret, clock),
            api_url,
            timeout=timeout,
            deadline=deadline,
            rules=rules,
            token_rules=token_rules,
            transport=transport,
            user_agent_suffix=user_agent_suffix,
            archive_rules=archive_rules,
        )


class AsyncVonageVideo(VonageCredentials, _AsyncClient):
    """:class:`~opentok_rules.VonageVideo`, awaited; the same constructor."""

    def __init__(
        self,
        application_id: str,
        private_key: str | bytes | os.PathLike[str],
        *,
        api_url: str = DEFAULT_VONAGE_API_URL,
        timeout: float | tuple[float, float] | None = None,
        deadline: float | None = None,
        rules: RuleRegistry | None = None,
        token_rules: RuleRegistry | None = None,
        transport: AsyncTransport | None = None,
        user_agent_suffix: str | None = None,
        clock: Callable[[], float] = time.time,
        archive_rules: RuleRegistry | None = None,
    ) -> None:
        key = Secret(private_key)
        del private_key  # an error reporter records this frame's locals
        super().__init__(
            vonage_backend(application_id, key, clock),
            api_url,
            timeout=timeout,
            deadline=deadline,
            rules=rules,
            token_rules=token_rules,
            transport=transport,
            user_agent_suffix=user_agent_suffix,
            archive_rules=archive_rules,
        )


def _default_transport(
    timeout: float | tuple[float, float] | None, deadline: float | None
) -> AsyncTransport:
    from opentok_rules.http.async_transport import DefaultAsyncTransport

    connect, read = timeouts_pair(timeout)
    transport: AsyncTransport = DefaultAsyncTransport(
        connect_timeout=connect,
        read_timeout=read,
        deadline=DEFAULT_DEADLINE if deadline is None else seconds_of("deadline", deadline),
    )
    return transport
