"""The disclosure log is a hash chain: tampering done straight in the database is found,
named at the first bad entry, and the ORM refuses to change or remove entries."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

from billing.core.errors import InvalidInput
from billing.cpni import approvals as cpni
from billing.cpni.audit import GENESIS, chain_hash, verify_disclosure_log
from billing.cpni.models import CpniDisclosure
from billing.parties.users import User
from tests.factories import NOW

KEYS = ("channel", "location", "other", "agency", "direct")


def _record(session, user, customer_ids, minutes=0):
    cpni.record_disclosures(
        session, user=user, customer_ids=customer_ids, surface="page",
        purposes=dict.fromkeys(customer_ids, "partner_access"), subject="invoice list",
        now=NOW + timedelta(minutes=minutes))


@pytest.fixture
def log(session, world):
    """Five entries written in two requests, committed; their ids by sequence number."""
    ids = [world.customers[key].id for key in KEYS]
    _record(session, world.users["channel_admin"], ids[:2])
    _record(session, world.users["staff"], ids[2:], minutes=1)
    session.commit()
    return dict(session.execute(select(CpniDisclosure.sequence, CpniDisclosure.id)).all())


def _tamper(db, *statements):
    """Change the log behind the ORM's back, as someone with database access could."""
    with db.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement) if isinstance(statement, str) else statement)


def _first_break(session, intact: int):
    """The verifier's first bad entry, having checked `intact` entries as good."""
    session.rollback()
    verdict = verify_disclosure_log(session)
    assert not verdict.ok and verdict.entries == intact
    return verdict.first_break


def test_a_log_written_in_turn_verifies(session, log):
    verdict = verify_disclosure_log(session)
    assert verdict.ok and verdict.entries == 5
    entries = session.scalars(select(CpniDisclosure).order_by(CpniDisclosure.sequence)).all()
    assert [e.sequence for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].previous_hash == GENESIS
    assert all(later.previous_hash == earlier.entry_hash
               for earlier, later in zip(entries, entries[1:], strict=False))


def test_an_empty_log_verifies(session, db):
    assert verify_disclosure_log(session).entries == 0


def test_an_edited_entry_is_named(session, db, log):
    _tamper(db, "UPDATE cpni_disclosure SET subject = 'nothing' WHERE sequence = 3")
    found = _first_break(session, intact=2)
    assert (found.sequence, found.entry_id) == (3, log[3]) and "content altered" in found.reason


def test_a_removed_entry_is_named(session, db, log):
    _tamper(db, "DELETE FROM cpni_disclosure WHERE sequence = 3")
    found = _first_break(session, intact=2)
    assert (found.sequence, found.entry_id) == (4, log[4])
    assert "entry 3 before it is missing" in found.reason


def test_entries_cut_off_the_end_disagree_with_the_head(session, db, log):
    _tamper(db, "DELETE FROM cpni_disclosure WHERE sequence >= 4")
    found = _first_break(session, intact=3)
    assert found.sequence == 5 and "removed from the end" in found.reason


def test_an_inserted_entry_is_named_even_with_a_forged_hash(session, db, world, log):
    second = session.scalars(select(CpniDisclosure).filter_by(sequence=2)).one()
    forged = {"sequence": 3, "customer_id": second.customer_id, "user_id": second.user_id,
              "partner_id": None, "surface": "api", "purpose": "support",
              "subject": "forged", "occurred_at": second.occurred_at}
    forged.update(previous_hash=second.entry_hash,
                  entry_hash=chain_hash(forged, second.entry_hash))
    session.rollback()
    _tamper(
        db,
        "UPDATE cpni_disclosure SET sequence = sequence + 1000 WHERE sequence >= 3",
        "UPDATE cpni_disclosure SET sequence = sequence - 999 WHERE sequence >= 1000",
        insert(CpniDisclosure.__table__).values(forged),
    )
    found = _first_break(session, intact=2)
    inserted = session.scalars(select(CpniDisclosure.id).filter_by(subject="forged")).one()
    assert (found.sequence, found.entry_id) == (3, inserted) and "inserted" in found.reason


def test_reordered_entries_are_named(session, db, log):
    _tamper(
        db,
        "UPDATE cpni_disclosure SET sequence = 100 WHERE sequence = 2",
        "UPDATE cpni_disclosure SET sequence = 2 WHERE sequence = 3",
        "UPDATE cpni_disclosure SET sequence = 3 WHERE sequence = 100",
    )
    found = _first_break(session, intact=1)
    assert (found.sequence, found.entry_id) == (2, log[3]) and "reordered" in found.reason


def test_the_orm_refuses_to_change_or_remove_an_entry(session, log):
    entry = session.get(CpniDisclosure, log[1])
    entry.subject = "nothing to see"
    with pytest.raises(InvalidInput):
        session.flush()
    session.rollback()
    session.delete(session.get(CpniDisclosure, log[1]))
    with pytest.raises(InvalidInput):
        session.flush()
    session.rollback()
    for statement in (update(CpniDisclosure).values(subject="x"), delete(CpniDisclosure)):
        with pytest.raises(InvalidInput):
            session.execute(statement)
    session.rollback()
    assert verify_disclosure_log(session).entries == 5


@pytest.mark.postgres_only
def test_two_writers_at_once_extend_one_unbroken_chain(session, world, db):
    engine, barrier = db.engine, threading.Barrier(2)
    writers = [world.users["channel_admin"].id, world.users["staff"].id]
    customer_ids = [c.id for c in world.customers.values()]
    session.commit()

    def write(user_id):
        with Session(engine) as own:
            user = own.get(User, user_id)
            barrier.wait()
            for _ in range(5):
                _record(own, user, customer_ids)
                own.commit()

    threads = [threading.Thread(target=write, args=(user_id,)) for user_id in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    verdict = verify_disclosure_log(session)
    assert verdict.ok and verdict.entries == 2 * 5 * len(customer_ids)
