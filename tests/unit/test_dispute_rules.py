"""The dispute rules asked by pages and steps alike: allowed_steps for each role and
state, the filing window at its edges, and "overdue" at the deadline instant."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from billing.core.clock import PROVIDER_TZ
from billing.core.errors import InvalidInput
from billing.disputes import escalation, filing, rules, steps
from billing.disputes.models import Dispute
from billing.disputes.rules import (
    StepRefused,
    allowed_steps,
    filing_refusal,
    filing_window,
    is_overdue,
    overdue_clause,
)
from tests.factories import make_billing_staff, make_tiers, make_user, recent_invoice

# Tuesday 2026-03-10 10:00 MDT; tier 1 (16 business hours) is due Wed 17:00 MDT.
FILED = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
DUE = datetime(2026, 3, 11, 23, 0, tzinfo=UTC)
BEFORE_DUE = FILED + timedelta(hours=1)
AFTER_DUE = DUE + timedelta(days=1)

STAFF_STEPS = {"take", "comment", "internal_note", "ask", "escalate", "settle"}
NOTHING: set = set()

# (state, role) -> the steps offered. States: "open" before its deadline, "overdue",
# "waiting" (asked the filer), "tier2" (escalated: open at tier 2, before its deadline),
# "last_tier" (open at the last tier, overdue), "taken" (open, worked by the
# specialist), "settled" (within the 30 days), "settled_long_ago", "withdrawn".
EXPECTED = {
    ("open", "filer"): {"comment", "withdraw"},
    ("open", "partner"): {"comment", "withdraw"},
    ("open", "specialist"): STAFF_STEPS,
    ("open", "supervisor"): STAFF_STEPS,
    ("open", "admin"): NOTHING,
    ("overdue", "filer"): {"comment", "escalate", "withdraw"},
    ("overdue", "partner"): {"comment", "escalate", "withdraw"},
    ("overdue", "specialist"): STAFF_STEPS,
    ("overdue", "admin"): NOTHING,
    ("waiting", "filer"): {"answer", "withdraw"},
    ("waiting", "partner"): {"answer", "withdraw"},
    ("waiting", "specialist"): STAFF_STEPS - {"ask"},
    ("waiting", "admin"): NOTHING,
    ("tier2", "filer"): {"comment", "withdraw"},
    ("tier2", "specialist"): NOTHING,
    ("tier2", "supervisor"): STAFF_STEPS,
    ("last_tier", "filer"): {"comment", "withdraw"},
    ("last_tier", "director"): STAFF_STEPS - {"escalate"},
    ("taken", "specialist"): STAFF_STEPS - {"take"},
    ("taken", "supervisor"): STAFF_STEPS,
    ("settled", "filer"): {"reopen"},
    ("settled", "partner"): {"reopen"},
    ("settled", "specialist"): {"reopen"},
    ("settled", "supervisor"): {"reopen"},
    ("settled", "admin"): NOTHING,
    ("settled_long_ago", "filer"): NOTHING,
    ("settled_long_ago", "specialist"): NOTHING,
    ("withdrawn", "filer"): NOTHING,
    ("withdrawn", "specialist"): NOTHING,
}


@pytest.fixture
def case(world, session):
    make_tiers(session)
    people = {"filer": world.users["customer_admin"], "partner": world.users["channel_admin"],
              "specialist": make_billing_staff(session, "billing_specialist"),
              "supervisor": make_billing_staff(session, "billing_supervisor"),
              "manager": make_billing_staff(session, "billing_manager"),
              "director": make_billing_staff(session, "billing_director"),
              "admin": make_user(session, "root@staff.test", "admin")}
    invoice = recent_invoice(session, world.customers["channel"], issued_on=date(2026, 3, 3))
    session.commit()
    return SimpleNamespace(people=people, invoice=invoice)


def _in_state(session, case, state):
    """A committed dispute in `state`, and the moment to ask about it."""
    who = case.people
    dispute = filing.file_dispute(
        session, invoice=case.invoice, user=who["filer"], reason="wrong_rate",
        description="The seat rate is wrong.", amount_minor=10_000, now=FILED).dispute
    now = BEFORE_DUE
    if state == "overdue":
        now = AFTER_DUE
    elif state == "waiting":
        steps.ask_for_information(session, dispute.id, who["specialist"], "Which?", FILED)
    elif state == "tier2":
        escalation.escalate(session, dispute.id, who["specialist"], FILED)
    elif state == "last_tier":
        for person in ("specialist", "supervisor", "manager"):
            escalation.escalate(session, dispute.id, who[person], FILED)
        now = FILED + timedelta(days=60)
    elif state == "taken":
        steps.take(session, dispute.id, who["specialist"], FILED)
    elif state.startswith("settled"):
        steps.settle(session, dispute.id, who["specialist"], outcome="denied", reason="No.",
                     now=FILED)
        now = FILED + timedelta(days=31 if state == "settled_long_ago" else 29)
    elif state == "withdrawn":
        steps.withdraw(session, dispute.id, who["filer"], FILED)
    session.commit()
    return dispute, now


def _step_call(session, dispute_id, user, step, now):
    """The domain function that takes `step`, ready to call."""
    return {
        "take": lambda: steps.take(session, dispute_id, user, now),
        "comment": lambda: steps.comment(session, dispute_id, user, "A note", now),
        "internal_note": lambda: steps.comment(session, dispute_id, user, "A note", now,
                                               internal=True),
        "ask": lambda: steps.ask_for_information(session, dispute_id, user, "Which?", now),
        "answer": lambda: steps.comment(session, dispute_id, user, "These two.", now),
        "escalate": lambda: escalation.escalate(session, dispute_id, user, now),
        "settle": lambda: steps.settle(session, dispute_id, user, outcome="denied",
                                       reason="No.", now=now),
        "reopen": lambda: steps.reopen(session, dispute_id, user, "Again", now),
        "withdraw": lambda: steps.withdraw(session, dispute_id, user, now),
    }[step]


def _attempt(session, dispute_id, user, step, now):
    """Take `step` through its domain function; True if it was taken. Staff have no
    answer to give: their words on a waiting dispute are a comment."""
    if step == "answer" and user.is_staff:
        return False
    try:
        result = _step_call(session, dispute_id, user, step, now)()
    except StepRefused:
        return False
    finally:
        session.rollback()
    return result is not None


@pytest.mark.parametrize(("state", "role"), sorted(EXPECTED))
def test_allowed_steps_for_each_role_and_state(session, case, state, role):
    dispute, now = _in_state(session, case, state)
    assert allowed_steps(dispute, case.people[role], now) == EXPECTED[state, role]


@pytest.mark.parametrize(("state", "role"), sorted(EXPECTED))
def test_each_step_function_takes_exactly_the_allowed_steps(session, case, state, role):
    """The pages offer allowed_steps; the step functions refuse the rest by the same rule
    (the filer's comment on a waiting dispute is its answer, so "comment" and "answer"
    are one function there)."""
    dispute, now = _in_state(session, case, state)
    user = case.people[role]
    offered = allowed_steps(dispute, user, now)
    taken = {step for step in rules.STEPS
             if _attempt(session, dispute.id, user, step, now)}
    if not user.is_staff and dispute.status in ("open", "waiting"):
        taken -= {"answer"} if dispute.status == "open" else {"comment"}
    assert taken == offered


def test_the_deadline_job_may_only_escalate_an_overdue_open_dispute(session, case):
    dispute, _ = _in_state(session, case, "open")
    assert allowed_steps(dispute, None, BEFORE_DUE) == set()
    assert allowed_steps(dispute, None, AFTER_DUE) == {"escalate"}


def test_a_refused_step_says_why(session, case):
    dispute, now = _in_state(session, case, "settled_long_ago")
    with pytest.raises(StepRefused, match="more than 30 days ago"):
        steps.reopen(session, dispute.id, case.people["filer"], "Again", now)
    assert rules.step_refusal(dispute, case.people["filer"], "reopen", now).startswith(
        dispute.reference)


def _refusal(session, dispute, user, step, now) -> str:
    """What the user reads when the step's domain function refuses it."""
    with pytest.raises(StepRefused) as refused:
        _step_call(session, dispute.id, user, step, now)()
    session.rollback()
    return refused.value.message


