# SPDX-License-Identifier: EUPL-1.2
"""The municipality's LDAP directory (OpenLDAP, Active Directory) through ldap3.

``client.py``: ``LdapClient`` reads people with their groups and whether they are
disabled, and checks a person's password by a bind; ``contract.py``: the settings
(``LdapSettings``, the OpenLDAP and AD attribute presets) and ``DirectoryEntry``;
``simulator.py``: an in-process directory (ldap3's mock strategy, URL ``mock://``).
The sync that uses them is domain/accounts/directory.py, wired in pkip/directory.py.
"""

from connectors.systems.ldap.client import LdapClient
from connectors.systems.ldap.contract import DirectoryEntry, LdapSettings
from connectors.systems.ldap.operators import register
from connectors.systems.ldap.simulator import LdapSimulator, default_simulator

__all__ = [
    "DirectoryEntry",
    "LdapClient",
    "LdapSettings",
    "LdapSimulator",
    "default_simulator",
    "register",
]
