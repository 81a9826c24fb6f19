# SPDX-License-Identifier: EUPL-1.2
"""Isolation between municipalities, walked over the whole ``app.url_map``.

Two municipalities are seeded through the engine and the domain services with the
same kinds of records: a service case (instance, user task, document, incident), a
variant of a process of their own, an API token. A user of MUNI who has every role
and every department (so no 403 can hide a leak) and an API token of MUNI with
every scope then call EVERY route that takes an id:

- each GET, POST, PUT, PATCH and DELETE of the route, pages with a valid CSRF token
  (form field and header), API routes both with the bearer token and with the
  session (``X-CSRFToken``);
- with every combination of url variables in which at least one is OTHER_MUNI's id
  and the rest are MUNI's own (``/cases/<own number>/incidents/<their incident>``
  too) — each must answer **404**, exactly like an id that does not exist;
- and, as a control that the mapping is right, every GET with only MUNI's own ids
  must NOT answer 404.

Afterwards OTHER_MUNI's records are unchanged. Every GET route without variables
(lists, dashboards, the API's collections) must not mention OTHER_MUNI's ids.

How url variables become ids — ``ID_KINDS`` maps a variable NAME to a kind of
record; ``Seeded.value(kind)`` gives that record's id in each municipality:

| variable | record |
| --- | --- |
| ``task_id`` | a ready user task (``UserTask.id``) |
| ``instance_id`` | the case's process instance |
| ``definition_id`` | the municipality's own process variant (the base is shared) |
| ``incident_id`` | an open incident of the municipality's failing case |
| ``token_id`` | an API token |
| ``number``, ``case_number`` | a service case number |
| ``key`` | a process key deployed only for that municipality |
| ``sha256`` | a document (an uploaded file) in the case's data |
| ``draft_id`` | a draft model imported by the municipality (domain/drafts) |
| ``document_id`` | an issued document (domain/documents) of the case |
| ``delivery_id`` | that document's paper delivery in the print queue |
| ``item_id`` | an item of the intake queue (domain/intake) |
| ``rule_id`` | an intake routing rule |
| ``file_id`` | a file of that intake item |
| ``card_id`` | a service card of the catalogue (domain/catalogue), a draft |
| ``user_id`` | a user of the municipality (webapp/admin) |
| ``department_id`` | a department of the municipality |
| ``sub_id`` | a substitution between two of its users |
| ``upload_id`` | a file the case's client added in the portal (domain/portal) |
| ``mapping_id`` | a directory group mapping (domain/accounts/directory.py) |
| ``place_id`` | a street trade place (domain/street_trade) |

A new route whose variable is not in ``ID_KINDS`` fails this test until its
variable is mapped (or listed in ``NOT_IDS`` with the reason), so routes added
later are covered without anyone remembering to.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from domain import cases, portal
from domain.accounts import directory, substitutes
from domain.accounts import services as accounts
from domain.accounts.admin import Admin
from domain.accounts.models import ROLES, ApiToken, User
from domain.catalogue import services as catalogue
from domain.catalogue.schemas import CardContent
from domain.documents import services as documents
from domain.documents.models import PAPER, TO_PRINT, Delivery
from domain.drafts import services as drafts
from domain.intake import rules as intake_rules
from domain.intake import services as intake
from engine.models import Incident, UserTask
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.conftest import MUNI, OTHER_MUNI
from tests.engine.factories import DOG_OWNER
from tests.webapp.api_support import (
    TokenClient,
    failing_process,
    make_token,
    start_form_process,
)
from tests.webapp.conftest import DEPARTMENTS, WebClient

ID_KINDS = {
    "task_id": "task",
    "instance_id": "instance",
    "definition_id": "definition",
    "incident_id": "incident",
    "token_id": "token",
    "number": "case",
    "case_number": "case",
    "key": "process",
    "sha256": "document",
    "draft_id": "draft",
    "document_id": "issued",
    "delivery_id": "delivery",
    "item_id": "intake",
    "rule_id": "rule",
    "file_id": "intake_file",
    "card_id": "card",
    "user_id": "user",
    "department_id": "department",
    "sub_id": "substitution",
    "upload_id": "upload",
    "mapping_id": "directory_map",
    "place_id": "trade_place",
}
NOT_IDS = {
    "filename": "static files, the same for everyone",
    "template_key": "document template keys (permit, refusal…) are the same for "
    "every municipality; the editor reads and writes only the caller's own versions",
    "form_key": "form keys (dog_fee_review…) are names shared by every municipality;"
    " the form editor reads and writes only the caller's own variant and the base "
    "(domain/form_versions)",
    "municipality": "public callbacks of outside systems addressed to a municipality "
    "(webapp/callbacks.py): they carry no session or token; the per-municipality "
    "HMAC secret is what isolates them (tested with the callbacks)",
    "client_pk": "single sign-on systems (/admin/oidc/): only platform admins, who "
    "register them for every municipality (docs/sso.md)",
    "code": "service codes (PKIP-011…) come from the catalogue and are the same for "
    "every municipality; the set-up pages read and write only the caller's own "
    "set-up of the code (domain/services). And a municipality's code in public "
    "addresses, on purpose: the public "
    "catalogue (/pakalpojumi/<code>) shows only cards in force, open to everyone; "
    "the municipality whose own identity provider signs its staff in "
    "(/login/municipality/<code>) is public, before anyone signs in, and the "
    "provider's answer matches only that municipality's users "
    "(tests/webapp/test_oidc_staff.py); and the platform administrators' "
    "municipality pages (webapp/admin/platform.py): managing every municipality is "
    "their job, the pages are closed to everyone else "
    "(tests/webapp/test_user_admin.py)",
}
RESIDENTS = "portal."
"""The residents' portal (webapp/portal) answers to a resident's own session, never
to a workplace user's: a user of MUNI is sent to sign in at latvija.lv whatever the
ids. Its isolation — another person's or another municipality's case, upload or
document answers 404 — is walked in tests/webapp/test_portal.py."""
PLATFORM_WIDE = {
    "status.index": "the platform's status page (platform admins) counts every "
    "municipality's definitions on purpose"
}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
BODY = {
    "assignee": "kolegis",
    "next": "/",
    "xml": '<?xml version="1.0"?><definitions/>',
    "target": "variant",
    "name": "Nosaukums",
}
"""What a POST carries besides the CSRF token: a plausible value for the fields the
workplace's forms and JSON actions read, so a route that checks its input before
its id still reaches the id (a request that would work with an own id)."""


def _document(municipality: str) -> dict[str, Any]:
    """An uploaded file as the form renderer stores it; its content (and so its
    sha256, the url variable) differs per municipality."""
    content = f"%PDF-1.4 {municipality}\n".encode()
    return {
        "name": "iesniegums.pdf",
        "mime": "application/pdf",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "content_base64": base64.b64encode(content).decode(),
    }


@dataclass
class Seeded:
    """One municipality's records, by kind (the values url variables take)."""

    municipality: str
    task: str
    instance: str
    definition: int
    incident: int
    token: int
    token_prefix: str
    case: str
    process: str
    document: str
    draft: int
    issued: int
    delivery: int
    registration: str
    intake: int
    rule: int
    intake_file: int
    card: int
    card_code: str
    user: int
    department: int
    substitution: int
    upload: int
    directory_map: int
    trade_place: int

    def value(self, kind: str) -> Any:
        return getattr(self, kind)

    def markers(self) -> list[str]:
        """Strings that only this municipality's records produce."""
        return [
            self.task,
            self.instance,
            self.case,
            self.token_prefix,
            self.process,
            self.registration,
            self.card_code,
        ]


