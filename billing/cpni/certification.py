"""The figures an officer certifies the CPNI program on, for one calendar year.

The year runs from 1 January to 31 December on the provider's calendar (Mountain Time).
Counts are aggregated by the database; only the short lists an officer reads line by
line (approvals, breaches, complaints, campaign exports) come back as rows, never the
disclosure log itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import distinct, func, or_, select
from sqlalchemy.orm import Session, aliased

from billing.core.clock import PROVIDER_TZ
from billing.cpni.breaches import BreachStatus, breach_status
from billing.cpni.complaints import CATEGORIES
from billing.cpni.compliance_models import (
    CpniBreach,
    CpniComplaint,
    MarketingExport,
    breach_customer,
    marketing_export_customer,
)
from billing.cpni.models import CpniApproval, CpniDisclosure
from billing.cpni.officer import OfficerStatement, statement_for
from billing.parties.models import Customer, Partner
from billing.parties.users import User


@dataclass(frozen=True)
class ApprovalEntry:
    at: datetime
    account_number: str
    customer_name: str
    partner_name: str
    scope: str
    method: str
    by: str


@dataclass(frozen=True)
class BreachEntry:
    breach: CpniBreach
    status: BreachStatus
    override_by: str | None
    customer_count: int


@dataclass(frozen=True)
class ComplaintEntry:
    complaint: CpniComplaint
    account_number: str
    customer_name: str


@dataclass(frozen=True)
class ExportEntry:
    export: MarketingExport
    partner_name: str | None
    by: str
    customer_count: int


@dataclass
class CertificationReport:
    year: int
    granted: list[ApprovalEntry] = field(default_factory=list)
    revoked: list[ApprovalEntry] = field(default_factory=list)
    partner_disclosures: list[tuple[str, str, int]] = field(default_factory=list)
    staff_disclosures: dict[str, int] = field(default_factory=dict)
    breaches: list[BreachEntry] = field(default_factory=list)
    complaints_by_category: dict[str, int] = field(default_factory=dict)
    complaints: list[ComplaintEntry] = field(default_factory=list)
    exports: list[ExportEntry] = field(default_factory=list)
    exported_customers: int = 0
    statement: OfficerStatement | None = None  # the officer's, once an admin signed it

    @property
    def partner_disclosure_total(self) -> int:
        return sum(count for _, _, count in self.partner_disclosures)

    @property
    def staff_disclosure_total(self) -> int:
        return sum(self.staff_disclosures.values())


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The year's first instant and the next year's, in UTC."""
    start, end = (datetime.combine(date(y, 1, 1), time(0), PROVIDER_TZ) for y in (year, year + 1))
    return start.astimezone(UTC), end.astimezone(UTC)


def certification_report(session: Session, year: int, now: datetime) -> CertificationReport:
    """Everything the year's certification states, in a fixed number of queries."""
    start, end = year_bounds(year)
    report = CertificationReport(year)
    report.granted = _approvals_granted(session, start, end)
    report.revoked = _approvals_revoked(session, start, end)
    report.partner_disclosures = _partner_disclosures(session, start, end)
    report.staff_disclosures = _staff_disclosures(session, start, end)
    report.breaches = _breaches(session, start, end, now)
    report.complaints_by_category, report.complaints = _complaints(session, start, end)
    report.exports, report.exported_customers = _exports(session, start, end)
    report.statement = statement_for(session, year)
    return report


def _approvals_granted(session, start, end) -> list[ApprovalEntry]:
    rows = session.execute(
        select(CpniApproval.approved_at, Customer.account_number, Customer.name,
               Partner.name, CpniApproval.scope, CpniApproval.method,
               CpniApproval.approved_by_name)
        .join(Customer, Customer.id == CpniApproval.customer_id)
        .join(Partner, Partner.id == CpniApproval.partner_id)
        .where(CpniApproval.approved_at >= start, CpniApproval.approved_at < end)
        .order_by(CpniApproval.approved_at, CpniApproval.id))
    return [ApprovalEntry(*row) for row in rows]


