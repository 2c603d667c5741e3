"""VAT numbers of customer accounts: their written form, checked before they are kept.

A VAT number starts with its two-letter prefix, then the characters the issuing country
uses. The prefixes are those of the 27 EU member states (Greece writes "EL", not its ISO
code "GR"), plus the United Kingdom's "GB" and Northern Ireland's "XI", which finance
teams print on invoices as well. Only the written form is checked: whether a tax
office issued the number is a question for that office (VIES in the EU).

Spaces, dots and hyphens people type between groups are dropped; letters are upper-cased.
"""

from __future__ import annotations

import re

from billing.core.errors import InvalidInput

# The body after the prefix, per prefix (public formats of each tax administration).
EU_PATTERNS = {
    "AT": r"U\d{8}",
    "BE": r"[01]\d{9}",
    "BG": r"\d{9,10}",
    "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}",
    "DE": r"\d{9}",
    "DK": r"\d{8}",
    "EE": r"\d{9}",
    "EL": r"\d{9}",
    "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
    "FI": r"\d{8}",
    "FR": r"[0-9A-HJ-NP-Z]{2}\d{9}",
    "HR": r"\d{11}",
    "HU": r"\d{8}",
    "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}",
    "LT": r"\d{9}|\d{12}",
    "LU": r"\d{8}",
    "LV": r"\d{11}",
    "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}",
    "PL": r"\d{10}",
    "PT": r"\d{9}",
    "RO": r"[1-9]\d{1,9}",
    "SE": r"\d{10}01",
    "SI": r"\d{8}",
    "SK": r"\d{10}",
}
_UK_BODY = r"\d{9}|\d{12}|GD[0-4]\d{2}|HA[5-9]\d{2}"
PATTERNS = {**EU_PATTERNS, "GB": _UK_BODY, "XI": _UK_BODY}

# The ISO 3166 country of each EU prefix: they differ only for Greece.
EU_MEMBER_STATES = frozenset("GR" if prefix == "EL" else prefix for prefix in EU_PATTERNS)

_COMPILED = {prefix: re.compile(body) for prefix, body in PATTERNS.items()}
_SEPARATORS = re.compile(r"[\s.\-]")


def normalized_vat_number(text: str | None) -> str | None:
    """The VAT number as it is kept: upper case, without separators; None when blank.

    Raises InvalidInput, saying what was expected, when it is not written as a VAT
    number of a known prefix."""
    value = _SEPARATORS.sub("", text or "").upper()
    if not value:
        return None
    prefix, body = value[:2], value[2:]
    if prefix not in _COMPILED:
        raise InvalidInput(
            f"A VAT number starts with the two letters of its country (for example DE, "
            f"FR or EL for Greece); {prefix!r} is not one we know.")
    if not _COMPILED[prefix].fullmatch(body):
        raise InvalidInput(f"{value} is not written as a {prefix} VAT number: check the "
                           f"characters after {prefix}.")
    return value


def vat_country(vat_number: str | None) -> str | None:
    """The ISO country that issued a (normalized) VAT number; None without one."""
    if not vat_number:
        return None
    prefix = vat_number[:2]
    return "GR" if prefix == "EL" else prefix
