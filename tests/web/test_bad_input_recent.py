"""Hostile input at the newest forms and endpoints: each gets a clear 4xx (or its form
back with the error) and leaves every table as it was, on SQLite and on PostgreSQL.

The hostile values: a NUL byte (PostgreSQL refuses one in text), a string longer than
any column, a 30-digit number (beyond every integer column and amount), an id that is
not a number, someone else's id, a JSON body or page cursor nested far too deep, a form
sent without its CSRF token or sent again.
"""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from billing.core.clock import utcnow
from billing.parties import identity
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_billing_staff, make_tiers, recent_invoice
from tests.web.payment_helpers import record_form

NUL = "12\x00"
LONG = "x" * 5000  # longer than any text column
DIGITS30 = "1" * 30  # beyond any integer column and any amount the portal holds
NOT_AN_AMOUNT = "1.2.3"
NAN = "sNaN"

# Tables a refused request may still touch: the signed-in session, the sign-in throttle,
# the CPNI disclosure log (written when staff open a page that shows CPNI), and when an
# API token was last used.
IGNORED = {"user_session", "login_throttle", "cpni_disclosure", "audit_chain_head",
           "api_token"}
EXAMPLES = Path(__file__).parents[2] / "billing" / "imports" / "examples"


def snapshot(db) -> dict[str, list[str]]:
    """Every row of every table but the ignored ones, comparable across two requests."""
    db.session.rollback()
    with db.engine.connect() as connection:
        return {name: sorted(repr(tuple(row)) for row in connection.execute(sa.select(table)))
                for name, table in db.metadata.tables.items() if name not in IGNORED}


def assert_refused(db, send, status: int | tuple, message: str):
    """`send()` answers `status` (or one of them) with `message` on it, and changes no
    table."""
    before = snapshot(db)
    response = send()
    text = response.get_data(as_text=True)
    assert response.status_code in (status if isinstance(status, tuple) else (status,)), (
        response.status_code, _said(text))
    assert message in text, (message, _said(text))
    after = snapshot(db)
    assert [name for name in before if before[name] != after[name]] == []
    return response


def _said(html: str) -> str:
    """What the page says went wrong (field errors, flashes, the error page's message):
    what a failed assertion shows."""
    found = re.findall(r'class="(?:field-error|flash [a-z]+|error-message)"[^>]*>([^<]*)<', html)
    return " | ".join(found) or html[:300]


def cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.fixture
def scene(world, session):
    """The world, the escalation path, an admin and a supervisor, a dispute on a recent
    invoice of the channel customer, and an API token of the channel partner's admin."""
    from billing.disputes import filing

    scene = type("Scene", (), {})()
    scene.world = world
    scene.tiers = make_tiers(session)
    scene.admin = make_billing_staff(session, "admin", "admin@staff.test")
    scene.manager = make_billing_staff(session, "billing_manager")
    scene.supervisor = make_billing_staff(session, "billing_supervisor")
    scene.invoice = recent_invoice(session, world.customers["channel"])
    scene.dispute = filing.file_dispute(
        session, invoice=scene.invoice, user=world.users["customer_admin"],
        reason="wrong_rate", description="The seat rate is wrong.", amount_minor=10_000,
        now=utcnow()).dispute
    _, scene.api_secret = identity.create_api_token(
        session, user=world.users["channel_admin"], name="erp", now=utcnow())
    session.commit()
    return scene


def sign_in(client, scene, who: str):
    users = {"admin": scene.admin, "manager": scene.manager, "supervisor": scene.supervisor}
    login(client, users.get(who) or scene.world.users[who])
    return client


# --- forms: (name, who, page the form is on, where it posts, a good form, field, values) --
# Each value is (typed, message the answer shows); the rest of the form is good.

def _contact(scene):
    customer = scene.world.customers["channel"]
    return {"email_of_record": customer.email_of_record,
            "address_line1": customer.address_line1, "city": customer.city,
            "postal_code": customer.postal_code, "country": "DE", "vat_number": "",
            "password": PASSWORD}


def _tier(scene):
    return {"name": "Board", "role": "billing_director", "response_hours": "120",
            "authority_USD": "2,000,000", "authority_CAD": "2,000,000",
            "authority_GBP": "2,000,000", "authority_EUR": "2,000,000"}


def _policy(scene):
    return {"reminder_offsets": "-5, 0, 10", "autopay_lead_days": "4", "retry_days": "2, 4",
            "grace_days": "3", "late_fee_mode": "fixed", "late_fee_percent": "",
            "fixed_usd": "25.00", "fixed_cad": "", "fixed_gbp": "", "fixed_eur": "",
            "exempt_accounts": "", "exempt_partners": ""}