def _approvals_revoked(session, start, end) -> list[ApprovalEntry]:
    revoker = aliased(User)
    rows = session.execute(
        select(CpniApproval.revoked_at, Customer.account_number, Customer.name,
               Partner.name, CpniApproval.scope, CpniApproval.method,
               func.coalesce(revoker.name, ""))
        .join(Customer, Customer.id == CpniApproval.customer_id)
        .join(Partner, Partner.id == CpniApproval.partner_id)
        .outerjoin(revoker, revoker.id == CpniApproval.revoked_by_id)
        .where(CpniApproval.revoked_at >= start, CpniApproval.revoked_at < end)
        .order_by(CpniApproval.revoked_at, CpniApproval.id))
    return [ApprovalEntry(*row) for row in rows]


def _in_year(column, start, end):
    return (column >= start) & (column < end)


def _partner_disclosures(session, start, end) -> list[tuple[str, str, int]]:
    """(partner name, surface, count) for every partner that saw CPNI in the year."""
    rows = session.execute(
        select(Partner.name, CpniDisclosure.surface, func.count())
        .join(Partner, Partner.id == CpniDisclosure.partner_id)
        .where(_in_year(CpniDisclosure.occurred_at, start, end))
        .group_by(Partner.id, Partner.name, CpniDisclosure.surface)
        .order_by(Partner.name, Partner.id, CpniDisclosure.surface))
    return [tuple(row) for row in rows]


def _staff_disclosures(session, start, end) -> dict[str, int]:
    rows = session.execute(
        select(CpniDisclosure.purpose, func.count())
        .where(CpniDisclosure.partner_id.is_(None),
               _in_year(CpniDisclosure.occurred_at, start, end))
        .group_by(CpniDisclosure.purpose).order_by(CpniDisclosure.purpose))
    return dict(rows.all())


def _breaches(session, start, end, now) -> list[BreachEntry]:
    """Breaches with any step of their timeline in the year."""
    overrider = aliased(User)
    affected = (select(breach_customer.c.breach_id, func.count().label("n"))
                .group_by(breach_customer.c.breach_id).subquery())
    steps = (CpniBreach.discovered_at, CpniBreach.determined_at,
             CpniBreach.law_enforcement_notified_at, CpniBreach.override_at,
             CpniBreach.customers_notified_at)
    rows = session.execute(
        select(CpniBreach, overrider.name, func.coalesce(affected.c.n, 0))
        .outerjoin(overrider, overrider.id == CpniBreach.override_by_id)
        .outerjoin(affected, affected.c.breach_id == CpniBreach.id)
        .where(or_(*(_in_year(step, start, end) for step in steps)))
        .order_by(CpniBreach.determined_at, CpniBreach.id))
    return [BreachEntry(breach, breach_status(breach, now), name, count)
            for breach, name, count in rows]


def _complaints(session, start, end) -> tuple[dict[str, int], list[ComplaintEntry]]:
    received = _in_year(CpniComplaint.received_at, start, end)
    counted = dict(session.execute(
        select(CpniComplaint.category, func.count()).where(received)
        .group_by(CpniComplaint.category)).all())
    by_category = {category: counted.pop(category, 0) for category in CATEGORIES}
    by_category.update(counted)  # a category retired since keeps its count
    rows = session.execute(
        select(CpniComplaint, Customer.account_number, Customer.name)
        .join(Customer, Customer.id == CpniComplaint.customer_id).where(received)
        .order_by(CpniComplaint.received_at, CpniComplaint.id))
    return by_category, [ComplaintEntry(*row) for row in rows]


def _exports(session, start, end) -> tuple[list[ExportEntry], int]:
    made = _in_year(MarketingExport.exported_at, start, end)
    link = marketing_export_customer
    sizes = (select(link.c.export_id, func.count().label("n"))
             .join(MarketingExport, MarketingExport.id == link.c.export_id).where(made)
             .group_by(link.c.export_id).subquery())
    rows = session.execute(
        select(MarketingExport, Partner.name, User.name, func.coalesce(sizes.c.n, 0))
        .join(User, User.id == MarketingExport.exported_by_id)
        .outerjoin(Partner, Partner.id == MarketingExport.partner_id)
        .outerjoin(sizes, sizes.c.export_id == MarketingExport.id)
        .where(made).order_by(MarketingExport.exported_at, MarketingExport.id))
    exports = [ExportEntry(*row) for row in rows]
    customers = session.scalar(
        select(func.count(distinct(link.c.customer_id)))
        .join(MarketingExport, MarketingExport.id == link.c.export_id).where(made))
    return exports, customers or 0
