# SPDX-License-Identifier: EUPL-1.2
"""Process definitions as a municipality sees them: the versions in force, every
version, validating and deploying an edited diagram. The modeler, the dashboard and
the REST API call these (no Flask here: the views pass the municipality and the
user).

A municipality sees the base definitions (municipality ``""``) and its own variants.
Validating and deploying an edited diagram use the same bundle, so a diagram that
validates also deploys: the edited file under the definition's own file name plus
the decision tables (DMN) the definition was deployed with. Called processes are
not copied into the bundle: the deployer takes them from the definitions in force
for the target (the municipality's variant first, then the base), as it does at
every deploy. Putting them in the bundle would deploy them too, as a frozen copy
for the municipality that later base versions would never reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.accounts.services import departments_of
from domain.accounts.tokens import actor_labels
from engine.deploy import MAX_FILE_BYTES, Deployer, DeployError, DeployProblem
from engine.interfaces import FormCatalogue
from engine.models import BASE_VARIANT, ProcessDefinition

__all__ = [
    "MAX_FILE_BYTES",
    "DeployOutcome",
    "ProcessSummary",
    "Version",
    "bundle_for",
    "check",
    "departments",
    "deploy",
    "form_choices",
    "newest",
    "process_summaries",
    "versions",
]


@dataclass(frozen=True)
class ProcessSummary:
    key: str
    name: str
    base_version: int | None
    variant_version: int | None
    in_force_id: int

    @property
    def has_variant(self) -> bool:
        return self.variant_version is not None


@dataclass(frozen=True)
class Version:
    id: int
    key: str
    name: str
    version: int
    municipality: str
    deployed_by: str
    deployed_by_name: str
    deployed_at: datetime
    in_force: bool

    @property
    def is_base(self) -> bool:
        return self.municipality == BASE_VARIANT


@dataclass(frozen=True)
class DeployOutcome:
    definition_id: int
    key: str
    version: int
    municipality: str
    created: bool


def _visible(municipality: str) -> tuple[str, ...]:
    return (municipality, BASE_VARIANT)


def process_summaries(db: Session, municipality: str) -> list[ProcessSummary]:
    """One row per process key the municipality can use, newest versions first."""
    newest_rows = (
        select(
            ProcessDefinition.key,
            ProcessDefinition.municipality,
            func.max(ProcessDefinition.version).label("version"),
        )
        .where(ProcessDefinition.municipality.in_(_visible(municipality)))
        .group_by(ProcessDefinition.key, ProcessDefinition.municipality)
        .subquery()
    )
    rows = db.execute(
        select(
            ProcessDefinition.id,
            ProcessDefinition.key,
            ProcessDefinition.name,
            ProcessDefinition.municipality,
            ProcessDefinition.version,
        ).join(
            newest_rows,
            (ProcessDefinition.key == newest_rows.c.key)
            & (ProcessDefinition.municipality == newest_rows.c.municipality)
            & (ProcessDefinition.version == newest_rows.c.version),
        )
    ).all()
    by_key: dict[str, dict[str, tuple[int, str, int]]] = {}
    for def_id, key, name, muni, version in rows:
        by_key.setdefault(key, {})[muni] = (def_id, name, version)
    summaries = []
    for key, variants in by_key.items():
        base = variants.get(BASE_VARIANT)
        own = variants.get(municipality) if municipality != BASE_VARIANT else None
        in_force = own or base
        assert in_force is not None
        summaries.append(
            ProcessSummary(
                key=key,
                name=in_force[1],
                base_version=base[2] if base else None,
                variant_version=own[2] if own else None,
                in_force_id=in_force[0],
            )
        )
    return sorted(summaries, key=lambda s: (s.name.casefold(), s.key))


def versions(db: Session, key: str, municipality: str) -> list[Version]:
    """Every version of ``key`` the municipality can see: its variants, then the
    base, newest first; the one ``start()`` would use is marked ``in_force``."""
    rows = db.execute(
        select(
            ProcessDefinition.id,
            ProcessDefinition.key,
            ProcessDefinition.name,
            ProcessDefinition.version,
            ProcessDefinition.municipality,
            ProcessDefinition.deployed_by,
            ProcessDefinition.deployed_at,
        )
        .where(
            ProcessDefinition.key == key,
            ProcessDefinition.municipality.in_(_visible(municipality)),
        )
        .order_by(
            ProcessDefinition.municipality.desc(), ProcessDefinition.version.desc()
        )
    ).all()
    names = _full_names(db, {r.deployed_by for r in rows})
    in_force = rows[0].id if rows else None  # the variant sorts before the base ("")
    return [
        Version(
            id=r.id,
            key=r.key,
            name=r.name,
            version=r.version,
            municipality=r.municipality,
            deployed_by=r.deployed_by,
            deployed_by_name=names.get(r.deployed_by, r.deployed_by),
            deployed_at=r.deployed_at,
            in_force=r.id == in_force,
        )
        for r in rows
    ]


def _full_names(db: Session, usernames: set[str]) -> dict[str, str]:
    """Full names; a deploy by API token names its creator and the token."""
    return actor_labels(db, usernames)


def newest(db: Session, key: str, municipality: str) -> ProcessDefinition | None:
    """The newest version of ``key`` deployed for exactly ``municipality``
    (``""``: the base)."""
    return db.scalars(
        select(ProcessDefinition)
        .where(
            ProcessDefinition.key == key,
            ProcessDefinition.municipality == municipality,
        )
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    ).first()


def bundle_for(definition: ProcessDefinition, xml: bytes) -> dict[str, bytes]:
    """The edited diagram in place of the definition's file, with its DMN files."""
    files = {definition.source_name: xml}
    for name, text in (definition.resources or {}).items():
        if name.endswith(".dmn") and name != definition.source_name:
            files[name] = text.encode("utf-8")
    return files


