"""The command-line tools, run through Flask's CLI runner against the test database."""

import re
from datetime import date

import pyotp
import pytest
from sqlalchemy import func, select

from billing.core.clock import utcnow
from billing.cpni.models import CpniApproval
from billing.invoicing.models import Invoice, InvoiceLine
from billing.parties import identity
from billing.parties.models import Customer, Partner
from billing.parties.users import ApiToken, User
from billing.payments.models import Payment, PaymentAllocation, PaymentReversal
from portal.config import ConfigError, load_settings
from tests.cleanup import empty_database


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


def _fingerprint(session):
    rows = session.execute(select(Invoice.number, Invoice.total_minor, Customer.account_number)
                           .join(Invoice.customer).order_by(Invoice.number)).all()
    return [tuple(row) for row in rows]


def test_demo_seed_builds_the_promised_world_once_and_the_same_each_time(runner, session, db):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert "channel.admin@partners.example" in result.output
    kinds = dict(session.execute(select(Partner.kind, func.count()).group_by(Partner.kind)).all())
    assert all(kinds[k] >= 3 for k in ("channel", "agency", "wholesale"))
    deepest = session.scalars(select(Partner).where(Partner.code == "AG-01-A1")).one()
    assert deepest.parent.parent.code == "AG-01"
    customers = session.scalars(select(Customer)).all()
    assert len(customers) >= 150
    assert {c.currency for c in customers} >= {"USD", "CAD", "GBP", "EUR"}
    assert {c.locale for c in customers} == {"en_US", "en_GB", "de", "fr", "es"}
    assert any(c.parent_id for c in customers)
    assert session.scalar(select(func.count(func.distinct(Invoice.period_end)))) == 12
    kinds = set(session.scalars(select(InvoiceLine.kind).distinct()))
    assert kinds >= {"recurring", "usage", "tax", "fee", "credit", "proration", "one_time"}
    approvals = session.scalars(select(CpniApproval)).all()
    now = utcnow()
    assert any(a.in_force(now) for a in approvals)
    assert any(a.revoked_at for a in approvals)
    assert any(a.expires_at and a.expires_at < now for a in approvals)
    _assert_a_payment_history(session)
    assert "skipped" in runner.invoke(args=["demo", "seed"]).output
    assert session.scalar(select(func.count()).select_from(Customer)) == len(customers)
    first = _fingerprint(session)
    session.rollback()
    empty_database(db.engine, db.metadata)
    runner.invoke(args=["demo", "seed"])
    assert _fingerprint(session) == first and len(first) > 1000


def _assert_a_payment_history(session):
    """The demo's payments went through the real recording: dated rows, offline methods,
    partial payments, an overpayment left as credit, a refund; every invoice's paid
    amount is the sum of its allocation rows."""
    classes = dict(session.execute(select(Payment.payment_class, func.count())
                                   .group_by(Payment.payment_class)).all())
    assert classes["matched"] > 1000 and classes["partial"] > 50 and classes["overpaid"] == 1
    assert set(session.scalars(select(Payment.source).distinct())) == {"demo"}
    assert set(session.scalars(select(Payment.method).distinct())) == {"cheque", "wire", "ach"}
    (refund,) = session.scalars(select(PaymentReversal)).all()
    assert refund.kind == "refund" and refund.payment.payment_class == "overpaid"
    from billing.payments import ledger

    assert ledger.figures_of(session, refund.payment).unapplied_minor == 25_000 - 10_000
    allocated = dict(session.execute(
        select(PaymentAllocation.invoice_id, func.sum(PaymentAllocation.amount_minor))
        .group_by(PaymentAllocation.invoice_id)).all())
    paid = dict(session.execute(select(Invoice.id, Invoice.paid_minor)
                                .where(Invoice.paid_minor != 0)).all())
    assert paid == allocated and len(paid) > 1000


def test_users_create_enforces_the_password_policy(runner, session, world):
    ok = runner.invoke(args=["users", "create", "--email", "New.Person@Partner.test",
                             "--name", "New Person", "--role", "partner_user",
                             "--partner", "CH", "--password", "Amber-Cliff-Signal-88"])
    assert ok.exit_code == 0, ok.output
    user = session.scalars(select(User).filter_by(email="new.person@partner.test")).one()
    assert user.partner.code == "CH" and user.password_hash.startswith("$argon2")
    weak = runner.invoke(args=["users", "create", "--email", "x@y.test", "--name", "X Y",
                               "--role", "admin", "--password", "short"])
    assert weak.exit_code != 0 and "at least 12 characters" in weak.output


