# SPDX-License-Identifier: EUPL-1.2
"""When a delivered result counts as received by the client, and telling the case.

The Notification Law's presumptions (Paziņošanas likums): a document sent to an
official e-address counts as delivered on the second working day after sending
(DEPP's ``delivered_on``); one posted as a registered letter on the seventh day
after it was handed to the post (section 8(3)); one handed over in person at once.
A service case's diagram waits until then before the result counts as delivered
(``service_case.bpmn``): a timer on ``delivered_at`` for the e-address, and for
paper the message :data:`RESULT_HANDED_OVER` that the print queue sends when a
clerk marks the result posted or handed over.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from core.calendar import RIGA, WorkingCalendar
from domain.documents.models import EADDRESS, HANDED_OVER, POSTED, SENT, Delivery
from engine.models import ProcessInstance
from engine.runtime import ProcessEngine

RESULT_HANDED_OVER = "result_handed_over"
"""The message a case's diagram waits for on the paper path (by ``case_number``)."""
E_ADDRESS_WORKING_DAYS = 2
POSTED_DAYS = 7


def _start_of(day: Any) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=RIGA).astimezone(UTC)


def delivered_at(
    delivery: Delivery, calendar: WorkingCalendar | None = None
) -> datetime | None:
    """When the client counts as having received the result (None: not yet on
    its way — still in the print queue)."""
    calendar = calendar or WorkingCalendar()
    if delivery.channel == EADDRESS and delivery.state == SENT:
        sent_day = _aware(delivery.created_at).astimezone(RIGA).date()
        return _start_of(calendar.add_working_days(sent_day, E_ADDRESS_WORKING_DAYS))
    if delivery.state == POSTED:
        posted_day = _aware(delivery.updated_at).astimezone(RIGA).date()
        return _start_of(posted_day + timedelta(days=POSTED_DAYS))
    if delivery.state == HANDED_OVER:
        return _aware(delivery.updated_at)
    return None


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def tell_the_case(
    engine: ProcessEngine,
    delivery: Delivery,
    case_number: str | None,
    *,
    actor: str,
) -> list[ProcessInstance]:
    """The paper result left the print queue (posted or handed over): the case
    waiting for it goes on. Empty when no case waits (a diagram that does not
    wait for its delivery)."""
    when = delivered_at(delivery)
    if not case_number or when is None or delivery.state not in (POSTED, HANDED_OVER):
        return []
    return engine.correlate_message(
        RESULT_HANDED_OVER,
        municipality=delivery.municipality,
        correlation={"case_number": case_number},
        payload={
            "case_number": case_number,
            "delivery_id": delivery.id,
            "state": delivery.state,
            "delivered_at": when.isoformat(),
        },
        actor=actor,
    )
