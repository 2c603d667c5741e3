"""The customer's marketing choice and the staff's marketing exports, through the pages."""

import csv
import io

import pytest
from sqlalchemy import func, select

from billing.cpni.compliance_models import MarketingExport, MarketingOptOut
from tests.conftest import csrf_token, login
from tests.factories import CPNI_MARKERS, NOW, PASSWORD, approve, make_user

CHOICE = "/customer/marketing"
EXPORTS = "/staff/marketing-exports"


def count(session, model):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def post_choice(client, action, **data):
    data.setdefault("csrf_token", csrf_token(client, CHOICE))
    return client.post(f"{CHOICE}/{action}", data=data, follow_redirects=True)


def test_customer_admin_opts_out_and_needs_the_password_to_withdraw(login_as, session, world):
    client = login_as("customer_admin")
    page = client.get(CHOICE).get_data(as_text=True)
    assert "Not opted out." in page and "You have never opted out." in page

    assert "You have opted out of marketing" in post_choice(client, "opt-out").get_data(
        as_text=True)
    assert "already opted out" in post_choice(client, "opt-out").get_data(as_text=True)
    assert count(session, MarketingOptOut) == 1

    for password in ("not-my-password-123", ""):
        refused = post_choice(client, "withdraw", password=password)
        assert refused.status_code == 400
    assert "password was not correct" in post_choice(
        client, "withdraw", password="not-my-password-123").get_data(as_text=True)
    opt_out = session.scalars(select(MarketingOptOut)).one()
    assert opt_out.revoked_at is None

    done = post_choice(client, "withdraw", password=PASSWORD).get_data(as_text=True)
    assert "Your opt-out is withdrawn" in done and "Not opted out." in done
    session.refresh(opt_out)
    assert opt_out.revoked_by_id == world.users["customer_admin"].id
    history = client.get(CHOICE).get_data(as_text=True).split('id="marketing-history"')[1]
    assert history.count(world.users["customer_admin"].name) == 2


def test_withdrawing_with_nothing_to_withdraw_is_a_clear_error(login_as):
    response = post_choice(login_as("customer_admin"), "withdraw", password=PASSWORD)
    assert response.status_code == 400
    assert "You have not opted out" in response.get_data(as_text=True)


@pytest.mark.parametrize("action, data", [("opt-out", {}), ("withdraw", {"password": PASSWORD})])
def test_the_marketing_choice_needs_the_csrf_token(login_as, session, world, action, data):
    client = login_as("customer_admin")
    if action == "withdraw":
        post_choice(client, "opt-out")
    before = session.scalars(select(MarketingOptOut.revoked_at)).all()
    response = client.post(f"{CHOICE}/{action}", data=data)
    assert response.status_code == 400 and "Reload the page" in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(MarketingOptOut.revoked_at)).all() == before


@pytest.mark.parametrize("user_key", ["location_admin", "customer_user"])
def test_only_the_admin_of_a_top_level_account_decides(login_as, session, user_key):
    client = login_as(user_key)
    assert client.get(CHOICE).status_code == 404
    assert f'href="{CHOICE}"' not in client.get("/customer/").get_data(as_text=True)
    token = csrf_token(client, "/customer/")
    assert client.post(f"{CHOICE}/opt-out", data={"csrf_token": token}).status_code == 404
    assert count(session, MarketingOptOut) == 0


def test_the_customer_admin_finds_the_page_in_the_menu(login_as):
    assert f'href="{CHOICE}"' in login_as("customer_admin").get("/customer/").get_data(
        as_text=True)