@pytest.mark.parametrize(("step", "expected"), [
    ("take", "Only Billing supervisor staff or higher may take {}."),
    ("comment", "Only Billing supervisor staff or higher may comment on {}."),
    ("internal_note", "Only Billing supervisor staff or higher may comment on {}."),
    ("ask", "Only Billing supervisor staff or higher may ask about {}."),
    ("escalate", "Only Billing supervisor staff or higher may escalate {}."),
    ("settle", "Only Billing supervisor staff or higher may settle {}."),
    ("reopen", "Only Billing supervisor staff or higher may reopen {}."),
    ("withdraw", "Only the customer or its partner can withdraw a dispute."),
])
def test_staff_below_the_tier_are_told_which_tier_may_take_the_step(session, case, step,
                                                                      expected):
    dispute, now = _in_state(session, case, "tier2")
    assert _refusal(session, dispute, case.people["specialist"], step, now) == (
        expected.format(dispute.reference))


@pytest.mark.parametrize(("role", "step", "expected"), [
    ("specialist", "take", "{} is settled: there is nothing to work."),
    ("specialist", "comment", "{} is settled: reopen it to comment."),
    ("specialist", "internal_note", "{} is settled: reopen it to comment."),
    ("filer", "comment", "{} is settled: reopen it to comment."),
    ("filer", "internal_note", "Only staff write internal notes."),
])
def test_a_settled_dispute_tells_who_writes_on_it_to_reopen_it_first(session, case, role,
                                                                    step, expected):
    dispute, now = _in_state(session, case, "settled")
    assert _refusal(session, dispute, case.people[role], step, now) == (
        expected.format(dispute.reference))


