# SPDX-License-Identifier: EUPL-1.2
"""Languages of the workplace: Latvian (default) and English, dates dd.mm.yyyy.

Messages are written in English in the code (``_("Inbox")``) and translated in
``webapp/translations/<lang>/LC_MESSAGES/messages.po``; the compiled ``.mo`` files
are committed beside them, so every install (editable, wheel, container) has them
without a build step. ``python -m webapp.i18n update`` re-extracts the messages into
both catalogues, ``compile`` writes the ``.mo`` files, ``check`` fails when a Latvian
translation is missing or a ``.mo`` is older than its ``.po`` (the test suite runs the
same check).
"""

from __future__ import annotations

import io
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, session
from flask_babel import Babel

HERE = Path(__file__).resolve().parent
TRANSLATIONS = HERE / "translations"
BABEL_CFG = HERE / "babel.cfg"
LANGUAGES = {"lv": "Latviešu", "en": "English"}
DEFAULT_LANGUAGE = "lv"
TIMEZONE = ZoneInfo("Europe/Riga")


def select_locale() -> str:
    """The session's language (set at sign-in from the profile, or by the switch)."""
    lang = session.get("lang")
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def _local(value: datetime) -> datetime:
    return value.astimezone(TIMEZONE) if value.tzinfo is not None else value


def lvdate(value: date | datetime | None) -> str:
    """dd.mm.yyyy (a datetime in Riga time); empty for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value)
    return value.strftime("%d.%m.%Y")


def lvdatetime(value: datetime | None) -> str:
    """dd.mm.yyyy HH:MM in Riga time; empty for None."""
    return _local(value).strftime("%d.%m.%Y %H:%M") if value is not None else ""


def money(cents: int | None) -> str:
    """Whole cents as euro with a decimal comma: ``6000`` → ``60,00 €`` (the
    workplace is Latvian first; English pages read the comma too)."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole},{part:02d} €"


def init_app(app: Flask) -> None:
    Babel(
        app,
        locale_selector=select_locale,
        default_locale=DEFAULT_LANGUAGE,
        default_timezone="Europe/Riga",
        default_translation_directories=str(TRANSLATIONS),
    )
    app.add_template_filter(lvdate, "lvdate")
    app.add_template_filter(lvdatetime, "lvdatetime")
    app.add_template_filter(money, "money")
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES


# -- maintaining the catalogues (python -m webapp.i18n update|compile|check) ----------
def _catalogues() -> list[tuple[str, Path]]:
    return [
        (lang, TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po")
        for lang in LANGUAGES
    ]


def extract() -> Any:
    """Every message marked in webapp/ (Python and templates) as a babel Catalog."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with BABEL_CFG.open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    catalog = Catalog(project="PKIP", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(HERE), method_map, options_map, keywords=_keywords()
    ):
        catalog.add(
            message,
            locations=[(filename, lineno)],
            auto_comments=comments,
            context=context,
        )
    return catalog


def _keywords() -> dict[str, Any]:
    from babel.messages.extract import DEFAULT_KEYWORDS

    return {
        **DEFAULT_KEYWORDS,
        "_l": None,
        "lazy_gettext": None,
        "lazy_ngettext": (1, 2),
    }


def problems() -> list[str]:
    """Missing or fuzzy Latvian translations, stale .mo files."""
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    found: list[str] = []
    wanted = {m.id for m in extract() if m.id}
    for lang, po_path in _catalogues():
        with po_path.open("rb") as f:
            po = read_po(f, locale=lang)
        ids = {m.id for m in po if m.id}
        for msg_id in sorted(wanted - ids, key=str):
            found.append(f"{lang}: not in messages.po: {msg_id!r} (run update)")
        if lang == DEFAULT_LANGUAGE:
            for m in po:
                if m.id and (m.fuzzy or not _translated(m.string)):
                    found.append(f"{lang}: no translation for {m.id!r}")
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists():
            found.append(f"{lang}: {mo_path.name} missing (run compile)")
            continue
        with mo_path.open("rb") as f:
            mo = read_mo(f)
        if _messages(mo) != _messages(po, skip_fuzzy=True):
            found.append(f"{lang}: {mo_path.name} differs from messages.po (compile)")
    return found


def _translated(string: Any) -> bool:
    if isinstance(string, tuple | list):
        return all(string)
    return bool(string)


def _messages(catalog: Any, *, skip_fuzzy: bool = False) -> dict[Any, Any]:
    out = {}
    for m in catalog:
        if not m.id or (skip_fuzzy and m.fuzzy) or not _translated(m.string):
            continue
        key = m.id if isinstance(m.id, str) else tuple(m.id)
        value = m.string if isinstance(m.string, str) else tuple(m.string)
        if value != key:  # read_mo gives untranslated plurals as their msgids
            out[key] = value
    return out


def update() -> None:
    """Merge newly marked messages into both catalogues (keeps translations)."""
    from babel.messages.pofile import read_po, write_po

    template = extract()
    for lang, po_path in _catalogues():
        with po_path.open("rb") as f:
            po = read_po(f, locale=lang)
        po.update(template, update_header_comment=False)
        buf = io.BytesIO()
        write_po(buf, po, width=88, sort_output=True, include_lineno=False)
        po_path.write_bytes(buf.getvalue())


def compile_all() -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for lang, po_path in _catalogues():
        with po_path.open("rb") as f:
            po = read_po(f, locale=lang)
        with po_path.with_suffix(".mo").open("wb") as f:
            write_mo(f, po, use_fuzzy=False)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "check"
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command != "check":
        print("usage: python -m webapp.i18n update|compile|check", file=sys.stderr)
        return 2
    found = problems()
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
