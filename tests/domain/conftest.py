# SPDX-License-Identifier: EUPL-1.2
"""Fixtures for the domain services: municipalities, users and a case factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from domain import cases
from domain.accounts import services as accounts
from domain.models import Municipality
from engine.runtime import ProcessEngine
from tests.conftest import MUNI, OTHER_MUNI

DOG_OWNER = "161175-19997"
DOG_START = {"is_pensioner": False, "has_disability": False}


@pytest.fixture
def municipalities(db_session: Session) -> tuple[str, str]:
    for code in (MUNI, OTHER_MUNI):
        if db_session.get(Municipality, code) is None:
            db_session.add(Municipality(code=code, name=code.title(), atvk=None))
        db_session.flush()
        for key in ("lietvedis", "specialists", "finansists", "vaditajs"):
            accounts.ensure_department(db_session, code, key, key.title())
    return MUNI, OTHER_MUNI


@pytest.fixture
def start_case(
    engine: ProcessEngine,
    db_session: Session,
    deployed: dict[str, int],
    municipalities: tuple[str, str],
) -> Callable[..., cases.ServiceCase]:
    """``start_case(key="dog_fee", municipality=MUNI, **overrides)``."""

    def start(key: str = "dog_fee", **kwargs: Any) -> cases.ServiceCase:
        kwargs.setdefault("municipality", MUNI)
        kwargs.setdefault("data", dict(DOG_START) if key == "dog_fee" else {})
        kwargs.setdefault("actor", "lietvede")
        kwargs.setdefault("client", cases.Client("Jānis Bērziņš", DOG_OWNER))
        kwargs.setdefault("channel", cases.OFFICE)
        return cases.start_case(engine, db_session, key, **kwargs)

    return start
