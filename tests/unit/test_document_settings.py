"""What documents print about the provider and how to pay comes from the portal's
settings: remit-to per currency as JSON, never example bank details in production."""

from __future__ import annotations

import json

import pytest

from portal.config import EXAMPLE_REMIT_TO, ConfigError, load_settings
from reports.documents import DocumentSettings
from reports.payment_instructions import payment_instructions

PRODUCTION = {"PORTAL_ENV": "production", "SECRET_KEY": "k" * 40, "AUDIT_LOG_KEY": "a" * 40}


def _settings(tmp_path, monkeypatch, **env):
    for name in ("REMIT_TO", "PORTAL_ENV", "PROVIDER_VAT_NUMBER", "PROVIDER_COUNTRY",
                 "STRIPE_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_settings(tmp_path)


def test_development_prints_the_example_bank_details(tmp_path, monkeypatch):
    assert _settings(tmp_path, monkeypatch)["REMIT_TO"] == EXAMPLE_REMIT_TO


def test_production_prints_no_bank_details_until_they_are_set(tmp_path, monkeypatch):
    assert _settings(tmp_path, monkeypatch, **PRODUCTION)["REMIT_TO"] == {}
    remit = {"eur": {"iban": "DE02 1203 0000 0000 2020 51", "bic": "BYLADEM1001"}}
    settings = _settings(tmp_path, monkeypatch, **PRODUCTION, REMIT_TO=json.dumps(remit))
    assert settings["REMIT_TO"] == {"EUR": remit["eur"]}


@pytest.mark.parametrize("text", ["{not json", '["EUR"]', '{"EUR": "an IBAN"}'])
def test_malformed_remit_to_stops_the_portal_from_starting(tmp_path, monkeypatch, text):
    with pytest.raises(ConfigError, match="REMIT_TO"):
        _settings(tmp_path, monkeypatch, REMIT_TO=text)


def test_documents_take_the_provider_and_payment_settings(tmp_path, monkeypatch):
    config = _settings(tmp_path, monkeypatch, PROVIDER_VAT_NUMBER="IE9876543WA",
                       PROVIDER_COUNTRY="ie", STRIPE_SECRET_KEY="sk_test_x")
    settings = DocumentSettings.from_config(config)
    assert settings.provider["vat_number"] == "IE9876543WA"
    assert settings.provider["logo"] == "img/logo.svg"
    assert settings.provider_country == "IE"
    assert settings.pay_online_base == config["PUBLIC_URL"]
    without_stripe = DocumentSettings.from_config({**config, "STRIPE_SECRET_KEY": None})
    assert without_stripe.pay_online_base is None


def test_instructions_name_only_the_invoices_currency_and_its_number():
    found = payment_instructions(EXAMPLE_REMIT_TO, currency="gbp", reference="INV-GBP-1",
                                 invoice_id=7, pay_online_base=None)
    assert found["currency"] == "GBP" and found["reference"] == "INV-GBP-1"
    assert dict(found["bank"])["sort_code"] == EXAMPLE_REMIT_TO["GBP"]["sort_code"]
    assert [key for key, _ in found["bank"]] == ["beneficiary", "bank", "iban", "bic",
                                                 "account_number", "sort_code"]
    assert found["pay_online"] is None
    assert payment_instructions({}, currency="CHF", reference="X", invoice_id=7,
                                pay_online_base=None) is None
    online = payment_instructions({}, currency="CHF", reference="X", invoice_id=7,
                                  pay_online_base="https://portal.test/")
    assert online["bank"] == [] and online["pay_online"] == \
        "https://portal.test/customer/pay?invoice=7"