def _dispute(scene):
    return {"reason": "wrong_rate", "amount": "125.50", "description": "The rate is wrong."}


AMOUNT_VALUES = [(DIGITS30, "larger than the portal can hold"),
                 (NOT_AN_AMOUNT, "Use the form 1,234.56."),
                 ("1e5", "Enter the amount in figures"), (NAN, "Enter the amount in figures"),
                 (NUL, "NUL character")]

FORMS = [
    ("time zone", "customer_admin", "/auth/preferences", "/auth/preferences", lambda s: {},
     "time_zone", [(NUL, "NUL character"), (LONG, "Not a valid choice"),
                   ("Mars/Olympus_Mons", "Not a valid choice")]),
    ("VAT number", "customer_admin", "/customer/contact", "/customer/contact", _contact,
     "vat_number", [(NUL, "NUL character"), ("DE" + DIGITS30, "longer than 30 characters"),
                    (LONG, "longer than 30 characters"), ("DE12345", "not written as a DE VAT"),
                    ("XX123456789", "A VAT number starts with the two letters")]),
    ("invite a partner user", "channel_admin", "/partner/users/", "/partner/users/invite",
     lambda s: {"name": "Robin", "email": "robin@partner.test", "role": "partner_user"},
     "role", [("admin", "Not a valid choice"), ("customer_admin", "Not a valid choice"),
              (LONG, "Not a valid choice")]),
    ("invite a customer user", "customer_admin", "/customer/users/", "/customer/users/invite",
     lambda s: {"name": "Robin", "email": "robin@customer.test", "role": "customer_user"},
     "email", [(NUL, "NUL character"), (LONG, "254"), ("robin at home", "e-mail")]),
    ("invite staff", "admin", "/staff/users/", "/staff/users/invite",
     lambda s: {"name": "Robin", "email": "robin@staff.test", "role": "billing_specialist"},
     "name", [(NUL, "NUL character"), (LONG, "200")]),
    ("change a role", "channel_admin", "/partner/users/",
     lambda s: f"/partner/users/{s.world.users['channel_user'].id}/role", lambda s: {},
     "role", [("admin", "Choose one of the roles offered."),
              ("billing_director", "Choose one of the roles offered."), (NUL, "NUL character")]),
    ("tier names", "admin", "/staff/disputes/tiers", "/staff/disputes/tiers", _tier,
     "name_de", [(NUL, "NUL character"), (LONG, "longer than 100 characters")]),
    ("tier deadline", "admin", "/staff/disputes/tiers", "/staff/disputes/tiers", _tier,
     "response_hours", [(DIGITS30, "response deadline"), ("-1", "response deadline"),
                        ("eight", "Not a valid integer")]),
    ("tier authority", "admin", "/staff/disputes/tiers", "/staff/disputes/tiers", _tier,
     "authority_EUR", AMOUNT_VALUES),
    ("dunning fee", "manager", "/staff/collections/policy", "/staff/collections/policy",
     _policy, "fixed_usd", AMOUNT_VALUES),
    ("dunning reminder days", "manager", "/staff/collections/policy",
     "/staff/collections/policy", _policy, "reminder_offsets",
     [(DIGITS30, "within 365 days"), (NUL, "NUL character")]),
    ("dispute amount", "customer_admin", lambda s: f"/customer/invoices/{s.invoice.id}/dispute",
     lambda s: f"/customer/invoices/{s.invoice.id}/dispute", _dispute, "amount",
     AMOUNT_VALUES),
    ("disputed lines", "customer_admin",
     lambda s: f"/customer/invoices/{s.invoice.id}/dispute",
     lambda s: f"/customer/invoices/{s.invoice.id}/dispute", _dispute, "line_ids",
     [(DIGITS30, "Choose only among the lines listed."),
      ("abc", "Choose only among the lines listed.")]),
    ("settle a partial credit", "supervisor",
     lambda s: f"/staff/disputes/{s.dispute.id}",
     lambda s: f"/staff/disputes/{s.dispute.id}/settle",
     lambda s: {"outcome": "partial", "amount": "10.00", "reason": "Half the seats."},
     "amount", AMOUNT_VALUES),
    ("record a payment", "staff", "/staff/payments/new", "/staff/payments/new", None,
     "amount", AMOUNT_VALUES),
]


def _resolve(value, scene):
    return value(scene) if callable(value) else value


@pytest.mark.parametrize("name, who, page, url, good, field, values", FORMS,
                         ids=[form[0] for form in FORMS])
