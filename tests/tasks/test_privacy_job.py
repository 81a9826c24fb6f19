# SPDX-License-Identifier: EUPL-1.2
"""The daily retention job erases due cases in batches of their own transactions."""

from __future__ import annotations

from datetime import timedelta

from domain import cases
from engine.clock import ManualClock
from pkip.platform import Platform
from tasks.celery_app import make_celery
from tasks.privacy import purge_personal_data
from tests.conftest import MUNI, PROCESS_DIR, T0


def _closed_case(platform: Platform) -> str:
    with platform.transaction() as s:
        engine = platform.engine(s)
        case = cases.start_case(
            engine,
            s,
            "tree_felling",
            municipality=MUNI,
            data={},
            actor="tests",
            client=cases.Client("Anna Ozola", "161175-19997"),
            channel=cases.OFFICE,
        )
        engine.cancel(case.instance_id, actor="tests", municipality=MUNI)
        cases.refresh_status(s, case, now=engine.now())
        return case.number


def test_the_job_purges_every_due_case_in_batches(
    committed: Platform, clock: ManualClock
) -> None:
    committed.deploy([PROCESS_DIR])
    numbers = [_closed_case(committed) for _ in range(3)]
    recent_time = T0 + timedelta(days=365 * 5 - 10)
    clock.now = recent_time
    recent = _closed_case(committed)
    clock.now = T0 + timedelta(days=365 * 5 + 2)

    assert purge_personal_data(committed, batch=2) == 3
    assert purge_personal_data(committed, batch=2) == 0
    with committed.transaction() as s:
        for number in numbers:
            case = cases.get_case(s, number, MUNI)
            assert case.purged_at is not None and case.client_masked == ""
        assert cases.get_case(s, recent, MUNI).purged_at is None
    # the Celery task runs the same job (called in this process here)
    assert make_celery(committed).tasks["pkip.purge_personal_data"]() == 0
