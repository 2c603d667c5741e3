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