def test_the_refusals_no_step_function_reaches_still_say_why(session, case):
    """Staff comment rather than answer, a filer's words on a closed dispute are a
    comment, and the deadline job only escalates: no step function raises these reasons,
    but step_refusal still gives them to a caller asking why a step is not offered."""
    dispute, now = _in_state(session, case, "settled")
    ref = dispute.reference
    assert rules.step_refusal(dispute, case.people["filer"], "answer", now) == (
        f"{ref} is settled: reopen it to comment.")
    assert rules.step_refusal(dispute, case.people["specialist"], "answer", now) == (
        "Only the customer or its partner answers a question to the filer.")
    assert rules.step_refusal(dispute, None, "reopen", now) == (
        "Only the deadline job acts without a user, and it only escalates.")


def test_a_settled_dispute_may_be_reopened_up_to_the_instant_its_30_days_end(session, case):
    dispute, _ = _in_state(session, case, "settled")
    last_moment = FILED + timedelta(days=30)
    filer = case.people["filer"]
    assert rules.reopen_until(dispute) == last_moment
    assert _refusal(session, dispute, filer, "reopen", last_moment + timedelta(microseconds=1)) == (
        f"{dispute.reference} was settled more than 30 days ago and can no longer be "
        f"reopened; file a new dispute instead.")
    assert steps.reopen(session, dispute.id, filer, "Again", last_moment).dispute.status == "open"
    session.commit()
    # reopened, it is no longer settled, so it has no reopening deadline until settled again
    assert rules.reopen_until(dispute) is None


def test_the_reopening_period_follows_the_configured_number_of_days(session, case):
    dispute, _ = _in_state(session, case, "settled")
    filer = case.people["filer"]
    day_31 = FILED + timedelta(days=31)
    assert allowed_steps(dispute, filer, day_31, reopen_days=40) == {"reopen"}
    with pytest.raises(StepRefused, match="settled more than 10 days ago"):
        steps.reopen(session, dispute.id, filer, "Again", FILED + timedelta(days=11),
                     reopen_days=10)


# --- the words of a step -------------------------------------------------------------------

@pytest.mark.parametrize("text", [None, "", "   \n"])
def test_a_step_without_words_is_refused(text):
    with pytest.raises(InvalidInput) as refused:
        rules.check_text(text, "Comment")
    assert refused.value.message == "Comment: the text is empty."


def test_a_step_takes_at_most_4000_characters():
    rules.check_text("x" * 4000, "Comment")
    with pytest.raises(InvalidInput) as refused:
        rules.check_text("x" * 4001, "Comment")
    assert refused.value.message == "Comment: at most 4000 characters."


def test_a_step_with_a_nul_character_is_refused():
    with pytest.raises(InvalidInput) as refused:
        rules.check_text("These two\x00lines.", "Question")
    assert refused.value.message == "Question: the text contains a NUL character."


# --- the filing window ---------------------------------------------------------------------

def _invoice(status="issued", issued=date(2026, 1, 1)):
    return SimpleNamespace(status=status, issue_date=issued, number="USD-2026-000001")


def _provider(*args) -> datetime:
    return datetime(*args, tzinfo=PROVIDER_TZ)


