"""Sessions live on the server: logout, a password change or reset, the user's own
"End" button and expiry each refuse the cookie from then on, copies of it included."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from billing.core.clock import utcnow
from billing.parties import identity
from billing.parties.users import UserSession
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD

NEW_PASSWORD = "Harbor-Lantern-Quill-33"


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(app, cookie: str):
    """A second browser holding a copy of the cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def _sessions_of(session, user):
    session.expire_all()
    return session.scalars(select(UserSession).where(UserSession.user_id == user.id)
                           .order_by(UserSession.id)).all()


def test_a_cookie_copied_before_logout_is_refused_after_it(app, client, world, session):
    user = world.users["customer_admin"]
    login(client, user)
    copied = _cookie(client)
    assert _replay(app, copied).get("/customer/").status_code == 200
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/customer/")})
    response = _replay(app, copied).get("/customer/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    [record] = _sessions_of(session, user)
    assert record.ended_at is not None and record.end_reason == "logout"


def test_the_cookie_holds_a_session_secret_not_the_user(client, world, session):
    user = world.users["channel_admin"]
    login(client, user)
    with client.session_transaction() as cookie:
        reference = cookie["_user_id"]
    assert str(user.id) not in reference.split(".")
    [record] = _sessions_of(session, user)
    assert record.secret_hash == hashlib.sha256(reference.encode()).hexdigest()
    assert record.ended_at is None


def test_a_password_change_keeps_this_session_and_ends_the_others(app, client, world,
                                                                  session):
    user = world.users["customer_admin"]
    other = app.test_client()
    login(other, user)
    login(client, user)
    path = "/auth/password"
    response = client.post(path, data={"csrf_token": csrf_token(client, path),
                                       "current": PASSWORD, "password": NEW_PASSWORD,
                                       "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/customer/").status_code == 200
    assert other.get("/customer/").status_code == 302
    reasons = [record.end_reason for record in _sessions_of(session, user)]
    assert reasons == ["password_changed", None]


def test_a_password_reset_ends_every_session(app, client, world, session):
    user = world.users["customer_admin"]
    login(client, user)
    second = app.test_client()
    login(second, user)
    _, secret = identity.start_password_reset(session, user.email, utcnow())
    session.commit()
    path = f"/auth/reset/{secret}"
    anonymous = app.test_client()
    anonymous.post(path, data={"csrf_token": csrf_token(anonymous, path),
                               "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert client.get("/customer/").status_code == 302
    assert second.get("/customer/").status_code == 302
    assert {r.end_reason for r in _sessions_of(session, user)} == {"password_reset"}


def test_the_sessions_page_lists_them_and_ends_another(app, client, world, session):
    user = world.users["channel_admin"]
    phone = app.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Safari/604.1")
    login(phone, user)
    client.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
    login(client, user)
    page = client.get("/auth/sessions").get_data(as_text=True)
    assert "Safari on iOS" in page and "Firefox on Linux" in page
    assert page.count("this session") == 1
    phone_record = _sessions_of(session, user)[0]
    path = f"/auth/sessions/{phone_record.id}/end"
    client.post(path, data={"csrf_token": csrf_token(client, "/auth/sessions")})
    assert phone.get("/partner/customers").status_code == 302
    assert client.get("/partner/customers").status_code == 200
    assert "Safari on iOS" not in client.get("/auth/sessions").get_data(as_text=True)


def test_ending_this_session_from_the_page_logs_out(client, world, session):
    user = world.users["channel_admin"]
    login(client, user)
    [record] = _sessions_of(session, user)
    response = client.post(f"/auth/sessions/{record.id}/end",
                           data={"csrf_token": csrf_token(client, "/auth/sessions")})
    assert "/auth/login" in response.headers["Location"]
    assert client.get("/partner/customers").status_code == 302


def test_nobody_ends_another_users_session(app, client, world, session):
    victim = app.test_client()
    login(victim, world.users["customer_admin"])
    [record] = _sessions_of(session, world.users["customer_admin"])
    login(client, world.users["channel_admin"])
    client.post(f"/auth/sessions/{record.id}/end",
                data={"csrf_token": csrf_token(client, "/auth/sessions")})
    assert victim.get("/customer/").status_code == 200
    assert _sessions_of(session, world.users["customer_admin"])[0].ended_at is None


def test_an_idle_session_expires_on_the_server(client, world, session):
    user = world.users["customer_admin"]
    login(client, user)
    [record] = _sessions_of(session, user)
    record.last_seen_at = utcnow() - timedelta(hours=8, minutes=1)
    session.commit()
    assert client.get("/customer/").status_code == 302
    [record] = _sessions_of(session, user)
    assert record.end_reason == "expired"


def test_a_session_ends_a_day_after_login_however_busy(client, world, session):
    user = world.users["customer_admin"]
    login(client, user)
    [record] = _sessions_of(session, user)
    record.created_at = utcnow() - timedelta(hours=24, minutes=1)
    session.commit()
    assert client.get("/customer/").status_code == 302


def test_a_deactivated_users_sessions_end(client, world, session):
    user = world.users["customer_admin"]
    login(client, user)
    user.is_active = False
    session.commit()
    assert client.get("/customer/").status_code == 302
    assert _sessions_of(session, user)[0].end_reason == "expired"


def test_last_seen_is_written_coarsely(client, world, session):
    user = world.users["customer_admin"]
    login(client, user)
    [record] = _sessions_of(session, user)
    started = record.last_seen_at
    client.get("/customer/")
    assert _sessions_of(session, user)[0].last_seen_at == started  # not on every request
    record = _sessions_of(session, user)[0]
    record.last_seen_at = started - timedelta(minutes=6)
    session.commit()
    client.get("/customer/")
    assert _sessions_of(session, user)[0].last_seen_at > started
