"""Where the tests find the checkout's files, wherever the test module lives under tests/."""

from __future__ import annotations

from pathlib import Path

#: The checkout: the folder of pyproject.toml.
ROOT = Path(__file__).resolve().parents[2]
#: The tests' data files.
DATA = ROOT / "tests" / "data"
#: The recorded exchanges of the Ruby SDK with the service (JSON).
RECORDED_CREATE_SESSION = DATA / "recorded_create_session.json"
