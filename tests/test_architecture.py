# SPDX-License-Identifier: EUPL-1.2
"""The rules between rooms (.importlinter) hold, and a forbidden arrow breaks them.

`make lint` runs the same contracts; this test also shows that they can fail: a copy of
the tree with one deliberately wrong import is refused, naming the contract.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROOMS = ("core", "engine", "forms", "connectors", "domain", "pkip", "tasks", "webapp")
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT), "--no-cache", str(tree / ".importlinter")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy_tree(target: Path) -> Path:
    for room in ROOMS:
        shutil.copytree(
            ROOT / room, target / room, ignore=shutil.ignore_patterns("*.pyc", "static")
        )
    shutil.copy(ROOT / ".importlinter", target / ".importlinter")
    return target


def test_the_tree_keeps_every_contract() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("core/contracts.py", "import webapp.auth", "core imports nothing of ours"),
        ("engine/instances.py", "import connectors.registry", "engine imports only"),
        ("forms/formats.py", "import engine.models", "forms imports only core"),
        ("connectors/audit.py", "import domain.models", "connectors import only"),
        ("domain/models.py", "import flask", "domain is Flask-free"),
        ("domain/models.py", "import connectors.systems.depp", "domain is Flask-free"),
        ("tasks/jobs.py", "import webapp", "background jobs never import"),
    ],
)
def test_a_forbidden_import_breaks_the_lint(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    tree = _copy_tree(tmp_path)
    path = tree / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    result = _lint(tree)
    assert result.returncode != 0
    broken = [row for row in result.stdout.splitlines() if row.endswith("BROKEN")]
    assert any(row.startswith(contract) for row in broken), result.stdout
