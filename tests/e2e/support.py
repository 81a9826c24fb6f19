# SPDX-License-Identifier: EUPL-1.2
"""What the browser tests share: signing in through the Latvian login page and
cases started through the domain service on the real (committed) database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from domain import cases
from domain.accounts.services import DEMO_PASSWORD
from engine.models import UserTask
from pkip.platform import Platform

# The demo users of `pkip setup` (docs/webapp.md).
CLERK = "lietvede"  # Līga Lietvede, specialist in lietvedis
SPECIALIST = "specialists"  # Jānis Speciālists, specialist in specialists
SUPERVISOR = "vaditaja"  # Inese Vadītāja, supervisor in vaditajs
ANALYST = "analitike"  # Anna Analītiķe, analyst
CLIENT = cases.Client("Jānis Bērziņš", "161175-19997")


def demo_municipality(platform: Platform) -> str:
    return platform.settings.demo_municipality


def sign_in(page: Any, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in on the login page (labels in Latvian) and wait for the next page."""
    page.goto(f"{base}/login")
    page.get_by_label("Lietotājvārds").fill(username)
    page.get_by_label("Parole").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Pieteikties").click()
    assert "/login" not in page.url, f"sign-in as {username} failed: {page.url}"


def start_case(
    platform: Platform,
    key: str = "tree_felling",
    *,
    data: dict[str, Any] | None = None,
    actor: str = CLERK,
) -> tuple[str, str]:
    """Register a case of ``key`` in the demo municipality and run it to its first
    wait state (committed); returns (case number, id of its one ready task)."""
    with platform.transaction() as session:
        case = cases.start_case(
            platform.engine(session),
            session,
            key,
            municipality=demo_municipality(platform),
            data=data or {},
            actor=actor,
            client=CLIENT,
            channel=cases.OFFICE,
        )
        session.flush()
        [task_id] = session.scalars(
            select(UserTask.id).where(
                UserTask.instance_id == case.instance_id,
                UserTask.state == UserTask.READY,
            )
        ).all()
        return case.number, task_id


def ready_tasks(platform: Platform, case_number: str) -> list[UserTask]:
    """The case's open tasks, as the database has them now."""
    with platform.transaction() as session:
        case = session.scalars(
            select(cases.ServiceCase).where(cases.ServiceCase.number == case_number)
        ).one()
        found = session.scalars(
            select(UserTask)
            .where(
                UserTask.instance_id == case.instance_id,
                UserTask.state == UserTask.READY,
            )
            .order_by(UserTask.element_id)
        ).all()
        session.expunge_all()
        return list(found)
