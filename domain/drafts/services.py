# SPDX-License-Identifier: EUPL-1.2
"""Draft models: import a diagram from another modeler, save its revisions, list
what must change before it can be deployed, and deploy it. Flask-free: the views
pass the municipality and the user; services flush, the caller commits.

An import refuses only what cannot be a diagram at all (too large, hostile or
malformed XML, not BPMN); anything else is stored, however far from deployable.
The list of problems is the deployer's own (``Deployer.check``: what blocks a
deploy, with the import lint of engine/deploy_lint.py among it) plus the lint's
warnings, each with the element's id, name and type, so "the list is empty" and
"the deploy goes through" mean the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utcnow
from domain.drafts.layout import with_layout
from domain.drafts.models import ModelDraft, ModelDraftRevision
from engine.deploy import MAX_FILE_BYTES, Deployer, DeployError, DeployProblem
from engine.deploy_checks import check_tree
from engine.deploy_findings import Finding
from engine.deploy_lint import has_diagram, lint_tree
from engine.deploy_xml import BPMN_NS, safe_tree

__all__ = [
    "MAX_FILE_BYTES",
    "DraftProblem",
    "DraftRefused",
    "DraftReport",
    "deploy_draft",
    "drafts_of",
    "get_draft",
    "import_draft",
    "report",
    "save_revision",
    "xml_of",
]

LAYOUT_AUTHOR = "pkip"  # the saved_by of a generated layout
_SAFE_NAME = re.compile(r"[^\w.-]+", re.UNICODE)
# A lint finding already says, more precisely, what these deploy reasons say about
# the same element (a JUEL condition is also a syntax error): the list keeps one.
_SUPERSEDES = {
    "vendor_expression": ("script refused", "syntax error"),
    "natural_language_condition": ("script refused", "syntax error"),
    "vendor_behaviour": ("unknown form key",),
}


class DraftRefused(Exception):
    """The upload cannot be a draft; ``reason`` in Latvian, ``reason_en`` in
    English, ``field`` the form field it is about."""

    def __init__(self, reason: str, reason_en: str, field: str = "bpmn_file") -> None:
        super().__init__(reason_en)
        self.reason = reason
        self.reason_en = reason_en
        self.field = field


@dataclass(frozen=True)
class DraftProblem:
    element_id: str
    element_name: str
    element_type: str  # BPMN local name (userTask, sequenceFlow, process, …)
    reason: str
    reason_en: str
    blocking: bool

    def reason_in(self, language: str) -> str:
        return self.reason_en if language == "en" and self.reason_en else self.reason


@dataclass
class DraftReport:
    """What must change (``problems``) and what is only ignored (``warnings``)."""

    problems: list[DraftProblem] = field(default_factory=list)
    warnings: list[DraftProblem] = field(default_factory=list)
    has_diagram: bool = True

    @property
    def deployable(self) -> bool:
        return not self.problems


# -- storing -------------------------------------------------------------------------
def _checked_tree(file_name: str, content: bytes) -> Any:
    if len(content) > MAX_FILE_BYTES:
        raise DraftRefused(
            "Fails ir lielāks par 5 MB.", "The file is larger than 5 MB."
        )
    try:
        root = safe_tree(file_name, content)
    except DeployError as exc:
        problem = exc.problems[0]
        raise DraftRefused(problem.reason, problem.reason_en) from exc
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise DraftRefused(
            "Tas nav BPMN 2.0 fails (trūkst bpmn:definitions).",
            "This is not a BPMN 2.0 file (no bpmn:definitions).",
        )
    return root


def _text(content: bytes, root: Any) -> str:
    """The file as text: as it came when it is UTF-8, else re-serialized by lxml,
    which read its declared encoding (windows-1257, UTF-16…), without the
    declaration that would name an encoding the stored text no longer has."""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return str(etree.tostring(root, encoding="unicode"))


def _draft_file_name(upload_name: str) -> str:
    stem = _SAFE_NAME.sub("_", Path(upload_name or "").stem).strip("._") or "modelis"
    return f"{stem[:200]}.bpmn"


def _diagram_name(root: Any, file_name: str) -> str:
    for tag in ("process", "participant", "collaboration"):
        for node in root.iter(f"{{{BPMN_NS}}}{tag}"):
            if (node.get("name") or "").strip():
                return str(node.get("name")).strip()[:255]
    return Path(file_name).stem


def import_draft(
    db: Session, *, municipality: str, upload_name: str, content: bytes, user: str
) -> ModelDraft:
    """Store an uploaded diagram as a new draft of ``municipality`` (revision 1).

    Raises ``DraftRefused`` for a file that cannot be a diagram; anything that is
    BPMN is kept, deployable or not."""
    if Path(upload_name or "").suffix.lower() not in (".bpmn", ".xml"):
        raise DraftRefused(
            "Izvēlieties .bpmn vai .xml failu.", "Choose a .bpmn or .xml file."
        )
    file_name = _draft_file_name(upload_name)
    root = _checked_tree(file_name, content)
    draft = ModelDraft(
        municipality=municipality,
        name=_diagram_name(root, file_name),
        file_name=file_name,
        revision=1,
        created_by=user,
    )
    db.add(draft)
    db.flush()
    db.add(
        ModelDraftRevision(
            draft_id=draft.id,
            revision=1,
            xml=_text(content, root),
            saved_by=user,
        )
    )
    db.flush()
    laid_out = None if has_diagram(root) else with_layout(content)
    if laid_out is not None:
        # Kept as it came in revision 1; the modeler opens the drawn revision 2.
        save_revision(db, draft, laid_out, user=LAYOUT_AUTHOR)
        draft.layout_generated = True
        db.flush()
    return draft


def save_revision(db: Session, draft: ModelDraft, xml: bytes, *, user: str) -> int:
    """Store ``xml`` as the draft's next revision; returns its number."""
    root = _checked_tree(draft.file_name, xml)
    draft.revision += 1
    draft.updated_at = utcnow()
    draft.name = _diagram_name(root, draft.file_name)
    db.add(
        ModelDraftRevision(
            draft_id=draft.id,
            revision=draft.revision,
            xml=xml.decode("utf-8"),
            saved_by=user,
        )
    )
    db.flush()
    return draft.revision


