# SPDX-License-Identifier: EUPL-1.2
"""Deploying BPMN and DMN: parse, validate everything up front, store once.

A deploy either stores every process of the bundle or nothing. Problems are collected,
not thrown one at a time, so an analyst sees every broken element of a diagram at
once, each with the file, the element id and the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.canonical import content_checksum
from engine.interfaces import ConnectorRegistry, FormCatalogue
from engine.models import BASE_VARIANT, ProcessDefinition
from engine.outbox import PkipBpmnParser
from engine.scripting import ScriptRejected, check_code
from engine.workflow import StateSerializer

MAX_FILE_BYTES = 5 * 1024 * 1024
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
TASK_PROPERTIES = (
    "formKey",
    "dueWorkingDays",
    "dueCalendarDays",
    "priority",
    "candidateGroup",
)

# Flow nodes the engine runs (SpiffWorkflow's parser classes) and the BPMN elements
# that are not flow nodes; any other element inside a process is refused, because
# SpiffWorkflow would silently skip it.
_RUNNABLE = {etree.QName(tag).localname for tag in SpiffBpmnParser.PARSER_CLASSES} | {
    "businessRuleTask"
}
_NOT_FLOW_NODES = {
    "sequenceFlow",
    "laneSet",
    "lane",
    "flowNodeRef",
    "childLaneSet",
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",
    "textAnnotation",
    "association",
    "extensionElements",
    "documentation",
    "ioSpecification",
    "property",
    "group",
    "dataInputAssociation",
    "dataOutputAssociation",
    "incoming",
    "outgoing",
    "standardLoopCharacteristics",
    "multiInstanceLoopCharacteristics",
    "text",
    "category",
    "categoryValue",
    "conditionExpression",
    "script",
}
_EVENT_DEFINITIONS_RUNNABLE = {
    "timerEventDefinition",
    "messageEventDefinition",
    "signalEventDefinition",
    "errorEventDefinition",
    "escalationEventDefinition",
    "terminateEventDefinition",
    "cancelEventDefinition",
}
_DEAD_END_OK = {"endEvent"}
_NO_INCOMING_OK = {"startEvent", "boundaryEvent"}


@dataclass(frozen=True)
class DeployProblem:
    file: str
    element_id: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}" + (f" [{self.element_id}]" if self.element_id else "")
        return f"{where}: {self.reason}"


class DeployError(Exception):
    """The bundle cannot be deployed; ``problems`` lists every reason found."""

    def __init__(self, problems: list[DeployProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass
class DeployResult:
    definition: ProcessDefinition
    created: bool


@dataclass
class _Bundle:
    bpmn: dict[str, bytes] = field(default_factory=dict)
    dmn: dict[str, bytes] = field(default_factory=dict)
    trees: dict[str, Any] = field(default_factory=dict)
    dependencies: set[str] = field(default_factory=set)  # fetched from deployed ones

    def all_files(self) -> dict[str, str]:
        return {n: c.decode("utf-8") for n, c in {**self.bpmn, **self.dmn}.items()}


def read_files(paths: Iterable[str | Path]) -> dict[str, bytes]:
    """Read .bpmn and .dmn files (a folder means every such file in it, sorted)."""
    files: dict[str, bytes] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            members = sorted(p for p in path.iterdir() if p.suffix in (".bpmn", ".dmn"))
        else:
            members = [path]
        for member in members:
            if member.stat().st_size > MAX_FILE_BYTES:
                raise DeployError(
                    [DeployProblem(member.name, "", "file larger than 5 MB")]
                )
            files[member.name] = member.read_bytes()
    return files


def _safe_tree(name: str, content: bytes) -> Any:
    """Parse XML refusing DTDs, entities and external references (XML bombs, XXE)."""
    if len(content) > MAX_FILE_BYTES:
        raise DeployError([DeployProblem(name, "", "file larger than 5 MB")])
    try:
        SafeET.fromstring(
            content, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise DeployError(
            [DeployProblem(name, "", f"refused hostile XML ({type(exc).__name__})")]
        ) from exc
    except SafeET.ParseError as exc:
        raise DeployError([DeployProblem(name, "", f"malformed XML: {exc}")]) from exc
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(content, parser=parser)


class Deployer:
    """Validates bundles of BPMN/DMN files and stores them as process definitions."""

    def __init__(
        self,
        session: Session | None,
        *,
        serializer: StateSerializer,
        connectors: ConnectorRegistry,
        forms: FormCatalogue,
    ) -> None:
        self.session = session
        self.serializer = serializer
        self.connectors = connectors
        self.forms = forms

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
            raise DeployError(
                [DeployProblem(", ".join(files), "", "no executable process")]
            )
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
    ) -> tuple[SpiffBpmnParser, _Bundle]:
        """Parse and validate without storing; raises DeployError with all problems."""
        bundle = _Bundle()
        problems: list[DeployProblem] = []
        for name, content in files.items():
            if not name.endswith((".bpmn", ".dmn", ".xml")):
                problems.append(DeployProblem(name, "", "only .bpmn and .dmn files"))
                continue
            try:
                tree = _safe_tree(name, content)
            except DeployError as exc:
                problems.extend(exc.problems)
                continue
            bundle.trees[name] = tree
            (bundle.dmn if name.endswith(".dmn") else bundle.bpmn)[name] = content
        if problems:
            raise DeployError(problems)
        self._add_dependencies(bundle, municipality)
        parser = PkipBpmnParser()
        for name, tree in bundle.trees.items():
            try:
                if name in bundle.dmn:
                    parser.add_dmn_xml(tree, filename=name)
                else:
                    parser.add_bpmn_xml(tree, filename=name)
            except (ValidationException, SpiffWorkflowException) as exc:
                problems.append(_problem_from(exc, name))
            except Exception as exc:  # noqa: BLE001 - the parser raises bare errors
                problems.append(DeployProblem(name, "", f"cannot parse: {exc}"))
        if problems:
            raise DeployError(problems)
        for name in bundle.bpmn:
            problems.extend(self._check_tree(name, bundle.trees[name], parser))
        for key, file_name in self.executable_processes(parser, bundle):
            try:
                parser.get_spec(key)
                parser.get_subprocess_specs(key)
            except (ValidationException, SpiffWorkflowException) as exc:
                problems.append(_problem_from(exc, file_name))
            except Exception as exc:  # noqa: BLE001
                problems.append(DeployProblem(file_name, key, f"cannot build: {exc}"))
        if problems:
            raise DeployError(problems)
        return parser, bundle

    # -- validation -----------------------------------------------------------------
    def _check_tree(
        self, name: str, root: Any, parser: SpiffBpmnParser
    ) -> list[DeployProblem]:
        problems: list[DeployProblem] = []
        for proc in root.iterfind(".//bpmn:process", NS):
            problems.extend(self._check_container(name, proc))
            for sub in proc.iterfind(".//bpmn:subProcess", NS):
                problems.extend(self._check_container(name, sub))
        problems.extend(_check_expressions(name, root))
        for task in root.iterfind(".//bpmn:serviceTask", NS):
            op = task.find(
                "bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS
            )
            if op is None:
                problems.append(
                    DeployProblem(
                        name,
                        task.get("id", ""),
                        "service task names no operator"
                        " (spiffworkflow:serviceTaskOperator)",
                    )
                )
            elif not self.connectors.has_operator(op.get("id", "")):
                problems.append(
                    DeployProblem(
                        name,
                        task.get("id", ""),
                        f"unknown connector operator '{op.get('id')}'",
                    )
                )
        return problems

    def _check_container(self, name: str, container: Any) -> list[DeployProblem]:
        problems: list[DeployProblem] = []
        lane_of: dict[str, str] = {}
        for lane in container.iterfind("bpmn:laneSet/bpmn:lane", NS):
            for ref in lane.iterfind(".//bpmn:flowNodeRef", NS):
                lane_of[(ref.text or "").strip()] = lane.get("name") or lane.get(
                    "id", ""
                )
        for node in container:
            if not isinstance(node.tag, str) or etree.QName(node).namespace != BPMN_NS:
                continue
            kind = etree.QName(node).localname
            node_id = node.get("id", "")
            if kind in _NOT_FLOW_NODES:
                continue
            if kind not in _RUNNABLE:
                problems.append(
                    DeployProblem(name, node_id, f"the engine cannot run bpmn:{kind}")
                )
                continue
            for child in node:
                if isinstance(child.tag, str) and child.tag.endswith("EventDefinition"):
                    ev = etree.QName(child).localname
                    if ev not in _EVENT_DEFINITIONS_RUNNABLE:
                        problems.append(
                            DeployProblem(
                                name, node_id, f"the engine cannot run bpmn:{ev}"
                            )
                        )
            is_event_sub = (
                kind == "subProcess" and node.get("triggeredByEvent") == "true"
            )
            outgoing = container.xpath(
                f"bpmn:sequenceFlow[@sourceRef='{node_id}']", namespaces=NS
            )
            incoming = container.xpath(
                f"bpmn:sequenceFlow[@targetRef='{node_id}']", namespaces=NS
            )
            if not outgoing and kind not in _DEAD_END_OK and not is_event_sub:
                problems.append(
                    DeployProblem(
                        name,
                        node_id,
                        "flow node has no outgoing sequence flow"
                        " (the process would silently end here)",
                    )
                )
            if not incoming and kind not in _NO_INCOMING_OK and not is_event_sub:
                problems.append(
                    DeployProblem(
                        name,
                        node_id,
                        "flow node has no incoming sequence flow (it can never run)",
                    )
                )
            if kind == "userTask":
                props = _properties(node)
                if node_id not in lane_of and not props.get("candidateGroup"):
                    problems.append(
                        DeployProblem(
                            name,
                            node_id,
                            "user task is in no lane and has no candidateGroup"
                            " property: nobody would see it",
                        )
                    )
                form_key = props.get("formKey")
                if form_key and not self.forms.has(form_key):
                    problems.append(
                        DeployProblem(name, node_id, f"unknown form key '{form_key}'")
                    )
                problems.extend(_check_numeric_props(name, node_id, props))
        return problems

    # -- storing --------------------------------------------------------------------
    def _store(
        self,
        key: str,
        spec: BpmnProcessSpec,
        subs: dict[str, BpmnProcessSpec],
        file_name: str,
        bundle: _Bundle,
        parser: SpiffBpmnParser,
        municipality: str | None,
        deployed_by: str,
        *,
        base_if_equal: bool = False,
    ) -> DeployResult:
        scope = municipality or BASE_VARIANT
        resources = _resources_for(key, subs, file_name, bundle, parser)
        checksum = resources_checksum(resources)
        latest = self._newest(key, scope)
        in_force = latest
        if in_force is None and municipality and base_if_equal:
            in_force = self._newest(key, BASE_VARIANT)
        if in_force is not None and _unchanged(in_force, checksum):
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
            meta=_metadata(
                key,
                spec,
                subs,
                bundle.trees[file_name],
                [bundle.trees[f] for f in resources if f.endswith(".bpmn")],
            ),
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
        self, parser: SpiffBpmnParser, bundle: _Bundle
    ) -> list[tuple[str, str]]:
        """(process id, file) of each executable process in the bundle's own files."""
        result = []
        for pid in parser.get_process_ids():
            proc_parser = parser.get_process_parser(pid)
            file_name = Path(proc_parser.filename or "").name
            if file_name in bundle.bpmn and file_name not in bundle.dependencies:
                result.append((pid, file_name))
        return sorted(result)

    def _add_dependencies(self, bundle: _Bundle, municipality: str | None) -> None:
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
                bundle.trees[fname] = _safe_tree(fname, content)
                (bundle.dmn if fname.endswith(".dmn") else bundle.bpmn)[fname] = content
                bundle.dependencies.add(fname)
            missing -= provides


