# SPDX-License-Identifier: EUPL-1.2
"""VISS, the state interoperability gateway, and the registries behind it.

SOAP 1.1 through zeep over a WSDL and XSDs written by PKIP (``wsdl/``): the
Enterprise Register (UR), the Population Register (PMLP), the State Revenue Service
(VID), the State Land Service (VZD: parcels, buildings, addresses), the LDC animal
registry, the education system VIIS and the Probation Service (PLUS).

| module | what |
| --- | --- |
| ``contract`` | the WSDL's location, its operations, fault codes, the XSD check |
| ``keys`` | checking identifiers before a call; masking them for logs |
| ``client`` | ``VissClient``: zeep, the request header, errors mapped |
| ``results`` | replies as plain dicts |
| ``simulator`` | ``VissSimulator``: the same contract as a WSGI app, fault injection |
| ``fixtures`` | the simulator's deterministic registry data |
| ``operators`` | the operators diagrams call, and ``register`` |

Settings: ``PKIP_VISS_*`` (see ``connectors.config``), per municipality too;
simulated unless ``PKIP_VISS_MODE=live`` with ``PKIP_VISS_URL``.
"""

from __future__ import annotations

from connectors.systems.viss.client import VissClient
from connectors.systems.viss.operators import register
from connectors.systems.viss.simulator import VissSimulator

__all__ = ["VissClient", "VissSimulator", "register"]
