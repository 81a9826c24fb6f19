# SPDX-License-Identifier: EUPL-1.2
"""The latvija.lv identity provider's SAML 2.0 contract, shared by the service
provider (``client.py``, PKIP's portal) and the simulator: the bindings, the
attributes a response carries and what PKIP makes of them (``Identity``).

Provisional where latvija.lv publishes nothing openly (see CONTRACT.md): the
company attributes' names and the name-id format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.saml import NAMEID_FORMAT_PERSISTENT

SYSTEM: Final = "LATVIJA"

REQUEST_BINDING: Final = BINDING_HTTP_REDIRECT
"""The AuthnRequest reaches the identity provider as a browser redirect."""
RESPONSE_BINDING: Final = BINDING_HTTP_POST
"""The signed Response comes back as a browser form post to the ACS."""
NAME_ID_FORMAT: Final = NAMEID_FORMAT_PERSISTENT

# Attribute names: the claim URIs latvija.lv has long used for a person (its
# WS-Federation heritage), carried as SAML 2.0 attributes with the URI name format.
_CLAIMS: Final = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
PERSONAL_CODE: Final = _CLAIMS + "privatepersonalidentifier"
GIVEN_NAME: Final = _CLAIMS + "givenname"
SURNAME: Final = _CLAIMS + "surname"
# Provisional: the names of a representative's company attributes.
LEGAL_ENTITY_CODE: Final = "urn:lv:latvija:attributes:legal-entity-code"
LEGAL_ENTITY_NAME: Final = "urn:lv:latvija:attributes:legal-entity-name"
AUTHN_METHOD: Final = "urn:lv:latvija:attributes:authn-method"
ATTRIBUTES: Final = (
    PERSONAL_CODE,
    GIVEN_NAME,
    SURNAME,
    LEGAL_ENTITY_CODE,
    LEGAL_ENTITY_NAME,
    AUTHN_METHOD,
)

AUTHN_CONTEXT: Final = (
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
)
ASSERTION_MINUTES: Final = 5
"""How long an assertion is valid after it was issued."""
CLOCK_SKEW_SECONDS: Final = 60


@dataclass(frozen=True)
class Company:
    """The company a person acts for (a representative's sign-in)."""

    registration_number: str
    name: str


@dataclass(frozen=True)
class Identity:
    """Who signed in, as a validated response says: a person, possibly acting for
    a company. ``assertion_id`` and ``in_response_to`` are for replay checks."""

    personal_code: str
    given_name: str
    surname: str
    company: Company | None
    assertion_id: str
    in_response_to: str
    name_id: str

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.surname}".strip()


def _one(ava: Mapping[str, Sequence[str]], name: str) -> str:
    values = ava.get(name) or []
    return str(values[0]).strip() if values else ""


def identity_from(
    ava: Mapping[str, Sequence[str]],
    *,
    assertion_id: str,
    in_response_to: str,
    name_id: str,
) -> Identity | None:
    """The identity in a response's attributes, or None when the personal code,
    the name or half of a company is missing."""
    code = _one(ava, PERSONAL_CODE)
    given, surname = _one(ava, GIVEN_NAME), _one(ava, SURNAME)
    reg, company_name = _one(ava, LEGAL_ENTITY_CODE), _one(ava, LEGAL_ENTITY_NAME)
    if not code or not (given or surname) or bool(reg) != bool(company_name):
        return None
    return Identity(
        personal_code=code,
        given_name=given,
        surname=surname,
        company=Company(reg, company_name) if reg else None,
        assertion_id=assertion_id,
        in_response_to=in_response_to,
        name_id=name_id,
    )
