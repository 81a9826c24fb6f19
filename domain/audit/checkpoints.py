# SPDX-License-Identifier: EUPL-1.2
"""Signed checkpoints of the chains' heads, kept outside the database.

A checkpoint is one JSON line per chain — municipality, seq, hash, time — signed
with HMAC-SHA256 under ``PKIP_AUDIT_KEY``, which is never stored in the database.
The lines are appended to ``audit-checkpoints.jsonl`` in ``PKIP_AUDIT_EXPORT_DIR``
(a directory an auditor keeps, or copies elsewhere): whoever rewrites the database
together with every hash of its chain cannot forge them, and ``pkip audit verify``
finds the rewrite.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utcnow
from domain.audit.chain import canonical
from domain.audit.models import AuditHead

log = logging.getLogger(__name__)

FILE_NAME = "audit-checkpoints.jsonl"
KEY_BYTES = 32
_DEV_KEY = hashlib.sha256(b"pkip-dev-audit-key: not secret").digest()


class AuditKeyError(ValueError):
    """PKIP_AUDIT_KEY is unusable; the message says why."""


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode().rstrip("=")


def parse_key(text: str, *, env: str, warn: bool = True) -> bytes:
    """The signing key of ``PKIP_AUDIT_KEY`` (base64 of 32 bytes); outside
    production an empty setting gives a public development key, with a warning."""
    text = text.strip()
    if not text:
        if env == "production":
            raise AuditKeyError(
                "PKIP_AUDIT_KEY: production needs the key that signs audit checkpoints"
            )
        if warn:
            log.warning(
                "AUDIT CHECKPOINTS ARE SIGNED WITH A PUBLIC DEVELOPMENT KEY: set "
                "PKIP_AUDIT_KEY (`pkip audit new-key`, see docs/audit.md)"
            )
        return _DEV_KEY
    try:
        key = base64.b64decode(text + "=" * (-len(text) % 4), b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise AuditKeyError("PKIP_AUDIT_KEY: not base64") from exc
    if len(key) != KEY_BYTES:
        raise AuditKeyError(f"PKIP_AUDIT_KEY: needs {KEY_BYTES} bytes, got {len(key)}")
    return key


@dataclass(frozen=True)
class Checkpoint:
    municipality: str
    seq: int
    hash: str
    at: datetime

    def payload(self) -> dict[str, Any]:
        return {
            "municipality": self.municipality,
            "seq": self.seq,
            "hash": self.hash,
            "at": self.at.isoformat(),
        }


def sign(key: bytes, payload: dict[str, Any]) -> str:
    return hmac.new(key, canonical(payload), hashlib.sha256).hexdigest()


def take(session: Session, now: datetime | None = None) -> list[Checkpoint]:
    """The head of every chain now."""
    now = now or utcnow()
    return [
        Checkpoint(head.municipality, head.seq, head.hash, now)
        for head in session.scalars(select(AuditHead).order_by(AuditHead.municipality))
        if head.seq > 0
    ]


def latest(directory: Path) -> dict[str, int]:
    """The newest exported seq per chain (unverified: to skip what is unchanged)."""
    path = directory / FILE_NAME
    found: dict[str, int] = {}
    if not path.exists():
        return found
    for _, _, text in _lines(path):
        try:
            data = json.loads(text)
            chain, seq = str(data["municipality"]), int(data["seq"])
        except (ValueError, KeyError, TypeError):
            continue
        found[chain] = max(seq, found.get(chain, 0))
    return found


def checkpoint(
    session: Session,
    key: bytes,
    directory: Path,
    now: datetime | None = None,
    *,
    only_changed: bool = True,
) -> list[Checkpoint]:
    """Sign and export the head of every chain (that moved since its last exported
    checkpoint); what was written."""
    points = take(session, now)
    if only_changed:
        done = latest(directory)
        points = [p for p in points if done.get(p.municipality) != p.seq]
    if points:
        export(points, key, directory)
    return points


def export(points: list[Checkpoint], key: bytes, directory: Path) -> Path:
    """Append the signed lines to the export file (fsynced); its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILE_NAME
    lines = []
    for point in points:
        payload = point.payload()
        payload["signature"] = sign(key, point.payload())
        lines.append(json.dumps(payload, sort_keys=True))
    with path.open("a", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return path


@dataclass(frozen=True)
class BadLine:
    path: Path
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


def read(source: Path, key: bytes) -> tuple[list[dict[str, Any]], list[BadLine]]:
    """The checkpoints in ``source`` (a file, or a directory of ``*.jsonl``) whose
    signatures hold, and the lines that do not."""
    good: list[dict[str, Any]] = []
    bad: list[BadLine] = []
    for path, number, text in _lines(source):
        try:
            data = json.loads(text)
            payload = {k: data[k] for k in ("municipality", "seq", "hash", "at")}
            signature = str(data["signature"])
        except (ValueError, KeyError, TypeError):
            bad.append(BadLine(path, number, "not a checkpoint line"))
            continue
        if not hmac.compare_digest(signature, sign(key, payload)):
            bad.append(BadLine(path, number, "the signature does not match"))
            continue
        good.append(payload)
    return good, bad


def _lines(source: Path) -> Iterator[tuple[Path, int, str]]:
    files = sorted(source.glob("*.jsonl")) if source.is_dir() else [source]
    for path in files:
        with path.open(encoding="utf-8") as fh:
            for number, text in enumerate(fh, 1):
                if text.strip():
                    yield path, number, text
