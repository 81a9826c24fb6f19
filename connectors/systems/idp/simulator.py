# SPDX-License-Identifier: EUPL-1.2
"""A municipality's OpenID Connect provider, simulated.

``GET /.well-known/openid-configuration`` and ``GET /jwks`` describe it;
``GET /authorize`` is the Latvian page where the tester picks an employee (the
provider's own sign-in page in real life); the pick (``sub``, by link or POST)
issues the code and sends the browser back; ``POST /token`` exchanges the code
(client secret, PKCE S256) for an ID token signed with the simulator's key;
``GET /userinfo`` answers a bearer token. ``GET /`` lists the employees and the
sign-ins given. Faults: operation ``token`` (``timeout``, ``http500``,
``malformed``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import secrets
import threading
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from connectors.simkit import (
    FaultPlan,
    Raw,
    dispatch,
    heading,
    html_page,
    html_table,
    json_response,
    with_faults,
)
from connectors.systems.idp.contract import (
    CALLBACK_PATH,
    DEFAULT_CLIENT_ID,
    SIMULATED_SECRET,
)
from connectors.systems.idp.fixtures import EMPLOYEES

ISSUER = "http://idp.sim.pkip"
OPERATIONS = ("token",)
CODE_SECONDS = 60


class _Request(Request):
    max_content_length = 64 * 1024


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    return json_response({"error": error, "error_description": description}, status)


class IdpSimulator:
    def __init__(self, *, issuer: str = ISSUER, stall_seconds: float = 2.0) -> None:
        self.issuer = issuer.rstrip("/")
        self.key = RSAKey.generate_key(2048, private=True)
        self.kid = self.key.thumbprint()
        self.faults = FaultPlan(OPERATIONS, stall_seconds)
        self._lock = threading.RLock()
        self._urls = Map(
            [
                Rule("/", endpoint="page", methods=["GET"]),
                Rule(
                    "/.well-known/openid-configuration",
                    endpoint="discovery",
                    methods=["GET"],
                ),
                Rule("/jwks", endpoint="jwks", methods=["GET"]),
                Rule("/authorize", endpoint="authorize", methods=["GET", "POST"]),
                Rule("/token", endpoint="token", methods=["POST"]),
                Rule("/userinfo", endpoint="userinfo", methods=["GET"]),
            ]
        )
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.faults.clear()
            self._codes: dict[str, dict[str, Any]] = {}
            self._tokens: dict[str, dict[str, Any]] = {}
            self.sign_ins: list[dict[str, Any]] = []

    def inject(self, operation: str, fault: str, count: int = 1) -> None:
        self.faults.inject(operation, fault, count)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return dispatch(self, self._urls, _Request, environ, start_response)

    # -- what the provider publishes -------------------------------------------------
    def _on_discovery(self, request: Request) -> Response:
        return json_response(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
            }
        )

    def _on_jwks(self, request: Request) -> Response:
        public = self.key.as_dict(private=False)
        public.update(kid=self.kid, use="sig", alg="RS256")
        return json_response({"keys": [public]})

    # -- the sign-in page ------------------------------------------------------------
    def _authorization_problem(self, args: Any) -> str | None:
        if args.get("client_id") != DEFAULT_CLIENT_ID:
            return "Nezināma sistēma (client_id)."
        target = urlsplit(args.get("redirect_uri", ""))
        if target.scheme not in ("http", "https") or target.path != CALLBACK_PATH:
            return "Sistēmai nav reģistrēta šāda atgriešanās adrese."
        if args.get("response_type") != "code":
            return "Atbalstīts tikai response_type=code."
        if args.get("code_challenge_method") != "S256" or not args.get(
            "code_challenge"
        ):
            return "Nepieciešams PKCE (S256)."
        return None

    def _on_authorize(self, request: Request) -> Response:
        args = request.form if request.method == "POST" else request.args
        problem = self._authorization_problem(args)
        if problem is not None:
            page = html_page("Pašvaldības konts", f"<p>{html.escape(problem)}</p>")
            page.status_code = 400
            return page
        if not args.get("sub"):
            return self._chooser(request)
        employee = next((e for e in EMPLOYEES if e["sub"] == args.get("sub")), None)
        if employee is None:
            return self._chooser(request)
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = {
                "employee": employee,
                "redirect_uri": args["redirect_uri"],
                "nonce": args.get("nonce"),
                "challenge": args["code_challenge"],
                "expires": time.time() + CODE_SECONDS,
            }
        query = {"code": code}
        if args.get("state"):
            query["state"] = args["state"]
        return redirect(f"{args['redirect_uri']}?{urlencode(query)}", 302)

    def _chooser(self, request: Request) -> Response:
        """Links, not forms: browsers hold a form to its page's CSP form-action
        through the redirects after it, and PKIP's answer may lead on to a system
        signing in through PKIP (docs/sso.md)."""
        keep = {
            k: request.args[k]
            for k in (
                "client_id",
                "redirect_uri",
                "response_type",
                "scope",
                "state",
                "nonce",
                "code_challenge",
                "code_challenge_method",
            )
            if k in request.args
        }
        base = request.script_root + "/authorize?"

        def link(employee: dict[str, Any]) -> Raw:
            href = html.escape(base + urlencode({**keep, "sub": employee["sub"]}))
            return Raw(
                f'<a href="{href}">Ienākt kā {html.escape(employee["name"])}</a>'
            )

        rows = [(e["name"], e["email"], e["department"], link(e)) for e in EMPLOYEES]
        return html_page(
            "Pašvaldības konts — ienākšana",
            "<p>Izvēlieties testa darbinieku, kura vārdā ienākt PKIP.</p>",
            html_table(("Darbinieks", "E-pasts", "Nodaļa", ""), rows),
        )

    # -- the token endpoint --------------------------------------------------------
    def _client_ok(self, request: Request) -> bool:
        client_id, secret = (
            request.form.get("client_id"),
            request.form.get("client_secret"),
        )
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header[6:]).decode()
            except ValueError:
                return False
            client_id, _, secret = decoded.partition(":")
        return client_id == DEFAULT_CLIENT_ID and hmac.compare_digest(
            secret or "", SIMULATED_SECRET
        )

    def _on_token(self, request: Request) -> Response:
        return with_faults(self.faults, "token", lambda: self._token(request))

    def _token(self, request: Request) -> Response:
        if not self._client_ok(request):
            return _oauth_error(
                "invalid_client", "Nepareizs klients vai noslēpums.", 401
            )
        form = request.form
        with self._lock:
            found = self._codes.pop(form.get("code", ""), None)
        if found is None or found["expires"] < time.time():
            return _oauth_error("invalid_grant", "Kods nav derīgs.")
        if form.get("redirect_uri") != found["redirect_uri"]:
            return _oauth_error("invalid_grant", "Cita atgriešanās adrese.")
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if not hmac.compare_digest(challenge, found["challenge"]):
            return _oauth_error("invalid_grant", "PKCE pārbaude neizdevās.")
        employee = found["employee"]
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": DEFAULT_CLIENT_ID,
            "sub": employee["sub"],
            "iat": now,
            "exp": now + 300,
            "name": employee["name"],
            "email": employee["email"],
            "preferred_username": employee["preferred_username"],
        }
        if found["nonce"]:
            claims["nonce"] = found["nonce"]
        id_token = jwt.encode(
            {"alg": "RS256", "kid": self.kid}, claims, self.key, algorithms=["RS256"]
        )
        access = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[access] = employee
            self.sign_ins.append({"employee": employee["name"], "at": now})
        return json_response(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
                "scope": "openid profile email",
            }
        )

    def _on_userinfo(self, request: Request) -> Response:
        header = request.headers.get("Authorization", "")
        with self._lock:
            employee = self._tokens.get(header.removeprefix("Bearer ").strip())
        if employee is None:
            return _oauth_error("invalid_token", "Nederīga pilnvara.", 401)
        return json_response({k: v for k, v in employee.items() if k != "department"})

    # -- the page --------------------------------------------------------------------
    def _on_page(self, request: Request) -> Response:
        with self._lock:
            given = [
                (
                    s["employee"],
                    time.strftime("%d.%m.%Y %H:%M", time.localtime(s["at"])),
                )
                for s in reversed(self.sign_ins)
            ]
        people = [(e["name"], e["email"], e["department"]) for e in EMPLOYEES]
        return html_page(
            "Pašvaldības identitātes pakalpojums (OpenID Connect)",
            heading("Darbinieki"),
            html_table(("Vārds", "E-pasts", "Nodaļa"), people),
            heading("Ienākšanas PKIP"),
            html_table(
                ("Darbinieks", "Laiks"), given, empty="Neviens vēl nav ienācis."
            ),
        )


_default: IdpSimulator | None = None
_default_lock = threading.Lock()


def default_simulator() -> IdpSimulator:
    """The process's one simulator (mounted at /sim/idp/, reached by the client)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = IdpSimulator()
        return _default
