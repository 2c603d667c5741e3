"""The users page: who may reach it, what an admin sees and may change, and what each
change does (sessions end, API tokens stop, notices go to the address of record)."""

import pytest
from sqlalchemy import select

from billing.core.clock import utcnow
from billing.parties import identity
from billing.parties.users import UserSession
from billing.users.models import UserChange
from tests.conftest import login
from tests.factories import make_billing_staff, make_user
from tests.web.user_admin_helpers import invitation_link, invite, mails_to, post_action


@pytest.mark.parametrize("key, url", [
    ("channel_user", "/partner/users/"),
    ("customer_user", "/customer/users/"),
    ("staff", "/staff/users/"),
    ("customer_admin", "/partner/users/"),
    ("channel_admin", "/customer/users/"),
    ("channel_admin", "/staff/users/"),
])
def test_only_admins_of_the_audience_reach_the_page(login_as, key, url):
    assert login_as(key).get(url).status_code == 404


def test_a_partner_admin_sees_only_its_own_partners_users(login_as, world):
    html = login_as("channel_admin").get("/partner/users/").get_data(as_text=True)
    assert world.users["channel_user"].email in html
    for other in ("other_admin", "agency_admin", "sub_admin", "customer_admin"):
        assert world.users[other].email not in html


@pytest.mark.parametrize("action, data", [
    ("role", {"role": "partner_user"}), ("deactivate", {}), ("reactivate", {}),
    ("invite-again", {}),
])
def test_a_partner_admin_cannot_act_on_another_partners_users(login_as, world, session,
                                                              mailbox, action, data):
    other = make_user(session, "pending@other.test", "partner_admin",
                      partner=world.partners["other"])
    other.password_hash = ""  # an invitee of the other partner, not yet accepted
    session.commit()
    answer = post_action(login_as("channel_admin"), "partner", other.id, action, **data)
    assert answer.status_code == 404
    session.refresh(other)
    assert other.role == "partner_admin" and other.is_active
    assert mailbox.messages == [] and session.scalars(select(UserChange)).all() == []


def test_an_invitation_always_goes_into_the_admins_own_partner(login_as, world, session,
                                                              mailbox):
    admin = login_as("channel_admin")
    answer = invite(admin, "partner", email="x@partner.test", role="partner_user",
                    partner_id=world.partners["other"].id, partner="CH2")
    assert answer.status_code == 302
    from billing.parties.users import User

    user = session.scalars(select(User).where(User.email == "x@partner.test")).one()
    assert user.partner_id == world.partners["channel"].id


def test_a_customer_admin_cannot_touch_another_customers_users(login_as, world, session):
    other = world.users["other_customer"]
    answer = post_action(login_as("customer_admin"), "customer", other.id, "deactivate")
    assert answer.status_code == 404
    session.refresh(other)
    assert other.is_active


def test_deactivating_ends_a_live_session_and_the_api_token(login_as, app, world, session,
                                                            mailbox):
    user = world.users["channel_user"]
    _, secret = identity.create_api_token(session, user=user, name="erp", now=utcnow())
    session.commit()
    theirs = app.test_client()
    login(theirs, user)
    assert theirs.get("/partner/customers").status_code == 200
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/customers", headers=bearer).status_code == 200

    answer = post_action(login_as("channel_admin"), "partner", user.id, "deactivate")
    assert answer.status_code == 302
    ended = session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert ended and all(record.end_reason == "deactivated" for record in ended)
    following = theirs.get("/partner/customers")
    assert following.status_code == 302 and "/auth/login" in following.headers["Location"]
    assert api.get("/api/v1/customers", headers=bearer).status_code == 401
    refused = app.test_client()
    from tests.conftest import csrf_token
    from tests.factories import PASSWORD

    again = refused.post("/auth/login", data={"csrf_token": csrf_token(refused, "/auth/login"),
                                              "email": user.email, "password": PASSWORD})
    assert again.status_code == 401
    text = mails_to(mailbox, user.email)
    assert len(text) == 1 and "deactivated" in text[0]


def test_reactivating_lets_the_user_sign_in_again(login_as, app, world, session):
    user = world.users["channel_user"]
    admin = login_as("channel_admin")
    post_action(admin, "partner", user.id, "deactivate")
    post_action(admin, "partner", user.id, "reactivate")
    assert login(app.test_client(), user).status_code == 302
    actions = session.scalars(select(UserChange.action).order_by(UserChange.id)).all()
    assert actions == ["deactivated", "reactivated"]


