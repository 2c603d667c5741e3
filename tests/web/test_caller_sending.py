"""Callers verified by "e-mail of record" or "postal mail of record" are sent the
information (47 CFR 64.2010(b)): a mail through the outbox to the e-mail of record, or a
letter PDF queued for printing to the postal address of record. Neither opens the
account's CPNI on the staff screen; the print queue lists letters until printed."""

from sqlalchemy import func, select

from billing.core.models import OutboundMail
from billing.cpni.compliance_models import CallerVerification
from billing.cpni.models import CpniDisclosure
from billing.cpni.sending import SentInformation
from tests.conftest import csrf_token
from tests.pdf.pdftext import pdf_text

SERVICE, LINE = "ZEBRA-SERVICE-7731", "QUOKKA-LINE-4410"


def _verify(client, customer, **form):
    url = f"/staff/customers/{customer.id}"
    return client.post(f"{url}/call", data={"csrf_token": csrf_token(client, url), **form})


def _screen_shows_cpni(client, world) -> bool:
    customer_page = client.get(f"/staff/customers/{world.customers['other'].id}")
    invoice_page = client.get(f"/staff/invoices/{world.invoices['other'].id}")
    return (SERVICE in customer_page.get_data(as_text=True)
            or LINE in invoice_page.get_data(as_text=True))


def _count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_email_of_record_sends_the_information_and_keeps_the_screen_closed(
        login_as, session, world, mailbox):
    customer, invoice = world.customers["other"], world.invoices["other"]
    client = login_as("staff")
    response = _verify(client, customer, method="email_of_record",
                       note="The last invoices and what is due")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "going to the e-mail address of record" in page
    assert "On a call with this customer" not in page
    assert not _screen_shows_cpni(client, world)
    assert _count(session, CpniDisclosure) == 0
    assert session.scalars(select(CallerVerification.method)).all() == ["email_of_record"]
    sent = session.scalars(select(SentInformation)).one()
    assert (sent.channel, sent.address, sent.pdf) == ("email", customer.email_of_record, None)
    mail = session.scalars(select(OutboundMail).where(
        OutboundMail.kind == "cpni_requested")).one()
    assert mail.to_address == customer.email_of_record
    assert invoice.number in mail.body and "The last invoices and what is due" in mail.body
    delivered = [m for m in mailbox.messages if m["To"] == customer.email_of_record]
    assert delivered and invoice.number in delivered[0].get_payload(decode=True).decode()


def test_postal_mail_of_record_queues_a_letter_and_keeps_the_screen_closed(
        login_as, session, world):
    customer, invoice = world.customers["other"], world.invoices["other"]
    client = login_as("staff")
    response = _verify(client, customer, method="postal_mail", note="Last invoice")
    assert response.status_code == 302
    assert "queued for printing" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert not _screen_shows_cpni(client, world)
    assert _count(session, OutboundMail, OutboundMail.kind == "cpni_requested") == 0
    letter = session.scalars(select(SentInformation)).one()
    assert letter.channel == "postal" and letter.printed_at is None
    assert letter.address.splitlines()[0] == customer.address_line1
    text = pdf_text(letter.pdf)
    assert invoice.number in text and customer.address_line1 in text and "Last invoice" in text
    assert _count(session, CpniDisclosure) == 0

    queue = client.get("/staff/letters").get_data(as_text=True)
    assert customer.account_number in queue and customer.address_line1 in queue
    download = client.get(f"/staff/letters/{letter.id}.pdf")
    assert download.status_code == 200 and invoice.number in pdf_text(download.data)
    session.expire_all()
    assert session.execute(select(CpniDisclosure.surface, CpniDisclosure.purpose,
                                  CpniDisclosure.customer_id)).all() == [
        ("pdf", "support", customer.id)]
    done = client.post(f"/staff/letters/{letter.id}/printed",
                       data={"csrf_token": csrf_token(client, "/staff/letters")})
    assert done.status_code == 302
    assert customer.account_number not in client.get("/staff/letters").get_data(as_text=True)
    session.expire_all()
    assert letter.printed_at is not None and letter.printed_by_id == world.users["staff"].id


def test_passcode_less_methods_still_open_the_screen(login_as, world):
    client = login_as("staff")
    assert _verify(client, world.customers["other"], method="call_back").status_code == 302
    assert _screen_shows_cpni(client, world)


def test_the_print_queue_is_for_staff_only(login_as, client):
    partner = login_as("channel_admin")
    assert partner.get("/staff/letters").status_code in (403, 404)
    assert client.get("/staff/letters/abc.pdf").status_code in (302, 401, 403, 404)
