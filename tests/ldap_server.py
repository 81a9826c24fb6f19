# SPDX-License-Identifier: EUPL-1.2
"""A private OpenLDAP for the directory tests: Debian's ``slapd`` on a free
loopback port with a generated slapd.conf, an mdb database in a temporary
directory, and a seeded tree of two municipalities.

- ``ou=riga,dc=pkip,dc=test``: OpenLDAP's attributes (uid, cn, mail; groups are
  groupOfNames with ``member``); a person is disabled by membership of
  ``cn=atspejoti,ou=groups,ou=riga,…``.
- ``ou=jelgava,dc=pkip,dc=test``: Active Directory's attribute names
  (sAMAccountName, displayName, memberOf, userAccountControl with bit 2 =
  disabled), given to slapd by a small schema of AD's own OIDs below.

The fixture (tests/conftest.py: ``slapd``) skips its tests with the reason when
slapd is not installed (a developer's machine); scripts/check-system.sh --tests
installs it, so CI runs them.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import ldap3

SLAPD = shutil.which("slapd") or (
    "/usr/sbin/slapd" if Path("/usr/sbin/slapd").exists() else None
)
SUFFIX = "dc=pkip,dc=test"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "slapd-test-root"
SERVICE_DN = f"cn=pkip-sync,{SUFFIX}"
SERVICE_PASSWORD = "sync-parole-1"
RIGA = f"ou=riga,{SUFFIX}"
JELGAVA = f"ou=jelgava,{SUFFIX}"
PASSWORDS = {
    "anna.liepa": "Anna-parole-1",
    "janis.koks": "Janis-parole-1",
    "peteris.zars": "Peteris-parole-1",
    "ilze": "Ilze-katalogs-1",
    "maris.ozols": "Maris-parole-1",
    "zane.egle": "Zane-parole-1",
}

_AD_SCHEMA = """
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.102 NAME 'memberOf'
  EQUALITY distinguishedNameMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 )
objectclass ( 1.3.6.1.4.1.99999.13.2.1 NAME 'pkipAdUser' SUP top AUXILIARY
  MAY ( sAMAccountName $ userAccountControl $ memberOf ) )
