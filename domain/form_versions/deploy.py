# SPDX-License-Identifier: EUPL-1.2
"""Deploying the processes that use a form, so they take its newest version.

A saved form version changes nothing that runs: a definition keeps the versions it
was deployed with. Deploying a process again with the same diagram pins the versions
in force now; the deployer (engine/deploy.py) makes a new process version because
its pins changed, and new cases use it while running ones keep theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from domain import definitions
from domain.cases.catalogue import definitions_in_force
from engine.deploy import Deployer

__all__ = ["FormDeploy", "deploy_with_form", "processes_using"]


@dataclass(frozen=True)
class FormDeploy:
    key: str
    name: str
    version: int
    created: bool


def processes_using(session: Session, municipality: str, form_key: str) -> list[str]:
    """Keys of the processes in force for the municipality whose steps use the form."""
    return [
        d.key
        for d in definitions_in_force(session, municipality)
        if any(
            t.get("formKey") == form_key
            for t in (d.meta or {}).get("tasks", {}).values()
        )
    ]


def deploy_with_form(
    session: Session,
    deployer: Deployer,
    municipality: str,
    form_key: str,
    *,
    actor: str,
) -> list[FormDeploy]:
    """Deploy, as the municipality's variant, each process in force that uses
    ``form_key``; raises the engine's DeployError when one cannot be deployed."""
    done = []
    for definition in definitions_in_force(session, municipality):
        uses = any(
            t.get("formKey") == form_key
            for t in (definition.meta or {}).get("tasks", {}).values()
        )
        if not uses:
            continue
        outcome = definitions.deploy(
            deployer,
            definition,
            definition.bpmn_xml.encode("utf-8"),
            municipality=municipality,
            deployed_by=actor,
        )
        done.append(
            FormDeploy(
                definition.key, definition.name, outcome.version, outcome.created
            )
        )
    return done
