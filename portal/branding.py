"""What the browser needs for the portal's look beyond static files: the favicon at the
address browsers ask for by themselves, and each rebiller's brand as a stylesheet.

The Content-Security-Policy forbids inline styles, so a brand colour cannot be written
into a page; it is served from our own origin as CSS variables that the page's
stylesheet uses, and the page links it.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask, Response, abort, current_app, request
from sqlalchemy import select

from billing.parties.models import Partner
from portal.extensions import db

COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_BRAND_COLOUR = "#1f4e8c"
BRAND_MAX_AGE = 3600  # seconds; a changed colour shows within the hour


def brand_colour(value: str | None) -> str:
    """The stored colour when it is a plain #rrggbb value, else the portal's own."""
    return value.lower() if value and COLOUR.fullmatch(value) else DEFAULT_BRAND_COLOUR


def brand_stylesheet(code: str) -> Response:
    """The CSS variables of one rebiller's brand; 404 for a code that names none."""
    partner = db.session.scalar(select(Partner).where(Partner.code == code))
    if partner is None or partner.kind != "wholesale":
        abort(404)
    css = f":root {{ --brand-color: {brand_colour(partner.brand_color)}; }}\n"
    response = Response(css, mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = BRAND_MAX_AGE
    response.set_etag(f"{partner.code}-{brand_colour(partner.brand_color)}")
    return response.make_conditional(request)


def favicon() -> Response:
    """The icon browsers fetch from /favicon.ico on their own, so they stop getting 404."""
    icon = Path(current_app.static_folder, "img", "favicon.ico").read_bytes()
    response = Response(icon, mimetype="image/vnd.microsoft.icon")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


def register(app: Flask) -> None:
    app.add_url_rule("/brand/<code>.css", "brand_css", brand_stylesheet)
    app.add_url_rule("/favicon.ico", "favicon", favicon)