def check(
    deployer: Deployer,
    definition: ProcessDefinition,
    xml: bytes,
    *,
    municipality: str | None,
) -> None:
    """Validate the edited diagram for ``municipality`` (None: the base) as the
    deploy would; raises ``DeployError`` with every problem."""
    parser, bundle = deployer.check(
        bundle_for(definition, xml), municipality=municipality
    )
    keys = {key for key, _ in deployer.executable_processes(parser, bundle)}
    if definition.key not in keys:
        raise DeployError(
            [
                DeployProblem(
                    definition.source_name,
                    "",
                    f"diagrammai jāsaglabā procesa id '{definition.key}'"
                    f" (atrasts: {', '.join(sorted(keys)) or 'neviens'})",
                    f"the diagram must keep the process id '{definition.key}'"
                    f" (found: {', '.join(sorted(keys)) or 'none'})",
                )
            ]
        )


def deploy(
    deployer: Deployer,
    definition: ProcessDefinition,
    xml: bytes,
    *,
    municipality: str | None,
    deployed_by: str,
) -> DeployOutcome:
    """Deploy the edited diagram as the next version for ``municipality`` (None:
    the base). All or nothing; flushes only.

    Nothing is stored when the diagram was only re-saved: against the version in
    force for the target, which for a municipality without a variant yet is the
    base (an analyst who opens the base and deploys it untouched gets no frozen
    copy of it)."""
    check(deployer, definition, xml, municipality=municipality)
    results = deployer.deploy(
        bundle_for(definition, xml),
        municipality=municipality,
        deployed_by=deployed_by,
        base_if_equal=True,
    )
    own = next(r for r in results if r.definition.key == definition.key)
    return DeployOutcome(
        definition_id=own.definition.id,
        key=own.definition.key,
        version=own.definition.version,
        municipality=own.definition.municipality,
        created=own.created,
    )


# -- what the properties panel offers ------------------------------------------------
def form_choices(forms: FormCatalogue, language: str) -> list[tuple[str, str]]:
    """(key, title) of every form a user task may name, sorted by title.

    ``forms`` is the platform's form catalogue; one that cannot list its forms (the
    ``FormCatalogue`` protocol has no ``keys``) offers none, and the panel then
    keeps whatever key the diagram has."""
    keys = getattr(forms, "keys", None)
    if keys is None:
        return []
    choices = []
    for key in keys():
        found = forms.schema(key)
        title = found.get("x-title-en") if language == "en" else None
        title = title or found.get("title") or key
        choices.append((str(key), str(title)))
    return sorted(choices, key=lambda choice: (choice[1].casefold(), choice[0]))


def departments(db: Session, municipality: str) -> list[tuple[str, str]]:
    """(key, name) of the municipality's departments: the candidate groups."""
    return [(d.key, d.name) for d in departments_of(db, municipality)]
