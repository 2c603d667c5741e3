"""The collections notices, written for the daily job: reminders and autopay outcomes,
in the account's language, for billing.collections to queue in the outbox.

They go to the account itself (its address of record) and name only what the account
owes and may pay: the collectible amount, never an amount a dispute holds.
"""

from __future__ import annotations

from portal import notices

TEMPLATES = {"reminder": "collections/mail_reminder.txt",
             "autopay_failed": "collections/mail_autopay_failed.txt",
             "autopay_succeeded": "collections/mail_autopay_succeeded.txt"}


def write(kind: str, customer, facts: dict) -> tuple[str, str]:
    """The subject and body of one collections notice to `customer`."""
    account = {"account_number": customer.account_number, "name": customer.name}
    return notices.render(TEMPLATES[kind], customer.locale, facts=facts, account=account)
