# SPDX-License-Identifier: EUPL-1.2
"""The e-delivery polling's calls are audited like registry calls: one signed
``connector_calls`` row per list, fetch and confirm, failures included, and no
personal code in any of them.

These tests commit for real (``committed``): the poll owns its transactions.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.errors import Unavailable
from connectors.models import ConnectorCall
from connectors.systems.depp.client import DeppClient
from connectors.systems.depp.inbox import DeppInbox
from connectors.systems.depp.models import ReceivedMessage
from connectors.systems.depp.simulator import DeppSimulator
from connectors.systems.div.client import DivClient
from connectors.systems.div.simulator import DivSimulator
from connectors.transport import in_process_session
from engine.clock import ManualClock
from pkip.platform import Platform
from tasks import edelivery
from tasks.edelivery import poll_depp, poll_div
from tests.conftest import MUNI
from tests.connectors.depp.conftest import RESIDENT, RESIDENT_EADDRESS

BPMN = Path(__file__).resolve().parent / "bpmn"
RIGA_EADDRESS = "_DEFAULT@90011524360"
LIST, GET, CONFIRM = (
    "depp.get_message_list",
    "depp.get_message",
    "depp.confirm_message",
)


@pytest.fixture(autouse=True)
def _no_pending_records(platform: Platform) -> Iterator[None]:
    """Calls another test made outside any transaction must not show up here."""
    platform.audit.drain()
    yield
    platform.audit.drain()


@pytest.fixture
def sim(clock: ManualClock) -> DeppSimulator:
    return DeppSimulator(clock=clock)


@pytest.fixture
def client(sim: DeppSimulator) -> DeppClient:
    base = "http://depp.sim.pkip"
    return DeppClient(
        address=base, session=in_process_session(base, sim), own_address=RIGA_EADDRESS
    )


@pytest.fixture
def div_sim(clock: ManualClock) -> DivSimulator:
    return DivSimulator(clock=clock)


@pytest.fixture
def div(div_sim: DivSimulator) -> DivClient:
    base = "http://div.sim.pkip"
    return DivClient(
        address=base,
        session=in_process_session(base, div_sim),
        institution=RIGA_EADDRESS.removeprefix("_DEFAULT@"),
    )


def _calls(platform: Platform) -> list[ConnectorCall]:
    with platform.transaction() as session:
        return list(
            session.scalars(select(ConnectorCall).order_by(ConnectorCall.id)).all()
        )


def _outcomes(platform: Platform) -> list[tuple[str, str]]:
    return [(c.operator, c.outcome) for c in _calls(platform)]


def _assert_signed_and_without_personal_codes(platform: Platform) -> None:
    with platform.transaction() as session:
        assert platform.audit.verify(session) == []
    values = " ".join(str(v) for c in _calls(platform) for v in vars(c).values())
    for secret in (RESIDENT, RESIDENT.replace("-", ""), RESIDENT_EADDRESS):
        assert secret not in values


def test_every_list_fetch_and_confirm_is_one_signed_row(
    committed: Platform, client: DeppClient
) -> None:
    committed.deploy([BPMN / "edelivery_intake.bpmn"], deployed_by="tests")
    poll_depp(committed, MUNI, client=client)
    calls = _calls(committed)
    assert [(c.operator, c.outcome) for c in calls] == [
        (LIST, "ok"),
        (GET, "ok"),
        (CONFIRM, "ok"),
        (GET, "ok"),
        (CONFIRM, "ok"),
    ]
    assert {(c.system, c.mode, c.municipality, c.actor) for c in calls} == {
        ("DEPP", "simulated", MUNI, "depp-poll")
    }
    assert all(c.attempt == 1 and c.duration_ms >= 0 for c in calls)
    assert all(c.element_id is None for c in calls)
    # the confirm is audited under the instance the message started; list and
    # fetch happen before there is one
    with committed.transaction() as session:
        started = [
            r.instance_ids[0]
            for r in session.scalars(
                select(ReceivedMessage).order_by(ReceivedMessage.id)
            )
        ]
    assert [c.instance_id for c in calls] == [None, None, started[0], None, started[1]]
    _assert_signed_and_without_personal_codes(committed)


def test_failed_calls_are_audited_with_their_error(
    committed: Platform, sim: DeppSimulator, client: DeppClient
) -> None:
    sim.faults.inject("GetMessage", "soap_fault", code="NotFound")
    sim.faults.inject("ConfirmMessage", "soap_fault")
    report = poll_depp(committed, MUNI, client=client)
    assert (report.fetch_failed, report.confirm_failed) == (1, 1)
    # the last call (the failed confirm) comes after the poll's last transaction
    assert _outcomes(committed) == [
        (LIST, "ok"),
        (GET, "not_found"),
        (GET, "ok"),
        (CONFIRM, "unavailable"),
    ]
    _assert_signed_and_without_personal_codes(committed)


def test_a_poll_stopped_by_an_outage_still_writes_its_calls(
    committed: Platform, sim: DeppSimulator, client: DeppClient
) -> None:
    sim.faults.inject("GetMessageList", "http500")
    with pytest.raises(Unavailable):
        poll_depp(committed, MUNI, client=client)
    assert _outcomes(committed) == [(LIST, "unavailable")]
    sim.faults.inject("GetMessage", "timeout")
    with pytest.raises(Unavailable):
        poll_depp(committed, MUNI, client=client)
    assert _outcomes(committed)[1:] == [(LIST, "ok"), (GET, "unavailable")]
    assert committed.audit.drain() == []
    _assert_signed_and_without_personal_codes(committed)


def test_an_empty_list_is_audited_too(committed: Platform, sim: DeppSimulator) -> None:
    sim.seed = False
    base = "http://depp.sim.pkip"
    empty = DeppClient(
        address=base, session=in_process_session(base, sim), own_address=RIGA_EADDRESS
    )
    assert poll_depp(committed, MUNI, client=empty).listed == 0
    assert _outcomes(committed) == [(LIST, "ok")]


class _CrashingInbox(DeppInbox):
    def confirm(self, message_id: str) -> None:
        raise SystemExit("worker killed")


def test_a_call_cut_short_by_a_crash_is_audited_as_an_error(
    committed: Platform, client: DeppClient
) -> None:
    with pytest.raises(SystemExit):
        edelivery.poll_inbox(committed, MUNI, _CrashingInbox(client))
    assert _outcomes(committed) == [(LIST, "ok"), (GET, "ok"), (CONFIRM, "error")]


def test_div_calls_are_audited_under_div(
    committed: Platform, div_sim: DivSimulator, div: DivClient
) -> None:
    committed.deploy([BPMN / "div_intake.bpmn"], deployed_by="tests")
    div_sim.faults.inject("Confirm", "http500")
    poll_div(committed, MUNI, client=div)
    poll_div(committed, MUNI, client=div)
    calls = _calls(committed)
    assert [(c.operator, c.outcome) for c in calls] == [
        ("div.list_incoming", "ok"),
        ("div.get_document", "ok"),
        ("div.confirm", "unavailable"),
        ("div.list_incoming", "ok"),
        ("div.confirm", "ok"),
    ]
    assert {(c.system, c.actor) for c in calls} == {("DIV", "div-poll")}
    # the retried confirm of the next poll knows the instance from the stored row
    assert calls[2].instance_id is not None
    assert calls[4].instance_id == calls[2].instance_id
    _assert_signed_and_without_personal_codes(committed)
