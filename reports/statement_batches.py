"""Statement batches: every statement of a partner's customers (or of all accounts, or one
partner's, for staff) for one period, rendered by workers side by side into one ZIP.

`ask_for_batch` finds the batch with the same inputs or records a new one; the job
`statements.batch` then calls `plan_slices`, and one `statements.batch_slice` task per
slice calls `render_slice`. Each statement goes through `documents.statement_document`,
the single statement's own path: the access policy decides what it shows (a partner
without a customer's approval gets the statement without amounts), the account's brand
goes on it and the disclosure is logged. A slice is marked done, and counted on the
batch, in one transaction that holds the batch's row; the slice that completes the
batch writes the ZIP and its manifest in that same transaction, so a task delivered twice
does nothing twice, and one that dies leaves its slice for the redelivered task.

A partner's batch is keyed also by which of its customers' CPNI it may show, so a stored
ZIP is served only while the approvals it was rendered under still stand.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billing.core.db import begin_writing
from billing.invoicing.statement_batch_models import StatementBatch, StatementBatchSlice
from billing.parties.models import Customer, Partner
from billing.parties.partners import subtree_ids_clause
from billing.parties.users import User
from portal import access
from portal.invoicing.viewer import Viewer
from reports import documents
from reports.statement_batch_files import batch_folder, write_file, write_zip

STAFF_PURPOSE = "billing"  # staff render statements to bill the accounts


def accounts_in_scope(session: Session, user: User, partner: Partner | None) -> list[Customer]:
    """The accounts a batch covers: the user's reach, narrowed to a partner's tree."""
    query = select(Customer).where(access.customer_scope(session, user))
    if partner is not None:
        query = query.where(Customer.partner_id.in_(subtree_ids_clause(partner)))
    return list(session.scalars(query.order_by(Customer.account_number)))


def batch_key(user: User, partner: Partner | None, start: date, end: date, locale: str,
              shown: list[int] | None) -> str:
    """A digest of everything a batch's ZIP depends on."""
    inputs = {"audience": "partner" if user.is_partner else "staff",
              "partner": user.partner_id if user.is_partner else partner and partner.id,
              "start": start.isoformat(), "end": end.isoformat(), "locale": locale,
              "shown": shown}
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def partner_shown(session: Session, user: User, now: datetime) -> list[int] | None:
    """For a partner, the customers in reach whose CPNI it may see now; None for staff."""
    if not user.is_partner:
        return None
    customers = accounts_in_scope(session, user, None)
    grants = access.cpni_access_many(session, user, customers, now)
    return sorted(cid for cid, grant in grants.items() if grant.visible)


def still_current(session: Session, user: User, batch: StatementBatch, now: datetime) -> bool:
    """Whether a partner's batch still matches the approvals in force, so that its ZIP
    may be served (staff batches show what staff may see: always)."""
    if batch.audience != "partner":
        return True
    return batch.key == batch_key(user, None, batch.period_start, batch.period_end,
                                  batch.locale, partner_shown(session, user, now))


def ask_for_batch(session: Session, user: User, *, partner: Partner | None, start: date,
                  end: date, locale: str, now: datetime) -> tuple[StatementBatch, bool]:
    """The batch with these inputs, and whether it must be (re)rendered: a stored batch
    is returned as it is; a failed one is started again; else a new one is recorded.
    Flushes; the caller commits, then starts `statements.batch` when told to."""
    if user.is_partner:
        partner = None  # a partner's batch is its whole reach
    key = batch_key(user, partner, start, end, locale, partner_shown(session, user, now))
    found = session.scalar(select(StatementBatch).where(StatementBatch.key == key))
    if found is not None and found.state != "failed":
        return found, False
    if found is not None:
        session.execute(delete(StatementBatchSlice)
                        .where(StatementBatchSlice.batch_id == found.id))
        found.state, found.done, found.error, found.requested_by_id = "rendering", 0, None, user.id
        found.created_at, found.finished_at, found.manifest = now, None, []
        session.flush()
        return found, True
    batch = StatementBatch(
        key=key, audience="partner" if user.is_partner else "staff",
        requested_by_id=user.id, partner_id=user.partner_id if user.is_partner else
        partner and partner.id, period_start=start, period_end=end, locale=locale,
        state="rendering", total=0, done=0, created_at=now, manifest=[])
    try:
        with session.begin_nested():
            session.add(batch)
    except IntegrityError:  # asked twice at once: the other request recorded it
        return session.scalar(select(StatementBatch).where(StatementBatch.key == key)), False
    return batch, True


