# SPDX-License-Identifier: EUPL-1.2
"""The contract with a municipality's OpenID Connect provider, and its settings.

Besides connectors/config.py's ``PKIP_IDP_*`` (per municipality
``PKIP_IDP__<CODE>_*``): ``_URL`` is the provider's issuer (its discovery document
is ``<URL>/.well-known/openid-configuration``), ``_USERNAME`` and ``_PASSWORD`` the
client id and secret PKIP was registered with there, and ``_MATCH_CLAIM`` the
claim that names the person in PKIP: ``email`` (default; PKIP's user e-mail) or
``preferred_username`` (PKIP's username).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from connectors.config import ConnectorConfigError, SystemConfig

SYSTEM = "IDP"
DEFAULT_CLIENT_ID = "pkip"
SIMULATED_SECRET = "pkip-idp-simulated-secret"  # noqa: S105 - the simulator's own
MATCH_CLAIMS = ("email", "preferred_username")
SCOPE = "openid profile email"
CALLBACK_PATH = "/login/municipality/callback"


def credentials(config: SystemConfig) -> tuple[str, str]:
    """PKIP's client id and secret at the provider."""
    if config.simulated:
        return config.username or DEFAULT_CLIENT_ID, SIMULATED_SECRET
    if not config.password:
        raise ConnectorConfigError("PKIP_IDP_PASSWORD: the client secret is needed")
    return config.username or DEFAULT_CLIENT_ID, config.password


def match_claim(municipality: str, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    claim = (
        env.get(f"PKIP_IDP__{municipality.upper()}_MATCH_CLAIM")
        or env.get("PKIP_IDP_MATCH_CLAIM")
        or "email"
    )
    if claim not in MATCH_CLAIMS:
        raise ConnectorConfigError(
            f"PKIP_IDP_MATCH_CLAIM: one of {', '.join(MATCH_CLAIMS)}, not {claim!r}"
        )
    return claim
