# SPDX-License-Identifier: EUPL-1.2
"""Single sign-on (docs/sso.md).

- ``provider``: PKIP as an OpenID Connect provider for the municipality's other
  systems — discovery, JWKS, authorize, token, userinfo, RP-initiated logout.
- ``clients``: the platform admin registers those systems (``/admin/oidc/``).
- ``staff``: staff sign in to PKIP through their municipality's own OpenID Connect
  provider (connectors/systems/idp).
- ``server``: Authlib's authorization server on domain/oidc's tables.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("oidc", __name__)

from webapp.oidc import clients, provider, staff  # noqa: E402,F401  (views on bp)