def plan_slices(session: Session, batch_id: int, *, now: datetime, size: int,
                root: Path) -> list[int]:
    """The ids of the batch's slices still to render, planning them the first time.
    Commits, so that workers find the slices at once."""
    begin_writing(session)
    batch = session.get(StatementBatch, batch_id, populate_existing=True, with_for_update=True)
    if batch is None or batch.state != "rendering":
        session.rollback()
        return []
    slices = session.scalars(select(StatementBatchSlice)
                             .where(StatementBatchSlice.batch_id == batch_id)
                             .order_by(StatementBatchSlice.id)).all()
    if not slices:
        slices = _plan(session, batch, size)
        if not slices:
            _assemble(session, batch, root, now)  # nothing in reach: an empty ZIP
    ids = [piece.id for piece in slices if piece.done_at is None]
    session.commit()
    return ids


def _plan(session: Session, batch: StatementBatch, size: int) -> list[StatementBatchSlice]:
    asker = session.get(User, batch.requested_by_id)
    partner = None
    if batch.audience == "staff" and batch.partner_id is not None:
        partner = session.get(Partner, batch.partner_id)
    ids = [c.id for c in accounts_in_scope(session, asker, partner)]
    slices = [StatementBatchSlice(batch_id=batch.id, accounts=ids[at:at + size], entries=[])
              for at in range(0, len(ids), size)]
    session.add_all(slices)
    batch.total = len(ids)
    session.flush()
    return slices


def render_slice(session: Session, slice_id: int, *, now: datetime,
                 settings: documents.DocumentSettings, root: Path) -> bool:
    """Render the statements of one slice into the batch's folder and count them; whether
    this call did it. The slice completing the batch writes its ZIP. Commits after each
    statement (its disclosure), and once more for the slice."""
    piece = session.get(StatementBatchSlice, slice_id, populate_existing=True)
    batch = piece and session.get(StatementBatch, piece.batch_id, populate_existing=True)
    if piece is None or piece.done_at is not None or batch.state != "rendering":
        session.rollback()
        return False
    asker = session.get(User, batch.requested_by_id)
    purposes = dict.fromkeys(piece.accounts, STAFF_PURPOSE) if asker.is_staff else {}
    viewer = Viewer(asker, purposes=purposes)
    customers = session.scalars(select(Customer).where(Customer.id.in_(piece.accounts))
                                .order_by(Customer.account_number)).all()
    grants = access.cpni_access_many(session, asker, customers, now, purposes)
    folder = batch_folder(root, batch.id)
    start, end, locale = batch.period_start, batch.period_end, batch.locale
    entries = []
    for customer in customers:
        body = documents.statement_document(session, viewer, customer, start, end,
                                            locale=locale, now=now, settings=settings)
        name = documents.statement_filename(customer, start, end)
        write_file(folder / name, body)
        entries.append({"account": customer.account_number, "name": customer.name,
                        "file": name, "withheld": not grants[customer.id].visible})
        session.commit()  # the disclosure, at once: never hold the log across renders
    return _finish_slice(session, slice_id, entries, now, root)


def _finish_slice(session: Session, slice_id: int, entries: list[dict], now: datetime,
                  root: Path) -> bool:
    begin_writing(session)
    batch_id = session.scalar(select(StatementBatchSlice.batch_id)
                              .where(StatementBatchSlice.id == slice_id))
    batch = batch_id and session.get(StatementBatch, batch_id, populate_existing=True,
                                     with_for_update=True)
    # read under the batch's lock: another delivery may have just counted this slice
    piece = session.get(StatementBatchSlice, slice_id, populate_existing=True)
    if piece is None or piece.done_at is not None or batch.state != "rendering":
        session.rollback()  # another delivery counted it, or the batch was asked anew
        return False
    piece.done_at, piece.entries = now, entries
    batch.done += len(entries)
    batch.progress_at = now
    session.flush()
    undone = session.scalar(select(StatementBatchSlice.id).where(
        StatementBatchSlice.batch_id == batch.id, StatementBatchSlice.done_at.is_(None))
        .limit(1))
    if undone is None:
        _assemble(session, batch, root, now)
    session.commit()
    return True


def _assemble(session: Session, batch: StatementBatch, root: Path, now: datetime) -> None:
    """Write the ZIP (the statements and manifest.csv) and close the batch."""
    slices = session.scalars(select(StatementBatchSlice)
                             .where(StatementBatchSlice.batch_id == batch.id)
                             .order_by(StatementBatchSlice.id)).all()
    manifest = [entry for piece in slices for entry in piece.entries]
    write_zip(root, batch, manifest)
    batch.manifest, batch.state, batch.finished_at = manifest, "done", now
    batch.progress_at = now


def record_failure(session: Session, batch_id: int, why: str) -> None:
    """Mark a batch failed, saying why; asking for it again starts it afresh. Commits."""
    session.rollback()
    batch = session.get(StatementBatch, batch_id, populate_existing=True)
    if batch is not None and batch.state == "rendering":
        batch.state, batch.error = "failed", why[:500]
        session.commit()
