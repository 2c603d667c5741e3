"""Which logo a document carries: the provider's, or a rebiller's on its white-label
documents, and only ever an image file under our own static/ folder.

A rebiller's logo is found by convention, `static/img/brands/<partner code>.svg` (or
`.png`), put there by whoever deploys the portal: nothing a user uploads, so no image a
document loads is anyone's input. Codes are reduced to letters, digits, "-" and "_"
before they name a file.
"""

from __future__ import annotations

import re

from billing.parties.branding import document_brand
from reports.rendering import STATIC

IMAGE_SUFFIXES = (".svg", ".png")


def static_image(relative: str | None) -> str | None:
    """`relative` (a path under static/) if it names an SVG or PNG file there, else None."""
    if not relative:
        return None
    path = (STATIC / relative).resolve()
    if (path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file()
            or not path.is_relative_to(STATIC.resolve())):
        return None
    return path.relative_to(STATIC.resolve()).as_posix()


def brand_logo(partner_code: str | None) -> str | None:
    """The rebiller's logo under static/img/brands/, if one is there."""
    slug = re.sub(r"[^A-Za-z0-9_-]", "", partner_code or "").lower()
    if not slug:
        return None
    for suffix in IMAGE_SUFFIXES:
        found = static_image(f"img/brands/{slug}{suffix}")
        if found:
            return found
    return None


def brand_of(customer) -> dict | None:
    """The account's document brand (billing.parties.branding) with its rebiller's logo,
    if one is there; None for the provider's own documents."""
    brand = document_brand(customer)
    if brand is None:
        return None
    return {**brand, "logo": brand_logo(customer.partner.code)}
