# SPDX-License-Identifier: EUPL-1.2
"""Municipal document management systems (Namejs, Lietvaris style), SOAP or REST.

``client`` speaks either protocol (``PKIP_DVS_PROTOCOL``), ``simulator`` serves both
(its SOAP side in ``soap_server``), ``contract`` holds the request shapes and checks
(``wsdl/`` the SOAP contract), ``operators`` the operators and ``register``,
``fixtures`` the simulator's data.
"""

from __future__ import annotations

from connectors.systems.dvs.client import (
    SYSTEM,
    DvsClient,
    DvsRestClient,
    DvsSoapClient,
    dvs_client,
    dvs_protocol,
)
from connectors.systems.dvs.operators import register, simulator
from connectors.systems.dvs.simulator import DvsSimulator

__all__ = [
    "SYSTEM",
    "DvsClient",
    "DvsRestClient",
    "DvsSimulator",
    "DvsSoapClient",
    "dvs_client",
    "dvs_protocol",
    "register",
    "simulator",
]
