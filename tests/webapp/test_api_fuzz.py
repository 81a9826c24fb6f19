# SPDX-License-Identifier: EUPL-1.2
"""Generated requests over the whole OpenAPI document end with zero 5xx
(issue 10, item 5).

Schemathesis reads the document the app serves and, for every operation, draws
``EXAMPLES`` requests valid by the document and ``EXAMPLES`` invalid ones, sent to
the WSGI app in-process (no network) with a real API token of a seeded user with
every scope. About half of the valid ones address real records (a deployed
definition, a case, its instance and task), so the answers for existing records are
checked too. Every answer must be no server error; it must have a documented
status code and content type and, when it is JSON, conform to the documented
schema. The seed is fixed (``derandomize``), so CI sees the same requests every
run, and Hypothesis keeps no example database (no ``.hypothesis/`` folder).

It runs on whichever database ``PKIP_DATABASE_URL`` names: SQLite in ``make test``,
PostgreSQL in CI's second run (NUL bytes and integer overflows are PostgreSQL's weak
spots). Everything happens in the test's rolled-back transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from domain import cases
from domain.accounts import services as accounts
from domain.accounts.models import (
    ANALYST,
    AUDITOR,
    MUNICIPALITY_ADMIN,
    SPECIALIST,
    SUPERVISOR,
    User,
)
from domain.documents import services as documents
from domain.intake import services as intake
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import MUNI
from tests.engine.factories import DOG_OWNER, ready_tasks
from webapp.api import API_PREFIX, OPENAPI_JSON

pytestmark = pytest.mark.slow

EXAMPLES = 50
"""Generated requests per operation and per mode (valid, invalid by the document)."""

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def real_ids(
    engine: ProcessEngine,
    deployed: dict[str, int],
    db_session: Session,
    platform: Platform,
) -> dict[str, Any]:
    """Path parameters of records that exist in the token's municipality."""
    case = cases.start_case(
        engine,
        db_session,
        "tree_felling",
        municipality=MUNI,
        data={},
        actor="tests",
        client=cases.Client("Jānis Bērziņš", DOG_OWNER),
        channel=cases.OFFICE,
    )
    (task,) = ready_tasks(db_session, case.instance_id)
    document = documents.issue_document(
        db_session,
        platform.connectors,
        documents.Issue(
            MUNI,
            "permit",
            case.instance_id,
            {"decision_title": "Atļauja", "decision_text": "Atļauts."},
            None,
        ),
        now=engine.now(),
    )
    item = intake.receive(
        db_session,
        platform.pii,
        municipality=MUNI,
        channel="depp",
        source_id="fuzz",
        sender="_PRIVATE@16117519997",
        subject="Iesniegums",
        document_kind="Iesniegums",
        received_at=engine.now(),
        files=[intake.FileData("a.pdf", "application/pdf", b"%PDF-1.4\n")],
    )
    assert item is not None
    return {
        "definition_id": deployed["tree_felling"],
        "case_number": case.number,
        "instance_id": case.instance_id,
        "task_id": task.id,
        "document_id": document.id,
        "item_id": item.id,
        "file_id": item.files[0].id,
    }


@pytest.fixture
def token(db_session: Session, make_user: Callable[..., User]) -> str:
    """A token with every scope, made by a seeded user who holds every role the
    API's operations name."""
    user = make_user(
        roles=(SPECIALIST, SUPERVISOR, ANALYST, MUNICIPALITY_ADMIN, AUDITOR)
    )
    plaintext, _ = accounts.create_api_token(
        db_session,
        municipality=MUNI,
        name="Ģenerētie pieprasījumi",
        scopes=accounts.KNOWN_SCOPES,
        created_by=user.username,
    )
    db_session.flush()
    return plaintext


def _strategy(operation: Any, real: dict[str, Any]) -> Any:
    names = {p.name for p in operation.path_parameters}
    mine = {name: real[name] for name in names if name in real}
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    if mine:
        strategies.append(
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=mine)
        )
    return st.one_of(strategies)


def _fuzz(operation: Any, real: dict[str, Any], headers: dict[str, str]) -> int:
    """Send one operation's generated requests; how many were sent."""
    sent = 0

    @settings(
        max_examples=EXAMPLES * 2,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation, real))
    def run(case: Any) -> None:
        nonlocal sent
        sent += 1
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()
    return sent


def test_generated_requests_get_no_server_error(
    app: Flask, token: str, real_ids: dict[str, Any]
) -> None:
    schema = schemathesis.openapi.from_wsgi(f"{API_PREFIX}/{OPENAPI_JSON}", app)
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 23  # every documented operation is exercised
    ran: dict[str, int] = {}
    started = time.perf_counter()
    for operation in operations:
        ran[operation.label] = _fuzz(operation, real_ids, headers)
    elapsed = time.perf_counter() - started
    too_few = {label: n for label, n in ran.items() if n < EXAMPLES}
    assert not too_few, f"fewer than {EXAMPLES} requests: {too_few}"
    print(f"\n{sum(ran.values())} generated requests in {elapsed:.1f} s")  # noqa: T201
