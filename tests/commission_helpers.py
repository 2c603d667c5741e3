"""Commission data for page, API and browser tests: this month's earnings of an agency
tree, one account approved and one not."""

from datetime import date, timedelta
from decimal import Decimal

from billing.commissions import months
from billing.commissions.models import CommissionPlan
from billing.commissions.runs import run_month
from billing.core.clock import utcnow
from billing.invoicing.models import Invoice, InvoiceLine
from billing.payments.recording import Receipt, record_payment
from tests.factories import another_period_end, approve, make_customer


def bill_and_pay(session, customer, number, amount, now):
    end = another_period_end()
    session.add(Invoice(customer=customer, number=number, period_start=end - timedelta(days=27),
                        period_end=end, issue_date=end, due_date=end, status="issued",
                        currency="USD", subtotal_minor=amount, total_minor=amount, bill_to={},
                        lines=[InvoiceLine(position=1, kind="recurring", description="seat",
                                           quantity=Decimal(1), unit_price=Decimal(amount) / 100,
                                           amount_minor=amount)]))
    session.flush()
    record_payment(session, Receipt(currency="USD", amount_minor=amount, received_at=now,
                                    method="wire", reference="W", source="staff",
                                    customer_id=customer.id), now)


def seed_earnings(session, world) -> str:
    """Agency 20 %, sub-agent 15 %. The sub-agent serves two accounts: "Open Books" has
    approved the agency and the sub-agent, "Closed Books" nobody."""
    p, now = world.partners, utcnow()
    for key, rate in [("agency", 20), ("sub", 15)]:
        session.add(CommissionPlan(partner=p[key], effective_from=date(2026, 1, 1),
                                   recurring_rate=Decimal(rate), usage_rate=Decimal(0),
                                   one_time_rate=Decimal(0)))
    shown = make_customer(session, "COM-OPEN", "Open Books", p["sub"])
    hidden = make_customer(session, "COM-SHUT", "Closed Books", p["sub"])
    approve(session, shown, p["agency"])
    approve(session, shown, p["sub"])
    bill_and_pay(session, shown, "CP-1", 10_000, now)  # agency 5 % = 500, sub 15 % = 1_500
    bill_and_pay(session, hidden, "CP-2", 30_000, now)  # agency 1_500, sub 4_500
    run_month(session, months.month_of(now), now)
    session.commit()
    return months.month_of(now)  # the month earned in
