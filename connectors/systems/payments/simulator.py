# SPDX-License-Identifier: EUPL-1.2
"""A payment module simulator in the manner of latvija.lv's.

``POST /payments`` creates a payment request and answers with the URL to send the
payer to; ``GET /payments/{id}`` tells its status (pending, paid, cancelled, expired
— a pending request expires after ``expiry``). The payer's page ``/pay/{id}`` and the
list on ``GET /`` have an "Apmaksāt" button; paying there or calling :meth:`pay`
produces a notification signed with the municipality's shared secret, kept in
``notifications`` and handed to ``notify`` (:func:`http_notifier` POSTs it to the
request's ``notify_url``). The page's "Beigt termiņu" control (:meth:`expire`) lets a
pending payment time out at once and notifies that too. ``GET /payments?merchant_id=
&created_from=&created_to=`` lists a merchant's payments for reconciliation.
Faults: operations ``create_request``, ``status`` and ``list``.
"""

from __future__ import annotations

import hashlib
import html
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from connectors.simkit import (
    Counted,
    FaultPlan,
    IdempotencyConflict,
    IdempotencyLedger,
    Raw,
    dispatch,
    fingerprint,
    heading,
    html_page,
    html_table,
    json_response,
    mask_personas_kods,
    problem,
    read_json,
    with_faults,
)
from connectors.systems.payments.callback import (
    SIGNATURE_HEADER,
    notification_body,
    payments_secret,
    sign,
)
from connectors.systems.payments.contract import check_request, format_cents

log = logging.getLogger(__name__)

OPERATIONS = ("create_request", "status", "list")
BANKS = ("Swedbank", "SEB banka", "Citadele", "Luminor")
STATUS_LABELS = {
    "pending": "Gaida apmaksu",
    "paid": "Apmaksāts",
    "cancelled": "Atcelts",
    "expired": "Termiņš beidzies",
}


@dataclass
class SignedNotification:
    payment_id: str
    body: bytes
    signature: str
    notify_url: str | None
    delivered: bool | None = None  # None: nobody was asked to deliver it

    def headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json", SIGNATURE_HEADER: self.signature}


@dataclass
class _Payment:
    payment_id: str
    request: dict[str, Any]
    created_at: datetime
    expires_at: datetime
    status: str = "pending"
    paid_at: datetime | None = None
    bank: str = ""
    notification: SignedNotification | None = field(default=None, repr=False)

    def reply(self) -> dict[str, Any]:
        cents = int(self.request["amount_cents"])
        return {
            "payment_id": self.payment_id,
            "status": self.status,
            "amount": format_cents(cents),
            "amount_cents": cents,
            "currency": "EUR",
            "reference": self.request["reference"],
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "paid_at": self.paid_at.isoformat() if self.paid_at else None,
        }


class PaymentClosed(Exception):
    """The payment is no longer pending (paid, cancelled or expired)."""


