# SPDX-License-Identifier: EUPL-1.2
"""Municipality scoping for pages and the API: domain/scoping.py with the signed-in
municipality, and 404 for another municipality's id, exactly like an id that does
not exist.

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

from domain import scoping
from webapp.auth import current_municipality

T = TypeVar("T")
S = TypeVar("S", bound=Select[Any])


def scope_condition(
    column: InstrumentedAttribute[str] | ColumnElement[str],
    *,
    include_base: bool = False,
) -> ColumnElement[bool]:
    """``column`` equals the current municipality (or is the shared base)."""
    return scoping.scope_condition(
        column, current_municipality(), include_base=include_base
    )


def scoped(
    stmt: S,
    column: InstrumentedAttribute[str] | ColumnElement[str],
    *,
    include_base: bool = False,
) -> S:
    """``stmt`` limited to the current municipality's rows."""
    return scoping.scoped(
        stmt, column, current_municipality(), include_base=include_base
    )


def in_scope(
    obj: Any, *, attribute: str = "municipality", include_base: bool = False
) -> bool:
    return scoping.in_scope(
        obj, current_municipality(), attribute=attribute, include_base=include_base
    )


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
    obj = scoping.get_scoped(
        session,
        model,
        ident,
        current_municipality(),
        attribute=attribute,
        include_base=include_base,
    )
    if obj is None:
        abort(404)
    return obj
