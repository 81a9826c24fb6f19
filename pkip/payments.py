# SPDX-License-Identifier: EUPL-1.2
"""The diagrams' way to payments: ``payments.request``, ``payments.remind``,
``payments.close_unpaid`` (commands, through the outbox) and ``fees.price`` (a
query), wired here because the domain may not import the connector registry.

``payments.request`` keeps our record (domain/payments) and asks the payment module
(``pay.create_request``) for a pay link with the outbox message's idempotency key, so
a repeated delivery finds both the record and the module's payment again. It answers
with the moments the payment sub-process's timers wait for: the reminder after N
working days, closing as unpaid M working days after that (N and M from the process
data, else the municipality's ``PKIP_PAYMENTS__<CODE>_REMIND_DAYS`` /
``_CLOSE_DAYS``, else ``PKIP_PAYMENTS_REMIND_DAYS`` / ``_CLOSE_DAYS``, else 10 and
10).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from connectors.registry import COMMAND, QUERY, InvalidParameters, Operator, Registry
from connectors.restkit import idempotency_key
from connectors.systems.payments.contract import AmountError, to_cents
from core.calendar import RIGA
from core.contracts import CallContext
from domain.payments import services
from domain.payments.pricing import PriceListError, fee_on_application_date

SYSTEM = "PKIP"
CALLBACK_PATH = "/callbacks/payments/{municipality}"


def _municipality(context: CallContext, name: str) -> str:
    if not context.municipality:
        raise InvalidParameters(f"{name}: the call has no municipality")
    return context.municipality


def _text(params: Mapping[str, Any], key: str, name: str, limit: int) -> str:
    value = params.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameters(f"{name}: {key} is required")
    if len(value) > limit:
        raise InvalidParameters(f"{name}: {key} is longer than {limit} characters")
    return value.strip()


def term(
    params: Mapping[str, Any],
    key: str,
    municipality: str,
    variable: str,
    default: int,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Working days for a timer: the process data, the municipality's setting, the
    platform's setting, the default — the first one given."""
    env = os.environ if environ is None else environ
    raw = params.get(key)
    source = key
    if raw in (None, ""):
        source = f"PKIP_PAYMENTS__{municipality.upper()}_{variable}"
        raw = env.get(source) or None
    if raw in (None, ""):
        source = f"PKIP_PAYMENTS_{variable}"
        raw = env.get(source) or None
    if raw in (None, ""):
        return default
    try:
        days = int(str(raw))
    except ValueError:
        raise InvalidParameters(f"{source}: a whole number of working days") from None
    if not 1 <= days <= services.MAX_TERM_WORKING_DAYS:
        raise InvalidParameters(
            f"{source}: 1 to {services.MAX_TERM_WORKING_DAYS} working days"
        )
    return days


def _reply(record: Any) -> dict[str, Any]:
    return {
        "payment_request_id": record.id,
        "payment_id": record.module_payment_id,
        "pay_url": record.pay_url,
        "amount": f"{record.amount:.2f}",
        "state": record.state,
        "remind_at": record.remind_at.isoformat(),
        "close_at": record.close_at.isoformat(),
    }


