# SPDX-License-Identifier: EUPL-1.2
"""Words for the codes the inbox, case and start pages show (translated)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from domain import cases, inbox, payments

STATUS_FILTERS = {
    inbox.ASSIGNED_OR_GROUP: _l("Mine and my departments'"),
    inbox.MINE: _l("Assigned to me"),
    inbox.GROUP: _l("Unassigned in my departments"),
    inbox.ALL: _l("All in the municipality"),
}
DUE_FILTERS = {
    inbox.ANY_DUE: _l("Any due date"),
    inbox.OVERDUE: _l("Overdue"),
    inbox.TODAY: _l("Due today"),
    inbox.THIS_WEEK: _l("Due this week"),
    inbox.AT_RISK: _l("Due within 2 working days"),
}
SORTS = {
    "due": _l("Due date"),
    "priority": _l("Priority"),
    "age": _l("Oldest first"),
}
CASE_STATUSES = {
    cases.IN_PROGRESS: _l("In progress"),
    cases.WAITING: _l("Waiting"),
    cases.SUSPENDED: _l("Suspended"),
    cases.COMPLETED: _l("Completed"),
    cases.CANCELLED: _l("Cancelled"),
    cases.FAILED: _l("Ended in error"),
}
CHANNELS = {
    cases.E_SERVICE: _l("E-service"),
    cases.OFFICE: _l("At the office"),
    cases.VPVKAC: _l("One-stop client centre (VPVKAC)"),
    cases.E_ADDRESS: _l("E-address"),
}
HISTORY = {
    "started": _l("Case started"),
    "task_ready": _l("Task created"),
    "claimed": _l("Task taken"),
    "unclaimed": _l("Task returned to the department"),
    "assigned": _l("Task assigned"),
    "task_completed": _l("Task completed"),
    "task_cancelled": _l("Task cancelled"),
    "service_called": _l("Registry or system queried"),
    "message_received": _l("Message received"),
    "timer_fired": _l("Deadline reached"),
    "delivered": _l("Sent"),
    "incident": _l("Error"),
    "incident_retried": _l("Retried after an error"),
    "suspended": _l("Suspended"),
    "resumed": _l("Resumed"),
    "cancelled": _l("Cancelled"),
    "ended": _l("Case completed"),
}
TASK_STATES = {
    "ready": _l("Open"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
}
DELIVERY = {
    "e_address": _l("E-address"),
    "paper": _l("On paper"),
    "to_print": _l("to print"),
    "printed": _l("printed"),
    "posted": _l("posted"),
    "handed_over": _l("handed over"),
    "sent": _l("sent"),
}
PAYMENT_STATES = {
    payments.REQUESTED: _l("Requested, not paid yet"),
    payments.PAID: _l("Paid"),
    payments.CANCELLED: _l("Cancelled by the payer"),
    payments.EXPIRED: _l("Pay link expired"),
    payments.UNPAID: _l("Not paid: closed"),
}
PAYMENT_EVENTS = {
    "requested": _l("Payment requested"),
    "renewed": _l("Pay link renewed"),
    "reminded": _l("Reminder"),
    "paid": _l("Paid"),
    "cancelled": _l("Cancelled by the payer"),
    "expired": _l("Pay link expired"),
    "unpaid": _l("Closed as unpaid"),
    "replayed": _l("Notification repeated (nothing changed)"),
}
MODULE_STATUSES = {
    "pending": _l("waiting for payment"),
    "paid": _l("paid"),
    "cancelled": _l("cancelled"),
    "expired": _l("expired"),
}
