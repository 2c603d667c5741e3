"""The Stripe report import's set-based SQL path (billing/payments/report_sets.py) gives what
the general Python path gives, on generated reports (PostgreSQL).

Each case builds accounts and invoices (some part paid, paid, draft; a location paying
through its parent; a EUR account; Stripe customers; an earlier webhook payment), writes a
report of random charges (named invoices that fit or not, shared, repeated, another
account's, unknown; unknown accounts; PaymentIntents repeated or recorded before), fees,
payouts and now and then a refund or dispute, and imports it in random chunks twice from
the same starting point: once forcing the Python path, once the set-based one. The
results file and everything written (payments, allocations, reversals, invoices' paid
amounts and statuses, balance-transaction records) must be the same.
"""

from __future__ import annotations

import io
import random
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from billing.core.errors import InvalidInput
from billing.payments.recording import Receipt, record_payment
from billing.payments.report_import import import_rows, result_row
from billing.payments.report_rows import read_report
from billing.payments.report_sets import apply_common
from tests.factories import another_period_end, make_customer, make_invoice

pytestmark = pytest.mark.postgres_only

NOW = datetime(2026, 4, 10, 18, tzinfo=UTC)
COLUMNS = ("balance_transaction_id", "created_utc", "currency", "gross", "fee", "net",
           "reporting_category", "source_id", "customer_id", "charge_id", "payment_intent_id",
           "automatic_payout_id", "payment_method_type", "payment_metadata[account_number]",
           "payment_metadata[invoice_numbers]")


def invoice(session, customer, number, amount, status="issued", due=None):
    made = make_invoice(session, customer, number, period_end=another_period_end(),
                        amount_minor=amount, status="draft")
    if status != "draft":
        made.status = status
        made.due_date = due or made.due_date
    session.flush()
    return made


