"""The daily collections job on a real database: reminders over real SMTP in the
account's language (never naming a held amount as due), late fees on the collectible
part only and once a month, billed on the next invoice, and a second run that does
nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import func, select

from billing.collections import policy
from billing.collections.models import CollectionAction, LateFeeCharge
from billing.collections.run import run_day
from billing.core.clock import PROVIDER_TZ
from billing.core.models import OutboundMail
from billing.disputes.filing import file_dispute
from billing.invoicing.models import Invoice
from portal import notices
from portal.collections.notices import write
from tests.factories import make_customer, make_invoice, make_tiers, make_user
from tests.web.payment_helpers import text_of

DUE = date(2026, 3, 27)  # a Friday


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), PROVIDER_TZ).astimezone(UTC)


def open_invoice(session, customer, number, amount_minor=100_000, due=DUE, paid_minor=0):
    """An invoice issued 26 Feb 2026 (made as a draft: an issued one cannot change)."""
    invoice = make_invoice(session, customer, number, period_end=date(2026, 2, 25),
                           amount_minor=amount_minor, status="draft")
    invoice.issue_date, invoice.due_date = date(2026, 2, 26), due
    invoice.status = "issued"
    session.flush()
    if paid_minor:
        invoice.paid_minor = paid_minor
        invoice.status = "paid" if paid_minor >= amount_minor else "partially_paid"
        session.flush()
    return invoice


def dispute(session, invoice, amount_minor, when):
    make_tiers(session)
    user = make_user(session, f"admin{invoice.id}@customer.test", "customer_admin",
                     customer=invoice.customer)
    file_dispute(session, invoice=invoice, user=user, reason="wrong_rate",
                 description="Seats billed twice", amount_minor=amount_minor, now=when)


def run(session, day):
    return run_day(session, noon(day), write, today=day)


def count(session, model, **where):
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return session.scalar(query)


def test_a_reminder_goes_over_smtp_in_the_accounts_language(session, mailbox):
    customer = make_customer(session, "AC-7001", "Fromagerie Dupont", locale="fr")
    open_invoice(session, customer, "USD-2026-700001", amount_minor=123_456)
    session.commit()
    result = run(session, date(2026, 3, 24))  # 3 days before the due date
    assert result.reminders == 1
    notices.deliver_now()
    (message,) = mailbox.messages
    assert message["To"] == "ac-7001@customer.test"
    text = text_of(message)
    assert "Bonjour" in text
    assert "USD-2026-700001" in text
    assert "1\u202f234,56\xa0$US" in text or "1 234,56 $US" in text  # 1,234.56 in French
    assert "27 mars 2026" in text


def test_a_reminder_never_names_the_held_amount(session, mailbox):
    customer = make_customer(session, "AC-7002", "Held Co")
    invoice = open_invoice(session, customer, "USD-2026-700002", amount_minor=100_000)
    dispute(session, invoice, 40_000, noon(date(2026, 3, 1)))
    session.commit()
    assert run(session, date(2026, 4, 3)).reminders == 1  # 7 days after
    notices.deliver_now()
    text = text_of(mailbox.messages[0])
    assert "$600.00" in text  # 1,000.00 billed less 400.00 held
    assert "400.00" not in text and "1,000.00" not in text
    assert "under dispute is not due" in text


def test_a_wholly_disputed_or_paid_invoice_gets_no_reminder_and_no_fee(session, mailbox):
    customer = make_customer(session, "AC-7003", "Quiet Co")
    held = open_invoice(session, customer, "USD-2026-700003", amount_minor=50_000)
    dispute(session, held, 50_000, noon(date(2026, 3, 1)))
    open_invoice(session, make_customer(session, "AC-7004", "Paid Co"), "USD-2026-700004",
                 amount_minor=50_000, paid_minor=50_000)
    session.commit()
    for day in (date(2026, 3, 24), date(2026, 3, 27), date(2026, 4, 3), date(2026, 4, 10)):
        result = run(session, day)
        assert (result.reminders, result.late_fees) == (0, 0)
    assert count(session, OutboundMail) == 0
    assert count(session, LateFeeCharge) == 0


def test_the_late_fee_is_on_the_collectible_part_only(session):
    customer = make_customer(session, "AC-7005", "Late Co")
    invoice = open_invoice(session, customer, "USD-2026-700005", amount_minor=100_000)
    dispute(session, invoice, 40_000, noon(date(2026, 3, 1)))
    session.commit()
    # Default policy: 5 days' grace after Fri 27 Mar (28 Mar to 1 Apr), the fee on 2 Apr.
    assert run(session, date(2026, 4, 1)).late_fees == 0
    result = run(session, date(2026, 4, 2))
    # 1.5 % of 600.00 (1,000.00 less the 400.00 held) = 9.00; nothing on the 400.00.
    assert result.late_fee_minor == {"USD": 900}
    fee = session.scalars(select(LateFeeCharge)).one()
    assert (fee.invoice_number, fee.amount_minor, fee.month) == ("USD-2026-700005", 900,
                                                                 "2026-04")


def test_no_fee_twice_in_a_month_and_one_each_month_after(session):
    customer = make_customer(session, "AC-7006", "Slow Co")
    open_invoice(session, customer, "USD-2026-700006", amount_minor=20_000)
    session.commit()
    fees = [run(session, day).late_fees for day in
            (date(2026, 4, 1), date(2026, 4, 2), date(2026, 4, 3), date(2026, 4, 30),
             date(2026, 5, 1), date(2026, 5, 2))]
    assert fees == [0, 1, 0, 0, 0, 1]  # 2 April, then 2 May
    # 1.5 % of 200.00 = 3.00 each time.
    assert session.scalars(select(LateFeeCharge.amount_minor)).all() == [300, 300]


def test_the_job_run_twice_takes_each_step_once(session, mailbox):
    customer = make_customer(session, "AC-7007", "Twice Co")
    open_invoice(session, customer, "USD-2026-700007")
    session.commit()
    first = run(session, date(2026, 4, 3))
    second = run(session, date(2026, 4, 3))
    # 7 days after the due date; the fee of 2 Apr, caught up.
    assert (first.reminders, first.late_fees) == (1, 1)
    assert second.already_done and (second.reminders, second.late_fees) == (0, 0)
    # Examined again (as after a fix), the steps taken are still not taken twice.
    third = run_day(session, noon(date(2026, 4, 3)), write, today=date(2026, 4, 3),
                    recheck=True)
    assert third.examined == 1 and (third.reminders, third.late_fees) == (0, 0)
    assert count(session, CollectionAction) == 2
    assert count(session, OutboundMail) == 1


def test_a_dry_run_lists_the_steps_and_changes_nothing(session):
    customer = make_customer(session, "AC-7008", "Dry Co")
    open_invoice(session, customer, "USD-2026-700008")
    session.commit()
    result = run_day(session, noon(date(2026, 4, 3)), write, today=date(2026, 4, 3),
                     dry_run=True)
    assert sorted(result.planned) == [("USD-2026-700008", "late_fee", 0, "2026-04"),
                                      ("USD-2026-700008", "reminder", 7, "2026-04-03")]
    assert count(session, CollectionAction) == 0


def test_exempt_accounts_and_partners_are_not_chased(session):
    from billing.parties.partners import create_partner

    partner = create_partner(session, code="EXP", name="Exempt Partner", kind="channel")
    by_account = make_customer(session, "AC-7009", "Exempt Co")
    by_partner = make_customer(session, "AC-7010", "Partner Co", partner=partner)
    chased = make_customer(session, "AC-7011", "Chased Co")
    for number, customer in (("USD-2026-700009", by_account), ("USD-2026-700010", by_partner),
                             ("USD-2026-700011", chased)):
        open_invoice(session, customer, number)
    policy.set_exemptions(session, ["AC-7009"], ["EXP"], noon(DUE))
    session.commit()
    result = run(session, date(2026, 4, 3))
    assert (result.reminders, result.late_fees) == (1, 1)
    assert set(session.scalars(select(CollectionAction.customer_id))) == {chased.id}


def test_the_late_fee_is_its_own_untaxed_line_on_the_next_invoice(session):
    from billing.core.clock import period_ending_in
    from billing.invoicing.drafting import draft_invoice
    from tests.factories import build_world

    world = build_world(session)
    customer = world.customers["direct"]
    invoice = world.invoices["direct"]  # 8,642.19, due 28 Mar 2026
    session.commit()
    run(session, date(2026, 4, 3))  # 28 Mar + 5 days' grace: the fee on 3 Apr
    # 1.5 % of 8,642.19 = 129.63285: 129.63
    fee = session.scalars(select(LateFeeCharge).where(
        LateFeeCharge.customer_id == customer.id)).one()
    assert fee.amount_minor == 12_963
    draft = draft_invoice(session, customer, period_ending_in(2026, 5), noon(date(2026, 4, 26)))
    (line,) = [line for line in draft.lines if line.description.startswith("Late fee")]
    assert (line.kind, line.description, line.amount_minor) == (
        "fee", f"Late fee on invoice {invoice.number}", 12_963)
    session.refresh(fee)
    assert fee.billed_invoice_id == draft.id
    assert not any(line.kind == "tax" for line in draft.lines)  # no rates: none on the fee
    assert session.get(Invoice, draft.id).total_minor >= 12_963
