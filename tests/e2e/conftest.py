# SPDX-License-Identifier: EUPL-1.2
"""Browser tests: the app served on loopback by a real WSGI server in a thread, driven
through Playwright in Debian's headless Chromium (``/usr/bin/chromium``; nothing
downloads a browser). Screenshots go to ``test-artifacts/e2e/``.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("Debian's chromium is not installed: run `make system-deps`")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """Serve the app of the ``e2e_app`` fixture (defined by the tests) on loopback."""
    app = request.getfixturevalue("e2e_app")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(
        locale="lv-LV", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations: list[str] = []
    page.on("console", lambda msg: _note_csp_violation(msg, violations))
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(ARTIFACTS / f"{request.node.name}-end.png"), full_page=True
    )
    context.close()
    # Every page a browser test visits works under the Content-Security-Policy
    # (webapp/security.py): anything it blocked is a failure, not a console note.
    assert not violations, "\n".join(violations)


BLOCKED_ON_PURPOSE = ("https://cdn.redoc.ly/",)
"""Requests the policy refuses by design: ReDoc's footer logo from its CDN (no
page of PKIP loads anything from a third party; the footer's text link stays)."""


def _note_csp_violation(message: Any, violations: list[str]) -> None:
    text = message.text
    if "Content Security Policy" in text and not any(
        f"'{url}" in text for url in BLOCKED_ON_PURPOSE
    ):
        violations.append(text)


def shot(page: Any, name: str) -> None:
    """Save a screenshot as a test artefact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """argon2 with cheap parameters: every test seeds the demo users again."""
    from argon2 import PasswordHasher

    from domain.accounts import services as accounts

    previous = accounts.use_password_hasher(
        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    yield
    accounts.use_password_hasher(previous)


@pytest.fixture
def e2e_app(committed: Any) -> Any:
    """The web app on the real database (``committed``: emptied after the test) with
    the demo municipality, its users (docs/webapp.md) and processes/bpmn deployed."""
    from tests.conftest import PROCESS_DIR
    from tests.webapp.conftest import make_app

    committed.seed_demo()
    committed.deploy([PROCESS_DIR], deployed_by="setup")
    return make_app(committed)
