# SPDX-License-Identifier: EUPL-1.2
"""Municipality scoping, Flask-free: every query a page, the API, a job or a service
makes goes through these, so a user of one municipality never sees another's
records. The web layer (webapp/scoping.py) passes the signed-in municipality and
answers a row out of scope with 404, exactly like an id that does not exist.

    stmt = scoped(select(UserTask), UserTask.municipality, municipality)
    inst = get_scoped(db, ProcessInstance, instance_id, municipality)  # or None
    defs = scoped(select(ProcessDefinition), ProcessDefinition.municipality,
                  municipality, include_base=True)  # the base ("") is shared
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from engine.models import BASE_VARIANT

T = TypeVar("T")
S = TypeVar("S", bound=Select[Any])


def scope_condition(
    column: InstrumentedAttribute[str] | ColumnElement[str],
    municipality: str,
    *,
    include_base: bool = False,
) -> ColumnElement[bool]:
    """``column`` equals ``municipality`` (or is the shared base)."""
    if include_base:
        return column.in_((municipality, BASE_VARIANT))
    return column == municipality


def scoped(
    stmt: S,
    column: InstrumentedAttribute[str] | ColumnElement[str],
    municipality: str,
    *,
    include_base: bool = False,
) -> S:
    """``stmt`` limited to ``municipality``'s rows."""
    return stmt.where(scope_condition(column, municipality, include_base=include_base))


def in_scope(
    obj: Any,
    municipality: str,
    *,
    attribute: str = "municipality",
    include_base: bool = False,
) -> bool:
    value: str = getattr(obj, attribute)
    if include_base and value == BASE_VARIANT:
        return True
    return value == municipality


def get_scoped(
    session: Session,
    model: type[T],
    ident: Any,
    municipality: str,
    *,
    attribute: str = "municipality",
    include_base: bool = False,
) -> T | None:
    """The row with primary key ``ident`` if it belongs to ``municipality``; None
    otherwise (also for ids of other municipalities)."""
    obj = session.get(model, ident)
    if obj is None or not in_scope(
        obj, municipality, attribute=attribute, include_base=include_base
    ):
        return None
    return obj
