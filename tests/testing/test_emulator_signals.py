"""``opentok-rules emulator --vonage --tls`` leaves nothing behind, however it is stopped.

The command writes the Vonage private key to a file (in a folder of its own) and the CA's
certificate to another folder. A closed terminal sends SIGHUP, ``kill`` SIGTERM, Ctrl-C SIGINT:
each must remove both folders and close the port. Run as a real process, as a user runs it.
"""

from __future__ import annotations

import signal
import socket
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from _support.cli import TIMEOUT, serving

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="SIGHUP and SIGTERM delivery are POSIX behaviour"
)

STOPS = [
    pytest.param(signal.SIGINT, 0, id="SIGINT"),
    pytest.param(signal.SIGTERM, 128 + signal.SIGTERM, id="SIGTERM"),
    pytest.param(getattr(signal, "SIGHUP", 1), 128 + getattr(signal, "SIGHUP", 1), id="SIGHUP"),
]


@pytest.mark.parametrize(("stop", "code"), STOPS)
def test_every_stop_removes_the_private_key_and_the_ca_folder(stop: int, code: int) -> None:
    pytest.importorskip("cryptography", reason="--vonage and --tls need cryptography")
    with serving("--vonage", "--tls") as (process, printed, _lines, _console):
        key_file = Path(printed["VONAGE_PRIVATE_KEY_PATH"])
        ca_file = Path(printed["SSL_CERT_FILE"])
        url = urlsplit(printed["VONAGE_VIDEO_API_URL"])
        assert key_file.is_file()
        assert ca_file.is_file()
        process.send_signal(stop)
        assert process.wait(timeout=TIMEOUT) == code
    assert not key_file.exists()
    assert not key_file.parent.exists()
    assert not ca_file.exists()
    assert not ca_file.parent.exists()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((url.hostname or "", url.port or 0), timeout=5).close()
