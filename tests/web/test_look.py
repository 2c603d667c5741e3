"""The portal's look: no inline styles (the CSP forbids them), the rebiller's brand as a
stylesheet of our own origin, the favicon, the grouped navigation and times shown in the
viewer's time zone."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from billing.parties.users import User, UserSession
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_customer, make_user

TEMPLATES = Path(__file__).resolve().parents[2] / "portal" / "templates"


def test_no_template_has_an_inline_style():
    offenders = [str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html")
                 if re.search(r"\sstyle\s*=", path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_brand_stylesheet_sets_the_rebillers_colour_and_may_be_cached(client, world):
    response = client.get("/brand/WS.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert "--brand-color: #0b7a75;" in response.get_data(as_text=True)
    assert response.cache_control.public and response.cache_control.max_age >= 600
    again = client.get("/brand/WS.css", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_an_unknown_brand_or_a_partner_without_one_answers_404(client, world):
    assert client.get("/brand/NOPE.css").status_code == 404
    channel = world.partners["channel"].code
    assert client.get(f"/brand/{channel}.css").status_code == 404


def test_a_colour_that_is_not_plain_hex_never_reaches_the_stylesheet(client, world, session):
    world.partners["wholesale"].brand_color = "red;}*"
    session.commit()
    css = client.get("/brand/WS.css").get_data(as_text=True)
    assert "red" not in css and "--brand-color: #1f4e8c;" in css


def test_a_rebillers_end_customers_invoice_links_the_brand_stylesheet(app, session, world):
    user = make_user(session, "end@wholesale.test", "customer_admin",
                     customer=world.customers["wholesale"])
    session.commit()
    client = app.test_client()
    login(client, user)
    html = client.get(f"/customer/invoices/{world.invoices['wholesale'].id}").get_data(
        as_text=True)
    assert 'href="/brand/WS.css"' in html
    assert '<p class="brand">Rebill Voice</p>' in html and "style=" not in html


def test_browsers_find_the_favicon_and_pages_show_the_logo(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    html = client.get("/auth/login").get_data(as_text=True)
    assert 'href="/static/img/favicon.svg"' in html and 'src="/static/img/logo.svg"' in html
    logo = client.get("/static/img/logo.svg")
    assert logo.status_code == 200
    logo.close()


def test_staff_navigation_comes_in_menus_and_marks_the_current_page(login_as):
    html = login_as("staff").get("/staff/runs").get_data(as_text=True)
    nav = html[html.index('<nav class="main"'):html.index("</nav>")]
    assert nav.count("<details") >= 4
    for group in ("Billing", "Receivables", "Disputes &amp; credits", "Compliance"):
        assert f">{group}</summary>" in nav
    assert '<a href="/staff/runs" aria-current="page">Invoice runs</a>' in nav
    assert '<summary class="current">Billing</summary>' in nav
    assert nav.count('aria-current="page"') == 1


def test_partner_navigation_marks_the_list_above_an_invoice(login_as, world):
    client = login_as("channel_admin")
    html = client.get("/partner/invoices").get_data(as_text=True)
    assert '<a href="/partner/invoices" aria-current="page">Invoices</a>' in html
    html = client.get(f"/partner/invoices/{world.invoices['channel'].id}").get_data(
        as_text=True)
    assert '<a href="/partner/invoices" aria-current="true">Invoices</a>' in html


def _sessions_page(client) -> str:
    html = client.get("/auth/sessions").get_data(as_text=True)
    return html[html.index("<tbody>"):html.index("</tbody>")]


def test_times_show_in_the_provider_zone_by_default_without_seconds(login_as):
    rows = _sessions_page(login_as("customer_admin"))
    assert re.search(r"\d{4}, \d{1,2}:\d{2}\W*[AP]M M[SD]T<", rows)
    assert not re.search(r"\d:\d{2}:\d{2}", rows)


def test_a_user_chooses_a_time_zone_and_times_follow_it(login_as, world, session):
    client = login_as("customer_admin")
    form = {"csrf_token": csrf_token(client, "/auth/preferences"), "time_zone": "Asia/Tokyo"}
    response = client.post("/auth/preferences", data=form)
    assert response.status_code == 302
    user = world.users["customer_admin"]
    session.expire_all()
    assert session.get(User, user.id).time_zone == "Asia/Tokyo"
    rows = _sessions_page(client)
    assert "JST<" in rows and not re.search(r"\d:\d{2}:\d{2}", rows)
    started = session.scalars(select(UserSession.created_at)
                              .where(UserSession.user_id == user.id)).first()
    tokyo = started.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"{tokyo.strftime('%-I:%M')}" in rows


def test_an_unknown_time_zone_is_refused_and_changes_nothing(login_as, world, session):
    client = login_as("customer_admin")
    form = {"csrf_token": csrf_token(client, "/auth/preferences"), "time_zone": "Mars/Olympus"}
    response = client.post("/auth/preferences", data=form)
    assert response.status_code == 400
    session.expire_all()
    assert session.get(User, world.users["customer_admin"].id).time_zone is None


def test_german_times_read_the_german_way_in_the_chosen_zone(login_as, world, session):
    user = session.get(User, world.users["customer_admin"].id)
    user.locale, user.time_zone = "de", "Europe/Berlin"
    session.commit()
    rows = _sessions_page(login_as("customer_admin"))
    assert re.search(r"\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} CET<", rows)


def test_mails_keep_mountain_time_whatever_zone_the_sender_chose(login_as, world, client,
                                                                 session, mailbox):
    user = session.get(User, world.users["customer_user"].id)
    user.time_zone = "Asia/Tokyo"
    session.commit()
    login_as("customer_user")
    client.post("/auth/password", data={
        "csrf_token": csrf_token(client, "/auth/password"), "current": PASSWORD,
        "password": "Granite-Orchard-Window-9", "confirm": "Granite-Orchard-Window-9"})
    [notice] = mailbox.messages
    body = notice.get_payload(decode=True).decode(notice.get_content_charset() or "utf-8")
    assert re.search(r"\d:\d{2}\W*[AP]M M[SD]T \(Mountain Time\)", body)
    assert "JST" not in body


def test_an_account_without_invoices_is_told_so_with_a_hint(app, session, world):
    customer = make_customer(session, "AC-0990", "Fresh Start Ltd")
    user = make_user(session, "fresh@customer.test", "customer_admin", customer=customer)
    session.commit()
    client = app.test_client()
    login(client, user)
    html = client.get("/customer/invoices").get_data(as_text=True)
    assert '<td colspan="6" class="empty"><strong>No invoices yet</strong>' in html
    assert "as soon as they are issued" in html
    filtered = client.get("/customer/invoices?status=paid").get_data(as_text=True)
    assert "No invoices match." in filtered and "No invoices yet" not in filtered
