"""The CPNI disclosure log as a keyed hash chain: appending, and sealing in batches.

A request appends its entries unsealed: one plain INSERT (of given rows, or of a row per
customer that a select names), no lock shared with any other request. The sealer
(`seal_batch`, run after the request in the embedded default and by `flask audit seal`
on a schedule in production) takes the chain head, numbers the unsealed entries in id
order and chains them: each entry's hash is an HMAC-SHA256, under a key kept outside the
database, over the hash of the entry before it, its sequence number and its content.
Someone who can write to the database but has not the key cannot recompute a consistent
chain after editing, removing, inserting or reordering entries; the checkpoints written
outside the database on every seal (checkpoints.py) show entries cut off the end or
wiped. The verifier is in audit_verify.py.

The content formula must never change: existing hashes depend on it. `chain_hash` without a
key is the public SHA-256 formula the log used before it was keyed (the migration that first
chained the log still calls it); the verifier uses it only to recognise a chain someone
recomputed with that formula.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import Select, bindparam, insert, literal, select, update
from sqlalchemy.orm import Session

from billing.core.db import insert_if_missing
from billing.cpni.models import AuditChainHead, CpniDisclosure

CHAIN = "cpni_disclosure"
GENESIS = "0" * 64
CONTENT = ("sequence", "customer_id", "user_id", "partner_id", "surface", "purpose",
           "subject", "occurred_at")
# The execution option that lets the sealer's UPDATE past the ORM guard (log_guard.py).
SEALING = "cpni_sealing"
# Set in session.info by every append: the edge seals after a request that set it.
APPENDED = "cpni_disclosures_appended"
BATCH = 5000


def canonical_content(entry: dict) -> str:
    """The entry's content as one unambiguous string: a compact JSON array."""
    values = [entry[name] for name in CONTENT]
    values[-1] = entry["occurred_at"].astimezone(UTC).isoformat(timespec="microseconds")
    if entry.get("verification"):  # added later: entries without one keep their hashes
        values.append({"verification": entry["verification"]})
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def chain_hash(entry: dict, previous_hash: str, key: bytes | None = None) -> str:
    """HMAC-SHA256 (hex) under `key` over the previous entry's hash and this entry's
    content; without a key, the old public SHA-256 formula over the same text."""
    text = f"{previous_hash}\n{canonical_content(entry)}".encode()
    if key is None:
        return hashlib.sha256(text).hexdigest()
    return hmac.new(key, text, hashlib.sha256).hexdigest()


def append_disclosures(session: Session, rows: list[dict]) -> None:
    """Insert disclosure rows unsealed: no sequence and no hash until the sealer runs.

    Takes no lock beyond the inserted rows' own, so CPNI reads never wait for each other.
    Marks the session (`APPENDED` in its info) for the edge to seal after it commits.
    """
    session.info[APPENDED] = True
    session.execute(insert(CpniDisclosure),
                    [{**row, "sequence": None, "previous_hash": None, "entry_hash": None}
                     for row in rows])


def append_disclosures_of(session: Session, customer_ids: Select, entry: dict) -> int:
    """Insert one unsealed disclosure row per customer in `customer_ids` (a select of
    ids), in customer id order, each with the same `entry` values (user, partner,
    surface, purpose, subject, occurred_at): one INSERT from that select, nothing
    loaded. Marks the session as `append_disclosures` does; returns the rows added."""
    session.info[APPENDED] = True
    table = CpniDisclosure.__table__
    ids = customer_ids.subquery()
    names = list(entry)
    values = [literal(entry[name], table.c[name].type) for name in names]
    rows = select(ids.c[0], *values).order_by(ids.c[0])
    return session.execute(insert(table).from_select(["customer_id", *names], rows),
                           execution_options={"preserve_rowcount": True}).rowcount


@dataclass(frozen=True)
class Sealed:
    """What one sealing batch did: entries sealed, and the chain's count and head after."""

    sealed: int
    count: int
    head: str


def seal_batch(session: Session, *, key: bytes, wait: bool = True,
               limit: int = BATCH) -> Sealed | None:
    """Number and chain up to `limit` unsealed entries in id order, and move the head.

    Locks the chain head row first; with `wait=False` it returns None at once when another
    sealer holds it (on PostgreSQL; SQLite has one writer at a time anyway). Flushes,
    never commits: the caller commits, then writes the checkpoint.
    """
    head = _locked_head(session, wait)
    if head is None:  # the chain's first seal, or another sealer holds the head
        insert_if_missing(session, AuditChainHead, "chain", chain=CHAIN, last_sequence=0,
                          last_hash=GENESIS)
        head = _locked_head(session, wait)
    if head is None:
        return None
    sequence, last_hash = head
    columns = [getattr(CpniDisclosure, name) for name in CONTENT[1:]]
    rows = session.execute(
        select(CpniDisclosure.id, *columns, CpniDisclosure.verification)
        .where(CpniDisclosure.sequence.is_(None)).order_by(CpniDisclosure.id).limit(limit)
    ).mappings().all()
    if not rows:
        return Sealed(0, sequence, last_hash)
    seals = []
    for row in rows:
        sequence += 1
        entry_hash = chain_hash({**row, "sequence": sequence}, last_hash, key)
        seals.append({"row_id": row["id"], "seq": sequence, "prev": last_hash,
                      "hash": entry_hash})
        last_hash = entry_hash
    table = CpniDisclosure.__table__
    session.execute(
        update(table).where(table.c.id == bindparam("row_id"), table.c.sequence.is_(None))
        .values(sequence=bindparam("seq"), previous_hash=bindparam("prev"),
                entry_hash=bindparam("hash")).execution_options(**{SEALING: True}),
        seals)
    session.execute(update(AuditChainHead).where(AuditChainHead.chain == CHAIN)
                    .values(last_sequence=sequence, last_hash=last_hash))
    session.flush()
    return Sealed(len(seals), sequence, last_hash)


def _locked_head(session: Session, wait: bool):
    """The chain head's (last sequence, last hash), locked; None if there is none yet, or
    (without `wait`) another sealer holds it."""
    return session.execute(
        select(AuditChainHead.last_sequence, AuditChainHead.last_hash)
        .where(AuditChainHead.chain == CHAIN).with_for_update(skip_locked=not wait)
    ).first()
