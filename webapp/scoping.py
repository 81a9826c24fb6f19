# SPDX-License-Identifier: EUPL-1.2
"""Municipality scoping: every query a page or the API makes goes through these, so a
user of one municipality never sees another's records — another municipality's id
is answered with 404, exactly like an id that does not exist.

    stmt = scoped(select(UserTask), UserTask.municipality)
    inst = get_scoped_or_404(db, ProcessInstance, instance_id)
    defs = scoped(select(ProcessDefinition), ProcessDefinition.municipality,
                  include_base=True)   # the base ("") is shared by everyone
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort
from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from engine.models import BASE_VARIANT
from webapp.auth import current_municipality

T = TypeVar("T")
S = TypeVar("S", bound=Select[Any])


def scope_condition(
    column: InstrumentedAttribute[str] | ColumnElement[str],
    *,
    include_base: bool = False,
) -> ColumnElement[bool]:
    """``column`` equals the current municipality (or is the shared base)."""
    municipality = current_municipality()
    if include_base:
        return column.in_((municipality, BASE_VARIANT))
    return column == municipality


def scoped(
    stmt: S,
    column: InstrumentedAttribute[str] | ColumnElement[str],
    *,
    include_base: bool = False,
) -> S:
    """``stmt`` limited to the current municipality's rows."""
    return stmt.where(scope_condition(column, include_base=include_base))


def in_scope(
    obj: Any, *, attribute: str = "municipality", include_base: bool = False
) -> bool:
    value: str = getattr(obj, attribute)
    if include_base and value == BASE_VARIANT:
        return True
    return value == current_municipality()


def get_scoped_or_404(
    session: Session,
    model: type[T],
    ident: Any,
    *,
    attribute: str = "municipality",
    include_base: bool = False,
) -> T:
    """The row with primary key ``ident`` if it belongs to the current municipality;
    404 otherwise (also for ids of other municipalities)."""
    obj = session.get(model, ident)
    if obj is None or not in_scope(obj, attribute=attribute, include_base=include_base):
        abort(404)
    return obj
