"""The one access policy: may this user see this object, and which of its fields.

Every page, API endpoint, export and PDF goes through here. Tenancy is a SQL clause
applied to every lookup, so an object out of reach is simply not found (404).
CPNI (services, usage, charges, line items, amounts) is visible to:
  - the customer itself (its own account and, for a corporate, its sub-accounts);
  - billing staff, once they have stated a purpose (billing or support);
  - a partner only while the customer's approval for that very partner is in force.
An approval given by a corporate account covers its sub-accounts. A rebiller's own
wholesale account is the rebiller's, but each end customer's section of its wholesale
invoice is that end customer's CPNI and follows the end customer's approval.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from billing.core.errors import NotFound
from billing.core.numbers import whole_number
from billing.cpni import approvals as cpni
from billing.cpni.models import CpniDisclosure
from billing.disputes.models import Dispute
from billing.invoicing.models import Invoice
from billing.parties.models import Customer, Partner
from billing.parties.partners import subtree_ids_clause
from billing.parties.users import User
from billing.payments.models import Payment

CUSTOMER_FIELDS = (
    "id", "account_number", "name", "parent_id", "email_of_record", "phone_of_record",
    "postal_address", "locale", "currency", "partner",
)
CUSTOMER_CPNI_FIELDS = ("services",)
# Whether an invoice is paid, partly paid or overdue is not CPNI; how much is.
INVOICE_FIELDS = (
    "id", "number", "customer", "period", "period_start", "period_end", "issue_date",
    "due_date", "status", "currency", "overdue",
)
# A dispute's amounts and lines say what the customer was charged: CPNI. Its state,
# tier, deadline, reason and timeline are about the dispute, and shown to its filer.
DISPUTE_FIELDS = (
    "id", "reference", "invoice", "customer", "status", "reason", "description", "tier",
    "deadline_at", "filed_at", "filed_by", "outcome", "outcome_reason", "settled_at",
    "events", "attachments",
)
DISPUTE_CPNI_FIELDS = ("amount", "credit", "held", "lines", "credit_note")
INVOICE_CPNI_FIELDS = ("subtotal", "tax", "credits", "total", "paid", "open", "amount_due", "lines")
# What a customer paid, when and how is CPNI; only the account and currency are not.
PAYMENT_FIELDS = ("id", "customer", "currency")
PAYMENT_CPNI_FIELDS = ("received_at", "amount", "method", "reference", "source", "class",
                       "named_invoices", "allocated", "unapplied", "refunded",
                       "allocations", "reversals")
# Which service an SLA credit is for, its hours and amount, and the calculation (the
# service's monthly charge) say what the customer buys and pays: CPNI.
SLA_CREDIT_REQUEST_FIELDS = ("id", "customer", "month", "status", "currency", "requested_at",
                             "decided_at")
SLA_CREDIT_REQUEST_CPNI_FIELDS = ("service", "hours", "credit", "decision_reason",
                                  "credit_note", "calculation")
STAFF_PURPOSES = ("billing", "support")


@dataclass(frozen=True)
class CpniAccess:
    """Whether a user sees one customer's CPNI, why not if not, and the purpose logged.

    `scope` narrows what is visible: "billing" (services, charges, amounts) or
    "billing_usage" (also usage and call detail).
    """

    visible: bool
    reason: str | None = None  # "no_approval" or "purpose_required" when withheld
    purpose: str | None = None  # set when the view is a disclosure to be logged
    scope: str = "billing_usage"

    @property
    def usage(self) -> bool:
        return self.visible and self.scope == "billing_usage"


def consent_holder_id(customer: Customer) -> int:
    """The account whose approval governs this one: the corporate for a sub-account."""
    return customer.parent_id or customer.id


def customer_scope(session: Session, user: User):
    """A clause on Customer limiting rows to the user's tenancy."""
    if user.is_staff:
        return Customer.id.is_not(None)
    if user.is_partner:
        # Literal ids, not a subquery: the planner then knows how many customers match.
        partner_ids = session.scalars(subtree_ids_clause(user.partner)).all()
        return Customer.partner_id.in_(partner_ids)
    if user.is_customer:
        return or_(Customer.id == user.customer_id, Customer.parent_id == user.customer_id)
    return Customer.id.is_(None)


def customers_query(session: Session, user: User):
    return select(Customer).where(customer_scope(session, user))


def invoices_query(session: Session, user: User):
    """Issued invoices within reach; drafts are for staff only."""
    query = select(Invoice).join(Invoice.customer).where(customer_scope(session, user))
    if not user.is_staff:
        query = query.where(Invoice.status != "draft")
    return query


