# SPDX-License-Identifier: EUPL-1.2
"""File uploads: check size and type, and carry an accepted file through a re-render.

An accepted upload becomes the JSON value
``{"name", "mime", "size", "sha256", "content_base64"}``; declare such a field as
``{"type": "object", "x-widget": "file", "x-maxBytes": …, "x-accept": [...]}``.

**Type.** The browser's MIME type is only a claim, so where the file's first bytes
have a known signature (PDF, PNG, JPEG, GIF, TIFF, WebP, ZIP-based office files
and eDoc containers, old MS Office) they must match the claimed type. A missing or
generic claim (``application/octet-stream``, as browsers send for ``.edoc``) is
replaced by the type the file name's extension suggests.

**Keeping an upload after an error.** A browser cannot pre-fill a file input, so
the re-rendered form carries an accepted file in hidden inputs: first a JSON
``{"name", "mime"}``, then the base64 content in chunks of at most 256 KiB each
(Werkzeug refuses a single form field above 500 kB by default). On the next
submission the kept file is checked again like a fresh upload and its size and
hash recomputed, so a tampered hidden field can do no more than a new upload can.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import mimetypes
import re
from collections.abc import Mapping, Sequence
from typing import IO, Any, Final, Protocol

from core.contracts import FieldError
from forms.render.texts import format_size

__all__ = [
    "DEFAULT_MAX_BYTES",
    "KEPT_CHUNK",
    "UploadedFile",
    "accepted_types",
    "check_content",
    "check_upload",
    "kept_file",
    "kept_values",
    "max_bytes",
    "type_names",
]

DEFAULT_MAX_BYTES: Final = 10 * 1024 * 1024
KEPT_CHUNK: Final = 256 * 1024
_GENERIC: Final = frozenset({"", "application/octet-stream", "binary/octet-stream"})
_ZIP: Final = (b"PK\x03\x04",)
_OLE: Final = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
# Where a type has a signature, the file must start with one of these bytes.
_SIGNATURES: Final[dict[str, tuple[bytes, ...]]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
    "application/zip": _ZIP,
    "application/vnd.etsi.asic-e+zip": _ZIP,
    "application/vnd.etsi.asic-s+zip": _ZIP,
    "application/msword": _OLE,
    "application/vnd.ms-excel": _OLE,
}
_ZIP_FAMILY: Final = ("application/vnd.openxmlformats-", "application/vnd.oasis.")
_EXTENSIONS: Final[dict[str, str]] = {
    ".edoc": "application/vnd.etsi.asic-e+zip",
    ".asice": "application/vnd.etsi.asic-e+zip",
    ".asics": "application/vnd.etsi.asic-s+zip",
}
_TYPE_NAMES: Final[dict[str, str]] = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/tiff": "TIFF",
    "image/webp": "WebP",
    "application/vnd.etsi.asic-e+zip": "eDoc",
    "application/msword": "DOC",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.oasis.opendocument.text": "ODT",
    "text/plain": "TXT",
    "text/csv": "CSV",
}
# control characters, and lone surrogates (a name from JSON): neither is text
_UNSAFE_NAME: Final = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


class UploadedFile(Protocol):
    """What a file upload offers; Werkzeug's ``FileStorage`` fits."""

    filename: str | None
    stream: IO[bytes]

    @property
    def mimetype(self) -> str:
        """The MIME type the browser claimed, without parameters."""
        ...


def max_bytes(schema: Mapping[str, Any]) -> int:
    """The field's ``x-maxBytes``, or 10 MiB when it sets none."""
    limit = schema.get("x-maxBytes")
    return limit if isinstance(limit, int) and limit > 0 else DEFAULT_MAX_BYTES


def accepted_types(schema: Mapping[str, Any]) -> list[str]:
    """``x-accept``, else ``contentMediaType``; empty means any type."""
    accept = schema.get("x-accept")
    if isinstance(accept, str):
        accept = [part.strip() for part in accept.split(",")]
    if isinstance(accept, list):
        return [str(t).lower() for t in accept if str(t).strip()]
    media = schema.get("contentMediaType")
    return [media.lower()] if isinstance(media, str) else []


def type_names(types: Sequence[str], language: str) -> str:
    """``PDF, JPEG`` for people instead of MIME types (``image/*``: any image)."""
    images = "images" if language == "en" else "attēli"
    return ", ".join(images if t == "image/*" else _TYPE_NAMES.get(t, t) for t in types)


