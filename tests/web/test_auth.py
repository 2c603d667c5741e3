"""Logging in, lockout, second factor, password reset by e-mail, CSRF, cookies."""

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from billing.core.clock import utcnow
from billing.core.errors import InvalidInput
from billing.core.models import OutboundMail
from billing.parties.users import LoginThrottle, PasswordReset
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD

REFUSED = "The e-mail address or password is not correct."


def post_login(client, email, password):
    token = csrf_token(client, "/auth/login")
    return client.post("/auth/login", data={"csrf_token": token, "email": email,
                                            "password": password})


def test_partner_logs_in_and_lands_on_its_customers(client, world):
    response = login(client, world.users["channel_admin"])
    assert client.get(response.headers["Location"], follow_redirects=True).status_code == 200
    assert "Channel Customer" in client.get("/partner/customers").get_data(as_text=True)


def test_wrong_password_and_unknown_email_get_the_same_answer(client, world):
    wrong = post_login(client, world.users["channel_admin"].email, "not-the-password-at-all")
    unknown = post_login(client, "nobody@nowhere.test", "not-the-password-at-all")
    assert wrong.status_code == unknown.status_code == 401
    assert REFUSED in wrong.get_data(as_text=True)
    assert REFUSED in unknown.get_data(as_text=True)


def test_five_failures_lock_the_account_for_fifteen_minutes(client, world, session):
    user = world.users["channel_admin"]
    for _ in range(5):
        post_login(client, user.email, "wrong-password-123456")
    response = post_login(client, user.email, PASSWORD)
    assert response.status_code == 401
    assert "locked for 15 minutes" in response.get_data(as_text=True)
    throttle = session.get(LoginThrottle, user.email)
    assert throttle.locked_until > utcnow() + timedelta(minutes=14)
    throttle.locked_until = utcnow() - timedelta(seconds=1)
    session.commit()
    assert post_login(client, user.email, PASSWORD).status_code == 302


def test_an_unknown_address_locks_exactly_like_a_real_one(client, world):
    answers = []
    for email in (world.users["channel_admin"].email, "nobody@nowhere.test"):
        for _ in range(5):
            post_login(client, email, "wrong-password-123456")
        answers.append(post_login(client, email, "wrong-password-123456"))
    real, unknown = (a.get_data(as_text=True) for a in answers)
    assert "locked for 15 minutes" in real and "locked for 15 minutes" in unknown
    assert answers[0].status_code == answers[1].status_code == 401


def _pending_staff(client, staff):
    assert post_login(client, staff.email, PASSWORD).headers["Location"].endswith("/auth/totp")
    return csrf_token(client, "/auth/totp")


def test_wrong_codes_count_on_the_server_even_when_the_cookie_is_replayed(client, world):
    staff = world.users["staff"]
    token = _pending_staff(client, staff)
    saved = client.get_cookie("session").value
    for _ in range(5):
        client.set_cookie("session", saved)  # an attacker resending the same cookie
        client.post("/auth/totp", data={"csrf_token": token, "code": "000000"})
    client.set_cookie("session", saved)
    code = pyotp.TOTP(staff.totp_secret).now()
    response = client.post("/auth/totp", data={"csrf_token": token, "code": code},
                           follow_redirects=True)
    assert "locked for 15 minutes" in response.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302


def test_a_second_factor_code_works_once(client, world, app):
    staff = world.users["staff"]
    token = _pending_staff(client, staff)
    code = pyotp.TOTP(staff.totp_secret).now()
    assert client.post("/auth/totp", data={"csrf_token": token, "code": code}).status_code == 302
    other = app.test_client()
    token = _pending_staff(other, staff)
    replay = other.post("/auth/totp", data={"csrf_token": token, "code": code})
    assert "That code is not correct." in replay.get_data(as_text=True)


def test_a_used_reset_link_cancels_the_others(client, world, session):
    from billing.parties import identity

    email = world.users["customer_admin"].email
    _, first = identity.start_password_reset(session, email, utcnow())
    _, second = identity.start_password_reset(session, email, utcnow())
    identity.finish_password_reset(session, second, "Harbor-Lantern-Quill-31", utcnow())
    session.commit()
    with pytest.raises(InvalidInput):
        identity.finish_password_reset(session, first, "Harbor-Lantern-Quill-32", utcnow())


def test_forged_csrf_token_is_refused(client, world):
    response = client.post("/auth/login", data={
        "csrf_token": "forged", "email": world.users["channel_admin"].email,
        "password": PASSWORD})
    assert response.status_code == 400
    assert "Reload the page" in response.get_data(as_text=True)


def test_state_changes_without_a_csrf_token_are_refused_by_csrf(login_as, world):
    client = login_as("customer_admin")
    response = client.post("/customer/cpni/grant", data={
        "partner_id": world.partners["channel"].id, "password": PASSWORD, "scope": "billing"})
    assert response.status_code == 400 and "Reload the page" in response.get_data(as_text=True)


def test_staff_need_the_second_factor(client, world):
    staff = world.users["staff"]
    response = post_login(client, staff.email, PASSWORD)
    assert response.headers["Location"].endswith("/auth/totp")
    assert client.get("/staff/").status_code == 302  # not logged in yet
    token = csrf_token(client, "/auth/totp")
    bad = client.post("/auth/totp", data={"csrf_token": token, "code": "000000"})
    assert "That code is not correct." in bad.get_data(as_text=True)
    code = pyotp.TOTP(staff.totp_secret).now()
    assert client.post("/auth/totp", data={"csrf_token": token, "code": code}).status_code == 302
    assert client.get("/staff/").status_code == 200


