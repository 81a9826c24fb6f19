# SPDX-License-Identifier: EUPL-1.2
"""The case page's accounting: each status with when it was reached, by when it was
planned (dd.mm.yyyy) and where it stands with PSPP, in Latvian."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lxml import html as lxml_html
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import DELIVERED, OutboxMessage
from engine.runtime import ProcessEngine
from pkip.platform import Platform
from tests.webapp.casework import ready_task, start
from tests.webapp.conftest import WebClient


@pytest.mark.usefixtures("deployed")
def test_the_case_page_lists_the_case_accounting(
    web_platform: Platform,
    db_session: Session,
    as_role: Callable[..., WebClient],
) -> None:
    engine: ProcessEngine = web_platform.engine(db_session)
    case = start(engine, "dog_fee")
    # PSPP has the first event (registered), the next is still on its way
    first = db_session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.operator == "pspp.case_event")
        .order_by(OutboxMessage.id)
    ).first()
    assert first is not None
    first.status = DELIVERED
    db_session.flush()
    assert ready_task(db_session, case) is not None

    page = as_role("specialist").get(f"/cases/{case.number}").get_data(as_text=True)
    tree = lxml_html.fromstring(page)
    assert tree.cssselect("#accounting-title")[0].text_content() == "Lietas uzskaite"
    rows = [
        [td.text_content().strip() for td in tr.cssselect("td")]
        for tr in tree.cssselect("table.accounting tbody tr")
    ]
    assert [r[0] for r in rows] == ["Iesniegts", "Reģistrēts", "Izskatīšanā"]
    assert rows[0][3] == "netiek ziņots"
    assert rows[1][3] == "nosūtīts" and rows[2][3] == "ceļā"
    assert rows[1][1].startswith("02.03.2026")
    assert rows[1][2] == "03.03.2026"  # the next working day
    assert rows[0][2] == "—"
