# SPDX-License-Identifier: EUPL-1.2
"""A kept file's name comes back from a hidden input as JSON, past the request
guard's look at form fields: control characters and lone surrogates (``\\ud800``
in that JSON) are dropped, so a stored name is always text (issue 10, item 5)."""

from __future__ import annotations

from forms.render.files import _clean_name


def test_a_name_loses_control_characters_and_lone_surrogates() -> None:
    assert _clean_name("iesniegums\ud800\x00.pdf") == "iesniegums.pdf"
    assert _clean_name("C:\\dokumenti\\iesniegums.pdf") == "iesniegums.pdf"
    assert _clean_name("\udfff") == "fails"
    assert _clean_name("iesniegums\ud800.pdf").encode("utf-8") == b"iesniegums.pdf"
