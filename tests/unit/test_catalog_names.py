"""Products and escalation tiers named per locale: the fallback, what is refused, and the
two ways names arrive (the tier's settings and the products file)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from billing.catalog.models import Product
from billing.core.display_names import clean_translations, display_name
from billing.core.errors import InvalidInput
from billing.disputes.tiers import TierSettings, save_tier
from billing.imports import KINDS, run_import
from tests.factories import make_tiers

NOW = datetime(2026, 3, 2, 15, tzinfo=UTC)
SEAT = SimpleNamespace(name="Voice seat", name_translations={
    "de": "Sprachlizenz", "fr": "Licence voix", "en_GB": "Voice licence"})
HEADER = "code,name,kind,unit,sla_family"
NAMES = "name_en_GB,name_de,name_fr,name_es"


@pytest.mark.parametrize("locale, shown", [
    ("de", "Sprachlizenz"), ("de_AT", "Sprachlizenz"), ("fr", "Licence voix"),
    ("en_GB", "Voice licence"), ("en_US", "Voice seat"), ("es", "Voice seat"),
    (None, "Voice seat"), ("", "Voice seat"),
])
def test_a_name_falls_back_from_region_to_language_to_the_canonical_one(locale, shown):
    assert display_name(SEAT, locale) == shown
    as_dict = {"name": SEAT.name, "name_translations": SEAT.name_translations}
    assert display_name(as_dict, locale) == shown


def test_a_thing_without_translations_shows_its_name():
    assert display_name(SimpleNamespace(name="Tier 1", name_translations=None), "de") == "Tier 1"


def test_names_are_trimmed_and_blanks_dropped():
    assert clean_translations({"de": "  Sprachlizenz ", "fr": "", "es": "   "}) == {
        "de": "Sprachlizenz"}


@pytest.mark.parametrize("names", [
    {"it": "Licenza"}, {"de": "Zeile\neins"}, {"de": "x" * 201}, {"de": 5}, {"de": "A\x00"},
])
def test_unknown_locales_and_unusable_names_are_refused(names):
    with pytest.raises(InvalidInput):
        clean_translations(names)


def test_a_tier_keeps_its_names_per_locale(session):
    tier = make_tiers(session)[0]
    save_tier(session, TierSettings(tier.name, tier.role, tier.response_hours,
                                    {"USD": 50_000}, {"de": "Abrechnung", "fr": " "}),
              NOW, tier.id)
    assert tier.name_translations == {"de": "Abrechnung"}
    assert display_name(tier, "de") == "Abrechnung" and display_name(tier, "fr") == tier.name
    with pytest.raises(InvalidInput):
        save_tier(session, TierSettings(tier.name, tier.role, tier.response_hours, {},
                                        {"de": "x" * 101}), NOW, tier.id)


def load_products(session, text: str):
    return run_import(session, KINDS["products"], lambda: io.BytesIO(text.encode()))


def product(session, code: str) -> Product:
    session.expire_all()
    return session.scalars(select(Product).filter_by(code=code)).one()


def test_the_products_file_may_carry_names_per_locale(session):
    report = load_products(session, f"{HEADER},{NAMES}\n"
                                    "SEAT,Voice seat,recurring,seat,voice,,Sprachlizenz,"
                                    "Licence voix,\n")
    assert report.saved and report.errors == []
    assert product(session, "SEAT").name_translations == {"de": "Sprachlizenz",
                                                          "fr": "Licence voix"}


def test_a_file_without_the_name_columns_leaves_the_names_as_they_were(session):
    load_products(session, f"{HEADER},{NAMES}\nSEAT,Voice seat,recurring,seat,voice,,"
                           "Sprachlizenz,,\n")
    report = load_products(session, f"{HEADER}\nSEAT,Voice seat (new),recurring,seat,voice\n")
    assert report.saved
    seat = product(session, "SEAT")
    assert seat.name == "Voice seat (new)" and seat.name_translations == {"de": "Sprachlizenz"}


def test_a_bad_name_column_is_named_and_nothing_saved(session):
    report = load_products(session, f"{HEADER},{NAMES}\n"
                                    f"SEAT,Voice seat,recurring,seat,voice,,{'x' * 201},,\n")
    assert not report.saved
    assert [(e.row, e.column) for e in report.errors] == [(2, "name_de")]
    with pytest.raises(InvalidInput, match="optionally followed by name_en_GB,name_de"):
        load_products(session, f"{HEADER},name_de\nSEAT,Voice seat,recurring,seat,voice,X\n")