def resources_checksum(resources: Mapping[str, str]) -> str:
    """The content checksum of a definition's files (engine/canonical.py): equal for
    a diagram that was only re-saved, different for any real change, layout too."""
    return content_checksum(
        {
            name: _safe_tree(name, text.encode("utf-8"))
            for name, text in resources.items()
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


def _problem_from(exc: Exception, file_name: str) -> DeployProblem:
    element = getattr(exc, "id", "") or ""
    fname = Path(getattr(exc, "file_name", "") or file_name).name
    reason = str(exc).split("\n")[0]
    return DeployProblem(fname, element, reason)


def _properties(node: Any) -> dict[str, str]:
    """A flow node's PKIP properties: spiffworkflow:property elements, and for
    diagrams drawn in Camunda Modeler its ``formKey``/``candidateGroups`` attributes."""
    props = {}
    for attr, prop in (("formKey", "formKey"), ("candidateGroups", "candidateGroup")):
        value = node.get(f"{{{CAMUNDA_NS}}}{attr}")
        if value:
            props[prop] = (
                value.split(",")[0].strip() if attr == "candidateGroups" else value
            )
    for prop in node.iterfind(
        "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS
    ):
        props[prop.get("name", "")] = prop.get("value", "")
    return props


def _check_numeric_props(
    name: str, node_id: str, props: dict[str, str]
) -> list[DeployProblem]:
    problems = []
    for prop in ("dueWorkingDays", "dueCalendarDays", "priority", "targetWorkingDays"):
        value = props.get(prop)
        if value is None:
            continue
        if not value.strip().isdigit():
            problems.append(
                DeployProblem(
                    name,
                    node_id,
                    f"property {prop} must be a whole number, got '{value}'",
                )
            )
        elif prop == "priority" and int(value) > 100:
            problems.append(
                DeployProblem(name, node_id, "property priority must be 0..100")
            )
    if "dueWorkingDays" in props and "dueCalendarDays" in props:
        problems.append(
            DeployProblem(
                name, node_id, "give dueWorkingDays or dueCalendarDays, not both"
            )
        )
    return problems


# Where diagrams carry code: (XPath, compile mode). Each is checked by the same
# restricted checker that guards it at run time, so a refused construct is a deploy
# error with the element id instead of an incident weeks later.
_CODE_PLACES = (
    (".//bpmn:conditionExpression", "eval"),
    (".//bpmn:scriptTask/bpmn:script", "exec"),
    (".//spiffworkflow:preScript", "exec"),
    (".//spiffworkflow:postScript", "exec"),
    (".//bpmn:timeDuration", "eval"),
    (".//bpmn:timeDate", "eval"),
    (".//bpmn:timeCycle", "eval"),
    (".//bpmn:messagePath", "eval"),
    (".//bpmn:completionCondition", "eval"),
    (".//bpmn:loopCondition", "eval"),
    (".//bpmn:loopCardinality", "eval"),
    (".//spiffworkflow:messagePayload", "eval"),
)


def _owner_id(node: Any) -> str:
    while node is not None:
        if node.get("id"):
            return str(node.get("id"))
        node = node.getparent()
    return ""


def _check_expressions(name: str, root: Any) -> list[DeployProblem]:
    problems = []
    found: list[tuple[Any, str, str]] = []
    for xpath, mode in _CODE_PLACES:
        for node in root.iterfind(xpath, NS):
            found.append((node, node.text or "", mode))
    for param in root.iterfind(".//spiffworkflow:parameter", NS):
        if param.get("value") is not None:
            found.append((param, param.get("value", ""), "eval"))
    for node, code, mode in found:
        if not code.strip():
            if mode == "eval":
                problems.append(
                    DeployProblem(name, _owner_id(node), "empty expression")
                )
            continue
        try:
            check_code(code.strip() if mode == "eval" else code, mode)
        except ScriptRejected as exc:
            problems.append(
                DeployProblem(name, _owner_id(node), f"script refused: {exc}")
            )
        except SyntaxError as exc:
            problems.append(
                DeployProblem(name, _owner_id(node), f"syntax error: {exc.msg}")
            )
    return problems


def _resources_for(
    key: str,
    subs: dict[str, BpmnProcessSpec],
    file_name: str,
    bundle: _Bundle,
    parser: SpiffBpmnParser,
) -> dict[str, str]:
    """The files this process needs: its own, its called processes', the DMN files."""
    needed = {file_name}
    for sub_key in subs:
        sub_parser = parser.get_process_parser(sub_key)
        if sub_parser is not None and sub_parser.filename:
            needed.add(Path(sub_parser.filename).name)
    decisions = set()
    for fname in list(needed):
        tree = bundle.trees.get(fname)
        if tree is not None:
            decisions |= {
                (d.text or "").strip()
                for d in tree.iterfind(".//spiffworkflow:calledDecisionId", NS)
            }
    for fname in bundle.dmn:
        ids = {
            d.get("id")
            for d in bundle.trees[fname].iter()
            if isinstance(d.tag, str) and etree.QName(d).localname == "decision"
        }
        if ids & decisions:
            needed.add(fname)
    files = bundle.all_files()
    return {fname: files[fname] for fname in sorted(needed)}


def _metadata(
    key: str,
    spec: BpmnProcessSpec,
    subs: dict[str, BpmnProcessSpec],
    root: Any,
    trees: list[Any],
) -> dict[str, Any]:
    """What pages and the runtime need without parsing the XML again.

    ``root`` is the process's own file, ``trees`` every BPMN file it uses (called
    processes included), read for the flow nodes' properties.
    """
    proc = root.find(f".//bpmn:process[@id='{key}']", NS)
    process_props = _properties(proc) if proc is not None else {}
    xml_props = {
        node.get("id"): _properties(node)
        for tree in trees
        for node in tree.iter()
        if isinstance(node.tag, str) and node.get("id")
    }
    tasks: dict[str, dict[str, Any]] = {}
    message_starts: list[str] = []
    operators: set[str] = set()
    for task_spec in _all_task_specs(spec, subs):
        bpmn_id = getattr(task_spec, "bpmn_id", None)
        if bpmn_id is None:
            continue
        kind = type(task_spec).__name__
        entry: dict[str, Any] = {"name": task_spec.bpmn_name or bpmn_id, "type": kind}
        if getattr(task_spec, "lane", None):
            entry["lane"] = task_spec.lane
        props = xml_props.get(bpmn_id, {})
        entry.update({k: v for k, v in props.items() if k in TASK_PROPERTIES})
        op = getattr(task_spec, "operation_name", None)
        if op:
            operators.add(op)
            entry["operator"] = op
        tasks[bpmn_id] = entry
        event_def: Any = getattr(task_spec, "event_definition", None)
        if (
            kind == "StartEvent"
            and task_spec in spec.task_specs.values()
            and type(event_def).__name__ == "MessageEventDefinition"
        ):
            message_starts.append(event_def.name)
    return {
        "name": spec.description or key,
        "process": process_props,
        "tasks": tasks,
        "message_starts": sorted(set(message_starts)),
        "operators": sorted(operators),
        "provides": sorted({key, *subs.keys()} | _decision_ids(root)),
    }


def _decision_ids(root: Any) -> set[str]:
    return {
        (d.text or "").strip()
        for d in root.iterfind(".//spiffworkflow:calledDecisionId", NS)
    }


def _all_task_specs(
    spec: BpmnProcessSpec, subs: dict[str, BpmnProcessSpec]
) -> list[Any]:
    specs = list(spec.task_specs.values())
    for sub in subs.values():
        specs.extend(sub.task_specs.values())
    return specs