def test_the_window_is_open_on_day_180_and_closed_on_day_181():
    invoice = _invoice()  # day 180 is 2026-06-30
    assert filing_window(invoice, _provider(2026, 6, 30, 12)) == rules.FilingWindow(
        True, date(2026, 6, 30))
    assert filing_window(invoice, _provider(2026, 7, 1, 12)) == rules.FilingWindow(
        False, date(2026, 6, 30))


def test_the_window_closes_at_the_providers_midnight_not_utcs():
    invoice = _invoice()
    # 23:59 in Denver on day 180 is already day 181 in UTC: still open.
    last_minute = _provider(2026, 6, 30, 23, 59).astimezone(UTC)
    assert last_minute.date() == date(2026, 7, 1)
    assert filing_window(invoice, last_minute).is_open
    assert not filing_window(invoice, _provider(2026, 7, 1, 0, 0).astimezone(UTC)).is_open


def test_the_window_follows_the_configured_number_of_days():
    assert filing_window(_invoice(), _provider(2026, 1, 11, 9), window_days=10).is_open
    assert not filing_window(_invoice(), _provider(2026, 1, 12, 9), window_days=10).is_open


def test_a_configured_window_refuses_filing_with_its_own_length_and_last_day():
    filer = SimpleNamespace(is_staff=False)
    assert filing_refusal(_invoice(), filer, _provider(2026, 1, 11, 9), window_days=10) is None
    assert filing_refusal(_invoice(), filer, _provider(2026, 1, 12, 9), window_days=10) == (
        "Invoice USD-2026-000001 can no longer be disputed: the window of 10 days closed "
        "on 2026-01-11.")


@pytest.mark.parametrize("status", ["draft", "void"])
def test_a_draft_or_void_invoice_has_no_window(status):
    assert filing_window(_invoice(status), _provider(2026, 1, 2)) == rules.FilingWindow(
        False, None)


def test_staff_never_file_and_others_are_told_when_the_window_closed():
    invoice, late = _invoice(), _provider(2026, 7, 1, 9)
    staff, filer = SimpleNamespace(is_staff=True), SimpleNamespace(is_staff=False)
    assert filing_refusal(invoice, staff, _provider(2026, 1, 2)) == (
        "Disputes are filed by the customer or its partner.")
    assert filing_refusal(invoice, filer, _provider(2026, 6, 30, 23)) is None
    assert filing_refusal(invoice, filer, late) == (
        "Invoice USD-2026-000001 can no longer be disputed: the window of 180 days closed "
        "on 2026-06-30.")
    assert filing_refusal(_invoice("void"), filer, late) == (
        "Only an issued invoice can be disputed.")


def test_filing_is_refused_on_day_181_through_the_same_window(session, case):
    def file_at(moment):
        return filing.file_dispute(
            session, invoice=case.invoice, user=case.people["filer"], reason="tax",
            description="Exempt.", amount_minor=100, now=moment.astimezone(UTC))
    with pytest.raises(StepRefused, match="closed on 2026-08-30"):
        file_at(_provider(2026, 8, 31, 0, 0))  # issued 2026-03-03: day 181
    session.rollback()
    assert file_at(_provider(2026, 8, 30, 23, 59)).dispute.status == "open"


# --- overdue -------------------------------------------------------------------------------

def _overdue_in_sql(session, dispute, now) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Dispute).where(
        Dispute.id == dispute.id, overdue_clause(now))))


@pytest.mark.parametrize(("moment", "overdue"), [
    (DUE - timedelta(microseconds=1), False),
    (DUE, False),  # at the deadline instant the tier is still in time
    (DUE + timedelta(microseconds=1), True),
])
def test_overdue_only_after_the_deadline_instant(session, case, moment, overdue):
    dispute, _ = _in_state(session, case, "open")
    assert dispute.deadline_at == DUE
    assert is_overdue(dispute, moment) is overdue
    assert _overdue_in_sql(session, dispute, moment) is overdue


@pytest.mark.parametrize("state", ["waiting", "settled", "withdrawn"])
def test_a_dispute_without_a_running_clock_is_never_overdue(session, case, state):
    dispute, _ = _in_state(session, case, state)
    much_later = FILED + timedelta(days=400)
    assert not is_overdue(dispute, much_later)
    assert not _overdue_in_sql(session, dispute, much_later)
