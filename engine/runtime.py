# SPDX-License-Identifier: EUPL-1.2
"""Process instances: start, advance, complete user tasks, timers, messages, incidents.

``ProcessEngine`` is the engine API over one database session. It is put together
from one mixin per group of operations, each over :class:`engine.advance.EngineCore`:

- engine/advance.py — ``EngineConfig``, the core (session, config, ``now``,
  ``definition_for``, ``get_instance``, ``workflow``) and the load/advance/record
  machinery every operation goes through;
- engine/instances.py — ``start``, ``cancel``, ``suspend``, ``resume``, ``history``;
- engine/user_tasks.py — ``get_task``, ``complete_task``, ``claim``, ``unclaim``,
  ``assign``;
- engine/timers.py — ``due_timer_instances``, ``fire_timers``;
- engine/messages.py — ``correlate_message``;
- engine/signals.py — messages and signals thrown by one instance delivered to the
  others (and the processes they start);
- engine/incidents.py — ``retry_incident``, ``open_incidents``;
- engine/delivery.py — ``mark_delivered``, ``complete_delivery``,
  ``delivery_attempt_failed`` (outbox deliveries).

Each public operation works inside the caller's transaction and only flushes: the web
request, the job or the CLI command commits (or rolls back on an error). An instance
row carries a version number that SQLAlchemy checks on every UPDATE, so of two
concurrent advances of the same instance exactly one wins and the other gets
``Conflict`` with nothing written.
"""

from __future__ import annotations

import logging

from engine.advance import EngineConfig
from engine.delivery import DeliveryOperations
from engine.incidents import IncidentOperations
from engine.signals import EventRoutingOperations
from engine.timers import TimerOperations
from engine.user_tasks import UserTaskOperations

__all__ = ["EngineConfig", "ProcessEngine"]

log = logging.getLogger(__name__)


class ProcessEngine(
    EventRoutingOperations,  # with MessageOperations and InstanceOperations
    UserTaskOperations,
    TimerOperations,
    IncidentOperations,
    DeliveryOperations,
):
    """The engine API over one database session."""
