"""A Jinja environment for documents, with translations and locale formatting by Babel."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
STATIC = ROOT / "static"


def _money(value: dict, locale: str) -> str:
    return format_currency(Decimal(value["amount"]), value["currency"], locale=locale)


def _date(value, locale: str) -> str:
    if not value:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(day, "medium", locale=locale)


RATE_PATTERN = "#,##0.00####"  # unit rates keep up to six places, at least two
QUANTITY_PATTERN = "#,##0.######"


def format_rate(value, locale: str) -> str:
    return format_decimal(Decimal(str(value)), format=RATE_PATTERN, locale=locale)


def format_quantity(value, locale: str) -> str:
    return format_decimal(Decimal(str(value)), format=QUANTITY_PATTERN, locale=locale)


@lru_cache(maxsize=8)
def translations(locale: str) -> Translations:
    return Translations.load(str(TRANSLATIONS), [locale])


def translated(labels: dict, locale: str) -> dict:
    return {key: translations(locale).gettext(text) for key, text in labels.items()}


@lru_cache(maxsize=8)
def environment(locale: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(locale), newstyle=True)
    env.filters["money"] = lambda value: _money(value, locale)
    env.filters["date"] = lambda value: _date(value, locale)
    env.filters["rate"] = lambda value: format_rate(value, locale)
    env.filters["number"] = lambda value: format_quantity(value, locale)
    return env


def render_html(template: str, locale: str, **context) -> str:
    return environment(locale).get_template(template).render(locale=locale, **context)
