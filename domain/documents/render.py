# SPDX-License-Identifier: EUPL-1.2
"""Templates to HTML (a Jinja sandbox) and HTML to PDF (WeasyPrint, DejaVu embedded).

Analysts write the templates, so a template is untrusted code: it runs in Jinja's
``ImmutableSandboxedEnvironment`` (no attribute that starts with ``_``, no mutation of
what it is given, no Python internals) with autoescape, so a value such as a client's
name cannot inject markup either. WeasyPrint fetches nothing: every URL is refused
except the font files named below, so a template cannot read local files or reach the
network. The font is DejaVu Sans, embedded, so the PDF looks the same everywhere and
has every Latvian letter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from core.calendar import RIGA

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {
    "normal": FONT_DIR / "DejaVuSans.ttf",
    "bold": FONT_DIR / "DejaVuSans-Bold.ttf",
}
PAGE_CSS = f"""
@font-face {{ font-family: "PKIP DejaVu"; src: url("{FONTS["normal"].as_uri()}"); }}
@font-face {{ font-family: "PKIP DejaVu"; font-weight: bold;
  src: url("{FONTS["bold"].as_uri()}"); }}
@page {{ size: A4; margin: 20mm 18mm; }}
html {{ font-family: "PKIP DejaVu"; font-size: 11pt; line-height: 1.4; }}
h1 {{ font-size: 15pt; }}
"""


class TemplateProblem(ValueError):
    """A template that cannot be rendered: the reason in Latvian and English."""

    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_en = message_en


# -- Latvian formats -------------------------------------------------------------------
def latvian_date(value: Any) -> str:
    """dd.mm.yyyy from a date, an aware datetime (Riga time) or an ISO string."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = (
                datetime.fromisoformat(value)
                if "T" in value
                else date.fromisoformat(value)
            )
        except ValueError:
            raise ValueError(f"nav datums: {value!r}") from None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(RIGA)
        value = value.date()
    if not isinstance(value, date):
        raise ValueError(f"nav datums: {value!r}")
    return value.strftime("%d.%m.%Y")


def latvian_amount(value: Any, places: int = 2) -> str:
    """A decimal comma and a space between thousands: ``1 234,50``."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(f"nav skaitlis: {value!r}") from None
    quantum = Decimal(1).scaleb(-places)
    text = f"{number.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def latvian_euro(value: Any) -> str:
    return f"{latvian_amount(value)}\u00a0EUR"


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        autoescape=True, undefined=StrictUndefined, auto_reload=False
    )
    env.filters.update(datums=latvian_date, summa=latvian_amount, eiro=latvian_euro)
    return env


_ENV = _environment()


# -- rendering -------------------------------------------------------------------------
def render_html(body: str, context: Mapping[str, Any]) -> str:
    """The template's HTML for ``context``; ``TemplateProblem`` names what is wrong."""
    try:
        template = _ENV.from_string(body)
        return template.render(dict(context))
    except SecurityError as exc:
        raise TemplateProblem(
            f"Veidne mēģina piekļūt neatļautam: {exc}",
            f"The template reaches for something not allowed: {exc}",
        ) from None
    except TemplateError as exc:
        where = f" (rinda {exc.lineno})" if getattr(exc, "lineno", None) else ""
        raise TemplateProblem(
            f"Veidnes kļūda{where}: {exc.message or exc}",
            f"Template error{where}: {exc.message or exc}",
        ) from None
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise TemplateProblem(
            f"Veidnes vērtība nav derīga: {exc}", f"A template value is invalid: {exc}"
        ) from None


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    allowed = {path.as_uri(): path for path in FONTS.values()}

    class FontsOnly(URLFetcher):  # type: ignore[misc]
        # Only the embedded fonts: a template must not read files or reach the
        # network; anything else stops the rendering (fail_on_errors).
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url not in allowed:
                raise ValueError(f"URL not allowed in documents: {url[:80]}")
            return URLFetcherResponse(
                url,
                body=allowed[url].read_bytes(),
                headers={"Content-Type": "font/ttf"},
            )

    return FontsOnly(fail_on_errors=True)


@dataclass(frozen=True)
class RenderedPdf:
    html: str
    pdf: bytes


def html_to_pdf(html: str) -> bytes:
    """Render HTML to PDF with WeasyPrint; the page CSS (font, A4) is applied."""
    from weasyprint import CSS, HTML  # heavy: imported when a PDF is made
    from weasyprint.urls import FatalURLFetchingError

    fetcher = _fetcher()
    try:
        document = HTML(string=html, url_fetcher=fetcher, base_url="about:blank")
        stylesheet = CSS(string=PAGE_CSS, url_fetcher=fetcher)
        pdf: bytes = document.write_pdf(stylesheets=[stylesheet])
    except FatalURLFetchingError as exc:
        raise TemplateProblem(
            f"Veidne atsaucas uz ārēju resursu, tas nav atļauts: {exc}",
            f"The template refers to an outside resource, not allowed: {exc}",
        ) from None
    return pdf


def render_pdf(body: str, context: Mapping[str, Any]) -> RenderedPdf:
    html = render_html(body, context)
    return RenderedPdf(html=html, pdf=html_to_pdf(html))
