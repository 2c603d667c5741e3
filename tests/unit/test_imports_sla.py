"""CSV imports of the outage ledger and trouble tickets: all or nothing, re-imports update."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from billing.catalog.models import Service
from billing.imports import KINDS, run_import
from billing.sla.credits import open_ticket
from billing.sla.models import Outage, TroubleTicket

EXAMPLES = Path(__file__).resolve().parents[2] / "billing" / "imports" / "examples"
OUTAGE_HEADER = "ref,started_at,ended_at,cause,platform,service_ids,summary\n"
TICKET_HEADER = "ref,account_number,opened_at,outage_ref,summary\n"


def load(session, kind, text):
    payload = text.encode() if isinstance(text, str) else text
    return run_import(session, KINDS[kind], lambda: io.BytesIO(payload))


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def examples(session):
    for kind in ("partners", "customers"):
        assert load(session, kind, (EXAMPLES / f"{kind}.csv").read_bytes()).saved


def test_the_example_files_import_and_reimport_without_duplicates(session, examples):
    for kind, model in [("outages", Outage), ("trouble_tickets", TroubleTicket)]:
        data = (EXAMPLES / f"{kind}.csv").read_bytes()
        first = load(session, kind, data)
        assert first.saved, first.errors
        assert first.created == first.rows == count(session, model) == 3
        again = load(session, kind, data)
        assert (again.created, again.updated) == (0, 3)
        assert count(session, model) == 3
    ticket = session.scalars(select(TroubleTicket).filter_by(ref="SUP-88127")).one()
    assert ticket.source == "support" and ticket.outage.ref == "INC-2026-0412"
    assert ticket.opened_at == datetime(2026, 10, 6, 16, 5, tzinfo=UTC)


def test_a_reimported_outage_is_corrected_with_its_services(session, world):
    service = session.scalars(select(Service)).first()
    load(session, "outages", OUTAGE_HEADER + "INC-1,2026-01-06T09:00:00-07:00,"
         "2026-01-06T10:00:00-07:00,provider,voice,,first\n")
    report = load(session, "outages", OUTAGE_HEADER + "INC-1,2026-01-06T09:00:00-07:00,"
                  f"2026-01-06T12:00:00-07:00,e,,{service.id},corrected\n")
    assert (report.created, report.updated) == (0, 1)
    outage = session.scalars(select(Outage)).one()
    assert (outage.cause, outage.platform, outage.summary) == ("e", None, "corrected")
    assert outage.ended_at == datetime(2026, 1, 6, 19, tzinfo=UTC)
    assert [s.id for s in outage.services] == [service.id]


def test_bad_outage_rows_are_listed_and_nothing_is_saved(session, world):
    rows = [
        "INC-1,2026-01-06T09:00:00Z,2026-01-06T10:00:00Z,provider,voice,,fine",
        "INC-2,2026-01-06T09:00:00Z,2026-01-06T08:00:00Z,provider,voice,,backwards",
        "INC-3,2026-01-06T09:00:00Z,2026-01-06T10:00:00Z,weather,voice,,what cause",
        "INC-4,2026-01-06T09:00:00,2026-01-06T10:00:00Z,provider,voice,,no offset",
        "INC-5,2026-01-06T09:00:00Z,2026-01-06T10:00:00Z,provider,,,affects nothing",
        "INC-6,2026-01-06T09:00:00Z,2026-01-06T10:00:00Z,provider,,999999,no such service",
        "INC-7,2026-01-06T09:00:00Z,2026-01-06T10:00:00Z,provider,fax,,no such platform",
        "INC-1,2026-01-06T09:00:00Z,2026-01-06T10:00:00Z,provider,voice,,twice",
    ]
    report = load(session, "outages", OUTAGE_HEADER + "\n".join(rows) + "\n")
    assert not report.saved
    problems = {(e.row, e.column) for e in report.errors}
    assert problems == {(3, "ended_at"), (4, "cause"), (5, "started_at"), (6, "platform"),
                        (7, "service_ids"), (8, "platform"), (9, "ref")}
    assert count(session, Outage) == 0


def test_bad_ticket_rows_are_listed_and_nothing_is_saved(session, world):
    load(session, "outages", OUTAGE_HEADER + "INC-1,2026-01-06T09:00:00Z,"
         "2026-01-06T10:00:00Z,provider,voice,,down\n")
    rows = [
        "SUP-1,AC-0100,2026-01-06T09:30:00Z,INC-1,fine",
        "SUP-2,AC-9999,2026-01-06T09:30:00Z,INC-1,unknown account",
        "SUP-3,AC-0100,2026-01-06T09:30:00Z,INC-404,unknown outage",
        "SUP-4,AC-0100,tuesday,,no time",
        "SUP-5,AC-0100,2026-01-06T09:30:00Z,,",
    ]
    report = load(session, "trouble_tickets", TICKET_HEADER + "\n".join(rows) + "\n")
    assert not report.saved
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert set(messages) == {(3, "account_number"), (4, "outage_ref"), (5, "opened_at"),
                             (6, "summary")}
    assert messages[(3, "account_number")] == "no account 'AC-9999'"
    assert messages[(4, "outage_ref")] == "no outage 'INC-404'"
    assert count(session, TroubleTicket) == 0


def test_a_ticket_opened_in_the_portal_keeps_its_source_when_imported(session, world):
    open_ticket(session, customer=world.customers["direct"], opened_at=datetime(
        2026, 1, 6, 17, tzinfo=UTC), summary="From the portal", source="portal", ref="TT-7")
    report = load(session, "trouble_tickets", TICKET_HEADER +
                  "TT-7,AC-0100,2026-01-06T17:00:00Z,,Confirmed by support\n"
                  "SUP-8,AC-0100,2026-01-06T18:00:00Z,,New from support\n")
    assert (report.created, report.updated) == (1, 1)
    sources = dict(session.execute(select(TroubleTicket.ref, TroubleTicket.source)).all())
    assert sources == {"TT-7": "portal", "SUP-8": "support"}
    summary = session.scalar(select(TroubleTicket.summary).filter_by(ref="TT-7"))
    assert summary == "Confirmed by support"
