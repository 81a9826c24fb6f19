# SPDX-License-Identifier: EUPL-1.2
"""Small, valid demo documents for the simulators' fixture messages and the tests."""

from __future__ import annotations

import io
import zipfile

from connectors.systems.depp.contract import ASICE


def demo_pdf(text: str = "Iesniegums") -> bytes:
    """A one-page PDF with one line of ASCII text (PDF viewers open it)."""
    safe = "".join(c for c in text if c.isascii() and c.isprintable())
    safe = safe.replace("\\", "").replace("(", "").replace(")", "")[:80]
    stream = f"BT /F1 14 Tf 72 760 Td ({safe}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
        b" /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def demo_edoc(inner_name: str = "dokuments.pdf", text: str = "Dokuments") -> bytes:
    """An ASiC-E container (.edoc) holding one PDF; the signature is a placeholder,
    the layout (mimetype first, stored) is the standard's."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), ASICE, compress_type=zipfile.ZIP_STORED)
        z.writestr(inner_name, demo_pdf(text), compress_type=zipfile.ZIP_DEFLATED)
        z.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
            'opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="/"'
            f' manifest:media-type="{ASICE}"/>'
            f'<manifest:file-entry manifest:full-path="{inner_name}"'
            ' manifest:media-type="application/pdf"/></manifest:manifest>',
            compress_type=zipfile.ZIP_DEFLATED,
        )
        z.writestr(
            "META-INF/signatures0.xml",
            "<!-- demo: no real signature -->",
            compress_type=zipfile.ZIP_DEFLATED,
        )
    return buffer.getvalue()
