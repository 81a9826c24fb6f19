# SPDX-License-Identifier: EUPL-1.2
"""LdapClient: reads people and groups and checks passwords by a bind, through ldap3.

Every failure is one of the connector errors: the server unreachable or timing out
is ``Unavailable`` (the sync keeps everything as it is, sign-in says the directory
is down); a refused service bind or a bad search base is ``Rejected``. A wrong user
password is no error: ``authenticate`` answers False.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ldap3
from ldap3.core import exceptions as ldap_errors

from connectors.errors import Rejected, Unavailable
from connectors.systems.ldap.contract import (
    GROUP_FILTER,
    MOCK_SCHEME,
    UAC_ACCOUNTDISABLE,
    DirectoryEntry,
    LdapSettings,
)

PAGE_SIZE = 500


def _first(entry: dict[str, Any], name: str) -> str:
    if not name:
        return ""
    value = entry.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return "" if value is None else str(value)


def _many(entry: dict[str, Any], name: str) -> list[str]:
    if not name:
        return []
    value = entry.get(name)
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


class LdapClient:
    def __init__(self, settings: LdapSettings, server: Any = None) -> None:
        self.settings = settings
        self._server = server

    # -- connections -----------------------------------------------------------------
    def _make_server(self) -> Any:
        if self._server is not None:
            return self._server
        if self.settings.url.startswith(MOCK_SCHEME):
            from connectors.systems.ldap.simulator import default_simulator

            return default_simulator().server
        return ldap3.Server(
            self.settings.url,
            connect_timeout=self.settings.timeout,
            get_info=ldap3.NONE,
        )

    def _connect(self, user: str, password: str) -> Any:
        server = self._make_server()
        strategy = (
            ldap3.MOCK_SYNC if self.settings.url.startswith(MOCK_SCHEME) else ldap3.SYNC
        )
        if strategy == ldap3.MOCK_SYNC:
            from connectors.systems.ldap.simulator import default_simulator

            default_simulator().check_up()
        return ldap3.Connection(
            server,
            user=user or None,
            password=password or None,
            client_strategy=strategy,
            receive_timeout=self.settings.timeout,
            raise_exceptions=False,
            read_only=True,
        )

    def _bind(self, conn: Any) -> bool:
        """Open and bind; a connection that fails is closed (ldap3 leaves the
        socket of a refused connection open)."""
        try:
            return bool(conn.bind())
        except ldap_errors.LDAPException as exc:
            sock = getattr(conn, "socket", None)
            if sock is not None:
                sock.close()
            raise Unavailable(f"directory unreachable: {type(exc).__name__}") from exc

    def _service(self) -> Any:
        """A connection bound as the service account (or anonymous)."""
        if self.settings.bind_dn and not self.settings.password:
            raise Rejected(
                "no password for the service account (its environment variable "
                "is not set)"
            )
        conn = self._connect(self.settings.bind_dn, self.settings.password)
        if not self._bind(conn):
            conn.unbind()
            raise Rejected("the directory refused the service bind")
        return conn

    # -- reading ---------------------------------------------------------------------
    def _search(
        self, conn: Any, base: str, search_filter: str, names: list[str]
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        try:
            results = conn.extend.standard.paged_search(
                base,
                search_filter,
                search_scope=ldap3.SUBTREE,
                attributes=names or [ldap3.NO_ATTRIBUTES],
                paged_size=PAGE_SIZE,
                generator=False,
            )
        except ldap_errors.LDAPException as exc:
            raise Unavailable(f"directory search failed: {type(exc).__name__}") from exc
        if conn.result and conn.result.get("result") not in (0, None):
            raise Rejected(
                f"search of {base} refused: {conn.result.get('description')}"
            )
        for item in results or ():
            if item.get("type") == "searchResEntry":
                yield item["dn"], dict(item.get("attributes") or {})

    def people(self) -> list[DirectoryEntry]:
        """Everyone the user filter finds under the user base, with their groups."""
        s = self.settings
        keys = ("username", "full_name", "email", "member_of", "uac", "locked")
        names = {k: s.attribute(k) for k in keys}
        conn = self._service()
        try:
            raw = list(
                self._search(
                    conn, s.user_base, s.filter(), [n for n in names.values() if n]
                )
            )
            members: dict[str, set[str]] = {}
            if not names["member_of"] and s.group_base:
                for group_dn, attrs in self._search(
                    conn, s.group_base, GROUP_FILTER, ["member", "uniqueMember"]
                ):
                    for member in _many(attrs, "member") + _many(attrs, "uniqueMember"):
                        members.setdefault(member.lower(), set()).add(group_dn.lower())
        finally:
            conn.unbind()
        found = []
        for dn, attrs in raw:
            groups = {g.lower() for g in _many(attrs, names["member_of"])}
            groups |= members.get(dn.lower(), set())
            disabled = bool(names["locked"] and _many(attrs, names["locked"]))
            uac = _first(attrs, names["uac"])
            if uac.strip().lstrip("-").isdigit() and int(uac) & UAC_ACCOUNTDISABLE:
                disabled = True
            found.append(
                DirectoryEntry(
                    dn=dn,
                    username=_first(attrs, names["username"]),
                    full_name=_first(attrs, names["full_name"]),
                    email=_first(attrs, names["email"]),
                    groups=frozenset(groups),
                    disabled=disabled,
                )
            )
        return found

    def authenticate(self, dn: str, password: str) -> bool:
        """True when the directory accepts ``password`` for ``dn`` (a simple bind as
        the person). An empty password is refused here: LDAP would take it for an
        anonymous bind and say yes."""
        if not dn or not password:
            return False
        conn = self._connect(dn, password)
        try:
            ok = self._bind(conn)
            result = conn.result or {}
        finally:
            if conn.bound or not conn.closed:
                conn.unbind()
        if not ok and result.get("result") not in (49, 48, 50, 53, 32, 34):
            # 49 invalidCredentials, 48/50/53 refused, 32/34 no such / bad DN
            raise Unavailable(f"directory bind failed: {result.get('description')}")
        return ok
