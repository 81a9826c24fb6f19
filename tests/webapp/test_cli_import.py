# SPDX-License-Identifier: EUPL-1.2
"""Models from other modelers through the command line: `pkip deploy` and `pkip bpmn
run` refuse each with exit code and the element's reason in Latvian and English,
never a traceback; a deployable one deploys."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pkip.platform import Platform
from webapp.cli import main

MODELS = Path(__file__).parents[1] / "domain" / "bpmn" / "import"

REFUSED = {
    "camunda7_fixable.bpmn": (
        "[Activity_0x1]: lietotāja uzdevumam nav nosaukuma",
        "(user task has no name",
    ),
    "camunda7_delegates.bpmn": (
        "[calc]: camunda:class: Java klase, ko PKIP neizpilda",
        "camunda:class: a Java class PKIP does not run",
    ),
    "camunda8_zeebe.bpmn": (
        "[notify]: zeebe:taskDefinition: Zeebe darba veids",
        "a Zeebe job type nobody handles in PKIP",
    ),
    "signavio.bpmn": (
        "[sid-store]: datu krātuve",
        "[sid-yes]: plūsmai no sazarojuma nav nosacījuma (tikai nosaukums 'Jā')",
    ),
    "bizagi.bpmn": (
        "[Id_t2]: lietotāja uzdevums nav nevienā joslā",
        "nobody would see it",
    ),
    "bpmnio_descriptive.bpmn": (
        "[DataStoreReference_1]: datu krātuve",
        "data store: the engine neither stores nor reads",
    ),
    "natural_condition.bpmn": (
        "[f_yes]: nosacījums 'Ja pieteikums ir pilnīgs' ir uzrakstīts dabiskā valodā",
        "is written in natural language",
    ),
}


@pytest.fixture
def cli(committed: Platform, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("PKIP_DATABASE_URL", committed.settings.database_url)
    monkeypatch.setenv("PKIP_ENV", "test")
    return CliRunner()


def _no_traceback(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception
    )
    assert "Traceback" not in result.output + result.stderr


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_deploy_refuses_with_the_reason(cli: CliRunner, name: str) -> None:
    result = cli.invoke(main, ["deploy", str(MODELS / name)])
    _no_traceback(result)
    assert result.exit_code == 1, result.output
    for words in REFUSED[name]:
        assert words in result.stderr, result.stderr
    assert all(line.startswith("error: ") for line in result.stderr.splitlines())


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_bpmn_run_refuses_with_the_reason(cli: CliRunner, name: str) -> None:
    result = cli.invoke(main, ["bpmn", "run", str(MODELS / name), "--auto"])
    _no_traceback(result)
    assert result.exit_code == 2, result.output
    assert REFUSED[name][0] in result.stderr


def test_a_descriptive_model_without_anything_else_names_the_missing_process(
    cli: CliRunner, tmp_path: Path
) -> None:
    xml = (MODELS / "bpmnio_descriptive.bpmn").read_text("utf-8")
    start = xml.index("    <bpmn:dataStoreReference")
    xml = xml[:start] + xml[xml.index("\n", start) + 1 :]
    xml = xml.replace(
        '      <bpmn:dataOutputAssociation id="DOA_1"><bpmn:targetRef>'
        "DataStoreReference_1</bpmn:targetRef></bpmn:dataOutputAssociation>\n",
        "",
    )
    path = tmp_path / "apraksts.bpmn"
    path.write_text(xml, "utf-8")
    result = cli.invoke(main, ["deploy", str(path)])
    _no_traceback(result)
    assert result.exit_code == 1
    assert "nav neviena izpildāma procesa" in result.stderr
    assert "no executable process" in result.stderr


def test_a_model_without_diagram_interchange_deploys(cli: CliRunner) -> None:
    result = cli.invoke(main, ["deploy", str(MODELS / "no_diagram.bpmn")])
    assert result.exit_code == 0, result.output
    assert "deployed: bez_diagrammas v1 (base)" in result.output
