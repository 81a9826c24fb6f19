# SPDX-License-Identifier: EUPL-1.2
"""The applications of the universal workplace: the navigation bar's entries, who may
use each, and a placeholder page for each one not built yet.

An application is reached at its ``endpoint``. Until a blueprint registers a view
with that endpoint (blueprint ``inbox`` with a view ``index`` → ``inbox.index``), a
placeholder page ("vēl nav pieejams") answers at ``path`` with the same endpoint
name, so ``url_for("inbox.index")`` works from the start. Registering the real view
replaces the placeholder with no other change; its URL may differ from ``path``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l

from domain.accounts.models import (
    ANALYST,
    AUDITOR,
    FINANCE,
    MUNICIPALITY_ADMIN,
    PLATFORM_ADMIN,
    REGISTRY_CLERK,
    SERVICE_OWNER,
    SPECIALIST,
    SUPERVISOR,
    VPVKAC_CLERK,
)
from webapp.auth import AuthUser, roles_required


@dataclass(frozen=True)
class App:
    endpoint: str
    label: Any  # a lazy translated string
    roles: frozenset[str]
    path: str
    description: Any = ""
    departments: frozenset[str] = frozenset()
    """When set, a specialist must be in one of these departments (the other
    roles pass): the registry clerks' intake queue."""

    def may_use(self, user: AuthUser) -> bool:
        if not user.has_role(*self.roles):
            return False
        if not self.departments or user.has_role(*(self.roles - {SPECIALIST})):
            return True
        return not user.departments.isdisjoint(self.departments)

    @property
    def blueprint(self) -> str:
        return self.endpoint.partition(".")[0]


APPS = (
    App(
        "inbox.index",
        _l("Inbox"),
        frozenset({SPECIALIST, SUPERVISOR, SERVICE_OWNER}),
        "/inbox/",
        _l("Your tasks and your departments' unassigned tasks."),
    ),
    App(
        "cases.index",
        _l("Cases"),
        frozenset({SPECIALIST, SUPERVISOR, MUNICIPALITY_ADMIN}),
        "/cases/",
        _l("Service cases of the municipality, their status and history."),
    ),
    App(
        "intake.index",
        _l("Incoming"),
        frozenset({SPECIALIST, SUPERVISOR, MUNICIPALITY_ADMIN, REGISTRY_CLERK}),
        "/intake/",
        _l("Letters and applications received by e-address, DIV, post and VPVKAC."),
        departments=frozenset({"lietvedis"}),
    ),
    App(
        "intake.vpvkac",
        _l("One-stop centre"),
        frozenset({VPVKAC_CLERK}),
        "/intake/vpvkac",
        _l("Take an application for any municipality's service."),
    ),
    App(
        "start.index",
        _l("Start a service"),
        frozenset({SPECIALIST, SUPERVISOR}),
        "/start/",
        _l("Register an application and start a service case."),
    ),
    App(
        "documents.print_queue",
        _l("Print queue"),
        frozenset({SPECIALIST, SUPERVISOR}),
        "/documents/print-queue",
        _l("Results for clients without an e-address: print, post, hand over."),
    ),
    App(
        "documents.templates",
        _l("Document templates"),
        frozenset({ANALYST, MUNICIPALITY_ADMIN}),
        "/documents/templates/",
        _l("Templates of decisions, permits and notices, with a PDF preview."),
    ),
    App(
        "catalogue.index",
        _l("Service catalogue"),
        frozenset({ANALYST, SERVICE_OWNER, SUPERVISOR, MUNICIPALITY_ADMIN}),
        "/catalogue/",
        _l("Service cards: create, review, approve and publish them to PSPP."),
    ),
    App(
        "payments.index",
        _l("Payments"),
        frozenset({FINANCE}),
        "/payments/",
        _l(
            "Payment requests by period and state, their sums, and reconciliation "
            "with the payment module."
        ),
    ),
    App(
        "dashboard.index",
        _l("Dashboard"),
        frozenset({SUPERVISOR, MUNICIPALITY_ADMIN}),
        "/dashboard/",
        _l("Deadlines: overdue and at-risk work by department, process and person."),
    ),
    App(
        "modeler.index",
        _l("Modeler"),
        frozenset({ANALYST, PLATFORM_ADMIN}),
        "/modeler/",
        _l("Edit, validate and deploy process diagrams."),
    ),
    App(
        "forms_editor.index",
        _l("Forms"),
        frozenset({ANALYST, PLATFORM_ADMIN}),
        "/forms/",
        _l("Build the forms of services field by field, preview and deploy them."),
    ),
    App(
        "services.index",
        _l("Service set-up"),
        frozenset({ANALYST, SUPERVISOR, PLATFORM_ADMIN}),
        "/services/",
        _l("Link a service to its process, forms and procedure, and approve it."),
    ),
    App(
        "street_trade.places",
        _l("Street trade places"),
        frozenset({ANALYST, MUNICIPALITY_ADMIN}),
        "/street-trade/places",
        _l("The permanent street trade places: list, add, deactivate."),
    ),
    App(
        "admin.index",
        _l("Administration"),
        frozenset({MUNICIPALITY_ADMIN, PLATFORM_ADMIN, AUDITOR}),
        "/admin/",
        _l("Users, departments, API tokens and the platform's status."),
    ),
)


ROLE_LABELS = {
    SPECIALIST: _l("specialist"),
    SUPERVISOR: _l("supervisor"),
    ANALYST: _l("analyst"),
    MUNICIPALITY_ADMIN: _l("municipality administrator"),
    PLATFORM_ADMIN: _l("platform administrator"),
    VPVKAC_CLERK: _l("one-stop centre clerk"),
    REGISTRY_CLERK: _l("registry clerk"),
    FINANCE: _l("finance"),
    SERVICE_OWNER: _l("service owner"),
    AUDITOR: _l("auditor"),
}


def visible_apps(user: AuthUser | None) -> list[App]:
    """The applications ``user`` may use, in the navigation bar's order."""
    if user is None:
        return []
    return [app for app in APPS if app.may_use(user)]


def active_app() -> App | None:
    """The application the current page belongs to (by its blueprint)."""
    blueprint = (request.endpoint or "").partition(".")[0]
    return next((a for a in APPS if a.blueprint == blueprint), None)


def roles_of(endpoint: str) -> frozenset[str]:
    """The roles that may use an application: ``@roles_required(*roles_of(...))``."""
    return next(a for a in APPS if a.endpoint == endpoint).roles


def _placeholder(nav_app: App) -> Callable[..., str]:
    @roles_required(*nav_app.roles)
    def view() -> str:
        return render_template("workplace/placeholder.html", app=nav_app)

    view._pkip_placeholder = True  # type: ignore[attr-defined]
    return view


def register_placeholders(app: Flask) -> None:
    """A "not available yet" page for every application without a real view.

    Call after every blueprint is registered.
    """
    for nav_app in APPS:
        if nav_app.endpoint not in app.view_functions:
            app.add_url_rule(
                nav_app.path,
                endpoint=nav_app.endpoint,
                view_func=_placeholder(nav_app),
            )
