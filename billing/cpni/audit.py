"""The CPNI disclosure log as a hash chain: appending entries in turn, and checking it.

Each entry's hash covers its own content, its sequence number and the hash of the entry
before it, so editing, removing, inserting or reordering entries after the fact breaks
the chain at a point the verifier can name. The head row records the last entry, so
cutting entries off the end shows too. The formula must never change: existing hashes
(and the migration that chained the first entries) depend on it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from billing.core.db import insert_if_missing
from billing.cpni.models import AuditChainHead, CpniDisclosure

CHAIN = "cpni_disclosure"
GENESIS = "0" * 64
CONTENT = ("sequence", "customer_id", "user_id", "partner_id", "surface", "purpose",
           "subject", "occurred_at")


def canonical_content(entry: dict) -> str:
    """The entry's content as one unambiguous string: a compact JSON array."""
    values = [entry[name] for name in CONTENT]
    values[-1] = entry["occurred_at"].astimezone(UTC).isoformat(timespec="microseconds")
    if entry.get("verification"):  # added later: entries without one keep their hashes
        values.append({"verification": entry["verification"]})
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def chain_hash(entry: dict, previous_hash: str) -> str:
    """SHA-256 (hex) over the previous entry's hash and this entry's content."""
    text = f"{previous_hash}\n{canonical_content(entry)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def append_disclosures(session: Session, rows: list[dict]) -> None:
    """Number, chain and insert disclosure rows: one locked head read, one insert, one
    head update, whatever the number of rows.

    The head row is created first if missing; that write also takes SQLite's write lock,
    so on both databases the read below sees the head as no other writer can change it.
    """
    insert_if_missing(session, AuditChainHead, "chain", chain=CHAIN, last_sequence=0,
                      last_hash=GENESIS)
    head = session.execute(
        select(AuditChainHead.last_sequence, AuditChainHead.last_hash)
        .where(AuditChainHead.chain == CHAIN).with_for_update()
    ).one()
    sequence, last_hash = head
    for row in rows:
        sequence += 1
        row.update(sequence=sequence, previous_hash=last_hash)
        last_hash = row["entry_hash"] = chain_hash(row, last_hash)
    session.execute(insert(CpniDisclosure), rows)
    session.execute(update(AuditChainHead).where(AuditChainHead.chain == CHAIN)
                    .values(last_sequence=sequence, last_hash=last_hash))


@dataclass(frozen=True)
class Break:
    """The first bad entry: its sequence number and id (as stored), and what is wrong."""

    sequence: int | None
    entry_id: int | None
    reason: str


@dataclass(frozen=True)
class Verdict:
    entries: int
    first_break: Break | None = None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def verify_disclosure_log(
    session: Session, progress: Callable[[int, int], None] | None = None
) -> Verdict:
    """Walk the log in sequence order and name the first entry that breaks the chain.

    On a database in use, run it in one snapshot (REPEATABLE READ on PostgreSQL), or
    entries appended during the walk would look like a disagreement with the head.
    """
    total = session.scalar(select(func.count()).select_from(CpniDisclosure))
    result = session.execute(
        select(*[getattr(CpniDisclosure, name) for name in CONTENT],
               CpniDisclosure.verification, CpniDisclosure.id,
               CpniDisclosure.previous_hash, CpniDisclosure.entry_hash)
        .order_by(CpniDisclosure.sequence, CpniDisclosure.id)
        .execution_options(yield_per=1000)
    )
    try:  # a server-side cursor on PostgreSQL: close it when stopping early
        done, problem, last = _walk(result.mappings(), total, progress)
    finally:
        result.close()
    if problem is not None:
        return Verdict(done, problem)
    return Verdict(done, _head_problem(session, last))


def _walk(rows, total: int, progress) -> tuple[int, Break | None, dict | None]:
    """Check entries in turn: how many are good, the first problem, the last entry."""
    seen: list = []  # the last two good entries: enough to tell an insertion
    for row in rows:
        problem = _entry_problem(row, seen)
        if problem is not None:
            flagged_earlier = bool(seen) and problem.entry_id == seen[-1]["id"]
            return _good(seen) - flagged_earlier, problem, None
        seen = [*seen[-1:], row]
        if progress is not None:
            progress(row["sequence"], total)
    return _good(seen), None, seen[-1] if seen else None


def _good(seen: list) -> int:
    """How many entries checked out: the good ones are numbered 1 to n."""
    return seen[-1]["sequence"] if seen else 0


def _entry_problem(row, seen: list) -> Break | None:
    previous = seen[-1] if seen else None
    expected = previous["sequence"] + 1 if previous else 1
    if row["sequence"] < expected:
        return _break(row, f"sequence {row['sequence']} repeats or is out of place "
                           f"(expected {expected}): an entry was inserted")
    if row["sequence"] > expected:
        return _break(row, f"entry {expected} before it is missing: an entry was removed")
    link = previous["entry_hash"] if previous else GENESIS
    if row["previous_hash"] != link:
        return _link_problem(row, seen)
    if row["entry_hash"] != chain_hash(row, row["previous_hash"]):
        return _break(row, "content altered: the hash does not match the entry")
    return None


def _link_problem(row, seen: list) -> Break:
    if len(seen) == 2 and row["previous_hash"] == seen[0]["entry_hash"]:
        return _break(seen[1], "an entry was inserted: the entry after it links past it")
    return _break(row, "does not link to the entry before it: entries were reordered "
                       "or the chain rewritten")


def _head_problem(session: Session, last) -> Break | None:
    head = session.execute(select(AuditChainHead.last_sequence, AuditChainHead.last_hash)
                           .where(AuditChainHead.chain == CHAIN)).first()
    if head is None:
        return None if last is None else Break(None, None, "the chain head is missing")
    last_sequence = last["sequence"] if last else 0
    if head.last_sequence > last_sequence:
        return Break(head.last_sequence, None, f"the log ends at entry {last_sequence} but "
                     f"the head records {head.last_sequence}: entries removed from the end")
    if head.last_sequence < last_sequence or head.last_hash != (
            last["entry_hash"] if last else GENESIS):
        return _break(last, f"the head records entry {head.last_sequence} with another "
                            "hash: entries appended or altered outside the log writer")
    return None


def _break(row, reason: str) -> Break:
    return Break(row["sequence"], row["id"], reason)
