"""Filing and following disputes through the customer and partner pages."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from billing.core.clock import utcnow
from billing.cpni.models import CpniDisclosure
from billing.disputes import files as dispute_files
from billing.disputes import filing, steps
from billing.disputes.models import Dispute, DisputeAttachment, DisputeEvent
from portal import notices
from portal.disputes import notices as dispute_notices
from tests.conftest import csrf_token, login
from tests.factories import (
    CPNI_MARKERS,
    approve,
    make_billing_staff,
    make_tiers,
    make_user,
    recent_invoice,
)
from tests.querycount import counted

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)
CSV = b"date,number,minutes\n2026-10-02,+15551230000,12\n"
# The invoice's line amounts as a page would print them (the total is among CPNI_MARKERS).
LINE_AMOUNTS = ("8,617.19", "$25.00")
DESCRIPTION = "The seat rate is not our contract rate."


@pytest.fixture
def files_dir(app, tmp_path):
    """Attachments of this test only, in a private folder."""
    before = app.config["ATTACHMENT_DIR"]
    app.config["ATTACHMENT_DIR"] = str(tmp_path / "attachments")
    yield tmp_path / "attachments"
    app.config["ATTACHMENT_DIR"] = before


@pytest.fixture
def case(world, session, files_dir):
    """Tiers, and an invoice of $8,642.19 of the channel customer issued a week ago."""
    make_tiers(session)
    invoice = recent_invoice(session, world.customers["channel"])
    session.commit()
    return invoice


def count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def filing_form(client, page: str, **values) -> dict:
    data = {"csrf_token": csrf_token(client, page), "reason": "wrong_rate", "amount": "125.50",
            "description": DESCRIPTION}
    data.update(values)
    return data


def file_via(client, audience: str, invoice, **values):
    url = f"/{audience}/invoices/{invoice.id}/dispute"
    return client.post(url, data=filing_form(client, url, **values))


def post_in_memory(client, url: str, form: dict, files) -> object:
    """A multipart post built in memory: the test client spools a large body to a
    temporary file that it never closes."""
    values = MultiDict(form)
    for name, data in files:
        values.add("attachments", FileStorage(io.BytesIO(data), filename=name))
    boundary, body = encode_multipart(values)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def file_directly(session, invoice, user, amount=10_000, now=None, **extra) -> Dispute:
    step = filing.file_dispute(
        session, invoice=invoice, user=user, reason="wrong_rate", amount_minor=amount,
        description=extra.pop("description", DESCRIPTION), now=now or utcnow(), **extra)
    session.commit()
    return step.dispute


def staff_step(session, step) -> None:
    """A step taken by staff outside a request: notified and delivered as a page would."""
    dispute_notices.notify(step)
    session.commit()
    notices.deliver_queued()


def text_of(message) -> str:
    body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    return f"{message['Subject']}\n{body}"


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# --- customers ---------------------------------------------------------------------------------

def test_customer_files_a_whole_invoice_dispute_and_the_invoice_shows_it_held(
        login_as, session, case, files_dir):
    client = login_as("customer_admin")
    invoice_page = page(client, f"/customer/invoices/{case.id}")
    assert "Dispute this invoice" in invoice_page and "Disputed (held)" not in invoice_page
    form_page = page(client, f"/customer/invoices/{case.id}/dispute")
    assert "$8,642.19" in form_page and "QUOKKA-LINE-4410" in form_page  # its own charges
    response = file_via(client, "customer", case, amount="1,250.50",
                        attachments=[(io.BytesIO(PDF), "contract.pdf")])
    dispute = session.scalars(select(Dispute)).one()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/customer/disputes/{dispute.id}")
    assert dispute.amount_minor == 125_050 and dispute.lines == [] and dispute.status == "open"
    assert [a.filename for a in dispute.attachments] == ["contract.pdf"]
    assert dispute.attachments[0].event_id == dispute.events[0].id
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Dispute {dispute.reference} is filed" in detail
    assert "$1,250.50" in detail and "contract.pdf" in detail and "The whole invoice" in detail
    assert "Wrong rate" in detail and "Billing specialist" in detail
    invoice_page = page(client, f"/customer/invoices/{case.id}")
    assert "Disputed (held)" in invoice_page and "$1,250.50" in invoice_page
    assert "Amount due without the disputed amount" in invoice_page
    assert "$7,391.69" in invoice_page  # 8,642.19 due less 1,250.50 held


def test_customer_disputes_chosen_lines_with_several_files(login_as, session, case):
    client = login_as("customer_user")
    usage = next(line for line in case.lines if line.kind == "usage")
    response = file_via(client, "customer", case, amount="25", line_ids=[usage.id],
                        reason="duplicate_charge",
                        attachments=[(io.BytesIO(PNG), "screen.png"),
                                     (io.BytesIO(CSV), "calls.csv")])
    assert response.status_code == 302
    dispute = session.scalars(select(Dispute)).one()
    assert dispute.lines == [usage] and dispute.amount_minor == 2_500
    assert sorted(a.content_type for a in dispute.attachments) == ["image/png", "text/csv"]
    detail = page(client, f"/customer/disputes/{dispute.id}")
    assert "Calls to Peru" in detail and "Duplicate charge" in detail


def test_disputes_list_shows_state_tier_and_an_overdue_deadline(login_as, session, world, case):
    filer = world.users["customer_admin"]
    late = file_directly(session, case, filer, now=utcnow() - timedelta(days=5))
    fresh = file_directly(session, case, filer, amount=20_000, description="Billed twice.")
    other = file_directly(session, recent_invoice(session, world.customers["other"]),
                          world.users["other_customer"])
    text = page(login_as("customer_admin"), "/customer/disputes")
    assert late.reference in text and fresh.reference in text and other.reference not in text
    assert text.count(">overdue<") == 1 and "$200.00" in text and case.number in text
    assert "Billing specialist" in text
    open_only = page(login_as("customer_admin"), "/customer/disputes?status=withdrawn")
    assert late.reference not in open_only
    assert login_as("customer_admin").get("/customer/disputes?status=lost").status_code == 400


# --- partners and CPNI -------------------------------------------------------------------------

def test_partner_with_approval_files_sees_amounts_and_each_view_is_logged(
        login_as, session, world, case):
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    partner = world.users["channel_admin"]
    client = login_as("channel_admin")
    form_page = page(client, f"/partner/invoices/{case.id}/dispute")
    assert "QUOKKA-LINE-4410" in form_page and "$8,642.19" in form_page
    recurring = next(line for line in case.lines if line.kind == "recurring")
    response = file_via(client, "partner", case, amount="300", line_ids=[recurring.id])
    dispute = session.scalars(select(Dispute)).one()
    assert response.status_code == 302 and dispute.partner_id == world.partners["channel"].id
    assert dispute.filed_by_id == partner.id and dispute.lines == [recurring]
    for url in (f"/partner/disputes/{dispute.id}", "/partner/disputes"):
        assert "$300.00" in page(client, url)
    logged = session.scalars(select(CpniDisclosure).where(CpniDisclosure.user_id == partner.id))
    subjects = {d.subject for d in logged if d.surface == "page"}
    assert f"dispute {dispute.reference}" in subjects and "dispute list" in subjects
    assert f"invoice {case.number}, new dispute" in subjects


def test_partner_without_approval_files_without_seeing_any_amount(
        login_as, session, world, case, mailbox):
    partner = world.users["channel_admin"]
    client = login_as("channel_admin")
    seen = [page(client, f"/partner/invoices/{case.id}")]
    assert "Dispute this invoice" in seen[0] and "Disputed (held)" not in seen[0]
    seen.append(page(client, f"/partner/invoices/{case.id}/dispute"))
    assert case.number in seen[-1] and "withheld" in seen[-1]
    assert 'name="line_ids"' not in seen[-1]
    filed = file_via(client, "partner", case, amount="317.43")
    assert filed.status_code == 302
    dispute = session.scalars(select(Dispute)).one()
    assert dispute.amount_minor == 31_743 and dispute.lines == []
    seen.append(page(client, filed.headers["Location"]))
    assert "Filed" in seen[-1] and "Open" in seen[-1] and "CPNI withheld" in seen[-1]
    seen.append(page(client, "/partner/disputes"))
    assert dispute.reference in seen[-1]
    staff_step(session, steps.take(session, dispute.id, world.users["staff"], utcnow()))
    seen.extend(text_of(m) for m in mailbox.messages)
    assert len(mailbox.messages) == 3  # the receipt, the account holder's notice, "taken"
    for text in seen:
        for secret in (*CPNI_MARKERS, *LINE_AMOUNTS, "317.43", "$25.00"):
            assert secret not in text
    assert count(session, CpniDisclosure, CpniDisclosure.user_id == partner.id) == 0


def test_partner_without_approval_line_choice_is_refused(login_as, session, case):
    client = login_as("channel_admin")
    response = file_via(client, "partner", case, amount="10", line_ids=[case.lines[0].id])
    assert response.status_code == 400 and count(session, Dispute) == 0


FOREIGN_PAGES = ["/partner/invoices/{invoice}/dispute", "/partner/disputes/{dispute}",
                 "/partner/disputes/{dispute}/files/{file}"]
FOREIGN_POSTS = ["/partner/invoices/{invoice}/dispute", "/partner/disputes/{dispute}/comment",
                 "/partner/disputes/{dispute}/escalate", "/partner/disputes/{dispute}/withdraw",
                 "/partner/disputes/{dispute}/reopen"]


@pytest.mark.parametrize("foreign", ["other", "direct", "agency"])
def test_partner_cannot_see_or_file_on_another_partners_customers(
        login_as, session, world, case, files_dir, foreign):
    customer = world.customers[foreign]
    user = make_user(session, f"{foreign}.filer@customer.test", "customer_admin",
                     customer=customer)
    invoice = recent_invoice(session, customer)
    dispute = filing.file_dispute(
        session, invoice=invoice, user=user, reason="tax", description="Tax twice.",
        amount_minor=1_000, now=utcnow()).dispute
    attachment = dispute_files.store(session, dispute=dispute, user=user,
                                     files=[("a.pdf", PDF)], folder=files_dir, now=utcnow(),
                                     event=dispute.events[0])[0]
    session.commit()
    events = count(session, DisputeEvent)
    client = login_as("channel_admin")
    ids = {"invoice": invoice.id, "dispute": dispute.id, "file": attachment.id}
    for url in FOREIGN_PAGES:
        assert client.get(url.format(**ids)).status_code == 404, url
    assert dispute.reference not in page(client, "/partner/disputes")
    token = csrf_token(client, "/partner/disputes")
    values = {"csrf_token": token, "reason": "tax", "amount": "5", "description": "x",
              "body": "x", "note": "x"}
    for url in FOREIGN_POSTS:
        assert client.post(url.format(**ids), data=values).status_code == 404, url
    assert count(session, Dispute) == 1 and count(session, DisputeEvent) == events


# --- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, message", [
    ("-5", "cannot be negative"),
    ("five dollars", "in figures"),
    ("0.00", "more than zero"),
    ("12.345", "at most 2 decimal places"),
    ("12,50", "Use the form 1,234.56."),
    ("1" * 30, "larger than the portal can hold"),
    ("12\x0050", "contains a NUL character"),
    ("", "Enter the amount you dispute"),
])
def test_a_bad_amount_is_named_on_the_field_and_nothing_is_filed(
        login_as, session, case, typed, message):
    response = file_via(login_as("customer_admin"), "customer", case, amount=typed)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(session, Dispute) == 0


def test_an_amount_above_what_is_open_names_the_open_amount_to_the_customer(
        login_as, session, world, case):
    file_directly(session, case, world.users["customer_admin"], amount=4_219)
    response = file_via(login_as("customer_admin"), "customer", case, amount="8600.01")
    assert response.status_code == 400
    assert "At most $8,600.00 is still open" in response.get_data(as_text=True)
    assert count(session, Dispute) == 1


def test_an_invoice_past_the_dispute_window_offers_no_dispute_and_refuses_one(
        login_as, session, world, case):
    old = world.invoices["channel"]  # issued 2026-02-26, more than 180 days ago
    client = login_as("customer_admin")
    assert "Dispute this invoice" not in page(client, f"/customer/invoices/{old.id}")
    assert 'name="amount"' not in page(client, f"/customer/invoices/{old.id}/dispute")
    response = file_via(client, "customer", old)
    assert response.status_code == 400
    assert "can no longer be disputed" in response.get_data(as_text=True)
    assert count(session, Dispute) == 0


@pytest.mark.parametrize("name, data, message", [
    ("bill.pdf", b"MZ\x90\x00 not a pdf", "content is not a PDF file"),
    ("setup.exe", b"MZ\x90\x00", "only PDF, PNG, JPEG and CSV"),
    ("huge.pdf", b"%PDF-1.4\n" + bytes(5 * 1024 * 1024), "larger than 5 MB"),
])
def test_a_bad_attachment_refuses_the_whole_filing(login_as, session, case, files_dir,
                                                    name, data, message):
    client = login_as("customer_admin")
    url = f"/customer/invoices/{case.id}/dispute"
    response = post_in_memory(client, url, filing_form(client, url),
                              [("fine.pdf", PDF), (name, data)])
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(session, Dispute) == 0 and count(session, DisputeAttachment) == 0
    assert not files_dir.exists() or not any(files_dir.iterdir())


def test_html_in_a_comment_and_a_description_is_shown_escaped(login_as, session, case):
    client = login_as("customer_admin")
    file_via(client, "customer", case, description="<b>bold</b> claim")
    dispute = session.scalars(select(Dispute)).one()
    url = f"/customer/disputes/{dispute.id}"
    token = csrf_token(client, url)
    client.post(f"{url}/comment", data={"csrf_token": token,
                                        "body": "<script>alert(1)</script>"})
    text = page(client, url)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>alert" not in text
    assert "&lt;b&gt;bold&lt;/b&gt; claim" in text


def test_the_same_form_sent_twice_files_one_dispute(login_as, session, case):
    client = login_as("customer_admin")
    url = f"/customer/invoices/{case.id}/dispute"
    form = filing_form(client, url)
    first = client.post(url, data={**form, "attachments": [(io.BytesIO(PDF), "a.pdf")]})
    second = client.post(url, data={**form, "attachments": [(io.BytesIO(PDF), "a.pdf")]})
    assert first.headers["Location"] == second.headers["Location"]
    assert count(session, Dispute) == 1 and count(session, DisputeAttachment) == 1
    assert "was already filed" in client.get(second.headers["Location"]).get_data(as_text=True)


def test_a_form_without_its_csrf_token_is_refused(login_as, session, world, case):
    client = login_as("customer_admin")
    values = {"reason": "wrong_rate", "amount": "10", "description": DESCRIPTION}
    assert client.post(f"/customer/invoices/{case.id}/dispute", data=values).status_code == 400
    assert count(session, Dispute) == 0
    dispute = file_directly(session, case, world.users["customer_admin"])
    response = client.post(f"/customer/disputes/{dispute.id}/withdraw", data={})
    assert response.status_code == 400
    session.refresh(dispute)
    assert dispute.status == "open"


# --- the filer's steps -------------------------------------------------------------------------

def test_the_filers_reply_to_a_question_resumes_the_clock(login_as, session, world, case):
    dispute = file_directly(session, case, world.users["customer_admin"])
    steps.ask_for_information(session, dispute.id, world.users["staff"],
                              "Which contract applies?", utcnow())
    session.commit()
    client = login_as("customer_admin")
    url = f"/customer/disputes/{dispute.id}"
    text = page(client, url)
    assert "Waiting for your reply" in text and "Which contract applies?" in text
    assert "Send the reply" in text
    client.post(f"{url}/comment", data={"csrf_token": csrf_token(client, url),
                                        "body": "Contract 2025-11, attached before."})
    session.refresh(dispute)
    assert dispute.status == "open" and dispute.deadline_at is not None
    assert dispute.events[-1].kind == "info_provided"


def test_escalation_is_offered_only_once_the_deadline_has_passed(login_as, session, world, case):
    filer = world.users["customer_admin"]
    fresh = file_directly(session, case, filer)
    late = file_directly(session, case, filer, amount=20_000, now=utcnow() - timedelta(days=5))
    client = login_as("customer_admin")
    assert "Ask to escalate" not in page(client, f"/customer/disputes/{fresh.id}")
    refused = client.post(f"/customer/disputes/{fresh.id}/escalate", data={
        "csrf_token": csrf_token(client, f"/customer/disputes/{fresh.id}")})
    assert refused.status_code == 400 and "deadline has passed" in refused.get_data(as_text=True)
    url = f"/customer/disputes/{late.id}"
    assert "Ask to escalate" in page(client, url)
    client.post(f"{url}/escalate", data={"csrf_token": csrf_token(client, url),
                                         "note": "No answer for days."})
    session.expire_all()
    assert fresh.tier.level == 1 and late.tier.level == 2
    assert late.events[-1].detail["by"] == "filer"


def test_withdrawing_releases_the_held_amount(login_as, session, world, case):
    dispute = file_directly(session, case, world.users["customer_admin"])
    client = login_as("customer_admin")
    url = f"/customer/disputes/{dispute.id}"
    assert "Disputed (held)" in page(client, f"/customer/invoices/{case.id}")
    client.post(f"{url}/withdraw", data={"csrf_token": csrf_token(client, url)})
    session.refresh(dispute)
    assert dispute.status == "withdrawn"
    assert "Disputed (held)" not in page(client, f"/customer/invoices/{case.id}")
    assert "Withdraw the dispute" not in page(client, url)


def test_a_settled_dispute_can_be_reopened_within_30_days_only(login_as, session, world):
    make_tiers(session)
    invoice = recent_invoice(session, world.customers["channel"],
                             issued_on=(utcnow() - timedelta(days=60)).date())
    filer, specialist = world.users["customer_admin"], world.users["staff"]
    recent = file_directly(session, invoice, filer)
    old = file_directly(session, invoice, filer, amount=20_000, now=utcnow() - timedelta(days=40))
    for dispute, when in ((recent, utcnow()), (old, utcnow() - timedelta(days=31))):
        steps.settle(session, dispute.id, specialist, outcome="denied", now=when,
                     reason="The rate matches the contract.")
    session.commit()
    client = login_as("customer_admin")
    assert "Reopen the dispute" not in page(client, f"/customer/disputes/{old.id}")
    late = client.post(f"/customer/disputes/{old.id}/reopen", data={
        "csrf_token": csrf_token(client, "/customer/disputes"), "reason": "Still wrong."})
    assert late.status_code == 400 and "can no longer be reopened" in late.get_data(as_text=True)
    url = f"/customer/disputes/{recent.id}"
    assert "Reopen the dispute" in page(client, url)
    client.post(f"{url}/reopen", data={"csrf_token": csrf_token(client, url),
                                       "reason": "The contract says otherwise."})
    session.expire_all()
    assert recent.status == "open" and old.status == "settled"


def test_the_filer_hears_of_each_step_it_did_not_take_and_of_no_amount(
        login_as, app, session, world, case, mailbox):
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    partner_client = login_as("channel_admin")
    file_via(partner_client, "partner", case, amount="317.43")
    dispute = session.scalars(select(Dispute)).one()
    # A receipt to the filer; the account holder hears its partner filed for it.
    assert sorted(m["To"] for m in mailbox.messages) == sorted([
        world.users["channel_admin"].email, world.customers["channel"].email_of_record])
    receipt = next(text_of(m) for m in mailbox.messages
                   if m["To"] == world.users["channel_admin"].email)
    assert "was received" in receipt
    account_notice = next(text_of(m) for m in mailbox.messages
                          if m["To"] == world.customers["channel"].email_of_record)
    assert "Channel One filed dispute" in account_notice
    filing_notices = [text_of(m) for m in mailbox.messages]
    mailbox.clear()
    staff_step(session, steps.take(session, dispute.id, world.users["staff"], utcnow()))
    customer_client = app.test_client()
    login(customer_client, world.users["customer_admin"])
    url = f"/customer/disputes/{dispute.id}"
    customer_client.post(f"{url}/comment", data={"csrf_token": csrf_token(customer_client, url),
                                                 "body": "We agree with our partner."})
    partner_url = f"/partner/disputes/{dispute.id}"
    partner_client.post(f"{partner_url}/comment", data={
        "csrf_token": csrf_token(partner_client, partner_url), "body": "Thank you."})
    assert [m["To"] for m in mailbox.messages] == [world.users["channel_admin"].email] * 2
    texts = [text_of(m) for m in mailbox.messages]
    assert dispute.reference in texts[0] and "working on your dispute" in texts[0]
    assert "new comment" in texts[1]
    for text in texts + filing_notices:
        for secret in (*CPNI_MARKERS, *LINE_AMOUNTS, "317.43"):
            assert secret not in text


def test_escalating_at_the_filers_request_tells_the_next_tier(
        login_as, session, world, case, mailbox):
    supervisor = make_billing_staff(session, "billing_supervisor")
    dispute = file_directly(session, case, world.users["customer_admin"],
                            now=utcnow() - timedelta(days=5))
    client = login_as("customer_admin")
    url = f"/customer/disputes/{dispute.id}"
    client.post(f"{url}/escalate", data={"csrf_token": csrf_token(client, url)})
    assert [m["To"] for m in mailbox.messages] == [supervisor.email]


# --- the list's cost ---------------------------------------------------------------------------

def _file_many(session, world, first: int, how_many: int) -> None:
    invoices = [recent_invoice(session, world.customers[key], number=f"QD-{key}-{first}")
                for key in ("channel", "location")]
    for n in range(first, first + how_many):
        file_directly(session, invoices[n % 2], world.users["channel_admin"], amount=1_000,
                      description=f"Dispute number {n}")


def test_the_disputes_list_costs_the_same_queries_for_3_and_40_disputes(
        login_as, db, session, world, case):
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    client = login_as("channel_admin")
    _file_many(session, world, 0, 3)
    client.get("/partner/disputes")
    with counted(db.engine) as few:
        page(client, "/partner/disputes")
    _file_many(session, world, 3, 37)
    with counted(db.engine) as many:
        text = page(client, "/partner/disputes")
    assert text.count("$10.00") == 40
    assert len(few) == len(many), f"{len(few)} queries for 3 disputes, {len(many)} for 40"


def test_an_unapproved_partner_reads_staff_replies_on_its_own_dispute_only(case, session,
                                                                          world, app):
    """Staff write to a partner filer knowing it has no approval (the staff page warns
    them); on a dispute the customer filed, what staff and the customer wrote may quote
    charges, so the unapproved partner sees neither."""
    now = utcnow()
    own = filing.file_dispute(session, invoice=case, user=world.users["channel_admin"],
                              reason="other", description="Our own words.",
                              amount_minor=1_000, now=now).dispute
    theirs = filing.file_dispute(session, invoice=case, user=world.users["customer_admin"],
                                 reason="tax", description="We pay CUSTOMER-WORDS.",
                                 amount_minor=1_000, now=now).dispute
    for dispute in (own, theirs):
        steps.comment(session, dispute.id, world.users["staff"],
                      f"Reply STAFF-REPLY-{dispute.id}", now)
    session.commit()
    client = app.test_client()
    login(client, world.users["channel_admin"])
    page = client.get(f"/partner/disputes/{own.id}").get_data(as_text=True)
    assert "Our own words." in page and f"STAFF-REPLY-{own.id}" in page
    page = client.get(f"/partner/disputes/{theirs.id}").get_data(as_text=True)
    assert "CUSTOMER-WORDS" not in page and f"STAFF-REPLY-{theirs.id}" not in page
    assert "Withheld: the customer's words" in page and "Text withheld" in page


def test_notices_are_written_in_the_filers_language(session, world, case, mailbox):
    filer = world.users["customer_admin"]
    filer.locale = "de"
    session.commit()
    dispute = filing.file_dispute(session, invoice=case, user=filer, reason="tax",
                                  description="Steuer", amount_minor=1_000,
                                  now=utcnow()).dispute
    session.commit()
    staff_step(session, steps.take(session, dispute.id, world.users["staff"], utcnow()))
    [notice] = mailbox.messages
    text = text_of(notice)
    assert "bearbeitet jetzt Ihre Beanstandung" in text and "is now working" not in text
