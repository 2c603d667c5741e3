"""Account-change notices (docs/cpni.md): whenever a login, a password, a second
factor, an address of record or a CPNI approval is created or changed, the holder is
told at the address of record, and never of the new value itself.

Each function queues its notices in the current transaction (portal/notices.py), so
they go out only if the change is saved.
"""

from __future__ import annotations

from billing.core.clock import utcnow
from billing.cpni.models import CpniApproval
from billing.parties.account_changes import ContactChanges
from billing.parties.models import Customer
from billing.parties.users import User
from portal import notices


def _to_user(user: User, template: str, kind: str, **context) -> None:
    """To a login's own address, in its language (else its account's)."""
    locale = user.locale or (user.customer.locale if user.customer else None)
    notices.queue(to=user.email, locale=locale, template=template, kind=kind, user=user,
                  when=utcnow(), **context)


def _to_account(customer: Customer, template: str, kind: str, *, to: str | None = None,
                **context) -> None:
    """To the account's e-mail of record (or `to`), in the account's language."""
    notices.queue(to=to or customer.email_of_record, locale=customer.locale,
                  template=template, kind=kind, customer=customer, when=utcnow(), **context)


def login_created(user: User) -> None:
    """The new login hears of it; so does its customer account at the e-mail of record,
    since an address typed in for a new login is not yet one of record."""
    _to_user(user, "cpni/mail_login_created.txt", "login_created")
    account = user.customer
    if account is not None and account.email_of_record.lower() != user.email.lower():
        _to_account(account, "cpni/mail_login_added.txt", "login_added")


def password_changed(user: User, *, by_reset: bool) -> None:
    _to_user(user, "cpni/mail_password_changed.txt",
             "password_reset" if by_reset else "password_changed", by_reset=by_reset)


def second_factor_set(user: User) -> None:
    _to_user(user, "cpni/mail_second_factor_set.txt", "second_factor")


def contact_changed(customer: Customer, changes: ContactChanges) -> None:
    """To the e-mail of record as it was before the change; a new e-mail address is
    only told that it was added."""
    if not changes.any:
        return
    _to_account(customer, "cpni/mail_contact_changed.txt", "contact_changed",
                to=changes.previous_email, changes=changes)
    if changes.email:
        _to_account(customer, "cpni/mail_contact_email_added.txt", "contact_email_added")


def imported_contact_changes(session) -> None:
    """Notices for the contact details an import changed (billing/imports/party_kinds.py):
    call after a successful import, before its commit."""
    for customer_id, changes in session.info.pop("contact_changes", []):
        contact_changed(session.get(Customer, customer_id), changes)


def approval_changed(customer: Customer, approval: CpniApproval, *, granted: bool,
                     by: User) -> None:
    """Confirms a CPNI approval, or its revocation, to the e-mail of record."""
    _to_account(customer, "cpni/mail_cpni_approval_changed.txt", "cpni_approval",
                approval=approval, granted=granted, by=by)


def login_invited(user: User) -> None:
    """A login was created by invitation: the invitee has the invitation itself; the
    customer account is told at its e-mail of record, as for any new login."""
    account = user.customer
    if account is not None and account.email_of_record.lower() != user.email.lower():
        _to_account(account, "cpni/mail_login_added.txt", "login_added")


def login_changed(user: User, change: str) -> None:
    """A login was activated (its invitation accepted and password set), had its role
    changed, or was deactivated or reactivated. Its holder is told at the login's own
    address, and a customer account also at its e-mail of record; neither says what
    the new role is."""
    _to_user(user, "cpni/mail_login_changed.txt", f"login_{change}", change=change)
    account = user.customer
    if account is not None and account.email_of_record.lower() != user.email.lower():
        _to_account(account, "cpni/mail_account_login_changed.txt", f"login_{change}",
                    change=change)
