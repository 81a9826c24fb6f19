# SPDX-License-Identifier: EUPL-1.2
"""The fee a case asks for: the service card's price list in force on the
application date.

Issue 12: fees come from the card's price list (``domain.catalogue.price_on``),
never from a constant in a diagram; what a rule decides (exemptions, how many dogs
are payable, the tree compensation's classes) lives in the municipality's DMN
table. The diagram passes both: ``units`` (how many of the priced thing the rule
found payable; none for a flat fee) and ``computed`` (the table's own sample
amount, used only for a service that has no card in the municipality's catalogue,
which the source ``dmn`` shows).

The rate is the first line of the card's price list in force that day (the card
lists its basic rate first; lines after it describe exemptions and other cases
for the public). A card whose price list has no line in force that day is a
:class:`PriceListError`: the step fails with an incident that says so, and the
case waits until the card is corrected, never priced by a stale list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from domain.catalogue.services import find_card, price_on

DMN = "dmn"
PRICE_LIST = "price_list"
CENT = Decimal("0.01")


class PriceListError(ValueError):
    """The service's card has no price in force on the day (Latvian message)."""


@dataclass(frozen=True)
class Fee:
    amount: Decimal
    """Euro, two decimal places."""
    source: str
    """``dmn`` (the diagram's decision table) or ``price_list`` (the service card)."""
    rate: Decimal | None = None
    """The price list's rate per unit (``price_list`` only)."""
    line: str = ""
    """The price list line's Latvian name (``price_list`` only)."""


def fee_on_application_date(
    session: Session,
    municipality: str,
    service_code: str,
    on_date: date,
    computed: Decimal,
    units: int | None = None,
) -> Fee:
    """The fee for ``service_code`` in ``municipality`` on ``on_date``: the card's
    rate times ``units`` (the rate itself when ``units`` is None); the table's
    ``computed`` amount when the municipality has no card in force for the service.
    Raises PriceListError when the card has no price in force that day."""
    card = find_card(session, municipality, service_code)
    if card is None or card.in_force() is None:
        return Fee(computed.quantize(CENT), DMN)
    lines = price_on(session, municipality, service_code, on_date)
    if not lines:
        raise PriceListError(
            f"Pakalpojuma {service_code} cenrādī {on_date:%d.%m.%Y} nav spēkā "
            "nevienas cenas: papildiniet pakalpojuma kartīti"
        )
    rate = lines[0].amount
    amount = rate if units is None else rate * units
    return Fee(amount.quantize(CENT), PRICE_LIST, rate=rate, line=lines[0].name_lv)
