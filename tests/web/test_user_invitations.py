"""Invitations end to end over the real SMTP server: an admin invites, the invitee reads
the link from the mail, chooses a password and is signed in; expired, used, replaced and
unknown links are refused and change nothing."""

from datetime import timedelta

from sqlalchemy import select

from billing.core.models import OutboundMail
from billing.parties.users import User
from billing.users.models import UserChange, UserInvitation
from tests.conftest import login
from tests.web.user_admin_helpers import (
    NEW_PASSWORD,
    accept,
    invitation_link,
    invite,
    mails_to,
    post_action,
)

INVITEE = "robin@partner.test"


def _invitee(session):
    return session.scalars(select(User).where(User.email == INVITEE)).one()


def test_an_invitee_reads_the_link_sets_a_password_and_is_signed_in(
        login_as, app, session, mailbox, world):
    admin = login_as("channel_admin")
    response = invite(admin, "partner", email=INVITEE, role="partner_user")
    assert response.status_code == 302
    mail = mails_to(mailbox, INVITEE)
    assert len(mail) == 1 and "invited you" in mail[0] and "Channel" in mail[0]
    path = invitation_link(mailbox, INVITEE)

    browser = app.test_client()
    page = browser.get(path)
    assert page.status_code == 200 and INVITEE in page.get_data(as_text=True)
    answer = accept(browser, path)
    assert answer.status_code == 302
    assert browser.get("/partner/customers").status_code == 200  # signed in already

    user = _invitee(session)
    assert user.partner_id == world.partners["channel"].id and user.role == "partner_user"
    assert login(app.test_client(), user, NEW_PASSWORD).status_code == 302


def test_only_the_token_hash_is_kept_and_the_sent_mail_forgets_the_link(
        login_as, session, mailbox):
    invite(login_as("channel_admin"), "partner", email=INVITEE, role="partner_user")
    token = invitation_link(mailbox, INVITEE).rsplit("/", 1)[1]
    stored = session.scalars(select(UserInvitation)).one()
    assert stored.token_hash != token and len(stored.token_hash) == 64
    bodies = session.scalars(select(OutboundMail.body)).all()
    assert bodies and not any(token in body for body in bodies)


def test_an_expired_link_is_refused_and_sets_no_password(login_as, app, session, mailbox):
    invite(login_as("channel_admin"), "partner", email=INVITEE, role="partner_user")
    path = invitation_link(mailbox, INVITEE)
    invitation = session.scalars(select(UserInvitation)).one()
    invitation.expires_at = invitation.created_at - timedelta(seconds=1)
    session.commit()
    browser = app.test_client()
    assert browser.get(path).status_code == 410
    answer = accept(browser, path)
    assert answer.status_code == 410 and "expired" in answer.get_data(as_text=True)
    session.expire_all()
    assert _invitee(session).awaits_invitation
    assert browser.get("/partner/customers").status_code == 302  # not signed in


def test_the_lifetime_is_configurable(login_as, app, session, mailbox):
    app.config["INVITATION_LIFETIME_HOURS"] = 2
    try:
        invite(login_as("channel_admin"), "partner", email=INVITEE, role="partner_user")
    finally:
        app.config["INVITATION_LIFETIME_HOURS"] = 72
    invitation = session.scalars(select(UserInvitation)).one()
    assert invitation.expires_at - invitation.created_at == timedelta(hours=2)


def test_a_used_link_is_refused_the_second_time(login_as, app, session, mailbox):
    invite(login_as("channel_admin"), "partner", email=INVITEE, role="partner_user")
    path = invitation_link(mailbox, INVITEE)
    assert accept(app.test_client(), path).status_code == 302
    again = accept(app.test_client(), path, password="Another-Long-Password-77")
    assert again.status_code == 410 and "already been accepted" in again.get_data(as_text=True)
    user = _invitee(session)
    assert login(app.test_client(), user, NEW_PASSWORD).status_code == 302


def test_inviting_again_replaces_the_earlier_link(login_as, app, session, mailbox):
    admin = login_as("channel_admin")
    invite(admin, "partner", email=INVITEE, role="partner_user")
    first = invitation_link(mailbox, INVITEE)
    user = _invitee(session)
    assert post_action(admin, "partner", user.id, "invite-again").status_code == 302
    second = invitation_link(mailbox, INVITEE)
    assert second != first
    refused = accept(app.test_client(), first)
    assert refused.status_code == 410 and "newer one" in refused.get_data(as_text=True)
    assert accept(app.test_client(), second).status_code == 302
    actions = session.scalars(select(UserChange.action).order_by(UserChange.id)).all()
    assert actions == ["invited", "reinvited", "accepted"]


def test_an_unknown_link_is_not_found(app, db):
    assert app.test_client().get("/auth/invitations/not-a-real-token").status_code == 404


def test_a_weak_password_is_refused_and_the_link_still_works(login_as, app, mailbox, session):
    invite(login_as("channel_admin"), "partner", email=INVITEE, role="partner_user")
    path = invitation_link(mailbox, INVITEE)
    browser = app.test_client()
    refused = accept(browser, path, password="short")
    assert refused.status_code == 400 and "12 characters" in refused.get_data(as_text=True)
    assert accept(browser, path).status_code == 302


def test_an_address_that_already_has_a_login_is_a_form_error(login_as, world, session,
                                                             mailbox):
    taken = world.users["customer_user"].email
    answer = invite(login_as("channel_admin"), "partner", email=taken, role="partner_user")
    assert answer.status_code == 400
    assert "already has a login" in answer.get_data(as_text=True)
    assert mailbox.messages == [] and session.scalars(select(UserInvitation)).all() == []


def test_a_role_of_another_audience_is_refused(login_as, session, mailbox):
    answer = invite(login_as("channel_admin"), "partner", email=INVITEE, role="admin")
    assert answer.status_code == 400 and mailbox.messages == []
    assert session.scalars(select(User).where(User.email == INVITEE)).first() is None


def test_an_invited_customer_login_is_announced_to_the_account_of_record(
        login_as, app, world, mailbox):
    account = world.customers["channel"]
    invite(login_as("customer_admin"), "customer", email="new@customer.test",
           role="customer_user")
    assert any("new login" in text for text in mails_to(mailbox, account.email_of_record))
    path = invitation_link(mailbox, "new@customer.test")
    mailbox.clear()
    accept(app.test_client(), path)
    notices = mails_to(mailbox, account.email_of_record)
    assert len(notices) == 1 and "was activated" in notices[0]
    assert "new@customer.test" not in notices[0]
    assert any("is ready" in text for text in mails_to(mailbox, "new@customer.test"))


def test_staff_invitees_sign_in_with_their_second_factor_afterwards(app, session, mailbox,
                                                                   client):
    from tests.factories import build_world, make_billing_staff

    build_world(session)
    admin = make_billing_staff(session, "admin", "admin@staff.test")
    session.commit()
    login(client, admin)
    invite(client, "staff", email="newstaff@staff.test", role="billing_specialist")
    path = invitation_link(mailbox, "newstaff@staff.test")
    browser = app.test_client()
    answer = accept(browser, path)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/auth/login")
    assert browser.get("/staff/").status_code == 302  # not in before the second factor
