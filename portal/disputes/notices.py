"""Who hears of each step of a dispute: the filer at every step it did not take itself
(internal notes excepted) and, as a receipt, of its filing; the account holder, at its
e-mail of record, when a partner files, and when that dispute is settled, withdrawn or
reopened; and the next tier's staff when a dispute escalates.

Notices name the dispute, the invoice and the step, never amounts or lines: the filer
may be a partner without the customer's CPNI approval, and e-mail is not a place to
disclose CPNI.
"""

from __future__ import annotations

from sqlalchemy import select

from billing.disputes.timeline import Step
from billing.parties.users import User
from portal import notices
from portal.disputes.presenters import mail_dict
from portal.extensions import db
from portal.invoicing.presenters import customer_ref

ACCOUNT_HOLDER_HEARS = ("filed", "settled", "withdrawn", "reopened")


def notify(step: Step) -> None:
    """Queue the notices of one step, in the step's transaction."""
    dispute, event = step.dispute, step.event
    # The mails render from what they may name, never from the dispute itself.
    facts = {"dispute": mail_dict(dispute),
             "event": {"kind": event.kind, "detail": {"by": event.detail.get("by")}}}
    filer = dispute.filed_by
    internal = event.detail.get("internal", False)
    if filer.is_active and not internal and (
            event.actor_id != filer.id or event.kind == "filed"):
        notices.queue(to=filer.email, locale=filer.locale,
                      template="disputes/mail_dispute_step.txt",
                      kind="dispute", dedup_key=f"dispute-event-{event.id}-filer",
                      user=filer, **facts)
    if dispute.partner_id and event.kind in ACCOUNT_HOLDER_HEARS:
        customer = dispute.customer
        notices.queue(to=customer.email_of_record, locale=customer.locale,
                      template="disputes/mail_dispute_account.txt", kind="dispute",
                      dedup_key=f"dispute-event-{event.id}-account",
                      customer=customer_ref(customer), **facts)
    if event.kind == "escalated":
        for person in _tier_staff(dispute.tier.role):
            notices.queue(to=person.email, locale=person.locale,
                          template="disputes/mail_dispute_escalated.txt", kind="dispute",
                          dedup_key=f"dispute-event-{event.id}-staff-{person.id}",
                          user=person, **facts)


def _tier_staff(role: str) -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == role, User.is_active)
                                   .order_by(User.id)))
