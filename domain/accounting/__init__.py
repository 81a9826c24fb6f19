# SPDX-License-Identifier: EUPL-1.2
"""Case accounting (issue 11, process 3): the status model of a service case, its
append-only status history with planned and actual deadlines, the PSPP feed through
the outbox (in order per case) and reconciliation with PSPP. See docs/cases.md.

from domain import accounting
accounting.record(session, case, instance, now=now)   # domain.cases calls it
accounting.history(session, case.id) -> [CaseStatusEvent]
accounting.case_accounting(session, case.id) -> [AccountingRow]  # the case page
accounting.find_divergent(session, registry, municipality) -> [Divergence]
accounting.requeue(session, divergence, now=now) -> int
"""

from domain.accounting.models import CaseStatusEvent
from domain.accounting.reconcile import Divergence, find_divergent, requeue
from domain.accounting.services import (
    AccountingRow,
    case_accounting,
    history,
    record,
)
from domain.accounting.status import LABELS, LABELS_EN, PSPP_STATUS, STATUSES

__all__ = [
    "LABELS",
    "LABELS_EN",
    "AccountingRow",
    "case_accounting",
    "PSPP_STATUS",
    "STATUSES",
    "CaseStatusEvent",
    "Divergence",
    "find_divergent",
    "history",
    "record",
    "requeue",
]
