# SPDX-License-Identifier: EUPL-1.2
"""The translation catalogues are complete and compiled (python -m webapp.i18n)."""

from __future__ import annotations

from webapp import i18n


def test_every_message_has_a_latvian_translation_and_the_mo_files_are_current() -> None:
    assert i18n.problems() == []


def test_the_check_command(capsys) -> None:  # type: ignore[no-untyped-def]
    assert i18n.main(["check"]) == 0
    assert i18n.main(["nonsense"]) == 2