def test_a_hostile_value_in_a_form_is_refused_and_changes_nothing(
        client, db, scene, name, who, page, url, good, field, values):
    sign_in(client, scene, who)
    page, url = _resolve(page, scene), _resolve(url, scene)
    if name == "settle a partial credit":  # settling needs a stated purpose for the account
        _state_purpose(client, scene)
    for typed, message in values:
        if good is None:  # the payment form carries its own idempotency token
            form = record_form(client, **{field: typed})
        else:
            form = {**good(scene), field: typed, "csrf_token": csrf_token(client, page)}
        assert_refused(db, lambda form=form: client.post(url, data=form), 400, message)


def _state_purpose(client, scene):
    url = f"/staff/customers/{scene.world.customers['channel'].id}"
    client.post(f"{url}/cpni", data={"csrf_token": csrf_token(client, url),
                                     "purpose": "billing"})


def test_a_nul_in_a_repeated_field_is_refused_not_only_in_the_first(client, db, scene):
    """The NUL guard reads every value of a field sent twice, not just the first."""
    sign_in(client, scene, "customer_admin")
    form = {"csrf_token": csrf_token(client, "/auth/preferences"),
            "time_zone": ["Europe/Berlin", "Europe/Paris\x00"]}
    assert_refused(db, lambda: client.post("/auth/preferences", data=form), 400,
                   "NUL character")
    assert_refused(db, lambda: client.get("/partner/invoices?q=USD&q=USD%00"), 400,
                   "NUL character")


# --- ids in paths: not a number, 30 digits, past an integer column, someone else's -------

ID_ACTIONS = [
    ("channel_admin", "/partner/users/{}/deactivate", "/partner/users/"),
    ("channel_admin", "/partner/users/{}/reactivate", "/partner/users/"),
    ("customer_admin", "/customer/users/{}/role", "/customer/users/"),
    ("admin", "/staff/users/{}/invite-again", "/staff/users/"),
    ("admin", "/staff/disputes/tiers/{}", "/staff/disputes/tiers"),
    ("staff", "/staff/runs/{}/drafts", "/staff/runs"),
    ("staff", "/staff/payments/{}/refund", "/staff/payments/new"),
]


@pytest.mark.parametrize("who, path, page", ID_ACTIONS, ids=[a[1] for a in ID_ACTIONS])
def test_an_odd_or_foreign_id_is_404_and_changes_nothing(client, db, scene, who, path, page):
    sign_in(client, scene, who)
    foreign = scene.world.users["other_admin"].id  # another partner's user: out of reach
    for odd in ("abc", DIGITS30, "3000000000", "-1", "0", str(foreign)):
        form = {"csrf_token": csrf_token(client, page), "role": "partner_user",
                "amount": "1.00", "reason": "Paid twice."}
        if path.startswith("/staff/disputes/tiers") and odd == str(foreign):
            continue  # a user's id may well be a tier's id
        # A POST to an id no INTEGER column holds, at a path that also has a GET page,
        # is 405 (Werkzeug matches the method before the id converter refuses).
        unheld = odd in (DIGITS30, "3000000000", "0") and "drafts" in path
        url = path.format(odd)
        assert_refused(db, lambda url=url, form=form: client.post(url, data=form),
                       (404, 405) if unheld else 404, "")
        if "drafts" in path:
            assert_refused(db, lambda url=url: client.get(url), 404, "")


def test_the_users_and_tier_forms_need_their_csrf_token(client, db, scene):
    sign_in(client, scene, "admin")
    user = scene.world.users["channel_user"].id
    tier = scene.tiers[0].id
    for url, form in [("/staff/users/invite", {"name": "R", "email": "r@staff.test",
                                               "role": "billing_specialist"}),
                      (f"/staff/users/{user}/deactivate", {}),
                      (f"/staff/disputes/tiers/{tier}", _tier(scene)),
                      ("/auth/preferences", {"time_zone": "Europe/Berlin"})]:
        assert_refused(db, lambda url=url, form=form: client.post(url, data=form), 400,
                       "This form has expired")


# --- query strings: invoice-number search, keyset links, queue filters -------------------

