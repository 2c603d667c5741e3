"""Billing staff's dispute pages: the queue and its filters, the steps on one dispute,
the CPNI purpose gate, attachments, and the escalation path editor."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from billing.core.clock import utcnow
from billing.cpni.models import CpniDisclosure
from billing.disputes import escalation, filing, steps
from billing.disputes import files as dispute_files
from billing.disputes.models import Dispute, DisputeTier
from billing.invoicing.models import CreditNote
from tests.conftest import csrf_token, login
from tests.factories import (
    approve,
    make_billing_staff,
    make_customer,
    make_tiers,
    make_user,
    recent_invoice,
)
from tests.querycount import counted

QUEUE = "/staff/disputes/"
_claims = itertools.count(1)


@pytest.fixture
def case(world, session):
    """Tiers, a supervisor and an admin, a customer user of the direct account, and an
    invoice issued 50 days ago for each of three accounts."""
    tiers = make_tiers(session)
    issued = (utcnow() - timedelta(days=50)).date()
    c = world.customers
    invoices = {key: recent_invoice(session, c[key], issued_on=issued, number=f"USD-D-{key}")
                for key in ("channel", "other", "direct")}
    filers = {"channel": world.users["customer_admin"], "other": world.users["other_customer"],
              "direct": make_user(session, "admin@direct.test", "customer_admin",
                                  customer=c["direct"])}
    supervisor = make_billing_staff(session, "billing_supervisor")
    admin = make_billing_staff(session, "admin", "admin@staff.test")
    session.commit()
    return type("Case", (), dict(world=world, tiers=tiers, invoices=invoices, filers=filers,
                                 specialist=world.users["staff"], supervisor=supervisor,
                                 admin=admin))


def file(session, case, key="channel", amount=80_000, days_ago=0, user=None):
    step = filing.file_dispute(
        session, invoice=case.invoices[key], user=user or case.filers[key], reason="wrong_rate",
        description=f"Claim {next(_claims)}: the seat rate is wrong.", amount_minor=amount,
        now=utcnow() - timedelta(days=days_ago))
    session.commit()
    return step.dispute


def refs(html: str) -> list[str]:
    return re.findall(r"D-\d{6}", html)


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def post(client, url, form_url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, form_url), **data})


def state_purpose(client, customer, purpose="billing"):
    url = f"/staff/customers/{customer.id}"
    client.post(f"{url}/cpni", data={"csrf_token": csrf_token(client, url), "purpose": purpose})


# --- the queue ---------------------------------------------------------------------------

@pytest.fixture
def queue(case, session):
    """One dispute per filter to tell apart, each named by what sets it apart."""
    made = {
        "fresh": file(session, case, "channel", amount=10_000),
        "overdue": file(session, case, "other", amount=80_000, days_ago=20),
        "tier2": file(session, case, "direct", amount=5_000, days_ago=9),
        "waiting": file(session, case, "channel", amount=20_000, days_ago=6),
        "settled": file(session, case, "other", amount=30_000, days_ago=8),
    }
    now = utcnow()
    steps.take(session, made["fresh"].id, case.specialist, now)
    escalation.escalate(session, made["tier2"].id, case.specialist, now)
    steps.ask_for_information(session, made["waiting"].id, case.specialist, "Which?", now)
    steps.settle(session, made["settled"].id, case.specialist, outcome="denied",
                 reason="The rate is right.", now=now)
    session.commit()
    return {name: d.reference for name, d in made.items()}


@pytest.mark.parametrize("query, expected", [
    ("", {"fresh", "overdue", "tier2", "waiting"}),
    ("state=open", {"fresh", "overdue", "tier2"}),
    ("state=waiting", {"waiting"}),
    ("state=settled", {"settled"}),
    ("state=withdrawn", set()),
    ("tier=TIER2", {"tier2"}),
    ("age=5", {"overdue", "tier2", "waiting"}),
    ("age=10", {"overdue"}),
    ("min=100&max=500", {"fresh", "waiting"}),
    ("min=1,000", set()),
    ("max=99.99", {"tier2"}),
    ("partner=CHANNEL", {"fresh", "waiting"}),
    ("partner=direct", {"tier2"}),
    ("mine=1", {"fresh"}),
])
def test_each_queue_filter_narrows_the_list(login_as, case, queue, query, expected):
    client = login_as("staff")
    if "min=" in query or "max=" in query:
        _open_every_account(client, case.world)
    query = query.replace("TIER2", str(case.tiers[1].id)).replace(
        "CHANNEL", str(case.world.partners["channel"].id))
    shown = set(refs(page(client, f"{QUEUE}?{query}")))
    assert shown == {queue[name] for name in expected}


def _open_every_account(client, world):
    with client.session_transaction() as cookie:
        cookie["cpni_purpose"] = {str(c.id): "billing" for c in world.customers.values()}


def test_amount_filters_keep_only_accounts_whose_cpni_was_opened(login_as, case, queue):
    """Else narrowing the range would tell a withheld amount."""
    client = login_as("staff")
    assert refs(page(client, f"{QUEUE}?min=100&max=500")) == []
    with client.session_transaction() as cookie:
        cookie["cpni_purpose"] = {str(case.world.customers["channel"].id): "billing"}
    assert set(refs(page(client, f"{QUEUE}?min=100&max=500"))) == {queue["fresh"],
                                                                    queue["waiting"]}


@pytest.mark.parametrize("query", ["state=lost", "age=3", "min=-5", "min=abc", "tier=x",
                                   "partner=nobody", "sort=random"])
def test_a_filter_outside_the_offered_values_is_refused(login_as, case, query):
    response = login_as("staff").get(f"{QUEUE}?{query}")
    assert response.status_code == 400


def test_overdue_disputes_come_first_by_deadline_and_waiting_ones_last(login_as, case,
                                                                       session):
    fresh = file(session, case, "channel")
    waiting = file(session, case, "other", days_ago=30)
    late = file(session, case, "direct", days_ago=10)
    later = file(session, case, "other", days_ago=20)
    steps.ask_for_information(session, waiting.id, case.specialist, "Which?", utcnow())
    session.commit()
    html = page(login_as("staff"), QUEUE)
    table = html[html.index("<th>Dispute</th>"):]
    assert refs(table) == [later.reference, late.reference, fresh.reference, waiting.reference]
    assert table.count("overdue</strong>") == 2


def test_the_summary_counts_active_disputes_per_tier(login_as, case, queue):
    html = page(login_as("staff"), QUEUE)
    summary = html[html.index("tier-summary"):html.index("</table>")]
    tier1 = re.search(r"Tier 1: Billing specialist</a></td>\s*<td[^>]*>(\d+)</td><td[^>]*>(\d+)",
                      summary)
    assert tier1.groups() == ("3", "1")  # fresh, overdue, waiting; one of them overdue


def test_amounts_show_only_for_accounts_with_a_stated_purpose(login_as, case, queue, session):
    client = login_as("staff")
    before = page(client, QUEUE)
    assert "$800.00" not in before and "$100.00" not in before and "—" in before
    state_purpose(client, case.world.customers["other"])
    after = page(client, QUEUE)
    assert "$800.00" in after and "$100.00" not in after  # other's shown, channel's not
    logged = session.scalars(select(CpniDisclosure).where(
        CpniDisclosure.subject == "dispute queue")).all()
    assert [(d.customer_id, d.purpose) for d in logged] == [
        (case.world.customers["other"].id, "billing")]


@pytest.mark.parametrize("user", ["customer_admin", "channel_admin", "other_admin"])
def test_customers_and_partners_cannot_reach_the_staff_pages(login_as, case, session, user):
    dispute = file(session, case)
    client = login_as(user)
    for url in (QUEUE, f"{QUEUE}{dispute.id}", f"{QUEUE}tiers"):
        assert client.get(url).status_code == 404


def test_an_admin_has_no_queue_but_edits_the_path(client, case, session):
    dispute = file(session, case)
    login(client, case.admin)
    assert client.get(QUEUE).status_code == 404
    assert client.get(f"{QUEUE}{dispute.id}").status_code == 404
    tier = case.tiers[0]
    url = f"{QUEUE}tiers?edit={tier.id}"
    assert "Save the tier" in page(client, url)
    response = post(client, f"{QUEUE}tiers/{tier.id}", url, name="First line", role=tier.role,
                    response_hours="12", authority_USD="400.00", authority_CAD="400")
    assert response.status_code == 302
    session.expire_all()
    assert (tier.name, tier.response_hours) == ("First line", 12)
    assert {a.currency: a.max_credit_minor for a in tier.authorities} == {
        "USD": 40_000, "CAD": 40_000}


def test_billing_staff_read_the_path_but_cannot_change_it(login_as, case):
    client = login_as("staff")
    html = page(client, f"{QUEUE}tiers")
    assert "Director of finance" in html and "Save the tier" not in html
    response = client.post(f"{QUEUE}tiers", data={
        "csrf_token": csrf_token(client, QUEUE), "name": "Mine", "role": "billing_director",
        "response_hours": "8"})
    assert response.status_code == 404


@pytest.mark.parametrize("change, message", [
    ({"authority_USD": "-5"}, "cannot be negative"),
    ({"role": "billing_specialist"}, "lower role than tier 4"),
    ({"response_hours": "0"}, "response deadline is 1 to"),
])
def test_a_wrong_tier_is_refused_with_its_reason_and_nothing_saved(client, case, session,
                                                                    change, message):
    login(client, case.admin)
    url = f"{QUEUE}tiers"
    form = {"name": "Board", "role": "billing_director", "response_hours": "120",
            "authority_USD": "1,000,000", **change}
    response = post(client, url, url, **form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(DisputeTier)) == 4


# --- one dispute -------------------------------------------------------------------------

def test_a_specialist_takes_comments_asks_and_escalates(app, login_as, case, session, mailbox):
    dispute = file(session, case)
    client = login_as("staff")
    url = f"{QUEUE}{dispute.id}"
    assert "Take it" in page(client, url)
    assert post(client, f"{url}/take", url).status_code == 302
    assert f"You now work {dispute.reference}" in page(client, url)
    post(client, f"{url}/comment", url, body="Rate card checked: OKAPI-NOTE", internal="y")
    post(client, f"{url}/comment", url, body="We are on it <b>x</b>")
    html = page(client, url)
    assert "OKAPI-NOTE" in html and "Internal note" in html
    assert "We are on it &lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html

    customer = app.test_client()
    login(customer, case.filers["channel"])
    seen = page(customer, f"/customer/disputes/{dispute.id}")
    assert "OKAPI-NOTE" not in seen and "We are on it &lt;b&gt;x&lt;/b&gt;" in seen

    mailbox.clear()
    post(client, f"{url}/ask", url, question="Which contract applies?")
    session.expire_all()
    assert (dispute.status, dispute.deadline_at) == ("waiting", None)
    assert "Paused: waiting for the filer since" in page(client, url)
    assert any(dispute.reference in m["Subject"] and case.filers["channel"].email in m["To"]
               for m in mailbox.messages)

    post(client, f"{url}/escalate", url, note="Above my authority.")
    session.expire_all()
    assert (dispute.tier.level, dispute.status, dispute.assigned_to_id) == (2, "open", None)
    assert [e.kind for e in dispute.events] == [
        "filed", "assigned", "commented", "commented", "info_requested", "escalated"]
    assert "Take it" not in page(client, url)  # tier 2 is above a specialist


def test_a_supervisor_settles_a_partial_credit_within_authority(client, case, session):
    dispute = file(session, case)
    escalation.escalate(session, dispute.id, case.specialist, utcnow())
    session.commit()
    login(client, case.supervisor)
    state_purpose(client, case.world.customers["channel"])
    url = f"{QUEUE}{dispute.id}"
    response = post(client, f"{url}/settle", url, outcome="partial", amount="600.00",
                    reason="Half the seats were billed at the old rate.")
    assert response.status_code == 302
    session.expire_all()
    assert (dispute.status, dispute.outcome, dispute.credit_minor) == (
        "settled", "partial", 60_000)
    assert dispute.credit_note.amount_minor == 60_000
    assert "Partial credit" in page(client, url)


def test_a_settlement_above_the_tiers_authority_is_refused(login_as, case, session):
    dispute = file(session, case, amount=80_000)
    client = login_as("staff")
    state_purpose(client, case.world.customers["channel"])
    url = f"{QUEUE}{dispute.id}"
    response = post(client, f"{url}/settle", url, outcome="full")
    assert response.status_code == 400
    assert "may grant up to 500.00 USD" in response.get_data(as_text=True)
    session.expire_all()
    assert dispute.status == "open" and dispute.credit_minor == 0
    assert session.scalars(select(CreditNote)).all() == []


def test_settling_needs_a_stated_purpose(login_as, case, session):
    dispute = file(session, case, amount=10_000)
    client = login_as("staff")
    url = f"{QUEUE}{dispute.id}"
    html = page(client, url)
    assert "$100.00" not in html and "state a purpose" in html
    response = post(client, f"{url}/settle", url, outcome="full")
    assert response.status_code == 400
    assert "State your purpose" in response.get_data(as_text=True)
    session.expire_all()
    assert dispute.status == "open"


def test_a_partial_credit_needs_a_positive_amount(login_as, case, session):
    dispute = file(session, case, amount=10_000)
    client = login_as("staff")
    state_purpose(client, case.world.customers["channel"])
    url = f"{QUEUE}{dispute.id}"
    for amount, message in [("", "Enter the credit"), ("-5", "cannot be negative"),
                            ("12,5", "Use the form 1,234.56.")]:
        response = post(client, f"{url}/settle", url, outcome="partial", amount=amount,
                        reason="Some of it.")
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    session.expire_all()
    assert dispute.status == "open"


def test_a_step_without_the_csrf_token_is_refused(login_as, case, session):
    dispute = file(session, case)
    client = login_as("staff")
    page(client, f"{QUEUE}{dispute.id}")
    response = client.post(f"{QUEUE}{dispute.id}/comment", data={"body": "Forged"})
    assert response.status_code == 400
    session.expire_all()
    assert [e.kind for e in dispute.events] == ["filed"]


def test_staff_see_the_partner_hint_only_without_the_customers_approval(login_as, case,
                                                                         session):
    dispute = file(session, case, user=case.world.users["channel_admin"])
    client = login_as("staff")
    url = f"{QUEUE}{dispute.id}"
    assert "has no CPNI approval" in page(client, url)
    approve(session, case.world.customers["channel"], case.world.partners["channel"])
    session.commit()
    assert "has no CPNI approval" not in page(client, url)


def test_an_attachment_downloads_only_through_its_own_dispute(login_as, app, case, session,
                                                               tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path))
    dispute, other = file(session, case), file(session, case, "other")
    [saved] = dispute_files.store(session, dispute=dispute, user=case.filers["channel"],
                                  files=[("rates.csv", b"seat,18.00\n")], folder=tmp_path,
                                  now=utcnow())
    session.commit()
    client = login_as("staff")
    # A customer's file may copy its invoice: CPNI, only with a stated purpose.
    assert "rates.csv" not in page(client, f"{QUEUE}{dispute.id}")
    assert client.get(f"{QUEUE}{dispute.id}/files/{saved.id}").status_code == 403
    with client.session_transaction() as cookie:
        cookie["cpni_purpose"] = {str(dispute.customer_id): "billing"}
    assert "rates.csv" in page(client, f"{QUEUE}{dispute.id}")
    logged = session.scalar(select(func.count()).select_from(CpniDisclosure))
    with client.get(f"{QUEUE}{dispute.id}/files/{saved.id}") as response:
        assert response.status_code == 200 and response.data == b"seat,18.00\n"
        assert response.headers["Content-Security-Policy"] == "sandbox"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "attachment; filename=rates.csv" in response.headers["Content-Disposition"]
    disclosed = session.scalars(select(CpniDisclosure).order_by(CpniDisclosure.sequence.desc())
                                ).first()
    assert session.scalar(select(func.count()).select_from(CpniDisclosure)) == logged + 1
    assert (disclosed.purpose, disclosed.subject) == (
        "billing", f"dispute {dispute.reference} file rates.csv")
    assert client.get(f"{QUEUE}{other.id}/files/{saved.id}").status_code == 404


# --- query count -------------------------------------------------------------------------

def _grow(session, case, first: int, count: int):
    partner = case.world.partners["channel"]
    for n in range(first, first + count):
        customer = make_customer(session, f"DQ-{n:05d}", f"Disputing {n:05d}", partner=partner)
        invoice = recent_invoice(session, customer, number=f"DQ-{n:05d}")
        for amount in (1_000, 2_000):
            step = filing.file_dispute(
                session, invoice=invoice, user=case.world.users["channel_admin"],
                reason="tax", description=f"Tax {n} {amount}", amount_minor=amount,
                now=utcnow())
            if n % 3 == 0:
                steps.take(session, step.dispute.id, case.supervisor, utcnow())
    session.commit()


def test_the_queue_query_count_is_the_same_for_few_and_many_disputes(login_as, case, session,
                                                                     db):
    client = login_as("staff")
    _grow(session, case, 0, 3)
    for customer_id in session.scalars(select(Dispute.customer_id).limit(4)):
        client.post(f"/staff/customers/{customer_id}/cpni", data={
            "csrf_token": csrf_token(client, QUEUE), "purpose": "billing"})
    client.get(QUEUE)

    def queries():
        with counted(db.engine) as statements:
            assert client.get(QUEUE).status_code == 200
        return len(statements)

    small = queries()
    _grow(session, case, 3, 60)
    large = queries()
    assert small == large, f"{small} queries for 6 disputes, {large} for 126"


def test_staff_reopen_a_settled_dispute_within_30_days(app, session, world):
    """Settled by mistake: staff of its tier reopen it, with a reason, back at that tier."""
    from billing.core.clock import utcnow
    from billing.disputes import filing, steps
    from tests.conftest import csrf_token, login
    from tests.factories import make_tiers, recent_invoice

    make_tiers(session)
    invoice = recent_invoice(session, world.customers["channel"])
    step = filing.file_dispute(session, invoice=invoice, user=world.users["customer_admin"],
                               reason="tax", description="Exempt.", amount_minor=1_000,
                               now=utcnow())
    steps.settle(session, step.dispute.id, world.users["staff"], outcome="denied",
                 reason="Not exempt.", now=utcnow())
    session.commit()
    client = app.test_client()
    login(client, world.users["staff"])
    page_url = f"/staff/disputes/{step.dispute.id}"
    token = csrf_token(client, page_url)
    refused = client.post(f"{page_url}/reopen", data={"csrf_token": token, "reason": ""})
    assert refused.status_code == 400
    response = client.post(f"{page_url}/reopen", data={
        "csrf_token": token, "reason": "The certificate arrived after all."})
    assert response.status_code == 302
    session.expire_all()
    dispute = session.get(type(step.dispute), step.dispute.id)
    assert dispute.status == "open" and dispute.events[-1].kind == "reopened"
    assert dispute.events[-1].body == "The certificate arrived after all."
