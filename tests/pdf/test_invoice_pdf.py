"""Invoice PDFs are real documents: opened and read here, as a customer's accountant would."""

from pathlib import Path

import pytest

from portal.access import CpniAccess
from portal.invoicing.presenters import invoice_dict
from reports.invoice_pdf import render_invoice_pdf
from tests.pdf.pdftext import pdf_text

PROVIDER = {"name": "Northwind Unified Communications", "address": "Denver"}


def _render(world, key, locale="en_US", visible=True, brand=None):
    data = invoice_dict(world.invoices[key], CpniAccess(visible), with_lines=True)
    return pdf_text(render_invoice_pdf(data, provider=PROVIDER, brand=brand, locale=locale))


def test_pdf_lists_lines_and_totals(world):
    text = _render(world, "channel")
    for expected in (world.invoices["channel"].number, "QUOKKA-LINE-4410", "$8,642.19",
                     "Amount due", "Channel Customer", "1 Test Street"):
        assert expected in text


@pytest.mark.parametrize("locale, amount, word", [
    ("de", "8.642,19", "Rechnung"), ("fr", "8 642,19", "Facture"),
    ("en_GB", "US$8,642.19", "Invoice"),
])
def test_pdf_speaks_the_locale(world, locale, amount, word):
    text = _render(world, "channel", locale=locale)
    assert word in text
    assert amount in text.replace("\u202f", " ").replace("\xa0", " ")


def test_rebiller_brand_replaces_the_provider_on_top(world):
    text = _render(world, "wholesale", brand={"name": "Rebill Voice", "color": "#0b7a75"})
    assert text.index("Rebill Voice") < text.index("Northwind Unified Communications")


def test_withheld_pdf_has_no_lines_or_amounts(world):
    text = _render(world, "channel", visible=False)
    assert "QUOKKA-LINE-4410" not in text and "8,642.19" not in text
    assert "Charges withheld" in text


def test_issued_invoice_pdf_is_rendered_once_and_reused(login_as, world, app):
    client = login_as("customer_admin")
    url = f"/customer/invoices/{world.invoices['channel'].id}/pdf"
    first = client.get(url).data
    cached = list(Path(app.config["PDF_CACHE_DIR"]).glob("*.pdf"))
    assert len(cached) == 1
    assert client.get(url).data == first


def test_documents_cannot_fetch_outside_static(tmp_path):
    from reports.invoice_pdf import StaticOnlyFetcher

    secret = tmp_path / "secret.txt"
    secret.write_text("nope")
    fetcher = StaticOnlyFetcher(allowed_protocols={"file"})
    for url in (secret.as_uri(), "http://127.0.0.1:9/x.css"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_a_changed_draft_is_never_served_stale(login_as, session, world):
    from sqlalchemy import select

    from billing.invoicing.models import Invoice
    from tests.conftest import csrf_token
    from tests.factories import another_period_end, make_invoice

    draft = make_invoice(session, world.customers["direct"], None, status="draft",
                         period_end=another_period_end())
    session.commit()
    client = login_as("staff")
    url = f"/staff/customers/{world.customers['direct'].id}"
    client.post(f"{url}/cpni", data={"csrf_token": csrf_token(client, url), "purpose": "billing"})
    assert "QUOKKA-LINE-4410" in pdf_text(client.get(f"/staff/invoices/{draft.id}/pdf").data)
    draft = session.scalars(select(Invoice).where(Invoice.id == draft.id)).one()
    draft.lines[0].description = "Voice seat WOMBAT-EDITED"
    session.commit()
    text = pdf_text(client.get(f"/staff/invoices/{draft.id}/pdf").data)
    assert "WOMBAT-EDITED" in text and "QUOKKA-LINE-4410" not in text


def test_each_audience_gets_its_own_withheld_copy(login_as, world):
    invoice = world.invoices["channel"].id
    def text(user, url):
        return " ".join(pdf_text(login_as(user).get(url).data).split())

    staff = text("staff", f"/staff/invoices/{invoice}/pdf")
    partner = text("channel_admin", f"/partner/invoices/{invoice}/pdf")
    assert "State the purpose" in staff and "State the purpose" not in partner
    assert "has not approved access" in partner
