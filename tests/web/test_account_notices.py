"""Account-change notices (docs/cpni.md): each change sends exactly one notice, over
the real SMTP server, to the address of record (for a new e-mail address: the old one),
and no notice shows the new value. Also the outbox's command line."""

import re
import socket
from email.header import decode_header, make_header

import pyotp
import pytest
from flask import Response
from sqlalchemy import func, select

from billing.core.clock import utcnow
from billing.core.models import OutboundMail
from billing.cpni.models import CpniApproval
from billing.parties import identity
from billing.parties.users import LoginThrottle
from portal import notices
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD

NEW_PASSWORD = "Granite-Orchard-Window-9"


def readable(message) -> str:
    """What the addressee reads: the decoded subject and body."""
    body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    return f"{make_header(decode_header(message['Subject']))}\n{body}"


def assert_never_shows(message, *values):
    raw, text = message.as_string(), readable(message)
    for value in values:
        assert value not in raw and value.lower() not in text.lower(), value


def only_message_to(mailbox, address):
    assert [m["To"] for m in mailbox.messages] == [address]
    return mailbox.messages[0]


# Passwords


def test_a_password_reset_is_confirmed_once_to_the_login_address(client, world, session,
                                                                 mailbox):
    user = world.users["customer_admin"]
    _, token = identity.start_password_reset(session, user.email, utcnow())
    session.commit()
    path = f"/auth/reset/{token}"
    client.post(path, data={"csrf_token": csrf_token(client, path), "password": NEW_PASSWORD,
                            "confirm": NEW_PASSWORD})
    notice = only_message_to(mailbox, user.email)
    assert "password was reset" in readable(notice)
    assert_never_shows(notice, NEW_PASSWORD)


def _change_password(client, current, new, confirm=None):
    return client.post("/auth/password", data={
        "csrf_token": csrf_token(client, "/auth/password"), "current": current,
        "password": new, "confirm": confirm or new})


