"""How long the CPNI program's records are kept: guards on every flush and ORM statement.

A breach record is kept at least 2 years after it was recorded; a customer's approval
at least 1 year after it ended (revoked, or expired); a marketing campaign export at
least 1 year after it was made. Deleting one sooner raises before it reaches the
database, whoever asks. Years are calendar years (29 February counts back to the 28th).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import event, false, func, or_, select
from sqlalchemy.orm import Session

from billing.core.clock import PROVIDER_TZ, utcnow
from billing.core.errors import InvalidInput
from billing.cpni.compliance_models import CpniBreach, MarketingExport
from billing.cpni.models import CpniApproval

BREACH_YEARS = 2
APPROVAL_YEARS = 1
EXPORT_YEARS = 1


def years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February in a year that has none
        return moment.replace(year=moment.year - years, day=28)


def breach_kept_until(breach: CpniBreach) -> datetime:
    """The instant from which a breach record may be deleted."""
    recorded = breach.recorded_at
    try:
        return recorded.replace(year=recorded.year + BREACH_YEARS)
    except ValueError:  # recorded on 29 February: kept until 1 March
        return recorded.replace(year=recorded.year + BREACH_YEARS, month=3, day=1)


def _day(moment: datetime) -> str:
    return moment.astimezone(PROVIDER_TZ).strftime("%Y-%m-%d")


def _breach_problem(breach: CpniBreach, now: datetime) -> str | None:
    if breach.recorded_at is None or breach.recorded_at <= years_before(now, BREACH_YEARS):
        return None
    return (f"Breach record {breach.id} was recorded on {_day(breach.recorded_at)} and "
            f"must be kept for {BREACH_YEARS} years; it cannot be deleted yet.")


def _approval_end(approval: CpniApproval, now: datetime) -> datetime | None:
    ends = [approval.revoked_at]
    if approval.expires_at is not None and approval.expires_at <= now:
        ends.append(approval.expires_at)
    return min((end for end in ends if end is not None), default=None)


def _approval_problem(approval: CpniApproval, now: datetime) -> str | None:
    ended = _approval_end(approval, now)
    if ended is None:
        return (f"Approval {approval.id} is still in force; an approval is kept at least "
                f"{APPROVAL_YEARS} year after it is revoked.")
    if ended <= years_before(now, APPROVAL_YEARS):
        return None
    return (f"Approval {approval.id} ended on {_day(ended)} and must be kept for "
            f"{APPROVAL_YEARS} year after that; it cannot be deleted yet.")


def _export_problem(export: MarketingExport, now: datetime) -> str | None:
    if export.exported_at is None or export.exported_at <= years_before(now, EXPORT_YEARS):
        return None
    return (f"Marketing export {export.id} was made on {_day(export.exported_at)} and must "
            f"be kept for {EXPORT_YEARS} year; it cannot be deleted yet.")


PROBLEMS = {CpniBreach: _breach_problem, CpniApproval: _approval_problem,
            MarketingExport: _export_problem}


def _retained_clause(model, now: datetime):
    """The rows of `model` that must still be kept at `now`, as a SQL condition."""
    if model is CpniBreach:
        return CpniBreach.recorded_at > years_before(now, BREACH_YEARS)
    if model is MarketingExport:
        return MarketingExport.exported_at > years_before(now, EXPORT_YEARS)
    cutoff = years_before(now, APPROVAL_YEARS)
    return ~or_(func.coalesce(CpniApproval.revoked_at <= cutoff, false()),
                func.coalesce(CpniApproval.expires_at <= cutoff, false()))


@event.listens_for(Session, "before_flush")
def refuse_early_deletion(session, flush_context, instances):
    now = utcnow()
    for obj in session.deleted:
        check = PROBLEMS.get(type(obj))
        problem = check(obj, now) if check else None
        if problem:
            raise InvalidInput(problem)


@event.listens_for(Session, "do_orm_execute")
def refuse_early_bulk_deletion(state):
    """A DELETE statement is refused if any row it matches must still be kept."""
    if not state.is_delete:
        return
    for mapper in state.all_mappers:
        if mapper.class_ not in PROBLEMS:
            continue
        model, where = mapper.class_, state.statement.whereclause
        kept = select(func.count()).select_from(model).where(_retained_clause(model, utcnow()))
        if where is not None:
            kept = kept.where(where)
        if state.session.scalar(kept):
            raise InvalidInput(f"Some of these {model.__tablename__} records must still be "
                               f"kept; nothing was deleted.")
