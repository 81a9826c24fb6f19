# SPDX-License-Identifier: EUPL-1.2
"""Reading a deploy's files: BPMN/DMN XML parsed safely, and what every step reports.

The first step of a deploy (engine/deploy.py) and the one every later step builds on:
reading files from disk, refusing hostile XML (DTDs, entities, external references)
before lxml sees it, the bundle of parsed files, and a flow node's PKIP properties.
``DeployProblem`` and ``DeployError`` live here because reading is the first step that
reports them; the checks (engine/deploy_checks.py) and the storing report with them
too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from lxml import etree

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_XML_DEPTH = 100
"""Elements nested deeper are refused: no diagram needs it, and the parsers and the
checks that walk the tree recurse (lxml itself stops at 256 with a bare error)."""
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}


@dataclass(frozen=True)
class DeployProblem:
    """One reason a bundle cannot be deployed: ``reason`` in Latvian (what a user
    reads first), ``reason_en`` the same in English (empty: not translated yet)."""

    file: str
    element_id: str
    reason: str
    reason_en: str = ""

    def __str__(self) -> str:
        where = f"{self.file}" + (f" [{self.element_id}]" if self.element_id else "")
        english = f" ({self.reason_en})" if self.reason_en else ""
        return f"{where}: {self.reason}{english}"

    @classmethod
    def bilingual(cls, file: str, element_id: str, text: str) -> DeployProblem:
        """A problem from one "latviski / in English" text: the conformance checks
        keep both languages of a reason in one template."""
        latvian, _, english = text.partition(" / ")
        return cls(file, element_id, latvian.strip(), english.strip())

    def reason_in(self, language: str) -> str:
        """The reason in ``language`` ("lv" or "en"), Latvian when not translated."""
        return self.reason_en if language == "en" and self.reason_en else self.reason


class DeployError(Exception):
    """The bundle cannot be deployed; ``problems`` lists every reason found."""

    def __init__(self, problems: list[DeployProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass
class Bundle:
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
                raise DeployError([too_large(member.name)])
            files[member.name] = member.read_bytes()
    return files


def safe_tree(name: str, content: bytes) -> Any:
    """Parse XML refusing DTDs, entities and external references (XML bombs, XXE)."""
    if len(content) > MAX_FILE_BYTES:
        raise DeployError([too_large(name)])
    try:
        SafeET.fromstring(
            content, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        kind = type(exc).__name__
        raise DeployError(
            [
                DeployProblem(
                    name,
                    "",
                    f"naidīgs XML atteikts ({kind}): DTD un entītijas nav atļautas",
                    f"refused hostile XML ({kind}): no DTDs or entities",
                )
            ]
        ) from exc
    except SafeET.ParseError as exc:
        raise DeployError(
            [DeployProblem(name, "", f"bojāts XML: {exc}", f"malformed XML: {exc}")]
        ) from exc
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as exc:
        if "Excessive depth" in str(exc):  # lxml's own limit, past ours
            raise _too_deep(name, exc.lineno) from exc
        raise DeployError([DeployProblem(name, "", f"malformed XML: {exc}")]) from exc
    _check_depth(name, root)
    return root


def _too_deep(name: str, line: int | None) -> DeployError:
    reason = f"elements nested deeper than {MAX_XML_DEPTH} levels (line {line})"
    return DeployError([DeployProblem(name, "", reason)])


def _check_depth(name: str, root: Any) -> None:
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_XML_DEPTH:
            raise _too_deep(name, element.sourceline)
        stack.extend((child, depth + 1) for child in element)


def as_utf8(tree: Any, content: bytes) -> bytes:
    """The file as UTF-8: stored resources are text and are parsed again from their
    UTF-8 bytes, so a UTF-16 (or Latin-1) file is rewritten with its declaration
    saying UTF-8; a UTF-8 file is kept byte for byte."""
    encoding = (tree.getroottree().docinfo.encoding or "UTF-8").upper()
    if encoding in ("UTF-8", "UTF8"):
        return content
    written: bytes = etree.tostring(
        tree.getroottree(), encoding="UTF-8", xml_declaration=True
    )
    return written


def too_large(name: str) -> DeployProblem:
    return DeployProblem(name, "", "fails ir lielāks par 5 MB", "file larger than 5 MB")


def node_properties(node: Any) -> dict[str, str]:
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