def test_changing_the_password_keeps_this_session_and_tells_the_login_address(
        login_as, world, client, app, mailbox):
    user = world.users["customer_user"]
    login_as("customer_user")
    response = _change_password(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert client.get("/customer/").status_code == 200  # this session goes on
    notice = only_message_to(mailbox, user.email)
    assert "password was changed" in readable(notice)
    assert_never_shows(notice, NEW_PASSWORD, PASSWORD)
    other = app.test_client()
    assert login(other, user, NEW_PASSWORD).status_code == 302


def test_a_wrong_current_password_changes_nothing_and_counts_toward_the_lockout(
        login_as, world, client, session, mailbox):
    user = world.users["customer_user"]
    login_as("customer_user")
    response = _change_password(client, "not-my-password-at-all", NEW_PASSWORD)
    assert response.status_code == 400
    assert "current password was not correct" in response.get_data(as_text=True)
    assert session.get(LoginThrottle, user.email).failures == 1
    assert mailbox.messages == []
    assert login(client, user, PASSWORD).status_code == 302


@pytest.mark.parametrize("new, confirm", [
    ("short-pw-1", None), ("Customer-User-Meadow-44", None), (PASSWORD, None),
    (NEW_PASSWORD, NEW_PASSWORD + "x")])
def test_a_refused_new_password_changes_nothing_and_sends_nothing(
        login_as, world, client, mailbox, new, confirm):
    login_as("customer_user")
    response = _change_password(client, PASSWORD, new, confirm)
    assert response.status_code in (200, 400)
    assert "Change your password" in response.get_data(as_text=True)
    assert mailbox.messages == []
    assert client.get("/customer/").status_code == 200  # still the old password


def test_changing_the_password_needs_a_login(client, world):
    assert client.get("/auth/password").headers["Location"].startswith("/auth/login")


# Second factor


def test_enrolling_a_second_factor_tells_the_staff_member(client, world, session, mailbox):
    staff = world.users["staff"]
    staff.totp_secret = staff.totp_enabled_at = None
    session.commit()
    client.post("/auth/login", data={"csrf_token": csrf_token(client, "/auth/login"),
                                     "email": staff.email, "password": PASSWORD})
    page = client.get("/auth/totp/enrol").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    client.post("/auth/totp/enrol", data={"csrf_token": csrf_token(client, "/auth/totp/enrol"),
                                          "code": pyotp.TOTP(secret).now()})
    notice = only_message_to(mailbox, staff.email)
    assert "second factor" in readable(notice)
    assert_never_shows(notice, secret)


# New logins


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


def test_a_new_customer_login_is_told_and_so_is_the_account_of_record(runner, world,
                                                                      mailbox):
    account = world.customers["channel"]
    result = runner.invoke(args=["users", "create", "--email", "new.viewer@customer.test",
                                 "--name", "Nova Viewer", "--role", "customer_user",
                                 "--account", account.account_number],
                           input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert sorted(m["To"] for m in mailbox.messages) == sorted(
        ["new.viewer@customer.test", account.email_of_record])
    for message in mailbox.messages:
        assert_never_shows(message, NEW_PASSWORD)
    to_account = next(m for m in mailbox.messages if m["To"] == account.email_of_record)
    assert account.account_number in readable(to_account)
    assert_never_shows(to_account, "new.viewer@customer.test", "Nova Viewer")


def test_a_new_partner_login_is_told_at_its_address(runner, world, mailbox):
    result = runner.invoke(args=["users", "create", "--email", "second@partner.test",
                                 "--name", "Second Person", "--role", "partner_user",
                                 "--partner", world.partners["channel"].code],
                           input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    notice = only_message_to(mailbox, "second@partner.test")
    assert "login" in readable(notice)
    assert_never_shows(notice, NEW_PASSWORD)


def test_a_refused_new_login_sends_nothing(runner, world, mailbox):
    result = runner.invoke(args=["users", "create", "--email", "weak@partner.test",
                                 "--name", "Weak", "--role", "partner_user",
                                 "--partner", world.partners["channel"].code],
                           input="short\nshort\n")
    assert result.exit_code != 0
    assert mailbox.messages == []


# Contact details of record


def _contact_form(customer, **changes):
    form = {"email_of_record": customer.email_of_record,
            "address_line1": customer.address_line1,
            "address_line2": customer.address_line2 or "", "city": customer.city,
            "region": customer.region or "", "postal_code": customer.postal_code,
            "country": customer.country, "password": PASSWORD}
    form.update(changes)
    return form


def _post_contact(client, form):
    return client.post("/customer/contact",
                       data={**form, "csrf_token": csrf_token(client, "/customer/contact")})


def test_an_email_change_is_told_at_the_old_address_without_the_new_one(
        login_as, world, client, session, mailbox):
    customer = world.customers["channel"]
    old_email, new_email = customer.email_of_record, "payables@kestrel-dental.test"
    login_as("customer_admin")
    response = _post_contact(client, _contact_form(customer, email_of_record=new_email))
    assert response.status_code == 302
    session.refresh(customer)
    assert customer.email_of_record == new_email
    to_old = [m for m in mailbox.messages if m["To"] == old_email]
    assert len(to_old) == 1
    assert "e-mail address of record" in readable(to_old[0])
    assert_never_shows(to_old[0], new_email, "kestrel")
    courtesy = [m for m in mailbox.messages if m["To"] == new_email]
    assert len(courtesy) == 1 and len(mailbox.messages) == 2
    assert_never_shows(courtesy[0], old_email)


def test_a_postal_address_change_is_told_at_the_email_of_record(
        login_as, world, client, session, mailbox):
    customer = world.customers["channel"]
    login_as("customer_admin")
    new_address = {"address_line1": "77 Kestrel Avenue", "address_line2": "Suite 9B",
                   "city": "Boulder", "postal_code": "80301-4417"}
    response = _post_contact(client, _contact_form(customer, **new_address))
    assert response.status_code == 302
    session.refresh(customer)
    assert (customer.address_line1, customer.city) == ("77 Kestrel Avenue", "Boulder")
    notice = only_message_to(mailbox, customer.email_of_record)
    assert "postal address of record" in readable(notice)
    assert_never_shows(notice, *new_address.values())


def test_saving_the_same_details_sends_nothing(login_as, world, client, mailbox):
    login_as("customer_admin")
    response = _post_contact(client, _contact_form(world.customers["channel"]))
    assert response.status_code == 302
    assert mailbox.messages == []


@pytest.mark.parametrize("changes", [
    {"password": "not-my-password-at-all", "city": "Boulder"},
    {"email_of_record": "not an address", "city": "Boulder"},
    {"email_of_record": "two@a.test, three@b.test"},
    {"email_of_record": "two,three@b.test"},
    {"address_line1": "", "city": "Boulder"},
    {"city": "Boulder\nExtra line"},
    {"postal_code": "8" * 21},
    {"country": "QQ"},
])
def test_bad_contact_details_change_nothing_and_send_nothing(
        login_as, world, client, session, mailbox, changes):
    customer = world.customers["channel"]
    before = _contact_form(customer)
    login_as("customer_admin")
    assert _post_contact(client, _contact_form(customer, **changes)).status_code == 400
    session.refresh(customer)
    assert _contact_form(customer) == before
    assert mailbox.messages == []


@pytest.mark.parametrize("user_key", ["customer_user", "location_admin", "channel_admin",
                                      "staff"])
def test_only_a_top_level_customer_admin_reaches_the_contact_details(login_as, world,
                                                                     user_key):
    client = login_as(user_key)
    assert client.get("/customer/contact").status_code == 404


def test_the_contact_page_shows_the_details_of_record(login_as, world):
    page = login_as("customer_admin").get("/customer/contact").get_data(as_text=True)
    assert world.customers["channel"].email_of_record in page
    assert re.search(r'<option selected value="US">', page)


# CPNI approvals


def test_granting_and_revoking_an_approval_are_confirmed_to_the_email_of_record(
        login_as, world, client, session, mailbox):
    customer, partner = world.customers["channel"], world.partners["channel"]
    login_as("customer_admin")
    client.post("/customer/cpni/grant", data={
        "csrf_token": csrf_token(client, "/customer/cpni"), "partner_id": partner.id,
        "scope": "billing", "password": PASSWORD})
    granted = only_message_to(mailbox, customer.email_of_record)
    assert f"You approved {partner.name}" in readable(granted)
    mailbox.clear()
    client.post("/customer/cpni/revoke", data={
        "csrf_token": csrf_token(client, "/customer/cpni"), "partner_id": partner.id,
        "password": PASSWORD})
    revoked = only_message_to(mailbox, customer.email_of_record)
    assert f"You revoked the CPNI approval of {partner.name}" in readable(revoked)
    assert session.scalar(select(func.count()).select_from(CpniApproval)) == 1


def test_an_approval_refused_for_a_wrong_password_sends_nothing(login_as, world, client,
                                                                 mailbox):
    login_as("customer_admin")
    response = client.post("/customer/cpni/grant", data={
        "csrf_token": csrf_token(client, "/customer/cpni"),
        "partner_id": world.partners["channel"].id, "scope": "billing",
        "password": "not-my-password-at-all"})
    assert response.status_code == 400
    assert mailbox.messages == []


# Delivery after the request


def test_a_notice_queued_by_a_request_that_failed_is_never_sent(app, world, session, mailbox):
    customer = world.customers["channel"]
    with app.test_request_context("/customer/contact", method="POST"):
        notices.queue(to=customer.email_of_record, locale="en_US",
                      template="cpni/mail_login_added.txt", kind="login_added",
                      customer=customer, when=utcnow())
        notices.deliver_after_request(Response(status=400))  # the view did not commit
    assert session.scalar(select(func.count()).select_from(OutboundMail)) == 0
    assert mailbox.messages == []
    with app.test_request_context("/customer/contact", method="POST"):
        notices.queue(to=customer.email_of_record, locale="en_US",
                      template="cpni/mail_login_added.txt", kind="login_added",
                      customer=customer, when=utcnow())
        session.commit()
        notices.deliver_after_request(Response(status=302))
    assert [m["To"] for m in mailbox.messages] == [customer.email_of_record]


def test_notices_are_written_in_the_account_language(login_as, world, client, session,
                                                     mailbox):
    customer = world.customers["channel"]
    customer.locale = "de"
    session.commit()
    login_as("customer_admin")
    _post_contact(client, _contact_form(customer, city="Boulder"))
    notice = only_message_to(mailbox, customer.email_of_record)
    assert re.search(r"\b\d{2}\.\d{2}\.\d{4}\b", readable(notice))  # a German date
    assert "Kontaktdaten" in readable(notice)  # German words, from the catalog
    assert "contact details" not in readable(notice)
    assert_never_shows(notice, "Boulder")


# The sender's command line


def _queue(session, to, subject="Notice", body="Body text.\n"):
    from billing.core import outbox

    outbox.enqueue(session, to=to, subject=subject, body=body, kind="test", now=utcnow())
    session.commit()


def test_mail_deliver_sends_everything_due_and_says_what_it_did(runner, session, mailbox):
    for n in range(3):
        _queue(session, f"holder{n}@customer.test")
    result = runner.invoke(args=["mail", "deliver", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "Sent 3, retrying 0, failed 0." in result.output
    assert sorted(m["To"] for m in mailbox.messages) == [
        f"holder{n}@customer.test" for n in range(3)]
    assert "Sent 0, retrying 0, failed 0." in runner.invoke(args=["mail", "deliver"]).output


def test_mail_deliver_keeps_what_the_server_refused_for_a_retry(runner, app, session,
                                                                 mailbox, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        monkeypatch.setitem(app.config, "MAIL_PORT", probe.getsockname()[1])
    _queue(session, "holder@customer.test")
    result = runner.invoke(args=["mail", "deliver"])
    assert result.exit_code == 0, result.output
    assert "Sent 0, retrying 1, failed 0." in result.output
    mail = session.scalars(select(OutboundMail)).one()
    assert (mail.status, mail.attempts) == ("pending", 1)


def test_mail_status_counts_and_lists_the_failed_without_their_bodies(runner, session):
    _queue(session, "sent@customer.test")
    _queue(session, "gone@customer.test", subject="Password changed",
           body="SECRET-BODY-MARKER\n")
    mails = session.scalars(select(OutboundMail).order_by(OutboundMail.id)).all()
    mails[0].status = "sent"
    mails[1].status, mails[1].attempts = "failed", 6
    mails[1].last_error = "SMTPRecipientsRefused: mailbox unavailable"
    session.commit()
    result = runner.invoke(args=["mail", "status"])
    assert result.exit_code == 0, result.output
    assert "pending 0, sent 1, failed 1" in result.output
    assert "gone@customer.test" in result.output and "Password changed" in result.output
    assert "mailbox unavailable" in result.output
    assert "SECRET-BODY-MARKER" not in result.output
    assert "sent@customer.test" not in result.output



def test_a_request_sends_only_its_own_notices_and_leaves_a_backlog_to_the_sender(
        login_as, world, client, session, mailbox):
    """A backlog (say the mail server was down) must not hold up a user's click."""
    from datetime import timedelta

    from billing.core import outbox

    outbox.enqueue(session, to="backlog@customer.test", subject="Old", body="Old.\n",
                   kind="test", now=utcnow() - timedelta(hours=1))
    session.commit()
    login_as("customer_user")
    assert _change_password(client, PASSWORD, NEW_PASSWORD).status_code == 302
    assert [m["To"] for m in mailbox.messages] == [world.users["customer_user"].email]
    session.expire_all()
    backlog = session.scalars(select(OutboundMail).filter_by(to_address="backlog@customer.test"))
    assert backlog.one().status == "pending"
