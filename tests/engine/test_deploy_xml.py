# SPDX-License-Identifier: EUPL-1.2
"""Reading deploy files (engine/deploy_xml.py): other encodings than UTF-8, and
nesting too deep for the parsers (issue 10, item 5)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from engine.deploy import DeployError
from engine.deploy_xml import MAX_XML_DEPTH, safe_tree
from pkip.platform import Platform
from tests.engine import bpmn_snippets as b


def _named(pid: str, name: str) -> str:
    return (
        b.linear(pid, b.user_task()).decode().replace('name="Tests"', f'name="{name}"')
    )


@pytest.mark.parametrize(
    ("encoding", "declared"), [("utf-16", "UTF-16"), ("utf-16-be", "UTF-16BE")]
)
def test_a_utf16_file_deploys_and_is_stored_as_utf8(
    platform: Platform, db_session: Session, encoding: str, declared: str
) -> None:
    text = _named("utf16", "Ūdens ņēmums").replace('"UTF-8"', f'"{declared}"')
    content = text.encode(encoding)
    if encoding == "utf-16-be":
        content = b"\xfe\xff" + content
    deployer = platform.deployer(db_session)
    (first,) = deployer.deploy({"utf16.bpmn": content}, deployed_by="tests")
    assert first.created and first.definition.name == "Ūdens ņēmums"
    stored = first.definition.resources["utf16.bpmn"]
    assert stored.startswith("<?xml version='1.0' encoding='UTF-8'?>")
    # the stored text parses again (checksums, variants) and equals the same diagram
    # sent as UTF-8: no new version
    (again,) = deployer.deploy(
        {"utf16.bpmn": _named("utf16", "Ūdens ņēmums").encode()}, deployed_by="tests"
    )
    assert again.created is False


def test_a_latin1_file_deploys() -> None:
    text = _named("latin", "Café").replace('"UTF-8"', '"ISO-8859-1"')
    tree = safe_tree("latin.bpmn", text.encode("latin-1"))
    from engine.deploy_xml import as_utf8

    written = as_utf8(tree, text.encode("latin-1"))
    assert "Café" in written.decode("utf-8")


@pytest.mark.parametrize("depth", [MAX_XML_DEPTH + 1, 255, 100_000])
def test_nesting_too_deep_is_refused_naming_the_line(depth: int) -> None:
    inner = "<bpmn:documentation>" * depth + "</bpmn:documentation>" * depth
    text = _named("deep", "Dziļš").replace(
        '<bpmn:endEvent id="end"/>',
        f'<bpmn:endEvent id="end">\n\n{inner}</bpmn:endEvent>',
    )
    with pytest.raises(DeployError) as caught:
        safe_tree("deep.bpmn", text.encode())
    (problem,) = caught.value.problems
    assert problem.file == "deep.bpmn"
    assert problem.reason.startswith(f"elements nested deeper than {MAX_XML_DEPTH}")
    assert "(line 5)" in problem.reason


def test_nesting_within_the_limit_is_read() -> None:
    inner = "<bpmn:documentation>" * 20 + "</bpmn:documentation>" * 20
    text = _named("ok", "Sekls").replace(
        '<bpmn:endEvent id="end"/>', f'<bpmn:endEvent id="end">{inner}</bpmn:endEvent>'
    )
    assert safe_tree("ok.bpmn", text.encode()).get("id") == "defs"
