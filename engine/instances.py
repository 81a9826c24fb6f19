# SPDX-License-Identifier: EUPL-1.2
"""Instance lifecycle: start, cancel, suspend, resume, and an instance's history."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent
from sqlalchemy import select

from engine.advance import EngineCore
from engine.errors import Conflict, InvalidOperation
from engine.event_routing import MESSAGE, SIGNAL, SIGNAL_PREFIX, waits
from engine.flow_data import check_inputs
from engine.models import HistoryEvent, ProcessDefinition, ProcessInstance
from engine.workflow import PkipWorkflow


class InstanceOperations(EngineCore):
    """Starting and stopping instances (a mixin of ``ProcessEngine``)."""

    # -- instances ------------------------------------------------------------------
    def start(
        self,
        key: str,
        *,
        municipality: str,
        data: Mapping[str, Any] | None = None,
        actor: str | None = None,
        business_key: str | None = None,
        message: tuple[str, Mapping[str, Any]] | None = None,
    ) -> ProcessInstance:
        """Start the version in force and run it to its first wait state."""
        definition = self.definition_for(key, municipality)
        data = dict(data or {})
        start_form = _start_form(definition)
        if start_form:
            self._validate(definition, start_form, data)
        spec, subs = self._specs(definition)
        if message is None:  # a message start brings its data with the message
            check_inputs(spec, data)
        wf = PkipWorkflow(spec, subs, script_engine=self.scripts)
        wf.task_tree.data.update(data)
        now = self.now()
        instance = ProcessInstance(
            id=uuid.uuid4().hex,
            definition=definition,
            definition_id=definition.id,
            process_key=definition.key,
            municipality=municipality,
            business_key=business_key,
            status=ProcessInstance.RUNNING,
            started_by=actor,
            started_at=now,
            updated_at=now,
            state="",
        )
        self.session.add(instance)
        self.session.flush()  # the row first: history and tasks refer to it
        self._event(
            instance, "started", actor=actor, details={"version": definition.version}
        )
        action = None
        if message is not None:
            name, payload = message

            def action(w: PkipWorkflow) -> None:
                w.do_engine_steps()  # brings the message start event to its wait
                self._deliver_message(w, name, payload)

        self._advance(instance, wf, actor=actor, action=action)
        return instance

    def cancel(
        self,
        instance_id: str,
        *,
        actor: str,
        municipality: str | None = None,
        reason: str = "",
    ) -> ProcessInstance:
        instance = self._active(instance_id, municipality, allow_suspended=True)
        wf = self._load(instance)
        wf.cancel()
        instance.status = ProcessInstance.CANCELLED
        instance.ended_at = self.now()
        self._event(instance, "cancelled", actor=actor, details={"reason": reason})
        self._sync(instance, wf, watermark=time.time(), actor=actor)
        return instance

    def suspend(
        self, instance_id: str, *, actor: str, municipality: str | None = None
    ) -> ProcessInstance:
        instance = self._active(instance_id, municipality)
        instance.status = ProcessInstance.SUSPENDED
        instance.updated_at = self.now()
        self._event(instance, "suspended", actor=actor)
        self._flush()
        return instance

    def resume(
        self, instance_id: str, *, actor: str, municipality: str | None = None
    ) -> ProcessInstance:
        instance = self.get_instance(instance_id, municipality)
        if instance.status != ProcessInstance.SUSPENDED:
            raise InvalidOperation("only a suspended instance can be resumed")
        instance.status = ProcessInstance.RUNNING
        self._event(instance, "resumed", actor=actor)
        # Timers that fell due while suspended fire now.
        self._advance(instance, self._load(instance), actor=actor)
        return instance

    # Also how correlate_message (engine/messages.py) hands over its messages, and
    # engine/signals.py its signals (named "signal:<name>").
    def _deliver_message(
        self, wf: PkipWorkflow, name: str, payload: Mapping[str, Any]
    ) -> None:
        kind, wanted = MESSAGE, name
        if name.startswith(SIGNAL_PREFIX):
            kind, wanted = SIGNAL, name[len(SIGNAL_PREFIX) :]
        for wait in waits(wf):
            if wait.kind != kind or wait.name != wanted:
                continue
            # Correlation was decided by the subscription table; hand SpiffWorkflow
            # the workflow's own keys so its check agrees.
            owner = wait.task.workflow if wait.task is not None else wf
            event = BpmnEvent(
                wait.event_definition,
                payload=dict(payload),
                correlations=dict(owner.correlations),
            )
            wf.send_event(event)
            return
        raise Conflict(f"the instance is not waiting for {kind} '{wanted}'")

    def history(
        self, instance_id: str, municipality: str | None = None
    ) -> list[HistoryEvent]:
        self.get_instance(instance_id, municipality)
        return list(
            self.session.scalars(
                select(HistoryEvent)
                .where(HistoryEvent.instance_id == instance_id)
                .order_by(HistoryEvent.id)
            )
        )


def _start_form(definition: ProcessDefinition) -> str | None:
    for entry in definition.meta.get("tasks", {}).values():
        if entry.get("type") == "StartEvent" and entry.get("formKey"):
            return str(entry["formKey"])
    return None
