"""Checking the disclosure log against the key and the latest checkpoint.

The verifier names the first problem it finds, each with a `kind`:

- in the checkpoint files: `checkpoint_altered` (a line that does not match its MAC),
  `checkpoint_missing` (a gap in their numbering, or none at all for a sealed log);
- walking the sealed entries in sequence order: `altered` (content changed, the hash
  left), `removed` (a gap in the sequence), `inserted` (an entry the next one links past,
  or a repeated number), `reordered` (an entry that does not link to the one before),
  `rekeyed` (hashes recomputed consistently but without the key: with the old public
  formula, or another key);
- against the latest checkpoint: `wiped` (no entries left), `truncated` (fewer entries
  than it counts), `head_mismatch` (its entry has another hash: the log was rewritten by
  someone holding the key, or restored from another copy), `checkpoint_missing` (entries
  sealed after it, whose checkpoint was removed);
- `stuck`: an entry left unsealed longer than the limit (no sealer running).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.cpni import checkpoints
from billing.cpni.audit import CHAIN, CONTENT, GENESIS, chain_hash
from billing.cpni.models import AuditChainHead, CpniDisclosure

UNSEALED_LIMIT = timedelta(minutes=15)


@dataclass(frozen=True)
class Break:
    """The first problem: the entry's sequence number and id (as stored) where there is
    one, what kind of tampering it shows, and a sentence naming it."""

    sequence: int | None
    entry_id: int | None
    reason: str
    kind: str = ""


@dataclass(frozen=True)
class Verdict:
    entries: int
    first_break: Break | None = None
    unsealed: int = 0

    @property
    def ok(self) -> bool:
        return self.first_break is None


def verify_disclosure_log(
    session: Session, *, key: bytes, checkpoint_dir: Path | str, now: datetime,
    unsealed_limit: timedelta = UNSEALED_LIMIT,
    progress: Callable[[int, int], None] | None = None,
) -> Verdict:
    """Check the checkpoints, then the chain, then the one against the other.

    The checkpoints are read under the sealers' lock, and the database's snapshot taken
    before it is released (run it in one snapshot, REPEATABLE READ on PostgreSQL), so
    the two agree on a log in use.
    """
    with checkpoints.sealer_lock(checkpoint_dir):
        sealed, unsealed = session.execute(
            select(func.count(CpniDisclosure.sequence),
                   func.count() - func.count(CpniDisclosure.sequence))).one()
        try:
            checkpoint = checkpoints.latest(checkpoint_dir, key)
        except checkpoints.CheckpointProblem as problem:
            return Verdict(0, Break(None, None, str(problem), problem.kind), unsealed)
    walk = _Walk(key, checkpoint.count if checkpoint else 0)
    result = session.execute(
        select(*[getattr(CpniDisclosure, name) for name in CONTENT],
               CpniDisclosure.verification, CpniDisclosure.id,
               CpniDisclosure.previous_hash, CpniDisclosure.entry_hash)
        .where(CpniDisclosure.sequence.is_not(None))
        .order_by(CpniDisclosure.sequence, CpniDisclosure.id)
        .execution_options(yield_per=2000)
    )
    try:  # a server-side cursor on PostgreSQL: close it when stopping early
        problem = walk.run(result.mappings(), sealed, progress)
    finally:
        result.close()
    problem = (problem or _against_checkpoint(walk, checkpoint)
               or _head_problem(session, walk.last) or _stuck(session, now, unsealed_limit))
    return Verdict(walk.good, problem, unsealed)


class _Walk:
    """Entries in sequence order, checked in turn; a bad hash is judged by the next one."""

    def __init__(self, key: bytes, checkpoint_count: int):
        self.key, self.checkpoint_count = key, checkpoint_count
        self.seen: list = []  # the last two good entries: enough to tell an insertion
        self.suspect = None  # an entry whose hash fails, until the next one tells why
        self.at_checkpoint: str | None = None  # the hash of the checkpoint's entry
        self.good = 0

    @property
    def last(self):
        return self.seen[-1] if self.seen else None

    def run(self, rows, total: int, progress) -> Break | None:
        for row in rows:
            if self.suspect is not None:
                return self._judge(self.suspect, row)
            problem = self._entry_problem(row)
            if problem is not None:
                return problem
            if progress is not None:
                progress(row["sequence"], total)
        return self._judge(self.suspect, None) if self.suspect is not None else None

    def _entry_problem(self, row) -> Break | None:
        previous = self.last
        expected = previous["sequence"] + 1 if previous else 1
        if row["sequence"] < expected:
            return _break(row, "inserted", f"sequence {row['sequence']} repeats or is out "
                          f"of place (expected {expected}): an entry was inserted")
        if row["sequence"] > expected:
            return _break(row, "removed",
                          f"entry {expected} before it is missing: an entry was removed")
        if row["previous_hash"] != (previous["entry_hash"] if previous else GENESIS):
            return self._link_problem(row)
        if row["entry_hash"] != chain_hash(row, row["previous_hash"], self.key):
            self.suspect = row
            return None
        self.seen = [*self.seen[-1:], row]
        self.good = row["sequence"]
        if row["sequence"] == self.checkpoint_count:
            self.at_checkpoint = row["entry_hash"]
        return None

    def _link_problem(self, row) -> Break:
        seen = self.seen
        if len(seen) == 2 and row["previous_hash"] == seen[0]["entry_hash"]:
            self.good -= 1
            return _break(seen[1], "inserted",
                          "an entry was inserted: the entry after it links past it")
        return _break(row, "reordered", "does not link to the entry before it: entries "
                      "were reordered or the chain rewritten")

    def _judge(self, suspect, following) -> Break:
        """Why the suspect's hash fails, from the entry after it (None at the end)."""
        if following is not None and following["previous_hash"] == suspect["previous_hash"]:
            return _break(suspect, "inserted",
                          "an entry was inserted: the entry after it links past it")
        public = chain_hash(suspect, suspect["previous_hash"])
        if suspect["entry_hash"] == public or (
                following is not None and following["previous_hash"] == suspect["entry_hash"]
                and following["entry_hash"] != chain_hash(
                    following, following["previous_hash"], self.key)):
            how = "the public formula" if suspect["entry_hash"] == public else "another key"
            return _break(suspect, "rekeyed", f"the chain was recomputed from here with "
                          f"{how}, not the log key: entries rewritten")
        return _break(suspect, "altered", "content altered: the hash does not match the "
                      "entry")


