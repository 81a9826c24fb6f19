# SPDX-License-Identifier: EUPL-1.2
"""The text of a PDF as a reader sees it (poppler's pdftotext), for exact checks."""

from __future__ import annotations

import shutil
import subprocess

import pytest


def pdf_text(pdf: bytes) -> str:
    """pdftotext's text, lines stripped and blank lines dropped."""
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext (poppler-utils) is needed to check documents")
    out = subprocess.run(
        [tool, "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    return "\n".join(line.strip() for line in out.splitlines() if line.strip())


def embedded_fonts(pdf: bytes, tmp_path: object) -> list[str]:
    """Names of the fonts embedded in the PDF (poppler's pdffonts)."""
    tool = shutil.which("pdffonts")
    if tool is None:
        pytest.fail("pdffonts (poppler-utils) is needed to check documents")
    path = f"{tmp_path}/document.pdf"
    with open(path, "wb") as handle:
        handle.write(pdf)
    out = subprocess.run([tool, path], capture_output=True, check=True, text=True)
    rows = out.stdout.splitlines()[2:]
    # columns: name type... emb sub uni object ID; emb is the 5th from the end
    return [row.split()[0] for row in rows if row.split()[-5] == "yes"]
