"""A year of the demo world's life: usage, monthly runs, payments, SLA credits,
disputes at every stage and the CPNI program's records."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import insert, select

from billing.catalog.models import Service
from billing.core.clock import PROVIDER_TZ, period_ending_in
from billing.cpni import breaches, complaints, marketing
from billing.disputes import escalation, filing, holds, steps
from billing.disputes import tiers as dispute_tiers
from billing.invoicing.credit_notes import create_credit_note
from billing.invoicing.models import Invoice
from billing.invoicing.runs import draft_period, issue_period
from billing.invoicing.usage_models import UsageRecord
from billing.parties.users import User
from billing.sla.credits import (
    decide_request,
    ensure_standard_windows,
    open_ticket,
    record_outage,
    request_credit,
)
from billing.sla.models import MaintenanceWindow
from portal.cli.demo.accounts import SEED_AT, customer_services
from portal.cli.demo.catalog import CALL_TYPES

BILLED_MONTHS = [(2025, 12)] + [(2026, m) for m in range(1, 12)]


def add_usage(session, rng, customers):
    """Rated calls for every month billed (in arrears), a few records per call type."""
    months = [(2025, 11)] + BILLED_MONTHS
    rows, serial = [], 0
    for customer in customers:
        for year, month in months:
            period = period_ending_in(year, month)
            for call_type, destinations, rate in CALL_TYPES:
                serial += 1
                day = period.start + timedelta(days=rng.randint(0, period.days - 1))
                rows.append(dict(
                    source_ref=f"DEMO-{serial:07d}", customer_id=customer.id,
                    call_type=call_type, destination=rng.choice(destinations),
                    started_at=datetime.combine(day, time(rng.randint(7, 19)), UTC),
                    minutes=Decimal(rng.randint(200, 9000)) + Decimal(rng.randint(0, 59)) / 60,
                    rate=rate))
    session.execute(insert(UsageRecord), rows)


def bill_month(session, rng, customers, period):
    """One month of the provider's billing: goodwill credits, the run, the issue."""
    now = datetime.combine(period.start, time(9), PROVIDER_TZ).astimezone(UTC)
    for customer in rng.sample(customers, 3):
        if customer.parent is None:
            create_credit_note(session, customer=customer, amount_minor=1000,
                               currency=customer.currency, reason="goodwill",
                               reference="Service call visit missed", now=now)
    session.commit()
    draft_period(session, period, started_by="demo seed", now=now)
    issue_period(session, period, now=now)


def grow_a_service(session, rng, customer, period):
    """A customer adds seats part-way through a period that was already billed."""
    service = next(s for s in customer_services(session, customer)
                   if s.product.kind == "recurring" and s.ended_on is None)
    changed_on = period.start + timedelta(days=rng.randint(3, period.days - 3))
    service.ended_on = changed_on - timedelta(days=1)
    quantity = service.quantity + rng.choice([2, 5, 10])
    session.add(Service(customer=customer, product=service.product, quantity=quantity,
                        unit_price=service.unit_price, currency=service.currency,
                        started_on=changed_on, delivery=service.delivery,
                        description=f"{int(quantity)} × {service.product.unit}"))


def add_sla_history(session, partners, customers):
    """A year of noticed maintenance, two outages with tickets, and two credit requests
    for the demo customer: September's approved (its credit note waits for the next
    invoice), October's pending."""
    ensure_standard_windows(session, 2026)
    for window in session.scalars(select(MaintenanceWindow)):
        window.notice_sent_at = window.starts_at - timedelta(days=10)
    customer = next(c for c in customers if c.partner is partners["CH-01"] and c.parent is None)
    service = next(s for s in customer_services(session, customer)
                   if s.product.sla_family == "voice" and s.product.kind == "recurring")
    outages = [("INC-2026-0917", datetime(2026, 9, 17, 14, 5), 165, "provider",
                "Session border controllers in Denver failed over slowly"),
               ("INC-2026-1003", datetime(2026, 10, 3, 2, 10), 90, "c",
                "Fibre cut at a tier-1 carrier's exchange"),
               ("INC-2026-1021", datetime(2026, 10, 21, 9, 30), 75, "provider",
                "Call routing database overloaded")]
    for ref, local_start, minutes, cause, summary in outages:
        start = local_start.replace(tzinfo=PROVIDER_TZ).astimezone(UTC)
        outage = record_outage(session, ref=ref, started_at=start, cause=cause,
                               ended_at=start + timedelta(minutes=minutes), summary=summary,
                               platform="voice")
        open_ticket(session, customer=customer, opened_at=start + timedelta(minutes=20),
                    summary="Inbound calls fail", source="support", outage=outage)
    staff = session.scalars(select(User).where(User.role == "billing_supervisor")).first()
    september = request_credit(session, service=service, month=date(2026, 9, 1), user=None,
                               now=SEED_AT)
    decide_request(session, september.id, approve=True, reason="", user=staff, now=SEED_AT)
    request_credit(session, service=service, month=date(2026, 10, 1), user=None, now=SEED_AT)


