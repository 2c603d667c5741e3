"""The receivables ageing as one user may see it: every account for billing staff, the
partner's customers (its whole tree, per the access policy) for a partner.

The partner cut: an account's amounts reach a partner only while that account's CPNI
approval for the partner is in force (or it is the rebiller's own wholesale account).
Accounts without it are left out of the ageing before anything is summed, so no total,
bucket, chart or file carries any part of their amounts; the partner is told only how
many of its accounts were left out, all of them counted whether they owe or not (the
count says nothing about what they owe). Staff see everything: the totals are
aggregates; listing accounts (drill-down, files) is billing them, logged as a CPNI
disclosure with the purpose "billing".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from billing.collections.ageing import BUCKETS, Ageing, receivables_ageing
from billing.core.clock import FIRST_YEAR, LAST_YEAR, provider_date
from billing.core.errors import InvalidInput
from billing.parties.models import Customer
from portal import access
from portal.extensions import db
from reports.ageing_files import AgeingAccount, AgeingFile


@dataclass(frozen=True)
class AgeingReport:
    ageing: Ageing  # over the accounts whose amounts the user may see
    customers: dict[int, Customer]  # those accounts, by id
    grants: dict[int, access.CpniAccess]  # what each listed account's disclosure is
    withheld: int | None  # a partner's accounts left out; None for staff

    @property
    def as_of(self) -> date:
        return self.ageing.as_of

    def counts(self) -> dict[str, int]:
        """Per currency, how many accounts its totals cover."""
        counts: dict[str, int] = {}
        for row in self.ageing.accounts:
            counts[row.currency] = counts.get(row.currency, 0) + 1
        return counts

    def as_file(self) -> AgeingFile:
        """What the CSV and the workbook hold: the totals and every account listed."""
        return AgeingFile(self.as_of, self.ageing.totals(), self.counts(), [
            AgeingAccount(self.customers[r.customer_id].account_number,
                          self.customers[r.customer_id].name, r.currency, r.amounts)
            for r in self.ageing.accounts], self.withheld)


def parse_as_of(text: str | None, now: datetime, *, future: bool = False) -> date:
    """The day asked for (ISO), today by default. A day to come is refused unless
    `future` (the API: today's receivables aged to that day). Days outside the years
    bill periods may fall in are refused: near the end of the calendar the buckets' day
    arithmetic would overflow."""
    today = provider_date(now)
    if not text:
        return today
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(_("Give the date as YYYY-MM-DD.")) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidInput(_("Give a day in the years %(first)s to %(last)s.",
                             first=FIRST_YEAR, last=LAST_YEAR))
    if day > today and not future:
        raise InvalidInput(_("The ageing can only be shown for today or a day that has "
                             "passed."))
    return day


def report_for(user, as_of: date, now: datetime) -> AgeingReport:
    """The ageing at the end of `as_of` within the user's reach and the partner cut."""
    if user.is_staff:
        ageing = receivables_ageing(db.session, as_of)
        customers = _customers({row.customer_id for row in ageing.accounts})
        grants = {cid: access.CpniAccess(True, purpose="billing") for cid in customers}
        return AgeingReport(ageing, customers, grants, None)
    in_reach = db.session.scalars(access.customers_query(db.session, user)).all()
    grants = access.cpni_access_many(db.session, user, in_reach, now)
    shown = sorted(cid for cid, grant in grants.items() if grant.visible)
    ageing = (receivables_ageing(db.session, as_of, select(Customer.id).where(
        Customer.id.in_(shown))) if shown else Ageing(as_of, []))
    customers = {c.id: c for c in in_reach if c.id in set(shown)}
    return AgeingReport(ageing, customers, {cid: grants[cid] for cid in shown},
                        len(in_reach) - len(shown))


def _customers(ids: set[int]) -> dict[int, Customer]:
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(select(Customer).where(Customer.id.in_(ids)))}


def parse_bucket(currency: str | None, bucket: str | None, report: AgeingReport):
    """The drill-down's currency and bucket, checked against what the report holds."""
    if bucket not in BUCKETS:
        raise InvalidInput(_("Choose a bucket from the report."))
    if currency not in report.ageing.currencies:
        raise InvalidInput(_("Choose a currency from the report."))
    return currency, bucket


def log_listed(user, report: AgeingReport, customer_ids, subject: str, now: datetime, *,
               surface: str = "page") -> None:
    """Listing accounts' amounts discloses their CPNI: log it (the caller commits)."""
    ids = set(customer_ids)
    access.record_disclosures(db.session, user,
                              {cid: g for cid, g in report.grants.items() if cid in ids},
                              surface=surface, subject=subject, now=now)
