"""The logo on documents: the provider's, or a rebiller's on its white-label documents,
and only ever an image file under our own static/ folder."""

from __future__ import annotations

import io

import pdfplumber
import pytest

from reports import logos
from reports.invoice_pdf import render_invoice_pdf
from tests.pdf.long_documents import BRAND, PROVIDER, invoice


def _drawn_in_header(pdf: bytes) -> int:
    """How many vector shapes (an SVG logo's paths) are drawn in the page's header band."""
    page = pdfplumber.open(io.BytesIO(pdf)).pages[0]
    return len([shape for shape in page.curves + page.images if shape["top"] < 110])


def test_the_provider_logo_is_drawn_in_the_header():
    with_logo = render_invoice_pdf(invoice("USD"), provider=PROVIDER, brand=None,
                                   locale="en_US")
    without = render_invoice_pdf(invoice("USD"), provider={**PROVIDER, "logo": None},
                                 brand=None, locale="en_US")
    assert _drawn_in_header(with_logo) > 0 == _drawn_in_header(without)


def test_a_white_label_document_never_shows_the_provider_logo():
    pdf = render_invoice_pdf(invoice("USD"), provider=PROVIDER, brand=BRAND, locale="en_US")
    assert _drawn_in_header(pdf) == 0
    branded = render_invoice_pdf(invoice("USD"), provider=PROVIDER,
                                 brand={**BRAND, "logo": "img/logo.svg"}, locale="en_US")
    assert _drawn_in_header(branded) > 0


def test_the_provider_logo_ships_with_the_portal():
    assert logos.static_image("img/logo.svg") == "img/logo.svg"


@pytest.mark.parametrize("path", ["../pyproject.toml", "/etc/passwd", "img/../../README.md",
                                  "img/missing.svg", "css", None, ""])
def test_only_image_files_under_static_are_logos(path):
    assert logos.static_image(path) is None


def test_a_rebillers_logo_is_found_by_its_partner_code(tmp_path, monkeypatch):
    brands = tmp_path / "img" / "brands"
    brands.mkdir(parents=True)
    (brands / "ws-10.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    monkeypatch.setattr(logos, "STATIC", tmp_path)
    assert logos.brand_logo("WS-10") == "img/brands/ws-10.png"
    assert logos.brand_logo("CH-10") is None
    assert logos.brand_logo("../../ws-10") == "img/brands/ws-10.png"  # reduced to a name
    assert logos.brand_logo("") is None