def _error(path: str, code: str, lv: str, en: str) -> FieldError:
    return FieldError(path=path, message=lv, message_en=en, code=code)


def _type_error(path: str, types: Sequence[str]) -> FieldError:
    return _error(
        path,
        "fileType",
        f"Nepieļaujams faila tips; atļauti: {type_names(types, 'lv')}",
        f"This file type is not allowed; allowed: {type_names(types, 'en')}",
    )


def _too_large(path: str, schema: Mapping[str, Any]) -> FieldError:
    limit = max_bytes(schema)
    return _error(
        path,
        "maxBytes",
        f"Fails ir pārāk liels; atļauts ne vairāk kā {format_size(limit, 'lv')}",
        f"The file is too large; at most {format_size(limit, 'en')} is allowed",
    )


def _clean_name(filename: str) -> str:
    # Old browsers send the whole client path; a name is all the case needs.
    name = re.split(r"[\\/]", filename)[-1]
    return _UNSAFE_NAME.sub("", name).strip()[:255] or "fails"


def _claimed_type(claimed: str, name: str) -> str:
    claimed = claimed.split(";")[0].strip().lower()
    if claimed not in _GENERIC:
        return claimed
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    guessed = _EXTENSIONS.get(extension) or mimetypes.guess_type(name)[0]
    return (guessed or "application/octet-stream").lower()


def _accepts(mime: str, types: Sequence[str]) -> bool:
    if not types:
        return True
    family = mime.split("/")[0] + "/*"
    return mime in types or family in types


def _signature_ok(mime: str, content: bytes) -> bool:
    if mime == "application/pdf":
        # Readers accept leading junk before the header; so do we, a little.
        return b"%PDF-" in content[:1024]
    if mime == "image/webp":
        return content[:4] == b"RIFF" and content[8:12] == b"WEBP"
    signatures = _SIGNATURES.get(mime)
    if signatures is None and mime.startswith(_ZIP_FAMILY):
        signatures = _ZIP
    return signatures is None or content.startswith(signatures)


def check_content(
    path: str, name: str, mime: str, content: bytes, schema: Mapping[str, Any]
) -> dict[str, Any] | FieldError:
    """The stored value of an upload, or the Latvian reason it is refused."""
    if len(content) > max_bytes(schema):
        return _too_large(path, schema)
    if not content:
        return _error(path, "fileEmpty", "Fails ir tukšs", "The file is empty")
    types = accepted_types(schema)
    if not _accepts(mime, types) or not _signature_ok(mime, content):
        return _type_error(path, types or [mime])
    return {
        "name": name,
        "mime": mime,
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "content_base64": base64.b64encode(content).decode("ascii"),
    }


def check_upload(
    path: str, upload: UploadedFile, schema: Mapping[str, Any]
) -> dict[str, Any] | FieldError:
    """Read ``upload`` (at most one byte past the limit) and check it."""
    name = _clean_name(upload.filename or "")
    content = upload.stream.read(max_bytes(schema) + 1)
    return check_content(
        path, name, _claimed_type(upload.mimetype or "", name), content, schema
    )


def kept_values(value: Mapping[str, Any]) -> list[str] | None:
    """The hidden-input values that carry an accepted file through a re-render."""
    content = value.get("content_base64")
    if not isinstance(content, str) or not content:
        return None
    head = json.dumps({"name": value.get("name"), "mime": value.get("mime")})
    chunks = [content[i : i + KEPT_CHUNK] for i in range(0, len(content), KEPT_CHUNK)]
    return [head, *chunks]


def kept_file(
    path: str, values: Sequence[str], schema: Mapping[str, Any]
) -> dict[str, Any] | FieldError | None:
    """Rebuild and recheck a kept file from its hidden inputs (None: none kept)."""
    if not values or not values[0]:
        return None
    unreadable = _error(
        path,
        "fileKept",
        "Pievienoto failu neizdevās nolasīt; pievienojiet to vēlreiz",
        "The attached file could not be read; please attach it again",
    )
    text = "".join(values[1:])
    if len(text) > (max_bytes(schema) // 3 + 1) * 4:
        return _too_large(path, schema)  # without decoding what cannot fit
    try:
        head = json.loads(values[0])
        content = base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        return unreadable
    if not isinstance(head, dict) or not isinstance(head.get("name"), str):
        return unreadable
    mime = _claimed_type(str(head.get("mime") or ""), head["name"])
    return check_content(path, _clean_name(head["name"]), mime, content, schema)