def disclosures_query(session: Session, user: User):
    """Logged disclosures of the CPNI of accounts within reach, newest first."""
    in_reach = select(Customer.id).where(customer_scope(session, user))
    return select(CpniDisclosure).where(CpniDisclosure.customer_id.in_(in_reach)).order_by(
        CpniDisclosure.occurred_at.desc(), CpniDisclosure.id.desc())


def disputes_query(session: Session, user: User):
    """Disputes of accounts within reach. Billing staff see all; an admin, none (users
    and compliance are its work, not disputes)."""
    if user.is_staff and not user.is_billing_staff:
        return select(Dispute).where(Dispute.id.is_(None))
    return select(Dispute).join(Dispute.customer).where(customer_scope(session, user))


def payments_query(session: Session, user: User, now: datetime):
    """Payments within reach: staff, all (the suspense queue too); a customer, its own
    accounts'; a partner, only of customers whose approval for it is in force (or of its
    own wholesale account): the rest are neither listed, counted nor found."""
    if user.is_staff:
        return select(Payment)
    query = select(Payment).join(Payment.customer).where(customer_scope(session, user))
    if user.is_partner:  # approval is given by the corporate for its sub-accounts
        holder = func.coalesce(Customer.parent_id, Customer.id)
        own = (Customer.billing_role == "wholesale") & (Customer.partner_id == user.partner_id)
        query = query.where(cpni.state_clause(user.partner_id, "active", now, holder) | own)
    return query


def get_payment(session: Session, user: User, payment_id, now: datetime) -> Payment:
    query = payments_query(session, user, now).where(Payment.id == _as_id(payment_id))
    if (found := session.scalars(query).first()) is None:
        raise NotFound("No such payment.")
    return found


def payment_access_many(session: Session, user: User, payments, now: datetime) -> dict:
    """Per payment id, its account's CPNI access; one in suspense (no account) is staff's,
    who see its figures only with a stated purpose (none over the API)."""
    grants = cpni_access_many(session, user, {p.customer for p in payments if p.customer}, now)
    return {p.id: grants[p.customer_id] if p.customer_id else _staff_access(None)
            for p in payments}


def get_dispute(session: Session, user: User, dispute_id) -> Dispute:
    dispute = session.scalars(
        disputes_query(session, user).where(Dispute.id == _as_id(dispute_id))).first()
    if dispute is None:
        raise NotFound("No such dispute.")
    return dispute


def may_see_attachment(user: User, attachment, grant: CpniAccess) -> bool:
    """A dispute's files may be copies of the invoice (CPNI): a partner without the
    customer's approval gets only the files its own people sent."""
    if not user.is_partner or grant.visible:
        return True
    return attachment.uploaded_by.partner_id == user.partner_id


def may_read_text(user: User, dispute: Dispute, author: User | None,
                  grant: CpniAccess) -> bool:
    """Words on a dispute may quote charges (CPNI). A partner without the customer's
    approval reads only its own people's words and staff's replies on its own dispute
    (never the customer's words); staff without a stated purpose read only staff's."""
    if grant.visible or author is None or not (user.is_staff or user.is_partner):
        return True
    if user.is_staff or not author.is_partner:
        return author.is_staff and (user.is_staff or dispute.partner_id == user.partner_id)
    return author.partner_id == user.partner_id


def get_customer(session: Session, user: User, customer_id) -> Customer:
    customer = session.scalars(
        customers_query(session, user).where(Customer.id == _as_id(customer_id))
    ).first()
    if customer is None:
        raise NotFound("No such account.")
    return customer


def get_invoice(session: Session, user: User, invoice_id) -> Invoice:
    query = invoices_query(session, user).where(Invoice.id == _as_id(invoice_id))
    invoice = session.scalars(query).first()
    if invoice is None:
        raise NotFound("No such invoice.")
    return invoice


def related_accounts(session: Session, user: User, customer: Customer) -> dict:
    """The corporate account and sub-accounts of a customer, as far as the user may see."""
    scoped = customers_query(session, user)
    subs = scoped.where(Customer.parent_id == customer.id).order_by(Customer.account_number)
    parent = None
    if customer.parent_id:
        parent = session.scalars(scoped.where(Customer.id == customer.parent_id)).first()
    return {"parent": parent, "sub_accounts": session.scalars(subs).all()}