DEEP_CURSOR = cursor("[" * 100_000 + "]" * 100_000)
QUERIES = [
    ("channel_admin", "/partner/invoices?q=" + "7" * 101, "limited to 100 characters"),
    ("customer_admin", "/customer/invoices?q=" + LONG, "limited to 100 characters"),
    ("staff", "/staff/invoices?q=USD%00", "NUL character"),
    ("channel_admin", "/partner/invoices?after=" + DEEP_CURSOR, "page link is not valid"),
    ("channel_admin", "/partner/customers?before=" + DEEP_CURSOR, "page link is not valid"),
    ("channel_admin", "/partner/customers?after=" + cursor(json.dumps(["a\x00b", 5])),
     "page link is not valid"),
    ("channel_admin", "/partner/customers?after=" + cursor(json.dumps(["a", 10 ** 30])),
     "page link is not valid"),
    ("channel_admin", "/partner/invoices?after=" + cursor('["2026-01-31", 1.5]'),
     "page link is not valid"),
    ("channel_admin", "/partner/invoices?after=x&before=y", "page link is not valid"),
    ("channel_admin", "/partner/customers?after=" + "W" * 3000, "page link is not valid"),
    ("channel_admin", "/partner/invoices?page=" + DIGITS30, "page must be a whole number"),
    ("staff", "/staff/disputes/?min=" + DIGITS30, "larger than the portal can hold"),
    ("staff", "/staff/disputes/?max=" + NOT_AN_AMOUNT, "Use the form 1,234.56."),
    ("staff", "/staff/disputes/?tier=" + DIGITS30, "Choose a tier from the list."),
    ("staff", "/staff/disputes/?partner=abc", "Choose a partner from the list."),
    ("staff", "/staff/disputes/?age=" + DIGITS30, "Choose an age from the list."),
]


@pytest.mark.parametrize("who, url, message", QUERIES, ids=[q[1][:60] for q in QUERIES])
def test_a_hostile_query_string_is_400_with_its_reason(client, db, scene, who, url, message):
    sign_in(client, scene, who)
    assert_refused(db, lambda: client.get(url), 400, message)


def test_the_longest_cursor_the_portal_makes_is_still_read_back():
    """The length cap on cursors stays above what a page link can carry: the longest sort
    text, of four-byte characters, and the largest id."""
    from portal.invoicing.listing import CUSTOMER_ORDER

    values = ("\U0001F600" * 500, 2**31 - 1)
    assert CUSTOMER_ORDER.decode(CUSTOMER_ORDER.encode(values)) == values


@pytest.mark.parametrize("who, url", [
    ("channel_admin", "/partner/"), ("customer_admin", "/customer/"),
    ("staff", "/staff/dashboard")])
def test_the_dashboards_ignore_a_query_string_they_do_not_read(client, scene, who, url):
    sign_in(client, scene, who)
    for query in ("months=" + DIGITS30, "period=" + LONG, "after=" + DEEP_CURSOR):
        response = client.get(f"{url}?{query}", follow_redirects=True)
        assert response.status_code == 200, (query[:40], response.status_code)


@pytest.mark.parametrize("query, message", [
    ("number=" + LONG, "limited to 100 characters"), ("number=USD%00", "NUL character"),
    ("cursor=" + DIGITS30, "cursor is not valid"), ("limit=" + DIGITS30, "limit must be"),
])
def test_the_invoice_api_refuses_hostile_parameters_with_json(client, db, scene, query,
                                                              message):
    headers = {"Authorization": f"Bearer {scene.api_secret}"}
    response = assert_refused(
        db, lambda: client.get(f"/api/v1/invoices?{query}", headers=headers), 400, message)
    assert response.is_json


def test_a_json_body_nested_a_hundred_thousand_deep_is_400(client, db, scene):
    headers = {"Authorization": f"Bearer {scene.api_secret}",
               "Content-Type": "application/json"}
    body = "[" * 100_000 + "]" * 100_000
    assert_refused(db, lambda: client.post("/api/v1/disputes", data=body, headers=headers),
                   400, "nested more than")


# --- invitations, branding, imports ------------------------------------------------------

def test_a_hostile_invitation_link_or_password_changes_nothing(client, db, scene, mailbox):
    from tests.web.user_admin_helpers import invitation_link, invite

    sign_in(client, scene, "channel_admin")
    assert invite(client, "partner", email="robin@partner.test",
                  role="partner_user").status_code == 302
    client.get("/auth/logout")
    path = invitation_link(mailbox, "robin@partner.test")
    for token in ("x", DIGITS30, LONG):
        assert_refused(db, lambda token=token: client.get(f"/auth/invitations/{token}"), 404,
                       "not valid")
    assert_refused(db, lambda: client.get("/auth/invitations/ab%00cd"), 400, "NUL character")
    for password, message in [(LONG, "256"), (NUL, "NUL character"), ("short", "12 characters")]:
        form = {"csrf_token": csrf_token(client, "/auth/forgot"), "password": password,
                "confirm": password}
        assert_refused(db, lambda form=form: client.post(path, data=form), 400, message)
    form = {"password": "Copper-Harbour-Lantern-42", "confirm": "Copper-Harbour-Lantern-42"}
    assert_refused(db, lambda: client.post(path, data=form), 400, "This form has expired")


