"""Readable words for payments: how they were paid, and what went back."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

METHOD_LABELS = {
    "card": _l("Card"),
    "sepa_debit": _l("SEPA direct debit"),
    "cheque": _l("Cheque"),
    "wire": _l("Wire transfer"),
    "ach": _l("ACH transfer"),
}
REVERSAL_LABELS = {
    "refund": _l("Refund"),
    "chargeback": _l("Chargeback"),
    "chargeback_reversal": _l("Chargeback reversed"),
}
