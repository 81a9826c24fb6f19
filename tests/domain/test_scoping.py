# SPDX-License-Identifier: EUPL-1.2
"""domain/scoping.py without Flask: rows of another municipality are neither listed
nor found; the base definitions are shared when asked for."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import scoping
from engine.models import ProcessDefinition, ProcessInstance, UserTask
from engine.runtime import ProcessEngine
from tests.conftest import MUNI, OTHER_MUNI


def test_scoped_lists_and_finds_only_the_municipality(
    engine: ProcessEngine, deployed: dict[str, int], db_session: Session
) -> None:
    ids = {
        m: engine.start("tree_felling", municipality=m).id for m in (MUNI, OTHER_MUNI)
    }
    db_session.flush()
    rows = db_session.scalars(
        scoping.scoped(select(UserTask), UserTask.municipality, MUNI)
    ).all()
    assert rows and {t.municipality for t in rows} == {MUNI}
    found = scoping.get_scoped(db_session, ProcessInstance, ids[MUNI], MUNI)
    assert found is not None and found.id == ids[MUNI]
    assert (
        scoping.get_scoped(db_session, ProcessInstance, ids[OTHER_MUNI], MUNI) is None
    )
    assert scoping.get_scoped(db_session, ProcessInstance, "nav-tada", MUNI) is None


def test_the_base_is_shared_only_when_included(
    deployed: dict[str, int], db_session: Session
) -> None:
    base_id = deployed["tree_felling"]
    assert scoping.get_scoped(db_session, ProcessDefinition, base_id, MUNI) is None
    found = scoping.get_scoped(
        db_session, ProcessDefinition, base_id, MUNI, include_base=True
    )
    assert found is not None and found.municipality == ""
    keys = db_session.scalars(
        scoping.scoped(
            select(ProcessDefinition.key),
            ProcessDefinition.municipality,
            OTHER_MUNI,
            include_base=True,
        )
    ).all()
    assert "tree_felling" in keys
