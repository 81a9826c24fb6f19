# SPDX-License-Identifier: EUPL-1.2
"""LdapSimulator: an in-process directory serving the same contract as a real one,
through ldap3's mock strategy (the same searches, the same simple binds), for the
demo and development without a slapd. A directory URL ``mock://`` reaches it.

It has no HTTP side (LDAP is not HTTP), so webapp/sim.py does not mount it; the
tests run against a real OpenLDAP (tests/connectors/ldap_server.py) and this one.
"""

from __future__ import annotations

import threading
from typing import Any

import ldap3

from connectors.errors import Unavailable
from connectors.simkit import ANY, FaultPlan
from connectors.systems.ldap.fixtures import DEMO_ENTRIES


class LdapSimulator:
    def __init__(self, entries: list[tuple[str, dict[str, Any]]] | None = None) -> None:
        self.server = ldap3.Server("pkip-ldap-simulator", get_info=ldap3.NONE)
        self.faults = FaultPlan()
        self._lock = threading.Lock()
        self._entries = list(DEMO_ENTRIES if entries is None else entries)
        self._loaded = False

    def check_up(self) -> None:
        """Load the entries once (into the server's shared mock directory) and raise
        ``Unavailable`` when a fault ``down`` was injected."""
        if self.faults.take(ANY) is not None:
            raise Unavailable("the directory simulator is down (injected)")
        with self._lock:
            if self._loaded:
                return
            conn = ldap3.Connection(self.server, client_strategy=ldap3.MOCK_SYNC)
            for dn, attrs in self._entries:
                conn.strategy.add_entry(dn, attrs)
            self._loaded = True


_default: LdapSimulator | None = None


def default_simulator() -> LdapSimulator:
    global _default
    if _default is None:
        _default = LdapSimulator()
    return _default
