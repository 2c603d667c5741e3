"""The portal's main navigation: which links each user sees, grouped, and which is current.

Staff see many pages, so theirs come in named groups that the layout shows as menus
(`<details>`, which open without scripts); partners and customers see a short flat list,
a customer admin's account settings in one menu. A link whose page is shown is marked
`aria-current="page"`; the group holding it is marked too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, request, url_for
from flask_babel import gettext as _


@dataclass
class NavLink:
    label: str
    url: str
    current: str | None = None  # "page" on its own page, "true" below it


@dataclass
class NavGroup:
    label: str | None  # None: links shown directly in the bar
    links: list[NavLink] = field(default_factory=list)

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)


def _current(url: str) -> str | None:
    if request.path == url:
        return "page"
    # Below a list's own page (an invoice under the invoice list), but not the
    # audience's root, which every page of that audience sits under.
    if url.rstrip("/").count("/") >= 2 and request.path.startswith(url.rstrip("/") + "/"):
        return "true"
    return None


def _group(label: str | None, entries: list[tuple[bool, str, str]]) -> NavGroup | None:
    links = [NavLink(text, url_for(endpoint)) for shown, endpoint, text in entries if shown]
    for link in links:
        link.current = _current(link.url)
    return NavGroup(label, links) if links else None


def _partner(user) -> list:
    wholesale, admin = user.partner.kind == "wholesale", user.role == "partner_admin"
    return [_group(None, [
        (True, "partner.dashboard", _("Dashboard")),
        (True, "partner.customers", _("Customers")),
        (True, "partner.invoices", _("Invoices")),
        (True, "partner.sla_customers", _("SLA credits")),
        (True, "partner.disputes", _("Disputes")),
        (True, "partner.ageing", _("Receivables ageing")),
        (True, "partner.statement_batches", _("Statements")),
        (not wholesale, "partner.commissions", _("Commissions")),
        (wholesale, "partner.reconciliation", _("Reconciliation")),
        (admin, "partner.tokens", _("API tokens")),
        (admin, "partner.users.index", _("Users")),
    ])]


def _customer(user) -> list:
    admin = user.role == "customer_admin"
    head = admin and not user.customer.parent_id  # a corporate or single account's admin
    online = head and bool(current_app.config.get("STRIPE_SECRET_KEY"))
    return [_group(None, [
        (True, "customer.overview", _("Account")),
        (True, "customer.invoices", _("Invoices")),
        (True, "customer.statements_page", _("Statements")),
        (True, "customer.payments", _("Payments")),
        (admin, "customer.pay", _("Pay")),
        (True, "customer.sla", _("SLA credits")),
        (True, "customer.disputes", _("Disputes")),
        (True, "customer.disclosures", _("Who saw my data")),
    ]), _group(_("Account settings"), [
        (online, "customer.payment_methods", _("Payment methods")),
        (online, "customer.autopay_page", _("Autopay")),
        (head, "customer.approvals", _("CPNI approvals")),
        (head, "customer.contact", _("Contact details")),
        (head, "customer.passcode", _("CPNI passcode")),
        (head, "customer.marketing_choice", _("Marketing")),
        (admin, "customer.users.index", _("Users")),
    ])]


def _staff(user) -> list:
    billing, admin = user.is_billing_staff, user.role == "admin"
    return [_group(None, [(billing, "staff.dashboard", _("Dashboard")),
                          (True, "staff.search", _("Find an account"))]),
            _group(_("Billing"), [
                (True, "staff.invoices", _("Invoices")),
                (billing, "staff.runs.index", _("Invoice runs")),
                (billing, "staff.statement_batches", _("Statement batches")),
                (True, "staff.imports", _("Imports")),
                (True, "staff.prices.index", _("Price books")),
            ]), _group(_("Receivables"), [
                (billing, "staff.payments.index", _("Payments")),
                (billing, "staff.reconciliation.index", _("Reconciliation")),
                (billing, "staff.rebiller_reconciliation.index", _("Rebiller reconciliation")),
                (billing, "staff.ageing.index", _("Receivables ageing")),
                (user.role in ("admin", "billing_manager"), "staff.collections.edit_policy",
                 _("Dunning policy")),
                (billing, "staff.commissions.index", _("Commissions")),
                (admin, "staff.commissions.plans", _("Commission plans")),
            ]), _group(_("Disputes & credits"), [
                (billing, "staff.disputes.queue", _("Disputes")),
                (billing, "staff.dispute_reports.index", _("Dispute reports")),
                (billing, "staff.credits.queue", _("Credit requests")),
                (True, "staff.availability_report", _("Availability")),
                (True, "staff.outages", _("Outages")),
            ]), _group(_("Compliance"), [
                (admin, "staff.compliance.breach_list", _("CPNI breaches")),
                (True, "staff.marketing_exports", _("Marketing exports")),
                (True, "staff.letters", _("Letters to print")),
            ]), _group(_("Administration"), [
                (admin, "staff.users.index", _("Users")),
            ])]


def main_navigation(user) -> list[NavGroup]:
    """The groups of links this user's navigation shows, in order; none for a visitor."""
    if not user.is_authenticated:
        return []
    if user.is_partner:
        groups = _partner(user)
    elif user.is_customer:
        groups = _customer(user)
    elif user.is_staff:
        groups = _staff(user)
    else:
        groups = []
    return [group for group in groups if group]
