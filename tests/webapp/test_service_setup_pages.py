# SPDX-License-Identifier: EUPL-1.2
"""The set-up page after the service owner sends a set-up back: the owner's
comment is shown to the analyst until the set-up is sent again."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import UserTask
from tests.conftest import MUNI
from tests.domain.test_service_setup import (
    NEW_CODE,
    new_service,  # noqa: F401 - the fixture
)
from tests.webapp.conftest import WebClient

pytestmark = pytest.mark.usefixtures("new_service")


def _approval(db: Session) -> UserTask:
    db.expire_all()
    return db.scalars(
        select(UserTask).where(
            UserTask.element_id == "approve_setup",
            UserTask.state == UserTask.READY,
            UserTask.municipality == MUNI,
        )
    ).one()


def test_the_owners_comment_is_shown_after_a_return(
    analyst: WebClient, as_role: Callable[..., WebClient], db_session: Session
) -> None:
    saved = analyst.submit(
        f"/services/{NEW_CODE}",
        {"process_key": "street_trade", "forms": "tree_inspection", "procedure": "1."},
    )
    assert saved.status_code == 302
    assert analyst.submit(f"/services/{NEW_CODE}/submit", {}).status_code == 302
    owner = as_role("supervisor", departments=("vaditajs",))
    task = _approval(db_session)
    page = owner.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert f"/services/{NEW_CODE}" in page
    sent = owner.submit(
        f"/tasks/{task.id}",
        {
            "f.setup_approved": "false",
            "f.owner_comment": "Papildiniet kārtību & termiņus",
        },
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    page = analyst.get(f"/services/{NEW_CODE}").get_data(as_text=True)
    assert 'id="setup-returned"' in page and "Atdota labošanai" in page
    assert "Papildiniet kārtību &amp; termiņus" in page
    assert analyst.submit(f"/services/{NEW_CODE}/submit", {}).status_code == 302
    again = analyst.get(f"/services/{NEW_CODE}").get_data(as_text=True)
    assert 'id="setup-returned"' not in again
