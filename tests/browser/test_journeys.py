"""User journeys through a real browser: log in, read invoices, download PDFs, revoke CPNI,
run invoicing.

Each test drives headless Chromium against the live server and checks what the user
would see on screen or find in the downloaded file.
"""

from __future__ import annotations

import io
import re

import pyotp
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from billing.core.clock import provider_date, recent_periods, utcnow
from billing.invoicing.runs import work_on_run
from billing.invoicing.usage_models import InvoiceRun
from tests.factories import CPNI_MARKERS, PASSWORD, approve

WRONG_LOGIN = "The e-mail address or password is not correct."


@pytest.fixture
def approved_world(world, session):
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    return world


def log_in(page, email, password=PASSWORD):
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def nav_link(page, name, exact=False):
    """A link of the main navigation, its menu opened first when it sits in one."""
    nav = page.get_by_role("navigation").first
    link = nav.get_by_role("link", name=name, exact=exact)
    if not link.is_visible():
        hidden = page.get_by_role("link", name=name, exact=exact, include_hidden=True)
        nav.locator("details").filter(has=hidden).locator("summary").click()
    return link


def open_invoice_from_list(page, number):
    nav_link(page, "Invoices").click()
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Invoice {number}")


def pdf_text(download, folder) -> str:
    path = folder / download.suggested_filename
    download.save_as(path)
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return "\n".join(page.extract_text() for page in reader.pages)


def revoke_approval(page, partner_name):
    nav_link(page, "CPNI approvals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("CPNI approvals")
    row = page.get_by_role("row").filter(has_text=partner_name)
    form = row.locator("form").filter(has=page.get_by_role("button", name="Revoke"))
    form.locator("input[type=password]").fill(PASSWORD)
    form.get_by_role("button", name="Revoke").click()


def assert_cpni_withheld(page):
    expect(page.get_by_role("note")).to_contain_text("CPNI withheld")
    html = page.content()
    for marker in CPNI_MARKERS:
        assert marker not in html


def test_approved_partner_sees_charges_and_downloads_the_invoice_pdf(
    approved_world, browser_page, tmp_path
):
    page, invoice = browser_page, approved_world.invoices["channel"]
    log_in(page, approved_world.users["channel_admin"].email)
    open_invoice_from_list(page, invoice.number)
    expect(page.locator("table.lines")).to_contain_text("8,642.19")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF").click()
    download = info.value
    assert download.suggested_filename == f"invoice-{invoice.number}.pdf"
    text = pdf_text(download, tmp_path)
    assert invoice.number in text
    assert "QUOKKA-LINE-4410" in text


def test_revoked_approval_hides_charges_on_the_partners_very_next_request(
    approved_world, new_page
):
    invoice = approved_world.invoices["channel"]
    partner, customer = new_page(), new_page()
    log_in(partner, approved_world.users["channel_admin"].email)
    partner.goto(f"/partner/invoices/{invoice.id}")
    expect(partner.locator("table.lines")).to_contain_text("8,642.19")

    log_in(customer, approved_world.users["customer_admin"].email)
    revoke_approval(customer, "Channel One")
    expect(customer.get_by_role("status")).to_have_text("Channel One no longer sees your CPNI.")
    expect(customer.get_by_role("row").filter(has_text="Channel One").first).to_contain_text(
        "Not approved"
    )

    partner.reload()
    expect(partner.get_by_role("heading", level=1)).to_have_text(f"Invoice {invoice.number}")
    assert_cpni_withheld(partner)


def test_wrong_password_is_refused_with_a_message_on_the_login_page(world, browser_page):
    page = browser_page
    log_in(page, world.users["channel_admin"].email, password="not-the-password-123")
    expect(page.get_by_role("status")).to_have_text(WRONG_LOGIN)
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(page.get_by_role("navigation")).to_have_count(0)


def log_in_as_staff(page, user):
    log_in(page, user.email)
    page.get_by_label("Six-digit code").fill(pyotp.TOTP(user.totp_secret).now())
    page.get_by_role("button", name="Continue").click()


def test_billing_staff_run_a_period_watch_it_finish_and_issue_its_drafts(world, browser_page):
    page = browser_page
    log_in_as_staff(page, world.users["staff"])
    nav_link(page, "Invoice runs").click()
    page.get_by_role("button", name="Start the run").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Invoice run ")
    expect(page.get_by_role("progressbar")).to_have_attribute("value", "7", timeout=20_000)
    expect(page.locator("[data-progress-label]")).to_have_text("7 of 7 accounts")
    page.get_by_role("button", name="Issue 7 drafts").click()

    expect(page.locator("[data-progress-label]")).to_have_text("7 of 7 invoices issued",
                                                                timeout=20_000)
    expect(page.locator("dl.facts").first).to_contain_text("Issued")
    page.get_by_role("link", name="See the issued invoices").click()
    expect(page.get_by_role("link", name=re.compile(r"^INV-USD-"))).to_have_count(7)


def test_the_progress_view_follows_a_run_started_elsewhere(world, session, browser_page):
    """The bar moves with what the run's worker writes, here a CLI run in another process."""
    period = recent_periods(provider_date(utcnow()), 2)[1]
    run = InvoiceRun(period_end=period.end, state="running", started_by="cli",
                     started_at=utcnow(), progress_at=utcnow(), total=7, done=2)
    session.add(run)
    session.commit()
    page = browser_page
    log_in_as_staff(page, world.users["staff"])
    page.goto(f"/staff/runs/{run.id}")
    bar, label = page.get_by_role("progressbar"), page.locator("[data-progress-label]")
    expect(label).to_have_text("2 of 7 accounts")

    run.done, run.progress_at = 5, utcnow()
    session.commit()
    expect(bar).to_have_attribute("value", "5")
    expect(label).to_have_text("5 of 7 accounts")

    work_on_run(session, run.id, now=utcnow())  # the worker that holds the run finishes it
    expect(page.get_by_role("button", name="Issue 7 drafts")).to_be_visible()
    expect(bar).to_have_attribute("value", "7")