def build(session, world, rng: random.Random) -> dict:
    """Accounts and invoices: {account number: (currency, [(invoice number, total)])}, plus the
    Stripe customer ids and the outside ids recorded before the report."""
    from billing.payments.models import StripeCustomer

    partner = world.partners["channel"]
    books, stripe, earlier = {}, {}, []
    parent = None
    for n in range(7):
        number = f"GEN-{n:03d}"
        extra = {}
        if n == 5:
            extra = {"parent": parent, "pays_own_charges": False}  # pays through GEN-000
        if n == 6:
            extra = {"currency": "EUR"}
        account = make_customer(session, number, f"Generated {n}", partner, **extra)
        parent = parent or account
        if n % 2 == 0:
            session.add(StripeCustomer(customer_id=account.id, currency=account.currency,
                                       stripe_id=f"cus_gen{n}"))
            stripe[number] = f"cus_gen{n}"
        numbers = []
        if n != 5:  # a location receives no invoice of its own
            for k in range(rng.randint(2, 5)):
                # 9, 10, 100: the oldest-due rule sorts digit runs as numbers
                code = f"G{n}-{rng.choice((9, 10, 100, 11)) + k * 1000}"
                status = rng.choice(("issued",) * 6 + ("draft", "paid_before"))
                due = date(2026, 3, 1) + timedelta(days=rng.randint(0, 3) * 10)
                made = invoice(session, account, code, rng.randint(10, 400) * 100,
                               "issued" if status == "paid_before" else status, due)
                if status == "paid_before" or rng.random() < 0.2:
                    paid = made.total_minor if status == "paid_before" \
                        else rng.randint(1, made.total_minor // 100 - 1) * 100
                    ref = f"pi_before_{code}"
                    record_payment(session, Receipt(
                        account.currency, paid, NOW - timedelta(days=20), "card", ref,
                        "stripe", account.id, (code,), external_id=ref), NOW)
                    earlier.append(ref)
                numbers.append((code, made.total_minor))
        books[number] = (account.currency, numbers)
    books["GEN-005"] = ("USD", books["GEN-000"][1])  # a location names its parent's invoices
    session.flush()
    return {"books": books, "stripe": stripe, "earlier": earlier}


def report(world: dict, rng: random.Random, rows: int, reversals: float = 0.04) -> bytes:
    """A report of `rows` balance transactions (see the module's docstring); about more
    than half the charges pay part or all of the invoices they name, as most payments do."""
    books, lines, charges = world["books"], [",".join(COLUMNS)], []
    all_numbers = [n for _, numbers in books.values() for n, _ in numbers]
    for i in range(rows):
        at = (NOW - timedelta(days=5, seconds=-97 * i)).strftime("%Y-%m-%d %H:%M:%S")
        roll = rng.random()
        if roll < 0.08:
            lines.append(_line(f"txn_g{i}", at, "usd", -rng.randint(1, 99), "fee"))
            continue
        if roll < 0.11:
            lines.append(_line(f"txn_g{i}", at, "usd", -rng.randint(100, 9000), "payout"))
            continue
        if roll < 0.11 + reversals and charges:
            ref, amount, currency = rng.choice(charges)
            kind = rng.choice(("refund", "dispute"))
            back = rng.randint(1, amount)
            lines.append(_line(f"txn_g{i}", at, currency, -back, kind, source=f"re_g{i}",
                               pi=ref))
            continue
        account = rng.choice(list(books))
        currency, numbers = books[account]
        chosen = rng.sample(numbers, k=min(len(numbers), rng.randint(0, 3)))
        named = [n for n, _ in chosen]
        if rng.random() < 0.1 and named:
            named.append(named[0])  # the same invoice twice
        if rng.random() < 0.1:
            named.append(rng.choice(all_numbers))  # perhaps another account's
        if rng.random() < 0.05:
            named.append("NO-SUCH-1")
        room = sum(total for _, total in chosen)
        amount = rng.choice((rng.randint(1, 500) * 100, rng.randint(1, 60000),
                             max(1, room - rng.randint(0, 3) * 900), max(1, room // 2),
                             max(1, room)))
        name, stripe = account, ""
        who = rng.random()
        if who < 0.08:
            name = "NOPE-404"
        elif who < 0.16 and account in world["stripe"]:
            name, stripe = "", world["stripe"][account]
        elif who < 0.2:
            name = ""
        ref = f"pi_g{i}"
        if rng.random() < 0.06 and charges:
            ref = rng.choice(charges)[0]  # the same PaymentIntent again
        elif rng.random() < 0.04 and world["earlier"]:
            ref = rng.choice(world["earlier"])  # recorded by webhook before
        charges.append((ref, amount, currency.lower()))
        lines.append(_line(f"txn_g{i}", at, currency.lower(), amount, "charge",
                           source=f"ch_g{i}", pi=ref, account=name, stripe=stripe,
                           numbers=" ".join(named)))
    return "\n".join(lines).encode()


def _line(txn, at, currency, gross, category, *, source="", pi="", account="", stripe="",
          numbers=""):
    fee = abs(gross) * 3 // 100 if category == "charge" else 0
    values = [txn, at, currency, _major(gross), _major(fee), _major(gross - fee), category,
              source or txn, stripe, source if category == "charge" else "", pi, "",
              "card" if category == "charge" else "", account, numbers]
    return ",".join(values)


def _major(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def imported(session, data: bytes, chunks: list[int], *, set_based: bool):
    """Import the report in these chunk sizes; the results file's rows and what the
    database holds afterwards (ids replaced by the outside ids they stand for)."""
    parsed = read_report(io.BytesIO(data), NOW)
    assert parsed.ok, parsed.errors
    results, start = [], 0
    for size in chunks:
        chunk = parsed.rows[start:start + size]
        start += size
        results += [result_row(kept) for kept in
                    import_rows(session, chunk, NOW, set_based=set_based)]
    return results, snapshot(session)


SNAPSHOT = {
    "payments": """
        SELECT p.external_id, c.account_number, p.currency, p.amount_minor, p.received_at,
               p.method, p.reference, p.source, p.named_invoices::text, p.payment_class,
               p.payer_note, p.note
        FROM payment p LEFT JOIN customer c ON c.id = p.customer_id ORDER BY p.external_id""",
    "allocations": """
        SELECT p.external_id, i.number, a.amount_minor, a.at, r.external_id
        FROM payment_allocation a JOIN payment p ON p.id = a.payment_id
        JOIN invoice i ON i.id = a.invoice_id
        LEFT JOIN payment_reversal r ON r.id = a.reversal_id
        ORDER BY p.external_id, a.id""",
    "reversals": """
        SELECT r.external_id, r.kind, r.amount_minor, p.external_id, r.reason
        FROM payment_reversal r JOIN payment p ON p.id = r.payment_id ORDER BY r.external_id""",
    "invoices": "SELECT number, paid_minor, status FROM invoice ORDER BY number",
    "balance transactions": """
        SELECT t.balance_transaction_id, t.reporting_category, t.result_class, t.currency,
               t.gross_minor, t.fee_minor, t.net_minor, t.created_utc, t.available_on_utc,
               t.source_id, t.charge_id, t.payment_intent_id, t.stripe_customer_id,
               t.automatic_payout_id, t.automatic_payout_effective_at, t.account_number,
               t.invoice_numbers, t.amount_currency, t.allocated_minor, t.unapplied_minor,
               p.external_id, r.external_id, t.outcome, t.imported_at
        FROM stripe_balance_transaction t LEFT JOIN payment p ON p.id = t.payment_id
        LEFT JOIN payment_reversal r ON r.id = t.reversal_id
        ORDER BY t.balance_transaction_id""",
}


def snapshot(session) -> dict:
    session.flush()
    return {name: [tuple(row) for row in session.execute(text(sql))]
            for name, sql in SNAPSHOT.items()}


def both_paths(session, data: bytes, chunks: list[int]):
    """Import the same report from the same starting point by each path."""
    outcomes = []
    for set_based in (False, True):
        attempt = session.begin_nested()
        outcomes.append(imported(session, data, chunks, set_based=set_based))
        attempt.rollback()
        session.expire_all()
    return outcomes


@pytest.mark.parametrize("seed", range(12))
def test_generated_reports_give_the_same_results_by_either_path(session, world, seed):
    rng = random.Random(seed)
    books = build(session, world, rng)
    rows = rng.randint(30, 90)
    data = report(books, rng, rows, reversals=0.0 if seed % 2 else 0.04)
    chunks = []
    while sum(chunks) < rows:
        chunks.append(rng.choice((1, 2, 3, 5, 8, 40)))
    (python_results, python_rows), (sql_results, sql_rows) = both_paths(session, data, chunks)
    assert sql_results == python_results
    for name in SNAPSHOT:
        assert sql_rows[name] == python_rows[name], name
    assert python_rows["payments"]  # the report did record something


def test_a_second_import_by_the_set_based_path_changes_nothing(session, world):
    rng = random.Random(99)
    books = build(session, world, rng)
    data = report(books, rng, 60)
    first, after_first = imported(session, data, [25, 35], set_based=True)
    again, after_again = imported(session, data, [60], set_based=True)
    assert again == first
    assert after_again == after_first


def test_the_set_based_path_takes_only_the_charges_it_can_apply_alike(session, world):
    """Which charges the SQL applies: one fitting its named invoices, an unmatched one and
    a replay; not one that overflows its invoices (the oldest-due rule), nor the charges
    of an account two of which name the same invoice, nor a PaymentIntent given twice."""
    partner = world.partners["channel"]
    accounts = {n: make_customer(session, f"SET-{n}", f"Set {n}", partner) for n in range(5)}
    for n, account in accounts.items():
        invoice(session, account, f"S{n}-1", 10_000)
        invoice(session, account, f"S{n}-2", 20_000)
    record_payment(session, Receipt("USD", 500, NOW - timedelta(days=9), "card", "pi_seen",
                                    "stripe", None, (), external_id="pi_seen"), NOW)
    data = "\n".join([",".join(COLUMNS),
                      # SET-0: 120.00 fits in S0-2 (200.00) then S0-1: common, partial
                      _charge("t1", 12_000, "SET-0", "S0-2 S0-1", "pi_1"),
                      _charge("t2", 2_500, "NOPE-1", "", "pi_2"),       # unmatched: common
                      _charge("t3", 500, "SET-0", "", "pi_seen"),       # replay: common
                      _charge("t4", 40_000, "SET-1", "S1-1", "pi_4"),   # overflows: general
                      _charge("t5", 1_000, "SET-2", "S2-1", "pi_5"),    # S2-1 twice: general
                      _charge("t6", 2_000, "SET-2", "S2-1 S2-2", "pi_6"),
                      _charge("t7", 1_000, "SET-3", "S3-1", "pi_7"),    # pi_7 twice: general
                      _charge("t8", 1_000, "SET-3", "S3-2", "pi_7"),
                      _charge("t9", 30_000, "SET-4", "S4-1 S4-2", "pi_9"),  # exactly fits
                      ]).encode()
    parsed = read_report(io.BytesIO(data), NOW)
    assert parsed.ok, parsed.errors
    payers = {f"SET-{n}": account.id for n, account in accounts.items()}
    done = apply_common(session, parsed.rows, lambda row: payers.get(row.account_number), NOW)
    assert set(done) == {"t1", "t2", "t3", "t9"}
    kept = dict(session.execute(text(
        "SELECT balance_transaction_id, result_class || ' ' || allocated_minor || ' ' || "
        "unapplied_minor FROM stripe_balance_transaction")).all())
    assert kept == {"t1": "partial 12000 0", "t2": "unmatched 0 2500",
                    "t3": "replayed 0 0", "t9": "matched 30000 0"}
    paid = dict(session.execute(text(
        "SELECT number, paid_minor || ' ' || status FROM invoice WHERE number LIKE 'S%'")).all())
    # t1: 120.00 all on S0-2 (200.00 open), S0-1 untouched; t9: both of SET-4's in full.
    assert paid["S0-2"] == "12000 partially_paid" and paid["S0-1"] == "0 issued"
    assert paid["S4-1"] == "10000 paid" and paid["S4-2"] == "20000 paid"
    assert paid["S1-1"] == "0 issued" and paid["S2-1"] == "0 issued"


def _charge(txn, amount, account, numbers, pi):
    return _line(txn, "2026-04-01 10:00:00", "usd", amount, "charge", source=f"ch_{txn}",
                 pi=pi, account=account, numbers=numbers)


@pytest.mark.parametrize("lines", [slice(0, 4), slice(2, 4)], ids=["all", "unmatched"])
def test_two_set_based_imports_of_one_report_at_once_record_it_once(session, world, db,
                                                                    lines):
    """Charges on a known account (the second import waits for its lock) and unmatched
    ones (no lock: the second finds the first's payments and records) at the same time."""
    account = make_customer(session, "SET-RACE", "Race", world.partners["channel"])
    for n in range(1, 4):
        invoice(session, account, f"SR-{n}", 10_000)
    session.commit()
    data = "\n".join([",".join(COLUMNS), *[
        _charge("r1", 10_000, "SET-RACE", "SR-1", "pi_r1"),
        _charge("r2", 4_000, "SET-RACE", "SR-2", "pi_r2"),
        _charge("r3", 700, "NOPE-1", "", "pi_r3"),
        _charge("r4", 800, "", "", "pi_r4")][lines]]).encode()
    engine, barrier, outcomes = db.engine, threading.Barrier(2), []

    def run_alone():
        with Session(engine) as own:
            parsed = read_report(io.BytesIO(data), NOW)
            barrier.wait()
            outcomes.append([result_row(kept) for kept in
                             import_rows(own, parsed.rows, NOW, set_based=True)])
            own.commit()

    threads = [threading.Thread(target=run_alone) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # r1 pays SR-1 in full; r2 40.00 of SR-2's 100.00; r3, r4: no account known.
    expected = [("r1", "charge", "matched", "SET-RACE", "SR-1", "100.00", "0.00", "USD"),
                ("r2", "charge", "partial", "SET-RACE", "SR-2", "40.00", "0.00", "USD"),
                ("r3", "charge", "unmatched", "NOPE-1", "", "0.00", "7.00", "USD"),
                ("r4", "charge", "unmatched", "", "", "0.00", "8.00", "USD")][lines]
    assert outcomes == [expected, expected]
    made = len(expected)
    assert session.execute(text(
        "SELECT (SELECT count(*) FROM payment), (SELECT count(*) FROM payment_allocation), "
        "(SELECT count(*) FROM stripe_balance_transaction)")).one() == (
        made, 2 if made == 4 else 0, made)


def test_a_charge_of_nothing_is_refused_by_either_path_alike(session, world):
    """Stripe's customer-facing amount 0.00: `record_payment` refuses it (a payment brings
    money), and the set-based path leaves it to that refusal instead of failing itself."""
    account = make_customer(session, "SET-ZERO", "Zero", world.partners["channel"])
    invoice(session, account, "SZ-1", 10_000)
    header = ",".join((*COLUMNS, "customer_facing_amount", "customer_facing_currency"))
    line = _charge("z1", 1_000, "SET-ZERO", "SZ-1", "pi_z1") + ",0.00,usd"
    parsed = read_report(io.BytesIO(f"{header}\n{line}".encode()), NOW)
    assert parsed.ok, parsed.errors
    messages = []
    for set_based in (False, True):
        attempt = session.begin_nested()
        with pytest.raises(InvalidInput) as refused:
            import_rows(session, parsed.rows, NOW, set_based=set_based)
        messages.append(refused.value.message)
        attempt.rollback()
    assert messages[0] == messages[1] and "above zero" in messages[0]
