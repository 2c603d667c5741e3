"""No document runs past its margins, in any of the five locales, and no number wraps.

Each PDF the portal prints is rendered with the widest content it may meet
(tests/pdf/long_documents.py) and opened with pdfplumber, which gives the box of every
character on every page. Each box must lie inside the printable box: the A4 page less
the @page margins of reports/templates/_document.html. Only the running footer and the
page counter live in the bottom margin, as @page's margin boxes put them there.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pdfplumber
import pytest
from babel.numbers import format_currency

from tests.pdf.long_documents import BIG, CURRENCY, LOCALES, PROVIDER, documents

MM = 72 / 25.4
TOP, RIGHT, BOTTOM, LEFT = 18 * MM, 16 * MM, 20 * MM, 16 * MM  # as _document.html's @page
TOLERANCE = 0.5  # points: glyph boxes may overhang their advance by a hair

DOCUMENTS = documents()


def _spaced(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def _lines(chars) -> list[str]:
    """The characters grouped into printed lines, top to bottom."""
    rows: dict[int, list] = {}
    for char in chars:
        rows.setdefault(round(char["top"]), []).append(char)
    return ["".join(c["text"] for c in sorted(row, key=lambda c: c["x0"]))
            for _, row in sorted(rows.items())]


def _check_page(page, footer: re.Pattern) -> list[str]:
    """What on this page lies outside the printable box (empty when all is well)."""
    left, right = LEFT, page.width - RIGHT
    top, bottom = TOP, page.height - BOTTOM
    problems, in_footer = [], []
    for char in page.chars:
        if char["x0"] < left - TOLERANCE or char["x1"] > right + TOLERANCE:
            problems.append(f"{char['text']!r} at x {char['x0']:.1f}-{char['x1']:.1f}")
        elif char["top"] < top - TOLERANCE:
            problems.append(f"{char['text']!r} above the top margin")
        elif char["top"] >= bottom - TOLERANCE:
            in_footer.append(char)
        elif char["bottom"] > bottom + TOLERANCE:
            problems.append(f"{char['text']!r} runs into the bottom margin")
    for line in _lines(in_footer):
        if not footer.fullmatch(_spaced(line)):
            problems.append(f"{line!r} in the bottom margin")
    return problems


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("document", DOCUMENTS, ids=[d.name for d in DOCUMENTS])
def test_every_character_lies_inside_the_printable_box(document, locale):
    amount = _spaced(format_currency(Decimal(BIG) / 100, CURRENCY[locale], locale=locale))
    footer = re.compile(rf"({re.escape(PROVIDER['name'])}.*?)?\s*(\d+ / \d+)?")
    with pdfplumber.open(io.BytesIO(document.render(locale))) as pdf:
        problems = [f"page {page.page_number}: {problem}" for page in pdf.pages
                    for problem in _check_page(page, footer)]
        lines = [_spaced(line) for page in pdf.pages
                 for line in (page.extract_text() or "").splitlines()]
    assert not problems, problems[:10]
    for number in (*document.numbers, amount):
        assert any(number in line for line in lines), f"{number} is broken or missing"


def test_the_check_sees_a_table_past_the_margin():
    """The check itself: a table wider than the page is caught."""
    from weasyprint import HTML

    cells = "".join(f"<td>{'W' * 12}</td>" for _ in range(12))
    pdf_bytes = HTML(string=f"<style>@page {{ size: A4; margin: 18mm 16mm 20mm; }}</style>"
                            f"<table><tr>{cells}</tr></table>").write_pdf()
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        assert _check_page(pdf.pages[0], re.compile(""))
