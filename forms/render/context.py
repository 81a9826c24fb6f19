# SPDX-License-Identifier: EUPL-1.2
"""State shared while one form is rendered: errors by path, ids handed out, focus."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.contracts import FieldError
from forms.messages import dotted_path
from forms.render.html import Path, field_id, field_name
from forms.render.texts import text

__all__ = ["Field", "RenderContext", "merge_errors"]


def merge_errors(errors: Iterable[FieldError]) -> list[FieldError]:
    """Each error once, in order; a ``required`` error where a field has another.

    The caller passes ``parse_errors + validation_errors``: a number that could not
    be read is kept as text and so gets the validator's ``type`` error too (same
    path and code: shown once), and a refused upload leaves its field empty, so the
    validator adds "Obligāts lauks" beside the real reason (dropped here).
    """
    unique: list[FieldError] = []
    seen: set[tuple[str, str]] = set()
    for error in errors:
        identity = (error.path, error.code or error.message)
        if identity not in seen:
            seen.add(identity)
            unique.append(error)
    has_other = {e.path for e in unique if e.code != "required"}
    return [e for e in unique if e.code != "required" or e.path not in has_other]


@dataclass
class RenderContext:
    """One render of one form."""

    root: Mapping[str, Any]
    prefix: str
    language: str
    readonly: bool
    errors: list[FieldError]
    focus: str | None = None
    use_defaults: bool = False
    # path -> (id, label) of what was rendered, for the error summary's links.
    targets: dict[str, tuple[str, str]] = field(default_factory=dict)
    shown: set[int] = field(default_factory=set)
    # Legends of the fieldsets being rendered, so "Vārds" in the error summary
    # says whose name: "Bērns 2, Vārds".
    trail: list[str] = field(default_factory=list)
    has_actions: bool = False
    _ids: set[str] = field(default_factory=set)
    _focused: bool = False

    def text(self, key: str, **values: Any) -> str:
        """A UI string in this form's language."""
        return text(key, self.language, **values)

    def message(self, error: FieldError) -> str:
        """The error's text in this form's language."""
        if self.language == "en" and error.message_en:
            return error.message_en
        return error.message

    def errors_at(self, path: Path, *, below: bool = False) -> list[FieldError]:
        """Errors for ``path`` (and, with ``below``, for paths under it), marked shown.

        Widgets without sub-fields (a file, a checkbox list) take ``below`` errors,
        such as ``doc.size`` or ``colours.2``: there is no other place to show them.
        """
        dotted = dotted_path(path)
        found = []
        for position, error in enumerate(self.errors):
            under = below and error.path.startswith(dotted + ".") if dotted else below
            if error.path == dotted or under:
                self.shown.add(position)
                found.append(error)
        return found

    def new_id(self, path: Path, label: str) -> str:
        """The id for the field at ``path``; unique even for odd property names."""
        base = candidate = field_id(self.prefix, path)
        counter = 2
        while candidate in self._ids:
            candidate = f"{base}--dup{counter}"
            counter += 1
        self._ids.add(candidate)
        self.targets.setdefault(
            dotted_path(path), (candidate, ", ".join([*self.trail, label]))
        )
        return candidate

    def autofocus(self, path: Path | str) -> bool:
        """True for the first control at or under the ``focus`` path (once)."""
        if self.focus is None or self._focused or self.readonly:
            return False
        dotted = path if isinstance(path, str) else dotted_path(path)
        if dotted == self.focus or dotted.startswith(self.focus + "."):
            self._focused = True
            return True
        return False


@dataclass
class Field:
    """One field about to be rendered."""

    path: Path
    schema: Mapping[str, Any]
    value: Any
    required: bool
    label: str
    id: str
    errors: list[FieldError]
    hints: list[str]

    @classmethod
    def make(
        cls,
        ctx: RenderContext,
        path: Path,
        schema: Mapping[str, Any],
        value: Any,
        *,
        required: bool,
        label: str,
        hints: list[str],
        errors_below: bool = False,
    ) -> Field:
        """Hand out the id and collect the errors of the field at ``path``."""
        return cls(
            path=path,
            schema=schema,
            value=value,
            required=required and not ctx.readonly,
            label=label,
            id=ctx.new_id(path, label),
            errors=ctx.errors_at(path, below=errors_below),
            hints=[h for h in hints if h],
        )

    def name(self, prefix: str) -> str:
        """The form field name: ``<prefix>.<dotted path>``."""
        return field_name(prefix, self.path)

    @property
    def hint_id(self) -> str | None:
        """The id of the help paragraph, when there is one."""
        return f"{self.id}--hint" if self.hints else None

    @property
    def error_id(self) -> str | None:
        """The id of the error paragraph, when there are errors."""
        return f"{self.id}--error" if self.errors else None

    @property
    def described_by(self) -> str | None:
        """``aria-describedby``: the help and the error text."""
        ids = [i for i in (self.hint_id, self.error_id) if i]
        return " ".join(ids) or None