def _against_checkpoint(walk: _Walk, checkpoint) -> Break | None:
    count = walk.good
    if checkpoint is None:
        if count:
            return Break(None, None, f"{count} entries are sealed but there is no "
                         "checkpoint: the checkpoints were deleted", "checkpoint_missing")
        return None
    if count == 0 and checkpoint.count:
        return Break(None, None, f"the log is empty but checkpoint {checkpoint.n} counts "
                     f"{checkpoint.count} entries: the log was wiped", "wiped")
    if count < checkpoint.count:
        return Break(checkpoint.count, None, f"the log ends at entry {count} but checkpoint "
                     f"{checkpoint.n} counts {checkpoint.count}: entries removed from the "
                     "end", "truncated")
    if checkpoint.count and walk.at_checkpoint != checkpoint.head:
        return Break(checkpoint.count, None, f"entry {checkpoint.count} is not the one "
                     f"checkpoint {checkpoint.n} recorded: the log was rewritten or "
                     "replaced", "head_mismatch")
    if count > checkpoint.count:
        return Break(checkpoint.count + 1, None, f"entries {checkpoint.count + 1} to {count} "
                     f"were sealed after the latest checkpoint ({checkpoint.n}): its "
                     "checkpoint was deleted", "checkpoint_missing")
    return None


def _head_problem(session: Session, last) -> Break | None:
    head = session.execute(select(AuditChainHead.last_sequence, AuditChainHead.last_hash)
                           .where(AuditChainHead.chain == CHAIN)).first()
    last_sequence, last_hash = (last["sequence"], last["entry_hash"]) if last else (0, GENESIS)
    if head is None or (head.last_sequence, head.last_hash) == (last_sequence, last_hash):
        return None
    return Break(head.last_sequence, None, f"the chain head records entry "
                 f"{head.last_sequence}, the log ends at {last_sequence}: the head was "
                 "moved outside the sealer", "head_mismatch")


def _stuck(session: Session, now: datetime, limit: timedelta) -> Break | None:
    oldest = session.execute(
        select(CpniDisclosure.id, CpniDisclosure.occurred_at)
        .where(CpniDisclosure.sequence.is_(None), CpniDisclosure.occurred_at < now - limit)
        .order_by(CpniDisclosure.occurred_at, CpniDisclosure.id).limit(1)).first()
    if oldest is None:
        return None
    return Break(None, oldest.id, f"an entry logged at {oldest.occurred_at:%Y-%m-%d %H:%M} "
                 f"UTC is still unsealed after {limit}: the sealer is not running", "stuck")


def _break(row, kind: str, reason: str) -> Break:
    return Break(row["sequence"], row["id"], reason, kind)
