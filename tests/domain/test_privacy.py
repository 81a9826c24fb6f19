# SPDX-License-Identifier: EUPL-1.2
"""Key rotation and the retention rule for personal data at rest."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.pii import (
    PiiError,
    PiiVault,
    development_keys,
    new_key,
    parse_hash_key,
    parse_keys,
)
from domain import cases, privacy
from domain.intake import services as intake
from engine.clock import ManualClock
from engine.models import ProcessInstance
from engine.runtime import ProcessEngine
from engine.workflow import StateSerializer
from pkip.platform import Platform
from pkip.schema import load_models
from tests.conftest import MUNI, T0
from tests.domain.conftest import DOG_OWNER

StartCase = Callable[..., cases.ServiceCase]
DEV = PiiVault.from_config("", "", env="test", warn=False)
DEV_HASH_KEY, DEV_KEYS = development_keys()


def _raw(session: Session, sql: str, **params: object) -> str:
    session.flush()
    return str(session.execute(text(sql), params).scalar_one())


def _state(session: Session, instance_id: str) -> str:
    return _raw(
        session, "SELECT state FROM process_instances WHERE id = :i", i=instance_id
    )


def test_rotation_moves_every_value_to_the_newest_key(
    start_case: StartCase, db_session: Session, platform: Platform
) -> None:
    first, second = start_case(), start_case(key="tree_felling")
    assert _state(db_session, first.instance_id).startswith("pii1:dev:")
    k2 = parse_keys(f"k2:{new_key()}")
    both = PiiVault(DEV_HASH_KEY, [*k2, *DEV_KEYS])  # k2 new, dev still opens

    stats = privacy.rotate(db_session, both, load_models(), batch=1)
    assert (stats.cases, stats.skipped) == (2, 0) and stats.states >= 2
    assert privacy.rotate(db_session, both, load_models()).total == 0  # all done

    only_k2 = PiiVault(DEV_HASH_KEY, k2)  # the old key can now be dropped
    for case in (first, second):
        db_session.refresh(case)
        assert case.client_identifier_sealed.startswith("pii1:k2:")
        assert case.client_identifier(only_k2) == DOG_OWNER
        assert _state(db_session, case.instance_id).startswith("pii1:k2:")
    config = dataclasses.replace(
        platform.engine_config, serializer=StateSerializer(vault=only_k2)
    )
    db_session.expire_all()
    instance = db_session.get(ProcessInstance, first.instance_id)
    assert instance is not None
    data = cases.instance_data(ProcessEngine(db_session, config), instance)
    assert data["applicant_code"] == DOG_OWNER
    with pytest.raises(PiiError, match="no key 'k2'"):  # the old key alone cannot
        DEV.decrypt(_state(db_session, first.instance_id), "process_instances.state")


def test_rehash_after_the_hash_key_changed(
    start_case: StartCase, db_session: Session
) -> None:
    case = start_case()
    rekeyed = PiiVault(parse_hash_key(new_key()), DEV_KEYS)
    assert not cases.cases_of_client(db_session, rekeyed, MUNI, DOG_OWNER)
    stats = privacy.rotate(db_session, rekeyed, load_models(), rehash=True)
    assert stats.counts["service_cases.client_identifier_hash"] == 1
    found = cases.cases_of_client(db_session, rekeyed, MUNI, DOG_OWNER)
    assert [c.number for c in found] == [case.number]


def test_retention_cutoff_counts_calendar_years() -> None:
    now = datetime(2032, 2, 29, 12, tzinfo=UTC)
    assert privacy.retention_cutoff(now, 5) == datetime(2027, 2, 28, 12, tzinfo=UTC)
    assert privacy.retention_cutoff(now, 4) == datetime(2028, 2, 29, 12, tzinfo=UTC)


def test_purge_erases_personal_data_of_cases_closed_long_enough_ago(
    start_case: StartCase,
    engine: ProcessEngine,
    db_session: Session,
    clock: ManualClock,
) -> None:
    old, recent, still_open = start_case(), start_case(), start_case()
    engine.cancel(old.instance_id, actor="lietvede", municipality=MUNI)
    clock.now = T0 + timedelta(days=400)
    engine.cancel(recent.instance_id, actor="lietvede", municipality=MUNI)
    for case in (old, recent):
        cases.refresh_status(db_session, case, now=engine.now())
    assert old.closed_at is not None and recent.closed_at is not None

    clock.now = T0 + timedelta(days=5 * 365 + 2)  # 5 years after `old` closed
    dry = privacy.purge(engine, years=5, dry_run=True)
    assert dry.numbers == [old.number]
    db_session.refresh(old)
    assert old.purged_at is None and old.client_identifier(DEV) == DOG_OWNER

    done = privacy.purge(engine, years=5)
    assert done.numbers == [old.number]
    db_session.refresh(old)
    assert old.purged_at == engine.now()
    assert (old.client_name, old.client_masked, old.client_identifier_hash) == (
        "",
        "",
        "",
    )
    assert old.client_identifier(DEV) == ""
    assert (old.status, old.number, old.service_code) == (
        cases.CANCELLED,
        old.number,
        "PKIP-012",
    )  # the record for statistics stays
    opened = DEV.decrypt(_state(db_session, old.instance_id), "process_instances.state")
    assert DOG_OWNER not in opened and "applicant_code" not in opened
    view = cases.case_view(engine, old)  # the case page still works, without data
    assert view.data == {} and view.client_masked == ""
    found = cases.cases_of_client(db_session, DEV, MUNI, DOG_OWNER)
    assert old.number not in [c.number for c in found] and len(found) == 2

    for case in (recent, still_open):
        db_session.refresh(case)
        assert case.purged_at is None and case.client_identifier(DEV) == DOG_OWNER
    assert privacy.purge(engine, years=5).numbers == []  # done once


def test_rotation_covers_every_sealed_column_and_waiting_outbox_params(
    start_case: StartCase, db_session: Session, platform: Platform
) -> None:
    from connectors.systems.depp.models import ReceivedMessage
    from engine.outbox import OutboxWriter, message_params

    case = start_case()
    message = OutboxWriter(
        db_session, case.instance_id, MUNI, lambda: T0, platform.pii
    ).enqueue("t1", "send", "depp.send", {"recipient": f"_PRIVATE@{DOG_OWNER}"})
    received = ReceivedMessage(
        channel="depp", municipality=MUNI, message_id="m1", document_kind="X",
        title="T", sent_at=T0, received_at=T0, attachments=[], instance_ids=[],
    )  # fmt: skip
    received.set_sender(platform.pii, f"_PRIVATE@{DOG_OWNER}")
    db_session.add(received)
    letter = intake.receive(
        db_session, platform.pii, municipality=MUNI, channel="depp", source_id="m1",
        sender=f"_PRIVATE@{DOG_OWNER}", subject="T", document_kind="X",
        received_at=T0, files=[],
    )  # fmt: skip
    assert letter is not None
    db_session.flush()
    sealed = {f"{t.name}.{c.name}" for t, c in privacy.sealed_columns(load_models())}
    assert sealed == {
        "process_instances.state",
        "edelivery_messages.sender_sealed",
        "service_cases.client_identifier_sealed",
        "intake_items.sender_sealed",
    }

    k2 = parse_keys(f"k2:{new_key()}")
    stats = privacy.rotate(
        db_session, PiiVault(DEV_HASH_KEY, [*k2, *DEV_KEYS]), load_models()
    )
    assert stats.counts["edelivery_messages.sender_sealed"] == 1
    assert stats.counts["intake_items.sender_sealed"] == 1
    assert stats.counts["outbox_messages.params"] == 1
    only_k2 = PiiVault(DEV_HASH_KEY, k2)
    db_session.refresh(received)
    db_session.refresh(message)
    assert received.sender_address(only_k2) == f"_PRIVATE@{DOG_OWNER}"
    db_session.refresh(letter)
    assert letter.sender_in_clear(only_k2) == f"_PRIVATE@{DOG_OWNER}"
    assert message.params["_sealed"].startswith("pii1:k2:")
    assert message_params(message, only_k2) == {"recipient": f"_PRIVATE@{DOG_OWNER}"}
