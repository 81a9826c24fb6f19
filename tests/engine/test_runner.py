# SPDX-License-Identifier: EUPL-1.2
"""`pkip bpmn run`: one diagram in memory, start to end, JSON out."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.conftest import PROCESS_DIR, TEST_BPMN
from webapp.cli import main


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["bpmn", "run", *args])
    return result.exit_code, result.stdout, result.stderr


def test_runs_the_dog_fee_with_given_data_and_timers_fired_at_once() -> None:
    # In memory there is no platform: fees.price and the payment sub-process's
    # payments.* operators answer null (a note says so), so the dry run keeps the
    # DMN's fee and follows the clerk's refusal; the paid, cancelled and unpaid
    # paths run through the persistent engine (tests/domain/payments).
    code, out, err = _run(
        str(PROCESS_DIR / "dog_fee.bpmn"),
        str(PROCESS_DIR / "dog_fee_amount.dmn"),
        str(PROCESS_DIR / "payment.bpmn"),
        "--data",
        json.dumps(
            {
                "case_number": "SN-1",
                "applicant_code": "161175-19997",
                "applicant_name": "Jānis Bērziņš",
                "is_pensioner": False,
                "has_disability": False,
            }
        ),
        "--task",
        'review_fee={"approved": false, "comment": "Suns nav mans"}',
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["end_event"] == "end_rejected"
    order = result["completed"]
    assert (
        order.index("check_ldc_dogs")
        < order.index("calculate_fee")
        < order.index("determine_fee")
        < order.index("review_fee")
    )
    assert result["data"]["fee"] == 60 and result["data"]["fee_amount"] == "60.00"


def test_auto_takes_the_timer_path_only_when_nothing_else_can_move() -> None:
    code, out, err = _run(
        str(PROCESS_DIR / "issue_decision.bpmn"),
        "--auto",
        "--task",
        'sign_decision={"decision_signed": true}',
        "--task",
        'draft_decision={"decision_title": "A", "decision_text": "B"}',
    )
    assert code == 0, err
    assert json.loads(out)["completed"][-1].startswith("end")


def test_loop_of_a_thousand_passes_ends_at_the_end_event() -> None:
    code, out, err = _run(str(TEST_BPMN / "loop.bpmn"), "--data", '{"passes": 1000}')
    assert code == 0, err
    result = json.loads(out)
    assert result["end_event"] == "end" and result["data"]["i"] == 1000
    assert result["completed"].count("step") == 1000


def test_missing_task_data_fails_with_the_reason() -> None:
    code, out, err = _run(str(PROCESS_DIR / "issue_decision.bpmn"))
    assert code == 1
    assert "draft_decision needs data" in err


def test_invalid_task_data_names_the_field() -> None:
    code, out, err = _run(
        str(PROCESS_DIR / "issue_decision.bpmn"),
        "--task",
        'draft_decision={"decision_title": ""}',
    )
    assert code == 1 and "decision_text" in err


def test_a_broken_diagram_is_a_deploy_error() -> None:
    code, out, err = _run(str(TEST_BPMN / "message_start.bpmn"), "--process", "nope")
    assert code == 2 and "no such executable process" in err
