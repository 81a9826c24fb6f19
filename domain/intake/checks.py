# SPDX-License-Identifier: EUPL-1.2
"""Which incoming files the intake accepts: type, size, and containers that are not
zip bombs. A refused file is kept with its reason and flags its item; it is never
dropped (issue 11, item 7) and never opened in the browser."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

MAX_FILE_BYTES = 10 * 1024 * 1024
"""One file; a letter's scans and the task page's uploads fit in it."""
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
"""What a container may unpack to in all."""
MAX_RATIO = 100
"""Unpacked to packed size; ordinary documents compress 2–10 times."""
MAX_MEMBERS = 1000

PDF = {".pdf"}
CONTAINERS = {".edoc", ".asice", ".sce", ".docx", ".xlsx", ".pptx", ".odt", ".ods"}
IMAGES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".gif"}
OFFICE = {".doc", ".xls", ".rtf", ".txt"}
ALLOWED = PDF | CONTAINERS | IMAGES | OFFICE

# what each refusal is called (code → Latvian, English)
REASONS: dict[str, tuple[str, str]] = {
    "type": ("Neatļauts datnes veids", "File type not allowed"),
    "size": ("Datne ir par lielu", "File too large"),
    "bomb": ("Konteiners izpakojas aizdomīgi liels", "Container unpacks too large"),
    "damaged": ("Datne ir bojāta", "File is damaged"),
    "empty": ("Datne ir tukša", "File is empty"),
}


def check_file(name: str, content: bytes) -> str | None:
    """The reason code (a key of ``REASONS``) a file is refused, or None."""
    suffix = PurePath(name).suffix.casefold()
    if suffix not in ALLOWED:
        return "type"
    if not content:
        return "empty"
    if len(content) > MAX_FILE_BYTES:
        return "size"
    if suffix in PDF and not content.startswith(b"%PDF"):
        return "damaged"
    if suffix in CONTAINERS:
        return _check_container(content)
    return None


def _check_container(content: bytes) -> str | None:
    # The central directory's declared sizes: a bomb declares what it unpacks to
    # (and a lie there makes reading fail later, which nobody here does).
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return "damaged"
    if len(members) > MAX_MEMBERS:
        return "bomb"
    unpacked = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_RATIO:
        return "bomb"
    return None


def reason(code: str, name: str) -> str:
    """The Latvian line an item's problems list shows for a refused file."""
    return f"{name}: {REASONS.get(code, (code, code))[0]}"


def viewable_inline(name: str) -> bool:
    """PDF and pictures open in the browser; everything else downloads."""
    suffix = PurePath(name).suffix.casefold()
    return suffix in PDF or suffix in {".png", ".jpg", ".jpeg", ".gif"}
