# SPDX-License-Identifier: EUPL-1.2
"""Messages and signals between the instances of one deployment (persistent).

After every advance, what an instance threw and did not catch itself
(engine/event_routing.py) leaves it here, in the same transaction:

- a **message** (a send task, a message throw or end event — a message flow to
  another pool of the collaboration) is correlated like any incoming message: to the
  instance(s) of the municipality waiting for it with the same correlation keys, else
  it starts a process with a message start event of that name. A message nobody
  waits for is recorded in the sender's history (``message_unclaimed``), not lost
  silently;
- a **signal** is broadcast to every running instance of the municipality that waits
  for it and whose process was deployed from the same file as the sender's (one
  deployment: a collaboration's pools, or processes drawn together), and starts each
  such process with a signal start event of that name.

Waits are the ``message_subscriptions`` rows (signals as ``signal:<name>``), written
with the instance state, so a delivery survives a save and load of both sides.
A chain of deliveries is cut after ``MAX_DEPTH`` hops (a ping-pong of two pools),
with an incident on the instance that would have gone on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.event_routing import (
    MESSAGE,
    SIGNAL,
    SIGNAL_PREFIX,
    kind_of,
    start_event_for,
)
from engine.messages import MessageOperations
from engine.models import (
    BASE_VARIANT,
    HistoryEvent,
    Incident,
    MessageSubscription,
    ProcessDefinition,
    ProcessInstance,
)

MAX_DEPTH = 25


class EventRoutingOperations(MessageOperations):
    """Routes thrown messages and signals (a mixin of ``ProcessEngine``)."""

    _route_depth = 0

    def _route_thrown(
        self, instance: ProcessInstance, thrown: list[Any], actor: str | None
    ) -> None:
        events = [e for e in thrown if kind_of(e.event_definition)]
        if not events:
            return
        if self._route_depth >= MAX_DEPTH:
            self._too_deep(instance)
            return
        self._route_depth += 1
        try:
            for event in events:
                if kind_of(event.event_definition) == MESSAGE:
                    self._route_message(instance, event, actor)
                else:
                    self._route_signal(instance, event, actor)
        finally:
            self._route_depth -= 1

    def _route_message(
        self, sender: ProcessInstance, event: Any, actor: str | None
    ) -> None:
        name = event.event_definition.name
        received = self.correlate_message(
            name,
            municipality=sender.municipality,
            correlation=_flat(event.correlations or {}),
            payload=dict(event.payload or {}),
            actor=actor,
        )
        if not received:
            self._event(
                sender, "message_unclaimed", details={"message": name}, actor=actor
            )

    def _route_signal(
        self, sender: ProcessInstance, event: Any, actor: str | None
    ) -> None:
        name = event.event_definition.name
        payload = dict(event.payload or {})
        source = sender.definition.source_name
        waiting = self.session.scalars(
            select(MessageSubscription.instance_id)
            .where(
                MessageSubscription.message_name == SIGNAL_PREFIX + name,
                MessageSubscription.municipality == sender.municipality,
                MessageSubscription.instance_id != sender.id,
            )
            .distinct()
        ).all()
        for instance_id in waiting:
            instance = self.get_instance(instance_id)
            if (
                instance.status != ProcessInstance.RUNNING
                or instance.definition.source_name != source
            ):
                continue
            wf = self._load(instance)
            self._advance(
                instance,
                wf,
                actor=actor,
                action=lambda w: self._deliver_message(
                    w, SIGNAL_PREFIX + name, payload
                ),
            )
        for key in self._signal_start_keys(name, sender.municipality, source):
            self.start(
                key,
                municipality=sender.municipality,
                actor=actor,
                message=(SIGNAL_PREFIX + name, payload),
            )

    def _signal_start_keys(
        self, name: str, municipality: str, source: str
    ) -> list[str]:
        keys = self.session.scalars(
            select(ProcessDefinition.key)
            .where(
                ProcessDefinition.municipality.in_({municipality, BASE_VARIANT}),
                ProcessDefinition.source_name == source,
            )
            .distinct()
        ).all()
        found = []
        for key in keys:
            definition = self.definition_for(key, municipality)
            if definition.source_name != source:
                continue
            spec, _ = self._specs(definition)
            if start_event_for(spec, SIGNAL, name) is not None:
                found.append(key)
        return found

    def _too_deep(self, instance: ProcessInstance) -> None:
        message = (
            f"ziņojumu un signālu ķēde pārtraukta pēc {MAX_DEPTH} soļiem"
            f" / the chain of messages and signals was cut after {MAX_DEPTH} hops"
        )
        self.session.add(
            Incident(
                instance_id=instance.id,
                municipality=instance.municipality,
                kind="routing_depth",
                error_type="RoutingDepth",
                message=message,
                created_at=self.now(),
                updated_at=self.now(),
            )
        )
        instance.has_incident = True
        self.session.add(
            HistoryEvent(
                instance_id=instance.id,
                at=self.now(),
                kind="incident",
                details={"kind": "routing_depth"},
            )
        )
        self._flush()


def _flat(correlations: dict[str, Any]) -> dict[str, Any]:
    """SpiffWorkflow groups a thrown message's keys by correlation key
    (``{"case_key": {"case_number": …}}``); subscriptions hold the properties."""
    flat: dict[str, Any] = {}
    for key, value in correlations.items():
        if isinstance(value, dict):
            flat.update(value)
        else:
            flat[key] = value
    return flat
