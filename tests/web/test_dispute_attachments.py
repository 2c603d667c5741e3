"""Files sent with disputes: stored privately, served only through the access policy."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from billing.core.clock import utcnow
from billing.disputes import files as dispute_files
from billing.disputes import filing, steps
from billing.disputes.models import Dispute
from tests.conftest import csrf_token, login
from tests.factories import approve, make_tiers, recent_invoice

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CSV = b"date,number,minutes\n2026-10-02,+15551230000,12\n"


@pytest.fixture
def files_dir(app, tmp_path):
    before = app.config["ATTACHMENT_DIR"]
    app.config["ATTACHMENT_DIR"] = str(tmp_path / "attachments")
    yield tmp_path / "attachments"
    app.config["ATTACHMENT_DIR"] = before


@pytest.fixture
def filed(login_as, session, world, files_dir):
    """A dispute the channel customer filed through its page, with a PDF attached."""
    make_tiers(session)
    invoice = recent_invoice(session, world.customers["channel"])
    session.commit()
    client = login_as("customer_admin")
    url = f"/customer/invoices/{invoice.id}/dispute"
    response = client.post(url, data={
        "csrf_token": csrf_token(client, url), "reason": "wrong_rate", "amount": "40",
        "description": "The rate is wrong; see the contract.",
        "attachments": [(io.BytesIO(PDF), "../signed contract.pdf")]})
    assert response.status_code == 302
    dispute = session.scalars(select(Dispute)).one()
    return dispute, dispute.attachments[0], client


def file_url(audience: str, dispute, attachment) -> str:
    return f"/{audience}/disputes/{dispute.id}/files/{attachment.id}"


def test_the_owner_downloads_the_file_as_sent_with_headers_that_keep_it_inert(filed):
    dispute, attachment, client = filed
    page = client.get(f"/customer/disputes/{dispute.id}").get_data(as_text=True)
    assert f'href="{file_url("customer", dispute, attachment)}"' in page
    response = client.get(file_url("customer", dispute, attachment))
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="signed contract.pdf"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert "no-store" in response.headers["Cache-Control"]
    response.close()


def test_the_customers_files_reach_its_partner_only_under_its_approval(filed, app, world,
                                                                       session):
    """A customer's file may be a copy of its invoice: CPNI."""
    dispute, attachment, _ = filed
    client = app.test_client()
    login(client, world.users["channel_admin"])
    page = client.get(f"/partner/disputes/{dispute.id}").get_data(as_text=True)
    assert "signed contract.pdf" not in page and "1 file withheld" in page
    assert client.get(file_url("partner", dispute, attachment)).status_code == 404
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    assert "signed contract.pdf" in client.get(f"/partner/disputes/{dispute.id}").get_data(
        as_text=True)
    response = client.get(file_url("partner", dispute, attachment))
    assert response.status_code == 200 and response.data == PDF
    response.close()


def test_a_partner_always_gets_the_files_its_own_people_sent(filed, app, world):
    dispute, _, _ = filed
    client = app.test_client()
    login(client, world.users["channel_admin"])
    url = f"/partner/disputes/{dispute.id}/comment"
    response = client.post(url, data={
        "csrf_token": csrf_token(client, f"/partner/disputes/{dispute.id}"),
        "body": "Call log attached.", "attachments": [(io.BytesIO(CSV), "calls.csv")]})
    assert response.status_code == 302
    page = client.get(f"/partner/disputes/{dispute.id}").get_data(as_text=True)
    link = re.search(r'href="(/partner/disputes/\d+/files/\d+)">calls\.csv<', page)
    assert link and "signed contract.pdf" not in page
    response = client.get(link.group(1))
    assert response.status_code == 200 and response.data == CSV
    response.close()


@pytest.mark.parametrize("user_key, audience", [
    ("other_customer", "customer"), ("location_admin", "customer"),
    ("other_admin", "partner"), ("sub_admin", "partner")])
