"""What drafting needs to know about a set of bill-to accounts, read in a few queries.

The invoice run drafts accounts in chunks: one query per kind of fact for the whole
chunk (members, services with products, usage sums, what the previous invoices billed,
exemptions, tax rates, credit notes, late fees) instead of a dozen per account. Drafting a single
account is the same with a chunk of one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, selectinload

from billing.catalog.models import Service
from billing.collections.late_fees import unbilled_fees
from billing.collections.models import LateFeeCharge
from billing.core.clock import PROVIDER_TZ, BillPeriod, period_containing
from billing.invoicing.credit_notes import open_credit_notes
from billing.invoicing.models import CreditNote, Invoice, InvoiceLine
from billing.invoicing.tax_models import TaxRate
from billing.invoicing.taxes import candidate_rates, exemptions
from billing.invoicing.usage_models import UsageRecord
from billing.parties.bill_to import billed_on_parent
from billing.parties.models import Customer

IDS_PER_QUERY = 1000  # a rebiller's wholesale account may have many thousands of members


@dataclass
class DraftInputs:
    members: dict[int, list[Customer]]  # bill-to account id: who is billed on its invoice
    services: dict[int, list[Service]]  # member id: its services, products loaded
    usage: dict[int, list[tuple]]  # member id: (call type, destination, rate, minutes, calls)
    billed_before: dict[int, dict[int, int]]  # account id: {service id: amount}, if invoiced
    exempt: dict[int, set[str]]  # account or member id: tax types it is exempt from
    tax_rates: list[TaxRate]  # every rate that may apply, oldest first
    credit_notes: dict[int, list[CreditNote]]  # account id: open notes, oldest first, locked
    late_fees: dict[int, list[LateFeeCharge]]  # account id: unbilled late fees, locked

    @classmethod
    def load(cls, session: Session, accounts: list[Customer], period: BillPeriod):
        members = members_of(session, accounts)
        everyone = {m.id: m for group in members.values() for m in group}
        before = previous_period(period)
        notes = defaultdict(list)
        for note in open_credit_notes(session, [a.id for a in accounts]):
            notes[note.customer_id].append(note)
        return cls(
            members=members,
            services=_services(session, everyone),
            usage=_usage(session, everyone, before),
            billed_before=_billed(session, [a.id for a in accounts], before),
            exempt=_exemptions(session, {a.id for a in accounts} | set(everyone)),
            tax_rates=candidate_rates(session, {m.country for m in everyone.values()},
                                      period.start),
            credit_notes=dict(notes),
            late_fees=unbilled_fees(session, [a.id for a in accounts]),
        )


def previous_period(period: BillPeriod) -> BillPeriod:
    return period_containing(period.start - timedelta(days=1))


def bounds(period: BillPeriod) -> tuple[datetime, datetime]:
    """The period's first and after-last instants: midnights on the provider's clock."""
    start = datetime.combine(period.start, time.min, PROVIDER_TZ)
    end = datetime.combine(period.end + timedelta(days=1), time.min, PROVIDER_TZ)
    return start, end


def members_of(session: Session, accounts: list[Customer]) -> dict[int, list[Customer]]:
    """The accounts billed on each account's invoice: itself and its dependent locations,
    or for a rebiller's wholesale account, its end customers in the account's currency."""
    found = {a.id: [] if a.is_wholesale else [a] for a in accounts}
    own = [a.id for a in accounts if not a.is_wholesale]
    for part in _parts(own):
        for sub in session.scalars(select(Customer).where(
                Customer.parent_id.in_(part), billed_on_parent())
                .order_by(Customer.account_number)):
            found[sub.parent_id].append(sub)
    rebillers = {(a.partner_id, a.currency): a.id for a in accounts if a.is_wholesale}
    if rebillers:
        for end in session.scalars(select(Customer).where(
                Customer.partner_id.in_({partner for partner, _ in rebillers}),
                Customer.billing_role == "retail").order_by(Customer.account_number)):
            if (end.partner_id, end.currency) in rebillers:
                found[rebillers[end.partner_id, end.currency]].append(end)
    return found


def _services(session: Session, members: dict[int, Customer]) -> dict[int, list[Service]]:
    found = defaultdict(list)
    for part in _parts(members):
        for service in session.scalars(
                select(Service).where(Service.customer_id.in_(part))
                .options(selectinload(Service.product))
                .order_by(Service.customer_id, Service.started_on, Service.id)):
            found[service.customer_id].append(service)
    return found


def _usage(session: Session, members: dict[int, Customer], period: BillPeriod):
    """Each member's usage of the period summed by call type, destination and rate, with
    how many calls (records) each sum is of."""
    start, end = bounds(period)
    found = defaultdict(list)
    columns = (UsageRecord.customer_id, UsageRecord.call_type, UsageRecord.destination,
               UsageRecord.rate)
    for part in _parts(members):
        for customer_id, *row in session.execute(
                select(*columns, func.sum(UsageRecord.minutes), func.count())
                .where(UsageRecord.customer_id.in_(part), UsageRecord.started_at >= start,
                       UsageRecord.started_at < end)
                .group_by(*columns).order_by(*columns)):
            found[customer_id].append(tuple(row))
    return found


def _billed(session: Session, account_ids: list[int], period: BillPeriod):
    """Per account that has an invoice for the period, what it billed per service."""
    recurring = and_(InvoiceLine.invoice_id == Invoice.id, InvoiceLine.kind == "recurring",
                     InvoiceLine.service_id.is_not(None))
    found = {}
    for part in _parts(account_ids):
        for customer_id, service_id, total in session.execute(
                select(Invoice.customer_id, InvoiceLine.service_id,
                       func.sum(InvoiceLine.amount_minor))
                .outerjoin(InvoiceLine, recurring)
                .where(Invoice.customer_id.in_(part), Invoice.period_end == period.end)
                .group_by(Invoice.customer_id, InvoiceLine.service_id)):
            billed = found.setdefault(customer_id, {})
            if service_id is not None:
                billed[service_id] = int(total)
    return found


def _exemptions(session: Session, customer_ids: set[int]) -> dict[int, set[str]]:
    found = {}
    for part in _parts(customer_ids):
        found.update(exemptions(session, part))
    return found


def _parts(ids: Iterable[int]) -> Iterator[list[int]]:
    ids = sorted(ids)
    for start in range(0, len(ids), IDS_PER_QUERY):
        yield ids[start:start + IDS_PER_QUERY]
