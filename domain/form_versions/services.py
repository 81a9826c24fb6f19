# SPDX-License-Identifier: EUPL-1.2
"""Saving, checking and resolving form versions.

The shipped files (forms/schemas/) are the base's version 1 of their keys: they are
never copied into the table, so a key with no stored base version reads its file, and
the first base version an analyst saves is version 2. A municipality's variant has
versions of its own (1, 2, …) and wins over the base for that municipality.

Deploying a process pins the versions in force on its definition
(``ProcessDefinition.forms``: key -> {"variant", "version"}); a pin to the shipped
file is left out, as "no pin" already means it. The engine asks
:func:`forms_for_definition` for the catalogue of one definition, so a running case
keeps validating against the versions it was deployed with.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.contracts import FieldError, FormValidationError
from domain.form_versions.models import FormVersion
from domain.form_versions.rules import editor_problems
from engine.interfaces import FormCatalogue
from engine.models import BASE_VARIANT, ProcessDefinition
from forms.validation import JsonSchemaForms, default_forms, schema_problems

__all__ = [
    "FORM_SCHEMA",
    "Pin",
    "StoredForms",
    "check_schema",
    "form_keys",
    "forms_for_definition",
    "pins_for",
    "save_version",
    "valid_key",
    "schema_of",
    "versions_of",
]

FORM_SCHEMA: Final = "form_schema"
"""The form key of errors about a schema an analyst saves."""
_KEY_RE: Final = re.compile(r"[a-z][a-z0-9_]{0,99}")
SHIPPED_VERSION: Final = 1


@dataclass(frozen=True)
class Pin:
    """Which version of a form: the variant ('' = base) and its number."""

    variant: str
    version: int

    def as_json(self) -> dict[str, Any]:
        return {"variant": self.variant, "version": self.version}

    @property
    def shipped(self) -> bool:
        return self.variant == BASE_VARIANT and self.version == SHIPPED_VERSION


def _shipped() -> JsonSchemaForms:
    return default_forms()


# -- checking ------------------------------------------------------------------------
def _field_of(where: str) -> str:
    """``properties/x/type`` -> ``x`` (the field an analyst knows), else ''."""
    parts = where.split("/")
    names = [parts[i + 1] for i, p in enumerate(parts[:-1]) if p == "properties"]
    return ".".join(names)


def check_schema(schema: Any) -> list[FieldError]:
    """Every reason ``schema`` cannot be saved as a form, each naming the field.

    The path of an error is ``schema`` plus the JSON path inside it
    (``schema.properties.x.type``); the message starts with the field's name.
    """
    errors = []
    for where, reason in [*schema_problems(schema), *editor_problems(schema)]:
        field = _field_of(where)
        path = ".".join(p for p in ("schema", where.replace("/", ".")) if p)
        lv = f"Lauks “{field}”: {reason}" if field else reason
        en = f"Field “{field}”: {reason}" if field else reason
        errors.append(FieldError(path, lv, en, "schema"))
    return errors


def valid_key(key: str) -> bool:
    """True for a usable form key: ``[a-z][a-z0-9_]*``, up to 100 characters."""
    return isinstance(key, str) and _KEY_RE.fullmatch(key) is not None


# -- saving and reading --------------------------------------------------------------
def _newest(session: Session, key: str, variant: str) -> int:
    found = session.scalar(
        select(func.max(FormVersion.version)).where(
            FormVersion.key == key, FormVersion.variant == variant
        )
    )
    if found is None and variant == BASE_VARIANT and _shipped().has(key):
        return SHIPPED_VERSION
    return int(found or 0)


def save_version(
    session: Session,
    key: str,
    schema: Any,
    *,
    variant: str,
    author: str,
    now: datetime,
) -> FormVersion:
    """Store ``schema`` as the next version of form ``key`` for ``variant``.

    Raises FormValidationError (form ``form_schema``) naming each field at fault;
    nothing is stored then. Flushes only.
    """
    errors = []
    if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
        errors.append(
            FieldError(
                "key",
                "Formas atslēgā drīkst būt tikai mazie latīņu burti, cipari un _",
                "A form key may hold only lower-case Latin letters, digits and _",
                "pattern",
            )
        )
    errors += check_schema(schema)
    if errors:
        raise FormValidationError(FORM_SCHEMA, errors)
    row = FormVersion(
        key=key,
        variant=variant,
        version=_newest(session, key, variant) + 1,
        schema=schema,
        author=author,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def schema_of(session: Session, key: str, pin: Pin) -> dict[str, Any]:
    """The schema of one version; KeyError when there is no such version."""
    if pin.shipped:
        stored = _row(session, key, pin)
        if stored is None:
            return _shipped().schema(key)
        return dict(stored.schema)
    stored = _row(session, key, pin)
    if stored is None:
        raise KeyError(f"form {key!r} has no version {pin}")
    return dict(stored.schema)


def _row(session: Session, key: str, pin: Pin) -> FormVersion | None:
    return session.scalars(
        select(FormVersion).where(
            FormVersion.key == key,
            FormVersion.variant == pin.variant,
            FormVersion.version == pin.version,
        )
    ).first()


def in_force(session: Session, key: str, municipality: str | None) -> Pin | None:
    """The newest version of the municipality's variant, else of the base."""
    if municipality:
        own = _newest(session, key, municipality)
        if own:
            return Pin(municipality, own)
    base = _newest(session, key, BASE_VARIANT)
    return Pin(BASE_VARIANT, base) if base else None


