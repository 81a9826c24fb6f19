# SPDX-License-Identifier: EUPL-1.2
"""Templates in the sandbox, Latvian formats, PDFs whose text is exactly Latvian."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from domain.documents.render import (
    TemplateProblem,
    latvian_amount,
    latvian_date,
    render_html,
    render_pdf,
)
from domain.documents.templates import SAMPLE_CONTEXT, SHIPPED
from tests.domain.documents.pdf import embedded_fonts, pdf_text

# the pangram has every Latvian diacritic (ā č ē ģ ī ķ ļ ņ š ū ž), in both cases
PANGRAM = "Glāžšķūņa rūķīši dzērumā čiepj Baha koncertflīģeļu vākus"
ALPHABET = f"{PANGRAM}\n{PANGRAM.upper()}"


def test_latvian_dates_and_amounts() -> None:
    assert latvian_date(date(2026, 3, 2)) == "02.03.2026"
    assert latvian_date("2026-12-31") == "31.12.2026"
    # 23:30 UTC on 31 December is already 1 January in Riga
    assert latvian_date(datetime(2025, 12, 31, 23, 30, tzinfo=UTC)) == "01.01.2026"
    assert latvian_amount(1234.5) == "1\u00a0234,50"
    assert latvian_amount("0.005") == "0,01"
    assert latvian_amount(-85) == "-85,00"
    with pytest.raises(ValueError, match="nav datums"):
        latvian_date("31.12.2026")
    with pytest.raises(ValueError, match="nav skaitlis"):
        latvian_amount("daudz")


def test_pdf_text_keeps_every_diacritic(tmp_path: Path) -> None:
    body = (
        "<h1>{{ title }}</h1><p>{{ pangram }}</p><p>{{ pangram|upper }}</p>"
        "<p>{{ day|datums }} — {{ sum|eiro }}</p>"
    )
    rendered = render_pdf(
        body,
        {
            "title": "Ķekavas novada pašvaldība",
            "pangram": PANGRAM,
            "day": "2026-03-02",
            "sum": 1234.5,
        },
    )
    assert rendered.pdf.startswith(b"%PDF-")
    assert set("āčēģīķļņšūžĀČĒĢĪĶĻŅŠŪŽ") <= set(ALPHABET)
    assert pdf_text(rendered.pdf) == (
        f"Ķekavas novada pašvaldība\n{ALPHABET}\n02.03.2026 — 1 234,50 EUR"
    )
    # the font is embedded, not the viewer's
    fonts = embedded_fonts(rendered.pdf, tmp_path)
    assert fonts and all("DejaVu-Sans" in name for name in fonts)


def test_shipped_permit_template_text() -> None:
    body = (SHIPPED / "permit.html").read_text(encoding="utf-8")
    text = pdf_text(render_pdf(body, SAMPLE_CONTEXT).pdf)
    assert text == (
        "Parauga pašvaldība\n"
        "Reģ. Nr. PARAUGS-2026-00001\n"
        "02.03.2026\n"
        "ATĻAUJA\n"
        "Lieta Nr. PARAUGS-2026-000001. Saņēmējs: Jānis Bērziņš.\n"
        "Lēmums par koku ciršanu\n"
        "Atļaut nocirst divas liepas.\n"
        "Adrese: Brīvības iela 1, Rīga\n"
        "Kompensācija: 170,00 EUR\n"
        "Lēmumu var apstrīdēt viena mēneša laikā no tā spēkā stāšanās dienas."
    )


def test_values_are_escaped() -> None:
    html = render_html("<p>{{ name }}</p>", {"name": "<script>x</script>"})
    assert html == "<p>&lt;script&gt;x&lt;/script&gt;</p>"


@pytest.mark.parametrize(
    "hostile",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ lipsum.__globals__['os'].popen('id').read() }}",
        "{{ self._TemplateReference__context }}",
        "{% set x = items.append(1) %}{{ x }}",
        "{{ ''.format.__self__ }}",
    ],
)
def test_hostile_templates_cannot_reach_python(hostile: str) -> None:
    with pytest.raises(TemplateProblem) as err:
        render_html(hostile, {"items": [1]})
    assert "Veidne" in err.value.message and err.value.message_en


@pytest.mark.parametrize(
    "body",
    [
        '<img src="file:///etc/passwd">',
        '<link rel="stylesheet" href="http://example.org/x.css"><p>x</p>',
        '<p style="background: url(file:///etc/shadow)">x</p>',
    ],
)
def test_templates_fetch_nothing(body: str) -> None:
    with pytest.raises(TemplateProblem, match="ārēju resursu"):
        render_pdf(body, {})


def test_mistakes_are_named() -> None:
    with pytest.raises(TemplateProblem, match="'nezinams' is undefined"):
        render_html("{{ nezinams }}", {})
    with pytest.raises(TemplateProblem, match="rinda 2"):
        render_html("<p>\n{% if %}</p>", {})
    with pytest.raises(TemplateProblem, match="nav datums"):
        render_html("{{ 'vakar'|datums }}", {})
