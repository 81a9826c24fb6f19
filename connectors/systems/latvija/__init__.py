# SPDX-License-Identifier: EUPL-1.2
"""latvija.lv, the state portal's identity provider: SAML 2.0 Web SSO.

``client`` (PKIP's service provider: the AuthnRequest and the validated Response),
``simulator`` (an identity provider with test persons and company representatives),
``contract`` (bindings, attributes, ``Identity``), ``fixtures`` (the test persons),
``keys`` (signing keys and the metadata files), ``operators`` (``register``: none).
"""

from __future__ import annotations

from connectors.systems.latvija.client import (
    SYSTEM,
    LatvijaClient,
    SignInRefused,
    portal_client,
)
from connectors.systems.latvija.contract import Company, Identity
from connectors.systems.latvija.operators import register, simulator
from connectors.systems.latvija.simulator import LatvijaSimulator

__all__ = [
    "SYSTEM",
    "Company",
    "Identity",
    "LatvijaClient",
    "LatvijaSimulator",
    "SignInRefused",
    "portal_client",
    "register",
    "simulator",
]