def pins_for(
    session: Session, keys: Collection[str], municipality: str | None
) -> dict[str, Any]:
    """What a definition deployed now for ``municipality`` records: the version in
    force of each form key, leaving out the shipped files (no pin means them)."""
    pins = {}
    for key in sorted(set(keys)):
        pin = in_force(session, key, municipality)
        if pin is not None and not pin.shipped:
            pins[key] = pin.as_json()
    return pins


def form_keys(session: Session) -> list[str]:
    """Every form key: the shipped ones and those stored."""
    stored = session.scalars(select(FormVersion.key).distinct()).all()
    return sorted(set(_shipped().keys()) | set(stored))


@dataclass(frozen=True)
class VersionRow:
    key: str
    variant: str
    version: int
    author: str
    created_at: datetime | None


def versions_of(session: Session, key: str, municipality: str) -> list[VersionRow]:
    """The versions of ``key`` a municipality sees (the base's and its own), newest
    first; the shipped file is listed as the base's version 1."""
    rows = session.execute(
        select(
            FormVersion.key,
            FormVersion.variant,
            FormVersion.version,
            FormVersion.author,
            FormVersion.created_at,
        )
        .where(
            FormVersion.key == key,
            FormVersion.variant.in_((municipality, BASE_VARIANT)),
        )
        .order_by(FormVersion.variant.desc(), FormVersion.version.desc())
    ).all()
    found = [VersionRow(*r) for r in rows]
    if _shipped().has(key) and not any(
        r.variant == BASE_VARIANT and r.version == SHIPPED_VERSION for r in found
    ):
        found.append(VersionRow(key, BASE_VARIANT, SHIPPED_VERSION, "system", None))
    return found


# -- catalogues the engine and the pages use -----------------------------------------
def forms_for_definition(
    session: Session,
    definition: ProcessDefinition,
    base: FormCatalogue | None = None,
) -> FormCatalogue:
    """The forms of one deployed definition: its pinned versions, and ``base`` (the
    shipped files by default) for every other key — all keys of definitions
    deployed before pinning existed."""
    fallback: FormCatalogue = base if base is not None else _shipped()
    pins: Mapping[str, Any] = definition.forms or {}
    if not pins:
        return fallback
    schemas = {
        key: schema_of(session, key, Pin(str(pin["variant"]), int(pin["version"])))
        for key, pin in pins.items()
    }
    return PinnedForms(JsonSchemaForms.from_schemas(schemas), fallback)


class PinnedForms:
    """A ``FormCatalogue``: the pinned versions first, then the fallback."""

    def __init__(self, pinned: JsonSchemaForms, fallback: FormCatalogue) -> None:
        self.pinned = pinned
        self.fallback = fallback

    def _for(self, key: str) -> FormCatalogue:
        return self.pinned if self.pinned.has(key) else self.fallback

    def has(self, key: str) -> bool:
        return self.pinned.has(key) or self.fallback.has(key)

    def schema(self, key: str) -> dict[str, Any]:
        return self._for(key).schema(key)

    def validate(self, key: str, data: Mapping[str, Any]) -> list[FieldError]:
        return self._for(key).validate(key, data)


class StoredForms:
    """The forms in force for a municipality (or the base): what a deploy checks
    form keys against and what the modeler offers. A ``FormCatalogue``."""

    def __init__(
        self,
        session: Session,
        municipality: str | None = None,
        base: FormCatalogue | None = None,
    ) -> None:
        self.session = session
        self.municipality = municipality
        self.base: FormCatalogue = base if base is not None else _shipped()
        self._cache: dict[str, FormCatalogue] = {}

    def has(self, key: str) -> bool:
        return in_force(
            self.session, key, self.municipality
        ) is not None or self.base.has(key)

    def keys(self) -> list[str]:
        return form_keys(self.session)

    def _one(self, key: str) -> FormCatalogue:
        if key not in self._cache:
            pin = in_force(self.session, key, self.municipality)
            if pin is None or pin.shipped:
                if not self.base.has(key):
                    raise KeyError(f"unknown form {key!r}")
                self._cache[key] = self.base
                return self.base
            schema = schema_of(self.session, key, pin)
            self._cache[key] = JsonSchemaForms.from_schemas({key: schema})
        return self._cache[key]

    def schema(self, key: str) -> dict[str, Any]:
        return self._one(key).schema(key)

    def validate(self, key: str, data: Mapping[str, Any]) -> list[FieldError]:
        return self._one(key).validate(key, data)