def test_tokens_create_prints_a_working_token_once(runner, session, world):
    result = runner.invoke(args=["tokens", "create", "--email", "channel.admin@partner.test",
                                 "--name", "ERP"])
    secret = re.search(r"pbp_\w+", result.output).group(0)
    assert identity.resolve_api_token(session, secret, utcnow()) is not None
    assert session.scalars(select(ApiToken)).one().token_hash != secret


def test_demo_totp_prints_the_current_code(runner, world):
    result = runner.invoke(args=["demo", "totp", "specialist@staff.test"])
    assert result.output.strip() == pyotp.TOTP(world.users["staff"].totp_secret).now()


def test_production_refuses_to_start_without_a_real_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        load_settings(tmp_path)
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ConfigError):
        load_settings(tmp_path)
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("AUDIT_LOG_KEY", raising=False)
    with pytest.raises(ConfigError, match="AUDIT_LOG_KEY must be set"):
        load_settings(tmp_path)
    monkeypatch.setenv("AUDIT_LOG_KEY", "short")
    with pytest.raises(ConfigError, match="AUDIT_LOG_KEY must be at least"):
        load_settings(tmp_path)
    monkeypatch.setenv("AUDIT_LOG_KEY", "k" * 40)
    settings = load_settings(tmp_path)
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_development_generates_and_keeps_a_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("AUDIT_LOG_KEY", raising=False)
    first = load_settings(tmp_path)["SECRET_KEY"]
    assert len(first) >= 32 and load_settings(tmp_path)["SECRET_KEY"] == first
    key = load_settings(tmp_path)["AUDIT_LOG_KEY"]  # its own secret, kept in instance/ too
    assert len(key) >= 32 and key != first and load_settings(tmp_path)["AUDIT_LOG_KEY"] == key
    assert (tmp_path / "audit_log_key").read_text().strip() == key
    assert load_settings(tmp_path)["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


def test_billing_run_drafts_and_issues_a_period_once(runner, session, world):
    first = runner.invoke(args=["billing", "run", "--period", "2026-05", "--issue"])
    assert first.exit_code == 0, first.output
    assert "Drafted 7" in first.output and "Issued 7 invoices." in first.output
    again = runner.invoke(args=["billing", "run", "--period", "2026-05"])
    assert "Drafted 0" in again.output
    issued = session.scalars(select(Invoice).where(Invoice.period_end == date(2026, 5, 25))).all()
    assert len(issued) == 7 and {i.status for i in issued} == {"issued"}


def test_billing_run_refuses_a_malformed_period(runner, world):
    result = runner.invoke(args=["billing", "run", "--period", "2026-13"])
    assert result.exit_code != 0 and "is not a period" in result.output


def test_import_command_loads_a_file_and_refuses_a_bad_one(runner, session, tmp_path, world):
    good = tmp_path / "partners.csv"
    good.write_text("code,name,kind,parent_code,brand_name,brand_color\nNEW,New One,channel,,,\n")
    result = runner.invoke(args=["import", "partners", str(good)])
    assert result.exit_code == 0 and "1 new, 0 updated" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,kind,parent_code,brand_name,brand_color\nX,,channel,,,\n")
    result = runner.invoke(args=["import", "partners", str(bad)])
    assert result.exit_code != 0
    assert "row 2, column name: is required" in result.output
    assert "Nothing was imported" in result.output
    assert session.scalar(select(func.count()).select_from(Partner).filter_by(code="X")) == 0


def test_audit_seal_then_verify_passes_an_intact_log_and_names_a_tampered_entry(
        runner, session, world, db):
    from billing.cpni import approvals as cpni
    from tests.audit_helpers import tamper

    ids = [world.customers[key].id for key in ("channel", "location", "other")]
    cpni.record_disclosures(session, user=world.users["staff"], customer_ids=ids,
                            surface="export", purposes=dict.fromkeys(ids, "billing"),
                            subject="customer export", now=utcnow())
    session.commit()
    pending = runner.invoke(args=["audit", "verify"])
    assert pending.exit_code == 0 and "OK: 0 entries, 3 not yet sealed" in pending.output
    sealed = runner.invoke(args=["audit", "seal"])
    assert sealed.exit_code == 0 and "Sealed 3 entries." in sealed.output
    intact = runner.invoke(args=["audit", "verify"])
    assert intact.exit_code == 0 and "OK: 3 entries" in intact.output
    tamper(db.engine, "UPDATE cpni_disclosure SET purpose = 'support' WHERE sequence = 2")
    tampered = runner.invoke(args=["audit", "verify"])
    assert tampered.exit_code == 1
    assert "BAD (altered): entry 2" in tampered.output
    assert "content altered" in tampered.output
