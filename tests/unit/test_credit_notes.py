"""Credit notes: numbered, reasoned, applied oldest first, carried over when too large."""

from datetime import UTC, datetime

import pytest

from billing.core.errors import InvalidInput
from billing.invoicing.credit_notes import apply_credit_notes, create_credit_note
from tests.factories import another_period_end, make_invoice

NOW = datetime(2026, 3, 1, 18, tzinfo=UTC)


def note(session, customer, amount, reason="goodwill", currency="USD"):
    return create_credit_note(session, customer=customer, amount_minor=amount,
                              currency=currency, reason=reason, reference="ticket 42", now=NOW)


def draft(session, customer, amount):
    return make_invoice(session, customer, None, status="draft", amount_minor=amount,
                        period_end=another_period_end())


def test_credit_notes_are_numbered_per_currency_and_year(session, world):
    customer = world.customers["channel"]
    numbers = [note(session, customer, 100).number, note(session, customer, 100).number,
               note(session, customer, 100, currency="EUR").number]
    assert numbers == ["CN-USD-2026-000001", "CN-USD-2026-000002", "CN-EUR-2026-000001"]


@pytest.mark.parametrize("amount, reason, reference", [
    (0, "sla", "x"), (-5, "sla", "x"), (100, "whim", "x"), (100, "sla", "  "),
])
def test_bad_credit_notes_are_refused(session, world, amount, reason, reference):
    with pytest.raises(InvalidInput):
        create_credit_note(session, customer=world.customers["channel"], amount_minor=amount,
                           currency="USD", reason=reason, reference=reference, now=NOW)


def test_applied_on_the_next_invoice_oldest_first(session, world):
    customer = world.customers["channel"]
    first, second = note(session, customer, 3000, "sla"), note(session, customer, 2000)
    invoice = draft(session, customer, 10_000)
    lines = apply_credit_notes(session, invoice)
    assert [line.amount_minor for line in lines] == [-3000, -2000]
    assert lines[0].description.startswith("SLA credit CN-USD-2026-000001")
    assert (first.remaining_minor, second.remaining_minor) == (0, 0)
    assert sum(line.amount_minor for line in invoice.lines) == 5000


def test_a_credit_larger_than_the_invoice_carries_over(session, world):
    customer = world.customers["channel"]
    big = note(session, customer, 8000)
    apply_credit_notes(session, draft(session, customer, 5000))
    assert big.remaining_minor == 3000
    later = draft(session, customer, 5000)
    apply_credit_notes(session, later)
    assert big.remaining_minor == 0
    assert sum(line.amount_minor for line in later.lines) == 2000


def test_credits_stay_in_their_currency_and_customer(session, world):
    note(session, world.customers["channel"], 1000, currency="EUR")
    note(session, world.customers["other"], 1000)
    assert apply_credit_notes(session, draft(session, world.customers["channel"], 5000)) == []


def test_issued_invoices_take_no_credit(session, world):
    with pytest.raises(InvalidInput):
        apply_credit_notes(session, world.invoices["channel"])
