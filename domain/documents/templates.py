# SPDX-License-Identifier: EUPL-1.2
"""Document templates: versioned per municipality, the base ones shipped as files.

The version in force for a municipality is its own newest, else the newest base
version (municipality ``""``); the shipped files become base version 1 the first time
a template is asked for, so a fresh installation needs no seeding step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.documents.models import BASE_TEMPLATES, DocumentTemplate
from domain.documents.render import TemplateProblem, render_html

SHIPPED = Path(__file__).parent / "templates"
# key -> (title, document type); the diagrams name the key.
KNOWN = {
    "permit": ("Atļauja", "permit"),
    "refusal": ("Atteikums", "refusal"),
    "decision": ("Lēmums", "decision"),
    "request": ("Pieprasījums", "notice"),
    "reminder": ("Atgādinājums", "notice"),
    "street_trade_permit": ("Ielu tirdzniecības atļauja", "permit"),
    "street_trade_refusal": ("Ielu tirdzniecības atteikums", "refusal"),
}
SAMPLE_CONTEXT: dict[str, Any] = {
    "municipality_name": "Parauga pašvaldība",
    "registration_number": "PARAUGS-2026-00001",
    "issued_on": "2026-03-02",
    "case_number": "PARAUGS-2026-000001",
    "client_name": "Jānis Bērziņš",
    "decision_title": "Lēmums par koku ciršanu",
    "decision_text": "Atļaut nocirst divas liepas.",
    "address": "Brīvības iela 1, Rīga",
    "compensation": 170,
    "missing_information": "Zemes robežu plāna kopija.",
    "reply_due": "2026-03-16T21:59:59+00:00",
    "company_name": 'SIA "Parauga Būvnieks"',
    "company_reg_number": "40003521600",
    "place_code": "RIGA-02",
    "place_address": "Līvu laukums, Rīga, LV-1050",
    "place_kind_name": "Vēsturiskais centrs",
    "goods": "Ziedi un stādi",
    "date_from": "2026-05-04",
    "date_to": "2026-05-10",
    "trade_days": 7,
    "fee_amount": "70.00",
    "refusal_reason": "Uzņēmumam ir nodokļu parāds.",
}
"""What the analyst's preview renders a template with."""


def template_in_force(
    session: Session, municipality: str, key: str
) -> DocumentTemplate:
    """The municipality's newest version of ``key``, else the base one; ``KeyError``
    for a template that exists nowhere."""
    found = session.scalars(
        select(DocumentTemplate)
        .where(
            DocumentTemplate.key == key,
            DocumentTemplate.municipality.in_((municipality, BASE_TEMPLATES)),
        )
        # the municipality's own ('RIGA') sorts before the base ('') descending
        .order_by(DocumentTemplate.municipality.desc(), DocumentTemplate.version.desc())
        .limit(1)
    ).first()
    if found is not None:
        return found
    if key not in KNOWN:
        raise KeyError(key)
    title, document_type = KNOWN[key]
    shipped = DocumentTemplate(
        municipality=BASE_TEMPLATES,
        key=key,
        version=1,
        title=title,
        document_type=document_type,
        body=(SHIPPED / f"{key}.html").read_text(encoding="utf-8"),
        created_by="system",
    )
    session.add(shipped)
    session.flush()
    return shipped


def template_versions(
    session: Session, municipality: str, key: str
) -> list[DocumentTemplate]:
    """Every version the municipality sees of ``key``, newest first."""
    return list(
        session.scalars(
            select(DocumentTemplate)
            .where(
                DocumentTemplate.key == key,
                DocumentTemplate.municipality.in_((municipality, BASE_TEMPLATES)),
            )
            .order_by(
                DocumentTemplate.municipality.desc(), DocumentTemplate.version.desc()
            )
        )
    )


def check_template(body: str) -> str:
    """The sample rendering of ``body`` (HTML); ``TemplateProblem`` when it fails."""
    if not body.strip():
        raise TemplateProblem("Veidne ir tukša.", "The template is empty.")
    return render_html(body, SAMPLE_CONTEXT)


def save_template(
    session: Session, municipality: str, key: str, body: str, *, actor: str
) -> DocumentTemplate:
    """A new version of the municipality's template ``key`` (checked first)."""
    check_template(body)
    current = template_in_force(session, municipality, key)
    last = session.scalar(
        select(func.max(DocumentTemplate.version)).where(
            DocumentTemplate.key == key, DocumentTemplate.municipality == municipality
        )
    )
    version = DocumentTemplate(
        municipality=municipality,
        key=key,
        version=(last or 0) + 1,
        title=current.title,
        document_type=current.document_type,
        body=body,
        created_by=actor,
    )
    session.add(version)
    session.flush()
    return version