def test_a_role_change_is_told_to_the_user_and_the_account_of_record(login_as, world,
                                                                    session, mailbox):
    user, account = world.users["customer_user"], world.customers["channel"]
    answer = post_action(login_as("customer_admin"), "customer", user.id, "role",
                         role="customer_admin")
    assert answer.status_code == 302
    session.refresh(user)
    assert user.role == "customer_admin"
    to_user, to_account = mails_to(mailbox, user.email), mails_to(mailbox,
                                                                 account.email_of_record)
    assert len(to_user) == 1 and "role of your billing portal login" in to_user[0]
    assert len(to_account) == 1 and "role of a login of account" in to_account[0]
    for text in to_user + to_account:  # the notice never says what the new role is
        assert "customer_admin" not in text and "Account administrator" not in text
    assert user.email not in to_account[0]


def test_deactivating_a_customer_login_is_told_to_the_account_of_record(
        login_as, world, mailbox):
    user, account = world.users["customer_user"], world.customers["channel"]
    post_action(login_as("customer_admin"), "customer", user.id, "deactivate")
    notices = mails_to(mailbox, account.email_of_record)
    assert len(notices) == 1 and "was deactivated" in notices[0]


def test_an_admin_cannot_demote_or_deactivate_itself(login_as, world, session, mailbox):
    me = world.users["channel_admin"]
    admin = login_as("channel_admin")
    assert post_action(admin, "partner", me.id, "role", role="partner_user").status_code == 400
    assert post_action(admin, "partner", me.id, "deactivate").status_code == 400
    session.refresh(me)
    assert me.role == "partner_admin" and me.is_active and mailbox.messages == []


def test_a_role_not_offered_changes_nothing(login_as, world, session, mailbox):
    user = world.users["channel_user"]
    answer = post_action(login_as("channel_admin"), "partner", user.id, "role",
                         role="billing_director")
    assert answer.status_code == 400
    session.refresh(user)
    assert user.role == "partner_user" and mailbox.messages == []


def test_the_page_shows_roles_states_and_last_sign_in(login_as, app, world, session,
                                                     mailbox):
    user = world.users["channel_user"]
    admin = login_as("channel_admin")
    html = admin.get("/partner/users/").get_data(as_text=True)
    assert "Never" in html
    login(app.test_client(), user)
    session.refresh(user)
    assert user.last_sign_in_at is not None
    invite(admin, "partner", email="new@partner.test", role="partner_admin")
    html = admin.get("/partner/users/").get_data(as_text=True)
    assert "Invited, not yet accepted" in html and "Partner administrator" in html
    assert html.count("Never") == 1  # the invitee; the user has signed in
    assert invitation_link(mailbox, "new@partner.test")


def test_staff_admins_manage_staff_and_only_staff(app, world, session, client, mailbox):
    admin = make_billing_staff(session, "admin", "admin@staff.test")
    specialist = world.users["staff"]
    session.commit()
    login(client, admin)
    html = client.get("/staff/users/").get_data(as_text=True)
    assert specialist.email in html and world.users["channel_user"].email not in html
    answer = post_action(client, "staff", specialist.id, "role", role="billing_manager")
    assert answer.status_code == 302
    session.refresh(specialist)
    assert specialist.role == "billing_manager"
    partner_user = world.users["channel_user"]
    assert post_action(client, "staff", partner_user.id, "deactivate").status_code == 404


def test_a_change_without_the_forms_csrf_token_is_refused(login_as, world, session):
    user = world.users["channel_user"]
    answer = login_as("channel_admin").post(f"/partner/users/{user.id}/deactivate")
    assert answer.status_code == 400
    session.refresh(user)
    assert user.is_active


def test_an_invitee_cannot_skip_the_invitation_with_a_password_reset(login_as, app, session,
                                                                    mailbox):
    invite(login_as("channel_admin"), "partner", email="new@partner.test", role="partner_user")
    mailbox.clear()
    from billing.parties.users import PasswordReset
    from portal.auth import reset_requests

    with app.test_request_context():
        sent = reset_requests.record_reset_request(email="new@partner.test", token="t" * 40,
                                                   subject="s", body="b")
    assert sent is False and session.scalars(select(PasswordReset)).all() == []


def test_invitations_to_one_address_are_rate_limited(login_as, session, mailbox):
    admin = login_as("channel_admin")
    answers = [invite(admin, "partner", email="flood@partner.test", role="partner_user")
               for _ in range(6)]
    assert [a.status_code for a in answers] == [302, 400, 400, 400, 400, 429]
    assert len(mails_to(mailbox, "flood@partner.test")) == 1


def test_the_page_costs_the_same_statements_however_many_users(login_as, world, session,
                                                               db):
    from tests.querycount import counted

    admin = login_as("channel_admin")

    def statements() -> int:
        with counted(db.engine) as sent:
            assert admin.get("/partner/users/").status_code == 200
        return len(sent)

    invite(admin, "partner", email="first@partner.test", role="partner_user")
    few = statements()
    for n in range(25):
        invite(admin, "partner", email=f"p{n}@partner.test", role="partner_user")
    assert statements() == few
