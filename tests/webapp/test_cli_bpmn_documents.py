# SPDX-License-Identifier: EUPL-1.2
"""`pkip bpmn run` on a diagram that makes a document: the platform's own
documents.render and documents.deliver over an in-memory store, the PDF written to
a directory and listed in the JSON with its path."""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import PROCESS_DIR, TEST_BPMN
from tests.domain.documents.pdf import pdf_text
from webapp.cli import main

DRAFT = {
    "decision_title": "Atļauja cirst ozolu",
    "decision_text": "Atļauts nocirst vienu ozolu Ģertrūdes ielā 5.",
}


def _run(*args: str) -> tuple[int, dict, str]:
    result = CliRunner().invoke(
        main,
        [
            "bpmn",
            "run",
            str(PROCESS_DIR / "issue_decision.bpmn"),
            "--task",
            f"draft_decision={json.dumps(DRAFT)}",
            "--task",
            'sign_decision={"decision_signed": true}',
            *args,
        ],
    )
    out = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.exit_code, out, result.stderr


def test_the_decision_is_rendered_numbered_and_written(tmp_path: Path) -> None:
    target = tmp_path / "pdf"
    code, out, err = _run(
        "--data",
        '{"decision_kind": "permit", "document_fields": {}}',
        "--documents",
        str(target),
        "--municipality",
        "RIGA",
    )
    assert code == 0, err
    assert out["status"] == "completed"
    assert out["notes"] == []  # no "no connector" note: the operators ran
    [made] = out["documents"]
    assert re.fullmatch(r"RIGA-20\d\d-D-00001", made["registration_number"])
    assert (
        made["document_type"] == "permit" and made["title"] == DRAFT["decision_title"]
    )
    assert made["delivery"] == {"channel": "paper", "state": "to_print"}
    pdf = Path(made["path"])
    assert pdf.parent == target.resolve() and pdf.suffix == ".pdf"
    content = pdf.read_bytes()
    assert hashlib.sha256(content).hexdigest() == made["sha256"]
    assert len(content) == made["size"]
    text = pdf_text(content)
    assert "ATĻAUJA" in text and DRAFT["decision_text"] in text
    assert made["registration_number"] in text
    # the diagram's own data holds what the operators answered, as on the platform
    assert out["data"]["document"]["document_id"] == made["document_id"]
    assert out["data"]["delivery"]["state"] == "to_print"


def test_without_a_directory_the_pdf_goes_to_a_new_temporary_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    code, out, err = _run("--data", '{"decision_kind": "refusal"}')
    assert code == 0, err
    [made] = out["documents"]
    pdf = Path(made["path"])
    assert pdf.is_file() and pdf.parent.parent == tmp_path
    assert pdf.parent.name.startswith("pkip-bpmn-run-")
    assert "ATTEIKUMS" in pdf_text(pdf.read_bytes()).upper()


def test_a_run_that_makes_no_document_lists_none_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = CliRunner().invoke(
        main, ["bpmn", "run", str(TEST_BPMN / "loop.bpmn"), "--data", '{"passes": 3}']
    )
    assert result.exit_code == 0, result.stderr
    assert "documents" not in json.loads(result.stdout)
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_template_fails_the_run_with_the_reason(tmp_path: Path) -> None:
    code, out, err = _run(
        "--data", '{"decision_kind": "no_such_template"}', "--documents", str(tmp_path)
    )
    assert code == 1
    assert "render_document" in err and "no_such_template" in err
    assert "documents" not in out and list(tmp_path.iterdir()) == []
