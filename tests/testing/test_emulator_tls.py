"""``Emulator(tls=True)``: HTTPS with a fresh CA, for clients that insist on ``https://``.

Spoken to with urllib3 and ``ssl`` directly, with this library's client through a CA-aware
transport, and with the official Vonage Python SDK (``vonage`` 4.x, which hard-codes
``https://`` for the video host) where that SDK is installed: ``pip install -e
".[official-sdk]"``; its test is skipped, saying so, where it is not.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
import pytest
import urllib3
from _support.emulator import vonage_sdk_client

import opentok_rules as otr
from opentok_rules.http import Urllib3Transport
from opentok_rules.testing import Emulator

pytest.importorskip(
    "cryptography", reason="Emulator(tls=True) needs cryptography (the vonage extra)"
)

FORM = "application/x-www-form-urlencoded"


def host_and_port(emulator: Emulator) -> tuple[str, int]:
    parts = urlsplit(emulator.url)
    assert parts.hostname == "127.0.0.1"
    assert parts.port is not None
    return parts.hostname, parts.port


def create_headers(emulator: Emulator) -> dict[str, str]:
    now = int(time.time())
    claims = {"iss": emulator.api_key, "ist": "project", "iat": now, "exp": now + 60}
    token = jwt.encode(claims, emulator.api_secret, algorithm="HS256")
    return {"X-OPENTOK-AUTH": token, "Content-Type": FORM, "Accept": "application/json"}


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(tls=True) as running:
        yield running


def test_the_url_is_https_and_the_ca_file_is_a_ca(emulator: Emulator) -> None:
    from cryptography import x509

    assert emulator.url.startswith("https://127.0.0.1:")
    assert emulator.ca_file is not None
    certificate = x509.load_pem_x509_certificate(Path(emulator.ca_file).read_bytes())
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert Emulator().ca_file is None


def test_urllib3_trusting_the_ca_file_creates_a_session(emulator: Emulator) -> None:
    with urllib3.PoolManager(ca_certs=emulator.ca_file, retries=False) as pool:
        body = urlencode({"p2p.preference": "disabled"})
        answer = pool.request(
            "POST", emulator.url + "/session/create", body=body, headers=create_headers(emulator)
        )
        console = pool.request("GET", emulator.url + "/console/api/info")
    assert answer.status == 200
    [session] = json.loads(answer.data)
    assert session["session_id"] in {s.session_id for s in emulator.sessions}
    assert json.loads(console.data)["tls"] is True


@pytest.mark.parametrize("server_name", ["127.0.0.1", "localhost"])
def test_the_certificate_verifies_strictly_for_both_names(
    emulator: Emulator, server_name: str
) -> None:
    context = ssl.create_default_context(cafile=emulator.ca_file)
    # What Python 3.13 turns on by default, and what browsers hold certificates to.
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    with socket.create_connection(host_and_port(emulator), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=server_name) as tls:
            assert tls.version() in ("TLSv1.2", "TLSv1.3")


def test_without_the_ca_the_certificate_is_not_trusted(emulator: Emulator) -> None:
    with urllib3.PoolManager(retries=False) as pool:
        with pytest.raises(urllib3.exceptions.SSLError, match="certificate verify failed"):
            pool.request("GET", emulator.url + "/")


def test_the_library_client_with_a_ca_aware_transport(emulator: Emulator) -> None:
    transport = Urllib3Transport(ca_certs=emulator.ca_file)
    with otr.OpenTok(
        emulator.api_key, emulator.api_secret, api_url=emulator.url, transport=transport
    ) as client:
        session = client.create_session(media_mode="routed", location="12.34.56.78")
    assert emulator.sessions[-1].session_id == session.session_id


def test_plain_http_to_the_tls_port_is_cut_and_serving_goes_on(emulator: Emulator) -> None:
    with socket.create_connection(host_and_port(emulator), timeout=5) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        received = b""
        while chunk := raw.recv(4096):
            received += chunk
    assert b"HTTP/1.1 200" not in received
    with urllib3.PoolManager(ca_certs=emulator.ca_file, retries=False) as pool:
        assert pool.request("GET", emulator.url + "/").status == 200


def test_a_silent_client_cannot_hold_the_handshake() -> None:
    # The handshake runs in the connection's own thread, within the request deadline: a
    # client that connects and says nothing neither stalls others nor stays for long.
    with Emulator(tls=True, request_timeout=0.5) as emulator:
        with socket.create_connection(host_and_port(emulator), timeout=5) as silent:
            with urllib3.PoolManager(ca_certs=emulator.ca_file, retries=False) as pool:
                assert pool.request("GET", emulator.url + "/").status == 200
            started = time.monotonic()
            assert silent.recv(1) == b""  # cut by the emulator
            assert time.monotonic() - started < 3


def test_the_ca_directory_goes_with_the_emulator() -> None:
    emulator = Emulator(tls=True)
    assert emulator.ca_file is not None
    directory = Path(emulator.ca_file).parent
    assert directory.is_dir()
    assert sorted(path.name for path in directory.iterdir()) == ["ca.pem"]  # no key on disk
    assert oct(directory.stat().st_mode & 0o777) == "0o700"
    del emulator
    gc.collect()
    assert not directory.exists()


@pytest.mark.parametrize("tls", ["yes", 1, None])
def test_tls_must_be_a_bool(tls: Any) -> None:
    with pytest.raises(ValueError, match="tls must be True or False"):
        Emulator(tls=tls)


# --- The official Vonage Python SDK ---------------------------------------------------------


@pytest.fixture
def vonage_sdk() -> Any:
    if os.environ.get("OTR_REQUIRE_OFFICIAL_SDK"):
        # tox -e official-sdk installs it: there a missing SDK is a failure, not a skip.
        return importlib.import_module("vonage")
    return pytest.importorskip(
        "vonage",
        reason='the official Vonage SDK is not installed: pip install -e ".[official-sdk]"',
    )


def test_the_official_vonage_sdk_runs_against_the_emulator(
    vonage_sdk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = pytest.importorskip("vonage_video", reason="vonage-video comes with vonage 4.x")
    errors = pytest.importorskip("vonage_http_client.errors", reason="comes with vonage 4.x")
    with Emulator(tls=True, backend="vonage") as emulator:
        assert emulator.ca_file is not None
        # Only the host and the CA change: the SDK itself still says https://.
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", emulator.ca_file)
        client = vonage_sdk_client(vonage_sdk, emulator)
        session = client.video.create_session(
            video.SessionOptions(media_mode="routed", location="12.34.56.78")
        )
        token = client.video.generate_client_token(
            video.TokenOptions(session_id=session.session_id, role="moderator")
        )
        # The SDK writes e2ee=True as the form value "True", which the service does not take.
        with pytest.raises(errors.HttpRequestError) as refused:
            client.video.create_session(video.SessionOptions(media_mode="routed", e2ee=True))
        with urllib3.PoolManager(ca_certs=emulator.ca_file, retries=False) as pool:
            inspected = pool.request(
                "POST",
                emulator.url + "/console/api/token",
                body=json.dumps({"token": _text(token)}),
            )

    [created] = emulator.sessions
    assert created.session_id == session.session_id
    assert created.params["p2p.preference"] == "disabled"
    assert created.params["location"] == "12.34.56.78"
    assert refused.value.response.status_code == 400
    assert "e2ee must be 'true' or 'false'" in refused.value.response.text
    assert b"e2ee=True" in emulator.requests[-1].body
    answer = json.loads(inspected.data)
    assert answer["verifies"] is True, answer
    assert answer["claims"]["session_id"] == session.session_id


def _text(token: Any) -> str:
    return token.decode("ascii") if isinstance(token, bytes) else str(token)
