# SPDX-License-Identifier: EUPL-1.2
"""The fee a case asks for: the seam where the service card's price list plugs in.

Issue 12 wants fees from the service card's price list in force on the application
date (``domain.catalogue.price_on(session, municipality, service_code, on_date)``,
being built beside this in the service catalogue work), and rates a rule computes
(the dog fee per dog, the tree compensation) from the municipality's DMN table. Until
the catalogue is merged, :func:`fee_on_application_date` is the one place that
decides, and it takes the amount the diagram's DMN table computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

DMN = "dmn"
PRICE_LIST = "price_list"


@dataclass(frozen=True)
class Fee:
    amount: Decimal
    """Euro, two decimal places."""
    source: str
    """``dmn`` (the diagram's decision table) or ``price_list`` (the service card)."""


def fee_on_application_date(
    session: Session,
    municipality: str,
    service_code: str,
    on_date: date,
    computed: Decimal,
) -> Fee:
    """The fee for ``service_code`` in ``municipality`` on ``on_date``.

    SEAM (issue 12 ↔ service catalogue): when ``domain.catalogue.price_on`` exists,
    look the card's price up here and prefer it where the card fixes the price (a
    per-dog rate multiplies by the DMN's count); until then the DMN's ``computed``
    amount is the fee.
    """
    del session, municipality, service_code, on_date  # used once price_on is wired
    return Fee(computed.quantize(Decimal("0.01")), DMN)
