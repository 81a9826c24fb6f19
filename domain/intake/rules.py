# SPDX-License-Identifier: EUPL-1.2
"""A municipality's routing rules: an incoming item whose subject holds the rule's
words, or whose document kind (the e-service form it carries) is the rule's, starts
the rule's process on arrival, for the client the sender's e-address names.

Rules are tried in order; the first that matches and starts wins. A start that
fails (no client in the address, the process not deployed, its start form refusing
the data) leaves the item in the queue with the reason in ``routing_note``: the
clerk finishes by hand what the rule could not.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.contracts import FieldError, FormValidationError
from core.pii import PiiVault, mask_identifiers
from domain.definitions import process_summaries
from domain.intake.clients import identify_client
from domain.intake.models import MATCHES, IntakeItem, RoutingRule
from domain.intake.services import FORM, client_from_sender, receive, start_case_from
from engine.errors import EngineError
from engine.runtime import ProcessEngine

log = logging.getLogger(__name__)
ROUTING_ACTOR = "intake-routing"


def list_rules(session: Session, municipality: str) -> list[RoutingRule]:
    return list(
        session.scalars(
            select(RoutingRule)
            .where(RoutingRule.municipality == municipality)
            .order_by(RoutingRule.position, RoutingRule.id)
        )
    )


def add_rule(
    session: Session,
    municipality: str,
    *,
    match: str,
    pattern: str,
    process_key: str,
    actor: str,
) -> RoutingRule:
    """A new rule at the end of the list; the process must be one the municipality
    has deployed."""
    errors: list[FieldError] = []
    if match not in MATCHES:
        errors.append(
            FieldError(
                "match", "Izvēlieties, pēc kā atlasīt", "Choose what to match", "enum"
            )
        )
    text = " ".join((pattern or "").split())
    if not text or len(text) > 200:
        errors.append(
            FieldError(
                "pattern",
                "Norādiet vārdus (līdz 200 rakstzīmēm)",
                "Enter the words (up to 200 characters)",
                "required",
            )
        )
    keys = {p.key for p in process_summaries(session, municipality)}
    if process_key not in keys:
        errors.append(
            FieldError(
                "process_key",
                "Izvēlieties ieviestu procesu",
                "Choose a deployed process",
                "enum",
            )
        )
    if errors:
        raise FormValidationError(FORM, errors)
    last = session.scalar(
        select(func.max(RoutingRule.position)).where(
            RoutingRule.municipality == municipality
        )
    )
    rule = RoutingRule(
        municipality=municipality,
        position=(last or 0) + 1,
        match=match,
        pattern=text,
        process_key=process_key,
        active=True,
        created_by=actor,
    )
    session.add(rule)
    session.flush()
    return rule


def delete_rule(session: Session, municipality: str, rule_id: int) -> bool:
    rule = session.get(RoutingRule, rule_id)
    if rule is None or rule.municipality != municipality:
        return False
    session.delete(rule)
    session.flush()
    return True


def apply_rules(
    engine: ProcessEngine, session: Session, vault: PiiVault, item: IntakeItem
) -> str | None:
    """Start the case the first matching rule names; its number, or None (the
    reason, if a rule matched, is in ``item.routing_note``). A flagged item is
    left to a person: its files need a look first."""
    if not item.is_open or item.problems:
        return None
    for rule in list_rules(session, item.municipality):
        if not rule.active or not rule.matches(item.subject, item.document_kind):
            continue
        sender = client_from_sender(item.sender_in_clear(vault))
        if sender is None:
            item.routing_note = f"Noteikums {rule.id}: sūtītājs nav identificējams"
            return None
        try:
            client = identify_client(
                engine,
                sender.identifier,
                municipality=item.municipality,
                actor=ROUTING_ACTOR,
            )
            with session.begin_nested():
                case = start_case_from(
                    engine,
                    session,
                    item,
                    rule.process_key,
                    client=client,
                    actor=ROUTING_ACTOR,
                )
        except (FormValidationError, EngineError) as exc:
            # the reason may quote the data: never a personal code in clear
            item.routing_note = mask_identifiers(f"Noteikums {rule.id}: {exc}")[:500]
            log.info("intake item %s: rule %s could not start", item.id, rule.id)
            return None
        item.routing_note = f"Noteikums {rule.id}: {rule.process_key}"
        return case.number
    return None


def take_in(
    engine: ProcessEngine,
    session: Session,
    vault: PiiVault,
    **letter: Any,
) -> IntakeItem | None:
    """An incoming letter no waiting case took: into the queue once
    (``services.receive``'s arguments), then through the routing rules. None when
    it is in the queue already."""
    item = receive(session, vault, **letter)
    if item is not None:
        apply_rules(engine, session, vault, item)
    return item
