# SPDX-License-Identifier: EUPL-1.2
"""PKIP as the relying party of a municipality's OpenID Connect provider.

Authlib's OAuth2 client makes the authorization URL (state, nonce, PKCE S256) and
exchanges the code; the ID token is checked here against the provider's published
keys: signature, issuer, audience, nonce, expiry. Simulated, the client reaches
``IdpSimulator`` in process, and the browser reaches the same simulator mounted at
``/sim/idp`` of PKIP (``browser_base``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from connectors.config import SystemConfig, system_config
from connectors.errors import Rejected, Unavailable
from connectors.systems.idp.contract import SCOPE, credentials
from connectors.systems.idp.simulator import IdpSimulator, default_simulator
from connectors.transport import WSGIAdapter


@dataclass(frozen=True)
class SignIn:
    """A sign-in under way: what the browser's session keeps until the callback."""

    url: str
    state: str
    nonce: str
    code_verifier: str


class IdpClient:
    def __init__(
        self,
        config: SystemConfig,
        simulator: IdpSimulator | None = None,
    ) -> None:
        self.config = config
        self.client_id, self._secret = credentials(config)
        self._simulator = simulator

    @classmethod
    def for_municipality(
        cls, municipality: str, simulator: IdpSimulator | None = None
    ) -> IdpClient:
        return cls(system_config("IDP", municipality), simulator)

    def _session(self, **kwargs: Any) -> OAuth2Session:
        session = OAuth2Session(
            self.client_id,
            self._secret,
            scope=SCOPE,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106
            **kwargs,
        )
        return self._prepare(session)

    def _prepare(self, session: Any) -> Any:
        session.trust_env = False
        if self.config.simulated:
            simulator = self._simulator or default_simulator()
            session.mount(self.config.base_url + "/", WSGIAdapter(simulator))
        elif self.config.ca_bundle:
            session.verify = self.config.ca_bundle
        return session

    def _get(self, url: str) -> dict[str, Any]:
        try:
            response = self._prepare(requests.Session()).get(
                url, timeout=self.config.timeout
            )
        except requests.RequestException as exc:
            raise Unavailable(f"IDP: {type(exc).__name__}") from None
        if response.status_code >= 400:
            raise Unavailable(f"IDP: HTTP {response.status_code} from {url}")
        try:
            data: dict[str, Any] = response.json()
        except ValueError:
            raise Unavailable("IDP: not JSON") from None
        return data

    def discovery(self) -> dict[str, Any]:
        return self._get(self.config.base_url + "/.well-known/openid-configuration")

    def start(self, redirect_uri: str, browser_base: str | None = None) -> SignIn:
        """The provider's sign-in URL for the browser; ``browser_base`` replaces
        the provider's own address (the simulator mounted in PKIP)."""
        endpoint = str(self.discovery()["authorization_endpoint"])
        if browser_base and self.config.simulated:
            endpoint = browser_base.rstrip("/") + "/authorize"
        verifier, nonce, state = (
            generate_token(48),
            generate_token(24),
            generate_token(24),
        )
        url, _ = self._session(redirect_uri=redirect_uri).create_authorization_url(
            endpoint, state=state, nonce=nonce, code_verifier=verifier
        )
        return SignIn(url, state, nonce, verifier)

    def finish(self, code: str, redirect_uri: str, sign_in: SignIn) -> dict[str, Any]:
        """The checked claims of the ID token the code is exchanged for."""
        meta = self.discovery()
        session = self._session(redirect_uri=redirect_uri)
        try:
            token = session.fetch_token(
                str(meta["token_endpoint"]),
                code=code,
                code_verifier=sign_in.code_verifier,
                timeout=self.config.timeout,
            )
        except requests.RequestException as exc:
            raise Unavailable(f"IDP: {type(exc).__name__}") from None
        except Exception as exc:  # noqa: BLE001 - Authlib's OAuth errors, bad JSON
            raise Rejected(f"IDP token: {type(exc).__name__}: {exc}") from None
        id_token = token.get("id_token")
        if not id_token:
            raise Rejected("IDP: no id_token in the answer")
        published: Any = self._get(str(meta["jwks_uri"]))
        keys = KeySet.import_key_set(published)
        try:
            claims = dict(jwt.decode(id_token, keys, algorithms=["RS256"]).claims)
        except (JoseError, ValueError) as exc:
            raise Rejected(f"IDP: the ID token's signature: {exc}") from None
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if claims.get("iss") != meta["issuer"]:
            raise Rejected("IDP: the ID token's issuer is not the provider")
        if self.client_id not in audiences:
            raise Rejected("IDP: the ID token is for another system")
        if claims.get("nonce") != sign_in.nonce:
            raise Rejected("IDP: the ID token's nonce does not match")
        if int(claims.get("exp", 0)) < time.time() - 30:
            raise Rejected("IDP: the ID token has expired")
        return claims
