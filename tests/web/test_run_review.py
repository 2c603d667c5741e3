"""Staff review a run's drafts: named as drafts, with their amounts, once the billing
purpose is stated for the run; each page of the review logs its disclosures."""

from __future__ import annotations

import pytest
from babel.numbers import format_currency
from sqlalchemy import func, select

from billing.core.money import Money
from billing.cpni.models import CpniDisclosure
from tests.conftest import csrf_token
from tests.web import test_staff_runs as runs
from tests.web.test_staff_runs import BILL_TO_ACCOUNTS, invoices_of


@pytest.fixture
def drafted(login_as, session, world):
    """The last ended period, drafted from the run page by a billing specialist."""
    client, period = login_as("staff"), runs.last_ended_period()
    run_id = runs.run_id_of(runs.start(client, period.key))
    return client, period, run_id, runs.wait_until_finished(client, run_id)


def disclosures(session, subject_part: str) -> list[CpniDisclosure]:
    session.expire_all()
    return list(session.scalars(select(CpniDisclosure).where(
        CpniDisclosure.subject.contains(subject_part))))


def state_purpose(client, run_id: int, token: str | None = None):
    url = f"/staff/runs/{run_id}/drafts"
    return client.post(url, data={"csrf_token": token or csrf_token(client, url)})


def test_the_review_asks_for_the_purpose_once_and_shows_nothing_before(drafted, session):
    client, period, run_id, _ = drafted
    page = client.get(f"/staff/runs/{run_id}/drafts").get_data(as_text=True)
    assert "Review the drafts to bill the customers" in page and "withheld" not in page
    assert "<td>Draft" not in page and disclosures(session, "draft review") == []


def test_with_the_purpose_stated_every_draft_shows_its_amounts(drafted, session):
    client, period, run_id, _ = drafted
    assert state_purpose(client, run_id).status_code == 302
    page = client.get(f"/staff/runs/{run_id}/drafts").get_data(as_text=True)
    assert "None" not in page and "withheld" not in page
    assert "Purpose stated for this review: billing the customers." in page
    drafts = invoices_of(session, period, "draft")
    assert page.count(">Draft</a>") == len(drafts) == BILL_TO_ACCOUNTS
    for draft in drafts:
        shown = format_currency(Money(draft.total_minor, draft.currency).major, draft.currency,
                                locale="en_US")
        assert shown in page
    logged = disclosures(session, f"draft review of run {period.key}")
    assert {d.purpose for d in logged} == {"billing"}
    assert sorted(d.customer_id for d in logged) == sorted(d.customer_id for d in drafts)


def test_each_view_of_the_review_is_logged_as_one_batch(drafted, session):
    client, period, run_id, _ = drafted
    state_purpose(client, run_id)
    client.get(f"/staff/runs/{run_id}/drafts")
    client.get(f"/staff/runs/{run_id}/drafts")
    session.expire_all()
    per_customer = session.execute(
        select(CpniDisclosure.customer_id, func.count())
        .where(CpniDisclosure.subject.contains("draft review"))
        .group_by(CpniDisclosure.customer_id)).all()
    assert len(per_customer) == BILL_TO_ACCOUNTS and {n for _, n in per_customer} == {2}


def test_without_the_csrf_token_no_purpose_is_stated(drafted, session):
    client, period, run_id, _ = drafted
    state_purpose(client, run_id, token="forged")
    page = client.get(f"/staff/runs/{run_id}/drafts").get_data(as_text=True)
    assert "Review the drafts to bill the customers" in page
    assert disclosures(session, "draft review") == []


def test_a_draft_is_called_a_draft_not_invoice_none(drafted, session):
    client, period, run_id, _ = drafted
    draft = invoices_of(session, period, "draft")[0]
    page = client.get(f"/staff/invoices/{draft.id}").get_data(as_text=True)
    assert "Invoice None" not in page and "Invoice Draft" in page


def test_another_runs_purpose_does_not_open_this_one(drafted, session, login_as):
    client, period, run_id, _ = drafted
    assert client.get(f"/staff/runs/{run_id + 1}/drafts").status_code == 404
    assert login_as("customer_admin").get(f"/staff/runs/{run_id}/drafts").status_code == 404