def export(client, campaign="Spring offers", partner_id=""):
    return client.post(EXPORTS, data={"csrf_token": csrf_token(client, EXPORTS),
                                      "campaign": campaign, "partner_id": partner_id})


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_staff_download_contact_details_of_eligible_customers(login_as, session, world):
    world.customers["direct"].name = "=HYPERLINK(\"http://evil.test\")"
    session.add(MarketingOptOut(customer=world.customers["other"], opted_out_at=NOW))
    session.commit()
    client = login_as("staff")
    response = export(client)

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header[:4] == ["account_number", "name", "email", "phone"]
    listed = [row[0] for row in rows]
    assert "AC-0002" not in listed and {"AC-0001", "AC-0101", "AC-0100"} <= set(listed)
    direct = next(row for row in rows if row[0] == "AC-0100")
    assert direct[1] == "'=HYPERLINK(\"http://evil.test\")"
    assert direct[3] == "'+1-303-555-0100" and direct[2] == "ac-0100@customer.test"
    body = response.get_data(as_text=True)
    assert not [marker for marker in CPNI_MARKERS if marker in body]

    recorded = session.scalars(select(MarketingExport)).one()
    assert [c.account_number for c in recorded.customers] == listed
    assert recorded.exported_by_id == world.users["staff"].id and recorded.partner_id is None
    past = client.get(EXPORTS).get_data(as_text=True).split('id="marketing-exports"')[1]
    assert "Spring offers" in past and f'<td class="num">{len(listed)}</td>' in past
    detail = client.get(f"{EXPORTS}/{recorded.id}").get_data(as_text=True)
    assert all(number in detail for number in listed) and "AC-0002" not in detail


def test_a_partner_campaign_downloads_only_customers_who_approved_it(login_as, session, world):
    approve(session, world.customers["channel"], world.partners["channel"])
    approve(session, world.customers["other"], world.partners["channel"])  # not its customer
    session.commit()
    response = export(login_as("staff"), "Channel upgrade", world.partners["channel"].id)
    assert [row[0] for row in csv_rows(response)[1:]] == ["AC-0001", "AC-0101"]
    assert session.scalars(select(MarketingExport.partner_id)).one() == world.partners["channel"].id


def test_an_export_that_lists_no_one_is_recorded_and_says_so(login_as, session, world):
    client = login_as("staff")
    response = export(client, "Nobody", world.partners["other"].id)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No customer may be listed for this campaign" in page
    assert "This export listed no customers." in page
    assert count(session, MarketingExport) == 1


@pytest.mark.parametrize("campaign, partner_id", [("", ""), ("x" * 201, ""),
                                                  ("Fine", "999999"), ("Fine", "abc")])
def test_a_bad_export_form_records_nothing(login_as, session, campaign, partner_id):
    response = export(login_as("staff"), campaign, partner_id)
    assert response.status_code == 400
    assert count(session, MarketingExport) == 0


def test_an_export_needs_the_csrf_token(login_as, session):
    response = login_as("staff").post(EXPORTS, data={"campaign": "Sneaky", "partner_id": ""})
    assert response.status_code == 400
    assert count(session, MarketingExport) == 0


def test_admins_export_too(client, session, world):
    admin = make_user(session, "admin@staff.test", "admin",
                      totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", totp_enabled_at=NOW)
    session.commit()
    login(client, admin)
    assert 'href="/staff/marketing-exports"' in client.get("/staff/").get_data(as_text=True)
    assert export(client, "From the admin").status_code == 200
    assert session.scalars(select(MarketingExport.exported_by_id)).one() == admin.id


def test_an_unknown_export_is_404(login_as):
    client = login_as("staff")
    for export_id in ("999999", "abc", "-1"):
        assert client.get(f"{EXPORTS}/{export_id}").status_code == 404


@pytest.mark.parametrize("user_key", ["channel_admin", "customer_admin"])
def test_partners_and_customers_get_404_on_the_staff_pages(login_as, session, world, user_key):
    recorded = MarketingExport(campaign="Kept", exported_by=world.users["staff"],
                               exported_at=NOW, customers=[world.customers["channel"]])
    session.add(recorded)
    session.commit()
    client = login_as(user_key)
    assert client.get(EXPORTS).status_code == 404
    assert client.get(f"{EXPORTS}/{recorded.id}").status_code == 404
    token = csrf_token(client, "/partner/" if user_key == "channel_admin" else "/customer/")
    response = client.post(EXPORTS, data={"csrf_token": token, "campaign": "Mine"})
    assert response.status_code == 404
    assert count(session, MarketingExport) == 1
