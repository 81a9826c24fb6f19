# SPDX-License-Identifier: EUPL-1.2
"""Each sample diagram run to its end through the persistent engine, every path."""

from __future__ import annotations

from sqlalchemy import select

from engine.models import OutboxMessage, ProcessInstance
from engine.runtime import ProcessEngine
from tests.conftest import MUNI
from tests.engine.factories import (
    DRAFT,
    INSPECTION_NO,
    INSPECTION_OK,
    SIGNED,
    TREE_REGISTRATION,
    deliver_commands,
    dog_fee_start,
    paid,
    ready_task,
    ready_tasks,
)


def _kinds(engine: ProcessEngine, instance_id: str) -> list[tuple[str, str | None]]:
    return [(e.kind, e.element_id) for e in engine.history(instance_id)]


def test_dog_fee_paid_path(engine: ProcessEngine, deployed: dict[str, int]) -> None:
    inst = engine.start(
        "dog_fee", municipality=MUNI, data=dog_fee_start(), actor="iedzivotajs"
    )
    review = ready_task(engine.session, inst.id, "review_fee")
    assert review.candidate_group == "finansists"
    assert review.form_key == "dog_fee_review"

    engine.complete_task(review.id, {"approved": True}, actor="anna")
    assert inst.status == ProcessInstance.RUNNING
    assert ready_tasks(engine.session, inst.id) == []
    # the payment sub-process asks the payment module through the outbox
    assert deliver_commands(engine, inst.id) == 1

    delivered = engine.correlate_message(
        "payment_received",
        municipality=MUNI,
        correlation={"case_number": "SN-2026-0001"},
        payload=paid("SN-2026-0001"),
    )
    assert [i.id for i in delivered] == [inst.id]
    assert inst.status == ProcessInstance.COMPLETED
    assert inst.end_event == "end_paid"
    kinds = _kinds(engine, inst.id)
    assert ("service_called", "check_ldc_dogs") in kinds
    assert ("task_completed", "review_fee") in kinds
    # the payment sub-process (a call activity) took the message at its catch
    assert ("step_completed", "wait_payment") in kinds
    assert ("end_event", "end_payment_paid") in kinds
    assert kinds[-1] == ("ended", "end_paid")
    completed = [e for e in engine.history(inst.id) if e.kind == "task_completed"]
    assert completed[0].actor == "anna"


def test_dog_fee_exempt_path_needs_no_clerk(
    engine: ProcessEngine, deployed: dict[str, int]
) -> None:
    inst = engine.start(
        "dog_fee", municipality=MUNI, data=dog_fee_start(has_disability=True)
    )
    assert inst.status == ProcessInstance.COMPLETED
    assert inst.end_event == "end_exempt"


def test_dog_fee_rejected_path(engine: ProcessEngine, deployed: dict[str, int]) -> None:
    inst = engine.start("dog_fee", municipality=MUNI, data=dog_fee_start())
    review = ready_task(engine.session, inst.id, "review_fee")
    engine.complete_task(
        review.id, {"approved": False, "comment": "Suns nav reģistrēts"}, actor="anna"
    )
    assert inst.status == ProcessInstance.COMPLETED
    assert inst.end_event == "end_rejected"


def _tree_felling_to_decision(
    engine: ProcessEngine, inspection: dict[str, object]
) -> ProcessInstance:
    inst = engine.start("tree_felling", municipality=MUNI, actor="lietvede")
    reg = ready_task(engine.session, inst.id, "register_application")
    assert reg.candidate_group == "lietvedis"
    engine.complete_task(reg.id, TREE_REGISTRATION, actor="lietvede")
    inspect = ready_task(engine.session, inst.id, "inspect_trees")
    assert inspect.candidate_group == "specialists"
    engine.complete_task(inspect.id, inspection, actor="janis")
    # the call activity's first task is indexed like any other, with its own lane
    draft = ready_task(engine.session, inst.id, "draft_decision")
    assert draft.candidate_group == "specialists"
    engine.complete_task(draft.id, DRAFT, actor="janis")
    sign = ready_task(engine.session, inst.id, "sign_decision")
    assert sign.candidate_group == "vaditajs"
    engine.complete_task(sign.id, SIGNED, actor="vaditaja")
    return inst


def _waits_for_document(engine: ProcessEngine, inst: ProcessInstance) -> dict:
    """The signed decision waits for its PDF: one documents.render in the outbox.
    (tests/domain/test_document_scenarios.py delivers it and runs to the end.)"""
    assert inst.status == ProcessInstance.RUNNING
    [message] = engine.session.scalars(
        select(OutboxMessage).where(OutboxMessage.instance_id == inst.id)
    ).all()
    assert (message.operator, message.element_id) == (
        "documents.render",
        "render_document",
    )
    params: dict = engine.outbox_params(message)
    return params


def test_tree_felling_permit_path(
    engine: ProcessEngine, deployed: dict[str, int]
) -> None:
    inst = _tree_felling_to_decision(engine, INSPECTION_OK)
    params = _waits_for_document(engine, inst)
    assert params["template"] == "permit"
    # compensation = 2 trees x 85
    assert params["fields"]["compensation"] == 170
    assert params["fields"]["decision_title"] == DRAFT["decision_title"]
    kinds = _kinds(engine, inst.id)
    assert ("step_completed", "calculate_compensation") in kinds


def test_tree_felling_refusal_path(
    engine: ProcessEngine, deployed: dict[str, int]
) -> None:
    inst = _tree_felling_to_decision(engine, INSPECTION_NO)
    params = _waits_for_document(engine, inst)
    assert params["template"] == "refusal"
    assert "compensation" not in params["fields"]


def test_issue_decision_rework_loop(
    engine: ProcessEngine, deployed: dict[str, int]
) -> None:
    inst = engine.start(
        "issue_decision",
        municipality=MUNI,
        data={"decision_kind": "permit", "document_fields": {}},
    )
    engine.complete_task(
        ready_task(engine.session, inst.id, "draft_decision").id, DRAFT, actor="janis"
    )
    sign = ready_task(engine.session, inst.id, "sign_decision")
    engine.complete_task(
        sign.id,
        {"decision_signed": False, "sign_comment": "Precizēt"},
        actor="vaditaja",
    )
    redo = ready_task(engine.session, inst.id, "draft_decision")
    engine.complete_task(redo.id, DRAFT, actor="janis")
    engine.complete_task(
        ready_task(engine.session, inst.id, "sign_decision").id,
        SIGNED,
        actor="vaditaja",
    )
    assert _waits_for_document(engine, inst)["template"] == "permit"