def test_users_outside_the_disputes_reach_get_404(filed, app, world, user_key, audience):
    dispute, attachment, _ = filed
    client = app.test_client()
    login(client, world.users[user_key])
    assert client.get(file_url(audience, dispute, attachment)).status_code == 404
    assert client.get(f"/{audience}/disputes/{dispute.id}").status_code == 404


def test_a_file_is_found_only_under_its_own_dispute(filed, session, world):
    dispute, attachment, client = filed
    second = filing.file_dispute(
        session, invoice=dispute.invoice, user=world.users["customer_admin"], reason="tax",
        description="Tax charged twice.", amount_minor=500, now=utcnow()).dispute
    session.commit()
    assert client.get(f"/customer/disputes/{second.id}/files/{attachment.id}").status_code == 404
    assert client.get(f"/customer/disputes/{dispute.id}/files/abc").status_code == 404
    assert client.get(f"/customer/disputes/{dispute.id}/files/{attachment.id + 1}"
                      ).status_code == 404


def test_files_are_kept_outside_static_under_random_names(filed, app, files_dir):
    dispute, attachment, client = filed
    stored = dispute_files.path_of(attachment, files_dir)
    assert stored.read_bytes() == PDF and re.fullmatch(r"[0-9a-f]{32}", stored.name)
    assert Path(app.static_folder) not in stored.resolve().parents
    assert attachment.filename == "signed contract.pdf"  # no path from the sender's name
    assert client.get(f"/static/{stored.name}").status_code == 404
    assert client.get(f"/static/{attachment.filename}").status_code == 404


def test_files_of_staff_internal_notes_never_reach_the_filer(filed, session, world, files_dir):
    dispute, _, client = filed
    staff = world.users["staff"]
    note = steps.comment(session, dispute.id, staff, "Rate card looks off.", utcnow(),
                         internal=True)
    hidden = dispute_files.store(session, dispute=dispute, user=staff, now=utcnow(),
                                 files=[("rate card.csv", CSV)], folder=files_dir,
                                 event=note.event)[0]
    shared = steps.comment(session, dispute.id, staff, "Here is our rate card.", utcnow())
    shown = dispute_files.store(session, dispute=dispute, user=staff, now=utcnow(),
                                files=[("our rates.csv", CSV)], folder=files_dir,
                                event=shared.event)[0]
    session.commit()
    page = client.get(f"/customer/disputes/{dispute.id}").get_data(as_text=True)
    assert "rate card.csv" not in page and "Rate card looks off" not in page
    assert "our rates.csv" in page
    assert client.get(file_url("customer", dispute, hidden)).status_code == 404
    response = client.get(file_url("customer", dispute, shown))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    response.close()


def test_a_comment_carries_its_files_onto_the_timeline(filed, session):
    dispute, _, client = filed
    url = f"/customer/disputes/{dispute.id}"
    response = client.post(f"{url}/comment", data={
        "csrf_token": csrf_token(client, url), "body": "Our call log is attached.",
        "attachments": [(io.BytesIO(CSV), "calls.csv")]})
    assert response.status_code == 302
    session.expire_all()
    attachment = next(a for a in dispute.attachments if a.filename == "calls.csv")
    assert attachment.event_id == dispute.events[-1].id
    assert dispute.events[-1].kind == "commented"
    download = client.get(file_url("customer", dispute, attachment))
    assert download.data == CSV
    download.close()


def test_a_bad_file_on_a_comment_refuses_the_comment(filed, session, files_dir):
    dispute, _, client = filed
    url = f"/customer/disputes/{dispute.id}"
    response = client.post(f"{url}/comment", data={
        "csrf_token": csrf_token(client, url), "body": "See the picture.",
        "attachments": [(io.BytesIO(b"GIF89a"), "photo.png")]})
    assert response.status_code == 400
    assert "content is not a PNG file" in response.get_data(as_text=True)
    session.expire_all()
    assert [e.kind for e in dispute.events] == ["filed"] and len(dispute.attachments) == 1
    assert len(list(files_dir.iterdir())) == 1
