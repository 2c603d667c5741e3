"""The words of the payment reconciliation pages and files: classes, exception kinds,
resolutions, and the workbook's column names."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from reports.labels import CLASS_LABELS

ITEM_CLASS_LABELS = {
    **CLASS_LABELS,
    "unknown_charge": _l("Unknown charge"),
    "unknown_reversal": _l("Unknown refund or dispute"),
    "refund": _l("Refund"),
    "chargeback": _l("Chargeback"),
    "chargeback_reversal": _l("Chargeback reversed"),
    "fee": _l("Fee"),
    "adjustment": _l("Adjustment"),
    "payout": _l("Payout"),
    "payout_mismatch": _l("Payout that does not add up"),
    "payout_reversal": _l("Payout reversed"),
    "refunded": _l("Refunded"),
    "written_off": _l("Written off"),
    "explained": _l("Explained"),
}

EXCEPTION_LABELS = {
    "unmatched": _l("Unmatched payment"),
    "duplicate": _l("Duplicate payment"),
    "unknown_charge": _l("Charge the portal does not know"),
    "unknown_reversal": _l("Refund or dispute the portal does not know"),
    "payout_mismatch": _l("Payout that does not add up"),
}

RESOLUTION_LABELS = {
    "assigned": _l("Allocate to an account"),
    "recorded": _l("Record as a payment of an account"),
    "refunded": _l("Refund"),
    "written_off": _l("Write off"),
    "explained": _l("Mark as explained"),
}

RUN_STATE_LABELS = {"running": _l("Running"), "done": _l("Done"), "failed": _l("Failed")}

CHART_SERIES_LABELS = {
    "received": _l("Received and tied"),
    "exceptions": _l("Exceptions"),
    "reversed": _l("Refunds and chargebacks"),
    "fees": _l("Fees"),
    "settled": _l("Written off, explained, adjustments"),
}


def workbook_labels() -> dict:
    """The workbook's words, translated now (the file is built inside the request)."""
    return {
        "classes": {cls: str(label) for cls, label in ITEM_CLASS_LABELS.items()},
        "figures": _("Figures"), "class": _("Class"), "count": _("Count"),
        "amount": _("Amount"), "payouts": _("Payouts"), "payout": _("Payout"),
        "date": _("Date"), "transactions": _("Transactions"), "gross": _("Gross"),
        "fee": _("Fee"), "net": _("Net"), "paid_out": _("Paid out"),
        "adds_up": _("Adds up"), "yes": _("Yes"), "no": _("No"), "fees": _("Fees"),
        "month": _("Month"), "expense": _("Expense"), "transaction": _("Transaction"),
        "category": _("Category"),
    }
