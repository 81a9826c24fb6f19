# SPDX-License-Identifier: EUPL-1.2
"""Deploying BPMN and DMN: parse, validate everything up front, store once.

A deploy either stores every process of the bundle or nothing. Problems are collected,
not thrown one at a time, so an analyst sees every broken element of a diagram at
once, each with the file, the element id and the reason.

Here: the ``Deployer`` (checking a bundle, fetching what it calls from deployed
definitions, storing versions and variants) and the content checksum of stored files.
Reading and safe XML parsing, and the problem types, are in engine/deploy_xml.py; the
structural checks in engine/deploy_checks.py; the stored files and ``meta`` of a
definition in engine/deploy_meta.py. The names other modules use are re-exported
here, so ``from engine.deploy import ...`` stays the one way in.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.contracts import ConnectorRegistry
from engine.bpmn_prepare import prepare_for_parse
from engine.canonical import content_checksum
from engine.deploy_checks import check_tree
from engine.deploy_lint import blocking_problems
from engine.deploy_meta import TASK_PROPERTIES, definition_meta, resources_for
from engine.deploy_xml import (
    BPMN_NS,
    CAMUNDA_NS,
    MAX_FILE_BYTES,
    NS,
    SPIFF_NS,
    Bundle,
    DeployError,
    DeployProblem,
    as_utf8,
    read_files,
    safe_tree,
)
from engine.flow_parser import FlowBpmnParser
from engine.interfaces import FormCatalogue
from engine.models import BASE_VARIANT, ProcessDefinition
from engine.workflow import StateSerializer

__all__ = [
    "BPMN_NS",
    "CAMUNDA_NS",
    "MAX_FILE_BYTES",
    "NS",
    "SPIFF_NS",
    "TASK_PROPERTIES",
    "Bundle",
    "DeployError",
    "DeployProblem",
    "DeployResult",
    "Deployer",
    "read_files",
    "resources_checksum",
]


@dataclass
class DeployResult:
    definition: ProcessDefinition
    created: bool


class Deployer:
    """Validates bundles of BPMN/DMN files and stores them as process definitions."""

    def __init__(
        self,
        session: Session | None,
        *,
        serializer: StateSerializer,
        connectors: ConnectorRegistry,
        forms: FormCatalogue,
        form_pins: Callable[[Collection[str], str | None], dict[str, Any]]
        | None = None,
        forms_for: Callable[[str | None], FormCatalogue] | None = None,
    ) -> None:
        """``form_pins`` tells which form versions a definition deployed now for a
        municipality (None = the base) records (``ProcessDefinition.forms``); a
        changed pin makes a new version even when the files are unchanged.
        ``forms_for`` gives the forms a deploy for a municipality (None = the base)
        may name, when they differ by municipality; else ``forms``."""
        self.session = session
        self.serializer = serializer
        self.connectors = connectors
        self.forms = forms
        self.form_pins = form_pins
        self.forms_for = forms_for

    # -- public ---------------------------------------------------------------------
    def deploy(
        self,
        files: Mapping[str, bytes],
        *,
        municipality: str | None = None,
        deployed_by: str = "system",
        base_if_equal: bool = False,
    ) -> list[DeployResult]:
        """Deploy each executable process in ``files``: all or nothing; flushes only.

        A process whose files say what its newest version says (only re-saved:
        engine/canonical.py) is not stored again; its result is that version with
        ``created`` false. With ``base_if_equal`` (the modeler) the same holds for a
        first variant equal to the newest base: such a copy would change nothing and
        would only keep later base versions from the municipality.
        """
        parser, bundle = self.check(files, municipality=municipality)
        problems: list[DeployProblem] = []
        planned: list[tuple[str, BpmnProcessSpec, dict[str, BpmnProcessSpec], str]] = []
        for key, file_name in self.executable_processes(parser, bundle):
            try:
                spec = parser.get_spec(key)
                subs = parser.get_subprocess_specs(key)
            except (ValidationException, SpiffWorkflowException) as exc:
                problems.append(_problem_from(exc, file_name))
                continue
            planned.append((key, spec, subs, file_name))
        if problems:
            raise DeployError(problems)
        if not planned:
            raise DeployError([no_executable_process(", ".join(files))])
        return [
            self._store(
                key,
                spec,
                subs,
                file_name,
                bundle,
                parser,
                municipality,
                deployed_by,
                base_if_equal=base_if_equal,
            )
            for key, spec, subs, file_name in planned
        ]

    def check(
        self, files: Mapping[str, bytes], *, municipality: str | None = None
    ) -> tuple[SpiffBpmnParser, Bundle]:
        """Parse and validate without storing; raises DeployError with all problems."""
        bundle = Bundle()
        problems: list[DeployProblem] = []
        for name, content in files.items():
            if not name.endswith((".bpmn", ".dmn", ".xml")):
                problems.append(
                    DeployProblem(
                        name,
                        "",
                        "der tikai .bpmn un .dmn faili",
                        "only .bpmn and .dmn files",
                    )
                )
                continue
            try:
                tree = safe_tree(name, content)
            except DeployError as exc:
                problems.extend(exc.problems)
                continue
            content = as_utf8(tree, content)
            bundle.trees[name] = tree
            (bundle.dmn if name.endswith(".dmn") else bundle.bpmn)[name] = content
        if problems:
            raise DeployError(problems)
        # What other modelers' files must change (engine/deploy_lint.py) is read
        # from the XML alone, so it is reported even when SpiffWorkflow cannot
        # parse the file; the bundle's dependencies were deployed once already.
        for name in list(bundle.bpmn):
            problems.extend(blocking_problems(name, bundle.trees[name]))
        self._add_dependencies(bundle, municipality)
        parser = FlowBpmnParser()
        for name, tree in bundle.trees.items():
            try:
                if name in bundle.dmn:
                    parser.add_dmn_xml(tree, filename=name)
                else:
                    parser.add_bpmn_xml(prepare_for_parse(tree), filename=name)
            except (ValidationException, SpiffWorkflowException) as exc:
                problems.append(_problem_from(exc, name))
            except Exception as exc:  # noqa: BLE001 - the parser raises bare errors
                problems.append(
                    DeployProblem(
                        name, "", f"nevar nolasīt: {exc}", f"cannot parse: {exc}"
                    )
                )
        if problems:
            raise DeployError(problems)
        forms = self.forms_for(municipality) if self.forms_for else self.forms
        for name in bundle.bpmn:
            problems.extend(
                check_tree(
                    name,
                    bundle.trees[name],
                    connectors=self.connectors,
                    forms=forms,
                )
            )
        named = {(p.file, p.element_id) for p in problems if p.element_id}
        for key, file_name in self.executable_processes(parser, bundle):
            try:
                parser.get_spec(key)
                parser.get_subprocess_specs(key)
            except (ValidationException, SpiffWorkflowException) as exc:
                problem = _problem_from(exc, file_name)
                # An element refused by name already has a clearer reason.
                if (problem.file, problem.element_id) not in named:
                    problems.append(problem)
            except Exception as exc:  # noqa: BLE001
                problems.append(
                    DeployProblem(
                        file_name,
                        key,
                        f"nevar sagatavot izpildei: {exc}",
                        f"cannot build: {exc}",
                    )
                )
        if problems:
            raise DeployError(problems)
        return parser, bundle

    # -- storing --------------------------------------------------------------------
    def _store(
        self,
        key: str,
        spec: BpmnProcessSpec,
        subs: dict[str, BpmnProcessSpec],
        file_name: str,
        bundle: Bundle,
        parser: SpiffBpmnParser,
        municipality: str | None,
        deployed_by: str,
        *,
        base_if_equal: bool = False,
    ) -> DeployResult:
        scope = municipality or BASE_VARIANT
        resources = resources_for(key, subs, file_name, bundle, parser)
        checksum = resources_checksum(resources)
        meta = definition_meta(
            key,
            spec,
            subs,
            bundle.trees[file_name],
            [bundle.trees[f] for f in resources if f.endswith(".bpmn")],
        )
        pins = (
            self.form_pins(_form_keys(meta), municipality)
            if self.form_pins is not None
            else {}
        )
        latest = self._newest(key, scope)
        in_force = latest
        if in_force is None and municipality and base_if_equal:
            in_force = self._newest(key, BASE_VARIANT)
        if (
            in_force is not None
            and _unchanged(in_force, checksum)
            and (in_force.forms or {}) == pins
        ):
            return DeployResult(in_force, created=False)
        assert self.session is not None, "storing needs a session"
        version = (latest.version if latest else 0) + 1
        definition = ProcessDefinition(
            key=key,
            name=spec.description or key,
            version=version,
            municipality=scope,
            checksum=checksum,
            source_name=file_name,
            bpmn_xml=resources[file_name],
            resources=resources,
            spec_json=self.serializer.dump_specs(spec, subs),
            meta=meta,
            forms=pins,
            deployed_by=deployed_by,
        )
        self.session.add(definition)
        self.session.flush()
        return DeployResult(definition, created=True)

    def _newest(self, key: str, scope: str) -> ProcessDefinition | None:
        assert self.session is not None, "storing needs a session"
        return self.session.scalars(
            select(ProcessDefinition)
            .where(
                ProcessDefinition.key == key, ProcessDefinition.municipality == scope
            )
            .order_by(ProcessDefinition.version.desc())
            .limit(1)
        ).first()

    def executable_processes(
        self, parser: SpiffBpmnParser, bundle: Bundle
    ) -> list[tuple[str, str]]:
        """(process id, file) of each executable process in the bundle's own files."""
        # Once parsed, SpiffWorkflow also lists embedded sub-processes: they are no
        # processes to deploy or run on their own.
        top = {
            proc.get("id")
            for tree in bundle.trees.values()
            for proc in tree.iterfind(".//bpmn:process", NS)
        }
        result = []
        for pid in parser.get_process_ids():
            if pid not in top:
                continue
            proc_parser = parser.get_process_parser(pid)
            file_name = Path(proc_parser.filename or "").name
            if file_name in bundle.bpmn and file_name not in bundle.dependencies:
                result.append((pid, file_name))
        # SpiffWorkflow registers sub-processes (event sub-processes too) as
        # processes of their own: only a bpmn:process is a definition.
        top = {
            p.get("id")
            for tree in bundle.trees.values()
            for p in tree.iterfind(".//bpmn:process", NS)
        }
        return sorted(r for r in result if r[0] in top)

    def _add_dependencies(self, bundle: Bundle, municipality: str | None) -> None:
        """Fetch called processes and decisions the bundle lacks from deployed ones."""
        provided_processes, provided_decisions = set(), set()
        called, decisions = set(), set()
        for name, tree in bundle.trees.items():
            if name in bundle.dmn:
                provided_decisions |= {
                    d.get("id")
                    for d in tree.iter()
                    if isinstance(d.tag, str) and etree.QName(d).localname == "decision"
                }
                continue
            provided_processes |= {
                p.get("id") for p in tree.iterfind(".//bpmn:process", NS)
            }
            called |= {
                c.get("calledElement")
                for c in tree.iterfind(".//bpmn:callActivity", NS)
            }
            decisions |= {
                (d.text or "").strip()
                for d in tree.iterfind(".//spiffworkflow:calledDecisionId", NS)
            }
        missing = (called - provided_processes) | (decisions - provided_decisions)
        if not missing or self.session is None:  # no database: the parser reports them
            return
        definitions = self.session.scalars(
            select(ProcessDefinition)
            .where(
                ProcessDefinition.municipality.in_(
                    {BASE_VARIANT, municipality or BASE_VARIANT}
                )
            )
            .order_by(
                ProcessDefinition.municipality.desc(), ProcessDefinition.version.desc()
            )
        ).all()
        for definition in definitions:
            if not missing:
                break
            provides = set(definition.meta.get("provides", []))
            if not provides & missing:
                continue
            for fname, text in definition.resources.items():
                if fname in bundle.trees:
                    continue
                content = text.encode("utf-8")
                bundle.trees[fname] = safe_tree(fname, content)
                (bundle.dmn if fname.endswith(".dmn") else bundle.bpmn)[fname] = content
                bundle.dependencies.add(fname)
            missing -= provides