def _seed(
    engine: ProcessEngine, platform: Platform, municipality: str, process: str
) -> Seeded:
    db = engine.session
    deployer = platform.deployer(db)
    # cases first in the transaction (case numbers take a lock, see next_case_number)
    case = cases.start_case(
        engine,
        db,
        "tree_felling",
        municipality=municipality,
        data={"attachment": _document(municipality)},
        actor="tests",
        client=cases.Client("Jānis Bērziņš", DOG_OWNER),
        channel=cases.OFFICE,
    )
    variant = deployer.deploy(
        {f"{process}.bpmn": start_form_process(process)}, municipality=municipality
    )[0].definition
    deployer.deploy({"failing.bpmn": failing_process()}, municipality=municipality)
    failing = cases.start_case(
        engine,
        db,
        "api_failing",
        municipality=municipality,
        data={},
        actor="tests",
        client=cases.Client("Jānis Bērziņš", DOG_OWNER),
        channel=cases.OFFICE,
    )
    [incident] = engine.open_incidents(failing.instance_id)
    task = db.query(UserTask).filter_by(instance_id=case.instance_id).one()
    make_token(db, municipality=municipality, name=f"Sistēma {municipality}")
    token = (
        db.query(ApiToken).filter_by(municipality=municipality).order_by(ApiToken.id)
    ).first()
    assert token is not None
    draft = drafts.import_draft(
        db,
        municipality=municipality,
        upload_name=f"{process}-melnraksts.bpmn",
        content=start_form_process(process),
        user="tests",
    )
    issued = documents.issue_document(
        db,
        platform.connectors,
        documents.Issue(
            municipality,
            "permit",
            case.instance_id,
            {"decision_title": "Atļauja", "decision_text": "Atļauts."},
            None,
        ),
        now=engine.now(),
    )
    delivery = Delivery(
        municipality=municipality,
        document_id=issued.id,
        channel=PAPER,
        state=TO_PRINT,
        created_at=engine.now(),
        updated_at=engine.now(),
    )
    db.add(delivery)
    item = intake.receive(
        db,
        platform.pii,
        municipality=municipality,
        channel="depp",
        source_id=f"iso-{municipality}",
        sender="_DEFAULT@40003521600",
        subject=f"Vēstule {municipality}",
        document_kind="Vēstule",
        received_at=engine.now(),
        files=[intake.FileData("a.pdf", "application/pdf", b"%PDF-1.4\n")],
    )
    assert item is not None
    rule = intake_rules.add_rule(
        db,
        municipality,
        match="subject",
        pattern="koku",
        process_key="tree_felling",
        actor="tests",
    )
    card = catalogue.create_card(
        db,
        municipality,
        CardContent(code=f"{municipality}-KARTE", name_lv=f"Kartīte {municipality}"),
        actor="tests",
        now=engine.now(),
    )
    absent = accounts.create_user(
        db,
        username=f"iso-{municipality.lower()}",
        full_name=f"Izolācija {municipality}",
        municipality=municipality,
        password="iso-parole-1",
        departments=("lietvedis",),
    )
    substitute = accounts.create_user(
        db,
        username=f"iso-sub-{municipality.lower()}",
        full_name=f"Aizvietotājs {municipality}",
        municipality=municipality,
        password="iso-parole-1",
    )
    substitution = substitutes.add_substitution(
        db,
        Admin("tests", municipality),
        absent=absent.username,
        substitute=substitute.username,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 31),
    )
    [department] = [d for d in absent.departments if d.key == "lietvedis"]
    directory_map = directory.add_mapping(
        db,
        Admin("tests", municipality),
        f"cn=iso,ou=groups,o={municipality.lower()}",
        "role",
        "specialist",
    )
    upload = portal.upload(
        db,
        platform.pii,
        case,
        portal.Resident(DOG_OWNER, "Jānis Bērziņš"),
        "pielikums.pdf",
        f"%PDF-1.4 {municipality}".encode(),
        engine.now(),
    )
    from domain.street_trade import services as street_trade

    trade_place = street_trade.add_place(
        db,
        municipality,
        street_trade.NewPlace(
            "ISO-01", f"Tirgus iela 1, {municipality}", "", "tirgus", "partika"
        ),
        actor="tests",
        now=engine.now(),
    )
    db.flush()
    return Seeded(
        trade_place=trade_place.id,
        card=card.id,
        card_code=card.code,
        municipality=municipality,
        task=task.id,
        instance=case.instance_id,
        definition=variant.id,
        incident=incident.id,
        token=token.id,
        token_prefix=token.prefix,
        case=case.number,
        process=process,
        document=_document(municipality)["sha256"],
        draft=draft.id,
        issued=issued.id,
        delivery=delivery.id,
        registration=issued.registration_number,
        intake=item.id,
        rule=rule.id,
        intake_file=item.files[0].id,
        user=absent.id,
        department=department.id,
        substitution=substitution.id,
        upload=upload.id,
        directory_map=directory_map.id,
    )


