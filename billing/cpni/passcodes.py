"""CPNI passcodes, and how staff verify a caller before they discuss the account's CPNI.

The portal makes the passcode, so it can never be a birthday, a pet's name or the last
digits of a number on file. It is 8 characters drawn at random from 31 letters and
digits that cannot be mistaken for one another when read aloud or written down (no 0/O,
1/I/L): about 40 bits, plenty against guessing when five wrong tries lock the checks,
and easier to spell over the phone than a run of words.

Staff checks go against a slow (Argon2) hash. So that the account's admin can look the
passcode up again (people forget it between calls), a copy is also kept sealed: encrypted
and authenticated (Fernet) with a key the portal derives from its secret key; showing it
needs the admin's password. A changed secret key leaves the seal unreadable, and the
admin then makes a new passcode.

A caller is verified by one of four methods: the passcode, a call back to the telephone
number of record, sending the information to the e-mail address of record, or mailing it
to the postal address of record. Each verification is recorded with its method.

Wrong passcodes count per account in the login throttle table, under a key no signed-in
address can take (those are always lower case), so no new table is needed.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.orm import Session

from billing.core.db import insert_if_missing
from billing.core.errors import InvalidInput
from billing.cpni.compliance_models import VERIFICATION_METHODS, CallerVerification
from billing.parties.identity import hash_password
from billing.parties.models import Customer
from billing.parties.users import LoginThrottle, User

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)

_verifier = PasswordHasher()  # verifies with the parameters stored in each hash


class PasscodeRefused(InvalidInput):
    """The passcode check said no: `code` is wrong_passcode, passcode_locked or no_passcode."""


def generate_passcode() -> str:
    """A new random passcode, grouped 4-4 for reading aloud (the dash is not part of it)."""
    characters = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{characters[:4]}-{characters[4:]}"


def normalise(passcode: str) -> str:
    """What a caller says, as compared: case, spaces and dashes do not matter."""
    return "".join(c for c in (passcode or "").upper() if c not in " -\t")


class PasscodeSeal:
    """Encrypts passcodes for keeping, and opens them again, with one key."""

    def __init__(self, secret: str):
        digest = hashlib.sha256(b"cpni-passcode-seal/v1\0" + secret.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, passcode: str) -> str:
        return self._fernet.encrypt(passcode.encode()).decode("ascii")

    def open(self, sealed: str) -> str | None:
        """The passcode, or None if this key did not seal it (or it was altered)."""
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            return None


def rotate_passcode(customer: Customer, now: datetime, seal: PasscodeSeal) -> str:
    """Give the account a new passcode and return it; the old one stops working at once."""
    passcode = generate_passcode()
    customer.cpni_passcode_hash = hash_password(normalise(passcode))
    customer.cpni_passcode_sealed = seal.seal(passcode)
    customer.cpni_passcode_set_at = now
    return passcode


def reveal_passcode(customer: Customer, seal: PasscodeSeal) -> str | None:
    """The account's passcode for its admin to see again, or None if there is none or
    the seal cannot be opened (the secret key changed): then make a new one."""
    if customer.cpni_passcode_sealed is None:
        return None
    return seal.open(customer.cpni_passcode_sealed)


def check_passcode(session: Session, customer: Customer, attempt: str, now: datetime) -> None:
    """Accept the account's passcode or raise PasscodeRefused.

    Five wrong passcodes in a row lock checks for this account for 15 minutes, whoever
    tries them. The caller commits even when this raises, so that failures are counted.
    """
    if customer.cpni_passcode_hash is None:
        raise PasscodeRefused("This account has no CPNI passcode.", code="no_passcode")
    throttle = _throttle(session, customer)
    if throttle.locked_until is not None and throttle.locked_until > now:
        raise PasscodeRefused("Passcode checks for this account are locked.",
                              code="passcode_locked")
    if not _matches(customer.cpni_passcode_hash, normalise(attempt)):
        throttle.failures += 1
        if throttle.failures >= MAX_FAILURES:
            throttle.failures, throttle.locked_until = 0, now + LOCKOUT
        raise PasscodeRefused("That passcode is not correct.", code="wrong_passcode")
    throttle.failures, throttle.locked_until = 0, None


def _throttle_key(customer: Customer) -> str:
    return f"CPNI-PASSCODE:{customer.id}"


def _throttle(session: Session, customer: Customer) -> LoginThrottle:
    key = _throttle_key(customer)
    insert_if_missing(session, LoginThrottle, "email", email=key, failures=0)
    return session.get(LoginThrottle, key, populate_existing=True, with_for_update=True)


def _matches(passcode_hash: str, attempt: str) -> bool:
    if not attempt:
        return False
    try:
        return _verifier.verify(passcode_hash, attempt)
    except (VerificationError, InvalidHashError):
        return False


def verify_caller(session: Session, *, customer: Customer, staff: User, method: str,
                  now: datetime, passcode: str = "", note: str = "") -> CallerVerification:
    """Record that staff verified a caller of this account, checking the passcode first
    when that is the method. A refused passcode records nothing (but counts).

    A location's caller gives its corporate account's passcode: only the corporate
    account's administrators can set one.
    """
    if method not in VERIFICATION_METHODS:
        raise InvalidInput(f"Unknown verification method {method!r}.")
    if not staff.is_staff:
        raise InvalidInput("Only staff verify callers.")
    if method == "passcode":
        check_passcode(session, customer.parent or customer, passcode, now)
    verification = CallerVerification(customer_id=customer.id, staff_id=staff.id,
                                      method=method, verified_at=now,
                                      note=(note or "").strip()[:300] or None)
    session.add(verification)
    session.flush()
    return verification
