# SPDX-License-Identifier: EUPL-1.2
"""``pattern`` with ECMA-262's ``$`` (forms/patterns.py): a trailing newline is not
the end of the text (issue 10, item 5)."""

from __future__ import annotations

import pytest

from forms.patterns import FormValidator, ecma_regex
from forms.validation import default_forms
from tests.engine.factories import TREE_REGISTRATION


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("^[0-9]{11}$", "01000010001", True),
        ("^[0-9]{11}$", "01000010001\n", False),
        ("^a$|^b$", "b\n", False),
        (r"^price\$$", "price$", True),  # an escaped dollar stays a dollar
        ("^[$]+$", "$$", True),  # so does one in a character class
        ("^[$]+$", "$$\n", False),
        ("ab", "xaby", True),  # unanchored patterns still search
    ],
)
def test_dollar_is_the_end_of_the_text(pattern: str, text: str, matches: bool) -> None:
    assert (ecma_regex(pattern).search(text) is not None) is matches


def test_a_form_refuses_a_trailing_newline_naming_the_field() -> None:
    data = {**TREE_REGISTRATION, "cadastre_number": "01000010001\n"}
    errors = default_forms().validate("tree_felling_registration", data)
    assert [e.path for e in errors] == ["cadastre_number"]
    assert (
        default_forms().validate("tree_felling_registration", TREE_REGISTRATION) == []
    )


def test_the_validator_is_draft_2020_12_otherwise() -> None:
    validator = FormValidator({"type": "string", "pattern": "^x$", "maxLength": 1})
    assert validator.is_valid("x")
    assert [e.validator for e in validator.iter_errors("x\n")] == [
        "pattern",
        "maxLength",
    ]
