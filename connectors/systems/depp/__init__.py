# SPDX-License-Identifier: EUPL-1.2
"""DEPP, the official e-address: send and receive official correspondence.

``wsdl/`` holds our contract (SOAP 1.2, in the shape of the state's unified service
interface for e-address; ``CONTRACT.md`` in words); ``client`` speaks it through zeep,
``simulator`` serves it in memory, ``operators`` are what diagrams call and
``register``, ``inbox`` is what the polling job (``tasks.edelivery.poll_depp``) reads
through, ``models`` stores what it received, ``contract`` is the message envelope
and its rules (DIV carries it too) and ``fixtures`` the demo documents.
"""

from __future__ import annotations

from connectors.systems.depp.client import DeppClient
from connectors.systems.depp.operators import SYSTEM, register
from connectors.systems.depp.simulator import DeppSimulator

__all__ = ["SYSTEM", "DeppClient", "DeppSimulator", "register"]
