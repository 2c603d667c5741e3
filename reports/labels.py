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

# The receivables ageing's buckets (billing.collections.ageing), on statements and the
# ageing report alike.
AGEING_LABELS = {"current": _("Not yet due"), "1-30": _("1-30 days past due"),
                 "31-60": _("31-60 days past due"), "61-90": _("61-90 days past due"),
                 "90+": _("Over 90 days past due"),
                 "disputed": _("In dispute (held, not chased)")}

# Short headings of the same buckets, for tables, charts and files.
AGEING_HEADINGS = {"current": _("Current"), "1-30": _("1–30 days"), "31-60": _("31–60 days"),
                   "61-90": _("61–90 days"), "90+": _("Over 90 days"),
                   "disputed": _("In dispute")}

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

# An invoice's payments and credits (billing.invoicing.activity): what each entry is.
ACTIVITY_LABELS = {
    "payment": _("Payment"),
    **REVERSAL_LABELS,
    "sla": _("SLA credit"),
    "dispute": _("Dispute settlement"),
    "goodwill": _("Goodwill credit"),
}
