# SPDX-License-Identifier: EUPL-1.2
"""Helpers of the REST API tests (tests/webapp/test_api_*.py, test_isolation.py):
bearer tokens, a JSON client for them, and small BPMN documents."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from domain.accounts import services as accounts
from domain.accounts.models import (
    ANALYST,
    AUDITOR,
    MUNICIPALITY_ADMIN,
    SPECIALIST,
    SUPERVISOR,
)
from tests.conftest import MUNI

ALL_SCOPES = accounts.KNOWN_SCOPES


TOKEN_OWNER_ROLES = (SPECIALIST, SUPERVISOR, ANALYST, MUNICIPALITY_ADMIN, AUDITOR)
"""Together they grant every scope (``domain.accounts.tokens.SCOPE_ROLES``)."""


def token_owner(db_session: Session, municipality: str = MUNI) -> str:
    """The username of the municipality's token creator in tests: a person whose
    roles grant every scope, in every department (created on first use)."""
    username = f"token-owner-{municipality.lower()}"
    if accounts.find_user(db_session, username) is None:
        accounts.create_user(
            db_session,
            username=username,
            full_name="Pilnvaru Īpašnieks",
            municipality=municipality,
            password="token-owner-password",
            roles=TOKEN_OWNER_ROLES,
            departments=[
                d.key for d in accounts.departments_of(db_session, municipality)
            ],
        )
    return username


def make_token(
    db_session: Session,
    municipality: str = MUNI,
    scopes: Iterable[str] = ALL_SCOPES,
    name: str = "Testa sistēma",
    created_by: str | None = None,
) -> str:
    """A new API token's plaintext (flushed, visible to the app), created by
    ``created_by`` (default: the municipality's ``token_owner``)."""
    plaintext, _ = accounts.create_api_token(
        db_session,
        municipality=municipality,
        name=name,
        scopes=scopes,
        created_by=created_by or token_owner(db_session, municipality),
    )
    db_session.flush()
    return plaintext


class TokenClient:
    """Calls the API as a system would: a bearer token and no cookies."""

    def __init__(self, app: Flask, token: str) -> None:
        self.client = app.test_client(use_cookies=False)
        self.headers = {"Authorization": f"Bearer {token}"}

    def open(self, method: str, url: str, **kwargs: Any) -> TestResponse:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.open("GET", url, **kwargs)

    def post(self, url: str, json: Any = None, **kwargs: Any) -> TestResponse:
        if json is not None:
            kwargs["json"] = json
        return self.open("POST", url, **kwargs)


START_FORM_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="defs" targetNamespace="http://pkip.lv/test">
  <bpmn:process id="%(key)s" name="%(name)s" isExecutable="true">
    <bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="serviceCode" value="PKIP-TEST"/>
    </spiffworkflow:properties></bpmn:extensionElements>
    <bpmn:laneSet><bpmn:lane id="lane1" name="lietvedis">
      <bpmn:flowNodeRef>work</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formKey" value="decision_draft"/>
    </spiffworkflow:properties></bpmn:extensionElements></bpmn:startEvent>
    <bpmn:userTask id="work" name="Izskatīt"><bpmn:extensionElements>
      <spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="decision_sign"/>
        <spiffworkflow:property name="dueWorkingDays" value="2"/>
      </spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def start_form_process(key: str = "api_start_form", name: str = "API tests") -> bytes:
    """A service (code PKIP-TEST): start (form decision_draft) -> user task "work"
    (form decision_sign, lane lietvedis) -> end."""
    return (START_FORM_PROCESS % {"key": key, "name": name}).encode()


FAILING_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="defs" targetNamespace="http://pkip.lv/test">
  <bpmn:process id="%(key)s" name="Failing" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:scriptTask id="boom" name="Kļūda"><bpmn:script>x = 1 / 0</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="boom"/>
    <bpmn:sequenceFlow id="f2" sourceRef="boom" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def failing_process(key: str = "api_failing") -> bytes:
    """start -> a script that divides by zero (an incident) -> end."""
    return (FAILING_PROCESS % {"key": key}).encode()
