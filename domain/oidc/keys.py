# SPDX-License-Identifier: EUPL-1.2
"""The RSA key that signs ID tokens and back-channel logout tokens.

Production reads it from ``PKIP_OIDC_SIGNING_KEY`` (the PEM itself, or the path of
a file holding it) and refuses to start without (core/settings.py). Development
generates one into ``var/oidc-signing-key.pem`` on first use and warns: every
system signed in through that PKIP trusts it, so it must never leave the machine.
Tests generate one in memory per process.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

log = logging.getLogger(__name__)

ALGORITHM = "RS256"
DEV_KEY_FILE = Path("var/oidc-signing-key.pem")
_lock = threading.Lock()
_generated: dict[str, SigningKey] = {}


class SigningKeyError(ValueError):
    """The configured signing key is unusable; the message names the setting."""


@dataclass(frozen=True)
class SigningKey:
    key: RSAKey
    kid: str

    @classmethod
    def from_pem(cls, pem: bytes) -> SigningKey:
        try:
            key = RSAKey.import_key(pem)
        except (ValueError, TypeError, JoseError) as exc:
            raise SigningKeyError(
                "PKIP_OIDC_SIGNING_KEY: not an RSA private key"
            ) from exc
        if not key.is_private:
            raise SigningKeyError("PKIP_OIDC_SIGNING_KEY: a public key cannot sign")
        return cls(key, key.thumbprint())

    def jwks(self) -> dict[str, Any]:
        """The public half, as the JWKS endpoint serves it."""
        public = self.key.as_dict(private=False)
        public.update(kid=self.kid, use="sig", alg=ALGORITHM)
        return {"keys": [public]}

    def key_set(self) -> KeySet:
        return KeySet([self.key])

    def sign(self, claims: dict[str, Any], typ: str = "JWT") -> str:
        header = {"alg": ALGORITHM, "kid": self.kid, "typ": typ}
        return jwt.encode(header, claims, self.key, algorithms=[ALGORITHM])

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a token this key signed (expiry not checked: the caller
        decides what age it accepts). ValueError when the signature is wrong."""
        try:
            decoded = jwt.decode(token, self.key, algorithms=[ALGORITHM])
        except (JoseError, ValueError, TypeError) as exc:
            raise ValueError("not a token of this provider") from exc
        return dict(decoded.claims)


def _new_pem() -> bytes:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_signing_key(configured: str, *, env: str) -> SigningKey:
    """The key of ``PKIP_OIDC_SIGNING_KEY`` (PEM text or a file path); without one,
    a generated development key (refused in production)."""
    configured = configured.strip()
    if configured:
        if configured.startswith("-----BEGIN"):
            return SigningKey.from_pem(configured.encode())
        path = Path(configured)
        if not path.is_file():
            raise SigningKeyError(f"PKIP_OIDC_SIGNING_KEY: no file {configured!r}")
        return SigningKey.from_pem(path.read_bytes())
    if env == "production":
        raise SigningKeyError("PKIP_OIDC_SIGNING_KEY: production needs a signing key")
    with _lock:
        if env == "test":
            found = _generated.get(env)
            if found is None:
                found = _generated[env] = SigningKey.from_pem(_new_pem())
            return found
        return _development_key()


def _development_key() -> SigningKey:
    if not DEV_KEY_FILE.is_file():
        DEV_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        temporary = DEV_KEY_FILE.with_suffix(f".{uuid.uuid4().hex}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(_new_pem())
        os.replace(temporary, DEV_KEY_FILE)
    log.warning(
        "OpenID Connect tokens are signed with the development key %s; "
        "production needs PKIP_OIDC_SIGNING_KEY",
        DEV_KEY_FILE,
    )
    return SigningKey.from_pem(DEV_KEY_FILE.read_bytes())


def new_pem() -> str:
    """A fresh private key in PEM (for ``pkip oidc new-key`` and tests)."""
    return _new_pem().decode()
