# SPDX-License-Identifier: EUPL-1.2
"""A municipality's own OpenID Connect provider (its staff directory: Entra ID,
Keycloak, ADFS …), through which staff sign in to PKIP.

- ``client.py``: ``IdpClient``, PKIP as the relying party (Authlib's OAuth2 client:
  authorization code with PKCE, the ID token checked against the provider's keys).
- ``simulator.py``: ``IdpSimulator``, a provider with test employees and a Latvian
  page to pick one (``/sim/idp/``).
- ``contract.py``: settings (client id and secret, the claim that names the person).
- ``fixtures.py``: the simulator's employees.
- ``operators.py``: no diagram operator (signing in is no process step).
"""

from connectors.systems.idp.client import IdpClient, SignIn
from connectors.systems.idp.operators import register
from connectors.systems.idp.simulator import IdpSimulator

__all__ = ["IdpClient", "IdpSimulator", "SignIn", "register"]
