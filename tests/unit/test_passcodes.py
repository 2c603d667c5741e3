"""CPNI passcodes are random, checked against a slow hash, kept otherwise only sealed,
replaced by rotation, and guarded by a per-account lockout; verifying a caller records
the method, and the disclosure log carries it without breaking the hash chain."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from billing.core.errors import InvalidInput
from billing.cpni import approvals as cpni
from billing.cpni import passcodes
from billing.cpni.compliance_models import CallerVerification
from billing.cpni.models import CpniDisclosure
from tests.audit_helpers import seal, tamper, verify
from tests.factories import NOW

SEAL = passcodes.PasscodeSeal("test-secret-key-that-is-long-enough-0123456789")


def _refusal(session, customer, attempt, now=NOW) -> str:
    with pytest.raises(passcodes.PasscodeRefused) as refused:
        passcodes.check_passcode(session, customer, attempt, now)
    return refused.value.code


def test_passcodes_are_random_and_from_the_unambiguous_alphabet():
    made = {passcodes.generate_passcode() for _ in range(200)}
    assert len(made) == 200
    for passcode in made:
        characters = passcode.replace("-", "")
        assert len(characters) == 8 and set(characters) <= set(passcodes.ALPHABET)
    assert not set("01OIL") & set("".join(made))


def test_a_slow_hash_and_a_sealed_copy_are_kept_never_the_passcode(session, world):
    customer = world.customers["channel"]
    passcode = passcodes.rotate_passcode(customer, NOW, SEAL)
    session.commit()
    stored = customer.cpni_passcode_hash
    assert stored.startswith("$argon2")
    for kept in (stored, customer.cpni_passcode_sealed):
        assert passcode.replace("-", "") not in kept and passcode not in kept
    assert customer.cpni_passcode_set_at == NOW
    assert passcodes.reveal_passcode(customer, SEAL) == passcode


def test_a_seal_opens_only_with_its_key_and_unaltered(session, world):
    customer = world.customers["channel"]
    passcodes.rotate_passcode(customer, NOW, SEAL)
    other_key = passcodes.PasscodeSeal("another-secret-key-of-the-same-length-987654")
    assert passcodes.reveal_passcode(customer, other_key) is None
    sealed = customer.cpni_passcode_sealed
    customer.cpni_passcode_sealed = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    assert passcodes.reveal_passcode(customer, SEAL) is None
    customer.cpni_passcode_sealed = None
    assert passcodes.reveal_passcode(customer, SEAL) is None


def test_the_passcode_is_accepted_however_the_caller_spells_it(session, world):
    customer = world.customers["channel"]
    passcode = passcodes.rotate_passcode(customer, NOW, SEAL)
    passcodes.check_passcode(session, customer, passcode, NOW)
    passcodes.check_passcode(session, customer, f" {passcode.replace('-', ' ').lower()} ", NOW)


def test_rotation_makes_the_old_passcode_stop_working(session, world):
    customer = world.customers["channel"]
    old = passcodes.rotate_passcode(customer, NOW, SEAL)
    new = passcodes.rotate_passcode(customer, NOW + timedelta(minutes=1), SEAL)
    assert new != old
    assert _refusal(session, customer, old) == "wrong_passcode"
    passcodes.check_passcode(session, customer, new, NOW)
    assert customer.cpni_passcode_set_at == NOW + timedelta(minutes=1)


def test_an_account_without_a_passcode_refuses_every_attempt(session, world):
    assert _refusal(session, world.customers["channel"], "") == "no_passcode"


def test_five_wrong_passcodes_lock_the_account_for_fifteen_minutes(session, world):
    customer = world.customers["channel"]
    passcode = passcodes.rotate_passcode(customer, NOW, SEAL)
    for attempt in range(5):
        assert _refusal(session, customer, f"WRONG-{attempt}") == "wrong_passcode"
        session.commit()  # as the page does: failures count across requests
    assert _refusal(session, customer, passcode, NOW + timedelta(minutes=14)) == (
        "passcode_locked")
    passcodes.check_passcode(session, customer, passcode, NOW + timedelta(minutes=15, seconds=1))


def test_a_correct_passcode_clears_earlier_failures(session, world):
    customer = world.customers["channel"]
    passcode = passcodes.rotate_passcode(customer, NOW, SEAL)
    for _ in range(4):
        _refusal(session, customer, "NOPE-NOPE")
    passcodes.check_passcode(session, customer, passcode, NOW)
    for _ in range(4):
        _refusal(session, customer, "NOPE-NOPE")
    passcodes.check_passcode(session, customer, passcode, NOW)


def test_the_lockout_is_per_account(session, world):
    locked, other = world.customers["channel"], world.customers["other"]
    passcodes.rotate_passcode(locked, NOW, SEAL)
    other_passcode = passcodes.rotate_passcode(other, NOW, SEAL)
    for _ in range(5):
        _refusal(session, locked, "NOPE-NOPE")
    passcodes.check_passcode(session, other, other_passcode, NOW)


def _verifications(session) -> int:
    return session.scalar(select(func.count()).select_from(CallerVerification))


def test_verifying_a_caller_records_the_method_and_who(session, world):
    customer, staff = world.customers["other"], world.users["staff"]
    passcodes.verify_caller(session, customer=customer, staff=staff, method="call_back",
                            now=NOW, note="called +1-303-555-0100")
    row = session.scalars(select(CallerVerification)).one()
    assert (row.customer_id, row.staff_id, row.method, row.verified_at) == (
        customer.id, staff.id, "call_back", NOW)
    assert row.note == "called +1-303-555-0100"


def test_a_wrong_passcode_records_no_verification(session, world):
    customer = world.customers["other"]
    passcodes.rotate_passcode(customer, NOW, SEAL)
    with pytest.raises(passcodes.PasscodeRefused):
        passcodes.verify_caller(session, customer=customer, staff=world.users["staff"],
                                method="passcode", passcode="AAAA-AAAA", now=NOW)
    assert _verifications(session) == 0


def test_a_locations_caller_gives_the_corporate_passcode(session, world):
    corporate, location = world.customers["channel"], world.customers["location"]
    passcode = passcodes.rotate_passcode(corporate, NOW, SEAL)
    passcodes.verify_caller(session, customer=location, staff=world.users["staff"],
                            method="passcode", passcode=passcode, now=NOW)
    assert session.scalars(select(CallerVerification)).one().customer_id == location.id


@pytest.mark.parametrize("method, user", [("in_person", "staff"), ("call_back", "channel_admin")])
def test_unknown_methods_and_non_staff_are_refused(session, world, method, user):
    with pytest.raises(InvalidInput):
        passcodes.verify_caller(session, customer=world.customers["other"],
                                staff=world.users[user], method=method, now=NOW)
    assert _verifications(session) == 0


def test_disclosures_carry_the_method_and_the_chain_still_verifies(session, world):
    staff = world.users["staff"]
    ids = [world.customers["other"].id, world.customers["direct"].id]
    cpni.record_disclosures(session, user=staff, customer_ids=ids, surface="page",
                            purposes=dict.fromkeys(ids, "support"), subject="account",
                            now=NOW, verifications={ids[0]: "passcode"})
    cpni.record_disclosures(session, user=staff, customer_ids=ids[:1], surface="pdf",
                            purposes={ids[0]: "billing"}, subject="invoice", now=NOW)
    assert seal(session) == 3
    logged = session.execute(select(CpniDisclosure.customer_id, CpniDisclosure.verification)
                             .order_by(CpniDisclosure.sequence)).all()
    assert logged == [(ids[0], "passcode"), (ids[1], None), (ids[0], None)]
    assert verify(session).ok


def test_a_disclosure_with_an_unknown_method_is_refused(session, world):
    cid = world.customers["other"].id
    with pytest.raises(InvalidInput):
        cpni.record_disclosures(session, user=world.users["staff"], customer_ids=[cid],
                                surface="page", purposes={cid: "support"}, subject="account",
                                now=NOW, verifications={cid: "guess"})


def test_changing_the_logged_method_afterwards_is_detected(db, session, world):
    cid = world.customers["other"].id
    cpni.record_disclosures(session, user=world.users["staff"], customer_ids=[cid],
                            surface="page", purposes={cid: "support"}, subject="account",
                            now=NOW, verifications={cid: "postal_mail"})
    seal(session)
    tamper(db.engine, update(CpniDisclosure).values(verification="passcode"))
    verdict = verify(session)
    assert not verdict.ok and verdict.first_break.sequence == 1
