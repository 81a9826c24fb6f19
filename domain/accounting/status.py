# SPDX-License-Identifier: EUPL-1.2
"""The status model of a service case (docs/cases.md, "Case accounting").

Our statuses, their Latvian names, the PSPP contract's status each maps to (None:
PSPP is not told) and the planned deadline of each, in working days. How a status is
reached from the engine's view of the case is :func:`derive`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from core.calendar import WorkingCalendar

SUBMITTED: Final = "submitted"
REGISTERED: Final = "registered"
IN_PROGRESS: Final = "in_progress"
WAITING_FOR_CLIENT: Final = "waiting_for_client"
DECIDED: Final = "decided"
RESULT_DELIVERED: Final = "result_delivered"
CLOSED: Final = "closed"
CANCELLED: Final = "cancelled"
UNPAID: Final = "unpaid"
"""Closed because the client did not pay the fee in the set working days."""
STATUSES: Final = (
    SUBMITTED,
    REGISTERED,
    IN_PROGRESS,
    WAITING_FOR_CLIENT,
    DECIDED,
    RESULT_DELIVERED,
    CLOSED,
    CANCELLED,
    UNPAID,
)
FINAL: Final = (CLOSED, CANCELLED, UNPAID)
ONCE: Final = (DECIDED, RESULT_DELIVERED, CLOSED, CANCELLED, UNPAID)
"""Reached at most once in a case's life (the others may come back: a case goes
back to in progress after the client answered)."""

LABELS: Final = {
    SUBMITTED: "Iesniegts",
    REGISTERED: "Reģistrēts",
    IN_PROGRESS: "Izskatīšanā",
    WAITING_FOR_CLIENT: "Gaida klienta rīcību",
    DECIDED: "Pieņemts lēmums",
    RESULT_DELIVERED: "Rezultāts izsniegts",
    CLOSED: "Slēgts",
    CANCELLED: "Atsaukts",
    UNPAID: "Slēgts — nodeva nav samaksāta",
}

LABELS_EN: Final = {
    SUBMITTED: "Submitted",
    REGISTERED: "Registered",
    IN_PROGRESS: "In progress",
    WAITING_FOR_CLIENT: "Waiting for the client",
    DECIDED: "Decided",
    RESULT_DELIVERED: "Result delivered",
    CLOSED: "Closed",
    CANCELLED: "Cancelled",
    UNPAID: "Closed — fee not paid",
}

PSPP_STATUS: Final[Mapping[str, str | None]] = {
    SUBMITTED: None,  # PSPP learns of a case when it is registered
    REGISTERED: "registered",
    IN_PROGRESS: "in_progress",
    WAITING_FOR_CLIENT: "waiting_for_client",
    DECIDED: "decision_made",
    RESULT_DELIVERED: "completed",
    CLOSED: None,  # archiving is the municipality's own business
    CANCELLED: "cancelled",
    # The client let the fee go unpaid: to PSPP the case was withdrawn by the
    # client (its contract has no status of its own for it).
    UNPAID: "cancelled",
}

# PKIP's channels → the PSPP contract's.
PSPP_CHANNEL: Final = {
    "e_service": "online",
    "office": "in_person",
    "vpvkac": "vpvkac",
    "e_address": "e_address",
}

DEFAULT_TERM_WORKING_DAYS: Final = 20
"""A service's term when its diagram names none (``targetWorkingDays``): about the
month the Law on Submissions gives for an answer."""
DELIVERY_WORKING_DAYS: Final = 2
"""A document sent to an e-address counts as delivered on the second working day."""


def term_of(meta: Mapping[str, Any] | None) -> int:
    """The service's term in working days: the diagram's ``targetWorkingDays``."""
    raw = ((meta or {}).get("process") or {}).get("targetWorkingDays")
    if raw is None:
        return DEFAULT_TERM_WORKING_DAYS
    try:
        days = int(str(raw))
    except (TypeError, ValueError):
        return DEFAULT_TERM_WORKING_DAYS
    return days if days > 0 else DEFAULT_TERM_WORKING_DAYS


def planned(
    status: str, registered_at: datetime, term: int, calendar: WorkingCalendar
) -> datetime | None:
    """By when ``status`` should be reached (None: no deadline, e.g. the client's
    turn or a cancellation)."""
    if status == SUBMITTED:
        return None
    days = {
        REGISTERED: 1,
        IN_PROGRESS: 1,
        DECIDED: term,
        RESULT_DELIVERED: term + DELIVERY_WORKING_DAYS,
        CLOSED: term + DELIVERY_WORKING_DAYS,
    }.get(status)
    if days is None:
        return None
    return calendar.due_at(registered_at, working_days=days)


MARKED: Final = (DECIDED, RESULT_DELIVERED)
"""Statuses a diagram may mark on a flow node (the ``caseStatus`` property): the case
reaches the status when that element has run (docs/cases.md)."""


def marked_elements(meta: Mapping[str, Any] | None) -> dict[str, str]:
    """Element id → the status its ``caseStatus`` property marks (known ones only)."""
    tasks = (meta or {}).get("tasks") or {}
    return {
        element_id: str(entry["caseStatus"])
        for element_id, entry in tasks.items()
        if str(entry.get("caseStatus") or "") in MARKED
    }


def client_turn(meta: Mapping[str, Any] | None, element_id: str) -> bool:
    """Whether waiting at this message catch is the client's turn (the default);
    ``clientTurn="false"`` marks a wait for someone else (the print queue's
    hand-over)."""
    entry = ((meta or {}).get("tasks") or {}).get(element_id) or {}
    return str(entry.get("clientTurn", "true")).strip().lower() != "false"


def client_turn_commands(meta: Mapping[str, Any] | None) -> list[str]:
    """Elements marked ``clientTurn="true"`` (service tasks): while their command
    is on its way the client's turn goes on (the reminder of a deadline)."""
    tasks = (meta or {}).get("tasks") or {}
    return [
        element_id
        for element_id, entry in tasks.items()
        if str(entry.get("clientTurn", "")).strip().lower() == "true"
    ]


def derive(
    case_status: str,
    waits_for_client: bool,
    *,
    passed: Sequence[str] = (),
    marked: Collection[str] = (),
    unpaid: bool = False,
) -> tuple[str, ...]:
    """The statuses the case has reached, in order, given the engine's view of it
    (``domain.cases`` status: in_progress, waiting, suspended, completed,
    cancelled, failed) and whether it waits for a message from outside (the client's
    payment or reply). Empty: nothing to record (a suspended case keeps its status).
    ``unpaid``: the case's fee was closed as unpaid (domain/payments): a case that
    then ends was decided (the fee set) and closed unpaid, nothing delivered.

    ``passed``: the statuses of the marked elements the instance has run, in the
    order it ran them; ``marked``: the statuses the diagram marks at all. A status
    the diagram marks is reached only where it is marked (a case closed because the
    client never answered was not decided); one it does not mark — the diagrams
    before the marks — is reached when the process ends.
    """
    found = list(passed)
    if case_status == "in_progress":
        found.append(IN_PROGRESS)
    elif case_status == "waiting":
        found.append(WAITING_FOR_CLIENT if waits_for_client else IN_PROGRESS)
    elif case_status == "completed" and unpaid:
        found += [s for s in (DECIDED,) if s not in marked] + [UNPAID]
    elif case_status == "completed":
        found += [s for s in MARKED if s not in marked] + [CLOSED]
    elif case_status == "cancelled":
        found.append(CANCELLED)
    elif case_status == "failed":
        # Ended in an error nobody caught: closed, with no decision to report.
        found.append(CLOSED)
    return tuple(found)