@pytest.mark.parametrize("code, status", [
    ("ab%00", 400), (LONG, 404), (DIGITS30, 404), ("CH2", 404), ("..%2F..%2Fetc", 404)])
def test_an_odd_brand_code_gets_no_stylesheet(client, world, code, status):
    assert client.get(f"/brand/{code}.css").status_code == status


def _upload(client, kind: str, row: str, example: str):
    header = (EXAMPLES / example).read_text(encoding="utf-8").splitlines()[0]
    form = {"csrf_token": csrf_token(client, "/staff/imports"), "kind": kind,
            "file": (io.BytesIO(f"{header}\n{row}\n".encode()), f"{kind}.csv")}
    return client.post("/staff/imports", data=form, content_type="multipart/form-data")


CUSTOMER_ROW = "AC-900001,Ostsee GmbH,,no,,a@ostsee.test,1,Hafen 1,,Kiel,,24103,DE,de,EUR,,{}"
PRODUCT_ROW = "NEW-SEAT,New seat,recurring,seat,voice,,{},,"


@pytest.mark.parametrize("kind, row, example, value, message", [
    ("customers", CUSTOMER_ROW, "customers.csv", "DE" + DIGITS30, "not written as a DE VAT"),
    ("customers", CUSTOMER_ROW, "customers.csv", NUL, "NUL"),
    ("customers", CUSTOMER_ROW, "customers.csv", LONG, "A VAT number starts with"),
    ("products", PRODUCT_ROW, "products.csv", NUL, "NUL"),
    ("products", PRODUCT_ROW, "products.csv", LONG, "200"),
])
def test_a_hostile_import_cell_imports_nothing(client, db, scene, kind, row, example, value,
                                               message):
    sign_in(client, scene, "staff")
    assert_refused(db, lambda: _upload(client, kind, row.format(value), example), 400,
                   message)


# --- forms sent twice --------------------------------------------------------------------

def test_a_refund_of_a_hostile_amount_changes_nothing(client, db, scene):
    sign_in(client, scene, "staff")
    assert client.post("/staff/payments/new", data=record_form(client)).status_code == 302
    from billing.payments.models import Payment

    payment = db.session.scalars(sa.select(Payment)).one()
    url = f"/staff/payments/{payment.id}"
    for typed, message in AMOUNT_VALUES:
        form = {"csrf_token": csrf_token(client, url), "amount": typed,
                "reason": "Paid twice."}
        assert_refused(db, lambda form=form: client.post(f"{url}/refund", data=form), 400,
                       message)


def test_user_changes_sent_twice_act_once(client, db, scene, mailbox):
    from billing.users.models import UserChange
    from tests.web.user_admin_helpers import invite, mails_to, post_action

    sign_in(client, scene, "channel_admin")
    assert invite(client, "partner", email="robin@partner.test",
                  role="partner_user").status_code == 302
    assert_refused(db, lambda: invite(client, "partner", email="Robin@Partner.test",
                                      role="partner_user"), 400, "robin@partner.test")
    user = scene.world.users["channel_user"]
    for action in ("deactivate", "reactivate"):
        assert post_action(client, "partner", user.id, action).status_code == 302
        changes = db.session.scalar(sa.select(sa.func.count()).select_from(UserChange))
        notices = len(mails_to(mailbox, user.email))
        assert notices >= 1 and changes >= 1
        assert post_action(client, "partner", user.id, action).status_code in (302, 400)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UserChange)) == changes
        assert len(mails_to(mailbox, user.email)) == notices
    assert len(mails_to(mailbox, "robin@partner.test")) == 1


def test_a_foreign_invoice_number_finds_nothing(client, scene):
    """Searching for another partner's invoice number lists nothing, on the page and in
    the API (the number shows only as what was typed)."""
    number = scene.world.invoices["other"].number
    sign_in(client, scene, "channel_admin")
    page = client.get(f"/partner/invoices?q={number}").get_data(as_text=True)
    assert "No invoices match." in page
    headers = {"Authorization": f"Bearer {scene.api_secret}"}
    answer = client.get(f"/api/v1/invoices?number={number}", headers=headers)
    assert answer.status_code == 200 and number not in answer.get_data(as_text=True)
