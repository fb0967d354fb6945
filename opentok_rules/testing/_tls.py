"""A throwaway certificate authority and server certificate for ``Emulator(tls=True)``.

Two certificates, not one self-signed server certificate: strict verifiers (Python 3.13's
default ``VERIFY_X509_STRICT``, browsers) refuse a server certificate that is its own CA, so
the emulator makes a small CA (``ca_file``, to trust through ``SSL_CERT_FILE`` or
``REQUESTS_CA_BUNDLE``) and signs with it a certificate for ``127.0.0.1`` and ``localhost``.
Both are made fresh for every emulator, valid for a day, and the CA's key is thrown away
once it has signed: nothing else can ever be signed with it.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import shutil
import ssl
import tempfile
from pathlib import Path
from typing import Any

import attrs

__all__ = ["ServerCertificate", "make_server_certificate", "remove"]

_MISSING_CRYPTOGRAPHY = (
    "Emulator(tls=True) needs the cryptography package to make its certificate; "
    'install it with: pip install "opentok-rules[vonage]"'
)
# A day covers any test run; an expired certificate from a forgotten process then fails.
_VALIDITY = datetime.timedelta(days=1)
# Clocks of the client and the emulator may differ a little.
_BACKDATE = datetime.timedelta(minutes=5)


@attrs.frozen
class ServerCertificate:
    """The CA file to trust, and the server's TLS context (certificate and key loaded)."""

    ca_file: str
    context: ssl.SSLContext
    directory: str


def make_server_certificate() -> ServerCertificate:
    """A new CA and a certificate it signed for 127.0.0.1 and localhost, in a new directory.

    The directory (mode 0700) keeps only ``ca.pem``; the server's key is read into the TLS
    context and its file removed at once. Remove the directory with :func:`remove`.

    :raises ImportError: with the install command, when ``cryptography`` is missing.
    """
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    except ImportError:
        raise ImportError(_MISSING_CRYPTOGRAPHY) from None

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    server_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "opentok-rules emulator CA")])
    server_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(server_name)
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(server_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    directory = Path(tempfile.mkdtemp(prefix="opentok-rules-tls-"))  # mode 0700
    try:
        ca_file = directory / "ca.pem"
        ca_file.write_bytes(ca_cert.public_bytes(pem))
        chain = directory / "server.pem"
        chain.write_bytes(server_cert.public_bytes(pem) + ca_cert.public_bytes(pem))
        key_bytes = server_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        context = _server_context(directory, chain, key_bytes)
    except BaseException:
        remove(str(directory))
        raise
    return ServerCertificate(str(ca_file), context, str(directory))


def _key_usage(*, cert_sign: bool) -> Any:
    # A CA signs certificates; the server signs its TLS handshakes (ECDHE with an EC key).
    from cryptography.x509 import KeyUsage

    return KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _server_context(directory: Path, chain: Path, key_bytes: bytes) -> ssl.SSLContext:
    # load_cert_chain reads files only: the key lives on disk (0600, in a 0700 directory) for
    # the moment it takes to load it.
    key_file = directory / "server.key"
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(key_bytes)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(chain, key_file)
    finally:
        with contextlib.suppress(FileNotFoundError):
            key_file.unlink()
        chain.unlink()
    return context


def remove(directory: str) -> None:
    """Remove a directory :func:`make_server_certificate` made; nothing if it is gone."""
    shutil.rmtree(directory, ignore_errors=True)
