"""User administration in a real browser: a partner admin invites a person from the
Users page, the invitee opens the e-mailed link in a browser of their own, chooses a
password and lands signed in; both pages pass axe-core in English and German."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from tests.browser.test_journeys import log_in, nav_link
from tests.factories import PASSWORD
from tests.web.user_admin_helpers import NEW_PASSWORD, invitation_link

INVITEE = "kim.invitee@partner.test"


def _link(mailbox, address, live_server) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            return live_server + invitation_link(mailbox, address)
        except AssertionError:
            time.sleep(0.1)
    raise AssertionError(f"no invitation reached {address}")


def test_an_admin_invites_and_the_invitee_lands_signed_in(world, new_page, live_server,
                                                          mailbox):
    admin = new_page()
    log_in(admin, world.users["channel_admin"].email)
    nav_link(admin, "Users").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Users")
    assert_accessible(admin)
    admin.get_by_label("Name", exact=True).fill("Kim Invitee")
    admin.get_by_label("E-mail").fill(INVITEE)
    admin.get_by_label("Role", exact=True).select_option("partner_user")
    admin.get_by_role("button", name="Send invitation").click()
    expect(admin.get_by_role("status")).to_contain_text(f"Invitation sent to {INVITEE}")
    row = admin.locator("#users tr").filter(has_text=INVITEE)
    expect(row).to_contain_text("Invited, not yet accepted")
    assert_accessible(admin)

    invitee = new_page()  # a fresh browser context: no cookie of the admin's
    invitee.goto(_link(mailbox, INVITEE, live_server))
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Accept your invitation")
    assert_accessible(invitee)
    invitee.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    invitee.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="Set password and sign in").click()
    expect(invitee.get_by_role("status")).to_contain_text("you are signed in")
    expect(invitee.locator(".who")).to_have_text("Kim Invitee")
    expect(nav_link(invitee, "Invoices")).to_be_visible()

    admin.reload()
    expect(admin.locator("#users tr").filter(has_text=INVITEE)).to_contain_text("Active")


@pytest.mark.parametrize("locale", ["en", "de"])
def test_the_users_and_accept_pages_are_accessible(world, browser, live_server, mailbox,
                                                   locale):
    contexts = [browser.new_context(base_url=live_server, locale=locale) for _ in range(2)]
    admin, invitee = (context.new_page() for context in contexts)
    try:
        admin.goto("/auth/login")  # by field ids: the labels are in the context's language
        admin.locator("#email").fill(world.users["customer_admin"].email)
        admin.locator("#password").fill(PASSWORD)
        admin.locator("#password").press("Enter")
        admin.wait_for_url("**/customer/**")
        admin.goto("/customer/users/")
        expect(admin.locator("html")).to_have_attribute("lang", re.compile(f"^{locale}"))
        assert_accessible(admin)
        address = f"{locale}.invitee@customer.test"
        admin.locator("#name").fill("Alex Invitee")
        admin.locator("#email").fill(address)
        admin.locator("#role").select_option("customer_user")
        admin.locator("form[action$='/invite'] button[type=submit]").click()
        expect(admin.locator("#users")).to_contain_text(address)
        assert_accessible(admin)
        invitee.goto(_link(mailbox, address, live_server))
        expect(invitee.locator("html")).to_have_attribute("lang", re.compile(f"^{locale}"))
        assert_accessible(invitee)
        invitee.goto("/auth/invitations/not-a-real-token")
        assert_accessible(invitee)
    finally:
        for context in contexts:
            context.close()
