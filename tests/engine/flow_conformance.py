# SPDX-License-Identifier: EUPL-1.2
"""Running one conformance diagram three ways: the persistent engine, `pkip bpmn run`
and plain SpiffWorkflow 3.2 (the library PKIP must never do less than).

Each way answers with the same shape, so a test can assert the path the standard
requires on all of them: how many times each flow node ran (a loop or multi-instance
activity by its iterations), where the case ended, and its data.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine.deploy import DeployError, read_files
from engine.models import ProcessInstance
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import MUNI, TEST_BPMN
from webapp.cli import main

CONFORMANCE = TEST_BPMN / "conformance"
# What the history calls a flow node's completion (not "started", "task_ready", …).
_RAN = {
    "step_completed",
    "task_completed",
    "service_called",
    "timer_fired",
    "message_received",
    "end_event",
}


def diagram(name: str) -> Path:
    return CONFORMANCE / f"{name}.bpmn"


@dataclass
class Outcome:
    """Where a run ended: ``end`` is the end event (None when it did not end)."""

    counts: dict[str, int] = field(default_factory=dict)
    end: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    error: str = ""


def persisted(
    platform: Platform,
    session: Session,
    engine: ProcessEngine,
    name: str,
    data: dict[str, Any],
) -> tuple[Outcome, ProcessInstance]:
    """Deploy the diagram, start it and let it run as far as it goes."""
    platform.deployer(session).deploy(read_files([diagram(name)]), deployed_by="t")
    instance = engine.start(name, municipality=MUNI, data=data)
    counts = Counter(
        e.element_id
        for e in engine.history(instance.id)
        if e.kind in _RAN and e.element_id
    )
    outcome = Outcome(counts=dict(counts), end=instance.end_event)
    if instance.status == ProcessInstance.COMPLETED:
        outcome.data = json.loads(json.dumps(engine.workflow(instance).data))
    return outcome, instance


def via_cli(name: str, data: dict[str, Any], *more: str) -> tuple[int, Outcome]:
    """`pkip bpmn run` on the diagram; the exit code and what it printed."""
    args = ["bpmn", "run", str(diagram(name)), "--data", json.dumps(data), *more]
    result = CliRunner().invoke(main, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"pkip bpmn run crashed: {result.exception!r}")
    if result.exit_code != 0:
        return result.exit_code, Outcome(error=result.stderr)
    printed = json.loads(result.stdout)
    return 0, Outcome(
        counts=dict(Counter(printed["completed"])),
        end=printed["end_event"],
        data=printed["data"],
    )


def plain_spiff(
    name: str, data: dict[str, Any], tasks: dict[str, dict[str, Any]] | None = None
) -> Outcome:
    """SpiffWorkflow 3.2 alone, with its default script engine; user tasks complete
    with ``tasks[element]`` (or no data)."""
    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_file(str(diagram(name)))
        wf = BpmnWorkflow(parser.get_spec(name), parser.get_subprocess_specs(name))
        wf.task_tree.data.update(data)
        wf.do_engine_steps()
        while ready := wf.get_tasks(state=TaskState.READY, manual=True):
            ready[0].set_data(**(tasks or {}).get(ready[0].task_spec.bpmn_id, {}))
            ready[0].run()
            wf.do_engine_steps()
    except Exception as exc:  # noqa: BLE001 - what the library says is the answer
        return Outcome(error=f"{type(exc).__name__}: {exc}")
    done = [
        t
        for t in wf.get_tasks(state=TaskState.COMPLETED)
        if t.task_spec.bpmn_id and not isinstance(t.task_spec, LoopTask)
    ]
    ends = [t.task_spec.bpmn_id for t in done if isinstance(t.task_spec, EndEvent)]
    return Outcome(
        counts=dict(Counter(t.task_spec.bpmn_id for t in done)),
        end=ends[-1] if wf.is_completed() and ends else None,
        data=json.loads(json.dumps(wf.data)),
    )


def refusal(platform: Platform, session: Session, name: str) -> dict[str, str]:
    """The deploy problems of a diagram by element id (fails if it deploys)."""
    try:
        platform.deployer(session).deploy(read_files([diagram(name)]))
    except DeployError as exc:
        # Latvian first, English second, as a reader of both sees them.
        return {
            p.element_id: f"{p.reason} / {p.reason_en}" if p.reason_en else p.reason
            for p in exc.problems
        }
    raise AssertionError(f"{name} was deployed, expected a refusal")


def both(
    platform: Platform,
    session: Session,
    engine: ProcessEngine,
    name: str,
    data: dict[str, Any],
) -> list[Outcome]:
    """The persistent engine's outcome and `pkip bpmn run`'s, both completed."""
    stored, instance = persisted(platform, session, engine, name, data)
    assert instance.status == ProcessInstance.COMPLETED, engine.open_incidents(
        instance.id
    )
    assert not instance.has_incident
    code, printed = via_cli(name, data)
    assert code == 0, printed.error
    return [stored, printed]
