# SPDX-License-Identifier: EUPL-1.2
"""DIV: documents between institutions (our provisional SOAP 1.2 contract in
``wsdl/``, ``CONTRACT.md`` in words). Sending is the ``div.send`` command
(``operators``); receiving is the polling job ``tasks.edelivery.poll_div`` through
``inbox``, which stores beside the e-address messages."""

from __future__ import annotations

from connectors.systems.div.client import DivClient
from connectors.systems.div.operators import SYSTEM, register
from connectors.systems.div.simulator import DivSimulator

__all__ = ["SYSTEM", "DivClient", "DivSimulator", "register"]