class _Refused(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


class _Request(Request):
    max_content_length = 256 * 1024


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _lv_money(cents: int) -> str:
    return format_cents(cents).replace(".", ",") + " €"


class PaymentsSimulator(Counted):
    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = _utc_now,
        secret_for: Callable[[str], str] = payments_secret,
        public_url: str | None = None,
        notify: Callable[[SignedNotification], None] | None = None,
        expiry: timedelta = timedelta(minutes=30),
        stall_seconds: float = 2.0,
    ) -> None:
        self.clock = clock
        self.secret_for = secret_for
        self.public_url = public_url.rstrip("/") if public_url else None
        self.notify = notify
        self.expiry = expiry
        self.faults = FaultPlan(OPERATIONS, stall_seconds)
        self._lock = threading.RLock()
        self.ledger = IdempotencyLedger(self._lock)
        self._urls = Map(
            [
                Rule("/", endpoint="page", methods=["GET"]),
                Rule("/payments", endpoint="create", methods=["POST"]),
                Rule("/payments", endpoint="list", methods=["GET"]),
                Rule("/payments/<payment_id>", endpoint="status", methods=["GET"]),
                Rule("/pay/<payment_id>", endpoint="pay", methods=["GET", "POST"]),
            ]
        )
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.faults.clear()
            self.ledger.clear()
            self._payments: dict[str, _Payment] = {}
            self.notifications: list[SignedNotification] = []

    def inject(self, operation: str, fault: str, count: int = 1) -> None:
        self.faults.inject(operation, fault, count)

    # -- test controls (and the page's buttons) --------------------------------------
    def payment(self, payment_id: str) -> dict[str, Any]:
        with self._lock:
            found = self._payments[payment_id]
            self._refresh(found)
            return found.reply() | {"request": dict(found.request)}

    def pay(self, payment_id: str) -> SignedNotification:
        """Mark a pending payment paid as if the payer paid; returns the notification
        (the same one again for a payment already paid)."""
        return self._close(payment_id, "paid")

    def cancel(self, payment_id: str) -> SignedNotification:
        return self._close(payment_id, "cancelled")

    def expire(self, payment_id: str) -> SignedNotification:
        """Let a pending payment time out now (the page's "time out" control), as
        if its ``expiry`` had passed; the module notifies that too."""
        return self._close(payment_id, "expired")

    def listing(
        self, merchant_id: str, created_from: datetime, created_to: datetime
    ) -> list[dict[str, Any]]:
        """The merchant's payments created in [created_from, created_to)."""
        with self._lock:
            found = []
            for p in self._payments.values():
                self._refresh(p)
                if (
                    p.request["merchant_id"] == merchant_id
                    and created_from <= p.created_at < created_to
                ):
                    found.append(p.reply())
            return found

    def _close(self, payment_id: str, status: str) -> SignedNotification:
        with self._lock:
            found = self._payments[payment_id]
            self._refresh(found)
            if found.notification is not None and found.status == status:
                return found.notification
            if found.status != "pending":
                raise PaymentClosed(found.status)
            found.status = status
            if status == "paid":
                found.paid_at = self.clock()
                digest = hashlib.sha256(payment_id.encode()).digest()
                found.bank = BANKS[digest[0] % len(BANKS)]
            notification = self._notification(found)
            found.notification = notification
            self.notifications.append(notification)
        if self.notify is not None:
            try:
                self.notify(notification)
                notification.delivered = True
            except Exception as exc:  # the page must still answer; the log says why
                notification.delivered = False
                log.warning(
                    "payment notification %s not delivered: %s",
                    payment_id,
                    type(exc).__name__,
                )
        return notification

    def _notification(self, payment: _Payment) -> SignedNotification:
        cents = int(payment.request["amount_cents"])
        body = notification_body(
            {
                "payment_id": payment.payment_id,
                "merchant_id": payment.request["merchant_id"],
                "reference": payment.request["reference"],
                "status": payment.status,
                "amount": format_cents(cents),
                "amount_cents": cents,
                "currency": "EUR",
                "paid_at": payment.paid_at.isoformat() if payment.paid_at else None,
                "bank": payment.bank,
            }
        )
        secret = self.secret_for(str(payment.request["merchant_id"]))
        return SignedNotification(
            payment.payment_id,
            body,
            sign(body, secret),
            payment.request.get("notify_url"),
        )

    def _refresh(self, payment: _Payment) -> None:
        if payment.status == "pending" and self.clock() >= payment.expires_at:
            payment.status = "expired"

    def _on_list(self, request: Request) -> Response:
        def answer() -> Response:
            merchant = request.args.get("merchant_id", "").strip()
            try:
                low = datetime.fromisoformat(request.args.get("created_from", ""))
                high = datetime.fromisoformat(request.args.get("created_to", ""))
            except ValueError:
                return problem(
                    422,
                    "Nederīgs periods",
                    errors=[
                        {"path": "created_from", "message": "ISO 8601 laiks ar zonu"}
                    ],
                )
            if not merchant or low.tzinfo is None or high.tzinfo is None:
                return problem(
                    422,
                    "Nederīgs saraksta pieprasījums",
                    errors=[{"path": "merchant_id", "message": "Obligāts lauks"}],
                )
            return json_response({"payments": self.listing(merchant, low, high)})

        return with_faults(self.faults, "list", answer)

    # -- WSGI -------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return dispatch(self, self._urls, _Request, environ, start_response)

    def _on_create(self, request: Request) -> Response:
        return with_faults(self.faults, "create_request", lambda: self._create(request))

    def _on_status(self, request: Request, payment_id: str) -> Response:
        def answer() -> Response:
            with self._lock:
                found = self._payments.get(payment_id)
                if found is None:
                    return problem(404, "Maksājums nav atrasts")
                self._refresh(found)
                return json_response(found.reply())

        return with_faults(self.faults, "status", answer)

    def _create(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 128:
            return problem(
                400,
                "Trūkst Idempotency-Key galvenes",
                errors=[{"path": "Idempotency-Key", "message": "Obligāta galvene"}],
            )
        try:
            body = read_json(request.get_data())
        except ValueError:
            return problem(400, "Pieprasījuma saturs nav JSON")
        base = self.public_url or (request.host_url.rstrip("/") + request.script_root)

        def action() -> tuple[int, dict[str, Any]]:
            problems = check_request(body) if isinstance(body, dict) else []
            if not isinstance(body, dict) or problems:
                errors = [{"path": p.path, "message": p.message} for p in problems]
                raise _Refused(
                    problem(422, "Nederīgs maksājuma pieprasījums", errors=errors)
                )
            payment_id = f"PAY-{len(self._payments) + 1:06d}"
            now = self.clock()
            payment = _Payment(payment_id, body, now, now + self.expiry)
            self._payments[payment_id] = payment
            return 201, payment.reply() | {"redirect_url": f"{base}/pay/{payment_id}"}

        try:
            (status, reply), _ = self.ledger.run(
                "create_request", key, fingerprint(body), action
            )
        except _Refused as refused:
            return refused.response
        except IdempotencyConflict:
            return problem(409, "Idempotency-Key jau izmantota citam pieprasījumam")
        return json_response(reply, status)

    # -- pages ------------------------------------------------------------------------
    def _on_page(self, request: Request) -> Response:
        return self.page(request.script_root)

    def _on_pay(self, request: Request, payment_id: str) -> Response:
        with self._lock:
            found = self._payments.get(payment_id)
            if found is None:
                return problem(404, "Maksājums nav atrasts")
            self._refresh(found)
            return_url = str(found.request["return_url"])
        if request.method == "GET":
            return self._payer_page(request.script_root, payment_id)
        action = request.form.get("action", "pay")
        close = {"pay": self.pay, "cancel": self.cancel, "expire": self.expire}.get(
            action
        )
        if close is None:
            return problem(400, "Nezināma darbība")
        try:
            close(payment_id)
        except PaymentClosed:
            return self._payer_page(
                request.script_root, payment_id, "Maksājums jau slēgts."
            )
        if request.form.get("next") == "list":
            return redirect(request.script_root + "/", 303)
        with self._lock:
            status = self._payments[payment_id].status
        joiner = "&" if "?" in return_url else "?"
        query = urlencode({"payment_id": payment_id, "status": status})
        return redirect(f"{return_url}{joiner}{query}", 303)

    def _buttons(self, root: str, payment_id: str, next_page: str) -> Raw:
        action = html.escape(f"{root}/pay/{payment_id}")
        hidden = f'<input type="hidden" name="next" value="{next_page}">'
        return Raw(
            f'<form method="post" action="{action}">{hidden}'
            '<button name="action" value="pay">Apmaksāt</button> '
            '<button name="action" value="cancel">Atcelt</button> '
            '<button name="action" value="expire" title="Simulatora vadība: '
            'maksājuma termiņš beidzas tagad">Beigt termiņu (simulēt)</button>'
            "</form>"
        )

    def _row(self, root: str, p: _Payment, with_buttons: bool) -> tuple[object, ...]:
        payer = p.request["payer"]
        code = str(payer["id"])
        shown = (
            mask_personas_kods(code) if payer["id_type"] == "personas_kods" else code
        )
        pending = p.status == "pending"
        return (
            p.payment_id,
            p.request["reference"],
            p.request["purpose"],
            _lv_money(int(p.request["amount_cents"])),
            f"{payer['name']} ({shown})",
            STATUS_LABELS[p.status],
            p.created_at.strftime("%d.%m.%Y %H:%M"),
            p.paid_at.strftime("%d.%m.%Y %H:%M") if p.paid_at else "",
            self._buttons(root, p.payment_id, "list")
            if pending and with_buttons
            else "",
        )

    _HEADERS = (
        "Maksājums",
        "Atsauce",
        "Mērķis",
        "Summa",
        "Maksātājs",
        "Statuss",
        "Izveidots",
        "Samaksāts",
        "",
    )

    def page(self, root: str = "") -> Response:
        with self._lock:
            for p in self._payments.values():
                self._refresh(p)
            rows = [self._row(root, p, True) for p in reversed(self._payments.values())]
            signed = len(self.notifications)
            sent = sum(1 for n in self.notifications if n.delivered)
            counts = (
                self.ledger.received_total,
                self.ledger.unique,
                self.ledger.duplicates,
            )
        return html_page(
            "Maksājumu modulis — maksājumi",
            heading("Maksājumu pieprasījumi"),
            html_table(self._HEADERS, rows),
            heading("Paziņojumi un pieprasījumi"),
            html_table(
                (
                    "Parakstīti paziņojumi",
                    "Nosūtīti",
                    "Saņemti pieprasījumi",
                    "Unikāli",
                    "Dublikāti",
                ),
                [(signed, sent, *counts)],
            ),
        )

    def _payer_page(self, root: str, payment_id: str, note: str = "") -> Response:
        with self._lock:
            p = self._payments[payment_id]
            row = self._row(root, p, False)
            pending = p.status == "pending"
        sections = [html_table(self._HEADERS[:-1], [row[:-1]])]
        if note:
            sections.append(f"<p>{html.escape(note)}</p>")
        if pending:
            sections.append(str(self._buttons(root, payment_id, "return")))
        return html_page("Maksājumu modulis — apmaksa", *sections)


def http_notifier(
    session: requests.Session, timeout: float = 5.0
) -> Callable[[SignedNotification], None]:
    """A ``notify`` that POSTs each notification to its ``notify_url``."""

    def deliver(notification: SignedNotification) -> None:
        if not notification.notify_url:
            return
        response = session.post(
            notification.notify_url,
            data=notification.body,
            headers=notification.headers(),
            timeout=timeout,
        )
        response.raise_for_status()

    return deliver


_default: PaymentsSimulator | None = None
_default_lock = threading.Lock()


def default_simulator() -> PaymentsSimulator:
    """The process-wide simulator that simulated payments and /sim/payments/ share."""
    global _default
    with _default_lock:
        if _default is None:
            _default = PaymentsSimulator(public_url="/sim/payments")
        return _default
