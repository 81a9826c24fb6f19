# SPDX-License-Identifier: EUPL-1.2
"""Who an incoming letter is from: the client identified through the population
register (``pmlp.person``) or the enterprise register (``ur.company``), reached
through the engine's connector registry port (audited like every registry call).

A person's code never goes into the error texts; they name the field."""

from __future__ import annotations

from typing import Any

from core.contracts import CallContext, FieldError, FormValidationError
from domain.cases.services import Client, normalize_identifier
from domain.intake.services import FORM
from engine.runtime import ProcessEngine
from forms.identifiers import is_registracijas_numurs

PERSON = "pmlp.person"
COMPANY = "ur.company"


def _error(lv: str, en: str, code: str) -> FormValidationError:
    return FormValidationError(FORM, [FieldError("client_identifier", lv, en, code)])


def identify_client(
    engine: ProcessEngine,
    identifier: str,
    *,
    name: str = "",
    municipality: str,
    actor: str,
) -> Client:
    """The client with the register's name (``name`` when given wins: the clerk
    may write it as the client does). ``FormValidationError`` on
    ``client_identifier`` when the code is not valid, not in the register, or the
    register cannot be reached."""
    code = normalize_identifier(identifier)
    if code is None:
        raise _error(
            "Ievadiet derīgu personas kodu vai reģistrācijas numuru",
            "Enter a valid personal code or registration number",
            "format",
        )
    company = is_registracijas_numurs(code)
    operator, params = (
        (COMPANY, {"reg_number": code})
        if company
        else (PERSON, {"personal_code": code})
    )
    context = CallContext(municipality=municipality, actor=actor)
    try:
        found: Any = engine.config.connectors.call(operator, params, context)
    except Exception as exc:  # noqa: BLE001 - the port's errors carry a code
        raise _lookup_error(getattr(exc, "code", ""), company) from exc
    registered = (
        str(found.get("name", ""))
        if company
        else " ".join(p for p in (found.get("name", ""), found.get("surname", "")) if p)
    )
    chosen = " ".join((name or "").split()) or registered
    return Client(name=chosen, identifier=code)


def _lookup_error(code: str, company: bool) -> FormValidationError:
    if code in ("not_found", "invalid_request"):
        if company:
            return _error(
                "Uzņēmumu reģistrā šāds numurs nav atrasts",
                "No such number in the enterprise register",
                "not_found",
            )
        return _error(
            "Iedzīvotāju reģistrā šāda persona nav atrasta",
            "No such person in the population register",
            "not_found",
        )
    return _error(
        "Reģistrs pašlaik nav pieejams; mēģiniet vēlāk",
        "The register cannot be reached now; try again later",
        "unavailable",
    )
