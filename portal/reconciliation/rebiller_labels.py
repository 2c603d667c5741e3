"""Readable words for rebiller reconciliation classes, row kinds, states and file columns."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

CLASS_LABELS = {
    "unbilled": _l("Unbilled"),
    "cancelled_but_billed": _l("Cancelled but billed"),
    "below_cost": _l("Below cost"),
    "quantity_mismatch": _l("Quantity mismatch"),
    "tax_mismatch": _l("Tax mismatch"),
    "unpaid": _l("Unpaid"),
    "ok": _l("OK"),
}
KIND_LABELS = {"charge": _l("Charge"), "tax": _l("Tax"), "invoice": _l("Invoice")}
STATE_LABELS = {"running": _l("Running"), "done": _l("Done"), "failed": _l("Failed")}


def file_labels() -> dict:
    """Titles and headers of the CSV file and the workbook, in the user's language."""
    return {
        "summary": _("Summary"), "rows": _("Rows"),
        "summary_header": [_("Class"), _("Rows"), _("Rows without CPNI approval"),
                           _("Currency"), _("At stake, approved rows")],
        "rows_header": [_("Account"), _("End customer"), _("Kind"), _("Code"), _("Class"),
                        _("Currency"), _("Wholesale quantity"), _("Retail quantity"),
                        _("Wholesale"), _("Retail"), _("Wholesale tax"), _("Retail tax"),
                        _("Paid"), _("At stake"), _("Due date")],
        "class_names": {cls: str(label) for cls, label in CLASS_LABELS.items()},
    }
