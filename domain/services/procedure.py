# SPDX-License-Identifier: EUPL-1.2
"""A service's procedure page: Markdown written by analysts, shown to staff as HTML.

Rendered with markdown-it (CommonMark, raw HTML off: a ``<script>`` in the text is
shown as text) and then cleaned by nh3 with a short allow-list, so that neither a
renderer bug nor a ``javascript:`` link can put active content on a task page.
"""

from __future__ import annotations

from typing import Final

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

__all__ = ["MAX_PROCEDURE", "render_procedure"]

MAX_PROCEDURE: Final = 100_000
"""Characters a procedure page may hold."""

_MD: Final = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_TAGS: Final = {
    "h2", "h3", "h4", "p", "ul", "ol", "li", "strong", "em", "code", "pre",
    "blockquote", "a", "hr", "br", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ATTRIBUTES: Final = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def render_procedure(text: str) -> Markup:
    """``text`` (Markdown) as safe HTML; headings start at level 2 (the page has
    its own h1), so ``#`` is shown as ``<h2>``."""
    html = _MD.render(text or "")
    for level in (3, 2, 1):  # demote h1..h3 by one, from the lowest first
        html = html.replace(f"<h{level}>", f"<h{level + 1}>").replace(
            f"</h{level}>", f"</h{level + 1}>"
        )
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"https", "http", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - cleaned by nh3 with an allow-list above
