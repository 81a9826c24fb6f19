# SPDX-License-Identifier: EUPL-1.2
"""What an API token may do: never more than the person who created it.

A scope of the REST API is what some roles may do through it (``SCOPE_ROLES``; the
API's ``access(scope, *roles)`` guards say the same, and a test holds the two
equal). A token is created with scopes its creator's roles grant (checked in
``services.create_api_token``), and at every use its scopes are cut down to what
the creator may do *now*: a creator who lost a role, or who was deactivated, takes
the token's rights with them (``token_rights``).

Actions by a token are recorded as ``token:<id>`` (stable: a token is never
deleted nor renamed, its creator never changes); ``actor_labels`` turns such an
actor into the token's name and its creator's name for display.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.accounts.models import (
    ANALYST,
    AUDITOR,
    MUNICIPALITY_ADMIN,
    PLATFORM_ADMIN,
    SPECIALIST,
    SUPERVISOR,
    ApiToken,
    User,
)

SCOPE_ROLES: Mapping[str, frozenset[str]] = {
    "definitions:read": frozenset(
        {ANALYST, PLATFORM_ADMIN, MUNICIPALITY_ADMIN, SPECIALIST, SUPERVISOR}
    ),
    "definitions:deploy": frozenset({ANALYST, PLATFORM_ADMIN}),
    "instances:read": frozenset({SPECIALIST, SUPERVISOR, MUNICIPALITY_ADMIN}),
    "instances:start": frozenset({SPECIALIST, SUPERVISOR}),
    "tasks:read": frozenset({SPECIALIST, SUPERVISOR}),
    "tasks:write": frozenset({SPECIALIST, SUPERVISOR}),
    "cases:read": frozenset({SPECIALIST, SUPERVISOR, MUNICIPALITY_ADMIN}),
    # the intake queue's: a specialist only in a registry department (webapp/nav.py)
    "intake:read": frozenset({SPECIALIST, SUPERVISOR, MUNICIPALITY_ADMIN}),
    "intake:write": frozenset({SPECIALIST, SUPERVISOR, MUNICIPALITY_ADMIN}),
    # the central audit log: searched by auditors, written by the municipality's
    # other systems with a token an administrator creates for them
    "audit:read": frozenset({AUDITOR}),
    "audit:write": frozenset({MUNICIPALITY_ADMIN}),
}
"""The roles that may do what a scope allows (the REST API's guards)."""

TOKEN_ACTOR_PREFIX = "token:"  # noqa: S105 - a marker, not a secret

# Why a token has fewer rights than its scopes say (``TokenRights.limited_by``).
CREATOR_MISSING = "creator_missing"
CREATOR_INACTIVE = "creator_inactive"
CREATOR_MOVED = "creator_moved"
"""The creator now belongs to another municipality than the token."""
CREATOR_ROLES = "creator_roles"


def grantable_scopes(roles: Collection[str]) -> frozenset[str]:
    """The scopes a person with ``roles`` may put on a token."""
    return frozenset(s for s, allowed in SCOPE_ROLES.items() if allowed & set(roles))


@dataclass(frozen=True)
class TokenRights:
    """What a token may do now, and on whose behalf."""

    scopes: frozenset[str]
    creator: str
    """The creator's username (``ApiToken.created_by``)."""
    creator_name: str
    departments: frozenset[str] = frozenset()
    """The creator's departments: the task groups the token works in."""
    supervisor: bool = False
    limited_by: str | None = None
    """None, or why some of the token's scopes are not among ``scopes``."""
    creator_state: tuple[object, ...] = ()
    """The creator's (rights version, active, municipality) these rights were
    computed from (``creator_state``): rights cached elsewhere are stale when the
    creator's state differs."""


def still_valid(session: Session, token_id: int, rights: TokenRights) -> bool:
    """Whether rights computed earlier for a token still hold: the token is not
    revoked and its creator's (rights version, active, municipality) are the same
    (one indexed query, for caches of verified tokens)."""
    row = session.execute(
        select(ApiToken.revoked_at, User.rights_version, User.active, User.municipality)
        .select_from(ApiToken)
        .outerjoin(User, User.username == ApiToken.created_by)
        .where(ApiToken.id == token_id)
    ).first()
    if row is None or row[0] is not None:
        return False
    state = tuple(row[1:]) if row[1] is not None else ()
    return state == rights.creator_state


def token_rights(session: Session, token: ApiToken) -> TokenRights:
    """The token's scopes that its creator may still use, with the creator's
    groups (a token sees and does in the inbox what its creator would)."""
    creator = session.scalars(
        select(User).where(User.username == token.created_by)
    ).first()
    if creator is None:
        return TokenRights(
            frozenset(), token.created_by, token.created_by, limited_by=CREATOR_MISSING
        )
    state = (creator.rights_version, creator.active, creator.municipality)
    if not creator.active:
        return _none(creator, CREATOR_INACTIVE, state)
    roles = creator.roles
    if creator.municipality != token.municipality and PLATFORM_ADMIN not in roles:
        return _none(creator, CREATOR_MOVED, state)
    wanted = frozenset(token.scopes)
    scopes = wanted & grantable_scopes(roles)
    return TokenRights(
        scopes=scopes,
        creator=creator.username,
        creator_name=creator.full_name,
        departments=creator.department_keys,
        supervisor=SUPERVISOR in roles,
        limited_by=None if scopes == wanted else CREATOR_ROLES,
        creator_state=state,
    )


def _none(creator: User, reason: str, state: tuple[object, ...]) -> TokenRights:
    return TokenRights(
        frozenset(),
        creator.username,
        creator.full_name,
        limited_by=reason,
        creator_state=state,
    )


def token_actor(token: ApiToken) -> str:
    """How the engine records an action by ``token`` (history, assignee, …)."""
    return f"{TOKEN_ACTOR_PREFIX}{token.id}"


def actor_labels(session: Session, actors: Iterable[str | None]) -> dict[str, str]:
    """Display names of recorded actors (two queries at most): a username → the
    person's full name; ``token:<id>`` → "the creator's full name (API: the
    token's name)", so a token's action always names the person behind it."""
    wanted = {a for a in actors if a}
    token_ids = {
        int(a.removeprefix(TOKEN_ACTOR_PREFIX))
        for a in wanted
        if a.startswith(TOKEN_ACTOR_PREFIX)
        and a.removeprefix(TOKEN_ACTOR_PREFIX).isdigit()
    }
    tokens = (
        session.execute(
            select(ApiToken.id, ApiToken.name, ApiToken.created_by).where(
                ApiToken.id.in_(sorted(token_ids))
            )
        ).all()
        if token_ids
        else []
    )
    usernames = {a for a in wanted if not a.startswith(TOKEN_ACTOR_PREFIX)}
    usernames |= {created_by for _id, _name, created_by in tokens}
    names = dict(
        session.execute(
            select(User.username, User.full_name).where(
                User.username.in_(sorted(usernames))
            )
        ).all()
        if usernames
        else []
    )
    labels = {u: names[u] for u in usernames & wanted if u in names}
    for token_id, name, created_by in tokens:
        person = names.get(created_by, created_by)
        labels[f"{TOKEN_ACTOR_PREFIX}{token_id}"] = f"{person} (API: {name})"
    return labels
