"""The rules of user administration, on the domain functions: whose logins an admin
reaches, what an invitation link allows, and what a deactivation stops."""

from datetime import timedelta

import pytest

from billing.core.clock import utcnow
from billing.core.errors import InvalidInput, NotFound
from billing.parties import identity, user_sessions
from billing.users import administration as admin
from billing.users import invitations

PASSWORD = "Silver-Tundra-Compass-31"
DAY = timedelta(days=1)


def test_only_admins_have_a_scope_and_it_is_their_own(world):
    users = world.users
    assert admin.admin_scope(users["channel_user"]) is None
    assert admin.admin_scope(users["customer_user"]) is None
    assert admin.admin_scope(users["staff"]) is None
    scope = admin.admin_scope(users["channel_admin"])
    assert scope == admin.UserScope("partner", world.partners["channel"].id)
    assert scope.roles == ("partner_admin", "partner_user")


def test_a_login_outside_the_scope_is_not_found(world, session):
    scope = admin.admin_scope(world.users["channel_admin"])
    assert admin.user_in(session, scope, world.users["channel_user"].id)
    for other in ("other_admin", "sub_admin", "customer_user", "staff"):
        with pytest.raises(NotFound):
            admin.user_in(session, scope, world.users[other].id)


def _invite(session, world, email="pat@partner.test", now=None):
    by = world.users["channel_admin"]
    return admin.invite(session, admin.admin_scope(by), email=email, name="Pat Example",
                        role="partner_user", by=by, now=now or utcnow(), lifetime=DAY)


def test_an_invited_login_cannot_sign_in_until_it_accepts(world, session):
    user, token = _invite(session, world)
    assert user.awaits_invitation
    with pytest.raises(identity.LoginRefused):
        identity.authenticate(session, user.email, "", utcnow())
    invitations.accept(session, token, PASSWORD, utcnow())
    assert identity.authenticate(session, user.email, PASSWORD, utcnow()) == user


@pytest.mark.parametrize("email, code", [
    ("not an address", "email"), ("ADMIN@customer.test", "email"), ("a@b.test", None)])
def test_invitations_check_the_address(world, session, email, code):
    if code is None:
        assert _invite(session, world, email=email)[0].email == "a@b.test"
        return
    with pytest.raises(InvalidInput) as refused:
        _invite(session, world, email=email)
    assert refused.value.code == code


def test_a_link_is_refused_after_its_lifetime_and_once_used(world, session):
    now = utcnow()
    _, token = _invite(session, world, now=now)
    with pytest.raises(invitations.InvitationRefused) as refused:
        invitations.accept(session, token, PASSWORD, now + DAY)
    assert refused.value.code == "expired"
    invitations.accept(session, token, PASSWORD, now + DAY - timedelta(seconds=1))
    with pytest.raises(invitations.InvitationRefused) as refused:
        invitations.accept(session, token, PASSWORD, now)
    assert refused.value.code == "used"


def test_deactivating_revokes_the_link_and_ends_sessions(world, session):
    by, now = world.users["channel_admin"], utcnow()
    user, token = _invite(session, world, now=now)
    target = world.users["channel_user"]
    _, secret = user_sessions.open_session(session, target, user_agent="", now=now)
    assert admin.deactivate(session, user, by=by, now=now)
    assert admin.deactivate(session, target, by=by, now=now)
    assert not admin.deactivate(session, target, by=by, now=now)  # already inactive
    with pytest.raises(invitations.InvitationRefused) as refused:
        invitations.check(session, token, now)
    assert refused.value.code == "revoked"
    assert user_sessions.check_session(session, secret, now) is None


def test_signing_in_records_the_time(world, session):
    user, now = world.users["channel_user"], utcnow()
    user_sessions.open_session(session, user, user_agent="", now=now)
    assert user.last_sign_in_at == now
