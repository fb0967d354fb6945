"""The four clients (OpenTok, VonageVideo and their asyncio twins) as the client tests drive
them: which ones this environment can run, an RSA key pair for the Vonage ones, and ``Sync``,
which makes an asyncio client's calls blocking."""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any

import pytest
from _pytest.mark import ParameterSet


def has(module: str) -> bool:
    """Whether ``module`` can be imported here (an optional extra is installed)."""
    try:
        __import__(module)
    except ImportError:
        return False
    return True


@functools.cache
def rsa_pair() -> tuple[str, Any]:
    """A private key as PEM (PKCS #8) and its public key: made once, 2048-bit RSA is slow."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    return pem, key.public_key()


#: Each client: its name, its backend and whether it is the asyncio one.
CLIENTS = (
    ("OpenTok", "opentok", False),
    ("VonageVideo", "vonage", False),
    ("AsyncOpenTok", "opentok", True),
    ("AsyncVonageVideo", "vonage", True),
)


def client_params(value: Callable[[str, str, bool], object]) -> list[ParameterSet]:
    """A ``pytest.param`` a client, ``value(name, backend, asynchronous)`` named by the client,
    skipped where its extras are not installed."""
    params = []
    for name, backend, asynchronous in CLIENTS:
        extras = (["async"] if asynchronous else []) + (["vonage"] if backend == "vonage" else [])
        modules = {"async": "aiohttp", "vonage": "cryptography"}
        missing = not all(has(modules[extra]) for extra in extras)
        marks = [pytest.mark.skipif(missing, reason=f"needs .[{','.join(extras)}]")]
        params.append(pytest.param(value(name, backend, asynchronous), id=name, marks=marks))
    return params


class Sync:
    """A client's calls as blocking calls: an asyncio client runs on a private loop."""

    def __init__(self, make: Callable[[], Any], asynchronous: bool) -> None:
        self.asynchronous = asynchronous
        if not asynchronous:
            self.client = make()
            return
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

        async def build() -> Any:
            return make()

        self.client = self._run(build())

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=60)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.client, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            return self.wait(method(*args, **kwargs))

        return call

    def wait(self, result: Any) -> Any:
        """``result`` itself, or what an asyncio client's coroutine ends with."""
        return self._run(result) if inspect.isawaitable(result) else result

    def close(self) -> None:
        """Closes the client, and the loop of an asyncio one."""
        if not self.asynchronous:
            self.client.close()
            return
        try:
            self._run(self.client.aclose())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            self._loop.close()
