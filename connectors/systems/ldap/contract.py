# SPDX-License-Identifier: EUPL-1.2
"""The contract in code: what PKIP reads from a directory and how to reach it.

``LdapSettings`` says where the directory is and which attribute names it uses;
``DirectoryEntry`` is one person as read, in PKIP's words (attribute names already
mapped), so the sync above never sees a vendor's attribute name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ATTRIBUTE_KEYS = ("username", "full_name", "email", "member_of", "uac", "locked")
"""What PKIP reads of a person. ``member_of``: the groups listed on the person
(AD's ``memberOf``); empty means the groups are read from ``group_base`` by their
``member`` attribute. ``uac``: AD's ``userAccountControl``, bit 2 = disabled.
``locked``: an attribute whose presence means disabled (``pwdAccountLockedTime``)."""

PRESETS: dict[str, dict[str, str]] = {
    "openldap": {
        "username": "uid",
        "full_name": "cn",
        "email": "mail",
        "member_of": "",
        "uac": "",
        "locked": "pwdAccountLockedTime",
    },
    "ad": {
        "username": "sAMAccountName",
        "full_name": "displayName",
        "email": "mail",
        "member_of": "memberOf",
        "uac": "userAccountControl",
        "locked": "",
    },
}
DEFAULT_FILTERS = {
    "openldap": "(objectClass=inetOrgPerson)",
    "ad": "(&(objectCategory=person)(objectClass=user))",
}
UAC_ACCOUNTDISABLE = 0x2
"""userAccountControl's ACCOUNTDISABLE bit (Microsoft's documentation)."""
GROUP_FILTER = "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))"
MOCK_SCHEME = "mock://"
"""A URL starting so reaches the in-process simulator (simulator.py), not a server."""


@dataclass(frozen=True)
class LdapSettings:
    url: str
    user_base: str
    bind_dn: str = ""
    password: str = ""
    user_filter: str = ""
    group_base: str = ""
    preset: str = "openldap"
    attributes: dict[str, str] = field(default_factory=dict)
    timeout: int = 5

    def attribute(self, key: str) -> str:
        """The directory's name for ``key`` (an override, else the preset's)."""
        if key in self.attributes:
            return self.attributes[key]
        return PRESETS.get(self.preset, PRESETS["openldap"]).get(key, "")

    def filter(self) -> str:
        return self.user_filter or DEFAULT_FILTERS.get(self.preset, "(objectClass=*)")


@dataclass(frozen=True)
class DirectoryEntry:
    """One person in the directory."""

    dn: str
    username: str
    full_name: str
    email: str
    groups: frozenset[str]
    """The DNs of the person's groups, lower-case."""
    disabled: bool
