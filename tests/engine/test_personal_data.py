# SPDX-License-Identifier: EUPL-1.2
"""Personal codes in the engine: incident texts masked at the source, instance state
sealed at rest (docs/personal-data.md)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from engine.models import Incident, ProcessInstance
from engine.runtime import ProcessEngine
from engine.workflow import StateSerializer
from pkip.platform import Platform
from tests.conftest import MUNI
from tests.engine import bpmn_snippets as b

CODE = "161175-19997"


def test_a_failing_script_quoting_a_code_opens_a_masked_incident(
    db_session: Session, platform: Platform, engine: ProcessEngine
) -> None:
    platform.deployer(db_session).deploy(
        {"p.bpmn": b.linear("probe", b.script_task("n = int(applicant_code)"))}
    )
    inst = engine.start("probe", municipality=MUNI, data={"applicant_code": CODE})
    [incident] = engine.open_incidents(inst.id)
    assert incident.error_type == "ValueError"
    db_session.flush()
    stored = db_session.execute(
        text("SELECT message FROM incidents WHERE id = :id"), {"id": incident.id}
    ).scalar_one()
    assert "16****-****7" in stored  # the operator still sees which value failed
    assert CODE not in stored and "16117519997" not in stored
    # a retry that fails again keeps the text masked
    engine.retry_incident(incident.id, actor="operators")
    db_session.flush()
    again = db_session.get(Incident, incident.id)
    assert again is not None and again.attempts == 2 and CODE not in again.message


def test_instance_state_is_sealed_at_rest_and_loads_again(
    db_session: Session, platform: Platform, engine: ProcessEngine
) -> None:
    platform.deployer(db_session).deploy({"u.bpmn": b.linear("wait", b.user_task())})
    inst = engine.start("wait", municipality=MUNI, data={"applicant_code": CODE})
    db_session.flush()
    raw = db_session.execute(
        text("SELECT state FROM process_instances WHERE id = :id"), {"id": inst.id}
    ).scalar_one()
    assert raw.startswith(f"pii1:{platform.pii.current_key_id}:")
    assert CODE not in raw and "applicant_code" not in raw
    db_session.expire_all()
    again = db_session.get(ProcessInstance, inst.id)
    assert again is not None
    assert engine.workflow(again).get_next_task().data["applicant_code"] == CODE  # type: ignore[union-attr]


def test_plain_state_written_before_sealing_still_loads(
    db_session: Session, platform: Platform, engine: ProcessEngine
) -> None:
    platform.deployer(db_session).deploy({"u.bpmn": b.linear("wait", b.user_task())})
    inst = engine.start("wait", municipality=MUNI, data={"applicant_code": CODE})
    wf = engine.workflow(inst)
    inst.state = StateSerializer().dump_state(wf)  # as stored before this change
    assert inst.state.startswith("{")
    task = engine.workflow(inst).get_next_task()
    assert task is not None and task.data["applicant_code"] == CODE
