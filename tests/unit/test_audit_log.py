"""The disclosure log: requests append unsealed entries, the sealer chains them under the
key and writes a checkpoint outside the database, the database refuses every other change,
and the verifier names each of the eleven tamperings a database administrator could try."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, exc, func, insert, select, text, update

from billing.core.clock import utcnow
from billing.core.errors import InvalidInput
from billing.cpni import approvals as cpni
from billing.cpni.audit import GENESIS, chain_hash
from billing.cpni.models import AuditChainHead, CpniDisclosure
from portal import audit_log
from tests.audit_helpers import seal, tamper, verify
from tests.factories import NOW

KEYS = ("channel", "location", "other", "agency", "direct")


def _record(session, user, customer_ids, minutes=0, now=None):
    cpni.record_disclosures(
        session, user=user, customer_ids=customer_ids, surface="page",
        purposes=dict.fromkeys(customer_ids, "partner_access"), subject="invoice list",
        now=now or NOW + timedelta(minutes=minutes))


@pytest.fixture
def log(session, world):
    """Five entries written in two requests and sealed after each (two checkpoints); their
    ids by sequence number."""
    ids = [world.customers[key].id for key in KEYS]
    _record(session, world.users["channel_admin"], ids[:2])
    seal(session)
    _record(session, world.users["staff"], ids[2:], minutes=1)
    seal(session)
    return dict(session.execute(select(CpniDisclosure.sequence, CpniDisclosure.id)).all())


def _entries(session):
    session.rollback()
    return session.scalars(select(CpniDisclosure).order_by(CpniDisclosure.sequence)).all()


def _content(entry, **changes) -> dict:
    names = ("sequence", "customer_id", "user_id", "partner_id", "surface", "purpose",
             "subject", "occurred_at", "verification")
    return {**{name: getattr(entry, name) for name in names}, **changes}


def _rechain(session, db, key, start, **changes):
    """Change entry `start` and recompute it and every hash after it with `key` (None:
    the public formula), moving the head too: what someone with write access would do."""
    entries, statements = _entries(session), []
    last = entries[start - 2].entry_hash if start > 1 else GENESIS
    for entry in entries[start - 1:]:
        content = _content(entry, **(changes if entry.sequence == start else {}))
        last, previous = chain_hash(content, last, key), last
        statements.append(update(CpniDisclosure).where(CpniDisclosure.id == entry.id).values(
            subject=content["subject"], previous_hash=previous, entry_hash=last))
    statements.append(update(AuditChainHead).values(last_hash=last))
    tamper(db.engine, *statements)


def _found(session, kind: str, intact: int):
    verdict = verify(session)
    assert not verdict.ok and verdict.entries == intact
    assert verdict.first_break.kind == kind, verdict.first_break
    return verdict.first_break


def _checkpoint_files(app) -> list[Path]:
    return sorted(Path(app.config["AUDIT_CHECKPOINT_DIR"]).glob("*.jsonl"))


# --- appending, sealing and checkpoints ----------------------------------------------------

def test_appending_leaves_entries_unsealed_and_takes_no_chain_lock(session, world):
    _record(session, world.users["staff"], [world.customers["other"].id])
    session.commit()
    entry = session.scalars(select(CpniDisclosure)).one()
    assert (entry.sequence, entry.previous_hash, entry.entry_hash) == (None, None, None)
    assert session.scalars(select(AuditChainHead)).all() == []  # the head was not touched
    assert verify(session).ok and verify(session).unsealed == 1


def test_a_sealed_log_is_a_keyed_chain_with_a_signed_checkpoint_per_seal(app, session, log):
    entries = _entries(session)
    assert [e.sequence for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].previous_hash == GENESIS
    assert all(later.previous_hash == earlier.entry_hash
               for earlier, later in zip(entries, entries[1:], strict=False))
    key = audit_log.log_key()
    assert entries[0].entry_hash == chain_hash(_content(entries[0]), GENESIS, key)
    assert entries[0].entry_hash != chain_hash(_content(entries[0]), GENESIS)  # not public
    lines = [json.loads(line) for path in _checkpoint_files(app)
             for line in path.read_text().splitlines()]
    assert [(c["n"], c["count"], c["head"]) for c in lines] == [
        (1, 2, entries[1].entry_hash), (2, 5, entries[4].entry_hash)]
    assert seal(session) == 0 and len(_checkpoint_files(app)[0].read_text().splitlines()) == 2
    verdict = verify(session)
    assert verdict.ok and verdict.entries == 5


def test_an_empty_log_verifies(session, db):
    assert verify(session).ok and verify(session).entries == 0


def test_the_database_refuses_every_change_but_sealing(session, db, log, world):
    refusals = [
        "UPDATE cpni_disclosure SET subject = 'nothing' WHERE sequence = 3",
        "UPDATE cpni_disclosure SET sequence = NULL, previous_hash = NULL, entry_hash = NULL "
        "WHERE sequence = 5",  # unsealing, to seal again differently
        "UPDATE cpni_disclosure SET entry_hash = previous_hash WHERE sequence = 5",
        "DELETE FROM cpni_disclosure WHERE sequence = 5",
    ]
    _record(session, world.users["staff"], [world.customers["other"].id])
    session.commit()
    unsealed = session.scalars(select(CpniDisclosure.id).filter_by(sequence=None)).one()
    session.rollback()  # its read lock would hold TRUNCATE waiting, refused or not
    refusals += [  # an unsealed entry: only the sealing transition, nothing else with it
        f"UPDATE cpni_disclosure SET subject = 'x' WHERE id = {unsealed}",
        f"UPDATE cpni_disclosure SET sequence = 6, previous_hash = 'a', entry_hash = 'b', "
        f"subject = 'x' WHERE id = {unsealed}",
        f"UPDATE cpni_disclosure SET sequence = 6 WHERE id = {unsealed}",
    ]
    if db.engine.dialect.name == "postgresql":
        refusals.append("TRUNCATE cpni_disclosure")
    for statement in refusals:
        with pytest.raises(exc.DBAPIError), db.engine.begin() as connection:
            connection.execute(text(statement))
    with db.engine.begin() as connection:  # the sealer's transition is allowed
        connection.execute(text("UPDATE cpni_disclosure SET sequence = 6, previous_hash = 'a',"
                                f" entry_hash = 'b' WHERE id = {unsealed}"))
    assert session.scalar(select(func.count()).select_from(CpniDisclosure)) == 6


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
    assert verify(session).entries == 5


# --- the eleven tamperings ----------------------------------------------------------------

def test_1_an_altered_entry_is_named(session, db, log):
    tamper(db.engine, "UPDATE cpni_disclosure SET subject = 'nothing' WHERE sequence = 3")
    found = _found(session, "altered", intact=2)
    assert (found.sequence, found.entry_id) == (3, log[3]) and "content altered" in found.reason


def test_2_a_removed_entry_is_named(session, db, log):
    tamper(db.engine, "DELETE FROM cpni_disclosure WHERE sequence = 3")
    found = _found(session, "removed", intact=2)
    assert (found.sequence, found.entry_id) == (4, log[4])
    assert "entry 3 before it is missing" in found.reason


def test_3_an_inserted_entry_is_named_even_with_a_hash_by_the_public_formula(
        session, db, log):
    second = _entries(session)[1]
    forged = _content(second, sequence=3, surface="api", purpose="support", subject="forged")
    forged.update(previous_hash=second.entry_hash,
                  entry_hash=chain_hash(forged, second.entry_hash))
    session.rollback()
    tamper(db.engine,
           "UPDATE cpni_disclosure SET sequence = sequence + 1000 WHERE sequence >= 3",
           "UPDATE cpni_disclosure SET sequence = sequence - 999 WHERE sequence >= 1000",
           insert(CpniDisclosure.__table__).values(forged))
    found = _found(session, "inserted", intact=2)
    inserted = session.scalars(select(CpniDisclosure.id).filter_by(subject="forged")).one()
    assert (found.sequence, found.entry_id) == (3, inserted) and "inserted" in found.reason


def test_4_reordered_entries_are_named(session, db, log):
    tamper(db.engine,
           "UPDATE cpni_disclosure SET sequence = 100 WHERE sequence = 2",
           "UPDATE cpni_disclosure SET sequence = 2 WHERE sequence = 3",
           "UPDATE cpni_disclosure SET sequence = 3 WHERE sequence = 100")
    found = _found(session, "reordered", intact=1)
    assert (found.sequence, found.entry_id) == (2, log[3]) and "reordered" in found.reason


def test_5_entries_cut_off_the_end_with_the_head_moved_back_are_named(session, db, log):
    third = _entries(session)[2].entry_hash
    tamper(db.engine, "DELETE FROM cpni_disclosure WHERE sequence >= 4",
           update(AuditChainHead).values(last_sequence=3, last_hash=third))
    found = _found(session, "truncated", intact=3)
    assert "ends at entry 3 but checkpoint 2 counts 5" in found.reason


def test_6_a_wiped_log_with_the_head_reset_is_named(session, db, log):
    tamper(db.engine, "DELETE FROM cpni_disclosure", "DELETE FROM audit_chain_head")
    found = _found(session, "wiped", intact=0)
    assert "the log is empty but checkpoint 2 counts 5" in found.reason


@pytest.mark.parametrize("key, how", [(None, "the public formula"),
                                      (b"a guess at the key", "another key")])
def test_7_a_consistent_recompute_without_the_key_is_named(session, db, log, key, how):
    _rechain(session, db, key, 3, subject="nothing to see")
    found = _found(session, "rekeyed", intact=2)
    assert (found.sequence, found.entry_id) == (3, log[3]) and how in found.reason


def test_8_an_altered_checkpoint_is_named(app, session, log):
    path = _checkpoint_files(app)[-1]
    path.write_text(path.read_text().replace('"count":5', '"count":4'))
    found = _found(session, "checkpoint_altered", intact=0)
    assert "does not match its signature" in found.reason


@pytest.mark.parametrize("which", ["all", "first", "last"])
def test_9_a_deleted_checkpoint_is_named(app, session, log, which):
    path = _checkpoint_files(app)[-1]
    lines = path.read_text().splitlines(keepends=True)
    if which == "all":
        path.unlink()
    else:
        path.write_text("".join(lines[1:] if which == "first" else lines[:-1]))
    verdict = verify(session)
    assert not verdict.ok and verdict.first_break.kind == "checkpoint_missing"
    assert {"all": "no checkpoint", "first": "checkpoints were removed",
            "last": "entries 3 to 5 were sealed after"}[which] in verdict.first_break.reason


def test_10_a_log_rewritten_with_the_key_disagrees_with_the_checkpoint(session, db, log):
    _rechain(session, db, audit_log.log_key(), 5, subject="nothing to see")
    found = _found(session, "head_mismatch", intact=5)
    assert found.sequence == 5 and "not the one checkpoint 2 recorded" in found.reason


def test_11_an_entry_left_unsealed_too_long_is_named(session, db, log, world):
    _record(session, world.users["staff"], [world.customers["other"].id],
            now=utcnow() - timedelta(hours=1))
    _record(session, world.users["staff"], [world.customers["direct"].id], now=utcnow())
    session.commit()
    stuck = session.scalars(select(CpniDisclosure.id).filter_by(sequence=None)
                            .order_by(CpniDisclosure.id)).first()
    found = _found(session, "stuck", intact=5)
    assert found.entry_id == stuck and "the sealer is not running" in found.reason
    assert seal(session) == 2 and verify(session).ok
