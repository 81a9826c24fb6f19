# SPDX-License-Identifier: EUPL-1.2
"""The administration landing page: the sections the administrator may use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l

from domain.accounts.models import AUDITOR, MUNICIPALITY_ADMIN, PLATFORM_ADMIN
from webapp.admin import bp
from webapp.auth import current_user, roles_required
from webapp.nav import roles_of


@dataclass(frozen=True)
class Section:
    endpoint: str
    label: Any
    description: Any
    roles: frozenset[str]


_ADMINS = frozenset({MUNICIPALITY_ADMIN, PLATFORM_ADMIN})

SECTIONS = (
    Section(
        "admin.users",
        _l("Users"),
        _l("Create users, give roles and departments, disable, reset passwords."),
        _ADMINS,
    ),
    Section(
        "admin.departments",
        _l("Departments"),
        _l("Departments, their heads and members: who sees which queue of tasks."),
        _ADMINS,
    ),
    Section(
        "admin.substitutions",
        _l("Substitutes"),
        _l("Who works on an absent colleague's tasks, and for how long."),
        _ADMINS,
    ),
    Section(
        "admin.directory_settings",
        _l("Directory (LDAP)"),
        _l("Users and groups from the municipality's LDAP directory, synchronised."),
        _ADMINS,
    ),
    Section(
        "admin.import_users",
        _l("Import users"),
        _l("Create many users at once from a CSV file."),
        _ADMINS,
    ),
    Section(
        "admin.log",
        _l("Administration log"),
        _l("Every change of users, roles, departments and substitutes."),
        frozenset({MUNICIPALITY_ADMIN, PLATFORM_ADMIN, AUDITOR}),
    ),
    Section(
        "audit.index",
        _l("Audit log"),
        _l(
            "Search the hash-chained log of sign-ins, administration, cases opened, "
            "downloads and outside calls by person, case, system and period; CSV."
        ),
        frozenset({AUDITOR}),
    ),
    Section(
        "admin.municipalities",
        _l("Municipalities"),
        _l("Municipalities on the platform and their administrators."),
        frozenset({PLATFORM_ADMIN}),
    ),
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


ACTIONS = {
    "user.create": _l("user created"),
    "user.update": _l("user changed"),
    "user.disable": _l("user disabled"),
    "user.enable": _l("user enabled"),
    "user.password_reset": _l("one-time password set"),
    "user.password_change": _l("password changed by the user"),
    "directory.config": _l("directory settings changed"),
    "directory.map": _l("directory group mapped"),
    "directory.unmap": _l("directory group mapping removed"),
    "department.create": _l("department created"),
    "department.update": _l("department changed"),
    "department.members": _l("department members changed"),
    "substitution.create": _l("substitution set"),
    "substitution.end": _l("substitution ended"),
    "municipality.create": _l("municipality created"),
    "municipality.update": _l("municipality changed"),
    "task.reassign": _l("task reassigned"),
}
"""What each administration log action is called on the pages."""


@bp.context_processor
def _actions() -> dict[str, Any]:
    return {"admin_actions": ACTIONS}
