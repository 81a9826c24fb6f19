# SPDX-License-Identifier: EUPL-1.2
"""Service set-ups: reading, preparing, approving, and the rule that a service not
set up cannot be started.

A municipality's own set-up of a service (a ``ServiceSetup`` row) governs it. Without
one, the platform's shipped set-up of that service applies (domain/services/shipped:
the sample services' process, forms and procedure page), as the base version of a
diagram or a form does; a service with neither is not set up. Processes without a
service code are parts of other processes (or internal ones, such as the set-up
itself) and need no set-up.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.contracts import FieldError, FormValidationError
from domain.catalogue.services import find_card
from domain.services.models import DRAFT, READY, REVIEW, ServiceSetup
from domain.services.procedure import MAX_PROCEDURE
from engine.models import ProcessDefinition

__all__ = [
    "SETUP_FORM",
    "SetupView",
    "ServiceNotSetUp",
    "all_setups",
    "approve",
    "require_ready",
    "save_setup",
    "service_code_of",
    "setup_for",
    "submit",
]

SHIPPED_DIR: Final = Path(__file__).parent / "shipped"
SETUP_FORM: Final = "service_setup"
"""The form key of errors about a set-up's own fields."""
SETUP_PROCESS: Final = "service_setup"
"""The diagram a set-up goes through: processes/bpmn/service_setup.bpmn."""


class ServiceNotSetUp(Exception):
    """The service cannot be started: no set-up, or one not ready."""

    def __init__(self, code: str, message: str, message_en: str) -> None:
        self.code = code
        self.message = message
        self.message_en = message_en
        super().__init__(message_en)


@dataclass(frozen=True)
class SetupView:
    """A set-up as pages show it, whether the municipality's own or shipped."""

    service_code: str
    process_key: str
    forms: list[str] = field(default_factory=list)
    procedure: str = ""
    stage: str = DRAFT
    shipped: bool = False
    setup_instance_id: str | None = None
    updated_by: str | None = None
    approved_by: str | None = None

    @property
    def ready(self) -> bool:
        return self.stage == READY


def service_code_of(definition: ProcessDefinition) -> str | None:
    code = (definition.meta or {}).get("process", {}).get("serviceCode")
    return str(code) if code else None


@cache
def _shipped() -> dict[str, SetupView]:
    entries = json.loads((SHIPPED_DIR / "services.json").read_text(encoding="utf-8"))
    return {
        e["service_code"]: SetupView(
            service_code=e["service_code"],
            process_key=e["process_key"],
            forms=list(e["forms"]),
            procedure=(SHIPPED_DIR / e["procedure"]).read_text(encoding="utf-8"),
            stage=READY,
            shipped=True,
            updated_by="system",
        )
        for e in entries
    }


def _view(row: ServiceSetup) -> SetupView:
    return SetupView(
        service_code=row.service_code,
        process_key=row.process_key,
        forms=list(row.forms or []),
        procedure=row.procedure or "",
        stage=row.stage,
        setup_instance_id=row.setup_instance_id,
        updated_by=row.updated_by,
        approved_by=row.approved_by,
    )


def own_setup(session: Session, municipality: str, code: str) -> ServiceSetup | None:
    return session.scalars(
        select(ServiceSetup).where(
            ServiceSetup.municipality == municipality,
            ServiceSetup.service_code == code,
        )
    ).first()


def setup_for(session: Session, municipality: str, code: str) -> SetupView | None:
    """The set-up that governs ``code`` in ``municipality``: its own, else shipped."""
    row = own_setup(session, municipality, code)
    if row is not None:
        return _view(row)
    return _shipped().get(code)


def all_setups(session: Session, municipality: str) -> list[SetupView]:
    """Every set-up the municipality sees: its own, and the shipped ones it has not
    replaced, by service code."""
    rows = session.scalars(
        select(ServiceSetup).where(ServiceSetup.municipality == municipality)
    ).all()
    found = {r.service_code: _view(r) for r in rows}
    for code, shipped in _shipped().items():
        found.setdefault(code, shipped)
    return [found[c] for c in sorted(found)]


def setup_of_definition(
    session: Session, municipality: str, definition: ProcessDefinition
) -> SetupView | None:
    """The set-up of the service ``definition`` runs (None without a service code
    or a set-up)."""
    code = service_code_of(definition)
    return setup_for(session, municipality, code) if code else None


def not_ready_reason(
    session: Session, municipality: str, definition: ProcessDefinition
) -> tuple[str, str] | None:
    """Why the service of ``definition`` cannot be started (lv, en), or None."""
    code = service_code_of(definition)
    if code is None:
        return None
    setup = setup_for(session, municipality, code)
    if setup is None:
        return (
            f"Pakalpojums {code} nav iestatīts: tam nav norādīts process, formas "
            "un procedūras apraksts.",
            f"Service {code} is not set up: it has no process, forms and procedure.",
        )
    if not setup.ready:
        stage = "gaida apstiprinājumu" if setup.stage == REVIEW else "tiek sagatavots"
        stage_en = "awaits approval" if setup.stage == REVIEW else "is being prepared"
        return (
            f"Pakalpojuma {code} iestatījums vēl nav apstiprināts ({stage}).",
            f"The set-up of service {code} is not approved yet ({stage_en}).",
        )
    # A channel's own diagram (the VPVKAC hand-over) runs the service through the
    # process the set-up names (a call activity): it names that process as its
    # ``serviceProcess``.
    runs = (definition.meta or {}).get("process", {}).get("serviceProcess")
    if setup.process_key not in (definition.key, runs):
        return (
            f"Pakalpojums {code} ir iestatīts procesam „{setup.process_key}”, "
            f"nevis „{definition.key}”.",
            f"Service {code} is set up for process '{setup.process_key}', "
            f"not '{definition.key}'.",
        )
    return None