def get_partner(session: Session, user: User, partner_id) -> Partner:
    """Partners a user may name: staff any; partners their own tree; customers theirs."""
    partner = session.get(Partner, _as_id(partner_id))
    if partner is None or not _partner_in_reach(session, user, partner):
        raise NotFound("No such partner.")
    return partner


def _partner_in_reach(session: Session, user: User, partner: Partner) -> bool:
    if user.is_staff:
        return True
    if user.is_partner:
        return partner.tree_path.startswith(user.partner.tree_path)
    if user.is_customer:
        return partner.id in {p.id for p in cpni.partners_serving(session, user.customer)}
    return False


def _as_id(value) -> int:
    number = whole_number(value)
    if number is None:
        raise NotFound("No such object.")
    return number


def cpni_access(
    session: Session, user: User, customer: Customer, now: datetime, purpose: str | None = None
) -> CpniAccess:
    """May this user see this customer's CPNI now? Callers pass staff's stated purpose."""
    return cpni_access_many(session, user, [customer], now, {customer.id: purpose})[customer.id]


def cpni_access_many(
    session: Session, user: User, customers, now: datetime, purposes: dict | None = None
) -> dict[int, CpniAccess]:
    """cpni_access for many customers in one query (lists stay at constant query counts)."""
    customers = list(customers)
    purposes = purposes or {}
    if user.is_customer:
        own = {user.customer_id}
        return {c.id: CpniAccess(c.id in own or c.parent_id in own) for c in customers}
    if user.is_staff:
        return {c.id: _staff_access(purposes.get(c.id)) for c in customers}
    holders = {c.id: consent_holder_id(c) for c in customers}
    scopes = cpni.approved_scopes(session, user.partner_id, set(holders.values()), now)
    return {
        c.id: CpniAccess(True)  # the rebiller's own account: not a disclosure
        if c.is_wholesale and c.partner_id == user.partner_id
        else CpniAccess(True, purpose="partner_access", scope=scopes[holders[c.id]])
        if holders[c.id] in scopes
        else CpniAccess(False, reason="no_approval")
        for c in customers
    }


def end_customer_access(session: Session, user: User, invoice: Invoice, accounts: dict,
                        now: datetime, purpose: str | None = None) -> dict[int, CpniAccess]:
    """Per end customer, what the user may see of its section on a wholesale invoice.

    Other invoices' sections are locations covered by the invoice's own access: empty.
    Staff's purpose stated for the rebiller's account carries to its end customers.
    """
    if not invoice.customer.is_wholesale:
        return {}
    return cpni_access_many(session, user, accounts.values(), now,
                            dict.fromkeys(accounts, purpose))


def _staff_access(purpose: str | None) -> CpniAccess:
    if purpose in STAFF_PURPOSES:
        return CpniAccess(True, purpose=purpose)
    return CpniAccess(False, reason="purpose_required")


def approval_filter(user: User, state: str, now: datetime):
    """A clause on Customer for the partner's customer-list filter by approval state."""
    holder = func.coalesce(Customer.parent_id, Customer.id)
    return cpni.state_clause(user.partner_id, state, now, column=holder)


def visible_fields(kind: str, access: CpniAccess) -> tuple[str, ...]:
    """The fields of a customer, invoice, dispute, SLA credit request or payment this
    access lets through."""
    base, extra = {
        "customer": (CUSTOMER_FIELDS, CUSTOMER_CPNI_FIELDS),
        "invoice": (INVOICE_FIELDS, INVOICE_CPNI_FIELDS),
        "dispute": (DISPUTE_FIELDS, DISPUTE_CPNI_FIELDS),
        "sla_credit_request": (SLA_CREDIT_REQUEST_FIELDS, SLA_CREDIT_REQUEST_CPNI_FIELDS),
        "payment": (PAYMENT_FIELDS, PAYMENT_CPNI_FIELDS),
    }[kind]
    return base + extra if access.visible else base


def record_disclosures(
    session: Session, user: User, accesses: dict, *, surface: str, subject: str, now: datetime,
    verification: dict | None = None,
) -> None:
    """Log each CPNI disclosure to someone other than the customer itself.

    `verification` maps customer ids to how staff verified the caller on that account's
    call, while one is in effect; each such disclosure is logged with the method.
    """
    shown = {cid: grant.purpose for cid, grant in accesses.items()
             if grant.visible and grant.purpose}
    cpni.record_disclosures(session, user=user, customer_ids=sorted(shown), surface=surface,
                            purposes=shown, subject=subject, now=now,
                            verifications=verification)