@pytest.fixture
def seeded(
    engine: ProcessEngine, platform: Platform, deployed: dict[str, int]
) -> dict[str, Seeded]:
    # MUNI's own process also has a base version, so its diff page exists
    platform.deployer(engine.session).deploy(
        {"iso_own.bpmn": start_form_process("iso_own")}
    )
    return {
        MUNI: _seed(engine, platform, MUNI, "iso_own"),
        OTHER_MUNI: _seed(engine, platform, OTHER_MUNI, "iso_other"),
    }


@pytest.fixture
def person(
    login: Callable[..., WebClient], make_user: Callable[..., User]
) -> WebClient:
    """MUNI's user with every role and department: only scoping can say no."""
    return login(make_user(roles=ROLES, departments=tuple(DEPARTMENTS)))


@pytest.fixture
def system(app: Flask, db_session: Session) -> TokenClient:
    return TokenClient(app, make_token(db_session, municipality=MUNI))


def _id_rules(app: Flask) -> list[Rule]:
    rules = []
    for rule in app.url_map.iter_rules():
        variables = set(rule.arguments) - set(NOT_IDS)
        if not variables or rule.endpoint.startswith(RESIDENTS):
            continue
        unknown = variables - set(ID_KINDS)
        assert not unknown, (
            f"{rule.rule} ({rule.endpoint}) takes {sorted(unknown)}: map the variable "
            "to a kind of record in ID_KINDS of tests/webapp/test_isolation.py (or "
            "list it in NOT_IDS with the reason)"
        )
        rules.append(rule)
    return sorted(rules, key=lambda r: r.rule)


