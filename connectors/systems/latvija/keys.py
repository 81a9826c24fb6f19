# SPDX-License-Identifier: EUPL-1.2
"""Signing keys and the metadata files the two sides exchange.

Keys are made at set-up (the first use) into a directory outside the repository,
``PKIP_LATVIJA_KEY_DIR`` (default ``var/saml``): a self-signed RSA certificate per
side (``idp`` for the simulator, ``sp`` for PKIP's portal). The private keys never
leave it and are never committed. The service provider publishes its metadata into
``sp/`` there, which the simulator trusts: metadata exchanged by files on one
machine, by URL (``/portals/saml/metadata``) with the real latvija.lv.
"""

from __future__ import annotations

import hashlib
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

DEFAULT_KEY_DIR = "var/saml"
XMLSEC = "/usr/bin/xmlsec1"
_lock = threading.Lock()


def key_dir(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get("PKIP_LATVIJA_KEY_DIR") or DEFAULT_KEY_DIR)


def xmlsec_binary() -> str:
    """Debian's xmlsec1 (scripts/check-system.sh installs it)."""
    found = os.environ.get("PKIP_XMLSEC1") or XMLSEC
    if not Path(found).exists():
        raise RuntimeError(
            "xmlsec1 is missing: apt-get install xmlsec1 (scripts/check-system.sh)"
        )
    return found


def key_pair(directory: Path, name: str) -> tuple[Path, Path]:
    """``(key file, certificate file)`` of ``name`` in ``directory``, made once."""
    key_file, cert_file = directory / f"{name}.key", directory / f"{name}.crt"
    with _lock:
        if key_file.exists() and cert_file.exists():
            return key_file, cert_file
        directory.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, f"PKIP {name}"),
                x509.NameAttribute(NameOID.COUNTRY_NAME, "LV"),
            ]
        )
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .sign(key, hashes.SHA256())
        )
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


def publish_sp_metadata(directory: Path, entity_id: str, xml: str) -> Path:
    """Write a service provider's metadata where the simulator reads it."""
    folder = directory / "sp"
    folder.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(entity_id.encode()).hexdigest()[:16]
    path = folder / f"{name}.xml"
    if not path.exists() or path.read_text(encoding="utf-8") != xml:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(xml, encoding="utf-8")
        tmp.replace(path)
    return path


def trusted_sp_metadata(directory: Path) -> list[Path]:
    folder = directory / "sp"
    return sorted(folder.glob("*.xml")) if folder.is_dir() else []
