"""Hand-built data for the dashboard tests: Channel One's book with approved, never
approved and revoked customers, disputes and SLA credit requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.catalog.models import Product, Service
from billing.core.clock import utcnow
from billing.disputes import filing, steps
from billing.sla.models import SlaCreditRequest
from tests.factories import approve, make_customer, make_tiers, recent_invoice

# What the never-approved and revoked customers owe: these must never be shown to the
# partner, nor any sum that includes them.
PINE_MINOR, CEDAR_MINOR = 3_141_59, 2_718_28
HIDDEN_TEXTS = ("3,141.59", "3141.59", "314159", "2,718.28", "2718.28", "271828",
                "5,859.87",  # both together
                "20,545.97", "20,122.66", "23,264.25",  # 17,404.38 plus one or both
                "3,261.59", "2,838.28", "5,979.87",  # 120.00 (billed this month) plus them
                "1,234.57")  # the never-approved customer's SLA credit


@dataclass
class ChannelBook:
    own_invoice: object  # 120.00 to the approved customer, due in 23 days
    pine: object  # never approved
    cedar: object  # approval revoked


def seed_channel_book(session, world) -> ChannelBook:
    """Channel One: its customer AC-0001 (and location AC-0101, under its approval)
    approved, each with the world's 8,642.19 invoice, overdue since 2026-03-28; Pine Ridge
    never approved; Cedar Falls revoked. This week: 120.00 to AC-0001, 3,141.59 to Pine
    Ridge, 2,718.28 to Cedar Falls. A dispute of 20.00 open on AC-0001's new invoice, one
    on Pine Ridge's withdrawn; SLA credit requests: AC-0001 pending, Pine Ridge approved."""
    partner, now = world.partners["channel"], utcnow()
    approve(session, world.customers["channel"], partner)
    pine = make_customer(session, "AC-0300", "Pine Ridge", partner=partner)
    cedar = make_customer(session, "AC-0301", "Cedar Falls", partner=partner)
    approve(session, cedar, partner, state="revoked")
    own = recent_invoice(session, world.customers["channel"], number="DASH-OWN",
                         amount_minor=120_00)
    pine_invoice = recent_invoice(session, pine, number="DASH-PINE", amount_minor=PINE_MINOR)
    recent_invoice(session, cedar, number="DASH-CEDAR", amount_minor=CEDAR_MINOR)
    make_tiers(session)
    filing.file_dispute(session, invoice=own, user=world.users["customer_admin"],
                        reason="wrong_rate", description="Seat rate", amount_minor=20_00,
                        now=now)
    withdrawn = filing.file_dispute(session, invoice=pine_invoice,
                                    user=world.users["channel_admin"], reason="tax",
                                    description="Tax", amount_minor=10_00, now=now,
                                    sees_amounts=False)
    steps.withdraw(session, withdrawn.dispute.id, world.users["channel_admin"], now)
    add_credit_request(session, world.customers["channel"], "pending", 15_00)
    add_credit_request(session, pine, "approved", 1_234_57)
    session.commit()
    return ChannelBook(own, pine, cedar)


def add_credit_request(session, customer, status: str, credit_minor: int,
                       month=date(2026, 1, 1)) -> SlaCreditRequest:
    product = session.query(Product).filter_by(code="VOICE-SEAT").one()
    service = Service(customer=customer, product=product, quantity=Decimal(1),
                      unit_price=Decimal("18.00"), currency="USD", started_on=date(2026, 1, 1))
    request = SlaCreditRequest(customer=customer, service=service, month=month, status=status,
                               currency="USD", hours=2, credit_minor=credit_minor,
                               calculation={})
    session.add(request)
    session.flush()
    return request