def add_disputes(session, partners, customers):
    """Disputes of the demo customer at each stage: new, waiting on the customer,
    escalated by its deadline, settled with a partial credit, and denied; one filed by
    the channel partner."""
    dispute_tiers.ensure_default_path(session, SEED_AT)
    customer = next(c for c in customers if c.partner is partners["CH-01"] and c.parent is None)
    filer = session.scalars(select(User).where(User.customer_id == customer.id,
                                               User.role == "customer_admin")).first()
    partner_user = session.scalars(select(User).where(User.partner_id == partners["CH-01"].id,
                                                      User.role == "partner_admin")).first()
    staff = {role: session.scalars(select(User).where(User.role == role)).first()
             for role in ("billing_specialist", "billing_supervisor")}
    invoices = list(session.scalars(
        select(Invoice).where(Invoice.customer_id == customer.id, Invoice.status != "draft")
        .order_by(Invoice.period_end.desc()).limit(3)))
    cases = [(filer, "wrong_rate", "The seat price is above our contract price.", 4_500),
             (filer, "duplicate_charge", "The porting fee appears twice.", 2_500),
             (partner_user, "service_not_received", "The fax line was cancelled in August.",
              1_999),
             (filer, "tax", "We are exempt from the local communications tax.", 1_200),
             (filer, "other", "A charge we cannot place.", 800)]
    made = []
    for number, (user, reason, text, amount) in enumerate(cases):
        invoice = invoices[number % len(invoices)]
        filed = max(SEED_AT, datetime.combine(invoice.issue_date, time(10), PROVIDER_TZ)
                    .astimezone(UTC)) + timedelta(hours=number)
        made.append(filing.file_dispute(
            session, invoice=invoice, user=user, reason=reason, description=text,
            amount_minor=min(amount, holds.open_amount_minor(session, invoice)),
            now=filed).dispute)
    later = made[-1].filed_at + timedelta(hours=2)
    steps.ask_for_information(session, made[1].id, staff["billing_specialist"],
                              "Which two lines do you mean?", later)
    escalation.escalate(session, made[2].id, None, made[2].deadline_at + timedelta(minutes=5))
    steps.settle(session, made[3].id, staff["billing_specialist"], outcome="partial",
                 credit_minor=made[3].amount_minor // 2, now=later,
                 reason="The exemption applies from the date we received the certificate.")
    steps.settle(session, made[4].id, staff["billing_specialist"], outcome="denied",
                 now=later, reason="The charge is the annual directory listing fee.")


def add_cpni_program(session, customers):
    """For the compliance pages: a breach told to law enforcement (its customers not yet
    told), a complaint, and a customer that opted out of marketing."""
    officer = session.scalars(select(User).where(User.role == "admin")).first()
    accounts = [c.account_number for c in customers[5:8]]
    determined = datetime(2026, 10, 19, 16, 0, tzinfo=UTC)
    breach = breaches.record_breach(
        session, discovered_at=determined - timedelta(days=2), determined_at=determined,
        description="A support agent's laptop holding three customers' call-detail exports "
                    "was stolen from a car.", account_numbers=accounts, recorded_by=officer,
        now=SEED_AT)
    breaches.record_law_enforcement_notice(
        session, breach.id, notified_at=determined + timedelta(days=3),
        reference="USSS-2026-4471", now=SEED_AT)
    complaints.record_complaint(
        session, account_number=customers[9].account_number,
        received_at=SEED_AT - timedelta(days=4), category="marketing_use",
        summary="Received a partner's offer built on our call volumes.", recorded_by=officer,
        now=SEED_AT)
    marketing.opt_out(session, customer=customers[9], by=officer, now=SEED_AT)
