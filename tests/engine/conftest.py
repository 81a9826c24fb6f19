# SPDX-License-Identifier: EUPL-1.2
"""Engine tests: `pkip bpmn run` writes the PDFs a diagram makes to a new temporary
directory; in tests that is pytest's own temporary base, never the system's /tmp."""

from __future__ import annotations

import tempfile

import pytest


@pytest.fixture(autouse=True)
def _run_documents_in_pytest_tmp(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path_factory.getbasetemp()))
