"""Sending a verified caller the information asked for, to the account's address of record.

47 CFR 64.2010(b): when a caller is not verified by passcode or by a call back to the
telephone number of record, the provider may only *send* call detail to the address of
record; it does not discuss it on the call. So "e-mail of record" queues a mail through
the outbox to the account's e-mail of record, and "postal mail of record" queues a
letter (a PDF rendered by reports/) for printing; neither opens the account's CPNI on the
staff screen. Each sending is kept here, with the verification it answered; a letter
stays in the print queue until staff mark it printed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from billing.core import outbox
from billing.core.db import Base, UTCDateTime
from billing.core.errors import InvalidInput, NotFound
from billing.cpni.compliance_models import CallerVerification
from billing.invoicing.balance import BILLED_STATUSES, invoice_balances
from billing.invoicing.models import Invoice
from billing.parties.models import Customer
from billing.parties.users import User

SENDING_METHODS = {"email_of_record": "email", "postal_mail": "postal"}
CHANNELS = ("email", "postal")
RECENT_INVOICES = 12


class SentInformation(Base):
    """What was sent to a verified caller's address of record, and where."""

    __tablename__ = "cpni_sent_information"
    __table_args__ = (
        CheckConstraint(f"channel IN {CHANNELS}", name="channel"),
        CheckConstraint("channel = 'postal' OR (pdf IS NULL AND printed_at IS NULL)",
                        name="only_letters_print"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    verification_id: Mapped[int] = mapped_column(ForeignKey("caller_verification.id"))
    channel: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(Text)
    requested: Mapped[str | None] = mapped_column(String(300))
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    printed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    customer: Mapped[Customer] = relationship()
    verification: Mapped[CallerVerification] = relationship()
    sent_by: Mapped[User] = relationship(foreign_keys=[sent_by_id])
    printed_by: Mapped[User | None] = relationship(foreign_keys=[printed_by_id])


def opens_on_screen(method: str) -> bool:
    """Whether a verification by `method` opens the account's CPNI on the staff screen:
    only the passcode and the call back do; the other two send instead."""
    return method not in SENDING_METHODS


def account_information(session: Session, customer: Customer, now: datetime) -> dict:
    """What is sent: the account's latest billed invoices with what each still owes."""
    invoices = session.scalars(
        select(Invoice).where(Invoice.customer_id == customer.id,
                              Invoice.status.in_(BILLED_STATUSES))
        .order_by(Invoice.issue_date.desc(), Invoice.id.desc()).limit(RECENT_INVOICES)).all()
    balances = invoice_balances(session, invoices, now)
    return {
        "account_number": customer.account_number, "name": customer.name,
        "address": [line for line in customer.postal_address if line],
        "email": customer.email_of_record,
        "invoices": [{"number": i.number, "issue_date": i.issue_date,
                      "due_date": i.due_date, "currency": i.currency,
                      "total_minor": balances[i.id].total_minor,
                      "due_minor": balances[i.id].due_minor} for i in invoices],
    }


def send_email(session: Session, *, verification: CallerVerification, staff: User,
               subject: str, body: str, requested: str | None, now: datetime
               ) -> SentInformation:
    """Queue the mail to the account's e-mail of record (never another address)."""
    _check(verification, "email_of_record")
    customer = verification.customer
    outbox.enqueue(session, to=customer.email_of_record, subject=subject, body=body,
                   kind="cpni_requested", now=now)
    return _kept(session, verification, staff, "email", customer.email_of_record,
                 requested, now)


def queue_letter(session: Session, *, verification: CallerVerification, staff: User,
                 pdf: bytes, requested: str | None, now: datetime) -> SentInformation:
    """Queue the letter, addressed to the account's postal address of record."""
    _check(verification, "postal_mail")
    if not pdf:
        raise InvalidInput("A letter needs its document.")
    address = "\n".join(line for line in verification.customer.postal_address if line)
    return _kept(session, verification, staff, "postal", address, requested, now, pdf=pdf)


def letters_to_print(session: Session, limit: int = 200) -> list[SentInformation]:
    return list(session.scalars(
        select(SentInformation).where(SentInformation.channel == "postal",
                                      SentInformation.printed_at.is_(None))
        .order_by(SentInformation.created_at, SentInformation.id).limit(limit)))


def get_letter(session: Session, letter_id: int) -> SentInformation:
    letter = session.get(SentInformation, letter_id)
    if letter is None or letter.channel != "postal":
        raise NotFound("No such letter.")
    return letter


def mark_printed(session: Session, letter_id: int, staff: User, now: datetime
                 ) -> SentInformation:
    letter = get_letter(session, letter_id)
    if letter.printed_at is None:
        letter.printed_at, letter.printed_by = now, staff
        session.flush()
    return letter


def _check(verification: CallerVerification, method: str) -> None:
    if verification.method != method:
        raise InvalidInput("This verification does not send by that route.")


def _kept(session, verification, staff, channel, address, requested, now, pdf=None):
    sent = SentInformation(
        customer_id=verification.customer_id, verification=verification, channel=channel,
        address=address, requested=(requested or "").strip()[:300] or None,
        sent_by_id=staff.id, created_at=now, pdf=pdf)
    session.add(sent)
    session.flush()
    return sent