def require_ready(
    session: Session, municipality: str, definition: ProcessDefinition
) -> None:
    """Raise ServiceNotSetUp with a Latvian reason when the service of
    ``definition`` may not be started in ``municipality``."""
    reason = not_ready_reason(session, municipality, definition)
    if reason is not None:
        raise ServiceNotSetUp(service_code_of(definition) or "", *reason)


# -- preparing and approving -----------------------------------------------------
def _check(
    code: str, process_key: str, forms: Sequence[str], procedure: str,
    known_processes: Sequence[str], known_forms: Sequence[str],
) -> list[FieldError]:  # fmt: skip
    errors = []
    if not code or len(code) > 40 or not all(c.isalnum() or c in "-_." for c in code):
        errors.append(
            FieldError(
                "service_code",
                "Pakalpojuma kods ir obligāts: burti, cipari, „-”, „_” vai „.”, "
                "līdz 40 zīmēm",
                "The service code is required: letters, digits, '-', '_' or '.', "
                "up to 40 characters",
                "pattern",
            )
        )
    if process_key not in known_processes:
        errors.append(
            FieldError(
                "process_key",
                "Izvēlieties izvietotu procesu",
                "Choose a deployed process",
                "enum",
            )
        )
    unknown = [f for f in forms if f not in known_forms]
    if unknown:
        errors.append(
            FieldError(
                "forms",
                f"Nezināmas formas: {', '.join(unknown)}",
                f"Unknown forms: {', '.join(unknown)}",
                "enum",
            )
        )
    if len(procedure) > MAX_PROCEDURE:
        errors.append(
            FieldError(
                "procedure",
                f"Procedūras apraksts ir garāks par {MAX_PROCEDURE} zīmēm",
                f"The procedure is longer than {MAX_PROCEDURE} characters",
                "maxLength",
            )
        )
    return errors


def save_setup(
    session: Session,
    municipality: str,
    code: str,
    *,
    process_key: str,
    forms: Sequence[str],
    procedure: str,
    actor: str,
    now: datetime,
    known_processes: Sequence[str],
    known_forms: Sequence[str],
) -> ServiceSetup:
    """Create or change the municipality's set-up of ``code`` (a draft).

    A set-up under review cannot be changed (FormValidationError on ``stage``); a
    ready one changed goes back to draft, so the owner approves the change again.
    Raises FormValidationError naming each field at fault. Flushes only.
    """
    code = (code or "").strip()
    errors = _check(code, process_key, forms, procedure, known_processes, known_forms)
    if (
        code
        and not any(e.path == "service_code" for e in errors)
        and find_card(session, municipality, code) is None
    ):
        errors.append(
            FieldError(
                "service_code",
                f"Pakalpojumu katalogā nav kartītes {code}: vispirms izveidojiet "
                "pakalpojuma kartīti",
                f"The service catalogue has no card {code}: create the card first",
                "unknown",
            )
        )
    row = own_setup(session, municipality, code) if code else None
    if row is not None and row.stage == REVIEW:
        errors.append(
            FieldError(
                "stage",
                "Iestatījums gaida apstiprinājumu; to nevar mainīt",
                "The set-up awaits approval and cannot be changed",
                "stage",
            )
        )
    if errors:
        raise FormValidationError(SETUP_FORM, errors)
    if row is None:
        row = ServiceSetup(municipality=municipality, service_code=code)
        session.add(row)
    row.process_key = process_key
    row.forms = sorted(set(forms))
    row.procedure = procedure
    row.stage = DRAFT
    row.updated_by = actor
    row.updated_at = now
    session.flush()
    return row


def submit(row: ServiceSetup, *, instance_id: str, actor: str) -> None:
    """The analyst has prepared the set-up: it waits for the owner's approval."""
    row.stage = REVIEW
    row.setup_instance_id = instance_id
    row.prepared_by = actor


def approve(
    session: Session, municipality: str, code: str, *, actor: str | None, now: datetime
) -> ServiceSetup | None:
    """The owner approved: the set-up is in force (the diagram's last step)."""
    row = own_setup(session, municipality, code)
    if row is None:
        return None
    row.stage = READY
    row.approved_by = actor
    row.approved_at = now
    row.setup_instance_id = None
    session.flush()
    return row


def send_back(session: Session, municipality: str, code: str) -> None:
    """The owner returned the set-up to the analyst: a draft again."""
    row = own_setup(session, municipality, code)
    if row is not None:
        row.stage = DRAFT


def procedure_for(
    session: Session, municipality: str, definition: ProcessDefinition
) -> str | None:
    """The procedure page (Markdown) of the service ``definition`` runs."""
    setup = setup_of_definition(session, municipality, definition)
    return setup.procedure if setup is not None and setup.procedure else None
