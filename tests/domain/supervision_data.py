# SPDX-License-Identifier: EUPL-1.2
"""Tasks, instances and incidents for the supervision numbers (tests/domain and the
dashboard page in tests/webapp), with the engine's clock standing at T0 (Monday
02.03.2026 09:00 in Riga). The user ``ilze`` (Ilze Bērziņa) and the departments
must exist."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.pii import PiiVault
from domain.cases.models import OFFICE, ServiceCase
from engine.models import Incident, ProcessInstance, UserTask
from tests.conftest import MUNI, OTHER_MUNI, T0

_ids = itertools.count(1)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
# Wednesday 04.03.2026 23:59:59 in Riga: the end of the second working day after T0
AT_RISK_UNTIL = datetime(2026, 3, 4, 21, 59, 59, tzinfo=T0.tzinfo)


class Seed:
    def __init__(self, db: Session, deployed: dict[str, int]) -> None:
        self.db = db
        self.deployed = deployed

    def instance(
        self,
        key: str,
        *,
        started: datetime,
        ended: datetime | None = None,
        status: str = ProcessInstance.RUNNING,
        municipality: str = MUNI,
    ) -> ProcessInstance:
        number = next(_ids)
        inst = ProcessInstance(
            id=f"inst{number:028d}",
            definition_id=self.deployed[key],
            process_key=key,
            municipality=municipality,
            business_key=f"LN-{number}",
            status=status,
            state="{}",
            started_at=started,
            updated_at=ended or started,
            ended_at=ended,
        )
        self.db.add(inst)
        self.db.flush()
        return inst

    def task(
        self,
        inst: ProcessInstance,
        element_id: str,
        group: str,
        *,
        due: datetime | None,
        assignee: str | None = None,
        completed: datetime | None = None,
    ) -> UserTask:
        row = UserTask(
            id=f"task-{next(_ids)}",
            instance_id=inst.id,
            municipality=inst.municipality,
            process_key=inst.process_key,
            element_id=element_id,
            name=element_id.replace("_", " ").capitalize(),
            candidate_group=group,
            assignee=assignee,
            due_at=due,
            state=UserTask.COMPLETED if completed else UserTask.READY,
            created_at=inst.started_at,
            completed_at=completed,
        )
        self.db.add(row)
        self.db.flush()
        return row


def seed_supervision(
    db_session: Session, deployed: dict[str, int], pii: PiiVault
) -> dict[str, ProcessInstance]:
    s = Seed(db_session, deployed)
    a = s.instance("tree_felling", started=T0 - HOUR)
    b = s.instance("tree_felling", started=T0 - 8 * DAY)
    c = s.instance("dog_fee", started=T0 - 15 * DAY)
    # open tasks
    s.task(a, "register_application", "lietvedis", due=T0 - DAY)  # overdue
    s.task(a, "register_application", "lietvedis", due=T0 + HOUR, assignee="ilze")
    s.task(b, "inspect_trees", "specialists", due=T0 - 2 * HOUR, assignee="ilze")
    s.task(c, "review_fee", "finansists", due=AT_RISK_UNTIL - timedelta(minutes=1))
    s.task(c, "review_fee", "finansists", due=AT_RISK_UNTIL + timedelta(minutes=1))
    s.task(c, "review_overdue", "finansists", due=None)
    # completed tasks: late in the window, on time, late but long ago
    s.task(
        c, "review_fee", "finansists", due=T0 - 6 * DAY, completed=T0 - 5 * DAY,
        assignee="ilze",
    )  # fmt: skip
    s.task(c, "review_fee", "finansists", due=T0 - 6 * DAY, completed=T0 - 7 * DAY)
    s.task(c, "review_fee", "finansists", due=T0 - 41 * DAY, completed=T0 - 40 * DAY)
    # completed cases: tree felling took 1, 2, 3, 4 and 10 days, dog fee 60
    for days in (1, 2, 3, 4, 10):
        s.instance(
            "tree_felling",
            started=T0 - DAY - days * DAY,
            ended=T0 - DAY,
            status=ProcessInstance.COMPLETED,
        )
    s.instance(
        "dog_fee",
        started=T0 - 62 * DAY,
        ended=T0 - 2 * DAY,
        status=ProcessInstance.COMPLETED,
    )
    s.instance(  # too long ago for the cycle time and the chart
        "tree_felling",
        started=T0 - 300 * DAY,
        ended=T0 - 200 * DAY,
        status=ProcessInstance.COMPLETED,
    )
    s.instance(  # cancelled: started, but not completed
        "tree_felling",
        started=T0 - 3 * DAY,
        ended=T0 - 2 * DAY,
        status=ProcessInstance.CANCELLED,
    )
    # another municipality: never counted
    other = s.instance("tree_felling", started=T0 - HOUR, municipality=OTHER_MUNI)
    s.task(other, "register_application", "lietvedis", due=T0 - DAY)
    s.instance(
        "tree_felling",
        started=T0 - 5 * DAY,
        ended=T0 - DAY,
        status=ProcessInstance.COMPLETED,
        municipality=OTHER_MUNI,
    )
    # incidents: one open here, one resolved, one open elsewhere
    for inst, status in ((a, Incident.OPEN), (b, Incident.RESOLVED), (other, "open")):
        db_session.add(
            Incident(
                instance_id=inst.id,
                municipality=inst.municipality,
                element_id="register_application",
                kind="script",
                error_type="ValueError",
                message=f"kļūda {inst.id}",
                status=status,
            )
        )
    case = ServiceCase(  # a's service case: the incident links to its page
        number="PKIP-2026-000042",
        municipality=MUNI,
        instance_id=a.id,
        process_key=a.process_key,
        process_name="Koku ciršanas atļauja",
        client_name="Jānis Bērziņš",
        channel=OFFICE,
    )
    case.set_client_identifier(pii, "161175-19997")
    db_session.add(case)
    db_session.flush()
    return {"a": a, "b": b, "c": c, "other": other}