def test_staff_without_a_second_factor_must_enrol_first(client, world, session):
    staff = world.users["staff"]
    staff.totp_secret = staff.totp_enabled_at = None
    session.commit()
    response = post_login(client, staff.email, PASSWORD)
    assert response.headers["Location"].endswith("/auth/totp/enrol")
    page = client.get("/auth/totp/enrol").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    token = csrf_token(client, "/auth/totp/enrol")
    code = pyotp.TOTP(secret).now()
    assert client.post("/auth/totp/enrol", data={"csrf_token": token, "code": code}
                       ).status_code == 302
    session.refresh(staff)
    assert staff.totp_secret == secret and staff.totp_enabled_at is not None


def test_password_reset_link_arrives_by_smtp_and_works_once(client, world, mailbox):
    user = world.users["customer_admin"]
    token = csrf_token(client, "/auth/forgot")
    response = client.post("/auth/forgot", data={"csrf_token": token, "email": user.email})
    assert mailbox.messages == []  # sent once the answer has gone out, not before
    response.close()
    assert [m["To"] for m in mailbox.messages] == [user.email]
    link = re.search(r"http://portal\.test(/auth/reset/\S+)", mailbox.messages[0].get_payload())
    path = link.group(1)
    new_password = "Granite-Orchard-Window-9"
    form = {"csrf_token": csrf_token(client, path), "password": new_password,
            "confirm": new_password}
    assert client.post(path, data=form).status_code == 302
    assert client.post(path, data={**form, "csrf_token": csrf_token(client, path)}
                       ).status_code == 400  # the link worked once
    assert post_login(client, user.email, new_password).status_code == 302


def test_a_sent_reset_mail_no_longer_holds_its_link(client, world, mailbox, session):
    """Whoever reads the database afterwards finds neither the token nor the link."""
    user = world.users["customer_admin"]
    token = csrf_token(client, "/auth/forgot")
    client.post("/auth/forgot", data={"csrf_token": token, "email": user.email}).close()
    link = re.search(r"/auth/reset/(\S+)", mailbox.messages[0].get_payload()).group(1)
    kept = session.scalars(select(OutboundMail).where(
        OutboundMail.kind == "password_reset_link")).one()
    assert kept.status == "sent" and kept.to_address == user.email
    assert link not in kept.body and "/auth/reset/" not in kept.body
    assert session.scalars(select(PasswordReset.token_hash)).one() != link


def test_reset_for_an_unknown_email_says_the_same_and_sends_nothing(client, world, mailbox):
    token = csrf_token(client, "/auth/forgot")
    response = client.post("/auth/forgot", data={"csrf_token": token,
                                                 "email": "nobody@nowhere.test"},
                           follow_redirects=True)
    assert "If that address belongs to an account" in response.get_data(as_text=True)
    assert mailbox.messages == []


def test_reset_refuses_a_weak_password(client, world, session):
    from billing.parties import identity

    _, secret = identity.start_password_reset(session, world.users["customer_admin"].email,
                                              utcnow())
    session.commit()
    path = f"/auth/reset/{secret}"
    for weak in ("short-1", "admin@customer.test-and-more"):
        response = client.post(path, data={"csrf_token": csrf_token(client, path),
                                           "password": weak, "confirm": weak})
        assert response.status_code == 400


def test_session_cookie_is_hardened(client, world):
    response = login(client, world.users["channel_admin"])
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_logout_ends_the_session(client, world):
    login(client, world.users["channel_admin"])
    token = csrf_token(client, "/partner/customers")
    client.post("/auth/logout", data={"csrf_token": token})
    assert client.get("/partner/customers").status_code == 302


def test_language_switch_translates_the_pages(client, world):
    login(client, world.users["channel_admin"])
    token = csrf_token(client, "/partner/customers")
    client.post("/auth/language", data={"csrf_token": token, "locale": "de"})
    page = client.get("/partner/customers").get_data(as_text=True)
    assert "Kunden" in page and 'lang="de"' in page


def test_login_returns_to_the_page_asked_for(client, world):
    target = f"/partner/invoices/{world.invoices['channel'].id}"
    assert "next=" in client.get(target).headers["Location"]
    client.get(f"/auth/login?next={target}")
    response = post_login(client, world.users["channel_admin"].email, PASSWORD)
    assert response.headers["Location"] == target


def test_login_never_redirects_off_site(client, world):
    for target in ("//evil.test/x", "https://evil.test/", "/\\evil.test", "/\t/evil.test",
                   "/\n/evil.test", "/ /evil.test"):
        client.get("/auth/login", query_string={"next": target})
        response = post_login(client, world.users["channel_admin"].email, PASSWORD)
        assert response.headers["Location"] == "/"
        client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/partner/")})


def test_a_password_change_ends_other_sessions(client, world, session, app):
    from billing.parties import identity

    user = world.users["customer_admin"]
    login(client, user)
    assert client.get("/customer/").status_code == 200
    _, secret = identity.start_password_reset(session, user.email, utcnow())
    identity.finish_password_reset(session, secret, "Harbor-Lantern-Quill-33", utcnow())
    session.commit()
    assert client.get("/customer/").status_code == 302  # back to the login page