"""


def _conf(workdir: Path) -> str:
    schema = Path("/etc/ldap/schema")
    includes = "\n".join(
        f"include {schema / name}"
        for name in ("core.schema", "cosine.schema", "inetorgperson.schema")
    )
    return f"""{includes}
{_AD_SCHEMA}
pidfile {workdir / "slapd.pid"}
argsfile {workdir / "slapd.args"}
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "{SUFFIX}"
rootdn "{ROOT_DN}"
rootpw {ROOT_PASSWORD}
directory {workdir / "data"}
access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to * by * read
"""


def _person(base: str, uid: str, name: str, **extra: Any) -> tuple[str, dict[str, Any]]:
    attrs: dict[str, Any] = {
        "objectClass": ["inetOrgPerson"],
        "uid": uid,
        "cn": name,
        "sn": name.split()[-1],
        "mail": f"{uid}@pkip.test",
        "userPassword": PASSWORDS[uid],
    }
    attrs.update(extra)
    return f"uid={uid},ou=people,{base}", attrs


def _group(base: str, cn: str, members: list[str]) -> tuple[str, dict[str, Any]]:
    dn = f"cn={cn},ou=groups,{base}"
    return dn, {"objectClass": ["groupOfNames"], "cn": cn, "member": members}


def seed() -> list[tuple[str, dict[str, Any]]]:
    """The tree, parents first."""
    r_people = f"ou=people,{RIGA}"
    j_people = f"ou=people,{JELGAVA}"
    j_groups = f"ou=groups,{JELGAVA}"
    entries: list[tuple[str, dict[str, Any]]] = [
        (
            SUFFIX,
            {"objectClass": ["dcObject", "organization"], "dc": "pkip", "o": "PKIP"},
        ),
        (
            SERVICE_DN,
            {
                "objectClass": ["organizationalRole", "simpleSecurityObject"],
                "cn": "pkip-sync",
                "userPassword": SERVICE_PASSWORD,
            },
        ),
    ]
    for base in (RIGA, JELGAVA):
        entries.append(
            (
                base,
                {"objectClass": ["organizationalUnit"], "ou": base[3:].split(",")[0]},
            )
        )
        for ou in ("people", "groups"):
            entries.append(
                (f"ou={ou},{base}", {"objectClass": ["organizationalUnit"], "ou": ou})
            )
    entries += [
        _person(RIGA, "anna.liepa", "Anna Liepa"),
        _person(RIGA, "janis.koks", "Jānis Koks"),
        _person(RIGA, "peteris.zars", "Pēteris Zars"),
        _person(RIGA, "ilze", "Ilze Directory"),
        _group(
            RIGA,
            "specialisti",
            [f"uid=anna.liepa,{r_people}", f"uid=peteris.zars,{r_people}"],
        ),
        _group(RIGA, "lietvedis", [f"uid=anna.liepa,{r_people}"]),
        _group(RIGA, "vaditaji", [f"uid=janis.koks,{r_people}"]),
        _group(RIGA, "atspejoti", [f"uid=peteris.zars,{r_people}"]),
        _group(JELGAVA, "specialisti", [f"uid=maris.ozols,{j_people}"]),
        _person(
            JELGAVA,
            "maris.ozols",
            "Maris Ozols",
            objectClass=["inetOrgPerson", "pkipAdUser"],
            sAMAccountName="Maris.Ozols",
            displayName="Māris Ozols",
            userAccountControl="512",
            memberOf=[f"cn=specialisti,{j_groups}"],
        ),
        _person(
            JELGAVA,
            "zane.egle",
            "Zane Egle",
            objectClass=["inetOrgPerson", "pkipAdUser"],
            sAMAccountName="zane.egle",
            displayName="Zane Egle",
            userAccountControl="514",
            memberOf=[f"cn=specialisti,{j_groups}"],
        ),
    ]
    return entries


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Slapd:
    """One slapd process; ``url`` is where it listens."""

    def __init__(self) -> None:
        if SLAPD is None:
            raise FileNotFoundError("slapd")
        self.workdir = Path(tempfile.mkdtemp(prefix="pkip-slapd-"))
        (self.workdir / "data").mkdir()
        self.conf = self.workdir / "slapd.conf"
        self.conf.write_text(_conf(self.workdir), encoding="utf-8")
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Slapd:
        # -d 0: stay in the foreground (the fixture owns the process), log nothing.
        self.process = subprocess.Popen(
            [str(SLAPD), "-f", str(self.conf), "-h", f"{self.url}/", "-d", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"slapd did not start: {err[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError("slapd did not listen within 15 s")
        self.reset()
        return self

    def admin(self) -> ldap3.Connection:
        conn = ldap3.Connection(
            ldap3.Server(self.url, get_info=ldap3.NONE),
            ROOT_DN,
            ROOT_PASSWORD,
            auto_bind=True,
            raise_exceptions=True,
        )
        return conn

    def reset(self) -> None:
        """Empty the tree and seed it again (tests change it)."""
        conn = self.admin()
        try:
            conn.search(SUFFIX, "(objectClass=*)", attributes=[ldap3.NO_ATTRIBUTES])
            found = sorted(
                (e.entry_dn for e in conn.entries), key=lambda dn: -dn.count(",")
            )
        except ldap3.core.exceptions.LDAPNoSuchObjectResult:
            found = []
        for dn in found:
            conn.delete(dn)
        for dn, attrs in seed():
            conn.add(dn, attributes=attrs)
        conn.unbind()

    def modify(self, dn: str, changes: dict[str, Any]) -> None:
        conn = self.admin()
        conn.modify(dn, {k: [(ldap3.MODIFY_REPLACE, v)] for k, v in changes.items()})
        conn.unbind()

    def delete(self, dn: str) -> None:
        conn = self.admin()
        conn.delete(dn)
        conn.unbind()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
