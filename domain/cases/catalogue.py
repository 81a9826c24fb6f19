# SPDX-License-Identifier: EUPL-1.2
"""Which services a person may start: the processes in force for a municipality
(its variant, else the base; the newest version), those with a service code, whose
first step belongs to one of the person's departments (or all, for supervisors)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.services.services import not_ready_reason
from engine.models import BASE_VARIANT, ProcessDefinition


@dataclass(frozen=True)
class StartableProcess:
    key: str
    name: str
    version: int
    definition_id: int
    service_code: str | None
    is_variant: bool
    start_group: str | None
    """The department of the process's first step (the start event's lane)."""
    start_form: str | None
    """The start event's form key, if any."""
    not_ready: tuple[str, str] | None = None
    """Why the service cannot be started yet (lv, en): it is not set up
    (domain/services); None when it can."""


def start_form_key(meta: Mapping[str, Any]) -> str | None:
    """The start form, chosen exactly as ``ProcessEngine.start`` validates it."""
    for entry in meta.get("tasks", {}).values():
        if entry.get("type") == "StartEvent" and entry.get("formKey"):
            return str(entry["formKey"])
    return None


def start_group(meta: Mapping[str, Any]) -> str | None:
    """The lane of the first start event (the top process's comes first in the
    metadata), else the candidate group of the first user task."""
    entries = list(meta.get("tasks", {}).values())
    for entry in entries:
        if entry.get("type") == "StartEvent":
            lane = entry.get("candidateGroup") or entry.get("lane")
            if lane:
                return str(lane)
            break
    for entry in entries:
        if entry.get("type") == "UserTask":
            group = entry.get("candidateGroup") or entry.get("lane")
            return str(group) if group else None
    return None


def definitions_in_force(
    session: Session, municipality: str
) -> list[ProcessDefinition]:
    """The version in force of every process the municipality can run (two
    queries: the candidates' keys and versions, then the chosen rows)."""
    rows = session.execute(
        select(
            ProcessDefinition.id,
            ProcessDefinition.key,
            ProcessDefinition.municipality,
            ProcessDefinition.version,
        ).where(ProcessDefinition.municipality.in_((municipality, BASE_VARIANT)))
    ).all()
    best: dict[str, tuple[bool, int, int]] = {}
    for def_id, key, muni, version in rows:
        rank = (muni != BASE_VARIANT, version, def_id)
        if key not in best or rank > best[key]:
            best[key] = rank
    ids = [rank[2] for rank in best.values()]
    if not ids:
        return []
    found = session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.id.in_(ids))
    ).all()
    return sorted(found, key=lambda d: (d.name.lower(), d.key))


def startable_processes(
    session: Session,
    municipality: str,
    departments: Iterable[str],
    *,
    every_department: bool = False,
) -> list[StartableProcess]:
    """The services a person of ``departments`` may start in ``municipality``
    (``every_department`` for supervisors). Processes without a service code are
    parts of others (called processes), not services, and are left out; so are a
    channel's own diagrams that hand a service over to its process (the VPVKAC
    hand-over names it as ``serviceProcess``): their channel's page starts them."""
    groups = set(departments)
    found = []
    for definition in definitions_in_force(session, municipality):
        meta = definition.meta or {}
        code = meta.get("process", {}).get("serviceCode")
        if not code or meta.get("process", {}).get("serviceProcess"):
            continue
        group = start_group(meta)
        if not every_department and group not in groups:
            continue
        found.append(
            StartableProcess(
                key=definition.key,
                name=definition.name,
                version=definition.version,
                definition_id=definition.id,
                service_code=str(code),
                is_variant=definition.is_variant,
                start_group=group,
                start_form=start_form_key(meta),
                not_ready=not_ready_reason(session, municipality, definition),
            )
        )
    return found


def find_startable(
    session: Session,
    municipality: str,
    departments: Iterable[str],
    key: str,
    *,
    every_department: bool = False,
) -> StartableProcess | None:
    return next(
        (
            p
            for p in startable_processes(
                session, municipality, departments, every_department=every_department
            )
            if p.key == key
        ),
        None,
    )
