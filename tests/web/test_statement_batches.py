"""Statement batches from the pages, on the embedded default (jobs in a thread, no Redis):
ask, follow the progress, download one ZIP with a PDF per account and a manifest.

The world's agency partner reaches three customers: its own (AC-0003), its sub-agent's
(AC-0004) and its sub-sub-agent's (AC-0005). Each has one invoice of 8,642.19 issued on
26 Feb 2026. Only AC-0004 approved the agency here, so of February's three statements
only AC-0004's carries amounts.
"""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile

import pytest
from sqlalchemy import func, select

from billing.invoicing.statement_batch_models import StatementBatch
from tests.conftest import csrf_token, login
from tests.factories import CPNI_MARKERS, approve
from tests.pdf.pdftext import pdf_text

FEBRUARY = "2026-02"
AGENCY_FILES = {"AC-0003": "statement-AC-0003-2026-02-01-2026-02-28.pdf",
                "AC-0004": "statement-AC-0004-2026-02-01-2026-02-28.pdf",
                "AC-0005": "statement-AC-0005-2026-02-01-2026-02-28.pdf"}


def ask(client, base: str, month: str = FEBRUARY, **extra):
    data = {"csrf_token": csrf_token(client, base), "month": month, **extra}
    return client.post(base, data=data)


def batch_url(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def wait_until_done(client, url: str, timeout: float = 90.0) -> dict:
    """Poll the progress JSON, as the page's script does, until the batch stops."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        progress = client.get(f"{url}/progress").get_json()
        if not progress["active"]:
            return progress
        time.sleep(0.05)
    raise AssertionError(f"batch {url} still going after {timeout} s: {progress}")


def zip_contents(client, url: str) -> dict[str, bytes]:
    response = client.get(f"{url}/statements.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    body = response.data
    response.close()  # a streamed file: closed as a browser's download would close it
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture
def agency_batch(login_as, session, world):
    approve(session, world.customers["sub"], world.partners["agency"])
    session.commit()
    client = login_as("agency_admin")
    url = batch_url(ask(client, "/partner/statements"))
    return client, url, wait_until_done(client, url)


def test_partner_batch_holds_one_statement_per_customer_amounts_only_where_approved(
        agency_batch):
    client, url, progress = agency_batch
    assert progress == {"state": "done", "active": False, "done": 3, "total": 3,
                        "label": "3 of 3 statements"}
    files = zip_contents(client, url)
    assert sorted(files) == sorted([*AGENCY_FILES.values(), "manifest.csv"])
    approved = " ".join(pdf_text(files[AGENCY_FILES["AC-0004"]]).split())
    assert "Sub Customer" in approved and "$8,642.19" in approved
    for account in ("AC-0003", "AC-0005"):
        text = " ".join(pdf_text(files[AGENCY_FILES[account]]).split())
        assert account in text and "Amounts withheld" in text
        for hidden in (*CPNI_MARKERS, "Opening balance"):
            assert hidden not in text, (account, hidden)


def test_the_manifest_lists_each_statement_and_whether_amounts_were_withheld(agency_batch):
    client, url, _ = agency_batch
    response = client.get(f"{url}/manifest.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    response.close()
    assert rows == [
        ["Account", "Account name", "Period start", "Period end", "File", "Amounts withheld"],
        ["AC-0003", "Agency Customer", "2026-02-01", "2026-02-28", AGENCY_FILES["AC-0003"], "yes"],
        ["AC-0004", "Sub Customer", "2026-02-01", "2026-02-28", AGENCY_FILES["AC-0004"], "no"],
        ["AC-0005", "Subsub Customer", "2026-02-01", "2026-02-28", AGENCY_FILES["AC-0005"],
         "yes"],
    ]
    page = client.get(url).get_data(as_text=True)
    assert "Download the statements (ZIP)" in page
    assert "2 statements carry no amounts" in page


def test_asking_again_serves_the_stored_batch(agency_batch, session):
    client, url, _ = agency_batch
    assert batch_url(ask(client, "/partner/statements")) == url
    assert session.scalar(select(func.count()).select_from(StatementBatch)) == 1


def test_a_changed_approval_retires_the_stored_batch(agency_batch, session, world):
    """Once AC-0003 approves too, the old ZIP (rendered without its amounts) is not the
    batch asked for any more: a new one is made, and the old one is no longer served."""
    client, url, _ = agency_batch
    assert f'href="{url}"' in client.get("/partner/statements").get_data(as_text=True)
    approve(session, world.customers["agency"], world.partners["agency"])
    session.commit()
    assert client.get(f"{url}/statements.zip").status_code == 404
    assert f'href="{url}"' not in client.get("/partner/statements").get_data(as_text=True)
    fresh = batch_url(ask(client, "/partner/statements"))
    assert fresh != url
    wait_until_done(client, fresh)
    text = pdf_text(zip_contents(client, fresh)[AGENCY_FILES["AC-0003"]])
    assert "$8,642.19" in text


def test_other_partners_and_customers_get_404(agency_batch, app, world):
    _, url, _ = agency_batch
    for key in ("other_admin", "channel_admin", "sub_admin"):
        stranger = app.test_client()
        login(stranger, world.users[key])
        path = url.replace("/partner/statements", "/partner/statements")
        for suffix in ("", "/progress", "/statements.zip", "/manifest.csv"):
            assert stranger.get(path + suffix).status_code == 404, (key, suffix)
    staff = app.test_client()
    login(staff, world.users["staff"])
    batch_id = re.search(r"/(\d+)$", url)[1]
    assert staff.get(f"/staff/statement-batches/{batch_id}").status_code == 404


def test_staff_batch_of_one_partner_holds_its_customers_with_amounts(login_as, world):
    client = login_as("staff")
    partner = world.partners["channel"]
    url = batch_url(ask(client, "/staff/statement-batches", partner=str(partner.id)))
    assert wait_until_done(client, url)["done"] == 2  # AC-0001 and its location AC-0101
    files = zip_contents(client, url)
    assert sorted(files) == ["manifest.csv", "statement-AC-0001-2026-02-01-2026-02-28.pdf",
                             "statement-AC-0101-2026-02-01-2026-02-28.pdf"]
    text = pdf_text(files["statement-AC-0001-2026-02-01-2026-02-28.pdf"])
    assert "$8,642.19" in text
    page = client.get("/staff/statement-batches").get_data(as_text=True)
    assert "Channel One" in page and "Ready" in page


def test_staff_batch_of_all_accounts_renders_every_account(login_as, session):
    client = login_as("staff")
    url = batch_url(ask(client, "/staff/statement-batches", partner=""))
    progress = wait_until_done(client, url)
    assert (progress["done"], progress["total"]) == (8, 8)  # the world's 8 accounts
    assert len(zip_contents(client, url)) == 8 + 1


@pytest.mark.parametrize("month", ["2026-13", "next", "2999-01"])
def test_a_bad_or_unfinished_month_is_refused_and_nothing_recorded(login_as, session, month):
    client = login_as("agency_admin")
    response = ask(client, "/partner/statements", month=month)
    assert response.status_code == 200
    assert 'class="field-error"' in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(StatementBatch)) == 0
