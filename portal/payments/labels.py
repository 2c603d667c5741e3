"""Translatable names of payment classes, methods and reversal kinds (extracted by
pybabel, translated where shown)."""


def _(text: str) -> str:  # marks a string for extraction; translated where shown
    return text


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
