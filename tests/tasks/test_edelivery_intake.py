# SPDX-License-Identifier: EUPL-1.2
"""The e-delivery poll fills the intake queue: one item per message no waiting case
took, whatever the polls and crashes; a refused file flags the item, never loses it.

These tests commit for real (``committed``): the poll owns its transactions.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from connectors.systems.depp import contract as env
from connectors.systems.depp.client import DeppClient
from connectors.systems.depp.inbox import DeppInbox
from connectors.systems.depp.models import ReceivedMessage
from connectors.systems.depp.simulator import DeppSimulator
from connectors.systems.div.client import DivClient
from connectors.systems.div.simulator import DivSimulator
from connectors.transport import in_process_session
from domain.intake import rules
from domain.intake.models import FLAGGED, NEW, STARTED, IntakeItem
from engine.clock import ManualClock
from engine.deploy import read_files
from pkip.platform import Platform
from tasks import edelivery
from tasks.edelivery import poll_depp, poll_div
from tests.conftest import MUNI, PROCESS_DIR
from tests.connectors.depp.conftest import RESIDENT_EADDRESS, pdf

RIGA_EADDRESS = "_DEFAULT@90011524360"


@pytest.fixture
def sim(clock: ManualClock) -> DeppSimulator:
    return DeppSimulator(clock=clock)


@pytest.fixture
def client(sim: DeppSimulator) -> DeppClient:
    base = "http://depp.sim.pkip"
    return DeppClient(
        address=base, session=in_process_session(base, sim), own_address=RIGA_EADDRESS
    )


def _items(platform: Platform) -> list[IntakeItem]:
    with platform.transaction() as session:
        items = list(session.scalars(select(IntakeItem).order_by(IntakeItem.id)))
        for item in items:
            _ = item.files  # loaded before the session closes
        return items


def test_each_unrouted_message_becomes_one_intake_item(
    committed: Platform, sim: DeppSimulator, client: DeppClient
) -> None:
    report = poll_depp(committed, MUNI, client=client)
    assert (report.stored, report.unrouted) == (2, 2)
    items = _items(committed)
    assert [(i.channel, i.status, i.document_kind) for i in items] == [
        ("depp", NEW, "Iesniegums"),
        ("depp", NEW, "Vēstule"),
    ]
    assert items[0].sender == "_PRIVATE@16****-****7"
    assert [f.name for f in items[0].files] == ["iesniegums.pdf"]
    assert items[0].files[0].content.startswith(b"%PDF")
    # polled again (nothing new listed): still one item per message
    poll_depp(committed, MUNI, client=client)
    assert len(_items(committed)) == 2


def test_polled_twice_after_failed_confirms_gives_one_item(
    committed: Platform, sim: DeppSimulator, client: DeppClient
) -> None:
    sim.faults.inject("ConfirmMessage", "soap_fault", count=2)
    first = poll_depp(committed, MUNI, client=client)
    assert first.confirm_failed == 2
    second = poll_depp(committed, MUNI, client=client)
    assert (second.listed, second.already_stored) == (2, 2)
    assert len(_items(committed)) == 2


class _CrashingInbox(DeppInbox):
    def confirm(self, message_id: str) -> None:
        raise SystemExit("worker killed")


def test_a_crash_before_the_confirm_does_not_double_the_item(
    committed: Platform, sim: DeppSimulator, client: DeppClient
) -> None:
    with pytest.raises(SystemExit):
        edelivery.poll_inbox(committed, MUNI, _CrashingInbox(client))
    assert len(_items(committed)) == 1
    poll_depp(committed, MUNI, client=client)
    assert len(_items(committed)) == 2


def test_a_retried_handover_gives_one_item(
    committed: Platform, sim: DeppSimulator, client: DeppClient
) -> None:
    poll_depp(committed, MUNI, client=client)
    # as if the handover had to be tried again (a pending row)
    with committed.transaction() as session:
        for row in session.scalars(select(ReceivedMessage)):
            row.handover = "pending"
    poll_depp(committed, MUNI, client=client)
    assert len(_items(committed)) == 2


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.pdf", b"\0" * 30_000_000)
    return buffer.getvalue()


def test_a_message_with_refused_files_is_kept_and_flagged(
    committed: Platform, sim: DeppSimulator, client: DeppClient
) -> None:
    sim.seed = False
    sim.deliver(
        RESIDENT_EADDRESS,
        RIGA_EADDRESS,
        document_kind="Iesniegums",
        title="Pielikumi",
        attachments=(
            pdf(),
            # DEPP's contract allows only these two types: what is refused
            # comes disguised as one of them
            env.Attachment("programma.exe", env.PDF, b"MZ\x90"),
            env.Attachment("bumba.edoc", env.ASICE, _bomb()),
        ),
    )
    report = poll_depp(committed, MUNI, client=client)
    assert (report.stored, report.confirmed) == (1, 1)
    [item] = _items(committed)
    assert item.status == FLAGGED
    assert [f.problem for f in item.files] == [None, "type", "bomb"]
    assert len(item.problems) == 2


def test_routing_rules_start_cases_from_polled_messages(
    committed: Platform, sim: DeppSimulator, client: DeppClient
) -> None:
    with committed.transaction() as session:
        committed.deployer(session).deploy(
            read_files([PROCESS_DIR]), deployed_by="tests"
        )
        rules.add_rule(
            session,
            MUNI,
            match="subject",
            pattern="koku ciršanu",
            process_key="tree_felling",
            actor="admin",
        )
    poll_depp(committed, MUNI, client=client)
    started, other = _items(committed)
    assert started.status == STARTED and started.case_number
    assert other.status == NEW


def test_div_documents_land_in_the_queue_too(
    committed: Platform, clock: ManualClock
) -> None:
    div_sim = DivSimulator(clock=clock)
    base = "http://div.sim.pkip"
    div = DivClient(
        address=base,
        session=in_process_session(base, div_sim),
        institution=RIGA_EADDRESS.removeprefix("_DEFAULT@"),
    )
    report = poll_div(committed, MUNI, client=div)
    assert (report.stored, report.unrouted) == (1, 1)
    [item] = _items(committed)
    assert (item.channel, item.status) == ("div", NEW)
    poll_div(committed, MUNI, client=div)
    assert len(_items(committed)) == 1
