"""Credentials from the environment: the variables the CLI and ``from_env`` read."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from opentok_rules._secret import Secret
from opentok_rules.errors import ConfigurationError

__all__ = ["opentok_credentials", "vonage_credentials"]

OPENTOK_API_KEY = "OPENTOK_API_KEY"
OPENTOK_API_SECRET = "OPENTOK_API_SECRET"  # noqa: S105 - the variable's name, not a secret
OPENTOK_API_URL = "OPENTOK_API_URL"
VONAGE_APPLICATION_ID = "VONAGE_APPLICATION_ID"
VONAGE_PRIVATE_KEY_PATH = "VONAGE_PRIVATE_KEY_PATH"
VONAGE_VIDEO_API_URL = "VONAGE_VIDEO_API_URL"


def opentok_credentials(
    environ: Mapping[str, str] | None = None,
) -> tuple[str, Secret[str], str | None]:
    """``(api_key, api_secret, api_url or None)`` from the environment."""
    api_key = _required(environ, OPENTOK_API_KEY, "the project's api key")
    secret = Secret(_required(environ, OPENTOK_API_SECRET, "the project's api secret"))
    return api_key, secret, _optional(environ, OPENTOK_API_URL)


def vonage_credentials(
    environ: Mapping[str, str] | None = None,
) -> tuple[str, Path, str | None]:
    """``(application_id, private key path, api_url or None)`` from the environment."""
    application_id = _required(environ, VONAGE_APPLICATION_ID, "the Vonage application's id")
    key_path = _required(environ, VONAGE_PRIVATE_KEY_PATH, "the path of its private key file")
    return application_id, Path(key_path), _optional(environ, VONAGE_VIDEO_API_URL)


def _optional(environ: Mapping[str, str] | None, name: str) -> str | None:
    # os.environ is read inline, never held in a local: an error reporter recording this
    # frame's locals would otherwise record every variable of the process, secrets included.
    return (os.environ if environ is None else environ).get(name) or None


def _required(environ: Mapping[str, str] | None, name: str, what: str) -> str:
    value = _optional(environ, name)
    if value is None:
        raise ConfigurationError(f"{name} is not set; export it with {what}")
    return value
