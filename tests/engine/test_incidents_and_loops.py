# SPDX-License-Identifier: EUPL-1.2
"""Failures become incidents that can be retried; no false completions."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from core.contracts import CallContext
from engine.deploy import Deployer, read_files
from engine.errors import InvalidOperation
from engine.models import Incident, ProcessInstance
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import MUNI, TEST_BPMN
from tests.engine import bpmn_snippets as b


class FlakyRegistry:
    """Fails until told to work; counts calls."""

    def __init__(self) -> None:
        self.working = False
        self.calls: list[dict[str, Any]] = []

    def has_operator(self, name: str) -> bool:
        return name == "test.lookup"

    def is_command(self, name: str) -> bool:
        return False

    def call(self, name: str, params: Mapping[str, Any], context: CallContext) -> Any:
        self.calls.append({"params": dict(params), "instance": context.instance_id})
        if not self.working:
            raise TimeoutError("registry did not answer in 5 s")
        return {"found": True, "owner": params["owner_code"]}


@pytest.fixture
def flaky(
    db_session: Session, platform: Platform
) -> tuple[ProcessEngine, FlakyRegistry]:
    registry = FlakyRegistry()
    config = dataclasses.replace(platform.engine_config, connectors=registry)
    deployer = Deployer(
        db_session,
        serializer=config.serializer,
        connectors=registry,
        forms=config.forms,
    )
    deployer.deploy(
        {"svc.bpmn": b.linear("lookup", b.service_task("test.lookup", "owner"))}
    )
    return ProcessEngine(db_session, config), registry


def test_failing_service_call_becomes_an_incident_and_retry_resolves_it(
    flaky: tuple[ProcessEngine, FlakyRegistry],
) -> None:
    engine, registry = flaky
    inst = engine.start("lookup", municipality=MUNI, data={"owner": "161175-19997"})
    assert inst.status == ProcessInstance.RUNNING and inst.has_incident
    [incident] = engine.open_incidents(inst.id)
    assert (
        incident.kind,
        incident.element_id,
        incident.error_type,
        incident.attempts,
    ) == ("service_failed", "work", "TimeoutError", 1)
    assert registry.calls == [
        {"params": {"owner_code": "161175-19997"}, "instance": inst.id}
    ]

    engine.retry_incident(
        incident.id, actor="operators"
    )  # still failing: same incident, one more attempt
    assert incident.attempts == 2 and incident.status == Incident.OPEN

    registry.working = True
    engine.retry_incident(incident.id, actor="operators")
    assert incident.status == Incident.RESOLVED and incident.resolved_by == "operators"
    assert inst.status == ProcessInstance.COMPLETED and not inst.has_incident
    kinds = [e.kind for e in engine.history(inst.id)]
    assert (
        kinds.count("incident") == 2
        and "incident_retried" in kinds
        and kinds[-1] == "ended"
    )
    with pytest.raises(InvalidOperation):
        engine.retry_incident(incident.id, actor="operators")


def test_script_error_is_an_incident_not_a_crash(
    db_session: Session, platform: Platform, engine: ProcessEngine
) -> None:
    platform.deployer(db_session).deploy(
        {"s.bpmn": b.linear("divide", b.script_task("x = 1 / zero"))}
    )
    inst = engine.start("divide", municipality=MUNI, data={"zero": 0})
    [incident] = engine.open_incidents(inst.id)
    assert incident.element_id == "work" and incident.error_type == "ZeroDivisionError"
    assert inst.status == ProcessInstance.RUNNING


def test_raw_spiffworkflow_falsely_completes_a_long_gateway_loop() -> None:
    """The trap this engine guards against (if SpiffWorkflow fixes it, this fails and
    the guard can be reconsidered)."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(TEST_BPMN / "loop.bpmn"))
    wf = BpmnWorkflow(parser.get_spec("gateway_loop"))
    wf.task_tree.data["passes"] = 400
    wf.do_engine_steps()
    end = [t for t in wf.tasks.values() if t.task_spec.bpmn_id == "end"]
    assert wf.is_completed() is True
    assert all(t.state != TaskState.COMPLETED for t in end)


@pytest.mark.slow
def test_thousand_pass_gateway_loop_really_completes(
    db_session: Session, platform: Platform, engine: ProcessEngine
) -> None:
    platform.deployer(db_session).deploy(read_files([TEST_BPMN / "loop.bpmn"]))
    inst = engine.start("gateway_loop", municipality=MUNI, data={"passes": 1000})
    assert inst.status == ProcessInstance.COMPLETED
    assert inst.end_event == "end"
    assert not inst.has_incident
    steps = [e for e in engine.history(inst.id) if e.element_id == "step"]
    assert len(steps) == 1000
