# SPDX-License-Identifier: EUPL-1.2
"""The transactional outbox: commands are written with the step, delivered after it,
retried with backoff, deduplicated by key after a crash, and never lost."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from sqlalchemy import select

from connectors.errors import InvalidRequest, Unavailable
from core.contracts import CallContext
from engine.clock import ManualClock
from engine.models import FAILED, Incident, OutboxMessage, ProcessInstance
from engine.outbox import RetryPolicy
from pkip.platform import Platform
from tasks import outbox
from tests.conftest import MUNI
from tests.engine import bpmn_snippets as b


class WorkerKilled(BaseException):
    """Stands for the worker process dying right after the receiver got the call."""


class Receiver:
    """A receiver that deduplicates by idempotency key, like the state systems do."""

    def __init__(self) -> None:
        self.received_total = 0
        self.unique: dict[str, dict[str, Any]] = {}
        self.fail_next: list[BaseException] = []
        self.die_after_send = False

    def has_operator(self, name: str) -> bool:
        return name == "test.send"

    def is_command(self, name: str) -> bool:
        return True

    def call(self, name: str, params: Mapping[str, Any], context: CallContext) -> Any:
        if self.fail_next:
            raise self.fail_next.pop(0)
        assert context.idempotency_key
        self.received_total += 1
        self.unique.setdefault(context.idempotency_key, dict(params))
        if self.die_after_send:
            self.die_after_send = False
            raise WorkerKilled()
        return {"message_id": f"M-{len(self.unique)}"}

    @property
    def duplicates(self) -> int:
        return self.received_total - len(self.unique)


@pytest.fixture
def sender(
    committed: Platform, clock: ManualClock
) -> Iterator[tuple[Platform, Receiver]]:
    receiver = Receiver()
    platform = Platform(committed.settings, clock=clock, connectors=receiver)  # type: ignore[arg-type]
    platform.retry_policy = RetryPolicy(max_attempts=3, base_seconds=2.0)
    with platform.transaction() as s:
        platform.deployer(s).deploy(
            {"send.bpmn": b.linear("send_letter", b.service_task("test.send", "owner"))}
        )
    yield platform, receiver
    platform.dispose()


def _start(platform: Platform) -> str:
    with platform.transaction() as s:
        return (
            platform.engine(s)
            .start("send_letter", municipality=MUNI, data={"owner": "161175-19997"})
            .id
        )


def _state(platform: Platform, inst_id: str) -> tuple[str, list[OutboxMessage]]:
    with platform.transaction() as s:
        inst = s.get(ProcessInstance, inst_id)
        assert inst is not None
        messages = list(
            s.scalars(select(OutboxMessage).where(OutboxMessage.instance_id == inst_id))
        )
        return inst.status, messages


def test_command_waits_in_the_outbox_and_delivery_completes_the_step(
    sender: tuple[Platform, Receiver],
) -> None:
    platform, receiver = sender
    inst_id = _start(platform)
    status, [message] = _state(platform, inst_id)
    assert status == "running" and receiver.received_total == 0  # nothing sent yet
    assert message.status == "pending"
    # a personal code: the parameters wait sealed (docs/personal-data.md)
    assert set(message.params) == {"_sealed"}
    with platform.transaction() as s:
        params = platform.engine(s).outbox_params(message)
    assert params == {"owner_code": "161175-19997"}
    assert message.idempotency_key.startswith(inst_id + ":")

    assert outbox.deliver_due(platform).delivered == 1
    status, [message] = _state(platform, inst_id)
    assert status == "completed" and message.status == "delivered"
    assert message.result == {"message_id": "M-1"}
    assert receiver.received_total == 1
    with platform.transaction() as s:
        kinds = [e.kind for e in platform.engine(s).history(inst_id)]
    assert "delivered" in kinds and kinds[-1] == "ended"


def test_worker_dying_after_the_send_neither_loses_nor_doubles(
    sender: tuple[Platform, Receiver], clock: ManualClock
) -> None:
    platform, receiver = sender
    inst_id = _start(platform)
    receiver.die_after_send = True
    with pytest.raises(WorkerKilled):
        outbox.deliver_due(platform)
    status, [message] = _state(platform, inst_id)
    assert status == "running" and message.status == "pending"  # not lost

    # Leased to the dead worker: nobody sends it again until the lease runs out.
    assert outbox.deliver_due(platform).delivered == 0
    clock.advance(seconds=platform.retry_policy.lease_seconds)
    assert outbox.deliver_due(platform).delivered == 1
    status, [message] = _state(platform, inst_id)
    assert status == "completed"
    assert receiver.received_total == 2 and len(receiver.unique) == 1  # not doubled
    assert receiver.duplicates == 1


def test_backoff_then_success(
    sender: tuple[Platform, Receiver], clock: ManualClock
) -> None:
    platform, receiver = sender
    inst_id = _start(platform)
    receiver.fail_next = [Unavailable("DEPP 503"), Unavailable("DEPP 503")]
    assert outbox.deliver_due(platform).retried == 1
    assert outbox.deliver_due(platform).retried == 0  # not due again before 2 s
    clock.advance(seconds=2)
    assert outbox.deliver_due(platform).retried == 1  # second failure: waits 4 s
    clock.advance(seconds=3)
    assert outbox.deliver_due(platform).delivered == 0
    clock.advance(seconds=1)
    assert outbox.deliver_due(platform).delivered == 1
    status, [message] = _state(platform, inst_id)
    assert status == "completed" and message.attempts == 2


def test_attempts_used_up_become_an_incident_whose_retry_requeues(
    sender: tuple[Platform, Receiver], clock: ManualClock
) -> None:
    platform, receiver = sender
    inst_id = _start(platform)
    receiver.fail_next = [Unavailable("down")] * 3
    for _ in range(3):
        outbox.deliver_due(platform)
        clock.advance(seconds=10)
    status, [message] = _state(platform, inst_id)
    assert message.status == FAILED and message.attempts == 3 and status == "running"
    with platform.transaction() as s:
        [incident] = platform.engine(s).open_incidents(inst_id)
        assert (incident.kind, incident.error_type) == (
            "delivery_failed",
            "Unavailable",
        )
        platform.engine(s).retry_incident(incident.id, actor="operators")
    assert outbox.deliver_due(platform).delivered == 1
    status, _ = _state(platform, inst_id)
    assert status == "completed"
    with platform.transaction() as s:
        assert platform.engine(s).open_incidents(inst_id) == []
        inc = s.scalars(select(Incident).where(Incident.instance_id == inst_id)).one()
        assert inc.resolved_by == "operators"


def test_a_refused_request_fails_at_once(sender: tuple[Platform, Receiver]) -> None:
    platform, receiver = sender
    inst_id = _start(platform)
    receiver.fail_next = [InvalidRequest("recipient has no e-address")]
    assert outbox.deliver_due(platform).failed == 1
    _, [message] = _state(platform, inst_id)
    assert message.status == FAILED and message.attempts == 1


def test_a_batch_never_outlives_its_lease(
    sender: tuple[Platform, Receiver],
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What a slow batch did not get to within half its lease goes back to the queue
    at once, instead of waiting for the lease — or being sent twice, by this worker
    and by another that took it when the lease ran out."""
    platform, receiver = sender
    platform.retry_policy = RetryPolicy(lease_seconds=0.2)
    ids = [_start(platform) for _ in range(3)]
    answer = receiver.call

    def slow(name: str, params: Mapping[str, Any], context: CallContext) -> Any:
        time.sleep(0.15)
        return answer(name, params, context)

    monkeypatch.setattr(receiver, "call", slow)
    assert outbox.send_batch(platform, 100) == 1  # the first always goes
    states = [_state(platform, i)[1][0] for i in ids]
    assert [m.status for m in states] == ["delivered", "pending", "pending"]
    assert all(m.next_attempt_at <= clock() for m in states[1:])  # due again now
    assert outbox.deliver_due(platform).delivered == 2
    assert receiver.duplicates == 0
