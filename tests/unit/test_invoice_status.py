"""The table of invoice status moves: what it allows, what it refuses, and its one setter."""

from itertools import product

import pytest

from billing.core.errors import InvalidInput
from billing.invoicing.models import INVOICE_STATUSES, Invoice
from billing.invoicing.status import (
    ALLOWED_TRANSITIONS,
    check_transition,
    may_move,
    move_invoice_status,
)

# Written out here rather than read from the table, so that a change to it shows up as a test.
EXPECTED_MOVES = {
    ("draft", "issued"),
    ("issued", "partially_paid"), ("issued", "paid"), ("issued", "void"),
    ("partially_paid", "paid"), ("partially_paid", "issued"),
    ("paid", "partially_paid"), ("paid", "issued"),
}
REFUSED_MOVES = sorted(
    (old, new) for old, new in product(INVOICE_STATUSES, repeat=2)
    if old != new and (old, new) not in EXPECTED_MOVES)


def test_the_table_names_every_status_and_only_those():
    assert set(ALLOWED_TRANSITIONS) == set(INVOICE_STATUSES)
    assert all(targets <= set(INVOICE_STATUSES) for targets in ALLOWED_TRANSITIONS.values())


@pytest.mark.parametrize(("old", "new"), sorted(EXPECTED_MOVES))
def test_each_allowed_move_passes_the_check(old, new):
    assert may_move(old, new)
    check_transition(old, new)


@pytest.mark.parametrize(("old", "new"), REFUSED_MOVES)
def test_each_other_move_is_refused_by_the_check(old, new):
    assert not may_move(old, new)
    with pytest.raises(InvalidInput, match=f"cannot move from {old} to {new}"):
        check_transition(old, new, "INV-USD-2026-000007")


@pytest.mark.parametrize("status", INVOICE_STATUSES)
def test_staying_in_a_status_is_no_move(status):
    check_transition(status, status)


@pytest.mark.parametrize("old", ["issued", "partially_paid", "paid", "void"])
def test_nothing_goes_back_to_draft(old):
    with pytest.raises(InvalidInput):
        check_transition(old, "draft")


@pytest.mark.parametrize("new", ["draft", "issued", "partially_paid", "paid"])
def test_void_is_final(new):
    with pytest.raises(InvalidInput):
        check_transition("void", new)


def test_the_refusal_names_the_invoice():
    with pytest.raises(InvalidInput, match="Invoice INV-USD-2026-000007 cannot move"):
        check_transition("paid", "draft", "INV-USD-2026-000007")


def test_moving_a_status_sets_it_when_allowed_and_leaves_it_when_not():
    invoice = Invoice(number="INV-USD-2026-000007", status="issued")
    assert move_invoice_status(invoice, "partially_paid").status == "partially_paid"
    with pytest.raises(InvalidInput):
        move_invoice_status(invoice, "draft")
    assert invoice.status == "partially_paid"


def test_the_refusal_of_an_invoice_without_a_number_says_the_invoice():
    with pytest.raises(InvalidInput) as refused:
        check_transition("draft", "paid")
    assert refused.value.message == "The invoice cannot move from draft to paid."


def test_the_setter_names_the_invoice_it_refuses_to_move():
    invoice = Invoice(number="INV-USD-2026-000007", status="void")
    with pytest.raises(InvalidInput) as refused:
        move_invoice_status(invoice, "issued")
    assert refused.value.message == "Invoice INV-USD-2026-000007 cannot move from void to issued."


def test_a_status_the_table_does_not_know_moves_nowhere():
    assert not may_move("archived", "paid")
    with pytest.raises(InvalidInput, match="cannot move from archived to paid"):
        check_transition("archived", "paid", "INV-USD-2026-000007")
