"""Locale choice and locale-aware formatting of money and dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from babel import dates, numbers
from flask import current_app, g, has_request_context, request, session
from flask_babel import (
    format_percent,
    get_locale,
    get_timezone,
    get_translations,
)
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from billing.core.money import Money
from portal.catalog_names import local_name
from portal.extensions import babel
from reports.labels import BOOK_KIND_LABELS, STANDING_LABELS, STATUS_LABELS
from reports.rendering import format_quantity, format_rate

LANGUAGES = {"en_US": "English (US)", "en_GB": "English (UK)", "de": "Deutsch",
             "fr": "Français", "es": "Español"}


def select_locale() -> str:
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    if session.get("locale") in LANGUAGES:
        return session["locale"]
    best = request.accept_languages.best_match(["en_US", "en_GB", "en-US", "en-GB", "de",
                                                "fr", "es", "en"])
    return {"en-US": "en_US", "en-GB": "en_GB", "en": "en_US", None: "en_US"}.get(best, best)


def select_time_zone() -> tzinfo | None:
    """The viewer's own time zone when it chose a valid one; else None, the provider's."""
    if has_request_context() and current_user and current_user.is_authenticated:
        return zone_named(getattr(current_user, "time_zone", None))
    return None


@lru_cache(maxsize=64)
def zone_named(name: str | None) -> ZoneInfo | None:
    return ZoneInfo(name) if name and name in time_zone_names() else None


@lru_cache(maxsize=1)
def time_zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def viewer_zone() -> tzinfo:
    """The zone instants are shown in: the provider's in mails (their readers are not the
    viewer, and the text names Mountain Time), else the viewer's choice."""
    if g.get("provider_clock"):
        return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return get_timezone()


def money(minor: int, currency: str) -> str:
    """An amount in minor units, with its currency once, as the locale writes it."""
    return _money(int(minor), currency, str(get_locale() or "en_US"))


def local_date(value) -> str:
    """A date (or ISO date string, as the presenters give) in the user's locale; an
    instant gives its day in the viewer's time zone."""
    if not value:
        return ""
    if isinstance(value, datetime):  # rebased to the viewer's zone first: not cached
        return dates.format_date(_aware(value).astimezone(viewer_zone()).date(), "medium",
                                 locale=_locale())
    return _date(value, str(get_locale() or "en_US"))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# A list repeats the same few dates and often the same amounts on every row and every
# request; their text depends on nothing else, so each is formatted once per process.
@lru_cache(maxsize=8192)
def _money(minor: int, currency: str, locale: str) -> str:
    return numbers.format_currency(Money(minor, currency).major, currency, locale=locale)


@lru_cache(maxsize=4096)
def _date(value: date | str, locale: str) -> str:
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return dates.format_date(day, "medium", locale=locale)


def local_datetime(value) -> str:
    """An instant (or ISO 8601 string, as the presenters give) in the viewer's locale and
    time zone, to the minute, with the zone's name: "5 Dec 2026, 14:05 CET"."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = _aware(moment).astimezone(viewer_zone())
    locale = _locale()
    day = dates.format_date(local.date(), "medium", locale=locale)
    clock = dates.format_time(local.time(), "short", locale=locale)
    pattern = dates.get_datetime_format("medium", locale=locale).replace("'", "")
    return f"{pattern.replace('{0}', clock).replace('{1}', day)} {zone_label(local)}"


def zone_label(local: datetime) -> str:
    """The zone's short name at that instant (CET, MDT); a bare offset reads UTC+04."""
    name = local.tzname() or ""
    return f"UTC{name}" if name[:1] in "+-" else name


def _locale() -> str:
    return str(get_locale() or "en_US")


def _page_translations() -> dict:
    """Templates' gettext and ngettext for one render, bound to the catalog of the
    locale in force once, instead of looking the catalog up for each of the hundred or
    more strings of a page. Behave as Jinja's newstyle ones: escaped, %-formatted."""
    catalog = get_translations()

    @pass_context
    def gettext(context, text: str, **variables) -> str:
        found = catalog.ugettext(text)
        return (Markup(found) if context.eval_ctx.autoescape else found) % variables

    @pass_context
    def ngettext(context, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        found = catalog.ungettext(singular, plural, num)
        return (Markup(found) if context.eval_ctx.autoescape else found) % variables

    return {"gettext": gettext, "ngettext": ngettext}


def register(app) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_time_zone)
    app.context_processor(_page_translations)
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["rate"] = lambda value: format_rate(value, _locale())
    app.jinja_env.filters["number"] = lambda value: format_quantity(value, _locale())
    app.jinja_env.filters["date"] = local_date
    app.jinja_env.filters["percent"] = lambda value: format_percent(value, "#,##0.##%")
    app.jinja_env.filters["datetime"] = local_datetime
    app.jinja_env.filters["local_name"] = local_name
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["STATUS_LABELS"] = STATUS_LABELS
    app.jinja_env.globals["STANDING_LABELS"] = STANDING_LABELS
    app.jinja_env.globals["BOOK_KIND_LABELS"] = BOOK_KIND_LABELS
