# SPDX-License-Identifier: EUPL-1.2
"""The directory sync and the directory sign-in, wired: the municipality's
configuration (domain/accounts/directory.py) turned into an LDAP client
(connectors/systems/ldap), read outside any transaction, applied in one.

The directory is only read, never changed, so these calls do not go through the
outbox (which carries what changes the outside world); a directory that cannot be
reached changes nothing here and the next run tries again.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

from connectors.errors import ConnectorError
from connectors.systems.ldap import LdapClient, LdapSettings
from domain.accounts import directory
from domain.accounts.models import DirectoryConfig
from pkip.platform import Platform

log = logging.getLogger(__name__)


class DirectoryDown(Exception):
    """The directory could not answer (sign-in: say so, the user tries later)."""


def settings_of(
    config: DirectoryConfig, environ: Mapping[str, str] | None = None
) -> LdapSettings:
    environ = os.environ if environ is None else environ
    return LdapSettings(
        url=config.url,
        user_base=config.user_base,
        bind_dn=config.bind_dn,
        password=environ.get(config.password_env, "") if config.password_env else "",
        user_filter=config.user_filter,
        group_base=config.group_base,
        preset=config.preset,
        attributes=dict(config.attributes or {}),
        timeout=config.timeout,
    )


def client_for(config: DirectoryConfig) -> LdapClient:
    return LdapClient(settings_of(config))


@dataclass(frozen=True)
class SyncOutcome:
    municipality: str
    report: directory.SyncReport | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.report is not None


def sync_municipality(platform: Platform, municipality: str) -> SyncOutcome:
    """Read the municipality's directory and apply it; a failure to read (or a
    refusal to act on what was read) is recorded on the configuration, logged,
    and changes no user."""
    with platform.transaction(readonly=True) as db:
        config = directory.config_of(db, municipality)
        if config is None:
            raise directory.DirectoryError(
                "municipality", "not_configured", municipality
            )
        client = client_for(config)
    try:
        people = client.people()
        with platform.transaction() as db:
            report = directory.sync(
                db, municipality, people, now=platform.engine_config.clock()
            )
            directory.record_success(
                db, municipality, report, now=platform.engine_config.clock()
            )
    except (ConnectorError, directory.DirectoryRefused) as exc:
        reason = f"{type(exc).__name__}: {exc}"
        log.warning("directory sync of %s failed: %s", municipality, reason)
        with platform.transaction() as db:
            directory.record_failure(
                db, municipality, reason, now=platform.engine_config.clock()
            )
        return SyncOutcome(municipality, None, reason)
    if report.changed or report.conflicts:
        log.info("directory sync of %s: %s", municipality, report.as_dict())
    return SyncOutcome(municipality, report)


def sync_all(platform: Platform) -> list[SyncOutcome]:
    """Every enabled directory, one municipality after another; one failing does
    not stop the others."""
    with platform.transaction(readonly=True) as db:
        codes = [c.municipality for c in directory.configured(db)]
    return [sync_municipality(platform, code) for code in codes]


def check_password(
    platform: Platform, login: directory.DirectoryLogin, password: str
) -> bool:
    """Does the directory accept this password for this user (a bind as them)?
    ``DirectoryDown`` when it cannot say."""
    with platform.transaction(readonly=True) as db:
        config = directory.config_of(db, login.municipality)
        if config is None or not config.enabled:
            raise DirectoryDown(f"no directory for {login.municipality}")
        client = client_for(config)
    try:
        return client.authenticate(login.dn, password)
    except ConnectorError as exc:
        log.warning("directory sign-in of %s: %s", login.municipality, exc)
        raise DirectoryDown(str(exc)) from exc
