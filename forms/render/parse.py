# SPDX-License-Identifier: EUPL-1.2
"""Read a posted form back into JSON data for ``JsonSchemaForms.validate``.

The schema decides what is read: each field's name is computed from its path
(``<prefix>.<dotted path>``) exactly as the renderer named it, and converted to the
field's type. **Names the schema does not describe are ignored**, not passed on: the
rendered form is the only client of this parser, so an unknown name is a stale or
tampered post, and passing it through would let a post store keys the form never
offered whenever a schema lacks ``additionalProperties: false`` (the JSON API,
where clients do send their own keys, is where that validator error belongs).

Conversions:

* text is trimmed (text areas also get ``\\n`` line ends); empty fields are left
  out, so a missing required field is reported by the validator as "Obligāts lauks";
* numbers take a comma or a dot as the decimal separator and spaces between
  thousands; dates ``2025-03-31`` or ``31.03.2025``; date-times are Latvian
  wall-clock time (``datetime-local``) and become RFC 3339 with the Riga offset;
* an unticked checkbox is ``false``; yes/no radio buttons and choices with nothing
  chosen are left out;
* text that cannot be converted stays in the data as the raw string (so the
  re-rendered form shows what was typed) and gets a parse error; the validator
  reports it again (``type``), which ``render_form`` shows once;
* rows keep their order; rows of objects are kept even when empty (their errors
  then point at the row the user sees), empty rows of single values are dropped.

Pass the result's ``errors`` *and* the validator's errors to ``render_form``: a
parse error (a refused upload, an impossible time) blocks completing even when the
validator finds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final, Literal, NamedTuple

from core.contracts import FieldError
from forms.messages import dotted_path
from forms.render.fields import (
    MAX_DEPTH,
    choice_options,
    is_required_in,
    item_schema,
    object_properties,
    resolve,
    widget_kind,
)
from forms.render.files import UploadedFile, check_upload, kept_file
from forms.render.html import Path, field_name, valid_prefix
from forms.render.values import (
    nonexistent_local_time,
    parse_date,
    parse_date_time,
    parse_number,
)
from forms.render.widgets import option_value

__all__ = ["FormAction", "Submission", "parse_submission"]

_ABSENT: Final = object()
MAX_ROWS: Final = 1000
_TYPE_ERRORS: Final = {
    "integer": ("Jābūt veselam skaitlim", "Must be a whole number"),
    "number": ("Jābūt skaitlim", "Must be a number"),
}
_NO_SUCH_TIME: Final = (
    "Šāds laiks Latvijā neeksistē (pulksteņa pārcelšana uz vasaras laiku)",
    "This time does not exist in Latvia (the clocks go forward)",
)


@dataclass(frozen=True)
class FormAction:
    """A row button was pressed: re-render ``data`` instead of completing the task.

    ``path`` is the array's dotted data path, ``index`` the removed row (for
    ``remove``). ``data`` already has the row added or removed; pass ``focus`` to
    ``render_form`` so the keyboard lands on the new row (or, after removing, on
    the row that took its place).
    """

    kind: Literal["add", "remove"]
    path: str
    index: int | None = None
    focus: str | None = None


class Submission(NamedTuple):
    """What ``parse_submission`` read: the data, its parse errors, a row action."""

    data: dict[str, Any]
    errors: list[FieldError]
    action: FormAction | None


def parse_submission(
    schema: Mapping[str, Any],
    form: Mapping[str, Any],
    files: Mapping[str, Any] | None = None,
    *,
    prefix: str = "f",
) -> Submission:
    """Convert a post of the form rendered from ``schema`` into JSON data.

    ``form`` and ``files`` map names to lists of values (``dict[str, list[str]]``,
    ``dict[str, list[UploadedFile]]``); Werkzeug's ``request.form`` and
    ``request.files`` can be passed as they are. When ``action`` is set, ``data``
    is for re-rendering only: do not validate or complete.
    """
    parser = _Parser(schema, form, files or {}, valid_prefix(prefix))
    data = parser.value((), (), schema, required=True)
    action = parser.applied
    return Submission(
        data=data if isinstance(data, dict) else {},
        errors=parser.errors,
        action=action,
    )


def _values(source: Mapping[str, Any], name: str) -> list[Any]:
    getlist = getattr(source, "getlist", None)
    if callable(getlist):
        return list(getlist(name))
    found = source.get(name)
    if found is None:
        return []
    return list(found) if isinstance(found, list | tuple) else [found]


def _find_action(form: Mapping[str, Any], prefix: str) -> FormAction | None:
    start = prefix + "."
    for key in form:
        kind, _, target = str(key).partition(":")
        if kind == "__add__" and target.startswith(start):
            return FormAction("add", target[len(start) :])
        if kind == "__remove__" and target.startswith(start):
            path, _, index = target[len(start) :].rpartition(":")
            if path and index.isdigit():
                return FormAction("remove", path, int(index))
    return None


class _Parser:
    def __init__(
        self,
        root: Mapping[str, Any],
        form: Mapping[str, Any],
        files: Mapping[str, Any],
        prefix: str,
    ) -> None:
        self.root = root
        self.form = form
        self.files = files
        self.prefix = prefix
        self.errors: list[FieldError] = []
        self.wanted = _find_action(form, prefix)
        self.applied: FormAction | None = None
        self.keys = [str(k) for k in (*form.keys(), *files.keys())]

    def first(self, path: Path) -> str | None:
        values = _values(self.form, field_name(self.prefix, path))
        return str(values[0]) if values else None

    def error(self, path: Path, messages: tuple[str, str], code: str) -> None:
        self.errors.append(
            FieldError(dotted_path(path), messages[0], messages[1], code)
        )

    def value(self, names: Path, path: Path, raw_schema: Any, *, required: bool) -> Any:
        """The value at data ``path``, read from the fields named after ``names``.

        The two differ inside arrays: names carry the row indices as rendered, the
        data path the row's place after removed and empty rows are gone.
        """
        if len(path) > MAX_DEPTH:
            return _ABSENT
        schema = resolve(raw_schema, self.root)
        kind = widget_kind(schema, self.root)
        if kind == "object":
            return self.object(names, path, schema, required)
        if kind == "rows":
            return self.rows(names, path, schema, required)
        if kind in ("checkboxes", "multiselect"):
            return self.choices(names, item_schema(schema, self.root), required)
        if kind == "file":
            return self.file(names, path, schema)
        raw = self.first(names)
        if kind == "checkbox":
            return raw is not None and raw.strip().lower() not in ("", "false")
        if raw is None:
            return _ABSENT
        text = raw.replace("\r\n", "\n").strip()
        if not text:
            return _ABSENT
        return self.scalar(path, schema, kind, text)

    def scalar(
        self, path: Path, schema: Mapping[str, Any], kind: str, text: str
    ) -> Any:
        if kind in ("select", "radio"):
            return _choice(schema, text)
        if kind == "yesno":
            return {"true": True, "false": False}.get(text, text)
        if kind in ("integer", "number"):
            number = parse_number(text, integer=kind == "integer")
            if number is None:
                self.error(path, _TYPE_ERRORS[kind], "type")
                return text
            return number
        if kind == "date":
            return parse_date(text) or text
        if kind == "date-time":
            if nonexistent_local_time(text):
                self.error(path, _NO_SUCH_TIME, "format")
                return text
            return parse_date_time(text) or text
        return text

    def object(
        self, names: Path, path: Path, schema: Mapping[str, Any], required: bool
    ) -> Any:
        result: dict[str, Any] = {}
        for name, sub in object_properties(schema, self.root):
            found = self.value(
                (*names, name),
                (*path, name),
                sub,
                required=is_required_in(schema, name),
            )
            if found is not _ABSENT:
                result[name] = found
        # A required object stays (even empty) so its own required fields are
        # reported at their paths, not as one missing object.
        return result if result or required else _ABSENT

    def row_indices(self, names: Path) -> list[int]:
        name = field_name(self.prefix, names)
        indices = {
            int(v) for v in _values(self.form, f"{name}.__rows__") if str(v).isdigit()
        }
        start = name + "."
        for key in self.keys:
            if key.startswith(start):
                head = key[len(start) :].split(".", 1)[0]
                if head.isdigit():
                    indices.add(int(head))
        return sorted(indices)[:MAX_ROWS]

    def rows(
        self, names: Path, path: Path, schema: Mapping[str, Any], required: bool
    ) -> Any:
        items = item_schema(schema, self.root)
        action = self.wanted
        if action is not None and action.path != dotted_path(names):
            action = None
        indices = self.row_indices(names)
        removed_at = -1
        if action is not None and action.kind == "remove":
            removed_at = sum(1 for i in indices if i < (action.index or 0))
            indices = [i for i in indices if i != action.index]
        rows: list[Any] = []
        for index in indices:
            row = self.value((*names, index), (*path, len(rows)), items, required=True)
            if row is _ABSENT:
                # An empty single-value row is dropped, unless the page re-renders
                # (then the user must see the row they added).
                if self.wanted is None:
                    continue
                row = None
            rows.append(row)
        if action is not None:
            self.apply(action, path, rows, items, removed_at)
        elif not rows and not required:
            return _ABSENT
        return rows

    def apply(
        self,
        action: FormAction,
        path: Path,
        rows: list[Any],
        items: Mapping[str, Any],
        removed_at: int,
    ) -> None:
        array = dotted_path(path)
        if action.kind == "add":
            rows.append({} if widget_kind(items, self.root) == "object" else None)
            focus = f"{array}.{len(rows) - 1}"
        elif removed_at < len(rows):
            focus = f"{array}.{removed_at}"
        elif rows:
            focus = f"{array}.{len(rows) - 1}"
        else:
            focus = f"{array}.__add__"
        self.applied = replace(action, path=array, focus=focus)

    def choices(self, names: Path, items: Mapping[str, Any], required: bool) -> Any:
        chosen: list[Any] = []
        for raw in _values(self.form, field_name(self.prefix, names)):
            value = _choice(items, str(raw).strip())
            if str(raw).strip() and value not in chosen:
                chosen.append(value)
        return chosen if chosen or required else _ABSENT

    def file(self, names: Path, path: Path, schema: Mapping[str, Any]) -> Any:
        name = field_name(self.prefix, names)
        dotted = dotted_path(path)
        uploads: list[UploadedFile] = [
            u for u in _values(self.files, name) if getattr(u, "filename", None)
        ]
        if uploads:
            fresh = check_upload(dotted, uploads[0], schema)
            if not isinstance(fresh, FieldError):
                return fresh
            # The new file is refused; an earlier accepted one stays attached.
            self.errors.append(fresh)
        if _values(self.form, f"{name}.__clear__"):
            return _ABSENT
        kept_values = [str(v) for v in _values(self.form, f"{name}.__kept__")]
        kept = kept_file(dotted, kept_values, schema)
        if isinstance(kept, FieldError):
            self.errors.append(kept)
            return _ABSENT
        return kept if kept is not None else _ABSENT


def _choice(schema: Mapping[str, Any], text: str) -> Any:
    """The option whose form value is ``text``; the raw text when none is."""
    for option in choice_options(schema, "lv") or []:
        if option_value(option.value) == text:
            return option.value
    return text
