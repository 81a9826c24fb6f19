# SPDX-License-Identifier: EUPL-1.2
"""Users from a CSV file, all or nothing.

The file (UTF-8, with or without a BOM; ``,`` or ``;`` between columns, as
spreadsheets save it) has a header line naming its columns, in Latvian or
English::

    lietotājvārds;vārds_uzvārds;e_pasts;lomas;nodaļas
    jberzins;Jānis Bērziņš;janis@example.lv;specialist;lietvedis specialists

Roles and departments are keys separated by spaces. Every row is checked
before anything is written; any error (reported by line and column, in Latvian)
imports nothing. Each new user gets a one-time password to hand over.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.accounts import services as accounts
from domain.accounts.admin import MESSAGES_LV, Admin, AdminError, create_user
from domain.accounts.models import PLATFORM_ADMIN, ROLES, Department, User

MAX_BYTES = 1_000_000
MAX_ROWS = 5000
COLUMNS = {
    "username": ("lietotājvārds", "lietotajvards", "username"),
    "full_name": ("vārds_uzvārds", "vards_uzvards", "vārds un uzvārds", "full_name"),
    "email": ("e_pasts", "e-pasts", "epasts", "email"),
    "roles": ("lomas", "roles"),
    "departments": ("nodaļas", "nodalas", "departments"),
}
REQUIRED = ("username", "full_name")


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.line}. rinda, kolonna “{self.column}”: {self.message}"


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    created: list[tuple[User, str]] = field(default_factory=list)
    """The new users with their one-time passwords (empty when there were errors)."""

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    line: int
    values: dict[str, str]
    roles: list[str]
    departments: list[str]


def _decode(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _header(names: list[str]) -> tuple[dict[str, int], list[RowError]]:
    index: dict[str, int] = {}
    errors = []
    for position, raw in enumerate(names):
        name = raw.strip().lower()
        key = next((k for k, alias in COLUMNS.items() if name in alias), None)
        if key is None:
            errors.append(RowError(1, raw.strip(), "nezināma kolonna"))
        elif key in index:
            errors.append(RowError(1, raw.strip(), "kolonna atkārtojas"))
        else:
            index[key] = position
    for key in REQUIRED:
        if key not in index:
            errors.append(RowError(1, COLUMNS[key][0], "trūkst obligātās kolonnas"))
    return index, errors


def parse(data: bytes) -> tuple[list[_Row], dict[str, str], list[RowError]]:
    """The rows, the column names used, and the file's structural errors."""
    if len(data) > MAX_BYTES:
        return [], {}, [RowError(0, "—", f"fails ir lielāks par {MAX_BYTES} baitiem")]
    text = _decode(data)
    if text is None:
        return [], {}, [RowError(0, "—", "fails nav UTF-8 kodējumā")]
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        return [], {}, [RowError(1, "—", "trūkst virsrakstu rindas")]
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader)
    index, errors = _header(header)
    names = {k: header[i].strip() for k, i in index.items()}
    rows: list[_Row] = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            errors.append(RowError(line, "—", f"vairāk nekā {MAX_ROWS} rindu"))
            break
        if len(cells) > len(header):
            errors.append(RowError(line, "—", "vairāk šūnu nekā kolonnu"))
            continue
        values = {
            k: (cells[i].strip() if i < len(cells) else "") for k, i in index.items()
        }
        rows.append(
            _Row(
                line,
                values,
                values.get("roles", "").split(),
                values.get("departments", "").split(),
            )
        )
    return rows, names, errors


def _check_rows(
    session: Session, admin: Admin, rows: list[_Row], names: dict[str, str]
) -> list[RowError]:
    errors: list[RowError] = []
    keys = set(
        session.scalars(
            select(Department.key).where(Department.municipality == admin.municipality)
        ).all()
    )
    seen: dict[str, int] = {}
    for row in rows:

        def err(column: str, message: str, row: _Row = row) -> None:
            errors.append(RowError(row.line, names.get(column, column), message))

        username = accounts.normalize_username(row.values.get("username", ""))
        if not username:
            err("username", "jānorāda lietotājvārds")
        elif not accounts.USERNAME_RE.fullmatch(username):
            err("username", MESSAGES_LV["username_invalid"])
        elif username in seen:
            err("username", f"atkārtojas (jau {seen[username]}. rindā)")
        elif accounts.find_user(session, username) is not None:
            err("username", MESSAGES_LV["username_taken"])
        if username:
            seen.setdefault(username, row.line)
        full_name = row.values.get("full_name", "")
        if not full_name or len(full_name) > 255:
            err("full_name", "jānorāda vārds un uzvārds (līdz 255 rakstzīmēm)")
        email = row.values.get("email", "")
        if email and (len(email) > 255 or not accounts.EMAIL_RE.fullmatch(email)):
            err("email", MESSAGES_LV["email_invalid"])
        unknown = [r for r in row.roles if r not in ROLES]
        if unknown:
            err("roles", f"{MESSAGES_LV['unknown_role']}: {', '.join(unknown)}")
        if PLATFORM_ADMIN in row.roles and not admin.platform:
            err("roles", MESSAGES_LV["platform_role"])
        missing = [d for d in row.departments if d not in keys]
        if missing:
            err(
                "departments",
                f"{MESSAGES_LV['unknown_department']}: {', '.join(missing)}",
            )
    return errors


def import_users(
    session: Session, admin: Admin, data: bytes, *, now: datetime | None = None
) -> ImportResult:
    """Check every row; create the users only when none has an error."""
    rows, names, errors = parse(data)
    if not errors and not rows:
        errors.append(RowError(2, "—", "failā nav neviena lietotāja"))
    errors += _check_rows(session, admin, rows, names)
    if errors:
        return ImportResult(errors=sorted(errors, key=lambda e: e.line))
    result = ImportResult()
    savepoint = session.begin_nested()  # a race with another admin undoes all rows
    for row in rows:
        try:
            result.created.append(
                create_user(
                    session,
                    admin,
                    username=row.values["username"],
                    full_name=row.values["full_name"],
                    email=row.values.get("email", ""),
                    roles=row.roles,
                    departments=row.departments,
                    now=now,
                )
            )
        except AdminError as exc:
            savepoint.rollback()
            column = names.get(exc.field, exc.field)
            message = MESSAGES_LV.get(exc.code, exc.code)
            return ImportResult(errors=[RowError(row.line, column, message)])
    savepoint.commit()
    return result
