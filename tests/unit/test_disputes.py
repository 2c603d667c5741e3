"""The dispute state machine: each allowed step, each refused one, and the held amount."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from billing.core.errors import InvalidInput
from billing.disputes import escalation, filing, holds, steps
from billing.disputes.filing import AmountTooLarge
from billing.disputes.models import Dispute
from billing.disputes.rules import StepRefused
from billing.invoicing import balance
from billing.invoicing.models import CreditNote
from tests.factories import make_billing_staff, make_tiers, recent_invoice

# Tuesday 2026-03-10 10:00 MDT (16:00 UTC): inside business hours, after the DST change.
FILED = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)


@pytest.fixture
def case(world, session):
    """Tiers, staff of each tier, and an invoice of $8,642.19 issued on 2026-03-03."""
    tiers = make_tiers(session)
    staff = {role: make_billing_staff(session, role) for _, role, _, _ in
             [(t.name, t.role, 0, 0) for t in tiers]}
    invoice = recent_invoice(session, world.customers["channel"],
                             issued_on=datetime(2026, 3, 3).date())
    session.commit()
    return type("Case", (), dict(world=world, tiers=tiers, staff=staff, invoice=invoice,
                                 filer=world.users["customer_admin"],
                                 partner=world.users["channel_admin"]))


def file(session, case, amount=10_000, user=None, now=FILED, **extra):
    step = filing.file_dispute(
        session, invoice=case.invoice, user=user or case.filer, reason="wrong_rate",
        description=extra.pop("description", "The seat rate is not our contract rate."),
        amount_minor=amount, now=now, **extra)
    session.commit()
    return step.dispute


def kinds(dispute):
    return [event.kind for event in dispute.events]


def test_filing_opens_at_tier_one_with_a_deadline_and_an_event(session, case):
    dispute = file(session, case)
    assert dispute.status == "open" and dispute.tier.level == 1
    # 16 business hours from Tue 10:00: Tue 7 h, Wed 9 h -> Wed 17:00 MDT = 23:00 UTC.
    assert dispute.deadline_at == datetime(2026, 3, 11, 23, 0, tzinfo=UTC)
    assert kinds(dispute) == ["filed"]
    assert dispute.events[0].actor == case.filer


def test_partner_files_on_behalf_of_its_customer(session, case):
    dispute = file(session, case, user=case.partner)
    assert dispute.partner_id == case.world.partners["channel"].id
    assert dispute.customer_id == case.invoice.customer_id


def test_the_open_step_sequence_through_settlement(session, case):
    specialist, supervisor = case.staff["billing_specialist"], case.staff["billing_supervisor"]
    dispute = file(session, case, amount=80_000)
    later = FILED + timedelta(hours=1)
    steps.take(session, dispute.id, specialist, later)
    steps.comment(session, dispute.id, specialist, "Looking at the rate card.", later)
    steps.comment(session, dispute.id, case.filer, "Thanks.", later)
    steps.ask_for_information(session, dispute.id, specialist, "Which contract?", later)
    assert dispute.status == "waiting" and dispute.deadline_at is None
    steps.comment(session, dispute.id, case.filer, "Contract 2025-11.", later)
    assert dispute.status == "open" and dispute.deadline_at is not None
    escalation.escalate(session, dispute.id, specialist, later, note="Above my authority.")
    assert dispute.tier.level == 2 and dispute.assigned_to is None
    steps.settle(session, dispute.id, supervisor, outcome="partial", credit_minor=60_000,
                 reason="Half the seats were at the old rate.", now=later)
    session.commit()
    assert dispute.status == "settled" and dispute.credit_minor == 60_000
    assert kinds(dispute) == ["filed", "assigned", "commented", "commented", "info_requested",
                              "info_provided", "escalated", "settled"]
    note = dispute.credit_note
    assert (note.reason, note.amount_minor, note.customer_id) == (
        "dispute", 60_000, case.invoice.customer_id)
    assert dispute.reference in note.reference and case.invoice.number in note.reference


def test_full_credit_and_denial(session, case):
    specialist = case.staff["billing_specialist"]
    full = file(session, case, amount=40_000)
    steps.settle(session, full.id, specialist, outcome="full", now=FILED)
    assert full.credit_minor == 40_000 and full.credit_note.amount_minor == 40_000
    denied = file(session, case, amount=5_000, description="Another one")
    with pytest.raises(InvalidInput, match="Say why"):
        steps.settle(session, denied.id, specialist, outcome="denied", now=FILED)
    session.rollback()
    steps.settle(session, denied.id, specialist, outcome="denied", reason="Rate is right.",
                 now=FILED)
    session.commit()
    assert denied.credit_minor == 0 and denied.credit_note is None
    assert denied.outcome_reason == "Rate is right."


@pytest.mark.parametrize("credit", [0, 10_000, -5, None])
def test_a_partial_credit_is_between_zero_and_the_amount(session, case, credit):
    dispute = file(session, case, amount=10_000)
    with pytest.raises(InvalidInput, match="partial credit"):
        steps.settle(session, dispute.id, case.staff["billing_specialist"],
                     outcome="partial", credit_minor=credit, reason="Some.", now=FILED)


def test_withdraw_and_reopen(session, case):
    specialist = case.staff["billing_specialist"]
    dispute = file(session, case)
    steps.withdraw(session, dispute.id, case.filer, FILED, reason="Paid by mistake.")
    assert dispute.status == "withdrawn"
    with pytest.raises(StepRefused, match="withdrawn"):
        steps.reopen(session, dispute.id, case.filer, "Again", FILED)
    other = file(session, case, description="Second")
    steps.settle(session, other.id, specialist, outcome="denied", reason="No.", now=FILED)
    session.commit()
    day_29 = FILED + timedelta(days=29)
    steps.reopen(session, other.id, case.filer, "We found the contract.", day_29)
    assert other.status == "open" and other.tier.level == 1 and other.closed_at is None
    assert other.tier_started_at == day_29 and other.deadline_at > day_29
    assert kinds(other)[-1] == "reopened"


def test_reopen_is_refused_after_thirty_days(session, case):
    dispute = file(session, case)
    steps.settle(session, dispute.id, case.staff["billing_specialist"], outcome="denied",
                 reason="No.", now=FILED)
    with pytest.raises(StepRefused, match="more than 30 days"):
        steps.reopen(session, dispute.id, case.filer, "Late", FILED + timedelta(days=31))


def test_a_reopened_dispute_credits_only_what_is_added(session, case):
    specialist = case.staff["billing_specialist"]
    dispute = file(session, case, amount=30_000)
    steps.settle(session, dispute.id, specialist, outcome="partial", credit_minor=10_000,
                 reason="Part.", now=FILED)
    steps.reopen(session, dispute.id, case.filer, "The rest too.", FILED)
    steps.settle(session, dispute.id, specialist, outcome="full", now=FILED)
    session.commit()
    notes = session.scalars(select(CreditNote).order_by(CreditNote.id)).all()
    assert [n.amount_minor for n in notes] == [10_000, 20_000]
    assert dispute.credit_minor == 30_000


REFUSED = [
    # (state reached first, step, who, expected message)
    ("settled", "take", "billing_specialist", "already settled|is settled"),
    ("settled", "comment", "filer", "reopen it to comment"),
    ("settled", "ask", "billing_specialist", "only an open dispute"),
    ("settled", "escalate", "billing_specialist", "cannot escalate"),
    ("settled", "settle", "billing_specialist", "already settled"),
    ("settled", "withdraw", "filer", "cannot be withdrawn"),
    ("waiting", "ask", "billing_specialist", "only an open dispute"),
    ("open", "reopen", "filer", "only a settled dispute"),
    ("withdrawn", "settle", "billing_specialist", "already withdrawn"),
    ("withdrawn", "comment", "billing_specialist", "reopen it to comment"),
    ("withdrawn", "escalate", "billing_specialist", "cannot escalate"),
    ("open", "escalate", "filer", "once its tier's deadline has passed"),
    ("waiting", "escalate", "filer", "once its tier's deadline has passed"),
    ("open", "withdraw", "billing_specialist", "Only the customer"),
    ("open", "settle", "filer", "Only Billing specialist staff"),
    ("open", "ask", "filer", "Only Billing specialist staff"),
    ("open", "internal", "filer", "Only staff write internal notes"),
    ("open", "take", "admin", "Only Billing specialist staff"),
]


@pytest.mark.parametrize("state,step,who,message", REFUSED)
def test_steps_that_do_not_apply_are_refused_and_change_nothing(session, case, state, step,
                                                                 who, message):
    from tests.factories import make_user

    specialist = case.staff["billing_specialist"]
    dispute = file(session, case)
    if state == "settled":
        steps.settle(session, dispute.id, specialist, outcome="denied", reason="No.",
                     now=FILED)
    elif state == "waiting":
        steps.ask_for_information(session, dispute.id, specialist, "Which?", FILED)
    elif state == "withdrawn":
        steps.withdraw(session, dispute.id, case.filer, FILED)
    session.commit()
    user = {"filer": case.filer,
            "admin": make_user(session, "admin@staff.test", "admin")}.get(who) or case.staff[who]
    before = (dispute.status, len(dispute.events), dispute.tier_id)
    actions = {
        "take": lambda: steps.take(session, dispute.id, user, FILED),
        "comment": lambda: steps.comment(session, dispute.id, user, "Hi", FILED),
        "internal": lambda: steps.comment(session, dispute.id, user, "Hi", FILED,
                                          internal=True),
        "ask": lambda: steps.ask_for_information(session, dispute.id, user, "?", FILED),
        "escalate": lambda: escalation.escalate(session, dispute.id, user, FILED),
        "settle": lambda: steps.settle(session, dispute.id, user, outcome="full",
                                       now=FILED),
        "withdraw": lambda: steps.withdraw(session, dispute.id, user, FILED),
        "reopen": lambda: steps.reopen(session, dispute.id, user, "Again", FILED),
    }
    with pytest.raises(StepRefused, match=message):
        actions[step]()
    session.rollback()
    dispute = session.get(Dispute, dispute.id)
    assert (dispute.status, len(dispute.events), dispute.tier_id) == before


def test_the_last_tier_cannot_escalate(session, case):
    dispute = file(session, case)
    director = case.staff["billing_director"]
    for _ in range(3):
        escalation.escalate(session, dispute.id, director, FILED)
    assert dispute.tier.level == 4
    with pytest.raises(StepRefused, match="last tier"):
        escalation.escalate(session, dispute.id, director, FILED)


def test_the_filer_may_escalate_once_the_deadline_has_passed(session, case):
    dispute = file(session, case)
    with pytest.raises(StepRefused):
        escalation.escalate(session, dispute.id, case.filer, dispute.deadline_at)
    session.rollback()
    dispute = session.get(Dispute, dispute.id)
    after = dispute.deadline_at + timedelta(seconds=1)
    step = escalation.escalate(session, dispute.id, case.filer, after, note="No answer yet.")
    assert step.event.detail == {"from_level": 1, "to_level": 2, "by": "filer"}


def test_a_higher_role_works_a_lower_tier_but_not_the_reverse(session, case):
    dispute = file(session, case)
    steps.take(session, dispute.id, case.staff["billing_manager"], FILED)
    escalation.escalate(session, dispute.id, case.staff["billing_manager"], FILED)
    with pytest.raises(StepRefused, match="Only Billing supervisor staff or higher"):
        steps.take(session, dispute.id, case.staff["billing_specialist"], FILED)


# --- authority ------------------------------------------------------------------------------

def test_a_settlement_above_the_tiers_authority_is_refused_until_escalated(session, case):
    """Tier 1 may grant $500.00, tier 2 $5,000.00 (tests/factories.py TEST_TIERS)."""
    specialist, supervisor = case.staff["billing_specialist"], case.staff["billing_supervisor"]
    dispute = file(session, case, amount=50_001)
    with pytest.raises(StepRefused, match=r"may grant up to 500\.00 USD; escalate"):
        steps.settle(session, dispute.id, specialist, outcome="full", now=FILED)
    session.rollback()
    # A supervisor working it at tier 1 is bound by tier 1's authority too.
    with pytest.raises(StepRefused, match="may grant up to 500.00"):
        steps.settle(session, dispute.id, supervisor, outcome="full", now=FILED)
    session.rollback()
    steps.settle(session, dispute.id, specialist, outcome="partial", credit_minor=50_000,
                 reason="What tier 1 may grant.", now=FILED)
    steps.reopen(session, dispute.id, case.filer, "We want it all.", FILED)
    with pytest.raises(StepRefused):
        steps.settle(session, dispute.id, specialist, outcome="full", now=FILED)
    session.rollback()
    escalation.escalate(session, dispute.id, specialist, FILED)
    steps.settle(session, dispute.id, supervisor, outcome="full", now=FILED)
    session.commit()
    assert session.scalar(select(func.sum(CreditNote.amount_minor))) == 50_001


def test_a_tier_without_authority_in_a_currency_may_only_deny(session, case):
    from billing.disputes.tiers import authority_minor

    assert authority_minor(case.tiers[0], "EUR") == 0
    assert authority_minor(case.tiers[0], "USD") == 50_000


# --- filing rules and the held amount ----------------------------------------------------

def test_the_dispute_window_is_180_days_after_the_invoice_date(session, case):
    last_day = datetime(2026, 8, 30, 23, 0, tzinfo=UTC)  # 2026-03-03 + 180 days, Denver
    assert file(session, case, now=last_day).status == "open"
    with pytest.raises(StepRefused, match="closed on 2026-08-30"):
        file(session, case, now=last_day + timedelta(days=1), description="Too late")


@pytest.mark.parametrize("amount", [0, -100, True, 10.5])
def test_amounts_must_be_positive_whole_minor_units(session, case, amount):
    with pytest.raises(InvalidInput, match="more than zero"):
        file(session, case, amount=amount)


def test_no_more_than_is_open_can_be_claimed(session, case):
    total = case.invoice.total_minor
    with pytest.raises(AmountTooLarge) as refused:
        file(session, case, amount=total + 1)
    assert refused.value.open_minor == total
    assert str(total) not in refused.value.message  # the message itself names no amount
    session.rollback()
    file(session, case, amount=total - 100)
    with pytest.raises(AmountTooLarge) as refused:
        file(session, case, amount=101, description="Second")
    assert refused.value.open_minor == 100


def test_lines_limit_the_amount_to_what_they_charge(session, case):
    usage = next(line for line in case.invoice.lines if line.kind == "usage")
    with pytest.raises(AmountTooLarge):
        file(session, case, amount=usage.amount_minor + 1, line_ids=[usage.id])
    session.rollback()
    dispute = file(session, case, amount=usage.amount_minor, line_ids=[usage.id])
    assert dispute.lines == [usage]
    with pytest.raises(InvalidInput, match="lines of this invoice"):
        file(session, case, amount=1, line_ids=[usage.id + 10_000], description="Bad line")


def test_denied_and_withdrawn_disputes_give_the_amount_back(session, case):
    total = case.invoice.total_minor
    first = file(session, case, amount=total)
    steps.withdraw(session, first.id, case.filer, FILED)
    second = file(session, case, amount=total, description="Again")
    steps.settle(session, second.id, case.staff["billing_specialist"], outcome="denied",
                 reason="No.", now=FILED)
    session.commit()
    assert holds.open_amount_minor(session, case.invoice) == total


def test_the_held_amount_leaves_the_rest_of_the_invoice_due(session, case):
    invoice = case.invoice
    dispute = file(session, case, amount=20_000)
    held = balance.disputed_at(session, [invoice.id], FILED)
    assert held == {invoice.id: 20_000}
    owed = balance.invoice_balance(session, invoice, FILED)
    assert owed.collectible_minor == invoice.total_minor - 20_000
    steps.settle(session, dispute.id, case.staff["billing_specialist"], outcome="partial",
                 credit_minor=5_000, reason="Part.", now=FILED)
    session.commit()
    assert balance.disputed_at(session, [invoice.id], FILED) == {}


def test_a_double_submit_gives_back_the_first_dispute(session, case):
    first = file(session, case)
    again = file(session, case, now=FILED + timedelta(minutes=2))
    assert again.id == first.id
    assert session.scalar(select(func.count()).select_from(Dispute)) == 1


def test_staff_do_not_file_and_drafts_cannot_be_disputed(session, case):
    with pytest.raises(StepRefused, match="filed by the customer"):
        file(session, case, user=case.staff["billing_specialist"])


@pytest.mark.parametrize("text", ["", "   ", "x" * 4001])
def test_descriptions_and_comments_need_text_within_limits(session, case, text):
    with pytest.raises(InvalidInput):
        file(session, case, description=text)


def test_reopening_is_refused_when_other_disputes_took_the_amount_since(session, case):
    """A denial frees the amount; if a second dispute claims it, reopening the first
    would let both be credited: more credit than the invoice."""
    total = case.invoice.total_minor
    first = file(session, case, amount=total)
    steps.settle(session, first.id, case.staff["billing_director"], outcome="denied",
                 reason="No.", now=FILED)
    session.commit()
    file(session, case, amount=total, description="Again, with the contract")
    with pytest.raises(StepRefused, match="other disputes of invoice"):
        steps.reopen(session, first.id, case.filer, "Look again.", FILED)
    session.rollback()
    assert session.get(Dispute, first.id).status == "settled"


def test_amounts_beyond_the_database_and_nul_characters_are_refused(session, case):
    with pytest.raises(InvalidInput, match="larger than any invoice"):
        file(session, case, amount=2**31)
    session.rollback()
    with pytest.raises(InvalidInput, match="NUL"):
        file(session, case, description="Rate\x00wrong")


def test_parse_amount_refuses_what_no_column_holds():
    from billing.core.amount_text import parse_amount

    assert parse_amount("21,474,836.47", "USD") == 2**31 - 1
    with pytest.raises(InvalidInput, match="larger than any amount"):
        parse_amount("99999999999999999999999", "USD")


# --- the whole step matrix ------------------------------------------------------------------

# Which steps each state allows; every other (state, step) pair must be refused.
# The filer escalates here after the deadline has passed (AFTER_DEADLINE).
ALLOWED = {
    "open": {"take", "staff comment", "filer comment", "ask", "staff escalate",
             "filer escalate", "settle", "withdraw"},
    "waiting": {"take", "staff comment", "filer comment", "staff escalate", "settle",
                "withdraw"},
    "settled": {"filer reopen", "staff reopen"},
    "withdrawn": set(),
}
STEPS = ["take", "staff comment", "filer comment", "ask", "staff escalate", "filer escalate",
         "settle", "withdraw", "filer reopen", "staff reopen"]
AFTER_DEADLINE = FILED + timedelta(days=7)
EXPECTED_EVENT = {"take": "assigned", "staff comment": "commented", "ask": "info_requested",
                  "staff escalate": "escalated", "filer escalate": "escalated",
                  "settle": "settled", "withdraw": "withdrawn", "filer reopen": "reopened",
                  "staff reopen": "reopened"}


def _in_state(session, case, state):
    specialist = case.staff["billing_specialist"]
    dispute = file(session, case)
    if state == "waiting":
        steps.ask_for_information(session, dispute.id, specialist, "Which?", FILED)
    elif state == "settled":
        steps.settle(session, dispute.id, specialist, outcome="denied", reason="No.",
                     now=FILED)
    elif state == "withdrawn":
        steps.withdraw(session, dispute.id, case.filer, FILED)
    session.commit()
    return dispute


def _take_step(session, case, dispute_id, step):
    staff, filer, at = case.staff["billing_specialist"], case.filer, AFTER_DEADLINE
    return {
        "take": lambda: steps.take(session, dispute_id, staff, at),
        "staff comment": lambda: steps.comment(session, dispute_id, staff, "Note", at),
        "filer comment": lambda: steps.comment(session, dispute_id, filer, "Note", at),
        "ask": lambda: steps.ask_for_information(session, dispute_id, staff, "?", at),
        "staff escalate": lambda: escalation.escalate(session, dispute_id, staff, at),
        "filer escalate": lambda: escalation.escalate(session, dispute_id, filer, at),
        "settle": lambda: steps.settle(session, dispute_id, staff, outcome="full", now=at),
        "withdraw": lambda: steps.withdraw(session, dispute_id, filer, at),
        "filer reopen": lambda: steps.reopen(session, dispute_id, filer, "Again", at),
        "staff reopen": lambda: steps.reopen(session, dispute_id, staff, "Again", at),
    }[step]()


@pytest.mark.parametrize("state", sorted(ALLOWED))
@pytest.mark.parametrize("step", STEPS)
def test_every_step_in_every_state(session, case, state, step):
    """Allowed: it works and writes its one timeline event. Otherwise: refused with a
    message, and the dispute is as it was."""
    dispute = _in_state(session, case, state)
    before = (dispute.status, len(dispute.events), dispute.tier_id, dispute.credit_minor)
    if step in ALLOWED[state]:
        result = _take_step(session, case, dispute.id, step)
        session.commit()
        expected = EXPECTED_EVENT.get(step) or (
            "info_provided" if state == "waiting" else "commented")
        assert result.event.kind == expected
        assert len(result.dispute.events) == before[1] + 1
        assert result.dispute.events[-1] is result.event
        return
    with pytest.raises(StepRefused) as refused:
        _take_step(session, case, dispute.id, step)
    assert refused.value.message
    session.rollback()
    dispute = session.get(Dispute, dispute.id)
    assert (dispute.status, len(dispute.events), dispute.tier_id,
            dispute.credit_minor) == before
