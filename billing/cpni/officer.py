"""The officer's signed statement that goes with a year's CPNI certification.

47 CFR 64.2009(e): an officer, as an agent of the carrier, signs a compliance
certificate each year stating personal knowledge that the company has operating
procedures adequate to comply with the CPNI rules, with a statement explaining how, an
explanation of any actions taken against data brokers, and a summary of the customer
complaints about unauthorised release of CPNI (the complaints section of the report).
An admin signs once per year; the statement is stored as signed and never changes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from billing.core.clock import provider_date
from billing.core.db import Base, UTCDateTime
from billing.core.errors import Forbidden, InvalidInput
from billing.parties.users import User

MAX_TEXT = 8000


class OfficerStatement(Base):
    """One year's signed statement: who signed, as what, on which day, and what it says."""

    __tablename__ = "cpni_officer_statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    officer_name: Mapped[str] = mapped_column(String(200))
    officer_title: Mapped[str] = mapped_column(String(200))
    signed_on: Mapped[date]
    procedures: Mapped[str] = mapped_column(Text)
    data_broker_actions: Mapped[str] = mapped_column(Text)
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    signed_by: Mapped[User] = relationship()


def statement_for(session: Session, year: int) -> OfficerStatement | None:
    return session.scalar(select(OfficerStatement).where(OfficerStatement.year == year))


def sign_statement(session: Session, *, year: int, user: User, officer_name: str,
                   officer_title: str, signed_on: date, procedures: str,
                   data_broker_actions: str, now: datetime) -> OfficerStatement:
    """Store the year's statement as the admin signs it; a year is signed once."""
    if user.role != "admin":
        raise Forbidden("Only an admin signs the certification.")
    texts = {"officer_name": (officer_name, 200), "officer_title": (officer_title, 200),
             "procedures": (procedures, MAX_TEXT),
             "data_broker_actions": (data_broker_actions, MAX_TEXT)}
    clean = {}
    for name, (text, limit) in texts.items():
        text = (text or "").strip()
        if not text or len(text) > limit:
            raise InvalidInput(f"{name} must be 1 to {limit} characters.")
        clean[name] = text
    if not isinstance(signed_on, date) or signed_on.year <= year:
        raise InvalidInput("The statement is signed after the year it certifies.",
                           code="signed_too_early")
    if signed_on > provider_date(now):
        raise InvalidInput("The signing date cannot be in the future.",
                           code="signed_in_future")
    if statement_for(session, year) is not None:
        raise InvalidInput(f"The statement for {year} is already signed.",
                           code="already_signed")
    statement = OfficerStatement(year=year, signed_on=signed_on, signed_by_id=user.id,
                                 recorded_at=now, **clean)
    session.add(statement)
    session.flush()
    return statement
