"""The invoice PDF's line table: the new columns (calls, rounded minutes, rate with unit,
tax base) in each locale, and the table inside the page's printable box."""

import io

import pdfplumber
import pytest

from portal.access import CpniAccess
from portal.invoicing.presenters import invoice_dict
from reports.invoice_pdf import render_invoice_pdf
from tests.pdf.pdftext import pdf_text
from tests.web.test_invoice_lines import telecom_invoice  # noqa: F401 (fixture)

PROVIDER = {"name": "Northwind Unified Communications", "address": "Denver"}
MARGIN_PT = 16 / 25.4 * 72  # the documents' left and right page margin (16 mm)
EXPECTED = {"en_US": ("231.92 min", "1,234", "$0.0450 / min", "$46.44", "2.9%"),
            "de": ("231,92 min", "1.234", "0,0450 $ / min", "46,44 $", "2,9 %"),
            "fr": ("231,92 min", "1 234", "0,0450 $US / min", "46,44 $US", "2,9 %")}


def _pdf(invoice, locale) -> bytes:
    data = invoice_dict(invoice, CpniAccess(True), with_lines=True)
    return render_invoice_pdf(data, provider=PROVIDER, brand=None, locale=locale)


@pytest.mark.parametrize("locale", sorted(EXPECTED))
def test_pdf_lines_show_calls_minutes_rates_and_tax_base(telecom_invoice, locale):  # noqa: F811
    text = pdf_text(_pdf(telecom_invoice, locale)).replace("\xa0", " ").replace("\u202f", " ")
    for expected in EXPECTED[locale]:
        assert expected in text, expected
    assert "231.916667" not in text and "231,916667" not in text


@pytest.mark.parametrize("locale", ["en_US", "en_GB", "de", "fr", "es"])
def test_pdf_line_table_stays_inside_the_margins(telecom_invoice, locale):  # noqa: F811
    with pdfplumber.open(io.BytesIO(_pdf(telecom_invoice, locale))) as pdf:
        for page in pdf.pages:
            for char in page.chars:
                assert MARGIN_PT - 1 <= char["x0"] and char["x1"] <= page.width - MARGIN_PT + 1, (
                    f"{char['text']!r} at {char['x0']:.0f}-{char['x1']:.0f} of {page.width:.0f}")
