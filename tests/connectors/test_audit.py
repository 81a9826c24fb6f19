# SPDX-License-Identifier: EUPL-1.2
"""Every connector call is audited — without personal data, and signed."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from connectors.models import ConnectorCall
from engine.interfaces import CallContext
from pkip.platform import Platform
from tests.conftest import MUNI, PROCESS_DIR
from tests.engine.factories import DOG_OWNER, dog_fee_start


def _rows(platform: Platform) -> list[ConnectorCall]:
    with platform.transaction() as s:
        return list(s.scalars(select(ConnectorCall).order_by(ConnectorCall.id)))


def test_a_service_task_call_is_audited_with_ids_only(committed: Platform) -> None:
    committed.deploy([PROCESS_DIR])
    with committed.transaction() as s:
        inst_id = (
            committed.engine(s)
            .start(
                "dog_fee", municipality=MUNI, data=dog_fee_start(), actor="iedzivotajs"
            )
            .id
        )
    [row] = [r for r in _rows(committed) if r.operator == "ldc.dogs"]
    assert (row.instance_id, row.municipality, row.element_id, row.actor) == (
        inst_id,
        MUNI,
        "check_ldc_dogs",
        "iedzivotajs",
    )
    assert row.outcome == "ok" and row.duration_ms >= 0 and row.attempt == 1
    values = " ".join(str(v) for v in vars(row).values())
    assert DOG_OWNER not in values and DOG_OWNER.replace("-", "") not in values
    with committed.transaction() as s:
        assert committed.audit.verify(s) == []


def test_calls_in_a_rolled_back_transaction_are_still_audited(
    committed: Platform,
) -> None:
    with pytest.raises(RuntimeError), committed.transaction():
        committed.connectors.call(
            "ldc.dogs", {"owner_code": DOG_OWNER}, CallContext(municipality=MUNI)
        )
        raise RuntimeError("the step failed after the call")
    assert [r.operator for r in _rows(committed)] == ["ldc.dogs"]


def test_a_changed_row_no_longer_verifies(committed: Platform) -> None:
    with committed.transaction():
        for _ in range(2):
            committed.connectors.call(
                "ldc.dogs", {"owner_code": DOG_OWNER}, CallContext(municipality=MUNI)
            )
    rows = _rows(committed)
    with committed.transaction() as s:
        s.execute(
            update(ConnectorCall)
            .where(ConnectorCall.id == rows[1].id)
            .values(outcome="not_found")
        )
    with committed.transaction() as s:
        assert committed.audit.verify(s) == [rows[1].id]


def test_soap_envelopes_stay_out_of_debug_logs(
    committed: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    with caplog.at_level(logging.DEBUG):
        committed.connectors.call(
            "pmlp.person", {"personal_code": DOG_OWNER}, CallContext(municipality=MUNI)
        )
    assert (
        DOG_OWNER not in caplog.text and DOG_OWNER.replace("-", "") not in caplog.text
    )
