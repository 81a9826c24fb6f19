# SPDX-License-Identifier: EUPL-1.2
"""The administration landing page: the sections the administrator may use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l

from domain.accounts.models import MUNICIPALITY_ADMIN, PLATFORM_ADMIN
from webapp.admin import bp
from webapp.auth import current_user, roles_required
from webapp.nav import roles_of


@dataclass(frozen=True)
class Section:
    endpoint: str
    label: Any
    description: Any
    roles: frozenset[str]


SECTIONS = (
    Section(
        "admin.tokens",
        _l("API tokens"),
        _l("Tokens with which other systems use the REST API for the municipality."),
        frozenset({MUNICIPALITY_ADMIN, PLATFORM_ADMIN}),
    ),
    Section(
        "api_reference.index",
        _l("REST API reference"),
        _l("What other systems can do through the API, and how."),
        frozenset({MUNICIPALITY_ADMIN, PLATFORM_ADMIN}),
    ),
    Section(
        "oidc.clients",
        _l("Single sign-on systems"),
        _l("Systems of the municipality that sign staff in through PKIP."),
        frozenset({PLATFORM_ADMIN}),
    ),
    Section(
        "status.index",
        _l("Platform status"),
        _l("Database, processes, instances, tasks and incidents of the platform."),
        frozenset({PLATFORM_ADMIN}),
    ),
)


@bp.get("/")
@roles_required(*roles_of("admin.index"))
def index() -> str:
    user = current_user()
    assert user is not None
    sections = [s for s in SECTIONS if user.has_role(*s.roles)]
    return render_template("admin/index.html", sections=sections)
