# SPDX-License-Identifier: EUPL-1.2
"""Turn jsonschema's validation errors into Latvian and English field errors.

jsonschema's own messages are English and quote the submitted value
(``'161175-19997' is not a 'personas-kods'``). Form errors end up in logs and in
FormValidationError's text, so the messages built here never repeat the value: a
personal code must not leak into a log line through an error message.

Paths are dotted (``applicant.children.0.name``, ``""`` for the whole form). Errors
about a missing or unknown field point at that field, not at the object holding it,
so the UI can show the message next to the right input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from jsonschema.exceptions import ValidationError

from core.contracts import FieldError
from forms.formats import format_message

__all__ = ["dotted_path", "field_errors"]

_INVALID: Final = ("Nederīga vērtība", "Invalid value")

_TYPE_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "string": ("Jābūt tekstam", "Must be text"),
    "integer": ("Jābūt veselam skaitlim", "Must be a whole number"),
    "number": ("Jābūt skaitlim", "Must be a number"),
    "boolean": ("Jābūt jā vai nē vērtībai", "Must be yes or no"),
    "object": ("Jābūt objektam ar laukiem", "Must be an object with fields"),
    "array": ("Jābūt sarakstam", "Must be a list"),
    "null": ("Jābūt tukšam", "Must be empty"),
}

# Keywords whose message does not depend on the keyword's value.
_FIXED_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "pattern": ("Neatbilst prasītajam formātam", "Does not match the required format"),
    "enum": ("Jāizvēlas no dotajām vērtībām", "Must be one of the given values"),
    "const": ("Vērtība neatbilst prasītajai", "Must equal the required value"),
    "uniqueItems": ("Vērtības nedrīkst atkārtoties", "Items must not repeat"),
    "anyOf": (
        "Neatbilst nevienam no pieļaujamajiem variantiem",
        "Does not match any of the allowed options",
    ),
    "oneOf": (
        "Jāatbilst tieši vienam no pieļaujamajiem variantiem",
        "Must match exactly one of the allowed options",
    ),
    "not": ("Nepieļaujama vērtība", "Value is not allowed"),
    "contains": ("Sarakstā trūkst prasītā ieraksta", "The list lacks a required item"),
    # A false subschema (``"properties": {"x": false}``) forbids the field outright.
    # jsonschema (4.26) gives that error no path below the enclosing object; forms
    # that want the message on the field itself should use ``"not": {}``.
    "false": ("Lauks nav atļauts", "This field is not allowed"),
}


def dotted_path(parts: Iterable[str | int]) -> str:
    """Join a jsonschema path deque into ``a.b.0.c`` (``""`` for the root)."""
    return ".".join(str(part) for part in parts)


def _child(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def _lv_number(value: Any) -> str:
    # Latvian writes a decimal comma; whole floats (5.0) read better as 5.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(".", ",")


def _en_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _lv_count(n: Any, singular: str, plural: str) -> str:
    """Latvian agreement: 1, 21, 31 … take the singular, 11 and the rest the plural."""
    if isinstance(n, int) and n % 10 == 1 and n % 100 != 11:
        return f"{n} {singular}"
    return f"{_lv_number(n)} {plural}"


def _en_count(n: Any, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _sized_message(keyword: str, n: Any) -> tuple[str, str] | None:
    """Messages for keywords that carry a number: lengths, bounds, counts."""
    lv, en = _lv_number(n), _en_number(n)
    table: dict[str, tuple[str, str]] = {
        "minLength": (
            f"Jābūt vismaz {_lv_count(n, 'rakstzīmei', 'rakstzīmēm')}",
            f"Must be at least {_en_count(n, 'character', 'characters')}",
        ),
        "maxLength": (
            f"Jābūt ne vairāk kā {_lv_count(n, 'rakstzīmei', 'rakstzīmēm')}",
            f"Must be at most {_en_count(n, 'character', 'characters')}",
        ),
        "minimum": (f"Nedrīkst būt mazāks par {lv}", f"Must not be less than {en}"),
        "maximum": (f"Nedrīkst būt lielāks par {lv}", f"Must not be greater than {en}"),
        "exclusiveMinimum": (f"Jābūt lielākam par {lv}", f"Must be greater than {en}"),
        "exclusiveMaximum": (f"Jābūt mazākam par {lv}", f"Must be less than {en}"),
        "multipleOf": (f"Jābūt {lv} daudzkārtnim", f"Must be a multiple of {en}"),
        "minItems": (
            f"Jānorāda vismaz {_lv_count(n, 'ieraksts', 'ieraksti')}",
            f"Must have at least {_en_count(n, 'item', 'items')}",
        ),
        "maxItems": (
            f"Drīkst norādīt ne vairāk kā {_lv_count(n, 'ierakstu', 'ierakstus')}",
            f"Must have at most {_en_count(n, 'item', 'items')}",
        ),
        "minProperties": (
            f"Jāaizpilda vismaz {_lv_count(n, 'lauks', 'lauki')}",
            f"Must fill in at least {_en_count(n, 'field', 'fields')}",
        ),
        "maxProperties": (
            f"Drīkst aizpildīt ne vairāk kā {_lv_count(n, 'lauku', 'laukus')}",
            f"Must fill in at most {_en_count(n, 'field', 'fields')}",
        ),
    }
    return table.get(keyword)


def _type_message(expected: Any) -> tuple[str, str]:
    types = [expected] if isinstance(expected, str) else list(expected)
    # ["string", "null"] means "optional text": the useful message is about text.
    meaningful = [t for t in types if t != "null"] or types
    if len(meaningful) == 1 and meaningful[0] in _TYPE_MESSAGES:
        return _TYPE_MESSAGES[meaningful[0]]
    return ("Nepareizs vērtības tips", "Wrong type of value")


def _error(path: str, messages: tuple[str, str], code: str) -> FieldError:
    return FieldError(path=path, message=messages[0], message_en=messages[1], code=code)


def _missing_fields(error: ValidationError, path: str) -> list[FieldError]:
    """One error per missing field for ``required`` and ``dependentRequired``.

    jsonschema reports each missing name as a separate error, but only in its message
    text; recomputing the set from the instance avoids parsing that text. The caller
    drops the duplicates this produces.
    """
    instance = error.instance
    if not isinstance(instance, Mapping):
        return [_error(path, _INVALID, str(error.validator))]
    if error.validator == "required":
        wanted = list(error.validator_value)
    else:  # dependentRequired: {"present": ["then", "required"]}
        wanted = [
            dep
            for trigger, deps in error.validator_value.items()
            if trigger in instance
            for dep in deps
        ]
    messages = ("Obligāts lauks", "This field is required")
    return [
        _error(_child(path, name), messages, str(error.validator))
        for name in wanted
        if name not in instance
    ]


def _unknown_fields(error: ValidationError, path: str) -> list[FieldError]:
    """One error per field that ``additionalProperties: false`` refuses."""
    messages = ("Nezināms lauks", "Unknown field")
    instance, schema = error.instance, error.schema
    if not isinstance(instance, Mapping) or not isinstance(schema, Mapping):
        return [_error(path, messages, "additionalProperties")]
    known = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = [
        name
        for name in instance
        if name not in known and not any(re.search(p, name) for p in patterns)
    ]
    if not extras:
        return [_error(path, messages, "additionalProperties")]
    return [
        _error(_child(path, name), messages, "additionalProperties") for name in extras
    ]


def field_errors(error: ValidationError) -> list[FieldError]:
    """The field errors one jsonschema error stands for (usually exactly one)."""
    path = dotted_path(error.absolute_path)
    keyword = str(error.validator) if error.validator is not None else "false"
    if keyword in ("required", "dependentRequired"):
        return _missing_fields(error, path)
    if keyword == "additionalProperties":
        return _unknown_fields(error, path)
    if keyword == "unevaluatedProperties":
        # Which names were unevaluated is only in jsonschema's message text; point at
        # the object rather than parse it.
        return [_error(path, ("Nezināms lauks", "Unknown field"), keyword)]
    if keyword == "type":
        return [_error(path, _type_message(error.validator_value), keyword)]
    if keyword == "format":
        messages = format_message(str(error.validator_value), error.instance)
        return [_error(path, messages, keyword)]
    sized = _sized_message(keyword, error.validator_value)
    if sized is not None:
        return [_error(path, sized, keyword)]
    return [_error(path, _FIXED_MESSAGES.get(keyword, _INVALID), keyword)]
