"""Translatable labels shared by pages and documents (extracted by pybabel)."""


def _(text: str) -> str:  # marks a string for extraction; translated where shown
    return text


STATUS_LABELS = {
    "draft": _("Draft"),
    "issued": _("Issued"),
    "partially_paid": _("Partially paid"),
    "paid": _("Paid"),
    "void": _("Void"),
}

# An invoice's standing (billing.invoicing.balance.standing): shown to every viewer,
# with or without CPNI access.
STANDING_LABELS = {
    "draft": _("Draft"),
    "issued": _("Issued"),
    "partly_paid": _("Partly paid"),
    "paid": _("Paid"),
    "overdue": _("Overdue"),
    "void": _("Void"),
}

BOOK_KIND_LABELS = {
    "list": _("List"),
    "wholesale": _("Wholesale"),
    "retail": _("Retail"),
}

# Payments (billing/payments/models.py): classes, methods, reversals and sources.
CLASS_LABELS = {
    "matched": _("Matched"),
    "partial": _("Partial"),
    "overpaid": _("Overpaid"),
    "duplicate": _("Duplicate"),
    "unmatched": _("Unmatched"),
}

METHOD_LABELS = {
    "card": _("Card"),
    "sepa_debit": _("SEPA direct debit"),
    "cheque": _("Cheque"),
    "wire": _("Wire transfer"),
    "ach": _("ACH transfer"),
}

REVERSAL_LABELS = {
    "refund": _("Refund"),
    "chargeback": _("Chargeback"),
    "chargeback_reversal": _("Chargeback reversed"),
}

SOURCE_LABELS = {
    "stripe": _("Online (Stripe)"),
    "staff": _("Entered by staff"),
    "report": _("Stripe report"),
    "demo": _("Demo"),
}