def get_draft(db: Session, draft_id: int, municipality: str) -> ModelDraft | None:
    """The draft if it belongs to ``municipality`` (else None, as if missing)."""
    return db.scalars(
        select(ModelDraft).where(
            ModelDraft.id == draft_id, ModelDraft.municipality == municipality
        )
    ).first()


def drafts_of(db: Session, municipality: str) -> list[ModelDraft]:
    return list(
        db.scalars(
            select(ModelDraft)
            .where(ModelDraft.municipality == municipality)
            .order_by(ModelDraft.updated_at.desc(), ModelDraft.id.desc())
        )
    )


def xml_of(db: Session, draft: ModelDraft) -> str:
    """The newest revision's diagram."""
    return str(
        db.scalars(
            select(ModelDraftRevision.xml).where(
                ModelDraftRevision.draft_id == draft.id,
                ModelDraftRevision.revision == draft.revision,
            )
        ).one()
    )


# -- what must change ----------------------------------------------------------------
def _elements(root: Any) -> dict[str, Any]:
    return {
        str(node.get("id")): node
        for node in root.iter()
        if isinstance(node.tag, str) and node.get("id")
    }


def _from_deploy(problem: DeployProblem, elements: dict[str, Any]) -> DraftProblem:
    node = elements.get(problem.element_id)
    return DraftProblem(
        element_id=problem.element_id,
        element_name=(node.get("name") or "").strip() if node is not None else "",
        element_type=etree.QName(node).localname if node is not None else "",
        reason=problem.reason,
        reason_en=problem.reason_en,
        blocking=True,
    )


def report(
    deployer: Deployer, file_name: str, xml: bytes, *, municipality: str | None
) -> DraftReport:
    """Everything that stops ``xml`` from being deployed, element by element, and
    the warnings; never raises for the diagram's content."""
    try:
        root = _checked_tree(file_name, xml)
    except DraftRefused as exc:
        problem = DraftProblem("", "", "", exc.reason, exc.reason_en, True)
        return DraftReport(problems=[problem], has_diagram=False)
    found: list[DeployProblem] = []
    try:
        deployer.check({file_name: xml}, municipality=municipality)
    except DeployError as exc:
        found.extend(exc.problems)
    # The deployer stops at SpiffWorkflow's parse errors; the structural checks
    # read the XML alone, so the list is complete either way (duplicates go).
    forms = deployer.forms_for(municipality) if deployer.forms_for else deployer.forms
    found.extend(
        check_tree(file_name, root, connectors=deployer.connectors, forms=forms)
    )
    findings = lint_tree(file_name, root)
    return DraftReport(
        problems=_blocking(found, findings, _elements(root)),
        warnings=[_from_finding(f) for f in findings if not f.blocking],
        has_diagram=has_diagram(root),
    )


def _from_finding(f: Finding) -> DraftProblem:
    return DraftProblem(
        f.element_id, f.element_name, f.element_type, f.reason, f.reason_en, f.blocking
    )


def _blocking(
    found: list[DeployProblem], findings: list[Finding], elements: dict[str, Any]
) -> list[DraftProblem]:
    """The deployer's problems, each once, without those a lint finding says more
    precisely, after the processes that are not executable (which the deployer
    reports only as the whole file's "no executable process")."""
    problems = [
        _from_finding(f) for f in findings if f.blocking and f.code == "not_executable"
    ]
    seen = {(p.element_id, p.reason) for p in problems}
    superseded = {
        (f.element_id, prefix)
        for f in findings
        for prefix in _SUPERSEDES.get(f.code, ())
    }
    for problem in found:
        if any(
            problem.reason_en.startswith(prefix)
            for element, prefix in superseded
            if element == problem.element_id
        ):
            continue
        if (problem.element_id, problem.reason) not in seen:
            seen.add((problem.element_id, problem.reason))
            problems.append(_from_deploy(problem, elements))
    return problems


def deploy_draft(
    deployer: Deployer,
    db: Session,
    draft: ModelDraft,
    *,
    municipality: str | None,
    user: str,
) -> list[tuple[int, str, int, bool]]:
    """Deploy the draft's newest revision; (definition id, key, version, created)
    of each process. Raises ``DeployError`` with every problem."""
    results = deployer.deploy(
        {draft.file_name: xml_of(db, draft).encode("utf-8")},
        municipality=municipality,
        deployed_by=user,
        base_if_equal=True,
    )
    draft.deployed_definition_id = results[0].definition.id
    db.flush()
    return [
        (r.definition.id, r.definition.key, r.definition.version, r.created)
        for r in results
    ]