@dataclass(frozen=True)
class PaymentOperators:
    """What the operators need of the platform (not the platform: it imports this)."""

    transaction: Callable[[], AbstractContextManager[Session]]
    connectors: Registry
    clock: Callable[[], datetime]
    public_url: str = ""

    def request(
        self, params: Mapping[str, Any], context: CallContext
    ) -> dict[str, Any]:
        """payments.request: {amount, purpose, case_number, payer_name, payer_code,
        remind_after_working_days?, close_after_working_days?} → {payment_request_id,
        payment_id, pay_url, amount, state, remind_at, close_at}."""
        name = "payments.request"
        municipality = _municipality(context, name)
        try:
            cents = to_cents(params.get("amount"))
        except AmountError as exc:
            raise InvalidParameters(f"{name}: amount {exc}") from None
        new = services.NewRequest(
            key=idempotency_key(context),
            municipality=municipality,
            case_number=_text(params, "case_number", name, 35),
            instance_id=context.instance_id or "",
            purpose=_text(params, "purpose", name, 140),
            amount_cents=cents,
            payer_name=_text(params, "payer_name", name, 255),
            payer_code=_text(params, "payer_code", name, 20),
            remind_after=term(
                params,
                "remind_after_working_days",
                municipality,
                "REMIND_DAYS",
                services.DEFAULT_REMIND_WORKING_DAYS,
            ),
            close_after=term(
                params,
                "close_after_working_days",
                municipality,
                "CLOSE_DAYS",
                services.DEFAULT_CLOSE_WORKING_DAYS,
            ),
        )
        with self.transaction() as session:
            record, _ = services.open_request(session, new, now=self.clock())
            reply = _reply(record)
        if reply["payment_id"] is None:
            module = self._create(new, context, new.key)
            with self.transaction() as session:
                record = session.get(
                    services.PaymentRequest, reply["payment_request_id"]
                )
                assert record is not None
                services.attach_module_payment(
                    session, record, module, now=self.clock()
                )
                reply = _reply(record)
        return reply

    def _create(
        self, new: services.NewRequest, context: CallContext, key: str
    ) -> dict[str, Any]:
        callback = self.public_url.rstrip("/") + CALLBACK_PATH.format(
            municipality=new.municipality
        )
        params = {
            "amount_cents": new.amount_cents,
            "purpose": new.purpose,
            "payer_name": new.payer_name,
            "payer_code": new.payer_code,
            "reference": new.case_number,
            "return_url": self.public_url.rstrip("/") + "/",
            "notify_url": callback,
        }
        child = CallContext(
            instance_id=context.instance_id,
            municipality=new.municipality,
            element_id=context.element_id,
            actor=context.actor,
            idempotency_key=key,
        )
        return dict(self.connectors.call("pay.create_request", params, child))

    def remind(self, params: Mapping[str, Any], context: CallContext) -> dict[str, Any]:
        """payments.remind: {payment_request_id, payer_code} → the request as
        ``payments.request`` answers it. Counts the reminder once per delivery and
        renews the pay link when the module let the old one time out."""
        name = "payments.remind"
        municipality = _municipality(context, name)
        record_id = _record_id(params, name)
        key = idempotency_key(context)
        with self.transaction() as session:
            record = _get(session, municipality, record_id, name)
            services.record_reminder(
                session, record, now=self.clock(), actor=context.actor, key=key
            )
            state, payment_id = record.state, record.module_payment_id
            new = services.NewRequest(
                key=record.idempotency_key,
                municipality=municipality,
                case_number=record.case_number,
                instance_id=record.instance_id,
                purpose=record.purpose,
                amount_cents=record.amount_cents,
                payer_name=record.payer_name,
                payer_code=str(params.get("payer_code") or ""),
            )
        if payment_id and state in (services.REQUESTED, services.EXPIRED):
            status = self.connectors.call(
                "pay.status", {"payment_id": payment_id}, context
            )
            if status.get("status") == "expired" and new.payer_code:
                module = self._create(new, context, f"{key}:renew")
                with self.transaction() as session:
                    record = _get(session, municipality, record_id, name)
                    services.attach_module_payment(
                        session, record, module, now=self.clock(), renewed=True
                    )
        with self.transaction() as session:
            return _reply(_get(session, municipality, record_id, name))

    def close_unpaid(
        self, params: Mapping[str, Any], context: CallContext
    ) -> dict[str, Any]:
        """payments.close_unpaid: {payment_request_id} → {state} (``unpaid``, or
        what it already was: paid or cancelled meanwhile)."""
        name = "payments.close_unpaid"
        municipality = _municipality(context, name)
        with self.transaction() as session:
            record = _get(session, municipality, _record_id(params, name), name)
            services.close_unpaid(
                session, record, now=self.clock(), actor=context.actor
            )
            return {"state": record.state}

    def price(self, params: Mapping[str, Any], context: CallContext) -> dict[str, Any]:
        """fees.price: {service_code, application_date ("" = today in Riga: the
        step runs when the application arrives), units (how many priced units a
        rule found payable; absent for a flat fee), computed (the rule's own
        amount, for a service without a card)} → {amount, source, rate, line}: the
        fee from the card's price list in force on the application date
        (domain/payments/pricing.py); no price in force → the step fails, an
        incident names the card."""
        name = "fees.price"
        municipality = _municipality(context, name)
        given = str(params.get("application_date") or "")
        try:
            computed = Decimal(str(params.get("computed")))
            on_date = (
                date.fromisoformat(given[:10])
                if given
                else self.clock().astimezone(RIGA).date()
            )
        except (InvalidOperation, ValueError):
            raise InvalidParameters(
                f"{name}: computed must be a number, application_date a date"
            ) from None
        if not computed.is_finite() or computed < 0:
            raise InvalidParameters(f"{name}: computed must be zero or more")
        units = _units(params.get("units"), name)
        with self.transaction() as session:
            try:
                fee = fee_on_application_date(
                    session,
                    municipality,
                    str(params.get("service_code") or ""),
                    on_date,
                    computed,
                    units,
                )
            except PriceListError as error:
                raise InvalidParameters(f"{name}: {error}") from None
        return {
            "amount": f"{fee.amount:.2f}",
            "source": fee.source,
            "rate": f"{fee.rate:.2f}" if fee.rate is not None else None,
            "line": fee.line,
        }


def _units(value: Any, name: str) -> int | None:
    """How many priced units a rule found payable; None (absent) for a flat fee."""
    if value in (None, ""):
        return None
    try:
        units = int(str(value))
    except ValueError:
        raise InvalidParameters(f"{name}: units must be a whole number") from None
    if units < 0:
        raise InvalidParameters(f"{name}: units must be zero or more")
    return units


def _record_id(params: Mapping[str, Any], name: str) -> int:
    try:
        return int(params["payment_request_id"])
    except (KeyError, TypeError, ValueError):
        raise InvalidParameters(
            f"{name}: payment_request_id must be a number"
        ) from None


def _get(session: Session, municipality: str, record_id: int, name: str) -> Any:
    try:
        return services.get_request(session, municipality, record_id)
    except LookupError:
        raise InvalidParameters(f"{name}: no payment request {record_id}") from None


def register(registry: Registry, operators: PaymentOperators) -> None:
    for op_name, description, func, op_params, kind in (
        (
            "payments.request",
            "Pieprasīt maksājumu (nodevu) no klienta maksājumu modulī",
            operators.request,
            ("amount", "purpose", "case_number", "payer_name", "payer_code"),
            COMMAND,
        ),
        (
            "payments.remind",
            "Atgādināt par nesamaksātu maksājumu (atjaunot maksājuma saiti)",
            operators.remind,
            ("payment_request_id",),
            COMMAND,
        ),
        (
            "payments.close_unpaid",
            "Slēgt maksājuma pieprasījumu kā nesamaksātu",
            operators.close_unpaid,
            ("payment_request_id",),
            COMMAND,
        ),
        (
            "fees.price",
            "Nodeva pēc pakalpojuma kartītes cenrāža iesnieguma dienā",
            operators.price,
            ("service_code", "application_date", "units", "computed"),
            QUERY,
        ),
    ):
        registry.register(
            Operator(
                name=op_name,
                system=SYSTEM,
                description=description,
                mode="live",
                func=func,
                params=op_params,
                kind=kind,
            )
        )
