"""The dispute reports' tables as workbook sheets, beside their CSV files
(portal/staff/dispute_reports.py): the same rows, the same cut (an amount held by fewer
disputes than the smallest sum shown stays empty), with counts and hours as numbers,
amounts as money in their currency and the deadline as a date and time."""

from __future__ import annotations

from flask_babel import gettext as _

from billing.core.money import Money
from billing.disputes import reports
from portal.disputes.labels import REASON_LABELS
from portal.extensions import db
from reports.workbooks import Column, Sheet


def open_sheet(now, since, bands: list[str]) -> Sheet:
    columns = [Column(_("Tier"), "int", 6), Column(_("Tier name"), width=22),
               Column(_("Age"), width=18), Column(_("Currency"), width=9),
               Column(_("Disputes"), "int", 10), Column(_("Amount held"), "money", 16)]
    rows = [(c.level, c.tier_name, bands[c.band], c.currency, c.count,
             None if c.shown_held_minor is None else Money(c.shown_held_minor, c.currency))
            for c in reports.open_by_tier_and_age(db.session, now)]
    return Sheet(_("Open disputes"), columns, rows)


def overdue_sheet(now, since, hours) -> Sheet:
    columns = [Column(_("Dispute"), width=16), Column(_("Tier"), "int", 6),
               Column(_("Tier name"), width=22), Column(_("Account")),
               Column(_("Customer"), width=28), Column(_("Deadline (UTC)"), "datetime", 17),
               Column(_("Business hours overdue"), "decimal", 12)]
    rows = [(r.reference, r.level, r.tier_name, r.account_number, r.customer_name,
             r.deadline_at, hours(r)) for r in reports.overdue_disputes(db.session, now)]
    return Sheet(_("Overdue disputes"), columns, rows)


def resolution_sheet(now, since) -> Sheet:
    columns = [Column(_("Tier"), "int", 6), Column(_("Tier name"), width=22),
               Column(_("Settled"), "int", 10),
               Column(_("Median business hours"), "decimal", 12),
               Column(_("Mean business hours"), "decimal", 12)]
    rows = [(r.level, r.tier_name, r.settled, r.median_hours, r.mean_hours)
            for r in reports.resolution_times(db.session, since, now)]
    return Sheet(_("Time to resolution"), columns, rows)


def credits_sheet(now, since) -> Sheet:
    columns = [Column(_("Reason"), width=26), Column(_("Currency"), width=9),
               Column(_("Disputes credited"), "int", 10),
               Column(_("Credit granted"), "money", 16)]
    rows = [(str(REASON_LABELS[r.reason]), r.currency, r.credited,
             Money(r.credit_minor, r.currency))
            for r in reports.credits_by_reason(db.session, since, now)]
    return Sheet(_("Credits by reason"), columns, rows)