def resources_checksum(resources: Mapping[str, str]) -> str:
    """The content checksum of a definition's files (engine/canonical.py): equal for
    a diagram that was only re-saved, different for any real change, layout too."""
    return content_checksum(
        {
            name: safe_tree(name, text.encode("utf-8"))
            for name, text in resources.items()
        }
    )


def _form_keys(meta: Mapping[str, Any]) -> list[str]:
    """The form keys the definition's tasks and start events name."""
    return sorted(
        {
            str(entry["formKey"])
            for entry in meta.get("tasks", {}).values()
            if entry.get("formKey")
        }
    )


def _unchanged(definition: ProcessDefinition, checksum: str) -> bool:
    """True when ``definition`` has the content of ``checksum``.

    Versions stored before the checksum was canonical (or by any older form of it)
    hold another kind of hash, so the stored column is trusted only when it matches;
    otherwise the checksum is recomputed from the stored files. A change of the
    canonical form therefore never turns the next deploy of unchanged files into a
    new version, and needs no data migration.
    """
    if definition.checksum == checksum:
        return True
    try:
        return resources_checksum(definition.resources or {}) == checksum
    except DeployError:  # stored files were validated once; unreadable now: changed
        return False


def no_executable_process(files: str) -> DeployProblem:
    return DeployProblem(
        files,
        "",
        'nav neviena izpildāma procesa (isExecutable="true")',
        'no executable process (isExecutable="true")',
    )


def _problem_from(exc: Exception, file_name: str) -> DeployProblem:
    """SpiffWorkflow's own error (English, from the library) under a Latvian frame."""
    element = getattr(exc, "id", "") or ""
    fname = Path(getattr(exc, "file_name", "") or file_name).name
    reason = str(exc).split("\n")[0]
    return DeployProblem(
        fname,
        element,
        f"SpiffWorkflow nevar nolasīt elementu: {reason}",
        f"SpiffWorkflow cannot read the element: {reason}",
    )
