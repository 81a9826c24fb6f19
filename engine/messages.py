# SPDX-License-Identifier: EUPL-1.2
"""Messages: deliver a message to the instances waiting for it, or start one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from engine.instances import InstanceOperations
from engine.models import (
    BASE_VARIANT,
    MessageSubscription,
    ProcessDefinition,
    ProcessInstance,
)
from engine.sync import canonical_correlation


class MessageOperations(InstanceOperations):
    """Message correlation (a mixin of ``ProcessEngine``).

    It builds on :class:`InstanceOperations`: a message nobody waits for starts an
    instance by a message start event, which delivers the message the same way.
    """

    def correlate_message(
        self,
        name: str,
        *,
        municipality: str,
        correlation: Mapping[str, Any] | None = None,
        payload: Mapping[str, Any] | None = None,
        actor: str | None = None,
    ) -> list[ProcessInstance]:
        """Deliver a message to the waiting instance(s) or start one by a message start.

        Returns the instances that received it; empty when nobody waits for it.
        """
        key = canonical_correlation(correlation or {})
        payload = dict(payload or {})
        subs = self.session.scalars(
            select(MessageSubscription).where(
                MessageSubscription.message_name == name,
                MessageSubscription.municipality == municipality,
                MessageSubscription.correlation == key,
            )
        ).all()
        delivered = []
        for instance_id in dict.fromkeys(s.instance_id for s in subs):
            instance = self.get_instance(instance_id)
            if instance.status != ProcessInstance.RUNNING:
                continue
            wf = self._load(instance)
            self._advance(
                instance,
                wf,
                actor=actor,
                action=lambda w: self._deliver_message(w, name, payload),
            )
            delivered.append(instance)
        if delivered:
            return delivered
        starters = self._message_start_keys(name, municipality)
        return [
            self.start(
                key_, municipality=municipality, actor=actor, message=(name, payload)
            )
            for key_ in starters
        ]

    def _message_start_keys(self, name: str, municipality: str) -> list[str]:
        keys = self.session.scalars(
            select(ProcessDefinition.key)
            .where(ProcessDefinition.municipality.in_({municipality, BASE_VARIANT}))
            .distinct()
        ).all()
        found = []
        for key in keys:
            definition = self.definition_for(key, municipality)
            if name in definition.meta.get("message_starts", []):
                found.append(key)
        return found
