# SPDX-License-Identifier: EUPL-1.2
"""The platform admins' overview counts every municipality's records."""

from __future__ import annotations

from sqlalchemy.orm import Session

from domain.platform_status import platform_status
from engine.runtime import ProcessEngine
from tests.conftest import MUNI, OTHER_MUNI


def test_the_overview_counts_across_municipalities(
    engine: ProcessEngine,
    deployed: dict[str, int],
    db_session: Session,
    municipalities: tuple[str, str],
) -> None:
    before = platform_status(db_session)
    for municipality in (MUNI, OTHER_MUNI):
        engine.start("tree_felling", municipality=municipality)
    db_session.flush()
    after = platform_status(db_session)
    assert after.instances.get("running", 0) == before.instances.get("running", 0) + 2
    assert after.open_tasks == before.open_tasks + 2
    assert {m.code for m in after.municipalities} >= {MUNI, OTHER_MUNI}
    rows = {(key, variant): version for key, _, variant, version in after.definitions}
    assert rows[("tree_felling", "")] >= 1 and ("dog_fee", "") in rows
