"""Signed checkpoints of the disclosure log, kept outside the database.

After every seal the sealer appends one line to the day's file in the checkpoint directory
(`cpni_disclosure-YYYY-MM-DD.jsonl`): the checkpoint's number `n`, the chain's entry
`count` and `head` hash, the time `at`, the `prev` checkpoint's MAC and this line's own
`mac`, an HMAC-SHA256 under the log key over the rest. Numbered and chained, so an
altered, removed or reordered line shows; the latest one tells the verifier how long the
log must be and how it must end, which a database administrator cannot change.

Sealers take an exclusive lock on `.sealer.lock` in the directory for the whole seal
(database commit, then the checkpoint line), so checkpoints are written in chain order;
the verifier takes it too while it reads them and opens its database snapshot, so it
never sees a seal committed whose checkpoint is not yet written. Put the directory on
storage the database's administrators cannot rewrite (another host, an append-only mount,
or copy the files off regularly): a checkpoint deleted together with the entries it covers
cannot be told from one never written.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

PREFIX = "cpni_disclosure-"
SIGNED = ("n", "count", "head", "at", "prev")
NONE = "0" * 64


@dataclass(frozen=True)
class Checkpoint:
    n: int
    count: int
    head: str
    at: datetime
    mac: str


class CheckpointProblem(Exception):
    """A checkpoint file that does not check out: `kind` is checkpoint_altered or
    checkpoint_missing."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def _mac(key: bytes, fields: dict) -> str:
    text = json.dumps([fields[name] for name in SIGNED], separators=(",", ":"))
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


@contextmanager
def sealer_lock(directory: Path | str, wait: bool = True) -> Iterator[bool]:
    """Hold the directory's sealer lock; yields False at once if busy and not `wait`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / ".sealer.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _files(directory: Path) -> list[Path]:
    return sorted(directory.glob(f"{PREFIX}*.jsonl")) if directory.is_dir() else []


def _last_line(path: Path) -> str | None:
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        handle.seek(max(0, handle.tell() - 4096))
        lines = handle.read().decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else None


def write(directory: Path | str, key: bytes, *, count: int, head: str,
          now: datetime) -> Checkpoint:
    """Append the next checkpoint. Call with the sealer lock held, after the commit."""
    directory = Path(directory)
    files = _files(directory)
    last = _last_line(files[-1]) if files else None
    previous = json.loads(last) if last else {"n": 0, "mac": NONE}
    fields = {"n": previous["n"] + 1, "count": count, "head": head,
              "at": now.astimezone(UTC).isoformat(timespec="microseconds"),
              "prev": previous["mac"]}
    fields["mac"] = _mac(key, fields)
    path = directory / f"{PREFIX}{now.astimezone(UTC):%Y-%m-%d}.jsonl"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (json.dumps(fields, separators=(",", ":")) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return Checkpoint(fields["n"], count, head, now, fields["mac"])


def latest(directory: Path | str, key: bytes) -> Checkpoint | None:
    """Check every checkpoint line against the key and the one before it; the last one.

    Raises CheckpointProblem naming the first line that is altered or out of place, or a
    gap in the numbering (a line or a whole file removed).
    """
    previous = Checkpoint(0, 0, NONE, datetime.min.replace(tzinfo=UTC), NONE)
    for path in _files(Path(directory)):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            where = f"{path.name} line {number}"
            previous = _check(key, line, previous, where)
    return previous if previous.n else None


def _check(key: bytes, line: str, previous: Checkpoint, where: str) -> Checkpoint:
    try:
        fields = json.loads(line)
        signed = {name: fields[name] for name in SIGNED}
        mac = fields["mac"]
    except (ValueError, KeyError, TypeError) as error:
        raise CheckpointProblem("checkpoint_altered",
                                f"checkpoint {where} is unreadable: altered") from error
    if not hmac.compare_digest(str(mac), _mac(key, signed)):
        raise CheckpointProblem("checkpoint_altered", f"checkpoint {where} does not match "
                                "its signature: altered, or signed with another key")
    if fields["n"] != previous.n + 1 or fields["prev"] != previous.mac:
        raise CheckpointProblem(
            "checkpoint_missing", f"checkpoint {where} is number {fields['n']} but follows "
            f"number {previous.n}: checkpoints were removed")
    if fields["count"] < previous.count:
        raise CheckpointProblem("checkpoint_altered", f"checkpoint {where} counts fewer "
                                "entries than the one before it")
    return Checkpoint(fields["n"], fields["count"], fields["head"],
                      datetime.fromisoformat(fields["at"]), mac)
