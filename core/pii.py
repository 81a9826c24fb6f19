# SPDX-License-Identifier: EUPL-1.2
"""Personal codes at rest: one design for every room (docs/personal-data.md).

- :meth:`PiiVault.lookup_hash` — HMAC-SHA256 under ``PKIP_PII_HASH_KEY``: stable, so
  an indexed column can find a case by a personal code without storing the code.
- :meth:`PiiVault.encrypt` / :meth:`PiiVault.decrypt` — AES-256-GCM under the keys of
  ``PKIP_PII_KEYS``; the first key encrypts, every key decrypts, and each ciphertext
  names its key (``pii1:<key id>:<base64>``), so keys rotate without a flag day
  (``pkip pii rotate`` re-encrypts under the newest key).
- :meth:`PiiVault.pseudonym` — a per-data-set pseudonym for open data: a different
  HMAC domain, so published pseudonyms cannot be joined with look-up hashes.
- :func:`mask_identifiers` — what texts shown to people and written to logs get.

Development and tests run on fixed, publicly known keys (with a warning in the log);
``PKIP_ENV=production`` refuses to start without real ones (core/settings.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

log = logging.getLogger(__name__)

PREFIX = "pii1:"
"""Every ciphertext starts with it: sealed values are recognisable at a glance."""
KEY_BYTES = 32
NONCE_BYTES = 12
_KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_FULL_IDENTIFIER_RE = re.compile(r"(?<![0-9])[0-9]{6}-?[0-9]{5}(?![0-9])")
_IDENTIFIER_RE = re.compile(r"(?<![0-9])([0-9]{2})[0-9]{4}-?[0-9]{4}([0-9])(?![0-9])")

# Publicly known keys for development and tests only (production refuses them).
_DEV_HASH_KEY = hashlib.sha256(b"pkip-dev-pii-hash-key: not secret").digest()
_DEV_KEY = ("dev", hashlib.sha256(b"pkip-dev-pii-key: not secret").digest())


class PiiError(ValueError):
    """A key is unusable, or a ciphertext cannot be opened; the message says which."""


def mask_identifiers(text: str) -> str:
    """Mask every personal code / registration number in ``text`` (``16****-****7``).

    Incident messages, error texts and log lines go through this: a failing script
    such as ``int(applicant_code)`` quotes the value it could not convert.
    """
    return _IDENTIFIER_RE.sub(r"\1****-****\2", text)


def find_identifiers(value: Any) -> list[str]:
    """The personal codes / registration numbers in ``value`` (JSON-like), without
    hyphens, each once, in the order found (dict keys sorted: a stable order)."""
    found: dict[str, None] = {}

    def walk(item: Any) -> None:
        if isinstance(item, dict):
            for key in sorted(item, key=str):
                walk(item[key])
        elif isinstance(item, (list, tuple)):
            for element in item:
                walk(element)
        elif isinstance(item, (str, int)) and not isinstance(item, bool):
            for match in _FULL_IDENTIFIER_RE.finditer(str(item)):
                found.setdefault(match.group(0).replace("-", ""), None)

    walk(value)
    return list(found)


def scrub_personal_codes(value: Any) -> Any:
    """``value`` (JSON-like) with every personal code masked: in strings, in keys,
    and an 11-digit integer becomes its masked text."""
    if isinstance(value, str):
        return mask_identifiers(value)
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        text = str(value)
        masked = mask_identifiers(text)
        return value if masked == text else masked
    if isinstance(value, dict):
        return {
            mask_identifiers(str(k)): scrub_personal_codes(v) for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [scrub_personal_codes(v) for v in value]
    return mask_identifiers(str(value))


class MaskingFilter(logging.Filter):
    """A logging filter that masks personal codes in every record it passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format is logging's to report
            return True
        masked = mask_identifiers(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install_log_masking() -> None:
    """Mask personal codes in every log record this process makes, whichever logger
    or handler it goes to (idempotent; the platform installs it at start)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "pkip_masking", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _MASKING_FILTER.filter(record)
        return record

    factory.pkip_masking = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


_MASKING_FILTER = MaskingFilter()


def normalize(value: str) -> str:
    """The form a value is hashed in: NFC, no spaces or hyphens, upper case — so
    ``161175-19997`` and ``16117519997`` find the same rows."""
    text = unicodedata.normalize("NFC", value)
    return re.sub(r"[\s-]+", "", text).upper()


def _decode_key(text: str, what: str) -> bytes:
    text = text.strip()
    try:
        key = base64.b64decode(text + "=" * (-len(text) % 4), b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PiiError(f"{what}: not base64") from exc
    if len(key) != KEY_BYTES:
        raise PiiError(f"{what}: needs {KEY_BYTES} bytes, got {len(key)}")
    return key


def parse_hash_key(text: str) -> bytes:
    """``PKIP_PII_HASH_KEY``: base64 of 32 bytes."""
    return _decode_key(text, "PKIP_PII_HASH_KEY")


def parse_keys(text: str) -> list[tuple[str, bytes]]:
    """``PKIP_PII_KEYS``: ``id:base64key`` entries separated by commas, newest first."""
    keys: list[tuple[str, bytes]] = []
    for n, entry in enumerate(e.strip() for e in text.split(",")):
        if not entry:
            continue
        kid, sep, material = entry.partition(":")
        if not sep or not _KEY_ID_RE.match(kid):
            raise PiiError(
                f"PKIP_PII_KEYS: entry {n + 1} must be id:base64key "
                "(id: 1-16 letters, digits, - or _)"
            )
        if any(kid == k for k, _ in keys):
            raise PiiError(f"PKIP_PII_KEYS: key id {kid!r} appears twice")
        keys.append((kid, _decode_key(material, f"PKIP_PII_KEYS {kid}")))
    return keys


def development_keys() -> tuple[bytes, list[tuple[str, bytes]]]:
    """The public development keys (hash key, encryption keys): for tests that
    build vaults of their own beside the platform's."""
    return _DEV_HASH_KEY, [_DEV_KEY]


def new_key() -> str:
    """A fresh random key in the form the settings take (for `pkip pii new-key`)."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode().rstrip("=")


class PiiVault:
    """Keyed hashing and authenticated encryption of personal data (thread-safe)."""

    def __init__(self, hash_key: bytes, keys: Sequence[tuple[str, bytes]]) -> None:
        if not keys:
            raise PiiError("PKIP_PII_KEYS: at least one key is needed")
        self._hash_key = hash_key
        self._keys = {kid: AESGCM(key) for kid, key in keys}
        self.current_key_id = keys[0][0]
        self.uses_dev_keys = hash_key == _DEV_HASH_KEY or any(
            key == _DEV_KEY[1] for _, key in keys
        )

    @classmethod
    def from_config(
        cls, hash_key: str, keys: str, *, env: str, warn: bool = True
    ) -> PiiVault:
        """The vault of the settings; fixed development keys where they are empty
        (outside production, which refuses to start without both)."""
        if env == "production" and not (hash_key and keys):
            raise PiiError("PKIP_PII_HASH_KEY and PKIP_PII_KEYS: production needs both")
        parsed_hash = parse_hash_key(hash_key) if hash_key else _DEV_HASH_KEY
        parsed_keys = parse_keys(keys) if keys else [_DEV_KEY]
        vault = cls(parsed_hash, parsed_keys)
        if vault.uses_dev_keys and warn:
            log.warning(
                "PERSONAL DATA IS PROTECTED WITH PUBLIC DEVELOPMENT KEYS: set "
                "PKIP_PII_HASH_KEY and PKIP_PII_KEYS (see docs/personal-data.md)"
            )
        return vault

    # -- look-ups and pseudonyms ------------------------------------------------------
    def lookup_hash(self, value: str) -> str:
        """HMAC-SHA256 of the normalised value, hex: equal values, equal hashes."""
        return self._hmac(b"lookup\x1f" + normalize(value).encode())

    def pseudonym(self, value: str, scope: str) -> str:
        """A stable pseudonym of ``value`` within ``scope`` (one open data set):
        unlinkable to look-up hashes and to other scopes' pseudonyms."""
        data = f"pseudonym\x1f{scope}\x1f{normalize(value)}".encode()
        return self._hmac(data)[:24]

    def _hmac(self, data: bytes) -> str:
        return hmac.new(self._hash_key, data, hashlib.sha256).hexdigest()

    # -- encryption -------------------------------------------------------------------
    def encrypt(self, plain: str, context: str) -> str:
        """Seal ``plain`` under the newest key. ``context`` (e.g. the column's name)
        is authenticated: a ciphertext copied to another column does not open."""
        nonce = os.urandom(NONCE_BYTES)
        kid = self.current_key_id
        sealed = self._keys[kid].encrypt(nonce, plain.encode(), _aad(kid, context))
        body = base64.b64encode(nonce + sealed).decode()
        return f"{PREFIX}{kid}:{body}"

    def decrypt(self, token: str, context: str) -> str:
        kid, body = self._split(token)
        cipher = self._keys.get(kid)
        if cipher is None:
            raise PiiError(f"no key {kid!r} in PKIP_PII_KEYS to open this value")
        try:
            raw = base64.b64decode(body, validate=True)
            plain = cipher.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(kid, context)
            )
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise PiiError(f"a value sealed with key {kid!r} does not open") from exc
        return plain.decode()

    def needs_rotation(self, token: str) -> bool:
        """True for a plain value or one sealed under an older key."""
        return not is_sealed(token) or self._split(token)[0] != self.current_key_id

    def rotate(self, token: str, context: str) -> str:
        """``token`` sealed under the newest key (a plain value gets sealed)."""
        plain = self.decrypt(token, context) if is_sealed(token) else token
        return self.encrypt(plain, context)

    @staticmethod
    def _split(token: str) -> tuple[str, str]:
        if not is_sealed(token):
            raise PiiError("not a sealed value")
        kid, sep, body = token[len(PREFIX) :].partition(":")
        if not sep:
            raise PiiError("a sealed value without its key id")
        return kid, body


SEALED_KEY = "_sealed"
"""The one key of a JSON object stored sealed (``seal_json``)."""


def seal_json(value: dict[str, Any], vault: PiiVault, context: str) -> dict[str, Any]:
    """``value`` as ``{"_sealed": "pii1:…"}`` when it holds a personal code, else as
    it is (parameters without personal data stay readable for operators)."""
    if not find_identifiers(value):
        return value
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return {SEALED_KEY: vault.encrypt(text, context)}


def open_json(value: Any, vault: PiiVault | None, context: str) -> Any:
    """The inverse of :func:`seal_json` (a value that is not sealed is returned)."""
    if not (isinstance(value, dict) and set(value) == {SEALED_KEY}):
        return value
    if vault is None:
        raise PiiError("a sealed value, and no PKIP_PII_KEYS here to open it")
    return json.loads(vault.decrypt(value[SEALED_KEY], context))


def is_sealed(text: str | None) -> bool:
    return bool(text) and str(text).startswith(PREFIX)


def _aad(kid: str, context: str) -> bytes:
    return f"pkip-pii\x1f{kid}\x1f{context}".encode()
