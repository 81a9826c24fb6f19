# SPDX-License-Identifier: EUPL-1.2
"""Process definitions: the versions in force (or every version), one definition,
and deploying a bundle of .bpmn/.dmn files as the municipality's variant."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.accounts.models import (
    ANALYST,
    MUNICIPALITY_ADMIN,
    PLATFORM_ADMIN,
    SPECIALIST,
    SUPERVISOR,
)
from domain.definitions import process_summaries
from engine.deploy import MAX_FILE_BYTES, DeployError, DeployProblem
from engine.models import ProcessDefinition
from webapp import platform_of, transaction
from webapp.api.common import ERROR, access, actor
from webapp.api.schemas import (
    DefinitionArgs,
    DefinitionSchema,
    DeployArgs,
    DeployedSchema,
    DeployErrorSchema,
    DeployFilesArgs,
)
from webapp.auth import current_municipality, current_user
from webapp.scoping import get_scoped_or_404, scoped

PATH = "definitions"
TAG = "Definitions"
READ_ROLES = (ANALYST, PLATFORM_ADMIN, MUNICIPALITY_ADMIN, SPECIALIST, SUPERVISOR)
DEPLOY_ROLES = (ANALYST, PLATFORM_ADMIN)

blp = Blueprint(
    "api_definitions",
    __name__,
    description="Deployed process definitions: the shared base versions and the "
    "municipality's own variants.",
)


def _in_force_ids(db: Session, municipality: str) -> set[int]:
    """Per process the version new instances start on (the modeler's rule)."""
    return {s.in_force_id for s in process_summaries(db, municipality)}


def _visible(db: Session, key: str | None = None) -> list[ProcessDefinition]:
    stmt = scoped(
        select(ProcessDefinition), ProcessDefinition.municipality, include_base=True
    ).order_by(
        ProcessDefinition.key,
        ProcessDefinition.municipality,
        ProcessDefinition.version.desc(),
    )
    if key:
        stmt = stmt.where(ProcessDefinition.key == key)
    return list(db.scalars(stmt))


def _with_in_force(
    definitions: Sequence[ProcessDefinition], in_force: set[int]
) -> list[ProcessDefinition]:
    """The definitions marked for ``DefinitionSchema.in_force`` (not a column)."""
    for d in definitions:
        d.in_force = d.id in in_force  # type: ignore[attr-defined]
    return list(definitions)


@blp.route("", tags=[TAG])
class Definitions(MethodView):
    @access("definitions:read", *READ_ROLES)
    @blp.arguments(DefinitionArgs, location="query", as_kwargs=True)
    @blp.response(200, DefinitionSchema(many=True))
    def get(self, key: str | None = None, all_versions: bool = False) -> Any:
        """The process definitions the municipality may run.

        By default one per process: the version in force. With `all_versions`
        every deployed version of the base and of the municipality's variants,
        newest first.
        """
        with transaction() as db:
            found = _visible(db, key)
            in_force = _in_force_ids(db, current_municipality())
            if not all_versions:
                found = [d for d in found if d.id in in_force]
            return _with_in_force(found, in_force)

    @access("definitions:deploy", *DEPLOY_ROLES)
    @blp.arguments(DeployArgs, location="form", as_kwargs=True)
    @blp.arguments(DeployFilesArgs, location="files", as_kwargs=True)
    @blp.response(201, DeployedSchema(many=True))
    @blp.alt_response(
        422, schema=DeployErrorSchema, description="The bundle has problems."
    )
    def post(self, files: list[Any], base: bool = False) -> Any:
        """Deploy a bundle of .bpmn and .dmn files.

        Stores every executable process of the bundle as the next version of the
        caller's municipality's variant (or, for a platform administrator with
        `base`, of the base), or nothing: every problem found is answered at once
        with 422, each with its file, element id and reason. Identical files make no
        new version (`created: false`).
        """
        municipality = _deploy_target(base)
        bundle = _read_bundle(files)
        with transaction() as db:
            deployer = platform_of(current_app).deployer(db)
            try:
                results = deployer.deploy(
                    bundle, municipality=municipality, deployed_by=actor()
                )
            except DeployError as exc:
                _abort_problems(exc.problems)
            in_force = _in_force_ids(db, current_municipality())
            return [
                {
                    "definition": _with_in_force([r.definition], in_force)[0],
                    "created": r.created,
                }
                for r in results
            ]


@blp.route("/<int:definition_id>", tags=[TAG])
class Definition(MethodView):
    @access("definitions:read", *READ_ROLES)
    @blp.response(200, DefinitionSchema)
    @blp.alt_response(
        404, schema=ERROR, description="No such definition in the municipality."
    )
    def get(self, definition_id: int) -> Any:
        """One deployed definition (a base one or the municipality's variant)."""
        with transaction() as db:
            found = get_scoped_or_404(
                db, ProcessDefinition, definition_id, include_base=True
            )
            in_force = _in_force_ids(db, current_municipality())
            return _with_in_force([found], in_force)[0]


def _deploy_target(base: bool) -> str | None:
    """The municipality of the new versions; None (the base) only for a platform
    administrator who asks for it."""
    if not base:
        return current_municipality()
    user = current_user()
    if user is None or not user.is_platform_admin:
        abort(403, message=_("Only a platform administrator may deploy the base."))
    return None


def _read_bundle(files: list[Any]) -> dict[str, bytes]:
    bundle: dict[str, bytes] = {}
    problems = []
    for upload in files:
        name = PurePosixPath((upload.filename or "").replace("\\", "/")).name
        content = upload.read(MAX_FILE_BYTES + 1)
        if not name:
            problems.append(DeployProblem("", "", _("A file has no name.")))
        elif name in bundle:
            problems.append(DeployProblem(name, "", _("The file is sent twice.")))
        elif len(content) > MAX_FILE_BYTES:
            problems.append(DeployProblem(name, "", _("The file is larger than 5 MB.")))
        else:
            bundle[name] = content
    if problems:
        _abort_problems(problems)
    return bundle


def _abort_problems(problems: Sequence[DeployProblem]) -> None:
    abort(
        422,
        message=_("The processes cannot be deployed."),
        errors={
            "problems": [
                {
                    "file": p.file,
                    "element_id": p.element_id,
                    "reason": p.reason,
                    "reason_en": p.reason_en or p.reason,
                }
                for p in problems
            ]
        },
    )