def _urls(
    app: Flask, rule: Rule, own: Seeded, theirs: Seeded
) -> Iterator[tuple[str, list[str]]]:
    """The rule's URL for every mix of own and their ids with at least one theirs."""
    variables = sorted(set(rule.arguments) - set(NOT_IDS))
    for n in range(1, len(variables) + 1):
        for foreign in itertools.combinations(variables, n):
            values = {
                v: (theirs if v in foreign else own).value(ID_KINDS[v])
                for v in variables
            }
            yield _build(app, rule, values), list(foreign)


def _build(app: Flask, rule: Rule, values: dict[str, Any]) -> str:
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        return adapter.build(rule.endpoint, values, force_external=False)


def _call(
    method: str, url: str, person: WebClient, system: TokenClient
) -> list[tuple[str, TestResponse]]:
    """The answers of every caller that may use the route."""
    answers = []
    if url.startswith("/api/"):
        # the API's bodies are strict (unknown fields are 422): an empty object
        body = {} if method != "GET" else None
        answers.append(("token", system.open(method, url, json=body)))
        if method == "GET":
            answers.append(("session", person.get(url)))
        else:
            answers.append(("session", person.send_json(method, url, {})))
    elif method == "GET":
        answers.append(("session", person.get(url)))
    else:
        token = person.csrf_token()
        headers = {"X-CSRFToken": token}
        answer = person.open(
            url, method=method, data={**BODY, "csrf_token": token}, headers=headers
        )
        if answer.status_code == 400 and answer.is_json:  # a JSON action
            answer.close()
            answer = person.open(url, method=method, json=BODY, headers=headers)
        answers.append(("session", answer))
    return answers


def test_every_id_route_answers_404_for_another_municipalitys_ids(
    app: Flask,
    seeded: dict[str, Seeded],
    person: WebClient,
    system: TokenClient,
    db_session: Session,
) -> None:
    own, theirs = seeded[MUNI], seeded[OTHER_MUNI]
    rules = _id_rules(app)
    assert len(rules) >= 10, [r.rule for r in rules]
    leaks = []
    calls = 0
    for rule in rules:
        for method in sorted(set(rule.methods or ()) & set(METHODS)):
            for url, foreign in _urls(app, rule, own, theirs):
                for caller, answer in _call(method, url, person, system):
                    calls += 1
                    if answer.status_code != 404:
                        leaks.append(
                            f"{method} {url} [{rule.endpoint}] as {caller} with "
                            f"another municipality's {', '.join(foreign)}: "
                            f"{answer.status_code}"
                        )
                    answer.close()
    assert not leaks, "\n".join(leaks)
    assert calls >= 30

    # nothing of theirs was changed by any of the calls
    task = db_session.get(UserTask, theirs.task)
    incident = db_session.get(Incident, theirs.incident)
    token = db_session.get(ApiToken, theirs.token)
    assert task is not None and incident is not None and token is not None
    for obj in (task, incident, token):
        db_session.refresh(obj)
    assert task.state == UserTask.READY and task.assignee is None
    assert incident.status == Incident.OPEN
    assert token.revoked_at is None


def test_the_same_routes_answer_with_own_ids(
    app: Flask, seeded: dict[str, Seeded], person: WebClient, system: TokenClient
) -> None:
    """The control: the mapping gives ids the routes know (else 404 proves nothing)."""
    own = seeded[MUNI]
    missing = []
    for rule in _id_rules(app):
        if "GET" not in (rule.methods or ()):
            continue
        variables = set(rule.arguments) - set(NOT_IDS)
        url = _build(app, rule, {v: own.value(ID_KINDS[v]) for v in variables})
        for caller, answer in _call("GET", url, person, system):
            if answer.status_code == 404 or answer.status_code >= 500:
                missing.append(f"GET {url} as {caller}: {answer.status_code}")
            answer.close()
    assert not missing, "\n".join(missing)


def test_no_list_mentions_another_municipalitys_records(
    app: Flask, seeded: dict[str, Seeded], person: WebClient, system: TokenClient
) -> None:
    theirs = seeded[OTHER_MUNI]
    seen = []
    for rule in app.url_map.iter_rules():
        if rule.arguments or "GET" not in (rule.methods or ()):
            continue
        if rule.endpoint in PLATFORM_WIDE:
            continue
        for caller, answer in _call("GET", rule.rule, person, system):
            if not answer.mimetype.startswith(("text/", "application/")):
                answer.close()  # an icon or an image lists no records
                continue
            body = answer.get_data(as_text=True)
            seen += [
                f"{rule.rule} as {caller} shows {marker}"
                for marker in theirs.markers()
                if marker in body
            ]
            answer.close()
    assert not seen, "\n".join(seen)
