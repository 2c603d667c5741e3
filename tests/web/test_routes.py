"""Every page answers its own audience, and the main flows work through the forms."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from billing.core.clock import PROVIDER_TZ
from billing.cpni.models import CpniApproval
from billing.parties.users import ApiToken
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, approve, make_user

PAGES = {
    "channel_admin": ["/partner/", "/partner/customers", "/partner/customers/{c}",
                      "/partner/invoices", "/partner/invoices/{i}", "/partner/invoices/{i}/pdf",
                      "/partner/tokens"],
    "customer_admin": ["/customer/", "/customer/accounts/{sub}", "/customer/invoices",
                       "/customer/invoices/{i}", "/customer/invoices/{i}/pdf", "/customer/cpni"],
    "staff": ["/staff/", "/staff/customers/{c}", "/staff/invoices", "/staff/invoices/{i}",
              "/staff/imports", "/staff/runs",
              "/staff/invoices/{i}/pdf"],
}
# Statements and the availability report: tests/pdf/test_statement_pdf.py and
# tests/web/test_availability_page.py
PAGES["customer_admin"] += ["/customer/statements", "/customer/accounts/{c}/statement.pdf"]
PAGES["customer_admin"] += ["/customer/disclosures"]  # tests/web/test_disclosures_page.py
PAGES["channel_admin"] += ["/partner/customers/{c}/statement.pdf"]
PAGES["staff"] += ["/staff/customers/{c}/statement.pdf", "/staff/availability"]
# Disputes, exports and the CPNI program's pages (issues 5 and 6)
PAGES["channel_admin"] += ["/partner/disputes", "/partner/invoices/{i}/dispute",
                           "/partner/invoices.csv", "/auth/password"]
PAGES["customer_admin"] += ["/customer/disputes", "/customer/invoices/{i}/dispute",
                            "/customer/invoices.csv", "/customer/contact",
                            "/customer/marketing", "/customer/passcode"]
PAGES["staff"] += ["/staff/disputes/", "/staff/disputes/tiers", "/staff/dispute-reports",
                   "/staff/invoices.csv", "/staff/marketing-exports"]
ANONYMOUS = ["/auth/login", "/auth/forgot", "/api/v1/openapi.json"]
# Routes exercised by POST flows or other test modules.
ELSEWHERE = {"/", "/auth/logout", "/auth/language", "/auth/totp", "/auth/totp/enrol",
             "/auth/reset/<token>", "/partner/tokens/<token_id>/revoke",
             "/customer/cpni/grant", "/customer/cpni/revoke", "/staff/customers/<customer_id>/cpni",
             "/api/v1/customers", "/api/v1/customers/<customer_id>", "/api/v1/invoices",
             "/api/v1/invoices/<invoice_id>", "/api/v1/invoices/<invoice_id>/pdf",
             "/static/<path:filename>", "/staff/runs/<id:run_id>",
             "/staff/runs/<id:run_id>/progress", "/staff/runs/<id:run_id>/issue",
             "/staff/price-books", "/staff/price-books/<book_id>",
             # SLA credits: tests/web/test_sla_requests.py
             "/customer/sla", "/customer/sla/preview", "/customer/sla/confirm",
             "/customer/sla/tickets", "/partner/sla", "/partner/customers/<customer_id>/sla",
             "/partner/customers/<customer_id>/sla/preview",
             "/partner/customers/<customer_id>/sla/confirm",
             "/partner/customers/<customer_id>/sla/tickets", "/staff/credit-requests",
             "/staff/credit-requests/<request_id>", "/staff/credit-requests/<request_id>/decide"}
# The look (issue 19): tests/web/test_look.py
ELSEWHERE |= {"/brand/<code>.css", "/favicon.ico", "/auth/preferences"}
# The dashboards (issue 19): tests/web/test_*_dashboard.py
PAGES["staff"] += ["/staff/dashboard"]
# The SLA ledger: tests/web/test_ledger_pages.py and tests/web/test_api_sla.py
PAGES["staff"] += ["/staff/outages", "/staff/outages/new", "/staff/tickets", "/staff/maintenance"]
ELSEWHERE |= {"/staff/outages/<outage_id>", "/staff/outages/<outage_id>/link",
              "/staff/maintenance/generate", "/staff/maintenance/<window_id>/notices",
              "/api/v1/outages", "/api/v1/tickets", "/api/v1/credit-requests",
              "/api/v1/credit-requests/<request_id>"}
# Disputes: tests/web/test_dispute_filing.py, test_dispute_attachments.py,
# test_staff_disputes.py, test_api_disputes.py, test_dispute_reports_page.py
ELSEWHERE |= {f"/{side}/disputes/<dispute_id>{rest}" for side in ("customer", "partner")
              for rest in ("", "/comment", "/escalate", "/withdraw", "/reopen",
                           "/files/<attachment_id>")}
ELSEWHERE |= {f"/staff/disputes/<x>/{step}"
              for step in ("take", "comment", "ask", "escalate", "reopen", "settle")}
ELSEWHERE |= {"/staff/disputes/<dispute_id>", "/staff/disputes/<x>/<x>",
              "/staff/disputes/<dispute_id>/files/<attachment_id>",
              "/staff/disputes/tiers/<tier_id>", "/staff/dispute-reports/<table>.csv",
              "/api/v1/disputes", "/api/v1/disputes/<dispute_id>",
              "/api/v1/disputes/<dispute_id>/events", "/api/v1/disputes/<dispute_id>/comments"}
# Payments over the API: tests/web/test_api_payments.py
ELSEWHERE |= {"/api/v1/payments", "/api/v1/payments/<payment_id>"}
# The CPNI program: test_caller_verification.py, test_marketing_pages.py,
# test_compliance_pages.py, test_account_notices.py
ELSEWHERE |= {"/staff/customers/<customer_id>/call", "/staff/customers/<customer_id>/call/end",
              "/staff/marketing-exports/<export_id>", "/customer/marketing/opt-out",
              "/customer/passcode/show",
              "/customer/marketing/withdraw", "/staff/compliance/breaches",
              "/staff/compliance/breaches/<breach_id>",
              "/staff/compliance/breaches/<x>/<x>", "/staff/compliance/complaints",
              "/staff/compliance/breaches/<x>/law-enforcement",
              "/staff/compliance/breaches/<x>/override",
              "/staff/compliance/breaches/<x>/customers", "/staff/compliance/breaches/<x>/delete",
              "/staff/compliance/complaints/<complaint_id>/close",
              "/staff/compliance/certification", "/staff/compliance/certification.csv"}
# Letters queued for printing and the officer's statement: test_caller_sending.py and
# test_compliance_pages.py.
ELSEWHERE |= {"/staff/letters", "/staff/letters/<letter_id>.pdf",
              "/staff/letters/<letter_id>/printed", "/staff/compliance/certification/statement"}

# The review of a run's drafts (issue 19): tests/web/test_run_review.py
ELSEWHERE |= {"/staff/runs/<id:run_id>/drafts"}
# Payments (issue 13): tests/web/test_payments_staff.py and test_payments_customer.py
PAGES["customer_admin"] += ["/customer/payments"]
PAGES["staff"] += ["/staff/payments", "/staff/payments/new", "/staff/payments/suspense"]
ELSEWHERE |= {"/staff/payments/<payment_id>", "/staff/payments/<payment_id>/refund",
              "/staff/payments/<payment_id>/assign", "/customer/payments/<payment_id>/receipt.pdf"}
# Paying online through Stripe: tests/web/test_pay_online.py and browser/test_pay_journey.py
PAGES["customer_admin"] += ["/customer/pay"]
ELSEWHERE |= {"/customer/pay/<intent_id>", "/customer/pay/<intent_id>/confirm",
              "/customer/payment-methods", "/customer/payment-methods/remove",
              "/stripe/webhook"}
# Commissions (issue 15): tests/web/test_commission_pages.py and test_commission_staff.py
PAGES["channel_admin"] += ["/partner/commissions"]
ELSEWHERE |= {"/partner/commissions/<month>", "/partner/commissions/<month>/statement.pdf",
              "/partner/commissions/<month>/statement.xlsx", "/api/v1/commissions",
              "/staff/commissions/<month>", "/staff/commissions/<month>/approve",
              "/staff/commissions/<month>/payables.csv", "/staff/commissions/plans",
              "/staff/commissions/<month>/payables.xlsx"}
PAGES["staff"] += ["/staff/commissions"]
# Collections (issue 16): tests/web/test_collections_pages.py (the policy page is for
# admins and billing managers; autopay needs Stripe)
ELSEWHERE |= {"/staff/collections/policy", "/customer/autopay", "/customer/autopay/off"}
# Rebiller reconciliation (issue 14): tests/web/test_rebiller_reconciliation_pages.py
PAGES["staff"] += ["/staff/rebiller-reconciliation"]
ELSEWHERE |= {"/partner/reconciliation", "/partner/reconciliation/<run_id>",
              "/partner/reconciliation/<run_id>/progress",
              "/partner/reconciliation/<run_id>/rows.csv",
              "/partner/reconciliation/<run_id>/workbook.xlsx",
              "/staff/rebiller-reconciliation/<run_id>",
              "/staff/rebiller-reconciliation/<run_id>/progress",
              "/staff/rebiller-reconciliation/<run_id>/rows.csv",
              "/staff/rebiller-reconciliation/<run_id>/workbook.xlsx",
              "/api/v1/reconciliations", "/api/v1/reconciliations/<run_id>"}
# Statement batches and workbooks (issue 17): tests/web/test_statement_batches.py and
# test_workbook_exports.py
PAGES["channel_admin"] += ["/partner/statements", "/partner/invoices.xlsx"]
PAGES["customer_admin"] += ["/customer/invoices.xlsx"]
PAGES["staff"] += ["/staff/statement-batches", "/staff/invoices.xlsx"]
ELSEWHERE |= {f"{base}/<batch_id>{tail}" for base in ("/partner/statements",
                                                      "/staff/statement-batches")
              for tail in ("", "/progress", "/statements.zip", "/manifest.csv")}
ELSEWHERE |= {"/staff/dispute-reports/<table>.xlsx", "/staff/compliance/certification.xlsx",
              "/staff/availability.xlsx"}
# Sessions (issue 12): tests/web/test_sessions.py; the page is every signed-in user's
# The receivables ageing and the customer's home: tests/web/test_ageing_pages.py,
# tests/web/test_api_ageing.py and tests/web/test_customer_home.py
PAGES["channel_admin"] += ["/partner/ageing", "/partner/ageing.csv", "/partner/ageing.xlsx"]
PAGES["staff"] += ["/staff/ageing", "/staff/ageing/ageing.csv", "/staff/ageing/ageing.xlsx"]
ELSEWHERE |= {"/partner/ageing/accounts", "/staff/ageing/accounts", "/api/v1/ageing"}
for audience in PAGES:
    PAGES[audience] += ["/auth/sessions"]
ELSEWHERE |= {"/auth/sessions/<id:session_id>/end"}
# Payment reconciliation (issue 14): tests/web/test_reconciliation_pages.py
PAGES["staff"] += ["/staff/reconciliation/payments",
                   "/staff/reconciliation/payments/exceptions"]
ELSEWHERE |= {"/staff/reconciliation/payments/report", "/staff/reconciliation/payments/sync",
              "/staff/reconciliation/payments/<id:run_id>",
              "/staff/reconciliation/payments/<id:run_id>/progress",
              "/staff/reconciliation/payments/<id:run_id>/payouts/<payout_id>",
              "/staff/reconciliation/payments/<id:run_id>/results.csv",
              "/staff/reconciliation/payments/<id:run_id>/results.xlsx",
              "/staff/reconciliation/payments/exceptions/<id:exception_id>"}
# User administration (issue 19): tests/web/test_user_administration.py and
# tests/web/test_user_invitations.py; the staff page is an admin's, not a specialist's.
PAGES["channel_admin"] += ["/partner/users/"]
PAGES["customer_admin"] += ["/customer/users/"]
ELSEWHERE |= {"/staff/users/", "/auth/invitations/<token>"}
ELSEWHERE |= {f"/{audience}/users/{tail}" for audience in ("partner", "customer", "staff")
              for tail in ("invite", "<id:user_id>/invite-again", "<id:user_id>/role",
                           "<id:user_id>/deactivate", "<id:user_id>/reactivate")}
# Staff correcting an account's VAT number: tests/web/test_staff_vat_number.py
ELSEWHERE |= {"/staff/customers/<customer_id>/vat-number"}

@pytest.mark.parametrize("user_key", sorted(PAGES))
def test_every_page_renders_for_its_audience(login_as, world, user_key):
    client = login_as(user_key)
    ids = {"c": world.customers["channel"].id, "i": world.invoices["channel"].id,
           "sub": world.customers["location"].id}
    for template in PAGES[user_key]:
        response = client.get(template.format(**ids))
        assert response.status_code == 200, template


@pytest.mark.parametrize("url", ANONYMOUS)
def test_public_pages_render(client, url):
    assert client.get(url).status_code == 200


def test_every_route_is_covered_by_a_test(app):
    covered = set(ELSEWHERE) | set(ANONYMOUS)
    for templates in PAGES.values():
        covered |= {re.sub(r"\{\w+\}", "<x>", t) for t in templates}
    for rule in app.url_map.iter_rules():
        shape = re.sub(r"<[^>]+>", "<x>", rule.rule)
        assert rule.rule in covered or shape in covered, f"untested route {rule.rule}"


def test_pages_need_a_login(client, world):
    response = client.get("/partner/invoices")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_customer_overview_lists_its_sub_accounts(login_as, world):
    page = login_as("customer_admin").get("/customer/").get_data(as_text=True)
    assert "Channel Customer Location" in page and "ZEBRA-SERVICE-7731" in page


def _client_for_new_admin(app, session, customer, email):
    user = make_user(session, email, "customer_admin", customer=customer)
    session.commit()
    client = app.test_client()
    login(client, user)
    return client


def test_wholesale_end_customer_invoice_carries_the_rebillers_brand(app, session, world):
    client = _client_for_new_admin(app, session, world.customers["wholesale"],
                                   "end@wholesale.test")
    page = client.get(f"/customer/invoices/{world.invoices['wholesale'].id}")
    assert "Rebill Voice" in page.get_data(as_text=True)


def test_customer_admin_grants_and_revokes_through_the_form(login_as, session, world):
    client = login_as("customer_admin")
    partner = world.partners["channel"]
    form = {"csrf_token": csrf_token(client, "/customer/cpni"), "scope": "billing_usage",
            "partner_id": partner.id, "password": PASSWORD, "expires_on": "2099-12-31"}
    response = client.post("/customer/cpni/grant", data=form, follow_redirects=True)
    assert "Channel One may now see your CPNI." in response.get_data(as_text=True)
    approval = session.scalars(select(CpniApproval)).one()
    assert approval.approved_by_id == world.users["customer_admin"].id
    assert approval.expires_at.astimezone(PROVIDER_TZ).date() == date(2099, 12, 31)
    form = {"csrf_token": csrf_token(client, "/customer/cpni"), "partner_id": partner.id,
            "password": PASSWORD}
    response = client.post("/customer/cpni/revoke", data=form, follow_redirects=True)
    assert "no longer sees your CPNI" in response.get_data(as_text=True)
    session.refresh(approval)
    assert approval.revoked_at is not None
    assert approval.revoked_by_id == world.users["customer_admin"].id


def test_approvals_page_lists_the_serving_partner_chain(app, session, world):
    client = _client_for_new_admin(app, session, world.customers["subsub"],
                                   "admin@subsub.test")
    page = client.get("/customer/cpni").get_data(as_text=True)
    for name in ("Sub Sub Agent", "Sub Agent", "Agency Top"):
        assert name in page
    assert "Channel One" not in page


def test_sub_account_admin_cannot_manage_approvals(login_as):
    assert login_as("location_admin").get("/customer/cpni").status_code == 404


def test_partner_admin_creates_a_token_shown_once_and_revokes_it(login_as, session, world):
    client = login_as("channel_admin")
    form = {"csrf_token": csrf_token(client, "/partner/tokens"), "name": "Billing export"}
    page = client.post("/partner/tokens", data=form).get_data(as_text=True)
    secret = re.search(r'id="new-token">(pbp_[0-9a-f]+_[0-9a-f]+)<', page).group(1)
    token = session.scalars(select(ApiToken)).one()
    assert secret not in token.token_hash and len(token.token_hash) == 64
    assert secret not in client.get("/partner/tokens").get_data(as_text=True)
    assert client.get("/api/v1/customers",
                      headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    form = {"csrf_token": csrf_token(client, "/partner/tokens")}
    client.post(f"/partner/tokens/{token.id}/revoke", data=form)
    assert client.get("/api/v1/customers",
                      headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_partner_customer_list_filters_by_approval_state(login_as, session, world):
    approve(session, world.customers["channel"], world.partners["channel"], "revoked")
    session.commit()
    client = login_as("channel_admin")
    revoked = client.get("/partner/customers?cpni=revoked").get_data(as_text=True)
    assert "Channel Customer" in revoked
    assert "Channel Customer" not in client.get("/partner/customers?cpni=active").get_data(
        as_text=True)
